/*
 * forecast.c
 *	  The set-returning functions over a model: seq_forecast (recursive
 *	  multi-step forecast with intervals), seq_predict (one-step predictions
 *	  over every window of a series) and seq_evaluate (their scores).  Each
 *	  takes the model as a bigint id, a text name or a bytea; the SQL
 *	  overloads all land on the same C function, which tells the forms apart
 *	  by the argument's type.
 *
 * A covariate model (trained on rows of the target then its covariates)
 * takes its series as rows too, a two-dimensional array; every forecast
 * step is fed the covariates of the step it forecasts: the series' own
 * rows where they exist, the future argument's beyond them.
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
int
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
 * Refuse a covariate model where seq_forecast was given no future: the
 * core would feed it zeros (the training means), a forecast of nothing real.
 */
static void
CheckNoCovariates(const SfModel *m)
{
	int			k = CovariateCount(m);

	if (k > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" needs future covariates", ModelName(m)),
				 errdetail("It was trained with %d covariates, and seq_forecast was given none.", k),
				 errhint("Pass the covariates of every forecast step as the future argument: a two-dimensional float8 array of one row of %d values per step.", k)));
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
 * The name of covariate j (0-based) of a model as its messages show it:
 * " (price)" when option features named it, else "".
 */
static const char *
CovariateLabel(const SfModel *m, int j)
{
	JsonbValue *names = MetaKey(m, "features", true);
	JsonbValue *v = NULL;

	if (names && names->type == jbvBinary && JsonContainerIsArray(names->val.binary.data))
		v = getIthJsonbValueFromContainer(names->val.binary.data, j);
	if (v == NULL || v->type != jbvString)
		return "";
	return psprintf(" (%s)", pnstrdup(v->val.string.val, v->val.string.len));
}

/*
 * One element of a row of covariate-model input: column 0 the target, the
 * others covariates.  what names the argument ("series", "future"); NULL
 * is 22004 and a non-finite value 22023, each naming the row and column.
 */
static double
RowValue(const SfModel *m, const char *what, int row, int col, Datum d, bool isnull)
{
	double		v = isnull ? 0 : DatumGetFloat8(d);
	char	   *which;

	if (!isnull && isfinite(v))
		return v;
	/* only now: the feature names are read from the metadata */
	which = col == 0 ? pstrdup("the target") :
		psprintf("covariate %d%s", col, CovariateLabel(m, col - 1));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s of %s row %d is NULL", which, what, row + 1),
				 errhint("Filter out or fill NULL values (for example with coalesce).")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s of %s row %d is %s", which, what, row + 1,
					isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
			 errhint("Filter out or replace NaN and infinite values.")));
	return v;					/* not reached */
}

/*
 * A series argument (series, history, values) for model m: for a model
 * without covariates a one-dimensional array of the target; for a
 * covariate model a two-dimensional array of rows of the target then its k
 * covariates, returned apart: the targets (the result) and, in *cov, the
 * covariate rows (row-major, n x k; NULL for a univariate model).  Any
 * other shape is 22023 naming what the model expects.
 */
double *
ModelSeriesArg(const SfModel *m, ArrayType *array, const char *what, int *n,
			   double **cov)
{
	int			k = CovariateCount(m);
	int			ndim = ARR_NDIM(array);
	int			rows = ndim == 2 ? ARR_DIMS(array)[0] : 0;
	int			width = ndim == 2 ? ARR_DIMS(array)[1] : 0;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	double	   *target;

	*cov = NULL;
	if (k == 0)
	{
		/* 1.0's error (SQLSTATE and message), with what the model expects */
		if (ndim > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%s must be a one-dimensional array", what),
					 errdetail("The array has %d dimensions.", ndim),
					 errhint("Model \"%s\" has no covariates: pass the target values alone. Rows of the target then its covariates are for a model trained on such rows.",
							 ModelName(m))));
		return ArrayToSeries(array, what, n);
	}
	if (ndim != 2 || width != k + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a two-dimensional array of rows of %d values for model \"%s\"",
						what, k + 1, ModelName(m)),
				 ndim == 2 ?
				 errdetail_plural("Each row holds the target then the model's %d covariate; the array given is %d x %d.",
								  "Each row holds the target then the model's %d covariates; the array given is %d x %d.",
								  k, k, rows, width) :
				 errdetail_plural("Each row holds the target then the model's %d covariate; the array given has %d dimensions.",
								  "Each row holds the target then the model's %d covariates; the array given has %d dimensions.",
								  k, k, ndim),
				 errhint("Build it with array_agg(ARRAY[target, covariates ...] ORDER BY time).")));
	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		elog(ERROR, "%s array has element type %u, expected float8",
			 what, ARR_ELEMTYPE(array));
	deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &count);
	Assert(count == rows * width);
	target = palloc(sizeof(double) * Max(rows, 1));
	*cov = palloc(sizeof(double) * (size_t) Max(rows, 1) * k);
	for (int i = 0; i < rows; i++)
	{
		target[i] = RowValue(m, what, i, 0, elems[i * width], nulls[i * width]);
		for (int j = 0; j < k; j++)
			(*cov)[(size_t) i * k + j] =
				RowValue(m, what, i, j + 1, elems[i * width + j + 1], nulls[i * width + j + 1]);
	}
	*n = rows;
	return target;
}

/*
 * The exog rows of a model from its two sources: the covariate rows cov
 * (width CovariateCount) and the calendar rows cal (the rest of n_exog),
 * either NULL when the model has none; rows rows.  The core reads each row
 * as the covariates then the calendar columns.  NULL for a univariate model
 * without calendar inputs.
 */
double *
JoinExog(const SfModel *m, const double *cov, const double *cal, int64 rows)
{
	int			k = CovariateCount(m);
	int			c = m->core.n_exog - k;
	double	   *exog;

	if (k > 0 && cov == NULL)
		elog(ERROR, "covariate model given no covariate rows");
	if (c > 0 && cal == NULL)
		elog(ERROR, "calendar model given no calendar rows");
	if (c == 0)
		return (double *) cov;
	if (k == 0)
		return (double *) cal;
	exog = palloc_extended(sizeof(double) * (size_t) Max(rows, 1) * (k + c), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < rows; i++)
	{
		memcpy(exog + i * (k + c), cov + i * k, sizeof(double) * k);
		memcpy(exog + i * (k + c) + k, cal + i * c, sizeof(double) * c);
	}
	return exog;
}

/*
 * The covariate rows of a covariate model's forecast: those of the
 * window's values 2 .. window (from the history's rows when one was given,
 * hist_cov with n rows, else the metadata's tail_covariates), then the
 * future argument's first horizon rows (a 2-D array, width k).
 */
static double *
ForecastCovariates(const SfModel *m, ArrayType *future, int horizon,
				   const double *hist_cov, int n)
{
	int			k = CovariateCount(m);
	int			T = m->core.arch.window;
	int			rows = ARR_NDIM(future) == 2 ? ARR_DIMS(future)[0] : 0;
	int			width = ARR_NDIM(future) == 2 ? ARR_DIMS(future)[1] : 0;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	double	   *cov;

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
	cov = palloc(sizeof(double) * (size_t) (T - 1 + horizon) * k);
	if (hist_cov)
		memcpy(cov, hist_cov + (size_t) (n - T + 1) * k, sizeof(double) * (T - 1) * k);
	else
	{
		JsonbValue *tail = MetaKey(m, "tail_covariates", false);

		for (int i = 0; i < (T - 1) * k; i++)
			cov[i] = JsonbArrayNumber(tail, i);
	}
	/* a covariate's row's values, the target's column absent: col j + 1 */
	for (int i = 0; i < horizon * k; i++)
		cov[(T - 1) * k + i] = RowValue(m, "future", i / k, i % k + 1, elems[i], nulls[i]);
	return cov;
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
	int			T = m->core.arch.window;
	int			k = CovariateCount(m);
	bool		has_history;
	double	   *hist_cov = NULL,
			   *cov = NULL,
			   *cal = NULL,
			   *exog;

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

	has_history = PG_NARGS() > 2 && !PG_ARGISNULL(2);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		if (k == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model \"%s\" has no covariates, but future was given", ModelName(m)),
					 errhint("Pass future only to a model trained on rows of the target then its covariates.")));
	}
	else
		CheckNoCovariates(m);

	if (has_history)
	{
		int			n;
		double	   *history = ModelSeriesArg(m, PG_GETARG_ARRAYTYPE_P(2), "history", &n,
											 &hist_cov);

		CheckHistory(m, n, "history");
		window = history + n - T;
		phase = SeriesPhase(m, history, n) + n - T;
		if (k > 0)
			cov = ForecastCovariates(m, PG_GETARG_ARRAYTYPE_P(4), horizon, hist_cov, n);
	}
	else
	{
		if (m->n_tail < T)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model has no training series to continue from"),
					 k > 0 ?
					 errhint("Pass the last %d rows of the target then its covariates as history, for example array_agg(ARRAY[target, covariates ...] ORDER BY time).", T) :
					 errhint("Pass at least the last %d values as the history argument.", T)));
		window = m->tail;
		phase = m->tail_phase;
		if (k > 0)
			cov = ForecastCovariates(m, PG_GETARG_ARRAYTYPE_P(4), horizon, NULL, 0);
	}

	timed = ForecastAnchor(fcinfo, m, has_history, &t, &from);
	/* exog rows: those of window[1 .. T-1], then one per forecast step */
	if (timed && t.calendar != 0)
		cal = CalendarSteps(&t, from, -(T - 2), T - 1 + horizon);
	exog = JoinExog(m, cov, cal, T - 1 + horizon);
	out = palloc(sizeof(double) * horizon);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, 1));
	sf_forecast_x(&m->core, window, exog, phase, horizon, out, work, &InterruptHooks);

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
	double	   *series,
			   *cov;
	int			count;
	void	   *work;
	const double *exog;

	series = ModelSeriesArg(m, PG_GETARG_ARRAYTYPE_P(1), "series", &n, &cov);
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
	/* the exog rows aligned with the series: its covariates, the calendar of its ts */
	exog = JoinExog(m, cov, SeriesCalendar(m, ts_argno >= 0 ? *ts : NULL, n, 0), n);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, SF_INFER_CHUNK));
	sf_predict_windows_x(&m->core, series, exog, SeriesPhase(m, series, n), count, *pred,
						 work, &InterruptHooks);
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
				   *cov,
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
		series = ModelSeriesArg(m, PG_GETARG_ARRAYTYPE_P(1), "series", &n, &cov);
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
		CheckMemoryRequest(sizeof(double) * ((size_t) count * horizon * 3 + horizon +
											 (size_t) (n + horizon) * 2 * m->core.n_exog),
						   "evaluating this series", "Use a shorter series or horizon.");
		fc = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		actual = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		pred = palloc_extended(sizeof(double) * (size_t) count * horizon, MCXT_ALLOC_HUGE);
		radius = palloc(sizeof(double) * horizon);
		for (int h = 0; h < horizon; h++)
			radius[h] = m->n_radius > 0 ? IntervalRadius(m, h + 1) : NAN;
		work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, SF_INFER_CHUNK));

		/*
		 * Each forecast step reads the exog row of the step it forecasts:
		 * the series' own covariates (and the calendar of its ts).  The
		 * origins near the end forecast past the series, and those steps,
		 * which have no actual to score, read the last covariate row
		 * repeated: it changes no scored figure.
		 */
		if (cov)
		{
			double	   *padded = palloc_extended(sizeof(double) * (size_t) (n + horizon) *
												 CovariateCount(m), MCXT_ALLOC_HUGE);
			size_t		row = sizeof(double) * CovariateCount(m);

			memcpy(padded, cov, row * n);
			for (int i = n; i < n + horizon; i++)
				memcpy((char *) padded + row * i, (char *) cov + row * (n - 1), row);
			cov = padded;
		}
		sf_forecast_from_x(&m->core, series,
						   JoinExog(m, cov, SeriesCalendar(m, ts, n, horizon), n + horizon),
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
