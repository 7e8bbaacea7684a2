/*
 * timeaxis.c
 *	  Time-aware series (SPEC.md, "Timestamps in" and "Timestamps out"): the
 *	  aggregates seq_train(kind, ts, value [, options]) and seq_fit(...) for
 *	  ts of type date, timestamp or timestamptz, and the time axis of a model
 *	  for the forecasting functions.
 *
 *	  The forms seq_train(kind, ts, value float8[] [, options]) and seq_fit
 *	  take rows of the target and its covariates (issue 12): the covariates
 *	  follow the same duplicates and gaps rules, and the network's inputs are
 *	  the target, the covariates (scaled), then the calendar inputs.
 *
 *	  The transition function collects the rows compactly in arrival order
 *	  (4 bytes a (ts, value) row in time order while the values are exact in
 *	  float4, 8 shuffled; see "The collection" below).  The final function sorts them by ts, merges
 *	  duplicates, finds the frequency, puts every row on its step and fills
 *	  or keeps the gaps, then trains on the resulting series like the
 *	  value-only forms.
 *
 *	  Steps of a day and longer are calendar steps: they are counted on the
 *	  civil (wall-clock) time of the session's TimeZone, so a daily series
 *	  stays daily across a DST change and a monthly one lands on the same day
 *	  of every month.  Shorter steps are fixed durations between instants.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "seqforecast.h"

/* More than this fraction of filled steps is refused with gaps 'fill'. */
#define MAX_FILLED_FRACTION 0.2


/* Calendar rows computed beyond a training series (the held-out forecasts' reach). */
#define TIME_FUTURE_ROWS HOLDOUT_MAX_STEPS

/* The longest default window a frequency's season gives. */
#define MAX_TIME_WINDOW 96

/*
 * The collection.  Rows arrive in any order and are kept compact, in blocks
 * of TIME_BLOCK_ROWS rows (a growing series is never copied, and at most one
 * block is partly empty):
 *  - ts as a 32-bit count of `unit` (a day for date, a second otherwise)
 *    after the first row's ts, while every row is a whole number of units
 *    from it within 32 bits; the first row that is not turns every ts into
 *    the full 64-bit microseconds;
 *  - the values as float4 offsets from the first row's values while every
 *    value is one exactly (the univariate aggregate's rule, train.c); the
 *    first value that is not turns every value into float8.
 * Before both, while the rows arrive at a constant step (ts0 + i * step:
 * a table in time order), no ts is kept at all.
 * Each switch converts the rows so far exactly, so the series the final
 * function builds is the same whatever the representation and the order
 * of arrival (a NULL value is kept as NaN in either).  A row costs 4 or 8
 * bytes a value plus 0 (in order), 4 or 8 bytes of ts.
 */
#define TIME_BLOCK_ROWS 65536

/* The aggregate's state. */
typedef struct TimeState
{
	SfOptions	opts;
	SfTime		time;			/* kind, given frequency, rules */
	bool		freq_given;
	bool		season_given;
	int			duplicates;		/* DUP_* */
	bool		rows_form;		/* value is float8[]: target and covariates */
	int			n_features;		/* names given with option features, or 0 */
	char	  **features;
	int			width;			/* values a row (1 for the float8 form; 0
								 * before the first row of the float8[] form) */
	int64		n;
	int64		ts0;			/* the first row's ts */
	int64		unit;			/* microseconds a compact ts counts */
	bool		implicit_ts;	/* row i's ts is ts0 + i * step: none kept */
	int64		step;
	bool		wide_ts;		/* ts kept as int64 microseconds */
	bool		wide_v;			/* values kept as float8 */
	double		v0[SF_MAX_INPUTS];	/* the first row's values (0 for NULL) */
	void	  **ts_blocks;
	void	  **v_blocks;
	int64		n_blocks;
	int64		max_blocks;
	int64	   *steps;			/* axis time of each series value */
	int			n_covariates;	/* covariates of the float8[] form */
	double	   *covariates;		/* the final's covariate rows (n x k) */
	int64		n_filled_covariates;
} TimeState;

enum
{
	DUP_ERROR,
	DUP_SUM,
	DUP_MEAN,
	DUP_LAST
};

static const char *const gaps_names[] = {"fill", "keep", "error"};
static const char *const dup_names[] = {"error", "sum", "mean", "last"};
static const char *const kind_names[] = {"none", "date", "timestamp", "timestamptz"};

/* ---------------------------------------------------------------- time text */

/* A timestamp of the series' kind as text, for messages. */
static char *
TsText(int kind, int64 ts)
{
	switch (kind)
	{
		case SF_TIME_DATE:
			return DatumGetCString(DirectFunctionCall1(date_out,
													   DateADTGetDatum((DateADT) (ts / USECS_PER_DAY))));
		case SF_TIME_TIMESTAMP:
			return DatumGetCString(DirectFunctionCall1(timestamp_out,
													   TimestampGetDatum(ts)));
		default:
			return DatumGetCString(DirectFunctionCall1(timestamptz_out,
													   TimestampTzGetDatum(ts)));
	}
}

/* The frequency as interval text ("1 day", "3 mons", "00:05:00"). */
char *
FrequencyText(const SfTime *t)
{
	Interval	iv;

	iv.month = t->months;
	iv.day = t->days;
	iv.time = t->usecs;
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&iv)));
}

/* ------------------------------------------------------------- civil time */

/* The session's wall-clock time of an instant, as a timestamp. */
static int64
CivilOf(TimestampTz inst)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	Timestamp	out;

	if (timestamp2tm(inst, &tz, &tm, &fsec, NULL, NULL) != 0 ||
		tm2timestamp(&tm, fsec, NULL, &out) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return out;
}

/* The instant of a wall-clock time in the session's TimeZone. */
static TimestampTz
InstantOf(Timestamp civil)
{
	int			overflow = 0;
	TimestampTz out = timestamp2timestamptz_opt_overflow(civil, &overflow);

	if (overflow)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return out;
}

static bool
IsCalendar(const SfTime *t)
{
	return t->months != 0 || t->days != 0;
}

static int
DaysInMonth(int year, int mon)
{
	return day_tab[isleap(year)][mon - 1];
}

/* civil + k months, on the same day (clamped) or on the month's last day. */
static int64
AddMonths(int64 civil, int64 k, bool month_end)
{
	struct pg_tm tm;
	fsec_t		fsec;
	Timestamp	out;
	int64		m;

	if (timestamp2tm(civil, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	m = (int64) tm.tm_year * 12 + (tm.tm_mon - 1) + k;
	if (m < 0 || m > (int64) 300000 * 12)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	tm.tm_year = (int) (m / 12);
	tm.tm_mon = (int) (m % 12) + 1;
	if (month_end || tm.tm_mday > DaysInMonth(tm.tm_year, tm.tm_mon))
		tm.tm_mday = DaysInMonth(tm.tm_year, tm.tm_mon);
	if (tm2timestamp(&tm, fsec, NULL, &out) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return out;
}

/* The axis time k steps after axis time from. */
static int64
StepAxis(const SfTime *t, int64 from, int64 k)
{
	int64		r = from;

	if (t->months != 0)
		r = AddMonths(r, k * t->months, t->month_end);
	if (pg_mul_s64_overflow(k, (int64) t->days * USECS_PER_DAY + t->usecs, &k) ||
		pg_add_s64_overflow(r, k, &r) || !IS_VALID_TIMESTAMP(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail("A forecast step falls beyond the range of timestamps.")));
	return r;
}

/*
 * The timestamptz of the step k steps after the model's axis time from (a
 * civil time for calendar steps and for date and timestamp series).
 */
TimestampTz
StepTimestamp(const SfTime *t, int64 from, int64 k)
{
	int64		a = StepAxis(t, from, k);

	if (t->kind == SF_TIME_TIMESTAMPTZ && !IsCalendar(t))
		return a;
	return InstantOf(a);
}

/* A timestamptz given by the user (history_end, ts[]) as a model axis time. */
int64
AxisOfTimestamp(const SfTime *t, TimestampTz ts, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite", what),
				 errdetail("The value given was %s.", TsText(SF_TIME_TIMESTAMPTZ, ts))));
	if (t->kind == SF_TIME_TIMESTAMPTZ && !IsCalendar(t))
		return ts;
	return CivilOf(ts);
}

/* ------------------------------------------------------------------ options */

static bool
StringIs(const JsonbValue *v, const char *s)
{
	return v->type == jbvString && v->val.string.len == (int) strlen(s) &&
		strncmp(v->val.string.val, s, v->val.string.len) == 0;
}

static int
ChooseName(const char *key, JsonbValue *v, const char *const *names, int n,
		   const char *expect)
{
	for (int i = 0; i < n; i++)
		if (StringIs(v, names[i]))
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s", key, expect)));
	return 0;
}

/* The option frequency: a positive interval of months, days or a duration. */
static void
ReadFrequency(SfTime *t, JsonbValue *v)
{
	char	   *text;
	Interval   *iv;

	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"frequency\" must be an interval as text"),
				 errhint("For example '1 day', '15 minutes', '1 month' or '3 months'.")));
	text = pnstrdup(v->val.string.val, v->val.string.len);
	iv = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
	if (iv->month < 0 || iv->day < 0 || iv->time < 0 ||
		(iv->month == 0 && iv->day == 0 && iv->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"frequency\" must be a positive interval, not \"%s\"", text),
				 errhint("For example '1 day', '15 minutes', '1 month' or '3 months'.")));
	if ((iv->month != 0) + (iv->day != 0) + (iv->time != 0) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"frequency\" must be whole months, whole days or a duration, not \"%s\"", text),
				 errdetail("Months, days and shorter durations do not add up to one step length.")));
	t->months = iv->month;
	t->days = iv->day;
	t->usecs = iv->time;
}

/* The option calendar: 'auto', 'none' or an array of part names. */
static void
ReadCalendar(TimeState *st, JsonbValue *v, JsonbIterator **it, JsonbIteratorToken tok)
{
	if (tok == WJB_BEGIN_ARRAY && !v->val.array.rawScalar)
	{
		uint32		parts = 0;

		while ((tok = JsonbIteratorNext(it, v, true)) == WJB_ELEM)
		{
			char	   *name;
			int			part;

			if (v->type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"calendar\" must be \"auto\", \"none\" or an array of part names")));
			name = pnstrdup(v->val.string.val, v->val.string.len);
			part = CalendarPartFromName(name);
			if (part == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown calendar part \"%s\"", name),
						 errhint("Valid parts are %s.", CalendarPartNames())));
			parts |= part;
		}
		st->time.calendar = parts;
		st->time.calendar_auto = false;
		return;
	}
	if (tok == WJB_BEGIN_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"calendar\" must be \"auto\", \"none\" or an array of part names")));
	if (StringIs(v, "auto"))
		st->time.calendar_auto = true;
	else if (StringIs(v, "none"))
	{
		st->time.calendar_auto = false;
		st->time.calendar = 0;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"calendar\" must be \"auto\", \"none\" or an array of part names")));
}

/*
 * Read the time options (frequency, duplicates, gaps, calendar) out of json
 * and the others with ReadOptions.
 */
static void
ReadTimeOptions(TimeState *st, const char *kind, Jsonb *json)
{
	static const char *const time_keys[] = {"frequency", "duplicates", "gaps", "calendar"};
	Jsonb	   *rest = json;

	st->time.calendar_auto = true;
	if (json != NULL && JB_ROOT_IS_OBJECT(json) && !JB_ROOT_IS_SCALAR(json))
	{
		JsonbIterator *it = JsonbIteratorInit(&json->root);
		JsonbValue	v;
		JsonbIteratorToken tok = JsonbIteratorNext(&it, &v, true);

		while ((tok = JsonbIteratorNext(&it, &v, true)) == WJB_KEY)
		{
			char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

			tok = JsonbIteratorNext(&it, &v, true);
			if (strcmp(key, "season") == 0)
				st->season_given = true;
			else if (strcmp(key, "frequency") == 0)
			{
				if (tok != WJB_VALUE)
					v.type = jbvArray;
				ReadFrequency(&st->time, &v);
				st->freq_given = true;
			}
			else if (strcmp(key, "duplicates") == 0)
				st->duplicates = ChooseName(key, &v, dup_names, lengthof(dup_names),
											"\"error\", \"sum\", \"mean\" or \"last\"");
			else if (strcmp(key, "gaps") == 0)
				st->time.gaps = ChooseName(key, &v, gaps_names, lengthof(gaps_names),
										   "\"fill\", \"keep\" or \"error\"");
			else if (strcmp(key, "calendar") == 0)
			{
				JsonbIterator *sub;
				JsonbValue	cv;

				if (v.type != jbvBinary)
					ReadCalendar(st, &v, NULL, tok);
				else
				{
					sub = JsonbIteratorInit(v.val.binary.data);
					tok = JsonbIteratorNext(&sub, &cv, true);
					ReadCalendar(st, &cv, &sub, tok);
				}
			}
		}
		for (size_t i = 0; i < lengthof(time_keys); i++)
			rest = DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(rest),
													  CStringGetTextDatum(time_keys[i])));
	}
	ReadOptions(&st->opts, kind, rest);
	if (st->opts.preset && strcmp(st->opts.preset, "tutorial") == 0)
		st->time.calendar_auto = false, st->time.calendar = 0;
}

/* ------------------------------------------------------------ accumulation */

static size_t
TsBytes(const TimeState *st)
{
	if (st->implicit_ts)
		return 0;
	return st->wide_ts ? sizeof(int64) : sizeof(int32);
}

static size_t
ValueBytes(const TimeState *st)
{
	return st->wide_v ? sizeof(double) : sizeof(float);
}

/* The ts of collected row i, in microseconds. */
static inline int64
RowTs(const TimeState *st, int64 i)
{
	const void *b;
	int64		k = i % TIME_BLOCK_ROWS;

	if (st->implicit_ts)
		return st->ts0 + i * st->step;
	b = st->ts_blocks[i / TIME_BLOCK_ROWS];
	if (st->wide_ts)
		return ((const int64 *) b)[k];
	return st->ts0 + (int64) ((const int32 *) b)[k] * st->unit;
}

/* Value j of collected row i (NaN for NULL). */
static inline double
RowValue(const TimeState *st, int64 i, int j)
{
	const void *b = st->v_blocks[i / TIME_BLOCK_ROWS];
	size_t		k = (size_t) (i % TIME_BLOCK_ROWS) * st->width + j;

	if (st->wide_v)
		return ((const double *) b)[k];
	return st->v0[j] + (double) ((const float *) b)[k];
}

/* Rows in block b. */
static int64
BlockRows(const TimeState *st, int64 b)
{
	return Min(TIME_BLOCK_ROWS, st->n - b * TIME_BLOCK_ROWS);
}

/* Every ts so far as int64 microseconds, block by block. */
static void
WidenTs(TimeState *st, MemoryContext aggctx)
{
	CheckMemoryRequest((sizeof(int64) + ValueBytes(st) * st->width) *
					   st->n_blocks * TIME_BLOCK_ROWS, "collecting this series", NULL);
	for (int64 b = 0; b < st->n_blocks; b++)
	{
		int64	   *wide = MemoryContextAllocHuge(aggctx, sizeof(int64) * TIME_BLOCK_ROWS);
		const int32 *narrow = st->ts_blocks[b];

		for (int64 k = 0; k < BlockRows(st, b); k++)
			wide[k] = st->ts0 + (int64) narrow[k] * st->unit;
		pfree(st->ts_blocks[b]);
		st->ts_blocks[b] = wide;
	}
	st->wide_ts = true;
}

/* Every value so far as float8, block by block. */
static void
WidenValues(TimeState *st, MemoryContext aggctx)
{
	CheckMemoryRequest((TsBytes(st) + sizeof(double) * st->width) *
					   st->n_blocks * TIME_BLOCK_ROWS, "collecting this series", NULL);
	for (int64 b = 0; b < st->n_blocks; b++)
	{
		double	   *wide = MemoryContextAllocHuge(aggctx, sizeof(double) * st->width * TIME_BLOCK_ROWS);
		const float *narrow = st->v_blocks[b];

		for (int64 k = 0; k < BlockRows(st, b); k++)
			for (int j = 0; j < st->width; j++)
				wide[k * st->width + j] = st->v0[j] + (double) narrow[k * st->width + j];
		pfree(st->v_blocks[b]);
		st->v_blocks[b] = wide;
	}
	st->wide_v = true;
}

/* Keep the ts of row i (its block allocated): compact, or widen them all. */
static void
StoreTs(TimeState *st, int64 i, int64 ts, MemoryContext aggctx)
{
	int64		k = i % TIME_BLOCK_ROWS;
	int64		off;

	if (!st->wide_ts)
	{
		if (pg_sub_s64_overflow(ts, st->ts0, &off) || off % st->unit != 0 ||
			off / st->unit < PG_INT32_MIN || off / st->unit > PG_INT32_MAX)
			WidenTs(st, aggctx);
		else
			((int32 *) st->ts_blocks[i / TIME_BLOCK_ROWS])[k] = (int32) (off / st->unit);
	}
	if (st->wide_ts)
		((int64 *) st->ts_blocks[i / TIME_BLOCK_ROWS])[k] = ts;
}

/*
 * The first row off the constant step of the rows before it: keep the ts
 * of every row so far (ts0 + i * step, exactly), compact while they fit.
 */
static void
MaterializeTs(TimeState *st, MemoryContext aggctx)
{
	st->implicit_ts = false;
	CheckMemoryRequest((TsBytes(st) + ValueBytes(st) * st->width) *
					   st->n_blocks * TIME_BLOCK_ROWS, "collecting this series", NULL);
	for (int64 b = 0; b < st->n_blocks; b++)
		st->ts_blocks[b] = MemoryContextAllocHuge(aggctx, TsBytes(st) * TIME_BLOCK_ROWS);
	for (int64 i = 0; i < st->n; i++)
		StoreTs(st, i, st->ts0 + i * st->step, aggctx);
}

/* Append one row: ts in microseconds, width values (NaN for NULL). */
static void
AppendTimeRow(TimeState *st, int64 ts, const double *v, MemoryContext aggctx)
{
	int64		k = st->n % TIME_BLOCK_ROWS;
	int64		expect;

	if (st->n == 0)
	{
		st->ts0 = ts;
		st->implicit_ts = true;
		st->unit = st->time.kind == SF_TIME_DATE ? USECS_PER_DAY : USECS_PER_SEC;
		for (int j = 0; j < st->width; j++)
			st->v0[j] = isnan(v[j]) ? 0 : v[j];
	}
	if (k == 0)
	{
		if (st->n >= SF_MAX_SERIES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("series has more than %d rows", SF_MAX_SERIES)));
		if (st->n_blocks == st->max_blocks)
		{
			st->max_blocks = st->max_blocks ? st->max_blocks * 2 : 64;
			st->ts_blocks = st->ts_blocks
				? repalloc(st->ts_blocks, sizeof(void *) * st->max_blocks)
				: MemoryContextAlloc(aggctx, sizeof(void *) * st->max_blocks);
			st->v_blocks = st->v_blocks
				? repalloc(st->v_blocks, sizeof(void *) * st->max_blocks)
				: MemoryContextAlloc(aggctx, sizeof(void *) * st->max_blocks);
		}
		CheckMemoryRequest((TsBytes(st) + ValueBytes(st) * st->width) *
						   (st->n_blocks + 1) * TIME_BLOCK_ROWS,
						   "collecting this series", NULL);
		st->ts_blocks[st->n_blocks] = st->implicit_ts ? NULL :
			MemoryContextAllocHuge(aggctx, TsBytes(st) * TIME_BLOCK_ROWS);
		st->v_blocks[st->n_blocks] = MemoryContextAllocHuge(aggctx, ValueBytes(st) * st->width * TIME_BLOCK_ROWS);
		st->n_blocks++;
	}

	/* rows arriving in time order at a constant step cost no ts at all */
	if (st->implicit_ts && st->n == 1)
	{
		if (pg_sub_s64_overflow(ts, st->ts0, &expect))
			MaterializeTs(st, aggctx);
		else
			st->step = expect;
	}
	else if (st->implicit_ts && st->n > 1 &&
			 (pg_mul_s64_overflow(st->n, st->step, &expect) ||
			  pg_add_s64_overflow(st->ts0, expect, &expect) || ts != expect))
		MaterializeTs(st, aggctx);
	if (!st->implicit_ts)
		StoreTs(st, st->n, ts, aggctx);

	if (!st->wide_v)
	{
		float	   *at = (float *) st->v_blocks[st->n / TIME_BLOCK_ROWS] + k * st->width;
		int			j;

		for (j = 0; j < st->width; j++)
		{
			float		d = (float) (v[j] - st->v0[j]);

			if (isnan(v[j]))
				at[j] = NAN;
			else if (isfinite(d) && st->v0[j] + (double) d == v[j])
				at[j] = d;
			else
				break;
		}
		if (j < st->width)
			WidenValues(st, aggctx);
	}
	if (st->wide_v)
		memcpy((double *) st->v_blocks[st->n / TIME_BLOCK_ROWS] + k * st->width, v,
			   sizeof(double) * st->width);
	st->n++;
}

/*
 * Option features (the float8[] form): an array of text naming the
 * covariates, taken out of the options before the others are read.
 */
static Jsonb *
TakeTimeFeatures(Jsonb *options, TimeState *st)
{
	JsonbValue	v;

	if (options == NULL || !JB_ROOT_IS_OBJECT(options) ||
		!getKeyJsonValueFromContainer(&options->root, "features", 8, &v))
		return options;
	if (!st->rows_form)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option features is for rows of the target and its covariates"),
				 errhint("Pass the value as a float8[] of the target then its covariates.")));
	return TakeFeatureNames(options, &st->features, &st->n_features);
}

/* The name of covariate j (1-based) for messages: " (price)" or "". */
static const char *
CovariateLabel(const TimeState *st, int j)
{
	if (st->n_features >= j && j >= 1)
		return psprintf(" (%s)", st->features[j - 1]);
	return "";
}

/*
 * The values of a float8[] row (target, covariates) into v, NaN for NULL;
 * checks the width against the first row's and refuses non-finite values.
 */
static void
RowValues(TimeState *st, ArrayType *row, double *v, int64 r)
{
	int			width;
	const double *values;
	bits8	   *nulls;

	width = CheckTrainingRow(row, r, &st->width, st->n_features);
	values = (const double *) ARR_DATA_PTR(row);
	nulls = ARR_NULLBITMAP(row);
	for (int j = 0, at = 0; j < width; j++)
	{
		if (nulls && !(nulls[j / 8] & (1 << (j % 8))))
		{
			v[j] = NAN;
			continue;
		}
		v[j] = values[at++];
		if (!isfinite(v[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 j == 0 ? errmsg("the target of row %lld is %s", (long long) r,
									 isnan(v[j]) ? "NaN" : v[j] > 0 ? "Infinity" : "-Infinity")
					 : errmsg("covariate %d%s of row %lld is %s", j, CovariateLabel(st, j), (long long) r,
							  isnan(v[j]) ? "NaN" : v[j] > 0 ? "Infinity" : "-Infinity"),
					 errhint("Filter out or replace NaN and infinite values before training; NULL values count as missing.")));
	}
}

static TimeState *
TimeAccumulate(FunctionCallInfo fcinfo, bool stores, bool rows_form)
{
	MemoryContext aggctx;
	TimeState  *st;
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 2);
	int64		ts;
	double		v[SF_MAX_INPUTS];

	if (TransitionStarts(fcinfo, stores, &aggctx))
	{
		MemoryContext old;
		Jsonb	   *options;

		old = MemoryContextSwitchTo(aggctx);
		st = palloc0(sizeof(TimeState));
		st->rows_form = rows_form;
		st->width = rows_form ? 0 : 1;
		st->time.kind = type == DATEOID ? SF_TIME_DATE :
			type == TIMESTAMPOID ? SF_TIME_TIMESTAMP : SF_TIME_TIMESTAMPTZ;
		options = PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_JSONB_P(4) : NULL;
		options = TakeTimeFeatures(options, st);
		ReadTimeOptions(st, text_to_cstring(PG_GETARG_TEXT_PP(1)), options);
		MemoryContextSwitchTo(old);
		if (stores && CitusTaskFromElsewhere())
			RefuseInCitusTask(CITUS_TRAIN, st->opts.name, 0);
	}
	else
		st = (TimeState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ts of row %lld is NULL", (long long) st->n + 1),
				 errhint("Every row needs its timestamp: filter out rows without one.")));
	if (st->time.kind == SF_TIME_DATE)
	{
		DateADT		d = PG_GETARG_DATEADT(2);

		if (DATE_NOT_FINITE(d))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("ts of row %lld is %s", (long long) st->n + 1,
							DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity"),
					 errhint("Every row needs a finite timestamp.")));
		ts = (int64) d * USECS_PER_DAY;
	}
	else
	{
		ts = PG_GETARG_INT64(2);
		if (TIMESTAMP_NOT_FINITE(ts))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("ts of row %lld is %s", (long long) st->n + 1,
							TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"),
					 errhint("Every row needs a finite timestamp.")));
	}
	if (!rows_form)
	{
		v[0] = NAN;
		if (!PG_ARGISNULL(3))
		{
			CheckSeriesValue("series", PG_GETARG_FLOAT8(3), st->n + 1);
			v[0] = PG_GETARG_FLOAT8(3);
		}
	}
	else if (PG_ARGISNULL(3))
	{
		/* a NULL row is a row of NULL values: missing under the gaps rule */
		if (st->width == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("row 1 is NULL"),
					 errhint("The first row must give the target and its covariates, so that the width of a row is known.")));
		for (int j = 0; j < st->width; j++)
			v[j] = NAN;
	}
	else
		RowValues(st, PG_GETARG_ARRAYTYPE_P(3), v, st->n + 1);

	AppendTimeRow(st, ts, v, aggctx);
	return st;
}

PG_FUNCTION_INFO_V1(seq_train_ts_accum);

/* seq_train_ts_accum(internal, kind text, ts, value float8 [, options jsonb]) */
Datum
seq_train_ts_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(TimeAccumulate(fcinfo, true, false));
}

PG_FUNCTION_INFO_V1(seq_fit_ts_accum);

/* seq_fit_ts_accum(internal, kind text, ts, value float8 [, options jsonb]) */
Datum
seq_fit_ts_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(TimeAccumulate(fcinfo, false, false));
}

PG_FUNCTION_INFO_V1(seq_train_ts_rows_accum);

/* seq_train_ts_rows_accum(internal, kind text, ts, value float8[] [, options jsonb]) */
Datum
seq_train_ts_rows_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(TimeAccumulate(fcinfo, true, true));
}

PG_FUNCTION_INFO_V1(seq_fit_ts_rows_accum);

/* seq_fit_ts_rows_accum(internal, kind text, ts, value float8[] [, options jsonb]) */
Datum
seq_fit_ts_rows_accum(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(TimeAccumulate(fcinfo, false, true));
}

/* ------------------------------------------------------------ the final */

/* A collected row's place in ts order: ties keep the order of arrival. */
typedef struct SortKey
{
	int64		ts;
	int64		row;
} SortKey;

static int
CompareKeys(const void *a, const void *b)
{
	const SortKey *x = a,
			   *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * The rows sorted by ts with equal ts merged under the duplicates rule,
 * element by element (NULL elements count as missing): the distinct ts into
 * ts_out, the rows' values (width a row) into v_out.  Returns their count.
 */
static int64
SortAndMerge(TimeState *st, int64 **ts_out, double **v_out, int64 *n_duplicates)
{
	int			w = st->width;
	SortKey    *keys;
	int64	   *ts;
	double	   *v;
	int64		out = 0;

	CheckMemoryRequest((sizeof(SortKey) + sizeof(int64) + sizeof(double) * w) * st->n,
					   "sorting this series", NULL);
	keys = palloc_extended(sizeof(SortKey) * Max(st->n, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < st->n; i++)
	{
		keys[i].ts = RowTs(st, i);
		keys[i].row = i;
	}
	/* rows that arrived at a constant positive step are in order already */
	if (!(st->implicit_ts && st->step > 0))
		qsort(keys, st->n, sizeof(SortKey), CompareKeys);
	CHECK_FOR_INTERRUPTS();
	ts = palloc_extended(sizeof(int64) * Max(st->n, 1), MCXT_ALLOC_HUGE);
	v = palloc_extended(sizeof(double) * w * Max(st->n, 1), MCXT_ALLOC_HUGE);

	*n_duplicates = 0;
	for (int64 i = 0; i < st->n;)
	{
		int64		j = i + 1;

		while (j < st->n && keys[j].ts == keys[i].ts)
			j++;
		if (j - i > 1 && st->duplicates == DUP_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ts %s appears %lld times", TsText(st->time.kind, keys[i].ts),
							(long long) (j - i)),
					 errhint("Set option \"duplicates\" to \"sum\", \"mean\" or \"last\", or remove the duplicate rows.")));
		for (int e = 0; e < w; e++)
		{
			double		sum = 0,
						last = NAN,
						x;
			int64		count = 0;

			for (int64 k = i; k < j; k++)
				if (!isnan(x = RowValue(st, keys[k].row, e)))
					sum += x, last = x, count++;
			x = count == 0 ? NAN :
				st->duplicates == DUP_SUM ? sum :
				st->duplicates == DUP_MEAN ? sum / count : last;
			if (!isnan(x))
				CheckSeriesValue(e == 0 ? "series" : "covariate", x, out + 1);
			v[out * w + e] = x;
		}
		ts[out] = keys[i].ts;
		*n_duplicates += j - i - 1;
		out++;
		i = j;
		if ((out & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(keys);
	*ts_out = ts;
	*v_out = v;
	return out;
}

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* The most common of n differences, and how many times it occurs. */
static int64
ModeOf(int64 *d, int64 n, int64 *count)
{
	int64		best = d[0],
				best_count = 0;

	qsort(d, n, sizeof(int64), CompareInt64);
	for (int64 i = 0; i < n;)
	{
		int64		j = i;

		while (j < n && d[j] == d[i])
			j++;
		if (j - i > best_count)
			best = d[i], best_count = j - i;
		i = j;
	}
	*count = best_count;
	return best;
}

static void
NoClearFrequency(const char *step, int64 count, int64 n)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("timestamps have no clear frequency"),
			 errdetail("The most common step, %s, separates only %lld of the %lld pairs of consecutive rows.",
					   step, (long long) count, (long long) n),
			 errhint("Pass the frequency as option \"frequency\", for example '1 day' or '15 minutes'.")));
}

static void
CivilFields(int64 civil, struct pg_tm *tm)
{
	fsec_t		fsec;

	if (timestamp2tm(civil, NULL, tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
}

/*
 * Detect the frequency of the sorted, distinct axis times a[0 .. n-1]: the
 * most common step, which must separate more than half of the consecutive
 * rows.  Steps of a day or more are counted in civil days, and in months
 * when they are about a month or longer.
 */
static void
DetectFrequency(SfTime *t, const int64 *inst, const int64 *civil, int64 n)
{
	int64	   *d = palloc_extended(sizeof(int64) * n, MCXT_ALLOC_HUGE);
	int64		mode,
				count;

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot detect the frequency of a series of one timestamp"),
				 errhint("Pass more rows, or the frequency as option \"frequency\".")));
	for (int64 i = 0; i + 1 < n; i++)
		d[i] = inst[i + 1] - inst[i];
	mode = ModeOf(d, n - 1, &count);
	if (mode < USECS_PER_DAY)
	{
		t->usecs = mode;
		if (count * 2 <= n - 1)
			NoClearFrequency(FrequencyText(t), count, n - 1);
		return;
	}
	/* calendar steps: count civil days */
	for (int64 i = 0; i + 1 < n; i++)
		d[i] = (civil[i + 1] / USECS_PER_DAY) - (civil[i] / USECS_PER_DAY);
	mode = ModeOf(d, n - 1, &count);
	if (mode < 28)
	{
		t->days = (int32) mode;
		if (count * 2 <= n - 1)
			NoClearFrequency(FrequencyText(t), count, n - 1);
		return;
	}
	/* about a month or more: count months */
	{
		struct pg_tm a = {0},
					b;
		bool		all_end = true,
					same_day = true;
		int			first_mday = 0;

		for (int64 i = 0; i < n; i++)
		{
			CivilFields(civil[i], &b);
			if (i == 0)
				first_mday = b.tm_mday;
			all_end &= b.tm_mday == DaysInMonth(b.tm_year, b.tm_mon);
			same_day &= b.tm_mday == first_mday;
			if (i > 0)
				d[i - 1] = ((int64) b.tm_year * 12 + b.tm_mon) -
					((int64) a.tm_year * 12 + a.tm_mon);
			a = b;
		}
		mode = ModeOf(d, n - 1, &count);
		t->months = (int32) mode;
		t->month_end = all_end && !same_day;
		if (count * 2 <= n - 1 || mode < 1)
			NoClearFrequency(FrequencyText(t), count, n - 1);
	}
}

/* Whether the rows, all month ends but not all on one day, step from ends. */
static bool
AllMonthEnds(const int64 *civil, int64 n)
{
	bool		same_day = true;
	struct pg_tm tm;
	int			first = 0;

	for (int64 i = 0; i < n; i++)
	{
		CivilFields(civil[i], &tm);
		if (tm.tm_mday != DaysInMonth(tm.tm_year, tm.tm_mon))
			return false;
		if (i == 0)
			first = tm.tm_mday;
		same_day &= tm.tm_mday == first;
	}
	return !same_day;
}

/*
 * The step of every row, counted from the first; ereports a row that is not
 * on a step of the frequency.
 */
static int64 *
StepIndexes(const SfTime *t, const int64 *inst, const int64 *axis, int64 n)
{
	int64	   *idx = palloc_extended(sizeof(int64) * n, MCXT_ALLOC_HUGE);

	for (int64 i = 0; i < n; i++)
	{
		int64		k;

		if (t->months != 0)
		{
			struct pg_tm a,
						b;

			CivilFields(axis[0], &a);
			CivilFields(axis[i], &b);
			k = (((int64) b.tm_year * 12 + b.tm_mon) - ((int64) a.tm_year * 12 + a.tm_mon)) / t->months;
		}
		else
			k = (axis[i] - axis[0]) / ((int64) t->days * USECS_PER_DAY + t->usecs);
		if (StepAxis(t, axis[0], k) != axis[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ts %s is not a step of the frequency %s", TsText(t->kind, inst[i]),
							FrequencyText(t)),
					 errdetail("The series starts at %s; every timestamp must be a whole number of steps after it.",
							   TsText(t->kind, inst[0])),
					 errhint("Round the timestamps (for example with date_trunc), pass another option \"frequency\", or set option \"gaps\" to \"keep\".")));
		if (i > 0 && k - idx[i - 1] > SF_MAX_SERIES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("series has more than %d steps", SF_MAX_SERIES)));
		idx[i] = k;
	}
	return idx;
}

/* The default season of a frequency (SPEC.md, "Timestamps in"). */
static int
FrequencySeason(const SfTime *t, const int64 *civil, int64 n)
{
	if (t->months == 1)
		return 12;
	if (t->months == 3)
		return 4;
	if (t->months != 0)
		return 1;
	if (t->days == 1)
		return 7;
	if (t->days == 7)
		return 52;
	if (t->days != 0)
		return 1;
	if (t->gaps == SF_GAPS_KEEP)
	{
		/* business hours and the like: the most common count of rows a day */
		int64	   *per_day = palloc(sizeof(int64) * Max(n, 1));
		int64		days = 0,
					mode,
					count;

		for (int64 i = 0; i < n;)
		{
			int64		j = i;

			while (j < n && civil[j] / USECS_PER_DAY == civil[i] / USECS_PER_DAY)
				j++;
			per_day[days++] = j - i;
			i = j;
		}
		mode = ModeOf(per_day, days, &count);
		return mode > 1 ? (int) Min(mode, 100000) : 1;
	}
	if (USECS_PER_DAY % t->usecs == 0 && USECS_PER_DAY / t->usecs <= 100000)
		return (int) (USECS_PER_DAY / t->usecs);
	return 1;
}

/*
 * The calendar parts 'auto' chooses for a frequency: day of week for a
 * daily series, none for the others.  Measured (`make -C bench accuracy`,
 * part 5d; README, "Series with timestamps"), day of week (one-hot) took
 * cinema's MASE from 1.283 to 0.776, left the page views as they were
 * (1.006, 1.018) and cost the pedestrians (0.752, 0.857): over the three
 * daily series 0.999 -> 0.878 geometric mean.  Week of year made the weekly
 * gasoline worse (1.320, 1.506), and with gaps 'keep' below a day the
 * future steps' times are not the ones trained on (bank calls 0.534,
 * 6.222), so the other frequencies get none.  Parts stay available by name.
 */
static uint32
AutoCalendar(const SfTime *t)
{
	if (t->months == 0 && t->days == 1 && t->usecs == 0)
		return SF_CAL_DAY_OF_WEEK;
	return 0;
}

/* Linear interpolation of the NaN entries of column j of rows[0 .. n-1] (stride w), constant beyond the known ends. */
static void
Interpolate(double *x, int64 n, int w, int j)
{
	int64		first = -1,
				prev = -1;

	for (int64 k = 0; k < n; k++)
	{
		if (isnan(x[k * w + j]))
			continue;
		if (first < 0)
			first = k;
		if (prev >= 0 && k > prev + 1)
			for (int64 m = prev + 1; m < k; m++)
				x[m * w + j] = x[prev * w + j] + (x[k * w + j] - x[prev * w + j]) *
					(double) (m - prev) / (double) (k - prev);
		prev = k;
	}
	if (first < 0)
		return;
	for (int64 k = 0; k < first; k++)
		x[k * w + j] = x[first * w + j];
	for (int64 k = prev + 1; k < n; k++)
		x[k * w + j] = x[prev * w + j];
}

/*
 * Sort, merge, place on the frequency's steps and fill or keep the gaps:
 * the series the network trains on (and, for the float8[] form, its
 * covariate rows in st->covariates).  Sets the model's time fields and the
 * counts that go into the metrics.
 */
static double *
BuildSeries(TimeState *st, int64 *n_out, int64 *n_filled, int64 *n_duplicates,
			int64 *n_null)
{
	SfTime	   *t = &st->time;
	int			w = st->width;
	int			k = w - 1;
	int64		n,
				lo,
				hi,
				total;
	int64	   *all_ts,
			   *inst,
			   *civil,
			   *axis,
			   *idx;
	double	   *all_v,
			   *r,
			   *series,
			   *grid;
	int64		n_null_cov = 0;

	n = SortAndMerge(st, &all_ts, &all_v, n_duplicates);
	/* leading and trailing rows without a target are no part of the series */
	for (lo = 0; lo < n && isnan(all_v[lo * w]); lo++)
		;
	for (hi = n; hi > lo && isnan(all_v[(hi - 1) * w]); hi--)
		;
	if (hi == lo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is empty"),
				 errhint("Every value of the series is NULL.")));
	inst = all_ts + lo;
	r = all_v + lo * w;
	n = hi - lo;
	*n_null = 0;
	for (int64 i = 0; i < n; i++)
	{
		*n_null += isnan(r[i * w]);
		for (int j = 1; j < w; j++)
			n_null_cov += isnan(r[i * w + j]);
	}
	st->n_filled_covariates = 0;

	/*
	 * The rows' wall-clock times, when anything reads them: detecting the
	 * frequency, calendar steps (a day or longer) and the rows a day of gaps
	 * 'keep'.  A given shorter frequency steps between instants.
	 */
	civil = inst;
	if (t->kind == SF_TIME_TIMESTAMPTZ &&
		(!st->freq_given || IsCalendar(t) || t->gaps == SF_GAPS_KEEP))
	{
		civil = palloc_extended(sizeof(int64) * n, MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < n; i++)
		{
			civil[i] = CivilOf(inst[i]);
			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	if (!st->freq_given)
		DetectFrequency(t, inst, civil, n);
	else if (t->months != 0)
		t->month_end = AllMonthEnds(civil, n);
	axis = IsCalendar(t) ? civil : inst;

	if (t->gaps == SF_GAPS_KEEP)
	{
		/* rows are consecutive steps; rows with a missing value are left out */
		series = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
		if (k > 0)
			st->covariates = palloc_extended(sizeof(double) * k * Max(n, 1), MCXT_ALLOC_HUGE);
		total = 0;
		st->steps = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < n; i++)
		{
			bool		complete = true;

			for (int j = 0; j < w; j++)
				complete &= !isnan(r[i * w + j]);
			if (!complete)
				continue;
			st->steps[total] = axis[i];
			series[total] = r[i * w];
			if (k > 0)
				memcpy(st->covariates + total * k, r + i * w + 1, sizeof(double) * k);
			total++;
		}
		if (total == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("series is empty"),
					 errhint("Every row has a NULL value, and gaps 'keep' leaves such rows out.")));
		*n_filled = 0;
		st->n_filled_covariates = 0;
		/* the last row kept (a univariate series' last row always is) */
		t->last = st->steps[total - 1];
		*n_out = total;
		if (!st->season_given)
			ApplyTimeSeason(st, FrequencySeason(t, civil, n));
		return series;
	}

	idx = StepIndexes(t, inst, axis, n);
	total = idx[n - 1] + 1;
	if (total > SF_MAX_SERIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("series has more than %d steps", SF_MAX_SERIES)));
	*n_filled = total - (n - *n_null);
	if (*n_filled > 0 && t->gaps == SF_GAPS_ERROR)
	{
		int64		missing = 0;

		/* name the first missing step */
		for (int64 i = 0; i < n; i++)
		{
			if (isnan(r[i * w]))
			{
				missing = StepAxis(t, axis[0], idx[i]);
				break;
			}
			if (i + 1 < n && idx[i + 1] > idx[i] + 1)
			{
				missing = StepAxis(t, axis[0], idx[i] + 1);
				break;
			}
		}
		if (t->kind == SF_TIME_TIMESTAMPTZ && IsCalendar(t))
			missing = InstantOf(missing);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ts %s is missing from the series", TsText(t->kind, missing)),
				 errdetail("The series misses %lld of its %lld steps of %s.",
						   (long long) *n_filled, (long long) total, FrequencyText(t)),
				 errhint("Set option \"gaps\" to \"fill\" (linear interpolation) or \"keep\".")));
	}
	if (n_null_cov > 0 && t->gaps == SF_GAPS_ERROR)
	{
		for (int64 i = 0; i < n; i++)
			for (int j = 1; j < w; j++)
				if (isnan(r[i * w + j]))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("covariate %d%s at ts %s is NULL", j, CovariateLabel(st, j),
									TsText(t->kind, inst[i])),
							 errdetail("%lld covariate values of the series are NULL.",
									   (long long) n_null_cov),
							 errhint("Set option \"gaps\" to \"fill\" (linear interpolation) or \"keep\" (rows with a NULL are left out).")));
	}
	if (*n_filled > MAX_FILLED_FRACTION * total)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series misses %lld of its %lld steps of %s, more than %g%%",
						(long long) *n_filled, (long long) total, FrequencyText(t),
						MAX_FILLED_FRACTION * 100),
				 errdetail("Filling so many steps would train the model on made-up values."),
				 errhint("Set option \"gaps\" to \"keep\" when the series has steps only at some times (business hours, for example), or pass another option \"frequency\".")));

	CheckMemoryRequest(sizeof(double) * w * total, "collecting this series", NULL);
	grid = palloc_extended(sizeof(double) * w * total, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < w * total; i++)
		grid[i] = NAN;
	for (int64 i = 0; i < n; i++)
		memcpy(grid + idx[i] * w, r + i * w, sizeof(double) * w);
	/* the merged rows are in the grid now */
	pfree(idx);
	pfree(all_v);
	r = NULL;
	for (int j = 1; j < w; j++)
	{
		int64		missing = 0;

		for (int64 s = 0; s < total; s++)
			missing += isnan(grid[s * w + j]);
		if (missing > MAX_FILLED_FRACTION * total)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("covariate %d%s misses %lld of the series' %lld steps of %s, more than %g%%",
							j, CovariateLabel(st, j), (long long) missing, (long long) total,
							FrequencyText(t), MAX_FILLED_FRACTION * 100),
					 errdetail("Filling so many steps would train the model on made-up values.")));
		st->n_filled_covariates += missing;
	}
	/* linear interpolation between the known neighbours of every gap */
	for (int j = 0; j < w; j++)
		Interpolate(grid, total, w, j);
	if (w == 1)
		series = grid;
	else
	{
		series = palloc_extended(sizeof(double) * total, MCXT_ALLOC_HUGE);
		st->covariates = palloc_extended(sizeof(double) * k * total, MCXT_ALLOC_HUGE);
		for (int64 s = 0; s < total; s++)
		{
			series[s] = grid[s * w];
			memcpy(st->covariates + s * k, grid + s * w + 1, sizeof(double) * k);
		}
		pfree(grid);
	}
	t->last = StepAxis(t, axis[0], total - 1);
	if (st->time.calendar_auto || st->time.calendar != 0)
	{
		st->steps = palloc_extended(sizeof(int64) * total, MCXT_ALLOC_HUGE);
		for (int64 s = 0; s < total; s++)
			st->steps[s] = StepAxis(t, axis[0], s);
	}
	*n_out = total;
	if (!st->season_given)
		ApplyTimeSeason(st, FrequencySeason(t, civil, n));
	return series;
}

/* A season from the frequency, and the default window it gives. */
void
ApplyTimeSeason(void *state, int season)
{
	TimeState  *st = state;
	SfOptions  *o = &st->opts;

	o->season = Max(season, 1);
	if (!o->window_given)
		o->arch.window = Max(9, Min(2 * o->season, MAX_TIME_WINDOW));
	o->train.prep.season = o->season;
	o->train.prep.window = o->arch.window;
}

/*
 * The model's time as JSON members: the options (frequency, duplicates,
 * gaps, calendar) and the metadata's "time" object.
 */
static void
TimeJson(const TimeState *st, StringInfo options, StringInfo time)
{
	const SfTime *t = &st->time;

	initStringInfo(options);
	appendStringInfoString(options, ", \"frequency\": ");
	escape_json(options, FrequencyText(t));
	appendStringInfo(options, ", \"duplicates\": \"%s\", \"gaps\": \"%s\", \"calendar\": [",
					 dup_names[st->duplicates], gaps_names[t->gaps]);
	AppendCalendarNames(options, t->calendar);
	appendStringInfoChar(options, ']');
	if (st->rows_form)
		AppendFeatureNames(options, st->features, st->n_features, st->width - 1);

	/* the rest is in the format's time fields (EncodeModelTime) */
	initStringInfo(time);
	appendStringInfo(time, "{\"kind\": \"%s\", \"month_end\": %s}",
					 kind_names[t->kind], t->month_end ? "true" : "false");
}

static bytea *
TimeFinal(FunctionCallInfo fcinfo, double *seconds, TimeState **state_out)
{
	TimeState  *st;
	int64		n,
				n_filled,
				n_duplicates,
				n_null;
	double	   *series,
			   *exog,
			   *cal;
	int			k,
				cw;
	StringInfoData options,
				time,
				metrics,
				extra;
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "seq_train and seq_fit final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is empty"),
				 errhint("The aggregate received no rows to train on.")));
	st = (TimeState *) PG_GETARG_POINTER(0);
	*state_out = st;
	/* what the collection holds, for bench/time_memory.sh */
	ereport(DEBUG1,
			(errmsg_internal("seqforecast collection: %lld rows, %zu bytes allocated (ts %s, values %s)",
							 (long long) st->n, MemoryContextMemAllocated(aggctx, true),
							 st->implicit_ts ? "implicit" : st->wide_ts ? "int64" : "int32",
							 st->wide_v ? "float8" : "float4")));
	series = BuildSeries(st, &n, &n_filled, &n_duplicates, &n_null);
	if (st->time.calendar_auto)
		st->time.calendar = AutoCalendar(&st->time);
	TimeJson(st, &options, &time);
	initStringInfo(&metrics);
	appendStringInfo(&metrics, ", \"n_rows\": " INT64_FORMAT ", \"n_filled\": " INT64_FORMAT
					 ", \"n_duplicates\": " INT64_FORMAT ", \"n_null\": " INT64_FORMAT,
					 st->n, n_filled, n_duplicates, n_null);
	exog = NULL;
	cal = NULL;
	cw = st->time.calendar != 0 ? sf_calendar_width(st->time.calendar) : 0;
	k = st->rows_form ? st->width - 1 : 0;
	if (k + cw > SF_MAX_EXOG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d covariates and %d calendar inputs are more than the %d inputs a step can take",
						k, cw, SF_MAX_EXOG),
				 errhint("Pass fewer covariates or fewer calendar parts (option \"calendar\").")));
	if (cw > 0)
	{
		int64	   *axis = palloc_extended(sizeof(int64) * (n + TIME_FUTURE_ROWS), MCXT_ALLOC_HUGE);

		/* the training steps, then the steps the held-out forecasts reach beyond */
		memcpy(axis, st->steps, sizeof(int64) * n);
		for (int s = 1; s <= TIME_FUTURE_ROWS; s++)
			axis[n + s - 1] = StepAxis(&st->time, st->time.last, s);
		cal = CalendarExog(&st->time, axis, n + TIME_FUTURE_ROWS);
	}
	if (k > 0)
	{
		int			T = st->opts.arch.window;
		int			E = k + cw;

		/*
		 * Covariates first, then the calendar columns (sf_exog_check).  The
		 * held-out forecasts read rows past the series' end only for steps
		 * past it, which are not scored: the last covariate row stands there.
		 */
		CheckMemoryRequest(sizeof(double) * E * (n + TIME_FUTURE_ROWS), "collecting this series", NULL);
		exog = palloc_extended(sizeof(double) * E * (n + TIME_FUTURE_ROWS), MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < n + TIME_FUTURE_ROWS; i++)
		{
			memcpy(exog + i * E, st->covariates + Min(i, n - 1) * k, sizeof(double) * k);
			if (cw > 0)
				memcpy(exog + i * E + k, cal + i * cw, sizeof(double) * cw);
		}
		/* the covariates of the stored window's values 2 .. window (forecast.c) */
		initStringInfo(&extra);
		appendStringInfoString(&extra, ", \"tail_covariates\": ");
		AppendFloatArray(&extra, st->covariates + Max(n - T + 1, 0) * k,
						 (n - Max(n - T + 1, 0)) * k);
		appendStringInfo(&metrics, ", \"covariates\": %d, \"n_filled_covariates\": " INT64_FORMAT,
						 k, st->n_filled_covariates);
	}
	else
		exog = cal;
	if (k + cw > 0)
		st->opts.arch.inputs = 1 + k + cw;
	return TrainSeriesWith(&st->opts, series, n, options.data, metrics.data,
						   time.data, k > 0 ? extra.data : NULL, &st->time, k, exog, seconds);
}

PG_FUNCTION_INFO_V1(seq_train_ts_final);

/* Final function of seq_train(kind, ts, value [, options]). */
Datum
seq_train_ts_final(PG_FUNCTION_ARGS)
{
	double		seconds;
	TimeState  *st;
	bytea	   *blob = TimeFinal(fcinfo, &seconds, &st);

	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT64(StoreModelTimed(fcinfo->flinfo->fn_oid, st->opts.name, blob, seconds));
}

PG_FUNCTION_INFO_V1(seq_fit_ts_final);

/* Final function of seq_fit(kind, ts, value [, options]). */
Datum
seq_fit_ts_final(PG_FUNCTION_ARGS)
{
	double		seconds;
	TimeState  *st;
	bytea	   *blob = TimeFinal(fcinfo, &seconds, &st);

	if (blob == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(blob);
}

/* ------------------------------------------------------- a model's time */

static JsonbValue *
Key(JsonbContainer *c, const char *key)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

/*
 * The time axis of a model: false (and t->kind SF_TIME_NONE) for a model
 * trained without timestamps.  The format's time fields (SfModel.time, a
 * checked decode) and the calendar parts of the core model, with the
 * metadata's "time"."month_end".
 */
bool
ModelTime(const SfModel *m, SfTime *t)
{
	memset(t, 0, sizeof(*t));
	if (m->time.kind == SF_TIME_NONE)
		return false;
	t->kind = m->time.kind;
	t->gaps = m->time.gaps;
	t->months = m->time.months;
	t->days = m->time.days;
	t->usecs = m->time.micros;
	t->last = m->time.last;
	t->calendar = m->core.calendar;
	if (t->months != 0 && m->meta != NULL && m->meta[0] != '\0')
	{
		Jsonb	   *json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(m->meta)));
		JsonbValue *tv = Key(&json->root, "time");
		JsonbValue *v = tv && tv->type == jbvBinary ? Key(tv->val.binary.data, "month_end") : NULL;

		t->month_end = v && v->type == jbvBool && v->val.boolean;
	}
	return true;
}

/*
 * A timestamptz[] argument parallel to a series of n values, as model axis
 * times (NULL when t has no time: the timestamps are only passed through).
 */
TimestampTz *
ArrayToTimestamps(ArrayType *array, int n, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	TimestampTz *out;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(array, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &count);
	if (count != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has %d elements but the series has %d values", what, count, n),
				 errhint("Pass one timestamp per value of the series.")));
	out = palloc(sizeof(TimestampTz) * Max(n, 1));
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s element %d is NULL", what, i + 1)));
		out[i] = DatumGetTimestampTz(elems[i]);
		if (TIMESTAMP_NOT_FINITE(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s element %d is %s", what, i + 1,
							TIMESTAMP_IS_NOBEGIN(out[i]) ? "-infinity" : "infinity")));
		if (i > 0 && out[i] <= out[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s element %d, %s, is not after the one before it", what, i + 1,
							TsText(SF_TIME_TIMESTAMPTZ, out[i])),
					 errhint("Pass the timestamps in increasing order, parallel to the series.")));
	}
	return out;
}

/* ------------------------------------------------------ calendar inputs */

/* The civil fields of a model axis time, as sf_calendar_row reads them. */
static void
CivilOfAxis(const SfTime *t, int64 axis, sf_civil *f)
{
	int64		civil = t->kind == SF_TIME_TIMESTAMPTZ && !IsCalendar(t) ? CivilOf(axis) : axis;
	struct pg_tm tm;
	int			j;

	CivilFields(civil, &tm);
	j = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday);
	f->year = tm.tm_year;
	f->month = tm.tm_mon;
	f->day = tm.tm_mday;
	f->wday = j2day(j);
	f->yday = j - date2j(tm.tm_year, 1, 1) + 1;
	f->hour = tm.tm_hour;
	f->minute = tm.tm_min;
	f->second = tm.tm_sec;
}

/* Calendar rows (t->calendar) of n axis times, row-major. */
double *
CalendarExog(const SfTime *t, const int64 *axis, int64 n)
{
	int			w = sf_calendar_width(t->calendar);
	double	   *out;

	if (w < 1)
		elog(ERROR, "calendar parts %u have no width", t->calendar);
	CheckMemoryRequest(sizeof(double) * w * Max(n, 1), "computing calendar inputs", NULL);
	out = palloc_extended(sizeof(double) * w * Max(n, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n; i++)
	{
		sf_civil	f;

		CivilOfAxis(t, axis[i], &f);
		if (sf_calendar_row(t->calendar, &f, out + i * w) != SF_OK)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range for calendar inputs"),
					 errdetail("Calendar inputs need years 1 to 9999.")));
	}
	return out;
}

/* Calendar rows of the steps from + k0 .. from + k0 + count - 1. */
double *
CalendarSteps(const SfTime *t, int64 from, int64 k0, int64 count)
{
	int64	   *axis = palloc(sizeof(int64) * Max(count, 1));

	for (int64 i = 0; i < count; i++)
		axis[i] = StepAxis(t, from, k0 + i);
	return CalendarExog(t, axis, count);
}

/*
 * Calendar rows of a series with timestamps ts[0 .. n-1], and `beyond`
 * further steps after its last.
 */
double *
CalendarOfTimestamps(const SfTime *t, const TimestampTz *ts, int n, int beyond)
{
	int64	   *axis = palloc(sizeof(int64) * Max(n + beyond, 1));

	for (int i = 0; i < n; i++)
		axis[i] = AxisOfTimestamp(t, ts[i], "ts");
	for (int k = 1; k <= beyond; k++)
		axis[n + k - 1] = StepAxis(t, axis[n - 1], k);
	return CalendarExog(t, axis, n + beyond);
}

/* --------------------------------------------------------- calendar names */

/* The calendar parts by name (sf_calendar.c). */
uint32
CalendarPartFromName(const char *name)
{
	return sf_calendar_part_from_name(name);
}

const char *
CalendarPartNames(void)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < SF_CAL_PARTS; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", sf_calendar_part_name((uint32) 1 << i));
	return s.data;
}

void
AppendCalendarNames(StringInfo s, uint32 parts)
{
	bool		first = true;

	for (int i = 0; i < SF_CAL_PARTS; i++)
		if (parts & ((uint32) 1 << i))
		{
			appendStringInfo(s, "%s\"%s\"", first ? "" : ", ", sf_calendar_part_name((uint32) 1 << i));
			first = false;
		}
}
