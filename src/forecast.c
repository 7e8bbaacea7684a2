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
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("covariate model has no covariates of its stored window"),
				 errdetail("Its metadata lacks number %d of key \"tail_covariates\".", i + 1)));
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

static Rows *
ForecastRows(FunctionCallInfo fcinfo)
{
	SfModel    *m = LoadModel(fcinfo, 0);
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

	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		exog = FutureExog(m, PG_GETARG_ARRAYTYPE_P(3), horizon);
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

	out = palloc(sizeof(double) * horizon);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, 1));
	sf_forecast_x(&m->core, window, exog, phase, horizon, out, work, &InterruptHooks);

	rows = NewRows(horizon, 4);
	for (int h = 0; h < horizon; h++)
	{
		Datum	   *v = rows->values + h * 4;
		bool	   *nl = rows->nulls + h * 4;

		v[0] = Int32GetDatum(h + 1);
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

/* seq_forecast(model, horizon int, history float8[], future float8[]) */
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
		funcctx->user_fctx = ForecastRows(fcinfo);
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	return NextRow(fcinfo, funcctx);
}

/*
 * One-step predictions for every window of the series argument (argno 1).
 * Sets *actual to the values they predict; returns the count.
 */
static int
PredictSeries(FunctionCallInfo fcinfo, SfModel **model, double **actual,
			  double **pred)
{
	SfModel    *m = LoadModel(fcinfo, 0);
	int			n;
	double	   *series;
	int			count;
	void	   *work;

	CheckNoCovariates(m, "seq_predict");
	series = ArrayToSeries(PG_GETARG_ARRAYTYPE_P(1), "series", &n);

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
	sf_predict_windows(&m->core, series, SeriesPhase(m, series, n), count, *pred,
					   work, &InterruptHooks);
	*actual = series + m->core.arch.window;
	*model = m;
	return count;
}

PG_FUNCTION_INFO_V1(seq_predict);

/* seq_predict(model, series float8[]) -> (position, actual, predicted) */
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
		int			count;
		Rows	   *rows;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		count = PredictSeries(fcinfo, &m, &actual, &pred);
		rows = NewRows(count, 3);
		for (int i = 0; i < count; i++)
		{
			rows->values[i * 3] = Int32GetDatum(m->core.arch.window + i + 1);
			rows->values[i * 3 + 1] = Float8GetDatum(actual[i]);
			rows->values[i * 3 + 2] = Float8GetDatum(pred[i]);
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
 * seq_evaluate(model, series float8[], horizon int)
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
					horizon = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : 1,
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
		sf_scores	sc;
		Rows	   *rows;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		SetupResult(fcinfo, funcctx);
		if (horizon < 1 || horizon > MAX_HORIZON)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("horizon must be between 1 and %d", MAX_HORIZON),
					 errdetail("The value given was %d.", horizon)));
		m = LoadModel(fcinfo, 0);
		CheckNoCovariates(m, "seq_evaluate");
		series = ArrayToSeries(PG_GETARG_ARRAYTYPE_P(1), "series", &n);
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
		sf_forecast_from(&m->core, series, SeriesPhase(m, series, n), 0, count,
						 horizon, fc, work, &InterruptHooks);

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
