/*
 * interchange.c
 *	  seq_model_export and seq_model_import: a model as the interchange JSON
 *	  of SPEC.md and FORMAT.md, with PyTorch's state_dict names, shapes and
 *	  gate order, read and written over PostgreSQL's jsonb API.
 *
 * The state arrives already parsed (jsonb_in has checked its syntax and
 * encoding, and kept one value of a key given twice), so the importer only
 * walks it: getKeyJsonValueFromContainer for the known keys, a JsonbIterator
 * over "tensors" (in the document's order, so the first bad tensor named is
 * the first one jsonb holds) and over each data array.  It works in two
 * passes.  The first checks everything but the magnitude of the weights: the
 * architecture, the transform, and every tensor's name, shape, element types
 * and count, in "tensors" and in each network of "members".  Only then are
 * the parameters allocated (so never more than the numbers the document
 * holds), and the second pass converts the weights into them, refusing one
 * outside float32's range.  The core gets a complete sf_model of typed
 * arrays; the server's error cleanup frees what a refusal allocated, and a
 * refusal stores nothing.
 *
 * A model of format 3 (exog columns or timestamps) adds "inputs" (layer 0's
 * input size), "features" (each covariate's name, shift and scale),
 * "calendar" (its calendar parts) and "time" (kind of time, frequency, last
 * step, gaps rule, month_end); the importer checks each and stores the model
 * through EncodeModelTime, the training path's encoder.  A plain PyTorch
 * state whose weight_ih_l0 has more than one column imports as a model of
 * that many - 1 unscaled covariates (shift 0, scale 1, named x1, x2, ...).
 *
 * Export builds the jsonb with pushJsonbValue.  Numbers go in as numeric
 * built from the shortest decimal that reads back as the same float32
 * (weights) or double (scaler, transform), so export and import round-trip
 * bit for bit.
 *
 * Import errors are data exceptions: 22P02 (invalid_text_representation)
 * when the state is not a well-formed interchange object (a missing key, a
 * value of the wrong JSON type), 22023 (invalid_parameter_value) when it is
 * well-formed but a value is unacceptable (unknown kind, a size out of
 * range, a tensor of the wrong name or shape, a weight out of float32
 * range).  FORMAT.md lists them.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "seqforecast.h"

/* The "format" export writes and import reads. */
#define INTERCHANGE_FORMAT 1

/*
 * Numbers below this in magnitude round to a finite float32 (it is halfway
 * between FLT_MAX and 2^128); the shortest form of FLT_MAX, 3.4028235e38,
 * lies above FLT_MAX itself.
 */
#define FLOAT_LIMIT 0x1.ffffffp+127

/* Room for a list of tensor names in a message. */
#define NAME_LIST_BYTES 256

#define STATE_HINT "The state must be an object with kind, window, hidden, layers, head, scaler and tensors (or members), as seq_model_export writes it."

/* A state that is not a well-formed interchange object: 22P02. */
#define Malformed(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
			 errmsg(__VA_ARGS__), errhint(STATE_HINT)))

/* A well-formed state with an unacceptable value: 22023. */
#define Unacceptable(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg(__VA_ARGS__)))

/* The tensors of the state's architecture, and where each set holds them. */
typedef struct ImportPlan
{
	sf_tensor	t[SF_MAX_TENSORS];
	int			n_t;
	int			n_sets;			/* networks: members, or 1 for "tensors" */
	/* the data array of tensor i of network k */
	JsonbContainer *data[SF_MAX_MEMBERS][SF_MAX_TENSORS];
	JsonbContainer *tensors_data[SF_MAX_TENSORS];	/* "tensors" beside
													 * "members" */
	bool		has_tensors;
	bool		has_members;
} ImportPlan;

/*
 * A name fit to quote in a message in any server encoding: printable ASCII
 * kept, anything else (quotes, backslashes, control or non-ASCII bytes)
 * shown as '?', cut short with "..." when long.  out holds at least 48
 * bytes.
 */
static const char *
MakePrintable(const char *name, int len, char *out)
{
	int			n = 0;

	for (int i = 0; i < len && n < 40; i++)
	{
		unsigned char c = (unsigned char) name[i];

		out[n++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
	}
	if (len > 40)
	{
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Append a quoted name to a list in buf, "..." once it is full. */
static void
ListAppend(char *buf, size_t cap, const char *name, int len)
{
	size_t		used = strlen(buf);
	char		shown[48];

	if (used + 4 >= cap || (used >= 3 && strcmp(buf + used - 3, "...") == 0))
		return;
	MakePrintable(name, len, shown);
	if (used + strlen(shown) + 8 >= cap)
	{
		snprintf(buf + used, cap - used, "%s...", used ? ", " : "");
		return;
	}
	snprintf(buf + used, cap - used, "%s\"%s\"", used ? ", " : "", shown);
}

static bool
GetKey(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), out) != NULL;
}

static bool
IsObject(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static bool
IsArray(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) &&
		!JsonContainerIsScalar(v->val.binary.data);
}

/* A jsonb number as a double: beyond double's range it is +-infinity. */
static double
NumberValue(const JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

/*
 * An integer-valued number under key (display is its dotted name in
 * messages) between min and max.
 */
static int
ReadInt(const JsonbValue *v, const char *display, long min, long max)
{
	double		d;

	if (v->type != jbvNumeric)
		Malformed("key \"%s\" must be a number", display);
	d = NumberValue(v);
	if (!(d == floor(d)) || d < (double) min || d > (double) max)
		Unacceptable("%s must be an integer between %ld and %ld",
					 display, min, max);
	return (int) d;
}

/* A finite number under key. */
static double
ReadDouble(const JsonbValue *v, const char *display)
{
	double		d;

	if (v->type != jbvNumeric)
		Malformed("key \"%s\" must be a number", display);
	d = NumberValue(v);
	if (!isfinite(d))
		Unacceptable("%s is out of range", display);
	return d;
}

/* The value of a required key of obj; display names it in messages. */
static void
RequireKey(JsonbContainer *obj, const char *key, const char *display,
		   JsonbValue *out)
{
	if (!GetKey(obj, key, out))
		Malformed("required key \"%s\" is missing", display);
}

/* "[a, b]" for a shape of n dimensions (dims holds min(n, 4) of them). */
static char *
FormatShape(const double *dims, int n)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (int i = 0; i < n && i < 4; i++)
		appendStringInfo(&s, "%s%.0f", i ? ", " : "", dims[i]);
	if (n > 4)
		appendStringInfoString(&s, ", ...");
	appendStringInfoChar(&s, ']');
	return s.data;
}

static char *
FormatExpectedShape(const sf_tensor *t)
{
	double		dims[2] = {(double) t->shape[0], (double) t->shape[1]};

	return FormatShape(dims, t->ndim);
}

/* The format, the architecture and the scaler. */
static void
ReadArch(JsonbContainer *root, sf_model *model)
{
	static const char *const required[] = {
		"kind", "window", "hidden", "layers", "head", "scaler"
	};
	sf_arch    *a = &model->arch;
	JsonbValue	v;
	JsonbValue	scaler;
	char		shown[48];

	for (int k = 0; k < (int) lengthof(required); k++)
		RequireKey(root, required[k], required[k], &v);
	if (!GetKey(root, "tensors", &v) && !GetKey(root, "members", &v))
		Malformed("required key \"tensors\" is missing");

	if (GetKey(root, "format", &v))
	{
		double		f;

		if (v.type != jbvNumeric)
			Malformed("key \"format\" must be a number");
		f = NumberValue(&v);
		if (f > INTERCHANGE_FORMAT && f == floor(f) && f < 1e9)
			Unacceptable("interchange format %.0f is newer than this version reads (format %d)",
						 f, INTERCHANGE_FORMAT);
		if (f != INTERCHANGE_FORMAT)
			Unacceptable("format must be %d", INTERCHANGE_FORMAT);
	}

	memset(a, 0, sizeof(*a));
	GetKey(root, "kind", &v);
	if (v.type != jbvString)
		Malformed("key \"kind\" must be a string");
	{
		char		kind[16];
		int			len = v.val.string.len;

		a->kind = -1;
		if (len < (int) sizeof(kind))
		{
			memcpy(kind, v.val.string.val, len);
			kind[len] = '\0';
			if (strlen(kind) == (size_t) len)
				a->kind = sf_kind_from_name(kind);
		}
		if (a->kind < 0)
			Unacceptable("kind must be rnn, lstm or gru, not \"%s\"",
						 MakePrintable(v.val.string.val, len, shown));
	}
	GetKey(root, "window", &v);
	a->window = ReadInt(&v, "window", 1, SF_MAX_WINDOW);
	GetKey(root, "hidden", &v);
	a->hidden = ReadInt(&v, "hidden", 1, SF_MAX_HIDDEN);
	GetKey(root, "layers", &v);
	a->layers = ReadInt(&v, "layers", 1, SF_MAX_LAYERS);

	GetKey(root, "head", &v);
	if (!IsArray(&v))
		Malformed("key \"head\" must be an array of integers");
	{
		JsonbIterator *it = JsonbIteratorInit(v.val.binary.data);
		JsonbIteratorToken tok;
		JsonbValue	e;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (e.type != jbvNumeric)
				Malformed("key \"head\" must be an array of integers");
			if (a->n_head == SF_MAX_HEAD)
				Unacceptable("head must have at most %d layers", SF_MAX_HEAD);
			a->head[a->n_head++] = ReadInt(&e, "each head size", 1,
										   SF_MAX_HEAD_SIZE);
		}
	}

	GetKey(root, "scaler", &scaler);
	if (!IsObject(&scaler))
		Malformed("key \"scaler\" must be an object with \"min\" and \"max\"");
	RequireKey(scaler.val.binary.data, "min", "scaler.min", &v);
	RequireKey(scaler.val.binary.data, "max", "scaler.max", &v);
	GetKey(scaler.val.binary.data, "min", &v);
	model->scale_min = ReadDouble(&v, "scaler.min");
	GetKey(scaler.val.binary.data, "max", &v);
	model->scale_max = ReadDouble(&v, "scaler.max");
	if (!(model->scale_max > model->scale_min) ||
		!isfinite(model->scale_max - model->scale_min))
		Unacceptable("scaler.max must be greater than scaler.min, by a finite amount");

	if (sf_arch_check(a) != SF_OK)
		Unacceptable("the architecture is out of range");
}

/*
 * The "normalize" object: the window-relative transform of a 1.1 model
 * (sf_prep.c), checked as the decoder of the serialized model checks it.
 * "kind", "level" and "scale" are required; "season" defaults to 0 and
 * "seasonal_indices" must then hold exactly that many finite numbers.
 */
static void
ReadPrep(const JsonbValue *norm, sf_model *model)
{
	static const char *const required[] = {"kind", "level", "scale"};
	sf_prep    *prep = &model->prep;
	JsonbContainer *obj;
	JsonbValue	v;
	char		shown[48];

	if (!IsObject(norm))
		Malformed("key \"normalize\" must be an object with \"kind\", \"level\" and \"scale\"");
	obj = norm->val.binary.data;
	for (int k = 0; k < (int) lengthof(required); k++)
		RequireKey(obj, required[k], psprintf("normalize.%s", required[k]), &v);

	GetKey(obj, "kind", &v);
	if (v.type != jbvString)
		Malformed("key \"normalize.kind\" must be a string");
	if (v.val.string.len == 6 && pg_strncasecmp(v.val.string.val, "window", 6) == 0)
		prep->norm = SF_NORM_WINDOW;
	else if (v.val.string.len == 3 && pg_strncasecmp(v.val.string.val, "log", 3) == 0)
		prep->norm = SF_NORM_LOG;
	else
		Unacceptable("normalize.kind must be window or log, not \"%s\"",
					 MakePrintable(v.val.string.val, v.val.string.len, shown));

	GetKey(obj, "level", &v);
	prep->level = ReadInt(&v, "normalize.level", 1, model->arch.window);
	GetKey(obj, "scale", &v);
	prep->scale = ReadDouble(&v, "normalize.scale");
	if (!(prep->scale > 0))
		Unacceptable("normalize.scale must be greater than 0");

	if (GetKey(obj, "season", &v))
	{
		double		d;

		if (v.type != jbvNumeric)
			Malformed("key \"normalize.season\" must be a number");
		d = NumberValue(&v);
		if (!(d == floor(d)) || !(d == 0 || (d >= 2 && d <= SF_MAX_SEASON)))
			Unacceptable("normalize.season must be 0 or an integer between 2 and %d",
						 SF_MAX_SEASON);
		prep->season = (int) d;
	}
	if (GetKey(obj, "seasonal_indices", &v))
	{
		JsonbIterator *it;
		JsonbIteratorToken tok;
		JsonbValue	e;
		int			n = 0;

		if (!IsArray(&v))
			Malformed("key \"normalize.seasonal_indices\" must be an array of numbers");
		it = JsonbIteratorInit(v.val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			double		d;

			if (tok != WJB_ELEM)
				continue;
			if (e.type != jbvNumeric)
				Malformed("key \"normalize.seasonal_indices\" must be an array of numbers");
			if (n == prep->season)
			{
				n++;
				break;
			}
			d = NumberValue(&e);
			if (!isfinite(d))
				Unacceptable("normalize.seasonal_indices has a value out of range at index %d",
							 n);
			prep->index[n++] = d;
		}
		if (n != prep->season)
			Unacceptable("normalize.seasonal_indices must hold exactly normalize.season (%d) numbers",
						 prep->season);
	}
	else if (prep->season > 0)
		Malformed("required key \"normalize.seasonal_indices\" is missing");
}

/*
 * One tensor object: its shape must be t's and its data an array of
 * t->size numbers; returns the data array.  of follows the tensor's name in
 * messages: "" for "tensors", " of members[k]" for a member's.  The numbers'
 * magnitudes are checked when they are read (FillTensor).
 */
static JsonbContainer *
CheckTensor(const JsonbValue *tv, const sf_tensor *t, const char *of)
{
	JsonbValue	shape,
				data,
				e;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	double		dims[4];
	int			ndim = 0;
	size_t		n = 0;

	if (!IsObject(tv))
		Malformed("tensor \"%s\"%s must be an object with \"shape\" and \"data\"",
				  t->name, of);
	if (!GetKey(tv->val.binary.data, "shape", &shape))
		Malformed("tensor \"%s\"%s has no \"shape\"", t->name, of);
	if (!GetKey(tv->val.binary.data, "data", &data))
		Malformed("tensor \"%s\"%s has no \"data\"", t->name, of);

	/* the shape, compared with the one the architecture gives */
	if (!IsArray(&shape))
		Malformed("shape of tensor \"%s\"%s must be an array of integers",
				  t->name, of);
	it = JsonbIteratorInit(shape.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		double		d;

		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvNumeric)
			Malformed("shape of tensor \"%s\"%s must be an array of integers",
					  t->name, of);
		d = NumberValue(&e);
		if (!(d == floor(d)) || d < 0)
			Unacceptable("shape of tensor \"%s\"%s must hold non-negative integers",
						 t->name, of);
		if (ndim < 4)
			dims[ndim] = d;
		ndim++;
	}
	if (ndim != t->ndim || dims[0] != (double) t->shape[0] ||
		(t->ndim == 2 && dims[1] != (double) t->shape[1]))
		Unacceptable("tensor \"%s\"%s has shape %s, expected %s",
					 t->name, of, FormatShape(dims, ndim), FormatExpectedShape(t));

	/* the values: flat, row-major, all numbers, as many as the shape says */
	if (!IsArray(&data))
		Malformed("data of tensor \"%s\"%s must be an array of numbers",
				  t->name, of);
	it = JsonbIteratorInit(data.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvNumeric)
			Malformed("data of tensor \"%s\"%s must be a flat array of numbers, element %zu is not a number",
					  t->name, of, n);
		n++;
	}
	if (n != t->size)
		Unacceptable("tensor \"%s\"%s has %zu values, its shape %s needs %zu",
					 t->name, of, n, FormatExpectedShape(t), t->size);
	return data.val.binary.data;
}

/*
 * One network's tensors: the object must hold exactly the plan's tensors,
 * each checked by CheckTensor in the order the document holds them, its
 * data array noted in data[].  member is the index in "members", or -1 for
 * "tensors".
 */
static void
CheckTensorSet(const JsonbValue *set, int member, ImportPlan *plan,
			   JsonbContainer **data)
{
	char		of[32] = "";
	char		unexpected[NAME_LIST_BYTES] = "",
				missing[NAME_LIST_BYTES] = "";
	int			n_unexpected = 0,
				n_missing = 0;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	key,
				val;

	if (member >= 0)
		snprintf(of, sizeof(of), " of members[%d]", member);
	if (!IsObject(set))
	{
		if (member < 0)
			Malformed("key \"tensors\" must be an object");
		Malformed("members[%d] must be an object of tensors", member);
	}
	memset(data, 0, sizeof(JsonbContainer *) * SF_MAX_TENSORS);

	it = JsonbIteratorInit(set->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		int			i;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);
		for (i = 0; i < plan->n_t; i++)
			if (key.val.string.len == (int) strlen(plan->t[i].name) &&
				memcmp(key.val.string.val, plan->t[i].name, key.val.string.len) == 0)
				break;
		if (i == plan->n_t)
		{
			ListAppend(unexpected, sizeof(unexpected), key.val.string.val,
					   key.val.string.len);
			n_unexpected++;
		}
		else
			data[i] = CheckTensor(&val, &plan->t[i], of);
	}
	for (int i = 0; i < plan->n_t; i++)
		if (data[i] == NULL)
		{
			ListAppend(missing, sizeof(missing), plan->t[i].name,
					   strlen(plan->t[i].name));
			n_missing++;
		}
	if (n_missing && n_unexpected)
		Unacceptable("tensors%s do not match the architecture: missing %s; unexpected %s",
					 of, missing, unexpected);
	if (n_missing)
		Unacceptable("missing tensor%s %s%s", n_missing > 1 ? "s" : "",
					 missing, of);
	if (n_unexpected)
		Unacceptable("unexpected tensor%s %s%s", n_unexpected > 1 ? "s" : "",
					 unexpected, of);
}

/* The "members" array: 1 .. SF_MAX_MEMBERS networks, each checked. */
static void
CheckMembers(const JsonbValue *members, ImportPlan *plan)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	e;
	int			count = 0;

	if (!IsArray(members))
		Malformed("key \"members\" must be an array of objects");
	it = JsonbIteratorInit(members->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (count == SF_MAX_MEMBERS)
			Unacceptable("members must hold between 1 and %d networks",
						 SF_MAX_MEMBERS);
		if (!IsObject(&e))
			Malformed("members[%d] must be an object of tensors", count);
		CheckTensorSet(&e, count, plan, plan->data[count]);
		count++;
	}
	if (count == 0)
		Unacceptable("members must hold between 1 and %d networks",
					 SF_MAX_MEMBERS);
	plan->n_sets = count;
}

/*
 * A weight: a number within FLOAT_LIMIT, those beyond FLT_MAX (which still
 * round to it) clamped, as PyTorch's float32 conversion rounds them.
 */
static sf_real
ToWeight(const JsonbValue *e, const sf_tensor *t, const char *of, size_t index)
{
	double		v = NumberValue(e);

	if (!(fabs(v) < FLOAT_LIMIT))
		Unacceptable("tensor \"%s\"%s has a value out of float32 range at index %zu",
					 t->name, of, index);
	if (fabs(v) > FLT_MAX)
		v = copysign(FLT_MAX, v);
	return (sf_real) v;
}

/*
 * Convert a checked data array into dst; or, with compare set, compare it
 * bit for bit with dst (the "tensors" beside "members" must be members[0]).
 */
static void
FillTensor(JsonbContainer *data, const sf_tensor *t, const char *of,
		   sf_real *dst, bool compare)
{
	JsonbIterator *it = JsonbIteratorInit(data);
	JsonbIteratorToken tok;
	JsonbValue	e;
	size_t		n = 0;

	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		sf_real		w;

		if (tok != WJB_ELEM)
			continue;
		w = ToWeight(&e, t, of, n);
		if (!compare)
			dst[n] = w;
		else if (memcmp(&w, &dst[n], sizeof(sf_real)) != 0)
			Unacceptable("tensors must equal members[0], but tensor \"%s\" differs at index %zu",
						 t->name, n);
		n++;
		if ((n & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/* ------------------------------------------------- inputs, features, time */

/* The names of kinds of time and gaps rules, in the format's numbering. */
static const char *const time_kind_names[] = {"none", "date", "timestamp", "timestamptz"};
static const char *const gaps_names[] = {"fill", "keep", "error"};

/*
 * What a state says besides the networks: the time axis, and the names of
 * the covariate columns (the core model holds their scaling).
 */
typedef struct ImportExtras
{
	sf_time		time;
	bool		month_end;
	int			n_cov;
	char	   *names[SF_MAX_EXOG];
} ImportExtras;

/* A string value equal (case-insensitively) to one of names[], or -1. */
static int
MatchName(const JsonbValue *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (v->val.string.len == (int) strlen(names[i]) &&
			pg_strncasecmp(v->val.string.val, names[i], v->val.string.len) == 0)
			return i;
	return -1;
}

/*
 * An integer-valued number read exactly as an int64 between min and max:
 * numeric, so that microseconds beyond 2^53 keep every digit.
 */
static int64
ReadInt64(const JsonbValue *v, const char *display, int64 min, int64 max,
		  const char *range)
{
	double		d;
	Datum		num;
	Datum		whole;

	if (v->type != jbvNumeric)
		Malformed("key \"%s\" must be a number", display);
	num = NumericGetDatum(v->val.numeric);
	d = NumberValue(v);
	whole = DirectFunctionCall2(numeric_trunc, num, Int32GetDatum(0));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, num, whole)) ||
		!(d >= (double) min && d <= (double) max))
		Unacceptable("%s must be an integer %s", display, range);
	{
		int64		r = DatumGetInt64(DirectFunctionCall1(numeric_int8, num));

		if (r < min || r > max)
			Unacceptable("%s must be an integer %s", display, range);
		return r;
	}
}

/*
 * "time": the kind of time, the frequency (an interval's months, days and
 * microseconds), the last step (microseconds from 2000-01-01 00:00, civil
 * time for calendar steps, as FORMAT.md's format 3 says), the gaps rule and
 * whether monthly steps land on month ends.
 */
static void
ReadTime(const JsonbValue *tv, ImportExtras *x)
{
	static const char *const required[] = {"kind", "frequency", "last"};
	sf_time    *t = &x->time;
	JsonbContainer *obj;
	JsonbValue	v,
				f;
	char		shown[48];

	if (!IsObject(tv))
		Malformed("key \"time\" must be an object with \"kind\", \"frequency\" and \"last\"");
	obj = tv->val.binary.data;
	for (int k = 0; k < (int) lengthof(required); k++)
		RequireKey(obj, required[k], psprintf("time.%s", required[k]), &v);

	GetKey(obj, "kind", &v);
	if (v.type != jbvString)
		Malformed("key \"time.kind\" must be a string");
	t->kind = MatchName(&v, time_kind_names, lengthof(time_kind_names));
	if (t->kind <= SF_TIME_NONE)
		Unacceptable("time.kind must be date, timestamp or timestamptz, not \"%s\"",
					 MakePrintable(v.val.string.val, v.val.string.len, shown));

	GetKey(obj, "frequency", &f);
	if (!IsObject(&f))
		Malformed("key \"time.frequency\" must be an object with \"months\", \"days\" and \"microseconds\"");
	if (GetKey(f.val.binary.data, "months", &v))
		t->months = (int32) ReadInt64(&v, "time.frequency.months", 0,
									  SF_MAX_FREQ_MONTHS, "between 0 and 1200");
	if (GetKey(f.val.binary.data, "days", &v))
		t->days = (int32) ReadInt64(&v, "time.frequency.days", 0,
									SF_MAX_FREQ_DAYS, "between 0 and 36525");
	if (GetKey(f.val.binary.data, "microseconds", &v))
		t->micros = ReadInt64(&v, "time.frequency.microseconds", 0,
							  SF_MAX_FREQ_MICROS, "between 0 and 3155760000000000 (36525 days)");
	if (t->months == 0 && t->days == 0 && t->micros == 0)
		Unacceptable("time.frequency must not be zero");
	if (t->kind == SF_TIME_DATE && t->micros != 0)
		Unacceptable("time.frequency of a date model must be whole days, months or years, not %lld microseconds",
					 (long long) t->micros);

	GetKey(obj, "last", &v);
	t->last = ReadInt64(&v, "time.last", SF_MIN_TIMESTAMP, SF_END_TIMESTAMP - 1,
						"of microseconds from 2000-01-01 within the range of timestamp");
	if (t->kind == SF_TIME_DATE && t->last % SF_USECS_PER_DAY != 0)
		Unacceptable("time.last of a date model must be midnight: a multiple of 86400000000 microseconds");

	t->gaps = SF_GAPS_FILL;
	if (GetKey(obj, "gaps", &v))
	{
		if (v.type != jbvString)
			Malformed("key \"time.gaps\" must be a string");
		t->gaps = MatchName(&v, gaps_names, lengthof(gaps_names));
		if (t->gaps < 0)
			Unacceptable("time.gaps must be fill, keep or error, not \"%s\"",
						 MakePrintable(v.val.string.val, v.val.string.len, shown));
	}
	if (GetKey(obj, "month_end", &v))
	{
		if (v.type != jbvBool)
			Malformed("key \"time.month_end\" must be a boolean");
		x->month_end = v.val.boolean;
		if (x->month_end && t->months == 0)
			Unacceptable("time.month_end can be true only for a frequency of months");
	}
}

/* "calendar": an array of distinct part names; returns their mask. */
static uint32
ReadCalendar(const JsonbValue *cv)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	e;
	uint32		parts = 0;
	char		shown[48];

	if (!IsArray(cv))
		Malformed("key \"calendar\" must be an array of calendar part names");
	it = JsonbIteratorInit(cv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		uint32		part = 0;
		char		name[32];

		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvString)
			Malformed("key \"calendar\" must be an array of calendar part names");
		if (e.val.string.len < (int) sizeof(name))
		{
			memcpy(name, e.val.string.val, e.val.string.len);
			name[e.val.string.len] = '\0';
			if (strlen(name) == (size_t) e.val.string.len)
				part = sf_calendar_part_from_name(name);
		}
		if (part == 0)
			Unacceptable("unknown calendar part \"%s\"",
						 MakePrintable(e.val.string.val, e.val.string.len, shown));
		if (parts & part)
			Unacceptable("calendar part \"%s\" is given twice",
						 sf_calendar_part_name(part));
		parts |= part;
	}
	return parts;
}

/*
 * "features": the covariates, in column order, each an object with "name"
 * and optionally "shift" (default 0) and "scale" (default 1): its network
 * input is (x - shift) / scale.
 */
static void
ReadFeatures(const JsonbValue *fv, sf_model *model, ImportExtras *x)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	e,
				v;
	int			n = 0;

	if (!IsArray(fv))
		Malformed("key \"features\" must be an array of objects with \"name\", \"shift\" and \"scale\"");
	it = JsonbIteratorInit(fv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		sf_exog    *c;

		if (tok != WJB_ELEM)
			continue;
		if (n == SF_MAX_EXOG)
			Unacceptable("features must name at most %d covariates", SF_MAX_EXOG);
		if (!IsObject(&e))
			Malformed("features[%d] must be an object with \"name\", \"shift\" and \"scale\"", n);
		if (!GetKey(e.val.binary.data, "name", &v))
			Malformed("required key \"features[%d].name\" is missing", n);
		if (v.type != jbvString)
			Malformed("key \"features[%d].name\" must be a string", n);
		if (v.val.string.len == 0)
			Unacceptable("features[%d].name must not be empty", n);
		CheckOptionText("features", v.val.string.val, v.val.string.len);
		x->names[n] = pnstrdup(v.val.string.val, v.val.string.len);
		if (strlen(x->names[n]) != (size_t) v.val.string.len)
			Unacceptable("features[%d].name must not hold a zero character", n);

		c = &model->exog[n];
		c->kind = SF_EXOG_COVARIATE;
		c->shift = 0;
		c->scale = 1;
		if (GetKey(e.val.binary.data, "shift", &v))
			c->shift = ReadDouble(&v, psprintf("features[%d].shift", n));
		if (GetKey(e.val.binary.data, "scale", &v))
		{
			c->scale = ReadDouble(&v, psprintf("features[%d].scale", n));
			if (!(c->scale > 0))
				Unacceptable("features[%d].scale must be greater than 0", n);
		}
		n++;
	}
	x->n_cov = n;
}

/*
 * The second dimension of "rnn.weight_ih_l0" in "tensors" (or members[0]),
 * when it is given as a two-element array of integers; else 0.  It is a
 * plain PyTorch state's only word on its input size.
 */
static int
StateInputSize(JsonbContainer *root)
{
	JsonbValue	v,
				t,
				shape;
	JsonbValue *d;

	if (GetKey(root, "tensors", &v) && IsObject(&v))
		;
	else if (GetKey(root, "members", &v) && IsArray(&v) &&
			 (d = getIthJsonbValueFromContainer(v.val.binary.data, 0)) != NULL &&
			 IsObject(d))
		v = *d;
	else
		return 0;
	if (!GetKey(v.val.binary.data, "rnn.weight_ih_l0", &t) || !IsObject(&t) ||
		!GetKey(t.val.binary.data, "shape", &shape) || !IsArray(&shape) ||
		JsonContainerSize(shape.val.binary.data) != 2 ||
		(d = getIthJsonbValueFromContainer(shape.val.binary.data, 1)) == NULL ||
		d->type != jbvNumeric)
		return 0;
	{
		double		n = NumberValue(d);

		return n == floor(n) && n >= 1 && n <= SF_MAX_INPUTS ? (int) n : 0;
	}
}

/*
 * The input size of layer 0 and its exog columns: "features" (covariates),
 * "calendar" (parts, which need "time") and "inputs" (the input size, 1 +
 * covariates + calendar columns).  Without "features" the covariates are
 * inputs - 1 - calendar columns, unscaled (shift 0, scale 1) and named x1,
 * x2, ...; without "inputs" as well, a plain PyTorch state's weight_ih_l0
 * gives the input size.
 */
static void
ReadInputs(JsonbContainer *root, sf_model *model, ImportExtras *x)
{
	JsonbValue	v;
	bool		has_features = GetKey(root, "features", &v);
	int			inputs = 0;
	int			n_cal;

	memset(x, 0, sizeof(*x));
	if (GetKey(root, "time", &v))
		ReadTime(&v, x);
	if (GetKey(root, "calendar", &v))
	{
		model->calendar = ReadCalendar(&v);
		if (model->calendar != 0 && x->time.kind == SF_TIME_NONE)
			Unacceptable("calendar parts need a time axis, but the state has no \"time\"");
	}
	n_cal = sf_calendar_width(model->calendar);
	if (has_features)
	{
		GetKey(root, "features", &v);
		ReadFeatures(&v, model, x);
	}
	if (GetKey(root, "inputs", &v))
	{
		inputs = ReadInt(&v, "inputs", 1, SF_MAX_INPUTS);
		if (has_features && inputs != 1 + x->n_cov + n_cal)
			Unacceptable("inputs is %d, but the value, %d features and %d calendar columns make %d",
						 inputs, x->n_cov, n_cal, 1 + x->n_cov + n_cal);
	}
	else if (has_features)
		inputs = 1 + x->n_cov + n_cal;
	else
		inputs = StateInputSize(root);
	if (inputs < 1 + n_cal)
	{
		if (GetKey(root, "inputs", &v))
			Unacceptable("inputs is %d, but the value and %d calendar columns need %d",
						 inputs, n_cal, 1 + n_cal);
		inputs = 1 + n_cal;		/* a wrong weight_ih_l0 is named below */
	}
	if (1 + x->n_cov + n_cal > SF_MAX_INPUTS)
		Unacceptable("the value, %d features and %d calendar columns make more than %d inputs",
					 x->n_cov, n_cal, SF_MAX_INPUTS);
	if (!has_features)
	{
		x->n_cov = inputs - 1 - n_cal;
		for (int j = 0; j < x->n_cov; j++)
		{
			model->exog[j].kind = SF_EXOG_COVARIATE;
			model->exog[j].shift = 0;
			model->exog[j].scale = 1;
			x->names[j] = psprintf("x%d", j + 1);
		}
	}
	model->n_exog = inputs - 1;
	for (int j = x->n_cov; j < model->n_exog; j++)
	{
		model->exog[j].kind = SF_EXOG_CALENDAR;
		model->exog[j].shift = 0;
		model->exog[j].scale = 1;
	}
	model->arch.inputs = inputs > 1 ? inputs : 0;
	if (sf_exog_check(model) != SF_OK)
		Unacceptable("the inputs do not match the features and calendar parts");
}

/*
 * Read an interchange state into model (its params palloc'd), or raise the
 * error that names what is wrong with it.
 */
static void
ImportState(Jsonb *state, sf_model *model, ImportExtras *x)
{
	JsonbContainer *root = &state->root;
	ImportPlan *plan = palloc0(sizeof(ImportPlan));
	JsonbValue	v;
	size_t		n_params;
	sf_real    *params;

	memset(model, 0, sizeof(*model));
	if (!JB_ROOT_IS_OBJECT(state))
		Malformed("the model state must be a JSON object");

	/* pass 1: everything but the weights' magnitudes, nothing allocated */
	ReadArch(root, model);
	model->n_members = 1;
	model->prep.norm = SF_NORM_MINMAX;
	model->prep.scale = 1.0;
	if (GetKey(root, "normalize", &v))
		ReadPrep(&v, model);
	ReadInputs(root, model, x);
	plan->n_t = sf_tensors(&model->arch, plan->t);
	plan->n_sets = 1;
	if (GetKey(root, "tensors", &v))
	{
		plan->has_tensors = true;
		CheckTensorSet(&v, -1, plan, plan->data[0]);
	}
	if (GetKey(root, "members", &v))
	{
		if (plan->has_tensors)
			memcpy(plan->tensors_data, plan->data[0], sizeof(plan->tensors_data));
		plan->has_members = true;
		CheckMembers(&v, plan);
	}
	model->n_members = plan->n_sets;

	/* pass 2: allocate and convert, member after member */
	n_params = sf_param_count(&model->arch);
	CheckMemoryRequest((size_t) model->n_members * n_params * sizeof(sf_real),
					   "importing this model", NULL);
	params = palloc_extended((size_t) model->n_members * n_params * sizeof(sf_real),
							 MCXT_ALLOC_HUGE);
	for (int k = 0; k < plan->n_sets; k++)
	{
		char		of[32] = "";

		if (plan->has_members)
			snprintf(of, sizeof(of), " of members[%d]", k);
		for (int i = 0; i < plan->n_t; i++)
			FillTensor(plan->data[k][i], &plan->t[i], of,
					   params + (size_t) k * n_params + plan->t[i].offset, false);
	}
	/* a reader of "tensors" alone must get the same first network */
	if (plan->has_members && plan->has_tensors)
		for (int i = 0; i < plan->n_t; i++)
			FillTensor(plan->tensors_data[i], &plan->t[i], "",
					   params + plan->t[i].offset, true);
	model->params = params;
	pfree(plan);
}

/* Export: values pushed into a JsonbParseState. */
static void
PushKey(JsonbParseState **st, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &v);
}

/* A number from its decimal text, as a value or an array element. */
static void
PushNumberText(JsonbParseState **st, JsonbIteratorToken tok, const char *text)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
														CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
	pushJsonbValue(st, tok, &v);
}

static void
PushInt(JsonbParseState **st, JsonbIteratorToken tok, int value)
{
	char		buf[16];

	snprintf(buf, sizeof(buf), "%d", value);
	PushNumberText(st, tok, buf);
}

/* A double with the fewest digits that read back as the same double. */
static void
PushDouble(JsonbParseState **st, JsonbIteratorToken tok, double value)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(value, buf);
	PushNumberText(st, tok, buf);
}

/* A weight with the fewest digits that read back as the same float32. */
static void
PushWeight(JsonbParseState **st, sf_real value)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (sizeof(sf_real) == sizeof(float))
		float_to_shortest_decimal_buf((float) value, buf);
	else
		double_to_shortest_decimal_buf((double) value, buf);
	PushNumberText(st, WJB_ELEM, buf);
}

static void
PushString(JsonbParseState **st, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(st, WJB_VALUE, &v);
}

/* One network's tensors as a JSON object of {"shape", "data"} objects. */
static void
PushTensors(JsonbParseState **st, const sf_tensor *t, int n_t,
			const sf_real *params)
{
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < n_t; i++)
	{
		const sf_real *p = params + t[i].offset;

		PushKey(st, t[i].name);
		pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		PushKey(st, "shape");
		pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		for (int d = 0; d < t[i].ndim; d++)
			PushInt(st, WJB_ELEM, t[i].shape[d]);
		pushJsonbValue(st, WJB_END_ARRAY, NULL);
		PushKey(st, "data");
		pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		for (size_t k = 0; k < t[i].size; k++)
		{
			PushWeight(st, p[k]);
			if ((k & 0xffff) == 0xffff)
				CHECK_FOR_INTERRUPTS();
		}
		pushJsonbValue(st, WJB_END_ARRAY, NULL);
		pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * The "metrics" object of a model's metadata pushed as the value of key
 * "metrics", when the metadata has one.
 */
static void
PushMetrics(JsonbParseState **st, const char *meta)
{
	Jsonb	   *j;
	JsonbValue	v;

	if (meta[0] == '\0')
		return;
	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(meta)));
	if (!JB_ROOT_IS_OBJECT(j) || !GetKey(&j->root, "metrics", &v) || !IsObject(&v))
		return;
	PushKey(st, "metrics");
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * The names of a model's covariates: its metadata's options.features when
 * that holds one string per covariate, else x1, x2, ... (a model given as
 * bytea may have no metadata).
 */
static void
CovariateNames(const SfModel *m, int n_cov, char **names)
{
	JsonbValue	opts,
				feats;
	bool		found = false;

	if (m->meta != NULL && m->meta[0] != '\0')
	{
		Jsonb	   *j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(m->meta)));

		if (JB_ROOT_IS_OBJECT(j) && GetKey(&j->root, "options", &opts) && IsObject(&opts) &&
			GetKey(opts.val.binary.data, "features", &feats) && IsArray(&feats) &&
			JsonContainerSize(feats.val.binary.data) == (uint32) n_cov)
		{
			found = true;
			for (int i = 0; i < n_cov && found; i++)
			{
				JsonbValue *e = getIthJsonbValueFromContainer(feats.val.binary.data, i);

				if (e == NULL || e->type != jbvString || e->val.string.len == 0)
					found = false;
				else
					names[i] = pnstrdup(e->val.string.val, e->val.string.len);
			}
		}
	}
	if (!found)
		for (int i = 0; i < n_cov; i++)
			names[i] = psprintf("x%d", i + 1);
}

static void
PushInt64(JsonbParseState **st, int64 value)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), INT64_FORMAT, value);
	PushNumberText(st, WJB_VALUE, buf);
}

/*
 * What a model's network reads besides the value, and its time axis:
 * "inputs" (layer 0's input size, when above 1), "features" (each
 * covariate's name and scaling), "calendar" (the parts, in the order of
 * their columns) and "time" (FORMAT.md's format 3 fields and the metadata's
 * month_end).  Nothing for a model with neither.
 */
static void
PushExtras(JsonbParseState **st, const SfModel *m)
{
	const sf_model *model = &m->core;
	int			inputs = sf_arch_inputs(&model->arch);
	int			n_cov = 0;
	char	   *names[SF_MAX_EXOG];

	for (int j = 0; j < model->n_exog; j++)
		n_cov += model->exog[j].kind == SF_EXOG_COVARIATE;
	if (inputs > 1)
	{
		PushKey(st, "inputs");
		PushInt(st, WJB_VALUE, inputs);
	}
	if (n_cov > 0)
	{
		CovariateNames(m, n_cov, names);
		PushKey(st, "features");
		pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		for (int j = 0; j < n_cov; j++)
		{
			pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
			PushKey(st, "name");
			PushString(st, names[j]);
			PushKey(st, "shift");
			PushDouble(st, WJB_VALUE, model->exog[j].shift);
			PushKey(st, "scale");
			PushDouble(st, WJB_VALUE, model->exog[j].scale);
			pushJsonbValue(st, WJB_END_OBJECT, NULL);
		}
		pushJsonbValue(st, WJB_END_ARRAY, NULL);
	}
	if (model->calendar != 0)
	{
		PushKey(st, "calendar");
		pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		for (int i = 0; i < SF_CAL_PARTS; i++)
			if (model->calendar & ((uint32) 1 << i))
			{
				JsonbValue	v;

				v.type = jbvString;
				v.val.string.val = (char *) sf_calendar_part_name((uint32) 1 << i);
				v.val.string.len = strlen(v.val.string.val);
				pushJsonbValue(st, WJB_ELEM, &v);
			}
		pushJsonbValue(st, WJB_END_ARRAY, NULL);
	}
	if (m->time.kind != SF_TIME_NONE)
	{
		SfTime		t;
		JsonbValue	b;

		ModelTime(m, &t);
		PushKey(st, "time");
		pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		PushKey(st, "kind");
		PushString(st, time_kind_names[m->time.kind]);
		PushKey(st, "frequency");
		pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		PushKey(st, "months");
		PushInt(st, WJB_VALUE, m->time.months);
		PushKey(st, "days");
		PushInt(st, WJB_VALUE, m->time.days);
		PushKey(st, "microseconds");
		PushInt64(st, m->time.micros);
		pushJsonbValue(st, WJB_END_OBJECT, NULL);
		PushKey(st, "last");
		PushInt64(st, m->time.last);
		PushKey(st, "gaps");
		PushString(st, gaps_names[m->time.gaps]);
		PushKey(st, "month_end");
		b.type = jbvBool;
		b.val.boolean = t.month_end;
		pushJsonbValue(st, WJB_VALUE, &b);
		pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
}

/*
 * The interchange document.  A window-normalized model adds "normalize"
 * (its transform: kind, level, scale, season and seasonal indices) and an
 * ensemble "members" (every member's tensors; "tensors" is member 0's, so a
 * reader that knows nothing of ensembles still gets one working network).
 */
static Jsonb *
ExportState(const SfModel *m)
{
	const sf_model *model = &m->core;
	const sf_arch *a = &model->arch;
	const sf_prep *prep = &model->prep;
	size_t		n_params = sf_param_count(a);
	sf_tensor	t[SF_MAX_TENSORS];
	int			n_t = sf_tensors(a, t);
	JsonbParseState *st = NULL;
	JsonbValue *res;

	/* a numeric and a JsonbValue per weight, about 64 bytes */
	CheckMemoryRequest((size_t) (model->n_members > 1 ? model->n_members + 1 : 1) *
					   n_params * 64, "exporting this model", NULL);

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	PushKey(&st, "format");
	PushInt(&st, WJB_VALUE, INTERCHANGE_FORMAT);
	PushKey(&st, "kind");
	PushString(&st, sf_kind_name(a->kind));
	PushKey(&st, "window");
	PushInt(&st, WJB_VALUE, a->window);
	PushKey(&st, "hidden");
	PushInt(&st, WJB_VALUE, a->hidden);
	PushKey(&st, "layers");
	PushInt(&st, WJB_VALUE, a->layers);
	PushKey(&st, "head");
	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int j = 0; j < a->n_head; j++)
		PushInt(&st, WJB_ELEM, a->head[j]);
	pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	PushKey(&st, "scaler");
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	PushKey(&st, "min");
	PushDouble(&st, WJB_VALUE, model->scale_min);
	PushKey(&st, "max");
	PushDouble(&st, WJB_VALUE, model->scale_max);
	pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	if (prep->norm != SF_NORM_MINMAX)
	{
		PushKey(&st, "normalize");
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		PushKey(&st, "kind");
		PushString(&st, sf_norm_name(prep->norm));
		PushKey(&st, "level");
		PushInt(&st, WJB_VALUE, prep->level);
		PushKey(&st, "scale");
		PushDouble(&st, WJB_VALUE, prep->scale);
		PushKey(&st, "season");
		PushInt(&st, WJB_VALUE, prep->season);
		PushKey(&st, "seasonal_indices");
		pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
		for (int i = 0; i < prep->season; i++)
			PushDouble(&st, WJB_ELEM, prep->index[i]);
		pushJsonbValue(&st, WJB_END_ARRAY, NULL);
		pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	PushExtras(&st, m);
	PushKey(&st, "tensors");
	PushTensors(&st, t, n_t, model->params);
	if (model->n_members > 1)
	{
		PushKey(&st, "members");
		pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
		for (int k = 0; k < model->n_members; k++)
			PushTensors(&st, t, n_t, model->params + (size_t) k * n_params);
		pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	}
	PushMetrics(&st, m->meta);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

PG_FUNCTION_INFO_V1(seq_model_export);

/* seq_model_export(model) -> jsonb, model by bigint id, text name or bytea */
Datum
seq_model_export(PG_FUNCTION_ARGS)
{
	SfModel    *m = LoadModel(fcinfo, 0);

	PG_RETURN_JSONB_P(ExportState(m));
}

PG_FUNCTION_INFO_V1(seq_model_import);

/* seq_model_import(name text, state jsonb) -> bigint */
Datum
seq_model_import(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *state = PG_GETARG_JSONB_P(1);
	sf_model	model;
	ImportExtras x;
	const sf_arch *a;
	StringInfoData meta;
	bytea	   *blob;

	PreventCommandDuringRecovery("seq_model_import()");
	PreventCommandIfReadOnly("seq_model_import()");
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(CITUS_STORE, name, 0);

	ImportState(state, &model, &x);

	/* the metadata of a model with no training behind it */
	a = &model.arch;
	initStringInfo(&meta);
	appendStringInfo(&meta, "{\"format\": %d, \"options\": {\"name\": ",
					 model.n_exog > 0 || x.time.kind != SF_TIME_NONE ?
					 SF_FORMAT_NEWEST : SF_FORMAT_VERSION);
	escape_json(&meta, name);
	appendStringInfo(&meta, ", \"kind\": \"%s\", \"window\": %d, \"hidden\": %d, "
					 "\"layers\": %d, \"head\": [",
					 sf_kind_name(a->kind), a->window, a->hidden, a->layers);
	for (int j = 0; j < a->n_head; j++)
		appendStringInfo(&meta, "%s%d", j ? ", " : "", a->head[j]);
	appendStringInfoChar(&meta, ']');
	/* a min-max single network keeps 1.0's options; others say what they are */
	if (model.prep.norm != SF_NORM_MINMAX || model.n_members > 1)
		appendStringInfo(&meta, ", \"normalize\": \"%s\", \"ensemble\": %d",
						 sf_norm_name(model.prep.norm), model.n_members);
	if (model.prep.norm != SF_NORM_MINMAX)
		appendStringInfo(&meta, ", \"level\": %d, \"season\": %d, \"deseasonalize\": %s",
						 model.prep.level, model.prep.season,
						 model.prep.season > 0 ? "true" : "false");
	if (x.n_cov > 0)
	{
		appendStringInfoString(&meta, ", \"features\": [");
		for (int j = 0; j < x.n_cov; j++)
		{
			if (j)
				appendStringInfoString(&meta, ", ");
			escape_json(&meta, x.names[j]);
		}
		appendStringInfoChar(&meta, ']');
	}
	if (x.time.kind != SF_TIME_NONE)
	{
		SfTime		t;

		/* the options the time-aware training records (timeaxis.c) */
		memset(&t, 0, sizeof(t));
		t.months = x.time.months;
		t.days = x.time.days;
		t.usecs = x.time.micros;
		appendStringInfoString(&meta, ", \"frequency\": ");
		escape_json(&meta, FrequencyText(&t));
		appendStringInfo(&meta, ", \"gaps\": \"%s\", \"calendar\": [",
						 gaps_names[x.time.gaps]);
		AppendCalendarNames(&meta, model.calendar);
		appendStringInfoChar(&meta, ']');
	}
	appendStringInfoString(&meta, ", \"imported\": true}, \"metrics\": {}, "
						   "\"loss\": [], \"val_loss\": null");
	if (x.time.kind != SF_TIME_NONE)
		appendStringInfo(&meta, ", \"time\": {\"kind\": \"%s\", \"month_end\": %s}",
						 time_kind_names[x.time.kind], x.month_end ? "true" : "false");
	appendStringInfoChar(&meta, '}');

	/* the encoder of the training path: format 3 for exog columns or time */
	blob = EncodeModelTime(&model, &x.time, NULL, 0, 0, NULL, 0, meta.data);
	/* what is stored must decode: the decoder's own checks, once more */
	(void) DecodeModel(blob);
	PG_RETURN_INT64(StoreModel(fcinfo->flinfo->fn_oid, name, blob));
}
