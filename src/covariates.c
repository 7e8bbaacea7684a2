/*
 * covariates.c
 *	  The float8[] forms of seq_train and seq_fit: each row is the target
 *	  (element 1) and its covariates (the rest), known in advance for the
 *	  future too.  The transition function checks and collects the rows; the
 *	  final function trains a network whose input at each step is the
 *	  normalized target and the covariates scaled by statistics of the
 *	  training part (the core's exog columns), scores the held-out windows
 *	  and serializes.
 *
 * A row costs 8 bytes per element, 8k + 8 for k covariates: the rows are
 * kept row-major in blocks of ROWS_PER_BLOCK rows, so a growing series is
 * never copied (a doubling array peaks at three times its rows while it is
 * copied), and split into the target and the covariates only when training
 * starts.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "seqforecast.h"

/* Rows per block of the collected series (512 KB for one covariate). */
#define ROWS_PER_BLOCK 32768

/* The aggregate's state: options, covariate names and the rows so far. */
typedef struct RowsState
{
	SfOptions	opts;
	int			n_features;		/* names given with option features, or 0 */
	char	  **features;
	int			width;			/* elements a row: 1 + covariates; 0 before
								 * the first row */
	double	  **blocks;			/* ROWS_PER_BLOCK rows each, row-major */
	int64		n_blocks;
	int64		max_blocks;		/* entries of blocks[] */
	int64		n;
} RowsState;

/*
 * Option features: an array of text naming the covariates, taken out of the
 * options before the common parser (which knows only the univariate
 * options) reads the rest: into *features (palloc'd) and *n_features, left
 * as they are when the options have none.  Shared by the float8[] forms
 * here and the ts + float8[] forms in timeaxis.c.
 */
Jsonb *
TakeFeatureNames(Jsonb *options, char ***features, int *n_features)
{
	JsonbValue	v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	e;
	int			n = 0;

	if (options == NULL || !JB_ROOT_IS_OBJECT(options) ||
		!getKeyJsonValueFromContainer(&options->root, "features", 8, &v))
		return options;
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option features must be an array of text"),
				 errhint("Name the covariates in row order, for example {\"features\": [\"price\", \"promo\"]}.")));
	*features = palloc(sizeof(char *) * Max(JsonContainerSize(v.val.binary.data), 1));
	it = JsonbIteratorInit(v.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvString || e.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option features must be an array of non-empty text, but element %d is not",
							n + 1)));
		CheckOptionText("features", e.val.string.val, e.val.string.len);
		(*features)[n++] = pnstrdup(e.val.string.val, e.val.string.len);
	}
	*n_features = n;
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(options),
											  CStringGetTextDatum("features")));
}

/*
 * Check row r (1-based) of a training series of rows: one-dimensional, of the
 * target and 1 to SF_MAX_EXOG covariates, as wide as row 1 (*width, 0 until
 * row 1 sets it) and as the option features' n_features names (0: none).
 * Shared by the float8[] forms here and the ts + float8[] forms in timeaxis.c.
 */
int
CheckTrainingRow(ArrayType *row, int64 r, int *width_of_first, int n_features)
{
	int			width;

	if (ARR_NDIM(row) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row %lld must be a one-dimensional array of the target and its covariates",
						(long long) r),
				 errdetail("The array has %d dimensions.", ARR_NDIM(row))));
	width = ArrayGetNItems(ARR_NDIM(row), ARR_DIMS(row));
	if (*width_of_first == 0)
	{
		if (width < 2 || width > SF_MAX_INPUTS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("row 1 has %d values, but a row needs the target and 1 to %d covariates",
							width, SF_MAX_EXOG),
					 errhint("A series without covariates uses the float8 form of seq_train.")));
		if (n_features > 0 && n_features != width - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option features names %d covariates, but the rows hold %d",
							n_features, width - 1)));
		*width_of_first = width;
	}
	else if (width != *width_of_first)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row %lld has %d values, but row 1 has %d", (long long) r,
						width, *width_of_first),
				 errdetail("Every row holds the target and the same %d covariates.",
						   *width_of_first - 1)));
	return width;
}

/* Append one row, checked: the same width as the first, no NULL, finite. */
static void
AppendRow(RowsState *state, ArrayType *row, MemoryContext aggctx)
{
	int64		r = state->n + 1;
	int			width;
	const double *values;
	bits8	   *nulls;
	double	   *row_at;

	width = CheckTrainingRow(row, r, &state->width, state->n_features);

	values = (const double *) ARR_DATA_PTR(row);
	nulls = ARR_NULLBITMAP(row);
	if (nulls)
		for (int j = 0; j < width; j++)
			if (!(nulls[j / 8] & (1 << (j % 8))))
			{
				if (j == 0)
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("the target of row %lld is NULL", (long long) r),
							 errhint("A series without timestamps cannot be filled: filter out or fill NULL values (for example with coalesce).")));
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("covariate %d%s%s%s of row %lld is NULL", j,
								state->n_features ? " (" : "",
								state->n_features ? state->features[j - 1] : "",
								state->n_features ? ")" : "", (long long) r),
						 errhint("A series without timestamps cannot be filled: filter out or fill NULL values (for example with coalesce).")));
			}

	if (state->n == state->n_blocks * ROWS_PER_BLOCK)
	{
		if (state->n >= SF_MAX_SERIES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("series has more than %d rows", SF_MAX_SERIES)));
		if (state->n_blocks == state->max_blocks)
		{
			state->max_blocks = state->max_blocks ? state->max_blocks * 2 : 64;
			state->blocks = state->blocks
				? repalloc(state->blocks, sizeof(double *) * state->max_blocks)
				: MemoryContextAlloc(aggctx, sizeof(double *) * state->max_blocks);
		}
		CheckMemoryRequest(sizeof(double) * width * (state->n + ROWS_PER_BLOCK),
						   "collecting this series", NULL);
		state->blocks[state->n_blocks++] =
			MemoryContextAllocHuge(aggctx, sizeof(double) * width * ROWS_PER_BLOCK);
	}
	row_at = state->blocks[state->n / ROWS_PER_BLOCK] +
		(size_t) (state->n % ROWS_PER_BLOCK) * width;
	for (int j = 0; j < width; j++)
	{
		if (!isfinite(values[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 j == 0 ? errmsg("the target of row %lld is %s", (long long) r,
									 isnan(values[j]) ? "NaN" : values[j] > 0 ? "Infinity" : "-Infinity")
					 : errmsg("covariate %d of row %lld is %s", j, (long long) r,
							  isnan(values[j]) ? "NaN" : values[j] > 0 ? "Infinity" : "-Infinity"),
					 errhint("Filter out or replace NaN and infinite values before training.")));
		row_at[j] = values[j];
	}
	state->n++;
}

static RowsState *
AccumulateRows(FunctionCallInfo fcinfo, bool stores)
{
	MemoryContext aggctx;
	RowsState  *state;

	if (TransitionStarts(fcinfo, stores, &aggctx))
	{
		MemoryContext old;
		Jsonb	   *options;

		old = MemoryContextSwitchTo(aggctx);
		state = palloc0(sizeof(RowsState));
		options = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? PG_GETARG_JSONB_P(3) : NULL;
		options = TakeFeatureNames(options, &state->features, &state->n_features);
		ReadOptions(&state->opts, text_to_cstring(PG_GETARG_TEXT_PP(1)), options);
		MemoryContextSwitchTo(old);
		if (stores && CitusTaskFromElsewhere())
			RefuseInCitusTask(CITUS_TRAIN, state->opts.name, 0);
	}
	else
		state = (RowsState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("row %lld is NULL", (long long) state->n + 1),
				 errhint("Every row is an array of the target and its covariates.")));
	AppendRow(state, PG_GETARG_ARRAYTYPE_P(2), aggctx);
	return state;
}

PG_FUNCTION_INFO_V1(seq_train_rows_accum);

/* seq_train_rows_accum(internal, kind text, value float8[] [, options jsonb]) */
Datum
seq_train_rows_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(AccumulateRows(fcinfo, true));
}

PG_FUNCTION_INFO_V1(seq_fit_rows_accum);

/* seq_fit_rows_accum(internal, kind text, value float8[] [, options jsonb]) */
Datum
seq_fit_rows_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(AccumulateRows(fcinfo, false));
}

/*
 * The options' member naming k covariates: the names given with option
 * features (n_features of them), or x1, x2, ...
 */
void
AppendFeatureNames(StringInfo s, char **features, int n_features, int k)
{
	appendStringInfoString(s, ", \"features\": [");
	for (int j = 0; j < k; j++)
	{
		if (j)
			appendStringInfoString(s, ", ");
		if (n_features)
			escape_json(s, features[j]);
		else
			escape_json(s, psprintf("x%d", j + 1));
	}
	appendStringInfoChar(s, ']');
}

/*
 * Train on the collected rows and return the serialized model, or NULL for
 * a too-short series with on_short = 'skip'.  The training, scoring and
 * refit are a univariate model's (train.c) with the covariates as inputs.
 */
static bytea *
TrainRowsAndEncode(RowsState *state, double *train_seconds)
{
	SfOptions  *o = &state->opts;
	int64		n = state->n;
	int			k = state->width - 1;
	int			T = o->arch.window;
	double	   *series,
			   *exog;
	StringInfoData options,
				metrics,
				extra;

	CheckMemoryRequest(sizeof(double) * (n + (n + HOLDOUT_MAX_STEPS) * k),
					   psprintf("training model \"%s\"", o->name), NULL);
	/*
	 * The target apart from the covariates, as the core reads them; the
	 * last row of covariates stands for the rows past the end.
	 */
	series = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	exog = palloc_extended(sizeof(double) * (n + HOLDOUT_MAX_STEPS) * k, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n + HOLDOUT_MAX_STEPS; i++)
	{
		int64		r = Min(i, n - 1);
		const double *row = state->blocks[r / ROWS_PER_BLOCK] +
			(size_t) (r % ROWS_PER_BLOCK) * state->width;

		if (i < n)
			series[i] = row[0];
		memcpy(exog + (size_t) i * k, row + 1, sizeof(double) * k);
	}

	initStringInfo(&options);
	AppendFeatureNames(&options, state->features, state->n_features, k);
	initStringInfo(&metrics);
	appendStringInfo(&metrics, ", \"covariates\": %d", k);
	/* the covariates of the stored window's values 2 .. window (forecast.c) */
	initStringInfo(&extra);
	appendStringInfoString(&extra, ", \"tail_covariates\": ");
	AppendFloatArray(&extra, exog + (size_t) Max(n - T + 1, 0) * k,
					 (n - Max(n - T + 1, 0)) * k);
	o->arch.inputs = 1 + k;
	return TrainSeriesWith(o, series, n, options.data, metrics.data, NULL, extra.data,
						   NULL, k, exog, train_seconds);
}

static void
CheckRowsEmpty(FunctionCallInfo fcinfo)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "seq_train and seq_fit final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is empty"),
				 errhint("The aggregate received no rows to train on.")));
}

PG_FUNCTION_INFO_V1(seq_train_rows_final);

/* Final function of seq_train over rows: train, store, return the new id. */
Datum
seq_train_rows_final(PG_FUNCTION_ARGS)
{
	RowsState  *state;
	bytea	   *blob;
	double		seconds;

	CheckRowsEmpty(fcinfo);
	state = (RowsState *) PG_GETARG_POINTER(0);
	blob = TrainRowsAndEncode(state, &seconds);
	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT64(StoreModelTimed(fcinfo->flinfo->fn_oid, state->opts.name,
									blob, seconds));
}

PG_FUNCTION_INFO_V1(seq_fit_rows_final);

/* Final function of seq_fit over rows: train, return the serialized model. */
Datum
seq_fit_rows_final(PG_FUNCTION_ARGS)
{
	bytea	   *blob;
	double		seconds;

	CheckRowsEmpty(fcinfo);
	blob = TrainRowsAndEncode((RowsState *) PG_GETARG_POINTER(0), &seconds);
	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(blob);
}
