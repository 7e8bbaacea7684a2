/*
 * sf_codec.c
 *	  The serialized model, as FORMAT.md describes it: a fixed little-endian
 *	  header, the float32 weights, the tail of the training series, the
 *	  interval radii, a JSON metadata text, and a CRC-32C over all of it.
 *
 * The decoder is the one piece of the core that reads untrusted bytes, so
 * sf_decode_check validates every field, size and value against the bytes
 * present and the hard caps before anything is read or allocated; sf_decode
 * then copies from a buffer that passed the check and cannot fail.
 */
#include <math.h>
#include <string.h>

#include "sf_core.h"

#define HEADER_BYTES 104
#define EXT_FIXED_BYTES 48		/* format 2's extension, before the indices */
#define EXT3_FIXED_BYTES 56		/* format 3's inputs and time block */
#define EXT3_COLUMN_BYTES 24	/* and per exog column */
#define CRC_BYTES 4
static const unsigned char magic[4] = {'S', 'Q', 'F', 'C'};

static void
PutU32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) v;
	p[1] = (unsigned char) (v >> 8);
	p[2] = (unsigned char) (v >> 16);
	p[3] = (unsigned char) (v >> 24);
}

static uint32_t
GetU32(const unsigned char *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
PutF64(unsigned char *p, double v)
{
	uint64_t	u;

	memcpy(&u, &v, sizeof(u));
	PutU32(p, (uint32_t) u);
	PutU32(p + 4, (uint32_t) (u >> 32));
}

static double
GetF64(const unsigned char *p)
{
	uint64_t	u = (uint64_t) GetU32(p) | (uint64_t) GetU32(p + 4) << 32;
	double		v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static void
PutF32(unsigned char *p, float v)
{
	uint32_t	u;

	memcpy(&u, &v, sizeof(u));
	PutU32(p, u);
}

static float
GetF32(const unsigned char *p)
{
	uint32_t	u = GetU32(p);
	float		v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

#if defined(__GNUC__) && defined(__x86_64__)
/*
 * The same CRC with SSE4.2's crc32 instruction, which computes exactly this
 * polynomial, reflected, eight bytes a step (little-endian words are the
 * bytes in order): a stored model is checksummed when it is written and
 * each time it is decoded, and the nibble table took a few cycles a byte.
 */
__attribute__((target("sse4.2"))) static uint32_t
Crc32cHardware(uint32_t crc, const unsigned char *buf, size_t len)
{
	uint64_t	c = ~crc;

	for (; len >= 8; buf += 8, len -= 8)
	{
		uint64_t	w;

		memcpy(&w, buf, sizeof(w));
		c = __builtin_ia32_crc32di(c, w);
	}
	crc = (uint32_t) c;
	for (; len > 0; buf++, len--)
		crc = __builtin_ia32_crc32qi(crc, *buf);
	return ~crc;
}
#endif

/* CRC-32C (Castagnoli), bitwise-reflected, computed with a nibble table. */
uint32_t
sf_crc32c(uint32_t crc, const unsigned char *buf, size_t len)
{
	static const uint32_t table[16] = {
		0x00000000, 0x105EC76F, 0x20BD8EDE, 0x30E349B1,
		0x417B1DBC, 0x5125DAD3, 0x61C69362, 0x7198540D,
		0x82F63B78, 0x92A8FC17, 0xA24BB5A6, 0xB21572C9,
		0xC38D26C4, 0xD3D3E1AB, 0xE330A81A, 0xF36E6F75
	};

#if defined(__GNUC__) && defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return Crc32cHardware(crc, buf, len);
#endif
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
	{
		crc ^= buf[i];
		crc = (crc >> 4) ^ table[crc & 15];
		crc = (crc >> 4) ^ table[crc & 15];
	}
	return ~crc;
}

static void
PutI64(unsigned char *p, int64_t v)
{
	uint64_t	u = (uint64_t) v;

	PutU32(p, (uint32_t) u);
	PutU32(p + 4, (uint32_t) (u >> 32));
}

static int64_t
GetI64(const unsigned char *p)
{
	uint64_t	u = (uint64_t) GetU32(p) | (uint64_t) GetU32(p + 4) << 32;

	/* two's complement without relying on the implementation's conversion */
	return u <= (uint64_t) INT64_MAX ? (int64_t) u :
		-(int64_t) (~u) - 1;
}

/*
 * A model needs format 3 when it has inputs besides the value, calendar
 * parts or time fields; everything else keeps format 2's bytes.
 */
static int
NeedsFormat3(const sf_blob *blob)
{
	const sf_model *m = &blob->model;
	const sf_time *t = &blob->time;

	return sf_arch_inputs(&m->arch) > 1 || m->n_exog != 0 || m->calendar != 0 ||
		t->kind != 0 || t->gaps != 0 || t->months != 0 || t->days != 0 ||
		t->micros != 0 || t->last != 0;
}

/* Bytes of the extension section of a model in format 2 or 3. */
static size_t
ExtBytes(const sf_model *m, int version)
{
	size_t		n = EXT_FIXED_BYTES + 8 * (size_t) m->prep.season;

	if (version >= 3)
		n += EXT3_FIXED_BYTES + EXT3_COLUMN_BYTES * (size_t) m->n_exog;
	return n;
}

int
sf_encode_version(const sf_blob *blob)
{
	return NeedsFormat3(blob) ? 3 : 2;
}

static size_t
TotalParams(const sf_model *m)
{
	return (size_t) m->n_members * sf_param_count(&m->arch);
}

size_t
sf_encode_bytes(const sf_blob *blob)
{
	return HEADER_BYTES + ExtBytes(&blob->model, sf_encode_version(blob)) +
		4 * TotalParams(&blob->model) +
		8 * (size_t) blob->n_tail + 8 * (size_t) blob->n_radius +
		blob->meta_len + CRC_BYTES;
}

void
sf_encode(const sf_blob *blob, unsigned char *out)
{
	const sf_arch *a = &blob->model.arch;
	const sf_prep *prep = &blob->model.prep;
	size_t		n_params = TotalParams(&blob->model);
	size_t		total = sf_encode_bytes(blob);
	int			version = sf_encode_version(blob);
	size_t		ext = ExtBytes(&blob->model, version);
	unsigned char *p = out + HEADER_BYTES;

	memset(out, 0, HEADER_BYTES);
	memcpy(out, magic, 4);
	out[4] = (unsigned char) version;
	PutU32(out + 8, (uint32_t) total);
	PutU32(out + 16, (uint32_t) a->kind);
	PutU32(out + 20, (uint32_t) a->window);
	PutU32(out + 24, (uint32_t) a->hidden);
	PutU32(out + 28, (uint32_t) a->layers);
	PutU32(out + 32, (uint32_t) a->n_head);
	for (int j = 0; j < a->n_head; j++)
		PutU32(out + 36 + 4 * j, (uint32_t) a->head[j]);
	PutF64(out + 68, blob->model.scale_min);
	PutF64(out + 76, blob->model.scale_max);
	PutU32(out + 84, (uint32_t) n_params);
	PutU32(out + 88, (uint32_t) blob->n_tail);
	PutU32(out + 92, (uint32_t) blob->n_radius);
	PutU32(out + 96, (uint32_t) blob->meta_len);
	PutU32(out + 100, (uint32_t) ext);

	memset(p, 0, ext);
	PutU32(p, (uint32_t) blob->model.n_members);
	PutU32(p + 4, (uint32_t) prep->norm);
	PutU32(p + 8, (uint32_t) prep->season);
	PutU32(p + 12, (uint32_t) blob->tail_phase);
	PutU32(p + 16, (uint32_t) prep->level);
	PutF64(p + 32, prep->scale);
	for (int i = 0; i < prep->season; i++)
		PutF64(p + EXT_FIXED_BYTES + 8 * i, prep->index[i]);
	if (version >= 3)
	{
		const sf_model *m = &blob->model;
		const sf_time *t = &blob->time;
		unsigned char *q = p + EXT_FIXED_BYTES + 8 * (size_t) prep->season;

		PutU32(q, (uint32_t) sf_arch_inputs(a));
		PutU32(q + 4, (uint32_t) m->n_exog);
		PutU32(q + 8, m->calendar);
		PutU32(q + 12, (uint32_t) t->kind);
		PutU32(q + 16, (uint32_t) t->gaps);
		PutU32(q + 20, (uint32_t) t->months);
		PutU32(q + 24, (uint32_t) t->days);
		PutI64(q + 32, t->micros);
		PutI64(q + 40, t->last);
		q += EXT3_FIXED_BYTES;
		for (int j = 0; j < m->n_exog; j++, q += EXT3_COLUMN_BYTES)
		{
			PutU32(q, (uint32_t) m->exog[j].kind);
			PutF64(q + 8, m->exog[j].shift);
			PutF64(q + 16, m->exog[j].scale);
		}
	}
	p += ext;

	for (size_t i = 0; i < n_params; i++, p += 4)
		PutF32(p, (float) blob->model.params[i]);
	for (int i = 0; i < blob->n_tail; i++, p += 8)
		PutF64(p, blob->tail[i]);
	for (int i = 0; i < blob->n_radius; i++, p += 8)
		PutF64(p, blob->radius[i]);
	if (blob->meta_len)
		memcpy(p, blob->meta, blob->meta_len);
	p += blob->meta_len;
	PutU32(p, sf_crc32c(0, out, total - CRC_BYTES));
}

/*
 * Format 2's extension section: the ensemble size, the transform and the
 * phase of the tail.  Fills them into info and *ext_len with the section's
 * size; returns a sentence on the first problem.  Reads nothing beyond len.
 */
static const char *CheckFormat3(const unsigned char *q, size_t room,
								sf_blob *info);

static const char *
CheckExtension(const unsigned char *buf, size_t len, int version,
			   sf_blob *info, size_t *ext_len)
{
	const unsigned char *e = buf + HEADER_BYTES;
	sf_prep    *prep = &info->model.prep;
	uint32_t	members,
				norm,
				season,
				phase,
				level;

	*ext_len = GetU32(buf + 100);
	if (*ext_len < EXT_FIXED_BYTES || *ext_len > len - HEADER_BYTES - CRC_BYTES)
		return "The model's extension section is truncated.";
	members = GetU32(e);
	norm = GetU32(e + 4);
	season = GetU32(e + 8);
	phase = GetU32(e + 12);
	level = GetU32(e + 16);
	if (GetU32(e + 20) != 0 || GetU32(e + 24) != 0 ||
		GetU32(e + 28) != 0 || GetU32(e + 40) != 0 || GetU32(e + 44) != 0)
		return "The model has reserved fields set, which this version does not understand.";
	if (members < 1 || members > SF_MAX_MEMBERS)
		return "The model's ensemble size is out of range.";
	if (norm > SF_NORM_LOG)
		return "The model's normalization is unknown.";
	if (season == 1 || season > SF_MAX_SEASON || (norm == SF_NORM_MINMAX && season != 0))
		return "The model's season is out of range.";
	if (version < 3 ? *ext_len != EXT_FIXED_BYTES + 8 * (size_t) season :
		*ext_len < EXT_FIXED_BYTES + 8 * (size_t) season + EXT3_FIXED_BYTES)
		return "The model's extension section does not match its season.";
	if (season == 0 ? phase != 0 : phase >= season)
		return "The model's seasonal phase is out of range.";
	if (norm == SF_NORM_MINMAX ? level != 0 :
		(level < 1 || level > (uint32_t) info->model.arch.window))
		return "The model's level length is out of range.";
	info->model.n_members = (int) members;
	prep->norm = (int) norm;
	prep->season = (int) season;
	info->tail_phase = (int) phase;
	prep->level = (int) level;
	prep->scale = GetF64(e + 32);
	if (!isfinite(prep->scale) || !(prep->scale > 0) ||
		(norm == SF_NORM_MINMAX && prep->scale != 1.0))
		return "The model's normalization scale is not a finite positive number.";
	for (uint32_t i = 0; i < season; i++)
	{
		prep->index[i] = GetF64(e + EXT_FIXED_BYTES + 8 * i);
		if (!isfinite(prep->index[i]))
			return "The model has a NaN or infinite seasonal index.";
	}
	if (version >= 3)
		return CheckFormat3(e + EXT_FIXED_BYTES + 8 * (size_t) season,
							*ext_len - EXT_FIXED_BYTES - 8 * (size_t) season,
							info);
	return NULL;
}

/*
 * Format 3's block of the extension section, room bytes at q (at least its
 * fixed part): the inputs, the exog columns and the time fields.
 */
static const char *
CheckFormat3(const unsigned char *q, size_t room, sf_blob *info)
{
	sf_model   *m = &info->model;
	sf_time    *t = &info->time;
	uint32_t	inputs = GetU32(q),
				n_exog = GetU32(q + 4),
				calendar = GetU32(q + 8),
				kind = GetU32(q + 12),
				gaps = GetU32(q + 16),
				months = GetU32(q + 20),
				days = GetU32(q + 24);
	int64_t		micros = GetI64(q + 32),
				last = GetI64(q + 40);

	if (GetU32(q + 28) != 0 || GetU32(q + 48) != 0 || GetU32(q + 52) != 0)
		return "The model has reserved fields set, which this version does not understand.";
	if (inputs < 1 || inputs > SF_MAX_INPUTS)
		return "The model's number of inputs is out of range.";
	if (n_exog != inputs - 1)
		return "The model's number of exog columns does not match its inputs.";
	if (room != EXT3_FIXED_BYTES + EXT3_COLUMN_BYTES * (size_t) n_exog)
		return "The model's extension section does not match its exog columns.";
	if (calendar & ~SF_CAL_ALL)
		return "The model's calendar parts are unknown.";
	if (sf_calendar_width(calendar) > (int) n_exog)
		return "The model's calendar parts need more columns than it has.";
	if (kind > SF_TIME_TIMESTAMPTZ)
		return "The model's kind of time is unknown.";
	if (kind == SF_TIME_NONE)
	{
		if (gaps != 0 || months != 0 || days != 0 || micros != 0 || last != 0)
			return "The model has time fields but no kind of time.";
		if (calendar != 0)
			return "The model has calendar parts but no timestamps.";
	}
	else
	{
		if (gaps > SF_GAPS_ERROR)
			return "The model's gaps rule is unknown.";
		if (months > SF_MAX_FREQ_MONTHS || days > SF_MAX_FREQ_DAYS ||
			micros < 0 || micros > SF_MAX_FREQ_MICROS ||
			(months == 0 && days == 0 && micros == 0) ||
			(kind == SF_TIME_DATE && micros != 0))
			return "The model's frequency is out of range.";
		if (last < SF_MIN_TIMESTAMP || last >= SF_END_TIMESTAMP ||
			(kind == SF_TIME_DATE && last % SF_USECS_PER_DAY != 0))
			return "The model's last timestamp is out of range.";
	}
	m->arch.inputs = (int) inputs;
	m->n_exog = (int) n_exog;
	m->calendar = calendar;
	t->kind = (int) kind;
	t->gaps = (int) gaps;
	t->months = (int32_t) months;
	t->days = (int32_t) days;
	t->micros = micros;
	t->last = last;
	q += EXT3_FIXED_BYTES;
	for (uint32_t j = 0; j < n_exog; j++, q += EXT3_COLUMN_BYTES)
	{
		uint32_t	ck = GetU32(q);

		if (GetU32(q + 4) != 0)
			return "The model has reserved fields set, which this version does not understand.";
		if (ck > SF_EXOG_CALENDAR)
			return "The model has an exog column of unknown kind.";
		m->exog[j].kind = (int) ck;
		m->exog[j].shift = GetF64(q + 8);
		m->exog[j].scale = GetF64(q + 16);
		if (!isfinite(m->exog[j].shift) || !isfinite(m->exog[j].scale) ||
			!(m->exog[j].scale > 0))
			return "The model has an exog column whose shift or scale is not finite, or whose scale is not positive.";
	}
	if (sf_exog_check(m) != SF_OK)
		return "The model's exog columns do not match its calendar parts (covariates first, then exactly the calendar parts' columns, with shift 0 and scale 1).";
	/* one encoding per model: without exog and time it is format 2 */
	if (n_exog == 0 && kind == SF_TIME_NONE)
		return "The model is in format 3 but has neither exog columns nor time fields, which format 2 holds.";
	return NULL;
}

/*
 * Validate a serialized model.  Returns NULL and fills info (sizes, arch,
 * scaler; pointers left NULL) when buf holds a complete, consistent model;
 * else a sentence saying what is wrong.  Reads nothing beyond len.
 */
const char *
sf_decode_check(const unsigned char *buf, size_t len, sf_blob *info)
{
	sf_arch    *a = &info->model.arch;
	uint32_t	version,
				n_params;
	size_t		need,
				ext;
	const unsigned char *p;

	memset(info, 0, sizeof(*info));
	if (len < 4 || memcmp(buf, magic, 4) != 0)
		return "The value is not a seqforecast model (bad magic number).";
	if (len < HEADER_BYTES + CRC_BYTES)
		return "The model is truncated: it is shorter than its header.";
	version = (uint32_t) buf[4] | (uint32_t) buf[5] << 8;
	if (version == 0)
		return "The model's format version is 0, which no release wrote.";
	if (version > SF_FORMAT_NEWEST)
		return "The model was written by a newer seqforecast (its format version is higher than this one reads).";
	if (GetU32(buf + 8) != len)
		return "The model's recorded length does not match its size: it is truncated or has trailing bytes.";
	if (GetU32(buf + len - CRC_BYTES) != sf_crc32c(0, buf, len - CRC_BYTES))
		return "The model's checksum does not match: the value is corrupt.";
	if (buf[6] != 0 || buf[7] != 0 || GetU32(buf + 12) != 0 ||
		(version == 1 && GetU32(buf + 100) != 0))
		return "The model has reserved fields set, which this version does not understand.";

	a->kind = (int) GetU32(buf + 16);
	a->window = (int) (GetU32(buf + 20) & 0x7fffffff);
	a->hidden = (int) (GetU32(buf + 24) & 0x7fffffff);
	a->layers = (int) (GetU32(buf + 28) & 0x7fffffff);
	a->n_head = (int) (GetU32(buf + 32) & 0x7fffffff);
	if (GetU32(buf + 16) > 2)
		return "The model's kind is unknown.";
	if (GetU32(buf + 20) > SF_MAX_WINDOW || GetU32(buf + 24) > SF_MAX_HIDDEN ||
		GetU32(buf + 28) > SF_MAX_LAYERS || GetU32(buf + 32) > SF_MAX_HEAD)
		return "The model's architecture is out of range.";
	for (int j = 0; j < SF_MAX_HEAD; j++)
	{
		uint32_t	h = GetU32(buf + 36 + 4 * j);

		if (j >= a->n_head ? h != 0 : h > SF_MAX_HEAD_SIZE)
			return "The model's head sizes are out of range.";
		if (j < a->n_head)
			a->head[j] = (int) h;
	}
	if (sf_arch_check(a) != SF_OK)
		return "The model's architecture is out of range.";

	info->model.scale_min = GetF64(buf + 68);
	info->model.scale_max = GetF64(buf + 76);
	if (!isfinite(info->model.scale_min) || !isfinite(info->model.scale_max) ||
		!(info->model.scale_max > info->model.scale_min) ||
		!isfinite(info->model.scale_max - info->model.scale_min))
		return "The model's scaler is not a finite, increasing range.";

	/* format 1 is a single min-max network; format 2 says what it is */
	info->model.n_members = 1;
	info->model.prep.norm = SF_NORM_MINMAX;
	info->model.prep.scale = 1.0;
	ext = 0;
	if (version >= 2)
	{
		const char *problem = CheckExtension(buf, len, (int) version, info, &ext);

		if (problem)
			return problem;
	}

	n_params = GetU32(buf + 84);
	if (n_params != TotalParams(&info->model))
		return "The model's parameter count does not match its architecture.";
	if (GetU32(buf + 88) != 0 && GetU32(buf + 88) != (uint32_t) a->window)
		return "The model's series tail is neither empty nor one window long.";
	if (GetU32(buf + 88) == 0 && info->tail_phase != 0)
		return "The model has a seasonal phase but no series tail.";
	if (GetU32(buf + 92) > SF_MAX_RADIUS)
		return "The model has too many interval radii.";
	if (GetU32(buf + 96) > SF_MAX_META)
		return "The model's metadata is too large.";
	info->n_tail = (int) GetU32(buf + 88);
	info->n_radius = (int) GetU32(buf + 92);
	info->meta_len = GetU32(buf + 96);

	need = HEADER_BYTES + ext + 4 * (size_t) n_params + 8 * (size_t) info->n_tail +
		8 * (size_t) info->n_radius + info->meta_len + CRC_BYTES;
	if (need != len)
		return "The model's sections do not add up to its size.";

	p = buf + HEADER_BYTES + ext;
	for (size_t i = 0; i < n_params; i++, p += 4)
		if (!isfinite(GetF32(p)))
			return "The model has a NaN or infinite weight.";
	for (int i = 0; i < info->n_tail; i++, p += 8)
		if (!isfinite(GetF64(p)))
			return "The model's series tail has a NaN or infinite value.";
	for (int i = 0; i < info->n_radius; i++, p += 8)
	{
		double		r = GetF64(p);

		if (!isfinite(r) || r < 0)
			return "The model has a negative, NaN or infinite interval radius.";
	}
	for (size_t i = 0; i < info->meta_len; i++)
		if (p[i] == 0)
			return "The model's metadata contains a zero byte.";
	return NULL;
}

/* Copy the sections of a model that passed sf_decode_check. */
void
sf_decode(const unsigned char *buf, const sf_blob *info, sf_real *params,
		  double *tail, double *radius, char *meta)
{
	size_t		n_params = TotalParams(&info->model);
	const unsigned char *p = buf + HEADER_BYTES +
		(buf[4] >= 2 ? ExtBytes(&info->model, buf[4]) : 0);

	for (size_t i = 0; i < n_params; i++, p += 4)
		params[i] = (sf_real) GetF32(p);
	for (int i = 0; i < info->n_tail; i++, p += 8)
		tail[i] = GetF64(p);
	for (int i = 0; i < info->n_radius; i++, p += 8)
		radius[i] = GetF64(p);
	if (info->meta_len)
		memcpy(meta, p, info->meta_len);
}
