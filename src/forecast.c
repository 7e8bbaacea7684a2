/*
 * forecast.c
 *	  The set-returning functions over a model: seq_forecast (recursive
 *	  multi-step forecast with intervals), seq_predict (one-step predictions
 *	  over every window of a series) and seq_evaluate (their scores).  Each
 *	  takes the model as a bigint id, a text name or a bytea; the SQL
 *	  overloads all land on the same C function, which tells the forms apart
 *	  by the argument's type.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "seqforecast.h"

#define MAX_HORIZON 100000

/* Rows computed on the first call, returned one per call. */
typedef struct Rows
{
	int			n;
	int			ncols;
	Datum	   *values;			/* n * ncols */
	bool	   *nulls;
} Rows;

static Rows *
NewRows(int n, int ncols)
{
	Rows	   *r = palloc(sizeof(Rows));

	r->n = n;
	r->ncols = ncols;
	r->values = palloc0(sizeof(Datum) * Max(n, 1) * ncols);
	r->nulls = palloc0(sizeof(bool) * Max(n, 1) * ncols);
	return r;
}

static Datum
NextRow(FunctionCallInfo fcinfo, FuncCallContext *funcctx)
{
	Rows	   *r = funcctx->user_fctx;
	uint64		i = funcctx->call_cntr;

	if (i < (uint64) r->n)
	{
		HeapTuple	tuple = heap_form_tuple(funcctx->tuple_desc,
											r->values + i * r->ncols,
											r->nulls + i * r->ncols);

		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}

static void
SetupResult(FunctionCallInfo fcinfo, FuncCallContext *funcctx)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	funcctx->tuple_desc = BlessTupleDesc(desc);
}

static void
CheckHistory(const SfModel *m, int n, const char *what)
{
	if (n < m->core.arch.window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of %d values is shorter than the model's window of %d",
						what, n, m->core.arch.window),
				 errhint("Pass at least %d values.", m->core.arch.window)));
}

/*
 * The seasonal phase of series[0] for a series passed by the user: the
 * model was trained without timestamps, so it is estimated from the series'
 * own seasonal profile (sf_prep_phase).  0 for a model without seasonal
 * indices, which ignores it.
 */
int64
SeriesPhase(const SfModel *m, const double *series, int n)
{
	return sf_prep_phase(&m->core, series, n);
}

/* The radius of the 90% interval at 1-based step h (plots use it too). */
double
IntervalRadius(const SfModel *m, int h)
{
	int			k = m->n_radius;

	if (h <= k)
		return m->radius[h - 1];
	/* beyond the fitted steps, widen like a random walk's spread */
	return m->radius[k - 1] * sqrt((double) h / k);
}

/* The number of covariate columns of a model (0 for a univariate one). */
static int
CovariateCount(const SfModel *m)
{
	int			k = 0;

	for (int j = 0; j < m->core.n_exog; j++)
		k += m->core.exog[j].kind == SF_EXOG_COVARIATE;
	return k;
}

/* A key of the model's metadata (top level, or in options), or NULL. */
static JsonbValue *
MetaKey(const SfModel *m, const char *key, bool in_options)
{
	Jsonb	   *json;
	JsonbValue *v;

	if (m->meta == NULL || m->meta[0] == '\0')
		return NULL;
	json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(m->meta)));
	if (!in_options)
		return getKeyJsonValueFromContainer(&json->root, key, strlen(key), NULL);
	v = getKeyJsonValueFromContainer(&json->root, "options", 7, NULL);
	if (v == NULL || v->type != jbvBinary)
		return NULL;
	return getKeyJsonValueFromContainer(v->val.binary.data, key, strlen(key), NULL);
}

static const char *
ModelName(const SfModel *m)
{
	JsonbValue *v = MetaKey(m, "name", true);

	if (v && v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	return "(unnamed)";
}

/*
 * Refuse a covariate model where the caller gave no covariates: the core
 * would feed it zeros (the training means), a forecast of nothing real.
 * Every inference entry point calls this right after loading the model.
 */
void
CheckNoCovariates(const SfModel *m, const char *func)
{
	int			k = CovariateCount(m);

	if (k > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" needs future covariates", ModelName(m)),
				 errdetail("It was trained with %d covariates, and %s was given none.", k, func),
				 strcmp(func, "seq_forecast") == 0 ?
				 errhint("Pass the covariates of every forecast step as the future argument: a two-dimensional float8 array of one row of %d values per step.", k) :
				 errhint("%s does not take covariates yet; forecast such a model with seq_forecast and its future argument.", func)));
}

/* A float8 number of a jsonb array (the metadata's tail_covariates). */
static double
JsonbArrayNumber(JsonbValue *arr, int i)
{
	JsonbValue *v = NULL;

	if (arr && arr->type == jbvBinary)
		v = getIthJsonbValueFromContainer(arr->val.binary.data, i);
	if (v == NULL || v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model keeps no covariates of its last window"),
				 errdetail("Its metadata lacks number %d of key \"tail_covariates\".", i + 1),
				 errhint("Train the model again over rows of the target then its covariates.")));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

/*
 * The exog rows of a covariate model's forecast from its stored window:
 * those of the window's values 2 .. window (metadata tail_covariates), then
 * the future argument's first horizon rows (a 2-D array, width k).
 */
static double *
FutureExog(const SfModel *m, ArrayType *future, int horizon)
{
	int			k = CovariateCount(m);
	int			T = m->core.arch.window;
	int			rows = ARR_NDIM(future) == 2 ? ARR_DIMS(future)[0] : 0;
	int			width = ARR_NDIM(future) == 2 ? ARR_DIMS(future)[1] : 0;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	double	   *exog;
	JsonbValue *tail;

	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" has no covariates, but future was given", ModelName(m)),
				 errhint("Pass future only to a model trained on rows of the target then its covariates.")));
	if (ARR_NDIM(future) != 2 || width != k || rows < horizon)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("future must be a two-dimensional array of at least %d rows of %d values",
						horizon, k),
				 errhint("Pass one row of the model's covariates per forecast step."),
				 ARR_NDIM(future) == 2 ?
				 errdetail("The array given is %d x %d.", rows, width) :
				 errdetail("The array given has %d dimensions.", ARR_NDIM(future))));
	if (ARR_ELEMTYPE(future) != FLOAT8OID)
		elog(ERROR, "future array has element type %u, expected float8",
			 ARR_ELEMTYPE(future));
	deconstruct_array(future, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &count);
	exog = palloc(sizeof(double) * (size_t) (T - 1 + horizon) * k);
	tail = MetaKey(m, "tail_covariates", false);
	for (int i = 0; i < (T - 1) * k; i++)
		exog[i] = JsonbArrayNumber(tail, i);
	for (int i = 0; i < horizon * k; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("covariate %d of future row %d is NULL", i % k + 1, i / k + 1)));
		exog[(T - 1) * k + i] = DatumGetFloat8(elems[i]);
		if (!isfinite(exog[(T - 1) * k + i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("covariate %d of future row %d is %s", i % k + 1, i / k + 1,
							isnan(exog[(T - 1) * k + i]) ? "NaN" :
							exog[(T - 1) * k + i] > 0 ? "Infinity" : "-Infinity")));
	}
	return exog;
}

/*
 * The timestamp forecasts start after: the model's last step, or with a
 * history its history_end.  false when the forecast has no timestamps (a
 * model without time, or a history without history_end).
 */
static bool
ForecastAnchor(FunctionCallInfo fcinfo, const SfModel *m, bool history,
			   SfTime *t, int64 *from)
{
	bool		has_end = PG_NARGS() > 3 && !PG_ARGISNULL(3);

	/* a model without timestamps has no steps to date: ts stays NULL */
	if (!ModelTime(m, t))
		return false;
	if (!history)
	{
		if (has_end)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("history_end is given without a history"),
					 errhint("Pass the recent values as history, or leave history_end NULL to continue the training series.")));
		*from = t->last;
		return true;
	}
	if (!has_end)
	{
		if (t->calendar != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("history_end is needed with a history for a model with calendar inputs"),
					 errhint("Pass the timestamp of the last value of history as history_end.")));
		return false;
	}
	*from = AxisOfTimestamp(t, PG_GETARG_TIMESTAMPTZ(3), "history_end");
	return true;
}

static Rows *
ForecastRows(FunctionCallInfo fcinfo, int ncols)
{
	SfModel    *m = LoadModel(fcinfo, 0);
	SfTime		t;
	int64		from = 0;
	bool		timed;
	int			horizon;
	const double *window;
	int64		phase;
	double	   *out;
	void	   *work;
	Rows	   *rows;
	double	   *exog = NULL;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("horizon must not be NULL")));
	horizon = PG_GETARG_INT32(1);
	if (horizon < 1 || horizon > MAX_HORIZON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be between 1 and %d", MAX_HORIZON),
				 errdetail("The value given was %d.", horizon)));

	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		exog = FutureExog(m, PG_GETARG_ARRAYTYPE_P(4), horizon);
		if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("history cannot be given with future yet"),
					 errdetail("A covariate model forecasts from the window it was trained on."),
					 errhint("Omit history, or train the model again on the newer rows.")));
	}
	else
		CheckNoCovariates(m, "seq_forecast");

	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		int			n;
		double	   *history = ArrayToSeries(PG_GETARG_ARRAYTYPE_P(2), "history", &n);

		CheckHistory(m, n, "history");
		window = history + n - m->core.arch.window;
		phase = SeriesPhase(m, history, n) + n - m->core.arch.window;
	}
	else
	{
		if (m->n_tail < m->core.arch.window)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model has no training series to continue from"),
					 errhint("Pass the recent values as the history argument.")));
		window = m->tail;
		phase = m->tail_phase;
	}

	timed = ForecastAnchor(fcinfo, m, PG_NARGS() > 2 && !PG_ARGISNULL(2), &t, &from);
	out = palloc(sizeof(double) * horizon);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, 1));
	if (exog && timed && t.calendar != 0)
	{
		int			T = m->core.arch.window;
		int			k = CovariateCount(m);
		int			cw = m->core.n_exog - k;
		const double *cal = CalendarSteps(&t, from, -(T - 2), T - 1 + horizon);
		double	   *rows_x = palloc(sizeof(double) * (size_t) (T - 1 + horizon) * (k + cw));

		/* a time-aware covariate model: each row's covariates, then its calendar */
		for (int i = 0; i < T - 1 + horizon; i++)
		{
			memcpy(rows_x + (size_t) i * (k + cw), exog + (size_t) i * k, sizeof(double) * k);
			memcpy(rows_x + (size_t) i * (k + cw) + k, cal + (size_t) i * cw, sizeof(double) * cw);
		}
		sf_forecast_x(&m->core, window, rows_x, phase, horizon, out, work, &InterruptHooks);
	}
	else if (exog)
		sf_forecast_x(&m->core, window, exog, phase, horizon, out, work, &InterruptHooks);
	else if (timed && t.calendar != 0)
	{
		int			T = m->core.arch.window;

		/* the rows of window[1 .. T-1], then one per forecast step */
		sf_forecast_x(&m->core, window, CalendarSteps(&t, from, -(T - 2), T - 1 + horizon),
					  phase, horizon, out, work, &InterruptHooks);
	}
	else
		sf_forecast(&m->core, window, phase, horizon, out, work, &InterruptHooks);

	/* the columns after step: ts (1.1), forecast, lower, upper */
	rows = NewRows(horizon, ncols);
	for (int h = 0; h < horizon; h++)
	{
		Datum	   *v = rows->values + h * ncols;
		bool	   *nl = rows->nulls + h * ncols;

		v[0] = Int32GetDatum(h + 1);
		if (ncols == 5)
		{
			if (timed)
				v[1] = TimestampTzGetDatum(StepTimestamp(&t, from, h + 1));
			else
				nl[1] = true;
			v++;
			nl++;
		}
		v[1] = Float8GetDatum(out[h]);
		if (m->n_radius > 0)
		{
			double		r = IntervalRadius(m, h + 1);

			v[2] = Float8GetDatum(out[h] - r);
			v[3] = Float8GetDatum(out[h] + r);
		}
		else
			nl[2] = nl[3] = true;
	}
	return rows;
}

PG_FUNCTION_INFO_V1(seq_forecast);

/*
 * seq_forecast(model, horizon int, history float8[], history_end timestamptz,
 *              future float8[])
 */
Datum
seq_forecast(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("model must not be NULL")));
		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		funcctx->user_fctx = ForecastRows(fcinfo, funcctx->tuple_desc->natts);
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	return NextRow(fcinfo, funcctx);
}

/*
 * The optional ts timestamptz[] argument at argno, parallel to a series of n
 * values; NULL when not given.  A model with calendar inputs needs it.
 */
static TimestampTz *
SeriesTimestamps(FunctionCallInfo fcinfo, const SfModel *m, int argno, int n)
{
	SfTime		t;
	bool		timed = ModelTime(m, &t);

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
	{
		if (timed && t.calendar != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ts is needed for a model with calendar inputs"),
					 errhint("Pass the timestamps of the series as ts, one per value.")));
		return NULL;
	}
	return ArrayToTimestamps(PG_GETARG_ARRAYTYPE_P(argno), n, "ts");
}

/*
 * The calendar rows of a series with timestamps ts (and `beyond` steps after
 * it) for a model with calendar inputs; NULL for any other model.
 */
static const double *
SeriesCalendar(const SfModel *m, const TimestampTz *ts, int n, int beyond)
{
	SfTime		t;

	if (!ModelTime(m, &t) || t.calendar == 0)
		return NULL;
	if (ts == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ts is needed for a model with calendar inputs"),
				 errhint("Pass the timestamps of the series as ts, one per value.")));
	return CalendarOfTimestamps(&t, ts, n, beyond);
}

/*
 * One-step predictions for every window of the series argument (argno 1).
 * Sets *actual to the values they predict; returns the count.
 */
static int
PredictSeries(FunctionCallInfo fcinfo, SfModel **model, double **actual,
			  double **pred, int ts_argno, TimestampTz **ts)
{
	SfModel    *m = LoadModel(fcinfo, 0);
	int			n;
	double	   *series;
	int			count;
	void	   *work;

	CheckNoCovariates(m, get_func_name(fcinfo->flinfo->fn_oid));
	series = ArrayToSeries(PG_GETARG_ARRAYTYPE_P(1), "series", &n);
	if (ts_argno >= 0)
		*ts = SeriesTimestamps(fcinfo, m, ts_argno, n);

	if (n <= m->core.arch.window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("series of %d value is too short for the model's window of %d",
								"series of %d values is too short for the model's window of %d",
								n, n, m->core.arch.window),
				 errhint("Pass at least %d values: a window and one value to predict.",
						 m->core.arch.window + 1)));
	count = n - m->core.arch.window;
	*pred = palloc(sizeof(double) * count);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, SF_INFER_CHUNK));
	sf_predict_windows_x(&m->core, series, SeriesCalendar(m, ts_argno >= 0 ? *ts : NULL, n, 0),
						 SeriesPhase(m, series, n), count, *pred, work, &InterruptHooks);
	*actual = series + m->core.arch.window;
	*model = m;
	return count;
}

PG_FUNCTION_INFO_V1(seq_predict);

/* seq_predict(model, series float8[], ts timestamptz[]) -> (position, ts, actual, predicted) */
Datum
seq_predict(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		SfModel    *m;
		double	   *actual,
				   *pred;
		TimestampTz *ts = NULL;
		int			count,
					nc;
		Rows	   *rows;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		/* 1.0's result has no ts column */
		nc = funcctx->tuple_desc->natts;
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		{
			/* no rows, as the STRICT function of 1.0 gave */
			funcctx->user_fctx = NewRows(0, nc);
			MemoryContextSwitchTo(old);
			return NextRow(fcinfo, SRF_PERCALL_SETUP());
		}
		count = PredictSeries(fcinfo, &m, &actual, &pred, nc == 4 ? 2 : -1, &ts);
		rows = NewRows(count, nc);
		for (int i = 0; i < count; i++)
		{
			Datum	   *v = rows->values + i * nc;
			bool	   *nl = rows->nulls + i * nc;
			int			p = m->core.arch.window + i;

			*v++ = Int32GetDatum(p + 1);
			nl++;
			if (nc == 4)
			{
				if (ts)
					*v = TimestampTzGetDatum(ts[p]);
				else
					*nl = true;
				v++;
				nl++;
			}
			v[0] = Float8GetDatum(actual[i]);
			v[1] = Float8GetDatum(pred[i]);
		}
		funcctx->user_fctx = rows;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	return NextRow(fcinfo, funcctx);
}

static Datum
NullableFloat(double v, bool *isnull)
{
	*isnull = !isfinite(v);
	return Float8GetDatum(v);
}

/*
 * The season a model was trained with (its options' "season"), for the scale
 * of MASE; the seasonal indices' period, or 1, for a model without options.
 */
static int
ModelSeason(const SfModel *m)
{
	int			season = m->core.prep.season > 0 ? m->core.prep.season : 1;

	if (m->meta && m->meta[0])
	{
		Jsonb	   *json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(m->meta)));
		JsonbValue *opts = getKeyJsonValueFromContainer(&json->root, "options", 7, NULL);
		JsonbValue *v = NULL;

		if (opts && opts->type == jbvBinary)
			v = getKeyJsonValueFromContainer(opts->val.binary.data, "season", 6, NULL);
		if (v && v->type == jbvNumeric)
		{
			double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															   NumericGetDatum(v->val.numeric)));

			if (d >= 1 && d <= INT_MAX)
				season = (int) d;
		}
	}
	return season;
}

PG_FUNCTION_INFO_V1(seq_evaluate);

/*
 * seq_evaluate(model, series float8[], horizon int, ts timestamptz[])
 *   -> (n, r2, rmse, mae, mape, mase, coverage)
 *
 * Forecasts horizon steps recursively from every origin of the series (each
 * window of the model's length) and scores every forecast whose target is in
 * the series.  With horizon 1 these are seq_predict's predictions.  mase
 * scales the mean absolute error by the series' own seasonal-naive error
 * (lag: the model's season); coverage is the fraction of targets inside the
 * 90% interval of their step (NULL for a model without intervals).
 */
Datum
seq_evaluate(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		SfModel    *m;
		int			n,
					horizon = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_INT32(2) : 1,
					count,
					T,
					lag,
					pairs = 0,
					inside = 0;
		double	   *series,
				   *fc,
				   *actual,
				   *pred,
				   *radius,
					snaive = 0;
		void	   *work;
		TimestampTz *ts;
		sf_scores	sc;
		Rows	   *rows;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || (PG_NARGS() > 2 && PG_ARGISNULL(2)))
		{
			/* no rows, as the STRICT function of 1.0 gave */
			funcctx->user_fctx = NewRows(0, funcctx->tuple_desc->natts);
			MemoryContextSwitchTo(old);
			return NextRow(fcinfo, SRF_PERCALL_SETUP());
		}
		if (horizon < 1 || horizon > MAX_HORIZON)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("horizon must be between 1 and %d", MAX_HORIZON),
					 errdetail("The value given was %d.", horizon)));
		m = LoadModel(fcinfo, 0);
		CheckNoCovariates(m, get_func_name(fcinfo->flinfo->fn_oid));
		series = ArrayToSeries(PG_GETARG_ARRAYTYPE_P(1), "series", &n);
		ts = SeriesTimestamps(fcinfo, m, 3, n);
		T = m->core.arch.window;
		if (n <= T)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg_plural("series of %d value is too short for the model's window of %d",
									"series of %d values is too short for the model's window of %d",
									n, n, T),
					 errhint("Pass at least %d values: a window and one value to predict.", T + 1)));
		count = n - T;
		horizon = Min(horizon, count);
		CheckMemoryRequest(sizeof(double) * ((size_t) count * horizon * 3 + horizon),
						   "evaluating this series", "Use a shorter series or horizon.");
		fc = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		actual = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		pred = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		radius = palloc(sizeof(double) * horizon);
		for (int h = 0; h < horizon; h++)
			radius[h] = m->n_radius > 0 ? IntervalRadius(m, h + 1) : NAN;
		work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, SF_INFER_CHUNK));
		sf_forecast_from_x(&m->core, series, SeriesCalendar(m, ts, n, horizon),
						   SeriesPhase(m, series, n), 0, count, horizon, fc, work,
						   &InterruptHooks);

		/* origin k's (h+1)-step forecast is for value k + T + h */
		for (int h = 0; h < horizon; h++)
			for (int k = 0; k + T + h < n; k++)
			{
				double		f = fc[(size_t) k * horizon + h],
							a = series[k + T + h];

				actual[pairs] = a;
				pred[pairs++] = f;
				inside += fabs(a - f) <= radius[h];
			}
		sf_score(actual, pred, pairs, &sc);
		lag = ModelSeason(m);
		if (lag >= n)
			lag = 1;
		for (int i = lag; i < n; i++)
			snaive += fabs(series[i] - series[i - lag]);
		snaive /= n - lag;

		rows = NewRows(1, 7);
		rows->values[0] = Int32GetDatum(sc.n);
		rows->values[1] = NullableFloat(sc.r2, &rows->nulls[1]);
		rows->values[2] = NullableFloat(sc.rmse, &rows->nulls[2]);
		rows->values[3] = NullableFloat(sc.mae, &rows->nulls[3]);
		rows->values[4] = NullableFloat(sc.mape, &rows->nulls[4]);
		rows->values[5] = NullableFloat(snaive > 0 ? sc.mae / snaive : NAN, &rows->nulls[5]);
		rows->values[6] = NullableFloat(m->n_radius > 0 ? (double) inside / pairs : NAN,
										&rows->nulls[6]);
		funcctx->user_fctx = rows;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	return NextRow(fcinfo, funcctx);
}

/*
 * The standard normal quantile at p (Acklam's rational approximation, good
 * to about 1e-9, plenty for an interval's width).
 */
static double
NormalQuantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
	-3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
	-1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
	4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q,
				r;

	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -NormalQuantile(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

PG_FUNCTION_INFO_V1(seq_anomalies);

/*
 * seq_anomalies(model, series float8[], ts timestamptz[], coverage float8)
 *   -> (position, ts, actual, predicted, lower, upper, score)
 *
 * The values of the series outside the one-step prediction interval of
 * their window.  The model's interval is fitted at 90% on its held-out
 * errors; another coverage scales it by the ratio of the normal quantiles.
 * A model without intervals (an imported one) uses the split-conformal
 * radius of the series' own one-step errors.  score is the distance outside
 * the interval in interval widths (0 at its edge).
 */
Datum
seq_anomalies(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		SfModel    *m;
		double	   *actual,
				   *pred,
					coverage,
					r;
		TimestampTz *ts = NULL;
		int			count,
					out = 0;
		Rows	   *rows;

		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", PG_ARGISNULL(0) ? "model" : "series")));
		coverage = PG_ARGISNULL(3) ? 0.9 : PG_GETARG_FLOAT8(3);
		if (!(coverage > 0 && coverage < 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("coverage must be between 0 and 1, exclusive"),
					 errdetail("The value given was %g.", coverage)));
		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		count = PredictSeries(fcinfo, &m, &actual, &pred, 2, &ts);
		if (m->n_radius > 0)
			r = m->radius[0] * NormalQuantile(0.5 + coverage / 2) / NormalQuantile(0.95);
		else
		{
			double	   *err = palloc(sizeof(double) * count);

			for (int i = 0; i < count; i++)
				err[i] = fabs(actual[i] - pred[i]);
			r = sf_conformal_radius(err, count, coverage);
		}
		rows = NewRows(count, 7);
		for (int i = 0; i < count; i++)
		{
			Datum	   *v = rows->values + out * 7;
			bool	   *nl = rows->nulls + out * 7;
			double		e = fabs(actual[i] - pred[i]);
			int			p = m->core.arch.window + i;

			if (!(e > r))
				continue;
			v[0] = Int32GetDatum(p + 1);
			if (ts)
				v[1] = TimestampTzGetDatum(ts[p]);
			else
				nl[1] = true;
			v[2] = Float8GetDatum(actual[i]);
			v[3] = Float8GetDatum(pred[i]);
			v[4] = Float8GetDatum(pred[i] - r);
			v[5] = Float8GetDatum(pred[i] + r);
			v[6] = r > 0 ? Float8GetDatum((e - r) / (2 * r)) : Float8GetDatum(INFINITY);
			out++;
		}
		rows->n = out;
		funcctx->user_fctx = rows;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	return NextRow(fcinfo, funcctx);
}
