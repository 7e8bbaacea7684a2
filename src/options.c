/*
 * options.c
 *	  The jsonb options of a training: validation of every key (unknown keys,
 *	  wrong types and out-of-range values are errors naming the key and the
 *	  valid range), defaults, and the resolved options as stored in
 *	  seq_model.options.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "seqforecast.h"

#define MAX_NAME_LEN 200
#define MAX_SEASON 100000
#define MAX_PATIENCE SF_MAX_EPOCHS
#define MAX_SEED ((int64) 9007199254740991)	/* 2^53 - 1: exact in JSON */

static const char *const option_keys =
"name, window, hidden, layers, dropout, head, epochs, batch_size, "
"learning_rate, test_fraction, validation_fraction, patience, seed, season, "
"on_short";

static void
OptionError(const char *key, const char *expect, JsonbValue *v)
{
	char	   *given;

	if (v->type == jbvNumeric)
	{
		given = DatumGetCString(DirectFunctionCall1(numeric_out,
													NumericGetDatum(v->val.numeric)));
		if (strlen(given) > 40)
			given = psprintf("%.*s... (%zu digits)", 20, given, strlen(given));
	}
	else if (v->type == jbvString)
		given = psprintf("\"%.*s\"", Min(v->val.string.len, 64),
						 v->val.string.val);
	else if (v->type == jbvBool)
		given = v->val.boolean ? "true" : "false";
	else if (v->type == jbvNull)
		given = "null";
	else
		given = "an array or object";
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s", key, expect),
			 errdetail("The value given was %s.", given)));
}

/* A JSON number as float8; beyond float8's range it saturates, never errs. */
static double
NumberOf(JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

static int64
GetInt(const char *key, JsonbValue *v, int64 min, int64 max)
{
	double		d;

	if (v->type == jbvNumeric)
	{
		d = NumberOf(v);
		if (d == floor(d) && d >= (double) min && d <= (double) max)
			return (int64) d;
	}
	OptionError(key, psprintf("an integer between " INT64_FORMAT " and " INT64_FORMAT,
							  min, max), v);
	return 0;					/* keep the compiler quiet */
}

/* A number in [min, max] or [min, max) when max_open. */
static double
GetNumber(const char *key, JsonbValue *v, double min, double max,
		  bool min_open, bool max_open)
{
	if (v->type == jbvNumeric)
	{
		double		d = NumberOf(v);

		if (isfinite(d) && (min_open ? d > min : d >= min) &&
			(max_open ? d < max : d <= max))
			return d;
	}
	OptionError(key, psprintf("a number in %c%g, %g%c", min_open ? '(' : '[',
							  min, max, max_open ? ')' : ']'), v);
	return 0;
}

static char *
GetString(const char *key, JsonbValue *v, const char *expect)
{
	if (v->type != jbvString || v->val.string.len == 0 ||
		v->val.string.len > MAX_NAME_LEN)
		OptionError(key, expect, v);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* "head": an array of up to SF_MAX_HEAD sizes, each 1..SF_MAX_HEAD_SIZE. */
static void
ReadHead(SfOptions *opts, JsonbIterator **it, JsonbValue *first)
{
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *expect = psprintf("an array of at most %d integers between 1 and %d",
								  SF_MAX_HEAD, SF_MAX_HEAD_SIZE);

	if (first->type != jbvArray && !(first->type == jbvBinary))
		OptionError("head", expect, first);
	opts->arch.n_head = 0;
	while ((tok = JsonbIteratorNext(it, &v, true)) != WJB_END_ARRAY)
	{
		if (tok != WJB_ELEM)
			OptionError("head", expect, &v);
		if (opts->arch.n_head == SF_MAX_HEAD)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"head\" must be %s", expect),
					 errdetail("The array has more than %d elements.", SF_MAX_HEAD)));
		opts->arch.head[opts->arch.n_head++] =
			(int) GetInt("head", &v, 1, SF_MAX_HEAD_SIZE);
	}
}

static void
SetDefaults(SfOptions *opts, int kind)
{
	memset(opts, 0, sizeof(*opts));
	opts->name = pstrdup(sf_kind_name(kind));
	opts->arch.kind = kind;
	opts->arch.window = 9;
	opts->arch.hidden = 32;
	opts->arch.layers = 1;
	opts->arch.n_head = 2;
	opts->arch.head[0] = 16;
	opts->arch.head[1] = 8;
	opts->train.dropout = 0;
	opts->train.epochs = 100;
	opts->train.batch_size = 32;
	opts->train.learning_rate = 0.01;
	opts->train.test_fraction = 0.15;
	opts->train.validation_fraction = 0;
	opts->train.patience = 0;
	opts->train.seed = 42;
	opts->season = 7;
	opts->skip_short = false;
}

/*
 * Parse the kind and the options of a training into opts.  json may be
 * NULL (the two-argument aggregates).
 */
void
ReadOptions(SfOptions *opts, const char *kind_name, Jsonb *json)
{
	int			kind = sf_kind_from_name(kind_name);
	bool		have_validation = false;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (kind < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown model kind \"%s\"", kind_name),
				 errhint("Valid kinds are rnn, lstm and gru.")));
	SetDefaults(opts, kind);
	if (json == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(json) || JB_ROOT_IS_SCALAR(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("For example '{\"window\": 14, \"epochs\": 50}'.")));

	it = JsonbIteratorInit(&json->root);
	tok = JsonbIteratorNext(&it, &v, true);	/* WJB_BEGIN_OBJECT */
	while ((tok = JsonbIteratorNext(&it, &v, true)) == WJB_KEY)
	{
		char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

		tok = JsonbIteratorNext(&it, &v, false);
		if (strcmp(key, "head") == 0)
		{
			if (tok == WJB_BEGIN_ARRAY && !v.val.array.rawScalar)
				ReadHead(opts, &it, &v);
			else
			{
				if (tok == WJB_BEGIN_OBJECT)
					v.type = jbvObject;
				OptionError("head", psprintf("an array of at most %d integers between 1 and %d",
											 SF_MAX_HEAD, SF_MAX_HEAD_SIZE), &v);
			}
			continue;
		}
		if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
			v.type = jbvArray;	/* reported as "an array or object" */

		if (strcmp(key, "name") == 0)
			opts->name = GetString(key, &v, psprintf("a non-empty string of at most %d bytes", MAX_NAME_LEN));
		else if (strcmp(key, "window") == 0)
			opts->arch.window = (int) GetInt(key, &v, 1, SF_MAX_WINDOW);
		else if (strcmp(key, "hidden") == 0)
			opts->arch.hidden = (int) GetInt(key, &v, 1, SF_MAX_HIDDEN);
		else if (strcmp(key, "layers") == 0)
			opts->arch.layers = (int) GetInt(key, &v, 1, SF_MAX_LAYERS);
		else if (strcmp(key, "dropout") == 0)
			opts->train.dropout = GetNumber(key, &v, 0, 1, false, true);
		else if (strcmp(key, "epochs") == 0)
			opts->train.epochs = (int) GetInt(key, &v, 1, SF_MAX_EPOCHS);
		else if (strcmp(key, "batch_size") == 0)
			opts->train.batch_size = (int) GetInt(key, &v, 1, SF_MAX_BATCH);
		else if (strcmp(key, "learning_rate") == 0)
			opts->train.learning_rate = GetNumber(key, &v, 0, 10, true, false);
		else if (strcmp(key, "test_fraction") == 0)
			opts->train.test_fraction = GetNumber(key, &v, 0, 0.9, false, false);
		else if (strcmp(key, "validation_fraction") == 0)
		{
			opts->train.validation_fraction = GetNumber(key, &v, 0, 0.9, false, false);
			have_validation = true;
		}
		else if (strcmp(key, "patience") == 0)
		{
			opts->train.patience = (int) GetInt(key, &v, 1, MAX_PATIENCE);
			opts->has_patience = true;
		}
		else if (strcmp(key, "seed") == 0)
			opts->train.seed = (uint64_t) GetInt(key, &v, 0, MAX_SEED);
		else if (strcmp(key, "season") == 0)
			opts->season = (int) GetInt(key, &v, 1, MAX_SEASON);
		else if (strcmp(key, "on_short") == 0)
		{
			char	   *s = GetString(key, &v, "\"error\" or \"skip\"");

			if (strcmp(s, "skip") == 0)
				opts->skip_short = true;
			else if (strcmp(s, "error") != 0)
				OptionError(key, "\"error\" or \"skip\"", &v);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", key),
					 errhint("Valid options are %s.", option_keys)));
	}

	if (opts->has_patience && !have_validation)
		opts->train.validation_fraction = 0.15;
	if (opts->has_patience && opts->train.validation_fraction == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"patience\" needs a validation part"),
				 errhint("Leave \"validation_fraction\" unset (it defaults to 0.15 with patience) or set it above 0.")));
	if (opts->train.test_fraction + opts->train.validation_fraction >= 0.95)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"test_fraction\" and \"validation_fraction\" must add up to less than 0.95"),
				 errdetail("They add up to %g.", opts->train.test_fraction + opts->train.validation_fraction)));
}

/* The resolved options as a JSON object, for seq_model.options. */
char *
OptionsToJson(const SfOptions *opts)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"name\": ");
	escape_json(&s, opts->name);
	appendStringInfo(&s, ", \"kind\": \"%s\", \"window\": %d, \"hidden\": %d, "
					 "\"layers\": %d, \"dropout\": ",
					 sf_kind_name(opts->arch.kind), opts->arch.window,
					 opts->arch.hidden, opts->arch.layers);
	AppendFloat(&s, opts->train.dropout);
	appendStringInfoString(&s, ", \"head\": [");
	for (int j = 0; j < opts->arch.n_head; j++)
		appendStringInfo(&s, "%s%d", j ? ", " : "", opts->arch.head[j]);
	appendStringInfo(&s, "], \"epochs\": %d, \"batch_size\": %d, "
					 "\"learning_rate\": ",
					 opts->train.epochs, opts->train.batch_size);
	AppendFloat(&s, opts->train.learning_rate);
	appendStringInfoString(&s, ", \"test_fraction\": ");
	AppendFloat(&s, opts->train.test_fraction);
	appendStringInfoString(&s, ", \"validation_fraction\": ");
	AppendFloat(&s, opts->train.validation_fraction);
	appendStringInfoString(&s, ", \"patience\": ");
	if (opts->has_patience)
		appendStringInfo(&s, "%d", opts->train.patience);
	else
		appendStringInfoString(&s, "null");
	appendStringInfo(&s, ", \"seed\": " UINT64_FORMAT ", \"season\": %d, \"on_short\": \"%s\"}",
					 opts->train.seed, opts->season,
					 opts->skip_short ? "skip" : "error");
	return s.data;
}
