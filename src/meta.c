/*
 * meta.c
 *	  The metadata of a serialized model: its encoding, its shape, and its
 *	  agreement with the seq_model row that holds the model.
 *
 * The metadata is JSON text in UTF-8 (FORMAT.md, "Metadata").  A model is
 * written with its metadata converted from the database encoding to UTF-8
 * (MetaToUtf8) and read back through MetaCheck, which every decoded model
 * goes through: it checks the encoding, the JSON and the members that the
 * model table is filled from, and hands the text on in the database
 * encoding.  So a model means the same in a database of any encoding, and
 * nothing that is not valid in the database encoding reaches a column, an
 * error message or a plot.  seq_model_valid, the check constraint of
 * seq_model, decodes the row's model and compares its metadata with the
 * row's columns.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"

#include "pg_compat.h"
#include "seqforecast.h"

/*
 * Nesting allowed in the metadata.  The writers nest three levels deep; the
 * cap leaves room for additions and makes a deeply nested value a clean
 * refusal, the same whatever max_stack_depth is, rather than a stack-depth
 * error (a row's validity must not depend on a setting).
 */
#define META_MAX_DEPTH 64

/* The longest text of the metadata quoted in an error, in bytes. */
#define META_MAX_QUOTE 160

/* The members the model table is filled from. */
enum
{
	MEMBER_OPTIONS,
	MEMBER_METRICS,
	MEMBER_LOSS,
	MEMBER_VAL_LOSS,
	N_MEMBERS,
	MEMBER_OTHER = N_MEMBERS
};

static const char *const member_names[N_MEMBERS] = {
	"options", "metrics", "loss", "val_loss"
};

/* What the parse found so far. */
typedef struct MetaShape
{
	int			depth;
	int			member;			/* the top-level member being read */
	int			element;		/* elements of loss or val_loss seen */
	bool		seen[N_MEMBERS];
	JsonTokenType type[N_MEMBERS];	/* JSON_TOKEN_OBJECT_START, ... */
} MetaShape;

static void
MetaRefuse(const char *fmt,...) pg_attribute_printf(1, 2);

/* Raise the decoder's error, 22P03, with the problem as the detail. */
static void
MetaRefuse(const char *fmt,...)
{
	char		detail[256];
	va_list		ap;

	/* every argument is a number or text of at most META_MAX_QUOTE bytes */
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid seqforecast model"),
			 errdetail("%s", detail)));
}

/* A value starts: an object or array opening one more level. */
static void
MetaOpen(MetaShape *s, JsonTokenType type)
{
	s->depth++;
	if (s->depth > META_MAX_DEPTH)
		MetaRefuse("The metadata is nested deeper than %d levels.", META_MAX_DEPTH);
	if (s->depth == 1 && type != JSON_TOKEN_OBJECT_START)
		MetaRefuse("The metadata is not a JSON object.");
	if (s->depth == 2 && s->member != MEMBER_OTHER)
		s->type[s->member] = type;
	if (s->depth == 3 && (s->member == MEMBER_LOSS || s->member == MEMBER_VAL_LOSS) &&
		s->type[s->member] == JSON_TOKEN_ARRAY_START)
		MetaRefuse("Element %d of the metadata's \"%s\" is not a number.",
				   s->element, member_names[s->member]);
}

static SfJsonResult
MetaObjectStart(void *state)
{
	MetaOpen((MetaShape *) state, JSON_TOKEN_OBJECT_START);
	return SF_JSON_OK;
}

static SfJsonResult
MetaArrayStart(void *state)
{
	MetaOpen((MetaShape *) state, JSON_TOKEN_ARRAY_START);
	return SF_JSON_OK;
}

static SfJsonResult
MetaClose(void *state)
{
	((MetaShape *) state)->depth--;
	return SF_JSON_OK;
}

static SfJsonResult
MetaField(void *state, char *fname, bool isnull)
{
	MetaShape  *s = (MetaShape *) state;

	(void) isnull;
	if (s->depth != 1)
		return SF_JSON_OK;
	s->member = MEMBER_OTHER;
	s->element = 0;
	for (int i = 0; i < N_MEMBERS; i++)
		if (strcmp(fname, member_names[i]) == 0)
		{
			if (s->seen[i])
				MetaRefuse("The metadata has \"%s\" twice.", member_names[i]);
			s->seen[i] = true;
			s->member = i;
		}
	return SF_JSON_OK;
}

static SfJsonResult
MetaElement(void *state, bool isnull)
{
	(void) isnull;
	((MetaShape *) state)->element++;
	return SF_JSON_OK;
}

/*
 * Whether a JSON number token (the lexer has checked its syntax) is one
 * that numeric, hence jsonb, can hold: numeric refuses a value with more
 * than about 131,000 digits before the decimal point or more than 16,383
 * after it, which an exponent such as 1e400000 asks for.  The limits here
 * are a little inside numeric's.
 */
static bool
NumberFitsNumeric(const char *token)
{
	const char *p = token;
	long		before = 0,		/* significant digits before the point */
				after = 0,		/* digits after it */
				exponent = 0;
	bool		leading = true;

	if (*p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (*p != '0')
			leading = false;
		if (!leading)
			before++;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			after++;
	if (*p == 'e' || *p == 'E')
	{
		bool		negative;

		p++;
		negative = *p == '-';
		if (*p == '-' || *p == '+')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			if (exponent < 1000000)
				exponent = exponent * 10 + (*p - '0');
		if (negative)
			exponent = -exponent;
	}
	return before + exponent <= 131000 && after - exponent <= 16000;
}

/*
 * A scalar: the value of a top-level member, or an element of loss or
 * val_loss, which must be a number that float8 can hold (the table stores
 * the losses as float8[]) or null.
 */
static SfJsonResult
MetaScalar(void *state, char *token, JsonTokenType type)
{
	MetaShape  *s = (MetaShape *) state;

	if (s->depth == 0)
		MetaRefuse("The metadata is not a JSON object.");
	if (type == JSON_TOKEN_NUMBER && !NumberFitsNumeric(token))
		MetaRefuse("The metadata holds a number out of range for jsonb: %.40s%s",
				   token, strlen(token) > 40 ? "..." : "");
	if (s->depth == 1 && s->member != MEMBER_OTHER)
		s->type[s->member] = type;
	if (s->depth == 2 && (s->member == MEMBER_LOSS || s->member == MEMBER_VAL_LOSS) &&
		s->type[s->member] == JSON_TOKEN_ARRAY_START)
	{
		if (type == JSON_TOKEN_NULL)
			return SF_JSON_OK;
		if (type != JSON_TOKEN_NUMBER)
			MetaRefuse("Element %d of the metadata's \"%s\" is not a number.",
					   s->element, member_names[s->member]);
		if (!SfFloat8Reads(token))
			MetaRefuse("Element %d of the metadata's \"%s\" is out of range for double precision.",
					   s->element, member_names[s->member]);
	}
	return SF_JSON_OK;
}

/*
 * The JSON parser's complaint, made safe to show: when the text was parsed
 * as UTF-8 in a database of another encoding, the token it quotes is shown
 * with its non-ASCII bytes as '?'; otherwise the token is text valid in the
 * database encoding (the lexer ends a token at an ASCII byte, never inside
 * a character).
 */
static char *
ParseProblem(JsonParseErrorType rc, JsonLexContext *lex, bool foreign)
{
	char	   *detail = json_errdetail(rc, lex);
	int			len = (int) strlen(detail);

	if (foreign)
		for (char *p = detail; *p; p++)
			if (IS_HIGHBIT_SET(*p))
				*p = '?';
	/* a long token is cut, on a character boundary */
	if (len > META_MAX_QUOTE)
	{
		len = pg_mbcliplen(detail, len, META_MAX_QUOTE - 3);
		strcpy(detail + len, "...");
	}
	return detail;
}

/*
 * Check the metadata of a decoded model (len bytes at meta, NUL-terminated,
 * no zero byte inside: the codec saw to that) and return it in the database
 * encoding.  Anything wrong is 22P03 naming the problem.
 *
 * The text must be UTF-8.  Version 1.0 wrote the metadata in the encoding
 * of the database that trained the model, so in a database whose encoding
 * is not UTF-8, metadata that is not UTF-8 but valid in that encoding is
 * taken as such a model's, as it is.
 *
 * The JSON must be an object with "options" and "metrics" objects, a "loss"
 * array and a "val_loss" array or null, the arrays holding numbers (within
 * float8's range) or nulls, nested at most META_MAX_DEPTH levels deep, no
 * member of these four given twice.  Other members are free.  Empty
 * metadata passes: a model given as bytea needs none to forecast (storing
 * it does, see StoreModelTimed).
 */
char *
MetaCheck(char *meta, size_t len)
{
	int			db = GetDatabaseEncoding();
	int			encoding = PG_UTF8;
	JsonLexContext *lex;
	JsonSemAction sem;
	MetaShape	shape;
	JsonParseErrorType rc;

	if (len == 0)
		return meta;
	if (len > (size_t) PG_INT32_MAX)
		MetaRefuse("The metadata is too long.");
	if (!pg_verify_mbstr(PG_UTF8, meta, (int) len, true))
	{
		int			valid = pg_encoding_verifymbstr(PG_UTF8, meta, (int) len);

		if (db == PG_UTF8 || !pg_verify_mbstr(db, meta, (int) len, true))
			MetaRefuse("The metadata is not valid UTF-8: byte 0x%02x at offset %d.",
					   (unsigned char) meta[valid], valid);
		encoding = db;			/* written by 1.0 in this database */
	}

	memset(&shape, 0, sizeof(shape));
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &shape;
	sem.object_start = MetaObjectStart;
	sem.object_end = MetaClose;
	sem.array_start = MetaArrayStart;
	sem.array_end = MetaClose;
	sem.object_field_start = MetaField;
	sem.array_element_start = MetaElement;
	sem.scalar = MetaScalar;
	lex = SfJsonLexer(meta, (int) len, encoding, true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
		MetaRefuse("The metadata is not valid JSON: %s",
				   ParseProblem(rc, lex, encoding != db));

	for (int i = 0; i < N_MEMBERS; i++)
	{
		JsonTokenType t = shape.type[i];

		if (!shape.seen[i] && i != MEMBER_VAL_LOSS)
			MetaRefuse("The metadata has no \"%s\".", member_names[i]);
		if (!shape.seen[i])
			continue;
		if (i <= MEMBER_METRICS && t != JSON_TOKEN_OBJECT_START)
			MetaRefuse("The metadata's \"%s\" is not an object.", member_names[i]);
		if (i == MEMBER_LOSS && t != JSON_TOKEN_ARRAY_START)
			MetaRefuse("The metadata's \"loss\" is not an array.");
		if (i == MEMBER_VAL_LOSS && t != JSON_TOKEN_ARRAY_START && t != JSON_TOKEN_NULL)
			MetaRefuse("The metadata's \"val_loss\" is neither an array nor null.");
	}

	if (encoding == db || db == PG_SQL_ASCII)
		return meta;
	return MetaToServer(meta, len);
}

/*
 * UTF-8 metadata in the database encoding.  A character the database
 * encoding has no equivalent for is 22P05: the model cannot be used here.
 */
char *
MetaToServer(char *meta, size_t len)
{
	int			db = GetDatabaseEncoding();
	Oid			proc = FindDefaultConversionProc(PG_UTF8, db);
	size_t		cap = len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *out;
	int			done;

	if (!OidIsValid(proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("no conversion from UTF8 to database encoding \"%s\"",
						GetDatabaseEncodingName()),
				 errdetail("The metadata of a model is in UTF-8.")));
	out = palloc_extended(cap, MCXT_ALLOC_HUGE);
	done = pg_do_encoding_conversion_buf(proc, PG_UTF8, db,
										 (unsigned char *) meta, (int) len,
										 out, (int) Min(cap, (size_t) PG_INT32_MAX),
										 true);
	if ((size_t) done < len)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("model metadata cannot be represented in database encoding \"%s\"",
						GetDatabaseEncodingName()),
				 errdetail("The metadata (names, options, metrics) holds a character at byte %d that %s has no equivalent for.",
						   done, GetDatabaseEncodingName()),
				 errhint("Use the model in a database whose encoding has every character of its name and options, such as UTF8.")));
	return (char *) out;
}

/*
 * The metadata of a model about to be written, converted from the database
 * encoding to UTF-8.  In a SQL_ASCII database, which does not say what its
 * non-ASCII bytes mean, they must already be UTF-8.
 */
const char *
MetaToUtf8(const char *meta)
{
	int			len = (int) strlen(meta);

	if (GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		if (!pg_verify_mbstr(PG_UTF8, meta, len, true))
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("model name and options must be valid UTF-8 in a SQL_ASCII database"),
					 errdetail("seqforecast keeps them in UTF-8, and SQL_ASCII does not say what other bytes mean.")));
		return meta;
	}
	return pg_server_to_any(meta, len, PG_UTF8);
}

/*
 * A text option (the name, say) of a training: in a SQL_ASCII database it
 * must be UTF-8, checked before the training rather than after it.
 */
void
CheckOptionText(const char *key, const char *value, int len)
{
	if (GetDatabaseEncoding() == PG_SQL_ASCII &&
		!pg_verify_mbstr(PG_UTF8, value, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be valid UTF-8 in a SQL_ASCII database", key),
				 errdetail("seqforecast keeps names and text options in UTF-8, and SQL_ASCII does not say what other bytes mean.")));
}

/* --- seq_model_valid: the check constraint of seq_model --- */

static void
Disagree(const char *fmt,...) pg_attribute_printf(1, 2);

static void
Disagree(const char *fmt,...)
{
	char		detail[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("seq_model row does not agree with its model"),
			 errdetail("%s", detail),
			 errhint("Store models with seq_train, seq_model_save or seq_model_import, which fill the columns from the model.")));
}

/* A member of the metadata as a jsonb value of its own. */
static Jsonb *
Member(Jsonb *meta, const char *key)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(&meta->root, key, strlen(key), &v))
		return NULL;
	return JsonbValueToJsonb(&v);
}

/* a and b, objects, are equal once key is removed from both. */
static bool
EqualWithout(Jsonb *a, Jsonb *b, const char *key)
{
	Datum		k = CStringGetTextDatum(key);
	Jsonb	   *a2 = DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(a), k));
	Jsonb	   *b2 = DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(b), k));

	return compareJsonbContainers(&a2->root, &b2->root) == 0;
}

/*
 * The losses column against the metadata's array (NULL for val_loss null):
 * seq_model keeps an empty array as NULL, and a number as the float8 that
 * casting it gives.
 */
static bool
LossAgrees(ArrayType *column, Jsonb *meta)
{
	int			n_meta = 0;
	Datum	   *values;
	bool	   *nulls;
	int			n;

	if (meta && JB_ROOT_IS_ARRAY(meta) && !JB_ROOT_IS_SCALAR(meta))
		n_meta = (int) JB_ROOT_COUNT(meta);
	if (column == NULL || ARR_NDIM(column) == 0)
		return n_meta == 0;
	if (ARR_NDIM(column) != 1)
		return false;
	deconstruct_array(column, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &values, &nulls, &n);
	if (n != n_meta)
		return false;
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(&meta->root, (uint32) i);

		if (e->type == jbvNull)
		{
			if (!nulls[i])
				return false;
		}
		else if (nulls[i] || e->type != jbvNumeric ||
				 DatumGetFloat8(values[i]) !=
				 DatumGetFloat8(DirectFunctionCall1(numeric_float8,
													NumericGetDatum(e->val.numeric))))
			return false;
	}
	return true;
}

PG_FUNCTION_INFO_V1(seq_model_valid);

/*
 * seq_model_valid(model, name, kind, options, metrics, loss, val_loss) ->
 * boolean: true when the model decodes (22P03 when it does not) and the
 * columns are what storing it writes (23514 naming the column when not):
 * kind is the model's kind; options are the metadata's options with "name"
 * set to the row's name; metrics are the metadata's metrics, except
 * "train_seconds", which seq_train adds (a number when present); loss and
 * val_loss are the metadata's arrays as float8[] (NULL for an empty array
 * or null).
 */
Datum
seq_model_valid(PG_FUNCTION_ARGS)
{
	SfModel    *m;
	char	   *name;
	char	   *kind;
	Jsonb	   *options;
	Jsonb	   *metrics;
	Jsonb	   *meta;
	JsonbValue	v;

	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			PG_RETURN_BOOL(false);
	m = DecodeModel(PG_GETARG_BYTEA_PP(0));
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(2));
	options = PG_GETARG_JSONB_P(3);
	metrics = PG_GETARG_JSONB_P(4);

	if (m->meta[0] == '\0')
		MetaRefuse("The model has no metadata section.");
	if (strcmp(kind, sf_kind_name(m->core.arch.kind)) != 0)
		Disagree("The kind column does not match the model, whose kind is %s.",
				 sf_kind_name(m->core.arch.kind));
	meta = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(m->meta)));

	if (!JB_ROOT_IS_OBJECT(options) || JB_ROOT_IS_SCALAR(options) ||
		!getKeyJsonValueFromContainer(&options->root, "name", 4, &v) ||
		v.type != jbvString || (size_t) v.val.string.len != strlen(name) ||
		memcmp(v.val.string.val, name, v.val.string.len) != 0)
		Disagree("The options column does not hold the row's name as \"name\".");
	if (!EqualWithout(options, Member(meta, "options"), "name"))
		Disagree("The options column is not the model's options.");

	if (!JB_ROOT_IS_OBJECT(metrics) || JB_ROOT_IS_SCALAR(metrics))
		Disagree("The metrics column is not an object.");
	if (getKeyJsonValueFromContainer(&metrics->root, "train_seconds", 13, &v) &&
		v.type != jbvNumeric)
		Disagree("The metrics column's \"train_seconds\" is not a number.");
	if (!EqualWithout(metrics, Member(meta, "metrics"), "train_seconds"))
		Disagree("The metrics column is not the model's metrics.");

	if (!LossAgrees(PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5),
					Member(meta, "loss")))
		Disagree("The loss column is not the model's training loss.");
	if (!LossAgrees(PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6),
					Member(meta, "val_loss")))
		Disagree("The val_loss column is not the model's validation loss.");
	PG_RETURN_BOOL(true);
}
