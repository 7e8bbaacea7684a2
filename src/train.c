/*
 * train.c
 *	  The training aggregates seq_train (stores the model, returns its id)
 *	  and seq_fit (returns the serialized model, no side effect).  The
 *	  transition function collects the ordered values; the final function
 *	  trains, scores the held-out windows against the model and the naive
 *	  baselines, derives the prediction intervals, and serializes.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "seqforecast.h"

/* Coverage of the prediction intervals, and the steps they are fitted for. */
#define INTERVAL_COVERAGE 0.9
#define INTERVAL_MAX_STEPS 64
#define INTERVAL_MAX_ORIGINS 512

/*
 * The aggregate's state: the options, read once, and the values so far.
 * While every value is the first one plus an offset that float32 holds
 * exactly (small counts, say), values take 4 bytes a row; the first value
 * that is not turns the array into float8, so no value is ever rounded.
 */
typedef struct TrainState
{
	SfOptions	opts;
	double		first;
	float	   *deltas;			/* the compact form, or NULL */
	double	   *values;			/* the exact form, or NULL */
	int64		n;
	int64		cap;
	const double *exog;			/* exog rows (n + INTERVAL_MAX_STEPS), or NULL */
	int			n_covariates;	/* their first columns: covariates (timeaxis.c) */
	uint32		calendar;		/* the calendar parts of the other columns */
} TrainState;

/* Switch the state to float8 storage. */
static void
WidenState(TrainState *state, MemoryContext aggctx)
{
	double	   *values;

	CheckMemoryRequest(sizeof(double) * state->cap, "collecting this series", NULL);
	values = MemoryContextAllocHuge(aggctx, sizeof(double) * state->cap);
	for (int64 i = 0; i < state->n; i++)
		values[i] = state->first + (double) state->deltas[i];
	pfree(state->deltas);
	state->deltas = NULL;
	state->values = values;
}

static void
AppendValue(TrainState *state, double v, MemoryContext aggctx)
{
	float		delta;

	if (state->n == state->cap)
	{
		size_t		elem = state->values ? sizeof(double) : sizeof(float);

		if (state->cap >= SF_MAX_SERIES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("series has more than %d values", SF_MAX_SERIES)));
		CheckMemoryRequest(elem * state->cap * 2, "collecting this series", NULL);
		state->cap *= 2;
		if (state->values)
			state->values = repalloc_huge(state->values, elem * state->cap);
		else
			state->deltas = repalloc_huge(state->deltas, elem * state->cap);
	}
	if (state->n == 0)
		state->first = v;
	if (state->deltas)
	{
		delta = (float) (v - state->first);
		if (isfinite(delta) && state->first + (double) delta == v)
		{
			state->deltas[state->n++] = delta;
			return;
		}
		WidenState(state, aggctx);
	}
	state->values[state->n++] = v;
}

/* The collected series as float8, for the core. */
static double *
StateSeries(TrainState *state)
{
	double	   *series;

	if (state->values)
		return state->values;
	series = palloc_extended(sizeof(double) * Max(state->n, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < state->n; i++)
		series[i] = state->first + (double) state->deltas[i];
	return series;
}

/* What the epoch hook needs to report progress. */
typedef struct Progress
{
	const char *name;
	int			epochs;
	instr_time	start;
	double		last_report;
} Progress;

/*
 * The start of every training aggregate's transition (univariate, with
 * timestamps, with covariates): the aggregate's memory context, and at the
 * first row, before any state exists, the refusals that need none (seq_train
 * on a standby or in a read-only transaction, a NULL kind).  True at the
 * first row.
 */
bool
TransitionStarts(FunctionCallInfo fcinfo, bool stores, MemoryContext *aggctx)
{
	if (!AggCheckCallContext(fcinfo, aggctx))
		elog(ERROR, "seq_train and seq_fit transition called in non-aggregate context");
	if (!PG_ARGISNULL(0))
		return false;
	if (stores)
	{
		/* on a standby, say so rather than "read-only transaction" */
		PreventCommandDuringRecovery("seq_train()");
		PreventCommandIfReadOnly("seq_train()");
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model kind must not be NULL"),
				 errhint("Valid kinds are rnn, lstm and gru.")));
	return true;
}

static TrainState *
Accumulate(FunctionCallInfo fcinfo, bool stores)
{
	MemoryContext aggctx;
	TrainState *state;

	if (TransitionStarts(fcinfo, stores, &aggctx))
	{
		MemoryContext old;
		char	   *kind;

		old = MemoryContextSwitchTo(aggctx);
		state = palloc0(sizeof(TrainState));
		kind = text_to_cstring(PG_GETARG_TEXT_PP(1));
		ReadOptions(&state->opts, kind,
					PG_NARGS() > 3 && !PG_ARGISNULL(3) ? PG_GETARG_JSONB_P(3) : NULL);
		state->cap = 1024;
		state->deltas = palloc(sizeof(float) * state->cap);
		MemoryContextSwitchTo(old);
		/* refuse at the first row, before any training is wasted */
		if (stores && CitusTaskFromElsewhere())
			RefuseInCitusTask(CITUS_TRAIN, state->opts.name, 0);
	}
	else
		state = (TrainState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("series value %lld is NULL", (long long) state->n + 1),
				 errhint("A series must have no gaps: filter out or fill NULL values (for example with coalesce).")));
	CheckSeriesValue("series", PG_GETARG_FLOAT8(2), state->n + 1);

	AppendValue(state, PG_GETARG_FLOAT8(2), aggctx);
	return state;
}

PG_FUNCTION_INFO_V1(seq_train_accum);

/* seq_train_accum(internal, kind text, value float8 [, options jsonb]) */
Datum
seq_train_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(Accumulate(fcinfo, true));
}

PG_FUNCTION_INFO_V1(seq_fit_accum);

/* seq_fit_accum(internal, kind text, value float8 [, options jsonb]) */
Datum
seq_fit_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(Accumulate(fcinfo, false));
}

static double
Elapsed(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/* Epoch hook: a NOTICE at the first and last epoch and every few seconds. */
static void
ReportEpoch(void *ctx, int epoch, double loss, double val_loss)
{
	Progress   *p = ctx;
	double		t = Elapsed(p->start);

	if (!sf_progress)
		return;
	if (epoch != 1 && epoch != p->epochs && t - p->last_report < 2.0)
		return;
	p->last_report = t;
	if (isnan(val_loss))
		ereport(NOTICE,
				(errmsg("training \"%s\": epoch %d of %d, loss %.6g, %.1f s",
						p->name, epoch, p->epochs, loss, t)));
	else
		ereport(NOTICE,
				(errmsg("training \"%s\": epoch %d of %d, loss %.6g, validation loss %.6g, %.1f s",
						p->name, epoch, p->epochs, loss, val_loss, t)));
}

/* The fewest values the options need, for the "too short" message. */
static int64
MinimumLength(const SfOptions *o)
{
	sf_split	split;

	for (int64 n = o->arch.window + 1; n < (int64) o->arch.window + 100000; n++)
		if (sf_split_compute((int) n, o->arch.window, o->train.test_fraction,
							 o->train.validation_fraction, &split) == SF_OK)
			return n;
	return -1;
}

/* One score as a JSON member of metrics (null when not finite). */
void
AppendScore(StringInfo s, const char *key, double v)
{
	appendStringInfo(s, ", \"%s\": ", key);
	AppendFloat(s, v);
}

/*
 * Scores on the held-out windows, in original units: the model, the naive
 * forecast (the previous value) and the seasonal-naive one (the value one
 * season back).  Appends them to metrics.
 */
static void
ScoreHoldout(StringInfo metrics, const SfModel *m, const SfOptions *o,
			 const double *series, const double *exog, const sf_split *split,
			 double scale, void *work)
{
	int			first = split->n_train + split->n_val;
	int			nt = split->n_test;
	int			T = o->arch.window;
	double	   *pred = palloc(sizeof(double) * Max(nt, 1));
	double	   *base = palloc(sizeof(double) * Max(nt, 1));
	const double *actual = series + first + T;
	sf_scores	sc;
	bool		seasonal_ok = first + T - o->season >= 0;

	sf_predict_windows_x(&m->core, series + first,
						 exog ? exog + (size_t) first * m->core.n_exog : NULL,
						 first, nt, pred, work, &InterruptHooks);
	sf_score(actual, pred, nt, &sc);
	AppendScore(metrics, "r2", sc.r2);
	AppendScore(metrics, "rmse", sc.rmse);
	AppendScore(metrics, "mae", sc.mae);
	AppendScore(metrics, "mape", sc.mape);
	AppendScore(metrics, "smape", sc.smape);
	AppendScore(metrics, "mase", sc.mae / scale);

	for (int i = 0; i < nt; i++)
		base[i] = series[first + i + T - 1];
	sf_score(actual, base, nt, &sc);
	AppendScore(metrics, "naive_r2", sc.r2);
	AppendScore(metrics, "naive_rmse", sc.rmse);

	if (seasonal_ok)
	{
		for (int i = 0; i < nt; i++)
			base[i] = series[first + i + T - o->season];
		sf_score(actual, base, nt, &sc);
	}
	AppendScore(metrics, "seasonal_naive_r2", seasonal_ok ? sc.r2 : NAN);
	AppendScore(metrics, "seasonal_naive_rmse", seasonal_ok ? sc.rmse : NAN);
	AppendScore(metrics, "seasonal_naive_mase", seasonal_ok ? sc.mae / scale : NAN);
}

/*
 * The scale of MASE: the mean absolute error of the seasonal-naive forecast
 * (lag season, or 1 when the part is too short for it) over the part of the
 * series the model was fitted on.  NaN when that error is 0.
 */
static double
MaseScale(const double *series, int n_fit, int season)
{
	int			lag = season < n_fit ? season : 1;
	double		s = 0;

	if (n_fit <= lag)
		return NAN;
	for (int i = lag; i < n_fit; i++)
		s += fabs(series[i] - series[i - lag]);
	s /= n_fit - lag;
	return s > 0 ? s : NAN;
}

/*
 * The conformal radius of step h (0-based) from the errors err[k][h] of the
 * origins k of parity `parity` (-1: every origin).  With fewer than
 * POOL_BELOW errors at that step, the quantile of so few would be too
 * narrow: the errors of every step are pooled instead, each scaled to step h
 * by the square root of the ratio of the steps (a random walk's growth).
 */
#define POOL_BELOW 20

static double
StepRadius(const double *err, int nt, int steps, int h, int parity)
{
	double	   *e = palloc(sizeof(double) * (size_t) nt * steps);
	int			n = 0;
	double		r;

	for (int k = 0; k + h < nt; k++)
		if (parity < 0 || k % 2 == parity)
			e[n++] = err[(size_t) k * steps + h];
	if (n < POOL_BELOW)
	{
		n = 0;
		for (int k = 0; k < nt; k++)
			for (int j = 0; j < steps; j++)
				if (k + j < nt && (parity < 0 || k % 2 == parity))
					e[n++] = err[(size_t) k * steps + j] * sqrt((h + 1.0) / (j + 1.0));
	}
	r = sf_conformal_radius(e, n, INTERVAL_COVERAGE);
	pfree(e);
	return r;
}

/* What the recursive forecasts from the held-out origins measure. */
typedef struct HoldoutSteps
{
	int			steps;			/* forecast steps with errors */
	double		radius[INTERVAL_MAX_STEPS];	/* split-conformal, all origins */
	double		mase[INTERVAL_MAX_STEPS];	/* mean error per step / scale */
	double		coverage;		/* cross-fitted coverage, all steps */
} HoldoutSteps;

/*
 * Split-conformal radii for each forecast step h: recursive forecasts from
 * the held-out origins, scored against the values h steps on.  A long
 * held-out part uses its last INTERVAL_MAX_ORIGINS origins per step: the
 * quantile is well settled by then and the cost stays bounded.  The same
 * errors give MASE per step and an honest estimate of the intervals'
 * coverage: the radius fitted on the even origins is tried on the odd ones
 * and the other way round, so no error judges an interval it helped to fit.
 */
static void
ScoreSteps(const SfModel *m, const double *series, const double *exog,
		   const sf_split *split, double scale, HoldoutSteps *hs, void *work)
{
	int			steps = Min(split->n_test, INTERVAL_MAX_STEPS);
	int			nt = Min(split->n_test, INTERVAL_MAX_ORIGINS + steps);
	int			first = split->n_train + split->n_val + (split->n_test - nt);
	int			T = m->core.arch.window;
	double	   *fc;
	double	   *err;
	int64		inside = 0,
				tried = 0;

	hs->steps = steps;
	hs->coverage = NAN;
	if (steps < 1)
		return;
	fc = palloc(sizeof(double) * nt * steps);
	err = palloc(sizeof(double) * nt * steps);
	sf_forecast_from_x(&m->core, series, exog, 0, first, nt, steps, fc, work,
					   &InterruptHooks);

	/* origin k's (h+1)-step forecast is for value first + k + T + h */
	for (int k = 0; k < nt; k++)
		for (int h = 0; h < steps; h++)
			err[(size_t) k * steps + h] = k + h < nt ?
				fabs(series[first + k + T + h] - fc[(size_t) k * steps + h]) : NAN;

	for (int h = 0; h < steps; h++)
	{
		double		sum = 0,
					r_half[2];
		int			count = 0;

		for (int k = 0; k + h < nt; k++)
			sum += err[(size_t) k * steps + h], count++;
		hs->mase[h] = sum / count / scale;
		hs->radius[h] = StepRadius(err, nt, steps, h, -1);
		r_half[0] = StepRadius(err, nt, steps, h, 0);
		r_half[1] = StepRadius(err, nt, steps, h, 1);
		for (int k = 0; k + h < nt; k++)
		{
			double		r = r_half[1 - k % 2];

			if (isnan(r))
				continue;
			inside += err[(size_t) k * steps + h] <= r;
			tried++;
		}
	}
	if (tried > 0)
		hs->coverage = (double) inside / tried;
}

/* A training whose weights went NaN or infinite diverged. */
static void
CheckFinite(const sf_model *model, size_t n_params, const char *name)
{
	for (size_t i = 0; i < n_params; i++)
		if (!isfinite(model->params[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("training model \"%s\" diverged", name),
					 errdetail("A weight became NaN or infinite."),
					 errhint("Lower learning_rate.")));
}

/*
 * What a series with timestamps (timeaxis.c) or covariates (covariates.c)
 * adds to the metadata: members of the options and of the metrics (JSON
 * text starting with ", "), the "time" object or NULL, more members of the
 * metadata or NULL, and the format's time fields or NULL.
 */
typedef struct SeriesMeta
{
	const char *options;
	const char *metrics;
	const char *time;
	const char *extra;
	const sf_time *fields;
} SeriesMeta;

/* The options' JSON object with the series' members added. */
static char *
OptionsWithTime(const SfOptions *o, const SeriesMeta *tm)
{
	char	   *json = OptionsToJson(o);
	size_t		len = strlen(json);

	if (tm == NULL)
		return json;
	Assert(len > 0 && json[len - 1] == '}');
	json[len - 1] = '\0';
	return psprintf("%s%s}", json, tm->options);
}

/*
 * Train on the collected series and return the serialized model, or NULL
 * for a too-short series with on_short = 'skip'.  tm is NULL for a series
 * of values alone.
 */
static bytea *
TrainAndEncode(TrainState *state, const SeriesMeta *tm, double *train_seconds)
{
	SfOptions  *o = &state->opts;
	int			n = (int) state->n;
	sf_split	split;
	SfModel		m;
	sf_train_result result;
	size_t		n_params = (size_t) o->train.ensemble * sf_param_count(&o->arch);
	size_t		train_bytes,
				infer_bytes;
	void	   *work;
	double	   *series;
	HoldoutSteps hs;
	int			n_radius = 0;
	Progress	progress;
	sf_hooks	hooks = {&progress, InterruptTick, ReportEpoch};
	StringInfoData meta;
	int			rc;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext trainctx;
	bytea	   *blob;

	if (sf_split_compute(n, o->arch.window, o->train.test_fraction,
						 o->train.validation_fraction, &split) != SF_OK)
	{
		int64		need = MinimumLength(o);

		if (o->skip_short)
		{
			ereport(NOTICE,
					(errmsg("skipping model \"%s\": series of %d values is too short, it needs at least %lld",
							o->name, n, (long long) need)));
			return NULL;
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("series of %d value is too short for model \"%s\"",
								"series of %d values is too short for model \"%s\"",
								n, n, o->name),
				 errdetail("With window %d, test_fraction %g and validation_fraction %g it needs at least %lld values.",
						   o->arch.window, o->train.test_fraction,
						   o->train.validation_fraction, (long long) need),
				 errhint("Use a smaller window or more data; with on_short 'skip' a short series gives NULL instead of an error.")));
	}

	memset(&m, 0, sizeof(m));
	m.core.arch = o->arch;
	m.core.n_members = o->train.ensemble;
	if (state->exog)
	{
		/*
		 * covariates (scaled by the training part's statistics, which
		 * sf_train_x fits), then calendar columns: computed from
		 * timestamps, no scaling to fit
		 */
		m.core.calendar = state->calendar;
		m.core.n_exog = o->arch.inputs - 1;
		for (int j = 0; j < m.core.n_exog; j++)
		{
			m.core.exog[j].kind = j < state->n_covariates ? SF_EXOG_COVARIATE : SF_EXOG_CALENDAR;
			m.core.exog[j].shift = 0;
			m.core.exog[j].scale = 1;
		}
	}
	train_bytes = sf_train_bytes(&o->arch, &o->train, n);
	infer_bytes = sf_infer_bytes(&o->arch, o->train.ensemble, SF_INFER_CHUNK);
	CheckMemoryRequest(train_bytes + infer_bytes + n_params * sizeof(sf_real) +
					   sizeof(double) * n,
					   psprintf("training model \"%s\"", o->name),
					   "Reduce window, hidden, layers or batch_size, or raise seqforecast.max_memory.");

	/* one context for the whole training, gone on success and on error */
	trainctx = AllocSetContextCreate(CurrentMemoryContext,
									 "seqforecast training",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(trainctx);

	m.core.params = palloc_extended(n_params * sizeof(sf_real), MCXT_ALLOC_HUGE);
	result.loss = palloc(sizeof(double) * o->train.epochs);
	result.val_loss = split.n_val > 0 ? palloc(sizeof(double) * o->train.epochs) : NULL;
	work = palloc_extended(Max(train_bytes, infer_bytes), MCXT_ALLOC_HUGE);

	progress.name = o->name;
	progress.epochs = o->train.epochs;
	progress.last_report = 0;
	INSTR_TIME_SET_CURRENT(progress.start);
	series = StateSeries(state);
	rc = sf_train_x(&m.core, &o->train, series, n, state->exog, work, &result, &hooks);
	*train_seconds = Elapsed(progress.start);
	if (rc == SF_ENONPOSITIVE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("normalize \"log\" needs a positive series, but model \"%s\" has a value of 0 or less", o->name),
				 errhint("Use normalize \"window\" (or \"auto\", which picks it for such a series).")));
	if (rc != SF_OK)
		elog(ERROR, "training failed with core error %d", rc);
	CheckFinite(&m.core, n_params, o->name);
	if (sf_progress && result.epochs_run < o->train.epochs)
		ereport(NOTICE,
				(errmsg("training \"%s\": stopped early at epoch %d of %d, keeping epoch %d (validation loss %.6g), %.1f s",
						o->name, result.epochs_run, o->train.epochs,
						result.best_epoch, result.val_loss[result.best_epoch - 1],
						*train_seconds)));

	/*
	 * the format the encoder writes: 3 for a time-aware or covariate model
	 * (FORMAT.md)
	 */
	initStringInfo(&meta);
	appendStringInfo(&meta, "{\"format\": %d, \"options\": %s, \"metrics\": {",
					 (tm && tm->fields) || m.core.n_exog > 0 ? SF_FORMAT_NEWEST : SF_FORMAT_VERSION,
					 OptionsWithTime(o, tm));
	appendStringInfo(&meta, "\"n_train\": %d, \"n_validation\": %d, \"n_test\": %d, "
					 "\"epochs_run\": %d, \"best_epoch\": %d, \"restarts\": %d, \"season\": %d",
					 split.n_train, split.n_val, split.n_test,
					 result.epochs_run, result.best_epoch, result.restarts, o->season);
	if (tm)
		appendStringInfoString(&meta, tm->metrics);
	AppendScore(&meta, "final_loss", result.loss[result.epochs_run - 1]);
	if (result.val_loss)
		AppendScore(&meta, "best_val_loss", result.val_loss[result.best_epoch - 1]);
	appendStringInfo(&meta, ", \"ensemble\": %d, \"normalization\": \"%s\", \"seasonal_indices\": %s, \"refit\": %s",
					 m.core.n_members, sf_norm_name(m.core.prep.norm),
					 m.core.prep.season > 0 ? "true" : "false",
					 o->refit && split.n_test > 0 ? "true" : "false");
	if (split.n_test > 0)
	{
		double		scale = MaseScale(series, split.n_train + split.n_val + o->arch.window,
									  o->season);

		ScoreHoldout(&meta, &m, o, series, state->exog, &split, scale, work);
		ScoreSteps(&m, series, state->exog, &split, scale, &hs, work);
		n_radius = hs.steps;
		appendStringInfoString(&meta, ", \"mase_by_step\": ");
		AppendFloatArray(&meta, hs.mase, hs.steps);
		AppendScore(&meta, "interval_coverage", hs.coverage);
		appendStringInfo(&meta, ", \"interval_level\": %g, \"interval_steps\": %d",
						 INTERVAL_COVERAGE, n_radius);
	}
	else
	{
		static const char *const keys[] = {"r2", "rmse", "mae", "mape",
			"smape", "mase", "naive_r2", "seasonal_naive_r2",
		"seasonal_naive_mase"};

		for (size_t i = 0; i < lengthof(keys); i++)
			appendStringInfo(&meta, ", \"%s\": null", keys[i]);
	}
	appendStringInfoString(&meta, "}, \"loss\": ");
	AppendFloatArray(&meta, result.loss, result.epochs_run);
	appendStringInfoString(&meta, ", \"val_loss\": ");
	if (result.val_loss)
		AppendFloatArray(&meta, result.val_loss, result.epochs_run);
	else
		appendStringInfoString(&meta, "null");
	if (tm && tm->time)
		appendStringInfo(&meta, ", \"time\": %s", tm->time);
	if (tm && tm->extra)
		appendStringInfoString(&meta, tm->extra);
	appendStringInfoChar(&meta, '}');

	/*
	 * The scores and intervals above judged networks that never saw the
	 * held-out windows.  With refit, the stored networks are trained again,
	 * from the same seeds, on every window: the newest values matter most
	 * to a forecast, and a short series cannot spare them.
	 */
	if (o->refit && split.n_test > 0)
	{
		sf_train_opts all = o->train;

		all.test_fraction = 0;
		rc = sf_train_x(&m.core, &all, series, n, state->exog, work, &result, &hooks);
		if (rc != SF_OK)
			elog(ERROR, "refitting failed with core error %d", rc);
		CheckFinite(&m.core, n_params, o->name);
	}

	MemoryContextSwitchTo(caller);
	blob = EncodeModelTime(&m.core, tm ? tm->fields : NULL,
						   series + n - o->arch.window, o->arch.window,
					   m.core.prep.season ? (n - o->arch.window) % m.core.prep.season : 0,
					   hs.radius, n_radius, meta.data);
	MemoryContextDelete(trainctx);
	return blob;
}

static void
CheckEmpty(FunctionCallInfo fcinfo)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "seq_train and seq_fit final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is empty"),
				 errhint("The aggregate received no rows to train on.")));
}

PG_FUNCTION_INFO_V1(seq_train_final);

/* Final function of seq_train: train, store, return the new id. */
Datum
seq_train_final(PG_FUNCTION_ARGS)
{
	TrainState *state;
	bytea	   *blob;
	double		seconds;

	CheckEmpty(fcinfo);
	state = (TrainState *) PG_GETARG_POINTER(0);
	blob = TrainAndEncode(state, NULL, &seconds);
	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT64(StoreModelTimed(fcinfo->flinfo->fn_oid, state->opts.name,
									blob, seconds));
}

PG_FUNCTION_INFO_V1(seq_fit_final);

/* Final function of seq_fit: train, return the serialized model. */
Datum
seq_fit_final(PG_FUNCTION_ARGS)
{
	bytea	   *blob;
	double		seconds;

	CheckEmpty(fcinfo);
	blob = TrainAndEncode((TrainState *) PG_GETARG_POINTER(0), NULL, &seconds);
	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(blob);
}

/*
 * Train on a series built from rows with timestamps (timeaxis.c) or of the
 * target and its covariates (covariates.c), with their members of the
 * metadata (SeriesMeta).  time is NULL without timestamps.  exog holds the
 * covariates then the calendar columns of n + HOLDOUT_MAX_STEPS rows (the
 * held-out forecasts read the rows past the end only for steps past it,
 * which are not scored), or is NULL; n_covariates of its columns are
 * covariates.
 */
bytea *
TrainSeriesWith(SfOptions *opts, double *series, int64 n,
				const char *options, const char *metrics,
				const char *time_meta, const char *extra_meta, const SfTime *time,
				int n_covariates, const double *exog, double *seconds)
{
	TrainState	state;
	sf_time		fields;
	SeriesMeta	tm = {options, metrics, time_meta, extra_meta, NULL};

	StaticAssertStmt(HOLDOUT_MAX_STEPS == INTERVAL_MAX_STEPS, "rows past the end");
	if (time)
	{
		memset(&fields, 0, sizeof(fields));
		fields.kind = time->kind;
		fields.gaps = time->gaps;
		fields.months = time->months;
		fields.days = time->days;
		fields.micros = time->usecs;
		fields.last = time->last;
		tm.fields = &fields;
	}
	memset(&state, 0, sizeof(state));
	state.opts = *opts;
	state.values = series;
	state.n = n;
	state.cap = n;
	state.exog = exog;
	state.n_covariates = n_covariates;
	state.calendar = time ? time->calendar : 0;
	return TrainAndEncode(&state, &tm, seconds);
}
