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
#include "mb/pg_wchar.h"
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
"name, preset, window, hidden, layers, dropout, head, epochs, batch_size, "
"learning_rate, test_fraction, validation_fraction, patience, min_epochs, "
"seed, season, normalize, deseasonalize, level, ensemble, loss, rollout, refit, "
"on_short";

static void ResolveOptions(SfOptions *opts, bool have_validation);

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
		given = psprintf("\"%.*s\"",
						 pg_mbcliplen(v->val.string.val, v->val.string.len, 64),
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
	CheckOptionText(key, v->val.string.val, v->val.string.len);
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

/*
 * The defaults of 1.1, chosen by measurement (`make -C bench accuracy`; the
 * figures are in README.md, "Accuracy"): window-relative normalization,
 * seasonal indices where the training part shows seasonality, a window of
 * two seasons, an ensemble of three, a smaller learning rate and fewer
 * epochs than the tutorial (on short series more training overfits), the
 * Huber loss (squared within one typical step, linear beyond: an outlying
 * window pulls the fit less), and a refit on every window.  The tutorial
 * preset overrides them.
 */
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
	sf_train_opts_tutorial(&opts->train);
	opts->season = 7;
	opts->skip_short = false;
	opts->train.prep.norm = SF_NORM_AUTO;
	opts->train.prep.deseasonalize = SF_DESEASON_AUTO;
	opts->train.ensemble = 3;
	opts->train.learning_rate = 0.001;
	opts->train.epochs = 50;
	opts->train.min_epochs = 20;
	opts->train.smooth = 0.3;
	opts->train.loss = SF_LOSS_HUBER;
	opts->refit = true;
}

/*
 * preset 'tutorial': every option as the seed recipe of 1.0 (min-max scaling,
 * window 9, one network, 100 epochs, no early stopping), so that 1.0's
 * results, and the PyTorch agreement checks, are reproduced exactly.
 */
static void
SetTutorial(SfOptions *opts)
{
	opts->preset = "tutorial";
	opts->arch.window = 9;
	opts->window_given = true;
	opts->arch.hidden = 32;
	opts->arch.layers = 1;
	opts->arch.n_head = 2;
	opts->arch.head[0] = 16;
	opts->arch.head[1] = 8;
	sf_train_opts_tutorial(&opts->train);
	opts->refit = false;
}

/* The default window for a season: two seasons, at least 9 values. */
static int
DefaultWindow(int season)
{
	return Max(9, Min(2 * season, SF_MAX_WINDOW));
}

static int
ReadNormalize(const char *key, JsonbValue *v)
{
	static const char *expect = "\"auto\", \"window\", \"log\" or \"minmax\"";
	char	   *s = GetString(key, v, expect);

	if (strcmp(s, "auto") == 0)
		return SF_NORM_AUTO;
	if (strcmp(s, "window") == 0)
		return SF_NORM_WINDOW;
	if (strcmp(s, "log") == 0)
		return SF_NORM_LOG;
	if (strcmp(s, "minmax") == 0)
		return SF_NORM_MINMAX;
	OptionError(key, expect, v);
	return 0;
}

static int
ReadDeseasonalize(const char *key, JsonbValue *v)
{
	static const char *expect = "true, false or \"auto\"";

	if (v->type == jbvBool)
		return v->val.boolean ? SF_DESEASON_ALWAYS : SF_DESEASON_NONE;
	if (v->type == jbvString && v->val.string.len == 4 &&
		strncmp(v->val.string.val, "auto", 4) == 0)
		return SF_DESEASON_AUTO;
	OptionError(key, expect, v);
	return 0;
}

/* The preset named in json, applied before the other keys are read. */
static void
ReadPreset(SfOptions *opts, Jsonb *json)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&json->root, "preset", 6, NULL);
	static const char *expect = "\"tutorial\" or \"default\"";

	if (v == NULL)
		return;
	if (v->type == jbvString && v->val.string.len == 8 &&
		strncmp(v->val.string.val, "tutorial", 8) == 0)
		SetTutorial(opts);
	else if (!(v->type == jbvString && v->val.string.len == 7 &&
			   strncmp(v->val.string.val, "default", 7) == 0))
	{
		if (v->type == jbvBinary)
			v->type = jbvArray; /* reported as "an array or object" */
		OptionError("preset", expect, v);
	}
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
	{
		ResolveOptions(opts, false);
		return;
	}
	if (!JB_ROOT_IS_OBJECT(json) || JB_ROOT_IS_SCALAR(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("For example '{\"window\": 14, \"epochs\": 50}'.")));
	ReadPreset(opts, json);

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
		else if (strcmp(key, "preset") == 0)
			continue;			/* read first, by ReadPreset */
		else if (strcmp(key, "window") == 0)
		{
			opts->arch.window = (int) GetInt(key, &v, 1, SF_MAX_WINDOW);
			opts->window_given = true;
		}
		else if (strcmp(key, "normalize") == 0)
			opts->train.prep.norm = ReadNormalize(key, &v);
		else if (strcmp(key, "deseasonalize") == 0)
			opts->train.prep.deseasonalize = ReadDeseasonalize(key, &v);
		else if (strcmp(key, "ensemble") == 0)
			opts->train.ensemble = (int) GetInt(key, &v, 1, SF_MAX_MEMBERS);
		else if (strcmp(key, "loss") == 0)
		{
			static const char *expect = "\"mse\", \"mae\" or \"huber\"";
			char	   *l = GetString(key, &v, expect);

			if (strcmp(l, "mse") == 0)
				opts->train.loss = SF_LOSS_MSE;
			else if (strcmp(l, "mae") == 0)
				opts->train.loss = SF_LOSS_MAE;
			else if (strcmp(l, "huber") == 0)
				opts->train.loss = SF_LOSS_HUBER;
			else
				OptionError(key, expect, &v);
		}
		else if (strcmp(key, "refit") == 0)
		{
			if (v.type != jbvBool)
				OptionError(key, "true or false", &v);
			opts->refit = v.val.boolean;
		}
		else if (strcmp(key, "rollout") == 0)
			opts->train.rollout = (int) GetInt(key, &v, 0, SF_MAX_ROLLOUT);
		else if (strcmp(key, "level") == 0)
			opts->train.prep.level = (int) GetInt(key, &v, 0, SF_MAX_WINDOW);
		else if (strcmp(key, "min_epochs") == 0)
			opts->train.min_epochs = (int) GetInt(key, &v, 0, SF_MAX_EPOCHS);
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

	ResolveOptions(opts, have_validation);
}

/*
 * Defaults that depend on other options, and the checks between options.
 */
static void
ResolveOptions(SfOptions *opts, bool have_validation)
{
	if (!opts->window_given)
		opts->arch.window = DefaultWindow(opts->season);
	opts->train.prep.season = opts->season;
	opts->train.prep.window = opts->arch.window;
	if (opts->train.prep.norm == SF_NORM_MINMAX &&
		opts->train.prep.deseasonalize == SF_DESEASON_ALWAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"deseasonalize\" needs a window-relative normalization"),
				 errhint("Set \"normalize\" to \"auto\", \"window\" or \"log\", or leave \"deseasonalize\" unset.")));
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
	appendStringInfo(&s, ", \"min_epochs\": %d, \"seed\": " UINT64_FORMAT
					 ", \"season\": %d, \"normalize\": \"%s\", \"deseasonalize\": %s"
					 ", \"level\": %d, \"ensemble\": %d, \"loss\": \"%s\", \"rollout\": %d"
					 ", \"refit\": %s, \"on_short\": \"%s\"",
					 opts->train.min_epochs, opts->train.seed, opts->season,
					 opts->train.prep.norm == SF_NORM_AUTO ? "auto" :
					 sf_norm_name(opts->train.prep.norm),
					 opts->train.prep.deseasonalize == SF_DESEASON_AUTO ? "\"auto\"" :
					 opts->train.prep.deseasonalize == SF_DESEASON_ALWAYS ? "true" : "false",
					 opts->train.prep.level, opts->train.ensemble,
					 opts->train.loss == SF_LOSS_MAE ? "mae" :
					 opts->train.loss == SF_LOSS_HUBER ? "huber" : "mse",
					 opts->train.rollout,
					 opts->refit ? "true" : "false",
					 opts->skip_short ? "skip" : "error");
	if (opts->preset)
		appendStringInfo(&s, ", \"preset\": \"%s\"", opts->preset);
	appendStringInfoChar(&s, '}');
	return s.data;
}
