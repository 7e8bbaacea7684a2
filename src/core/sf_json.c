/*
 * sf_json.c
 *	  The interchange JSON of SPEC.md and FORMAT.md: a small strict JSON
 *	  reader, and the import and export of a model with PyTorch's state_dict
 *	  names, shapes and row-major layout.
 *
 * Import reads untrusted text, so it works in three passes over it.  The
 * first checks the syntax of the whole document (nesting depth capped) and
 * notes where each known top-level key's value starts.  The second reads the
 * architecture and the transform ("normalize", of a window-normalized
 * model), checks them against the caps of sf_core.h, and checks every
 * tensor's name, shape, value count and values, in "tensors" and in each
 * network of an ensemble's "members", without storing anything.
 * Only a document that passed both gets its parameter array allocated,
 * through the caller's callback, and the third pass fills it.  So nothing is
 * allocated for a refused document, and the allocation is never larger than
 * the numbers the document actually holds.
 *
 * Errors come back as a code and a message in a caller-provided buffer:
 * SF_EJSON when the text is not a well-formed interchange object (syntax, a
 * missing key, a value of the wrong JSON type), SF_EINVAL when it is
 * well-formed but a value is unacceptable (unknown kind, size out of range,
 * a tensor of the wrong name, shape or count, a number out of float32
 * range).  Messages are lowercase phrases without a final period, ready to
 * be a primary error message.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_core.h"

#define IS_DOUBLE (sizeof(sf_real) == sizeof(double))

/* Let GCC and Clang check the format strings of Fail and Put. */
#if defined(__GNUC__)
#define SF_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define SF_PRINTF_LIKE(f, a)
#endif

/* Longest tensor or key name compared; longer ones match nothing. */
#define NAME_MAX_BYTES 64

/*
 * Numbers below this in magnitude round to a finite float32 (it is halfway
 * between FLT_MAX and 2^128); the shortest form of FLT_MAX, 3.4028235e38,
 * lies above FLT_MAX itself.
 */
#define FLOAT_LIMIT 0x1.ffffffp+127

/* Significant digits kept when converting a number (see ConvertNumber). */
#define NUMBER_DIGITS 40

typedef struct Reader
{
	const char *s;
	size_t		len;
	size_t		pos;
	char	   *err;
	size_t		errlen;
	int			code;			/* SF_OK until the first error */
} Reader;

static int	Fail(Reader *r, int code, const char *fmt,...) SF_PRINTF_LIKE(3, 4);

/* Record the first error; always returns -1 so callers can return it. */
static int
Fail(Reader *r, int code, const char *fmt,...)
{
	va_list		ap;

	if (r->code != SF_OK)
		return -1;
	r->code = code;
	if (r->err && r->errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * A name fit to quote in a message: printable ASCII kept, anything else
 * (quotes, backslashes, control or non-ASCII bytes) shown as '?', cut short
 * with "..." when long.  out holds at least 48 bytes.
 */
static const char *
MakePrintable(const char *name, size_t len, char *out)
{
	size_t		n = 0;

	for (size_t i = 0; i < len && n < 40; i++)
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

static void
SkipWs(Reader *r)
{
	while (r->pos < r->len)
	{
		char		c = r->s[r->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

static int
Peek(Reader *r)
{
	SkipWs(r);
	return r->pos < r->len ? (unsigned char) r->s[r->pos] : -1;
}

static int
FailSyntax(Reader *r, const char *what)
{
	if (r->pos >= r->len)
		return Fail(r, SF_EJSON, "invalid JSON: the text ends where %s was expected",
					what);
	return Fail(r, SF_EJSON, "invalid JSON at byte %zu: expected %s",
				r->pos, what);
}

static int
Expect(Reader *r, char c, const char *what)
{
	if (Peek(r) != (unsigned char) c)
		return FailSyntax(r, what);
	r->pos++;
	return 0;
}

static int
ParseHexDigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at pos; -1 if they are not there. */
static long
ReadHex4(Reader *r)
{
	long		v = 0;

	if (r->len - r->pos < 4)
		return -1;
	for (int i = 0; i < 4; i++)
	{
		int			d = ParseHexDigit((unsigned char) r->s[r->pos + i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	r->pos += 4;
	return v;
}

/* Append one byte of a decoded string, counting what does not fit. */
static void
PutByte(char *buf, size_t cap, size_t *n, unsigned char c)
{
	if (*n + 1 < cap)
		buf[*n] = (char) c;
	(*n)++;
}

static void
PutCodePoint(char *buf, size_t cap, size_t *n, long cp)
{
	if (cp < 0x80)
		PutByte(buf, cap, n, (unsigned char) cp);
	else if (cp < 0x800)
	{
		PutByte(buf, cap, n, (unsigned char) (0xC0 | (cp >> 6)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		PutByte(buf, cap, n, (unsigned char) (0xE0 | (cp >> 12)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | ((cp >> 6) & 0x3F)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		PutByte(buf, cap, n, (unsigned char) (0xF0 | (cp >> 18)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | ((cp >> 12) & 0x3F)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | ((cp >> 6) & 0x3F)));
		PutByte(buf, cap, n, (unsigned char) (0x80 | (cp & 0x3F)));
	}
}

/*
 * Length of the well-formed UTF-8 sequence at p (at most avail bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
MeasureUtf8(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t		n;
	unsigned char lo = 0x80,
				hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;
	if (avail < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/*
 * The string at pos, decoded into buf (cap bytes, NUL-terminated, cut when
 * it does not fit; buf may be NULL with cap 0).  *out_len gets the full
 * decoded length, so a caller sees a cut string as *out_len >= cap.
 */
static int
ReadString(Reader *r, char *buf, size_t cap, size_t *out_len)
{
	size_t		n = 0;

	if (Expect(r, '"', "a string") < 0)
		return -1;
	for (;;)
	{
		unsigned char c;

		if (r->pos >= r->len)
			return Fail(r, SF_EJSON, "invalid JSON: unterminated string");
		c = (unsigned char) r->s[r->pos];
		if (c == '"')
		{
			r->pos++;
			break;
		}
		if (c < 0x20)
			return Fail(r, SF_EJSON, "invalid JSON at byte %zu: control character in a string",
						r->pos);
		if (c == '\\')
		{
			int			e;
			long		cp;

			if (r->pos + 1 >= r->len)
				return Fail(r, SF_EJSON, "invalid JSON: unterminated string");
			e = (unsigned char) r->s[r->pos + 1];
			r->pos += 2;
			switch (e)
			{
				case '"':
				case '\\':
				case '/':
					PutByte(buf, cap, &n, (unsigned char) e);
					break;
				case 'b':
					PutByte(buf, cap, &n, '\b');
					break;
				case 'f':
					PutByte(buf, cap, &n, '\f');
					break;
				case 'n':
					PutByte(buf, cap, &n, '\n');
					break;
				case 'r':
					PutByte(buf, cap, &n, '\r');
					break;
				case 't':
					PutByte(buf, cap, &n, '\t');
					break;
				case 'u':
					cp = ReadHex4(r);
					if (cp < 0)
						return Fail(r, SF_EJSON, "invalid JSON at byte %zu: bad \\u escape",
									r->pos);
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						return Fail(r, SF_EJSON, "invalid JSON at byte %zu: unpaired surrogate in \\u escape",
									r->pos);
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo;

						if (r->len - r->pos < 2 || r->s[r->pos] != '\\' ||
							r->s[r->pos + 1] != 'u')
							return Fail(r, SF_EJSON, "invalid JSON at byte %zu: unpaired surrogate in \\u escape",
										r->pos);
						r->pos += 2;
						lo = ReadHex4(r);
						if (lo < 0xDC00 || lo > 0xDFFF)
							return Fail(r, SF_EJSON, "invalid JSON at byte %zu: unpaired surrogate in \\u escape",
										r->pos);
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					if (cp == 0)
						return Fail(r, SF_EJSON, "invalid JSON at byte %zu: \\u0000 is not allowed in a string",
									r->pos);
					PutCodePoint(buf, cap, &n, cp);
					break;
				default:
					return Fail(r, SF_EJSON, "invalid JSON at byte %zu: bad escape in a string",
								r->pos - 1);
			}
			continue;
		}
		if (c >= 0x80)
		{
			size_t		k = MeasureUtf8((const unsigned char *) r->s + r->pos,
									   r->len - r->pos);

			if (k == 0)
				return Fail(r, SF_EJSON, "invalid JSON at byte %zu: invalid UTF-8 in a string",
							r->pos);
			for (size_t i = 0; i < k; i++)
				PutByte(buf, cap, &n, (unsigned char) r->s[r->pos + i]);
			r->pos += k;
			continue;
		}
		PutByte(buf, cap, &n, c);
		r->pos++;
	}
	if (cap > 0)
		buf[n < cap ? n : cap - 1] = '\0';
	if (out_len)
		*out_len = n;
	return 0;
}

/*
 * Convert a number token that passed the grammar check.  strtod wants a
 * terminated string and a token can be arbitrarily long (PostgreSQL's jsonb
 * prints 1e-30 as 0.000...01), so the token is first normalized into a short
 * buffer: the first NUMBER_DIGITS significant digits, a final 1 standing for
 * any nonzero digits dropped (so rounding still sees them), and a decimal
 * exponent clamped far outside double's range.
 */
static double
ConvertNumber(const char *p, size_t n)
{
	char		buf[NUMBER_DIGITS + 32];
	size_t		i = 0;
	int			neg = 0;
	int			nd = 0;			/* significant digits kept */
	int			dropped = 0;	/* a nonzero digit was dropped */
	long		exp10 = 0;		/* value = 0.<digits> * 10^exp10 */
	long		e = 0;
	int			eneg = 0;
	int			seen_nonzero = 0;
	int			len;

	if (i < n && p[i] == '-')
	{
		neg = 1;
		i++;
	}
	buf[0] = '0';
	buf[1] = '.';
	/* integer part: every digit after the first nonzero one raises exp10 */
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
	{
		if (p[i] != '0')
			seen_nonzero = 1;
		if (!seen_nonzero)
			continue;
		exp10++;
		if (nd < NUMBER_DIGITS)
			buf[2 + nd++] = p[i];
		else if (p[i] != '0')
			dropped = 1;
	}
	if (i < n && p[i] == '.')
	{
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		{
			if (!seen_nonzero)
			{
				if (p[i] == '0')
				{
					exp10--;
					continue;
				}
				seen_nonzero = 1;
			}
			if (nd < NUMBER_DIGITS)
				buf[2 + nd++] = p[i];
			else if (p[i] != '0')
				dropped = 1;
		}
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E'))
	{
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			eneg = p[i++] == '-';
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if (e < 1000000)
				e = e * 10 + (p[i] - '0');
	}
	if (!seen_nonzero)
		return neg ? -0.0 : 0.0;
	if (dropped)
		buf[2 + nd++] = '1';
	exp10 += eneg ? -e : e;
	if (exp10 > 1000000)
		exp10 = 1000000;
	if (exp10 < -1000000)
		exp10 = -1000000;
	len = 2 + nd;
	snprintf(buf + len, sizeof(buf) - (size_t) len, "e%ld", exp10);
	return neg ? -strtod(buf, NULL) : strtod(buf, NULL);
}

/* A number at pos, checked against JSON's grammar and converted. */
static int
ReadNumber(Reader *r, double *out)
{
	size_t		start,
				i;
	const char *s = r->s;

	SkipWs(r);
	start = i = r->pos;
	if (i < r->len && s[i] == '-')
		i++;
	if (i >= r->len || s[i] < '0' || s[i] > '9')
		return FailSyntax(r, "a number");
	if (s[i] == '0')
		i++;
	else
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i < r->len && s[i] == '.')
	{
		i++;
		if (i >= r->len || s[i] < '0' || s[i] > '9')
			return Fail(r, SF_EJSON, "invalid JSON at byte %zu: digits expected after the decimal point", i);
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < r->len && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < r->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= r->len || s[i] < '0' || s[i] > '9')
			return Fail(r, SF_EJSON, "invalid JSON at byte %zu: digits expected in the exponent", i);
		while (i < r->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	r->pos = i;
	if (out)
		*out = ConvertNumber(s + start, i - start);
	return 0;
}

static int
ReadLiteral(Reader *r, const char *word)
{
	size_t		n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return FailSyntax(r, "a JSON value");
	r->pos += n;
	return 0;
}

/* Object and array iteration.  Next returns 1 for a member, 0 at the end. */
static int
ObjectOpen(Reader *r, int depth)
{
	if (depth > SF_JSON_MAX_DEPTH)
		return Fail(r, SF_EJSON, "invalid JSON at byte %zu: nested deeper than %d levels",
					r->pos, SF_JSON_MAX_DEPTH);
	return Expect(r, '{', "an object");
}

static int
ObjectNext(Reader *r, int *count, char *key, size_t cap, size_t *key_len)
{
	int			c = Peek(r);

	if (c == '}')
	{
		r->pos++;
		return 0;
	}
	if (*count > 0)
	{
		if (c != ',')
			return FailSyntax(r, "',' or '}'");
		r->pos++;
		c = Peek(r);
	}
	if (c != '"')
		return FailSyntax(r, *count > 0 ? "a key" : "a key or '}'");
	if (ReadString(r, key, cap, key_len) < 0 || Expect(r, ':', "':'") < 0)
		return -1;
	(*count)++;
	SkipWs(r);
	return 1;
}

static int
ArrayOpen(Reader *r, int depth)
{
	if (depth > SF_JSON_MAX_DEPTH)
		return Fail(r, SF_EJSON, "invalid JSON at byte %zu: nested deeper than %d levels",
					r->pos, SF_JSON_MAX_DEPTH);
	return Expect(r, '[', "an array");
}

static int
ArrayNext(Reader *r, int *count)
{
	int			c = Peek(r);

	if (c == ']')
	{
		r->pos++;
		return 0;
	}
	if (*count > 0)
	{
		if (c != ',')
			return FailSyntax(r, "',' or ']'");
		r->pos++;
		c = Peek(r);
	}
	if (c < 0)
		return FailSyntax(r, "a JSON value");
	(*count)++;
	return 1;
}

/* Check any value's syntax and move past it; depth is its nesting level. */
static int
SkipValue(Reader *r, int depth)
{
	int			c = Peek(r);
	int			count = 0;
	int			more;

	switch (c)
	{
		case '{':
			if (ObjectOpen(r, depth) < 0)
				return -1;
			while ((more = ObjectNext(r, &count, NULL, 0, NULL)) == 1)
				if (SkipValue(r, depth + 1) < 0)
					return -1;
			return more;
		case '[':
			if (ArrayOpen(r, depth) < 0)
				return -1;
			while ((more = ArrayNext(r, &count)) == 1)
				if (SkipValue(r, depth + 1) < 0)
					return -1;
			return more;
		case '"':
			return ReadString(r, NULL, 0, NULL);
		case 't':
			return ReadLiteral(r, "true");
		case 'f':
			return ReadLiteral(r, "false");
		case 'n':
			return ReadLiteral(r, "null");
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
				return ReadNumber(r, NULL);
			return FailSyntax(r, "a JSON value");
	}
}

/* The JSON type of the value at pos, for "must be" checks. */
static int
IsNumberStart(Reader *r)
{
	int			c = Peek(r);

	return c == '-' || (c >= '0' && c <= '9');
}

/*
 * An integer-valued number for key (its dotted name, for messages), at most
 * max in magnitude or it is reported out of range as min..max.
 */
static int
ReadInt(Reader *r, const char *key, long min, long max, long *out)
{
	double		v;

	if (!IsNumberStart(r))
		return Fail(r, SF_EJSON, "key \"%s\" must be a number", key);
	if (ReadNumber(r, &v) < 0)
		return -1;
	if (!(v == floor(v)) || v < (double) min || v > (double) max)
		return Fail(r, SF_EINVAL, "%s must be an integer between %ld and %ld",
					key, min, max);
	*out = (long) v;
	return 0;
}

/* A finite number for key. */
static int
ReadDouble(Reader *r, const char *key, double *out)
{
	if (!IsNumberStart(r))
		return Fail(r, SF_EJSON, "key \"%s\" must be a number", key);
	if (ReadNumber(r, out) < 0)
		return -1;
	if (!isfinite(*out))
		return Fail(r, SF_EINVAL, "%s is out of range", key);
	return 0;
}

/* "[a, b]" for a shape of n dimensions (dims holds min(n, 4) of them). */
static const char *
FormatShape(const double *dims, int n, char *out, size_t cap)
{
	size_t		used = 0;

	out[0] = '\0';
	used += (size_t) snprintf(out, cap, "[");
	for (int i = 0; i < n && i < 4 && used < cap; i++)
		used += (size_t) snprintf(out + used, cap - used, "%s%.0f", i ? ", " : "", dims[i]);
	if (n > 4 && used < cap)
		used += (size_t) snprintf(out + used, cap - used, ", ...");
	if (used < cap)
		snprintf(out + used, cap - used, "]");
	return out;
}

static const char *
FormatExpectedShape(const sf_tensor *t, char *out, size_t cap)
{
	double		dims[2] = {(double) t->shape[0], (double) t->shape[1]};

	return FormatShape(dims, t->ndim, out, cap);
}

/*
 * A number within FLOAT_LIMIT as a weight: those beyond FLT_MAX (which still
 * round to it) clamped, as PyTorch's float32 conversion rounds them.
 */
static sf_real
ToReal(double v)
{
	if (fabs(v) > FLT_MAX)
		v = copysign(FLT_MAX, v);
	return (sf_real) v;
}

/*
 * The tensor object at pos: its shape must be t's and its data t->size
 * numbers in float32 range.  They are stored in dst when it is not NULL;
 * *data_at (when not NULL) gets where the data array starts.  `of` follows
 * the tensor's name in messages: "" for "tensors", " of members[k]" for a
 * member's.
 */
static int
ReadTensor(Reader *r, size_t pos, const sf_tensor *t, const char *of,
		   sf_real *dst, size_t *data_pos)
{
	char		key[NAME_MAX_BYTES];
	char		shape_txt[96],
				want_txt[96];
	size_t		key_len;
	size_t		shape_at = 0,
				data_at = 0;
	int			count = 0,
				more;
	double		dims[4];
	int			ndim = 0;
	size_t		n = 0;

	r->pos = pos;
	if (Peek(r) != '{')
		return Fail(r, SF_EJSON, "tensor \"%s\"%s must be an object with \"shape\" and \"data\"",
					t->name, of);
	if (ObjectOpen(r, 2) < 0)
		return -1;
	while ((more = ObjectNext(r, &count, key, sizeof(key), &key_len)) == 1)
	{
		size_t	   *at = NULL;

		if (key_len == 5 && strcmp(key, "shape") == 0)
			at = &shape_at;
		else if (key_len == 4 && strcmp(key, "data") == 0)
			at = &data_at;
		if (at && *at)
			return Fail(r, SF_EJSON, "tensor \"%s\"%s has \"%s\" twice", t->name, of, key);
		if (at)
			*at = r->pos;
		if (SkipValue(r, 3) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	if (!shape_at)
		return Fail(r, SF_EJSON, "tensor \"%s\"%s has no \"shape\"", t->name, of);
	if (!data_at)
		return Fail(r, SF_EJSON, "tensor \"%s\"%s has no \"data\"", t->name, of);

	/* the shape, compared with the one the architecture gives */
	r->pos = shape_at;
	count = 0;
	if (Peek(r) != '[')
		return Fail(r, SF_EJSON, "shape of tensor \"%s\"%s must be an array of integers",
					t->name, of);
	if (ArrayOpen(r, 3) < 0)
		return -1;
	while ((more = ArrayNext(r, &count)) == 1)
	{
		double		d;

		if (!IsNumberStart(r))
			return Fail(r, SF_EJSON, "shape of tensor \"%s\"%s must be an array of integers",
						t->name, of);
		if (ReadNumber(r, &d) < 0)
			return -1;
		if (!(d == floor(d)) || d < 0)
			return Fail(r, SF_EINVAL, "shape of tensor \"%s\"%s must hold non-negative integers",
						t->name, of);
		if (ndim < 4)
			dims[ndim] = d;
		ndim++;
	}
	if (more < 0)
		return -1;
	if (ndim != t->ndim || dims[0] != (double) t->shape[0] ||
		(t->ndim == 2 && dims[1] != (double) t->shape[1]))
		return Fail(r, SF_EINVAL, "tensor \"%s\"%s has shape %s, expected %s",
					t->name, of, FormatShape(dims, ndim, shape_txt, sizeof(shape_txt)),
					FormatExpectedShape(t, want_txt, sizeof(want_txt)));

	/* the values, flat and row-major */
	if (data_pos)
		*data_pos = data_at;
	r->pos = data_at;
	count = 0;
	if (Peek(r) != '[')
		return Fail(r, SF_EJSON, "data of tensor \"%s\"%s must be an array of numbers",
					t->name, of);
	if (ArrayOpen(r, 3) < 0)
		return -1;
	while ((more = ArrayNext(r, &count)) == 1)
	{
		double		v;

		if (!IsNumberStart(r))
			return Fail(r, SF_EJSON, "data of tensor \"%s\"%s must be a flat array of numbers, element %zu is not a number",
						t->name, of, n);
		if (ReadNumber(r, &v) < 0)
			return -1;
		if (!(fabs(v) < FLOAT_LIMIT))
			return Fail(r, SF_EINVAL, "tensor \"%s\"%s has a value out of float32 range at index %zu",
						t->name, of, n);
		if (dst && n < t->size)
			dst[n] = ToReal(v);
		n++;
	}
	if (more < 0)
		return -1;
	if (n != t->size)
		return Fail(r, SF_EINVAL, "tensor \"%s\"%s has %zu values, its shape %s needs %zu",
					t->name, of, n, FormatExpectedShape(t, want_txt, sizeof(want_txt)), t->size);
	return 0;
}

/* Append a quoted name to a list in buf, "..." once it is full. */
static void
ListAppend(char *buf, size_t cap, const char *name, size_t len)
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

enum
{
	K_FORMAT, K_NORMALIZE, K_MEMBERS, K_KIND, K_WINDOW, K_HIDDEN, K_LAYERS,
	K_HEAD, K_SCALER, K_TENSORS, N_KEYS
};

static const char *const top_keys[N_KEYS] = {
	"format", "normalize", "members", "kind", "window", "hidden", "layers",
	"head", "scaler", "tensors"
};

/* The architecture and scaler from the top-level keys found at at[]. */
static int
ReadArch(Reader *r, const size_t *at, sf_model *model)
{
	sf_arch    *a = &model->arch;
	char		kind[16];
	char		shown[48];
	size_t		kind_len;
	long		v;
	int			count = 0,
				more;
	size_t		min_at = 0,
				max_at = 0;
	char		key[NAME_MAX_BYTES];
	size_t		key_len;

	memset(a, 0, sizeof(*a));
	if (at[K_FORMAT])
	{
		double		f;

		r->pos = at[K_FORMAT];
		if (!IsNumberStart(r))
			return Fail(r, SF_EJSON, "key \"format\" must be a number");
		if (ReadNumber(r, &f) < 0)
			return -1;
		if (f > SF_JSON_FORMAT && f == floor(f) && f < 1e9)
			return Fail(r, SF_EINVAL, "interchange format %.0f is newer than this version reads (format %d)",
						f, SF_JSON_FORMAT);
		if (f != SF_JSON_FORMAT)
			return Fail(r, SF_EINVAL, "format must be %d", SF_JSON_FORMAT);
	}

	r->pos = at[K_KIND];
	if (Peek(r) != '"')
		return Fail(r, SF_EJSON, "key \"kind\" must be a string");
	if (ReadString(r, kind, sizeof(kind), &kind_len) < 0)
		return -1;
	a->kind = kind_len < sizeof(kind) ? sf_kind_from_name(kind) : -1;
	if (a->kind < 0)
		return Fail(r, SF_EINVAL, "kind must be rnn, lstm or gru, not \"%s\"",
					MakePrintable(kind, kind_len < sizeof(kind) ? kind_len : sizeof(kind) - 1, shown));

	r->pos = at[K_WINDOW];
	if (ReadInt(r, "window", 1, SF_MAX_WINDOW, &v) < 0)
		return -1;
	a->window = (int) v;
	r->pos = at[K_HIDDEN];
	if (ReadInt(r, "hidden", 1, SF_MAX_HIDDEN, &v) < 0)
		return -1;
	a->hidden = (int) v;
	r->pos = at[K_LAYERS];
	if (ReadInt(r, "layers", 1, SF_MAX_LAYERS, &v) < 0)
		return -1;
	a->layers = (int) v;

	r->pos = at[K_HEAD];
	if (Peek(r) != '[')
		return Fail(r, SF_EJSON, "key \"head\" must be an array of integers");
	if (ArrayOpen(r, 1) < 0)
		return -1;
	while ((more = ArrayNext(r, &count)) == 1)
	{
		if (!IsNumberStart(r))
			return Fail(r, SF_EJSON, "key \"head\" must be an array of integers");
		if (a->n_head == SF_MAX_HEAD)
			return Fail(r, SF_EINVAL, "head must have at most %d layers", SF_MAX_HEAD);
		if (ReadInt(r, "each head size", 1, SF_MAX_HEAD_SIZE, &v) < 0)
			return -1;
		a->head[a->n_head++] = (int) v;
	}
	if (more < 0)
		return -1;

	r->pos = at[K_SCALER];
	count = 0;
	if (Peek(r) != '{')
		return Fail(r, SF_EJSON, "key \"scaler\" must be an object with \"min\" and \"max\"");
	if (ObjectOpen(r, 1) < 0)
		return -1;
	while ((more = ObjectNext(r, &count, key, sizeof(key), &key_len)) == 1)
	{
		size_t	   *slot = NULL;

		if (key_len == 3 && strcmp(key, "min") == 0)
			slot = &min_at;
		else if (key_len == 3 && strcmp(key, "max") == 0)
			slot = &max_at;
		if (slot && *slot)
			return Fail(r, SF_EJSON, "key \"scaler.%s\" appears twice", key);
		if (slot)
			*slot = r->pos;
		if (SkipValue(r, 2) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	if (!min_at)
		return Fail(r, SF_EJSON, "required key \"scaler.min\" is missing");
	if (!max_at)
		return Fail(r, SF_EJSON, "required key \"scaler.max\" is missing");
	r->pos = min_at;
	if (ReadDouble(r, "scaler.min", &model->scale_min) < 0)
		return -1;
	r->pos = max_at;
	if (ReadDouble(r, "scaler.max", &model->scale_max) < 0)
		return -1;
	if (!(model->scale_max > model->scale_min) ||
		!isfinite(model->scale_max - model->scale_min))
		return Fail(r, SF_EINVAL, "scaler.max must be greater than scaler.min, by a finite amount");

	if (sf_arch_check(a) != SF_OK)
		return Fail(r, SF_EINVAL, "the architecture is out of range");
	return 0;
}

/*
 * The "normalize" object at pos: the window-relative transform of a 1.1
 * model (sf_prep.c), checked as the decoder of the serialized model checks
 * it.  "kind", "level" and "scale" are required; "season" defaults to 0 and
 * "seasonal_indices" must then hold exactly that many finite numbers.
 */
static int
ReadPrep(Reader *r, size_t pos, sf_model *model)
{
	enum
	{
		P_KIND, P_LEVEL, P_SCALE, P_SEASON, P_INDICES, N_PREP_KEYS
	};
	static const char *const prep_keys[N_PREP_KEYS] = {
		"kind", "level", "scale", "season", "seasonal_indices"
	};
	size_t		at[N_PREP_KEYS] = {0};
	sf_prep    *prep = &model->prep;
	char		key[NAME_MAX_BYTES];
	size_t		key_len;
	char		kind[16];
	char		shown[48];
	size_t		kind_len;
	int			count = 0,
				more;
	long		v;
	double		d;
	int			n = 0;

	r->pos = pos;
	if (Peek(r) != '{')
		return Fail(r, SF_EJSON, "key \"normalize\" must be an object with \"kind\", \"level\" and \"scale\"");
	if (ObjectOpen(r, 1) < 0)
		return -1;
	while ((more = ObjectNext(r, &count, key, sizeof(key), &key_len)) == 1)
	{
		for (int k = 0; k < N_PREP_KEYS; k++)
		{
			if (key_len != strlen(prep_keys[k]) || strcmp(key, prep_keys[k]) != 0)
				continue;
			if (at[k])
				return Fail(r, SF_EJSON, "key \"normalize.%s\" appears twice", key);
			at[k] = r->pos;
		}
		if (SkipValue(r, 2) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	for (int k = P_KIND; k <= P_SCALE; k++)
		if (!at[k])
			return Fail(r, SF_EJSON, "required key \"normalize.%s\" is missing",
						prep_keys[k]);

	r->pos = at[P_KIND];
	if (Peek(r) != '"')
		return Fail(r, SF_EJSON, "key \"normalize.kind\" must be a string");
	if (ReadString(r, kind, sizeof(kind), &kind_len) < 0)
		return -1;
	for (size_t i = 0; i < kind_len && i < sizeof(kind); i++)
		if (kind[i] >= 'A' && kind[i] <= 'Z')
			kind[i] = (char) (kind[i] - 'A' + 'a');
	if (kind_len == 6 && strcmp(kind, "window") == 0)
		prep->norm = SF_NORM_WINDOW;
	else if (kind_len == 3 && strcmp(kind, "log") == 0)
		prep->norm = SF_NORM_LOG;
	else
		return Fail(r, SF_EINVAL, "normalize.kind must be window or log, not \"%s\"",
					MakePrintable(kind, kind_len < sizeof(kind) ? kind_len : sizeof(kind) - 1, shown));

	r->pos = at[P_LEVEL];
	if (ReadInt(r, "normalize.level", 1, model->arch.window, &v) < 0)
		return -1;
	prep->level = (int) v;

	r->pos = at[P_SCALE];
	if (ReadDouble(r, "normalize.scale", &prep->scale) < 0)
		return -1;
	if (!(prep->scale > 0))
		return Fail(r, SF_EINVAL, "normalize.scale must be greater than 0");

	if (at[P_SEASON])
	{
		r->pos = at[P_SEASON];
		if (!IsNumberStart(r))
			return Fail(r, SF_EJSON, "key \"normalize.season\" must be a number");
		if (ReadNumber(r, &d) < 0)
			return -1;
		if (!(d == floor(d)) || !(d == 0 || (d >= 2 && d <= SF_MAX_SEASON)))
			return Fail(r, SF_EINVAL, "normalize.season must be 0 or an integer between 2 and %d",
						SF_MAX_SEASON);
		prep->season = (int) d;
	}
	if (prep->season > 0 && !at[P_INDICES])
		return Fail(r, SF_EJSON, "required key \"normalize.seasonal_indices\" is missing");
	if (at[P_INDICES])
	{
		r->pos = at[P_INDICES];
		count = 0;
		if (Peek(r) != '[')
			return Fail(r, SF_EJSON, "key \"normalize.seasonal_indices\" must be an array of numbers");
		if (ArrayOpen(r, 2) < 0)
			return -1;
		while ((more = ArrayNext(r, &count)) == 1)
		{
			if (!IsNumberStart(r))
				return Fail(r, SF_EJSON, "key \"normalize.seasonal_indices\" must be an array of numbers");
			if (n == prep->season)
				break;
			if (ReadNumber(r, &d) < 0)
				return -1;
			if (!isfinite(d))
				return Fail(r, SF_EINVAL, "normalize.seasonal_indices has a value out of range at index %d",
							n);
			prep->index[n++] = d;
		}
		if (more < 0)
			return -1;
		if (more == 1 || n != prep->season)
			return Fail(r, SF_EINVAL, "normalize.seasonal_indices must hold exactly normalize.season (%d) numbers",
						prep->season);
	}
	return 0;
}

/*
 * One network's tensors: the object at pos (depth its nesting level) must
 * hold exactly the architecture's tensors t[0 .. n_t), each checked by
 * ReadTensor and its position noted in t_at[]; nothing is stored.  member is
 * the index in "members", or -1 for "tensors".
 */
static int
CheckTensorSet(Reader *r, size_t pos, int depth, int member,
			   const sf_tensor *t, int n_t, size_t *t_at)
{
	char		key[NAME_MAX_BYTES];
	size_t		key_len;
	int			count = 0,
				more;
	char		of[32] = "";
	char		unexpected[SF_JSON_ERRLEN / 2] = "",
				missing[SF_JSON_ERRLEN / 2] = "";
	int			n_unexpected = 0,
				n_missing = 0;

	if (member >= 0)
		snprintf(of, sizeof(of), " of members[%d]", member);
	memset(t_at, 0, sizeof(size_t) * (size_t) n_t);
	r->pos = pos;
	if (Peek(r) != '{')
	{
		if (member < 0)
			return Fail(r, SF_EJSON, "key \"tensors\" must be an object");
		return Fail(r, SF_EJSON, "members[%d] must be an object of tensors", member);
	}
	if (ObjectOpen(r, depth) < 0)
		return -1;
	while ((more = ObjectNext(r, &count, key, sizeof(key), &key_len)) == 1)
	{
		int			i;
		size_t		value_at = r->pos;

		for (i = 0; i < n_t; i++)
			if (key_len == strlen(t[i].name) && strcmp(key, t[i].name) == 0)
				break;
		if (i == n_t)
		{
			ListAppend(unexpected, sizeof(unexpected), key,
					   key_len < sizeof(key) ? key_len : sizeof(key) - 1);
			n_unexpected++;
		}
		else
		{
			if (t_at[i])
				return Fail(r, SF_EJSON, "tensor \"%s\"%s appears twice", t[i].name, of);
			t_at[i] = value_at;
			if (ReadTensor(r, value_at, &t[i], of, NULL, NULL) < 0)
				return -1;
			r->pos = value_at;
		}
		if (SkipValue(r, depth + 1) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	for (int i = 0; i < n_t; i++)
		if (!t_at[i])
		{
			ListAppend(missing, sizeof(missing), t[i].name, strlen(t[i].name));
			n_missing++;
		}
	if (n_missing && n_unexpected)
		return Fail(r, SF_EINVAL, "tensors%s do not match the architecture: missing %s; unexpected %s",
					of, missing, unexpected);
	if (n_missing)
		return Fail(r, SF_EINVAL, "missing tensor%s %s%s", n_missing > 1 ? "s" : "",
					missing, of);
	if (n_unexpected)
		return Fail(r, SF_EINVAL, "unexpected tensor%s %s%s",
					n_unexpected > 1 ? "s" : "", unexpected, of);
	return 0;
}

/*
 * The "members" array at pos: 1 .. SF_MAX_MEMBERS networks, each checked by
 * CheckTensorSet into m_at[k].  Sets model->n_members.
 */
static int
CheckMembers(Reader *r, size_t pos, const sf_tensor *t, int n_t,
			 size_t (*m_at)[SF_MAX_TENSORS], sf_model *model)
{
	int			count = 0,
				more;
	size_t		next;

	r->pos = pos;
	if (Peek(r) != '[')
		return Fail(r, SF_EJSON, "key \"members\" must be an array of objects");
	if (ArrayOpen(r, 1) < 0)
		return -1;
	while ((more = ArrayNext(r, &count)) == 1)
	{
		if (count > SF_MAX_MEMBERS)
			return Fail(r, SF_EINVAL, "members must hold between 1 and %d networks",
						SF_MAX_MEMBERS);
		if (Peek(r) != '{')
			return Fail(r, SF_EJSON, "members[%d] must be an object of tensors",
						count - 1);
		next = r->pos;
		if (CheckTensorSet(r, next, 2, count - 1, t, n_t, m_at[count - 1]) < 0)
			return -1;
		r->pos = next;
		if (SkipValue(r, 2) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	if (count == 0)
		return Fail(r, SF_EINVAL, "members must hold between 1 and %d networks",
					SF_MAX_MEMBERS);
	model->n_members = count;
	return 0;
}

/*
 * Do the data arrays of tensor t at a ("tensors") and at b (members[0]),
 * both already checked, hold the same weights, bit for bit?  Returns 0 when
 * they do, else fails naming the first index that differs.
 */
static int
CheckSameData(Reader *r, size_t a, size_t b, const sf_tensor *t)
{
	int			count_a = 0,
				count_b = 0;
	size_t		n = 0;

	r->pos = a;
	if (ArrayOpen(r, 3) < 0)
		return -1;
	a = r->pos;
	r->pos = b;
	if (ArrayOpen(r, 3) < 0)
		return -1;
	b = r->pos;
	for (;; n++)
	{
		int			more_a,
					more_b;
		double		va = 0,
					vb = 0;
		sf_real		wa,
					wb;

		r->pos = a;
		if ((more_a = ArrayNext(r, &count_a)) == 1 && ReadNumber(r, &va) < 0)
			return -1;
		a = r->pos;
		r->pos = b;
		if ((more_b = ArrayNext(r, &count_b)) == 1 && ReadNumber(r, &vb) < 0)
			return -1;
		b = r->pos;
		if (more_a < 0 || more_b < 0)
			return -1;
		if (more_a == 0 && more_b == 0)
			return 0;
		wa = ToReal(va);
		wb = ToReal(vb);
		if (more_a != more_b || memcmp(&wa, &wb, sizeof(sf_real)) != 0)
			return Fail(r, SF_EINVAL, "tensors must equal members[0], but tensor \"%s\" differs at index %zu",
						t->name, n);
	}
}

/*
 * The three passes over the document; returns -1 with r's error set, or 0
 * with model complete.
 */
static int
ImportDocument(Reader *r, sf_alloc_fn alloc, void *alloc_ctx, sf_model *model)
{
	size_t		at[N_KEYS] = {0};
	char		key[NAME_MAX_BYTES];
	size_t		key_len;
	int			count = 0,
				more;
	sf_tensor	t[SF_MAX_TENSORS];
	size_t		t_at[SF_MAX_TENSORS];
	size_t		m_at[SF_MAX_MEMBERS][SF_MAX_TENSORS];
	size_t		(*src)[SF_MAX_TENSORS];
	int			n_t;
	size_t		n_params;
	sf_real    *params;

	if (r->len > SF_JSON_MAX_TEXT)
		return Fail(r, SF_EINVAL, "the model state is larger than %zu bytes",
					(size_t) SF_JSON_MAX_TEXT);

	/* pass 1: the whole document's syntax, and where the known keys are */
	if (Peek(r) < 0)
		return Fail(r, SF_EJSON, "the model state is empty");
	if (Peek(r) != '{')
		return Fail(r, SF_EJSON, "the model state must be a JSON object");
	if (ObjectOpen(r, 0) < 0)
		return -1;
	while ((more = ObjectNext(r, &count, key, sizeof(key), &key_len)) == 1)
	{
		for (int k = 0; k < N_KEYS; k++)
		{
			if (key_len != strlen(top_keys[k]) || strcmp(key, top_keys[k]) != 0)
				continue;
			if (at[k])
				return Fail(r, SF_EJSON, "key \"%s\" appears twice", key);
			at[k] = r->pos;
		}
		if (SkipValue(r, 1) < 0)
			return -1;
	}
	if (more < 0)
		return -1;
	if (Peek(r) >= 0)
		return Fail(r, SF_EJSON, "invalid JSON at byte %zu: text after the object",
					r->pos);
	for (int k = K_KIND; k < N_KEYS; k++)
		if (!at[k] && !(k == K_TENSORS && at[K_MEMBERS]))
			return Fail(r, SF_EJSON, "required key \"%s\" is missing", top_keys[k]);

	/*
	 * pass 2: the architecture and transform, then every tensor of
	 * "tensors" and of each member checked, nothing stored
	 */
	if (ReadArch(r, at, model) < 0)
		return -1;
	model->n_members = 1;
	model->prep.norm = SF_NORM_MINMAX;
	model->prep.scale = 1.0;
	if (at[K_NORMALIZE] && ReadPrep(r, at[K_NORMALIZE], model) < 0)
		return -1;
	n_t = sf_tensors(&model->arch, t);
	if (at[K_TENSORS] &&
		CheckTensorSet(r, at[K_TENSORS], 1, -1, t, n_t, t_at) < 0)
		return -1;
	if (at[K_MEMBERS])
	{
		size_t		data_a,
					data_b;

		if (CheckMembers(r, at[K_MEMBERS], t, n_t, m_at, model) < 0)
			return -1;
		/* a reader of "tensors" alone must get the same first network */
		for (int i = 0; at[K_TENSORS] && i < n_t; i++)
		{
			if (ReadTensor(r, t_at[i], &t[i], "", NULL, &data_a) < 0 ||
				ReadTensor(r, m_at[0][i], &t[i], " of members[0]", NULL, &data_b) < 0 ||
				CheckSameData(r, data_a, data_b, &t[i]) < 0)
				return -1;
		}
		src = m_at;
	}
	else
		src = &t_at;

	/* pass 3: allocate and fill, member after member */
	n_params = sf_param_count(&model->arch);
	params = alloc(alloc_ctx, (size_t) model->n_members * n_params * sizeof(sf_real));
	if (params == NULL)
		return Fail(r, SF_ENOMEM, "out of memory for %zu parameters",
					(size_t) model->n_members * n_params);
	for (int k = 0; k < model->n_members; k++)
		for (int i = 0; i < n_t; i++)
			if (ReadTensor(r, src[k][i], &t[i], "",
						   params + (size_t) k * n_params + t[i].offset, NULL) < 0)
				return -1;
	model->params = params;
	return 0;
}

/*
 * Read an interchange document of len bytes (it need not be NUL-terminated).
 * Returns SF_OK with model filled, its params allocated with alloc; or
 * SF_EJSON, SF_EINVAL or SF_ENOMEM with a message in err (errlen bytes,
 * SF_JSON_ERRLEN is enough), model zeroed and nothing allocated.
 */
int
sf_import_json(const char *text, size_t len, sf_alloc_fn alloc,
			   void *alloc_ctx, sf_model *model, char *err, size_t errlen)
{
	Reader		r = {text, len, 0, err, errlen, SF_OK};

	memset(model, 0, sizeof(*model));
	if (err && errlen)
		err[0] = '\0';
	if (ImportDocument(&r, alloc, alloc_ctx, model) < 0)
	{
		memset(model, 0, sizeof(*model));
		return r.code;
	}
	return SF_OK;
}

/* Export: a bounded writer that notes when it would overflow. */
typedef struct Writer
{
	char	   *out;
	size_t		cap;
	size_t		used;
	int			overflow;
} Writer;

static void Put(Writer *w, const char *fmt,...) SF_PRINTF_LIKE(2, 3);

static void
Put(Writer *w, const char *fmt,...)
{
	va_list		ap;
	int			n;

	if (w->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->out + w->used, w->cap - w->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= w->cap - w->used)
		w->overflow = 1;
	else
		w->used += (size_t) n;
}

/*
 * The shortest of %.{lo..hi}g that reads back as the same value through
 * double (what Python's json and PostgreSQL do), so float32 weights print
 * with at most 9 significant digits and doubles with at most 17.
 */
static void
PutShortest(Writer *w, double v, int lo, int hi, int as_float)
{
	char		buf[40];

	if (!isfinite(v))
	{
		Put(w, "null");
		return;
	}
	for (int prec = lo; prec <= hi; prec++)
	{
		double		back;

		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (as_float ? (float) back == (float) v : back == v)
			break;
	}
	Put(w, "%s", buf);
}

size_t
sf_export_json_bytes(const sf_arch *arch, int n_members, size_t extra_len)
{
	size_t		members = n_members > 1 ? (size_t) n_members + 1 : 1;

	/* a value takes at most 24 characters ("-2.2250738585072014e-308") and ", " */
	return 512 + members * SF_MAX_TENSORS * 160 +
		members * sf_param_count(arch) * 26 +
		(size_t) SF_MAX_SEASON * 26 + extra_len;
}

/* One network's tensors as the members of a JSON object, without braces. */
static void
PutTensors(Writer *w, const sf_arch *a, const sf_real *params)
{
	sf_tensor	t[SF_MAX_TENSORS];
	int			n_t = sf_tensors(a, t);

	for (int i = 0; i < n_t; i++)
	{
		const sf_real *p = params + t[i].offset;

		Put(w, "%s\"%s\": {\"shape\": [%d", i ? ", " : "", t[i].name,
			t[i].shape[0]);
		if (t[i].ndim == 2)
			Put(w, ", %d", t[i].shape[1]);
		Put(w, "], \"data\": [");
		for (size_t k = 0; k < t[i].size; k++)
		{
			if (k)
				Put(w, ", ");
			if (IS_DOUBLE)
				PutShortest(w, (double) p[k], 15, 17, 0);
			else
				PutShortest(w, (double) p[k], 6, 9, 1);
		}
		Put(w, "]}");
	}
}

/*
 * The interchange document.  A window-normalized model adds "normalize"
 * (its transform: kind, level, scale, season and seasonal
 * indices) and an ensemble
 * "members" (every member's tensors; "tensors" is member 0's, so a reader
 * that knows nothing of ensembles still gets one working network).
 */
size_t
sf_export_json(const sf_model *model, const char *extra, char *out, size_t cap)
{
	const sf_arch *a = &model->arch;
	const sf_prep *prep = &model->prep;
	size_t		n_params = sf_param_count(a);
	Writer		w = {out, cap, 0, 0};

	/* the interchange JSON has no place for exog columns yet */
	if (cap == 0 || sf_arch_check(a) != SF_OK || sf_arch_inputs(a) > 1 ||
		model->n_exog != 0 || model->calendar != 0 ||
		model->n_members < 1 || model->n_members > SF_MAX_MEMBERS)
		return 0;
	Put(&w, "{\"format\": %d, \"kind\": \"%s\", \"window\": %d, \"hidden\": %d, "
		"\"layers\": %d, \"head\": [", SF_JSON_FORMAT, sf_kind_name(a->kind),
		a->window, a->hidden, a->layers);
	for (int j = 0; j < a->n_head; j++)
		Put(&w, "%s%d", j ? ", " : "", a->head[j]);
	Put(&w, "], \"scaler\": {\"min\": ");
	PutShortest(&w, model->scale_min, 15, 17, 0);
	Put(&w, ", \"max\": ");
	PutShortest(&w, model->scale_max, 15, 17, 0);
	Put(&w, "}");
	if (prep->norm != SF_NORM_MINMAX)
	{
		Put(&w, ", \"normalize\": {\"kind\": \"%s\", \"level\": %d, \"scale\": ",
			sf_norm_name(prep->norm), prep->level);
		PutShortest(&w, prep->scale, 15, 17, 0);
		Put(&w, ", \"season\": %d, \"seasonal_indices\": [", prep->season);
		for (int i = 0; i < prep->season; i++)
		{
			if (i)
				Put(&w, ", ");
			PutShortest(&w, prep->index[i], 15, 17, 0);
		}
		Put(&w, "]}");
	}
	Put(&w, ", \"tensors\": {");
	PutTensors(&w, a, model->params);
	Put(&w, "}");
	if (model->n_members > 1)
	{
		Put(&w, ", \"members\": [");
		for (int k = 0; k < model->n_members; k++)
		{
			Put(&w, "%s{", k ? ", " : "");
			PutTensors(&w, a, model->params + (size_t) k * n_params);
			Put(&w, "}");
		}
		Put(&w, "]");
	}
	if (extra && extra[0])
		Put(&w, ", %s", extra);
	Put(&w, "}");
	return w.overflow ? 0 : w.used;
}
