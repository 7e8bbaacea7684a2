/*
 * test_codec.c
 *	  The serialized model: round trip, the CRC-32C, and that truncated,
 *	  corrupted or crafted bytes are refused (never read past their length,
 *	  never accepted with values the rest of the core cannot take).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) v;
	p[1] = (unsigned char) (v >> 8);
	p[2] = (unsigned char) (v >> 16);
	p[3] = (unsigned char) (v >> 24);
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Re-seal a crafted buffer so that only the field under test is wrong. */
static void
reseal(unsigned char *buf, size_t len)
{
	put_u32(buf + len - 4, sf_crc32c(0, buf, len - 4));
}

/* A model with every section present. */
typedef struct sample
{
	sf_blob		blob;
	sf_real    *params;
	double		tail[SF_MAX_WINDOW];
	double		radius[16];
	char		meta[64];
	unsigned char *bytes;
	size_t		len;
} sample;

static void
make_sample(sample *s, int kind, int with_sections)
{
	static const int head2[2] = {6, 3};
	sf_arch		a = make_arch(kind, 5, 4, 2, 2, head2);
	size_t		P = sf_param_count(&a);
	int			i;

	memset(s, 0, sizeof(*s));
	s->params = xmalloc(sizeof(sf_real) * P);
	s->blob.model.arch = a;
	s->blob.model.params = s->params;
	sf_model_init(&s->blob.model, 11);
	s->blob.model.scale_min = -3.25;
	s->blob.model.scale_max = 1234.5;
	if (with_sections)
	{
		for (i = 0; i < a.window; i++)
			s->tail[i] = 100.0 + i * 0.1;
		for (i = 0; i < 16; i++)
			s->radius[i] = 1.5 + i;
		strcpy(s->meta, "{\"r2\": 0.5, \"name\": \"cinema\"}");
		s->blob.n_tail = a.window;
		s->blob.tail = s->tail;
		s->blob.n_radius = 16;
		s->blob.radius = s->radius;
		s->blob.meta_len = strlen(s->meta);
		s->blob.meta = s->meta;
	}
	s->len = sf_encode_bytes(&s->blob);
	s->bytes = xmalloc(s->len);
	memset(s->bytes, 0xa5, s->len);
	sf_encode(&s->blob, s->bytes);
}

static void
free_sample(sample *s)
{
	free(s->params);
	free(s->bytes);
}

/* Check a copy of len bytes in a buffer of exactly that size. */
static const char *
check_exact(const unsigned char *bytes, size_t len, sf_blob *info)
{
	unsigned char *copy = xmalloc(len);
	const char *msg;

	if (len)
		memcpy(copy, bytes, len);
	msg = sf_decode_check(copy, len, info);
	free(copy);
	return msg;
}

static void
test_crc(void)
{
	unit_case	c;
	static const unsigned char digits[] = "123456789";
	unsigned char zeros[32],
				ones[32],
				up[32];

	/* the check value and RFC 3720's vectors: 32 bytes of 0, of 0xff, 0 .. 31 */
	const struct
	{
		const unsigned char *bytes;
		size_t		len;
		uint32_t	crc;
		const char *what;
	}			vectors[] = {
		{digits, 9, UINT32_C(0xE3069283), "\"123456789\""},
		{zeros, 32, UINT32_C(0x8A9136AA), "32 zero bytes"},
		{ones, 32, UINT32_C(0x62A8AB43), "32 0xff bytes"},
		{up, 32, UINT32_C(0x46DD794E), "0 .. 31"},
	};

	for (int i = 0; i < 32; i++)
		zeros[i] = 0, ones[i] = 0xFF, up[i] = (unsigned char) i;
	uc_begin(&c, "sf_crc32c: the standard check values");
	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++)
		if (sf_crc32c(0, vectors[v].bytes, vectors[v].len) != vectors[v].crc)
			uc_fail(&c, "crc32c(%s) = %08x, expected %08x", vectors[v].what,
					(unsigned) sf_crc32c(0, vectors[v].bytes, vectors[v].len),
					(unsigned) vectors[v].crc);
	/* split inside a word: the word loop and the byte tail agree */
	if (sf_crc32c(sf_crc32c(0, up, 13), up + 13, 19) != UINT32_C(0x46DD794E))
		uc_fail(&c, "crc32c(0 .. 31) in parts of 13 and 19 differs");
	/* Incremental use gives the same as one pass. */
	if (sf_crc32c(sf_crc32c(0, digits, 4), digits + 4, 5) != UINT32_C(0xE3069283))
		uc_fail(&c, "crc32c in two parts differs");
	uc_end(&c);
}

static void
test_round_trip(void)
{
	int			kind,
				sections;

	for (kind = 0; kind < 3; kind++)
		for (sections = 0; sections < 2; sections++)
		{
			sample		s;
			sf_blob		info;
			const char *msg;
			unit_case	c;
			size_t		P,
						i;

			make_sample(&s, kind, sections);
			P = sf_param_count(&s.blob.model.arch);
			uc_begin(&c, "codec %s%s: encode, check, decode round trip",
					 sf_kind_name(kind), sections ? " with tail, radii, meta" : "");
			if (memcmp(s.bytes, "SQFC", 4) != 0 || s.bytes[4] != SF_FORMAT_VERSION)
				uc_fail(&c, "no magic SQFC and format version %d in front",
						SF_FORMAT_VERSION);
			if (get_u32(s.bytes + s.len - 4) != sf_crc32c(0, s.bytes, s.len - 4))
				uc_fail(&c, "last 4 bytes are not the little-endian CRC-32C of the rest");
			msg = check_exact(s.bytes, s.len, &info);
			if (msg != NULL)
				uc_fail(&c, "sf_decode_check refused its own output: %s", msg);
			else
			{
				sf_real    *params = xmalloc(sizeof(sf_real) * P);
				double		tail[SF_MAX_WINDOW];
				double		radius[16];
				char		meta[64];

				if (memcmp(&info.model.arch, &s.blob.model.arch, sizeof(sf_arch)) != 0)
					uc_fail(&c, "arch does not round-trip");
				if (info.model.scale_min != s.blob.model.scale_min ||
					info.model.scale_max != s.blob.model.scale_max)
					uc_fail(&c, "scaler [%g, %g] after the round trip",
							info.model.scale_min, info.model.scale_max);
				if (info.n_tail != s.blob.n_tail || info.n_radius != s.blob.n_radius ||
					info.meta_len != s.blob.meta_len)
					uc_fail(&c, "section sizes %d %d %zu, expected %d %d %zu",
							info.n_tail, info.n_radius, info.meta_len,
							s.blob.n_tail, s.blob.n_radius, s.blob.meta_len);
				else
				{
					memset(meta, 0, sizeof(meta));
					sf_decode(s.bytes, &info, params, tail, radius, meta);
					for (i = 0; i < P; i++)
						if (params[i] != (sf_real) (float) s.params[i])
						{
							uc_fail(&c, "param %zu = %.9g, encoded %.9g", i,
									(double) params[i], (double) s.params[i]);
							break;
						}
					for (i = 0; i < (size_t) info.n_tail; i++)
						if (tail[i] != s.tail[i])
							uc_fail(&c, "tail[%zu] = %.17g", i, tail[i]);
					for (i = 0; i < (size_t) info.n_radius; i++)
						if (radius[i] != s.radius[i])
							uc_fail(&c, "radius[%zu] = %.17g", i, radius[i]);
					if (memcmp(meta, s.meta, info.meta_len) != 0)
						uc_fail(&c, "meta does not round-trip");
				}
				free(params);
			}
			uc_end(&c);
			free_sample(&s);
		}
}

static void
test_truncation_and_flips(void)
{
	sample		s;
	sf_blob		info;
	unit_case	c;
	size_t		len,
				i;
	int			bit;

	make_sample(&s, SF_GRU, 1);
	uc_begin(&c, "codec: every truncation and every trailing byte is refused");
	for (len = 0; len < s.len; len++)
		if (check_exact(s.bytes, len, &info) == NULL)
			uc_fail(&c, "accepted the first %zu of %zu bytes", len, s.len);
	{
		unsigned char *longer = xmalloc(s.len + 8);

		memcpy(longer, s.bytes, s.len);
		memset(longer + s.len, 0, 8);
		for (len = s.len + 1; len <= s.len + 8; len++)
			if (check_exact(longer, len, &info) == NULL)
				uc_fail(&c, "accepted %zu trailing bytes", len - s.len);
		free(longer);
	}
	uc_end(&c);

	uc_begin(&c, "codec: every single-bit flip is refused (%zu bytes)", s.len);
	for (i = 0; i < s.len; i++)
		for (bit = 0; bit < 8; bit++)
		{
			s.bytes[i] ^= (unsigned char) (1 << bit);
			if (check_exact(s.bytes, s.len, &info) == NULL)
				uc_fail(&c, "accepted a flip of bit %d of byte %zu", bit, i);
			s.bytes[i] ^= (unsigned char) (1 << bit);
		}
	uc_end(&c);
	free_sample(&s);
}

/*
 * Crafted models, re-sealed with a valid checksum, each wrong in one field
 * that the header or the sections carry.  Offsets are found from the
 * encoder's own output rather than assumed, where that is possible.
 */
static void
test_crafted(void)
{
	sample		s;
	sf_blob		info;
	unit_case	c;
	unsigned char *b;
	size_t		P,
				params_at,
				tail_at,
				radius_at,
				meta_at;
	int			field;

	make_sample(&s, SF_LSTM, 1);
	P = sf_param_count(&s.blob.model.arch);
	meta_at = s.len - 4 - s.blob.meta_len;
	radius_at = meta_at - 8 * (size_t) s.blob.n_radius;
	tail_at = radius_at - 8 * (size_t) s.blob.n_tail;
	params_at = tail_at - 4 * P;
	b = xmalloc(s.len);

	uc_begin(&c, "codec: crafted models with a valid checksum are refused");
	if (check_exact(s.bytes, s.len, &info) != NULL)
		uc_fail(&c, "the unmodified sample is refused");
	for (field = 0; field < 10; field++)
	{
		const char *what = "";
		float		fnan = NAN;
		double		dnan = NAN,
					dneg = -1.0;

		memcpy(b, s.bytes, s.len);
		switch (field)
		{
			case 0:
				what = "format version 0";
				b[4] = 0;
				break;
			case 1:
				what = "format version + 1";
				b[4] = SF_FORMAT_NEWEST + 1;
				break;
			case 2:
				what = "recorded length off by one";
				put_u32(b + 8, (uint32_t) s.len - 1);
				break;
			case 3:
				what = "a NaN weight";
				memcpy(b + params_at + 4 * (P / 2), &fnan, 4);
				break;
			case 4:
				what = "a NaN in the tail";
				memcpy(b + tail_at + 8, &dnan, 8);
				break;
			case 5:
				what = "a negative radius";
				memcpy(b + radius_at + 8 * 3, &dneg, 8);
				break;
			case 6:
				what = "a NaN radius";
				memcpy(b + radius_at, &dnan, 8);
				break;
			case 7:
				what = "a zero byte in the metadata";
				b[meta_at + 2] = 0;
				break;
			case 8:
				what = "an infinite weight";
				{
					float		finf = INFINITY;

					memcpy(b + params_at, &finf, 4);
				}
				break;
			case 9:
				what = "bad magic";
				b[0] = 'X';
				break;
		}
		reseal(b, s.len);
		if (check_exact(b, s.len, &info) == NULL)
			uc_fail(&c, "accepted %s", what);
	}

	/*
	 * Every 32-bit header word set to absurd values, re-sealed: either
	 * refused, or accepted with an arch that passes sf_arch_check and sizes
	 * that add up (so sf_decode stays within the buffer).
	 */
	{
		static const uint32_t evil[] = {
			0, 1, 3, 0x7fffffff, 0x80000000, 0xffffffff, 4097, 1025, 9, 65536
		};
		size_t		w;
		int			k;

		for (w = 4; w + 4 <= 104 && w + 4 <= s.len - 4; w += 4)
			for (k = 0; k < (int) (sizeof(evil) / sizeof(evil[0])); k++)
			{
				memcpy(b, s.bytes, s.len);
				put_u32(b + w, evil[k]);
				reseal(b, s.len);
				if (check_exact(b, s.len, &info) == NULL)
				{
					size_t		need = 4 * sf_param_count(&info.model.arch) +
						8 * (size_t) info.n_tail + 8 * (size_t) info.n_radius +
						info.meta_len + 4;

					if (sf_arch_check(&info.model.arch) != SF_OK)
						uc_fail(&c, "word at %zu = %u accepted with a bad arch",
								w, (unsigned) evil[k]);
					else if (need > s.len)
						uc_fail(&c, "word at %zu = %u accepted with sections of "
								"%zu bytes in %zu", w, (unsigned) evil[k], need,
								s.len);
					else if (!(info.model.scale_max > info.model.scale_min) ||
							 !isfinite(info.model.scale_min) ||
							 !isfinite(info.model.scale_max))
						uc_fail(&c, "word at %zu = %u accepted with scaler [%g, %g]",
								w, (unsigned) evil[k], info.model.scale_min,
								info.model.scale_max);
				}
			}
	}
	uc_end(&c);

	/* Random damage, sometimes re-sealed: refused or safely decodable. */
	uc_begin(&c, "codec: 3000 random corruptions never accepted unsafely");
	{
		unit_rng	r = {4242};
		int			iter;
		sf_real    *params = xmalloc(sizeof(sf_real) * P);
		double		tail[SF_MAX_WINDOW];
		double		radius[SF_MAX_RADIUS];
		char	   *meta = xmalloc(s.len);

		for (iter = 0; iter < 3000; iter++)
		{
			int			n_changes = 1 + (int) (urand(&r) * 4);
			int			k;

			memcpy(b, s.bytes, s.len);
			for (k = 0; k < n_changes; k++)
			{
				size_t		at = (size_t) (urand(&r) * (double) s.len);

				/* Bias toward the header, where the structure is. */
				if (urand(&r) < 0.7)
					at = (size_t) (urand(&r) * 104);
				b[at] = (unsigned char) (urand(&r) * 256);
			}
			if (urand(&r) < 0.8)
				reseal(b, s.len);
			if (check_exact(b, s.len, &info) == NULL)
			{
				size_t		np = sf_param_count(&info.model.arch);

				if (sf_arch_check(&info.model.arch) != SF_OK ||
					info.n_tail < 0 || info.n_tail > SF_MAX_WINDOW ||
					info.n_radius < 0 || info.n_radius > SF_MAX_RADIUS ||
					np > s.len || info.meta_len > s.len ||
					4 * np + 8 * (size_t) info.n_tail +
					8 * (size_t) info.n_radius + info.meta_len + 4 > s.len)
				{
					uc_fail(&c, "iteration %d accepted inconsistent sizes", iter);
					continue;
				}
				if (np > P)
				{
					free(params);
					params = xmalloc(sizeof(sf_real) * np);
					P = np;
				}
				sf_decode(b, &info, params, tail, radius, meta);
			}
		}
		free(params);
		free(meta);
	}
	uc_end(&c);

	free(b);
	free_sample(&s);
}

/*
 * A format-3 sample: two covariates, the day-of-week and weekend calendar
 * columns, a daily timestamptz frequency, seasonal indices, every section.
 */
static void
make_sample3(sample *s, int kind)
{
	static const int head1[1] = {5};
	sf_arch		a = make_arch(kind, 6, 3, 2, 1, head1);
	uint32_t	cal = SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND;
	int			n_cal = sf_calendar_width(cal),
				E = 2 + n_cal;
	size_t		P;

	memset(s, 0, sizeof(*s));
	a.inputs = 1 + E;
	P = sf_param_count(&a) * 2;
	s->params = xmalloc(sizeof(sf_real) * P);
	s->blob.model.arch = a;
	s->blob.model.params = s->params;
	sf_model_init(&s->blob.model, 5);
	sf_model_init_member(&s->blob.model, 1, 6);
	s->blob.model.n_members = 2;
	s->blob.model.prep.norm = SF_NORM_WINDOW;
	s->blob.model.prep.season = 7;
	s->blob.model.prep.level = 1;
	s->blob.model.prep.scale = 0.75;
	for (int i = 0; i < 7; i++)
		s->blob.model.prep.index[i] = 0.1 * (i - 3);
	s->blob.model.n_exog = E;
	s->blob.model.calendar = cal;
	s->blob.model.exog[0] = (sf_exog) {SF_EXOG_COVARIATE, 12.5, 3.25};
	s->blob.model.exog[1] = (sf_exog) {SF_EXOG_COVARIATE, -1e6, 1e-3};
	for (int j = 2; j < E; j++)
		s->blob.model.exog[j] = (sf_exog) {SF_EXOG_CALENDAR, 0, 1};
	s->blob.time.kind = SF_TIME_TIMESTAMPTZ;
	s->blob.time.gaps = SF_GAPS_KEEP;
	s->blob.time.days = 1;
	s->blob.time.last = INT64_C(851990400000000);	/* 2026-12-31 */
	s->blob.tail_phase = 3;
	for (int i = 0; i < a.window; i++)
		s->tail[i] = 10.0 + i;
	for (int i = 0; i < 16; i++)
		s->radius[i] = 0.5 + i;
	strcpy(s->meta, "{\"format\": 3}");
	s->blob.n_tail = a.window;
	s->blob.tail = s->tail;
	s->blob.n_radius = 16;
	s->blob.radius = s->radius;
	s->blob.meta_len = strlen(s->meta);
	s->blob.meta = s->meta;
	s->len = sf_encode_bytes(&s->blob);
	s->bytes = xmalloc(s->len);
	memset(s->bytes, 0xa5, s->len);
	sf_encode(&s->blob, s->bytes);
}

static void
put_i64(unsigned char *p, int64_t v)
{
	put_u32(p, (uint32_t) (uint64_t) v);
	put_u32(p + 4, (uint32_t) ((uint64_t) v >> 32));
}

static void
put_f64(unsigned char *p, double v)
{
	uint64_t	u;

	memcpy(&u, &v, 8);
	put_i64(p, (int64_t) u);
}

static void
test_format3(void)
{
	sample		s;
	sf_blob		info;
	unit_case	c;
	const char *msg;
	size_t		v3_at,
				len,
				step;
	unsigned char *b;

	make_sample3(&s, SF_LSTM);
	/* the block follows the 48 fixed bytes and the 7 indices */
	v3_at = 104 + 48 + 8 * 7;

	uc_begin(&c, "codec format 3: round trip of exog columns, calendar and time fields");
	if (s.bytes[4] != 3 || sf_encode_version(&s.blob) != 3)
		uc_fail(&c, "format version %d, expected 3", s.bytes[4]);
	if (get_u32(s.bytes + 100) != 48 + 8 * 7 + 56 + 24 * (uint32_t) s.blob.model.n_exog)
		uc_fail(&c, "ext_len %u", (unsigned) get_u32(s.bytes + 100));
	msg = check_exact(s.bytes, s.len, &info);
	if (msg)
		uc_fail(&c, "refused its own output: %s", msg);
	else
	{
		size_t		P = 2 * sf_param_count(&s.blob.model.arch);
		sf_real    *params = xmalloc(sizeof(sf_real) * P);
		double		tail[SF_MAX_WINDOW],
					radius[16];
		char		meta[64];

		if (memcmp(&info.model.arch, &s.blob.model.arch, sizeof(sf_arch)) != 0)
			uc_fail(&c, "arch (inputs %d) does not round-trip", info.model.arch.inputs);
		if (info.model.n_exog != s.blob.model.n_exog ||
			info.model.calendar != s.blob.model.calendar ||
			memcmp(info.model.exog, s.blob.model.exog,
				   sizeof(sf_exog) * (size_t) s.blob.model.n_exog) != 0)
			uc_fail(&c, "exog columns do not round-trip");
		if (memcmp(&info.time, &s.blob.time, sizeof(sf_time)) != 0)
			uc_fail(&c, "time fields do not round-trip");
		if (info.model.n_members != 2 || info.model.prep.season != 7 ||
			info.tail_phase != 3 || info.model.prep.index[6] != s.blob.model.prep.index[6])
			uc_fail(&c, "format 2's fields do not round-trip");
		sf_decode(s.bytes, &info, params, tail, radius, meta);
		if (memcmp(params, s.params, sizeof(sf_real) * P) != 0 ||
			memcmp(tail, s.tail, sizeof(double) * 6) != 0 ||
			memcmp(radius, s.radius, sizeof(double) * 16) != 0 ||
			memcmp(meta, s.meta, s.blob.meta_len) != 0)
			uc_fail(&c, "sections do not round-trip");
		free(params);
	}
	uc_end(&c);

	/* quick mode (uc_quick): the flips of every 13th byte, a prime stride */
	step = uc_quick() ? 13 : 1;
	uc_begin(&c, "codec format 3: every truncation, trailing byte and single-bit flip%s is refused (%zu bytes)",
			 step > 1 ? " of every 13th byte" : "", s.len);
	for (len = 0; len < s.len; len++)
		if (check_exact(s.bytes, len, &info) == NULL)
			uc_fail(&c, "accepted the first %zu of %zu bytes", len, s.len);
	for (size_t i = 0; i < s.len; i += step)
		for (int bit = 0; bit < 8; bit++)
		{
			s.bytes[i] ^= (unsigned char) (1 << bit);
			if (check_exact(s.bytes, s.len, &info) == NULL)
				uc_fail(&c, "accepted a flip of bit %d of byte %zu", bit, i);
			s.bytes[i] ^= (unsigned char) (1 << bit);
		}
	uc_end(&c);

	/* each field of the block wrong alone, re-sealed */
	b = xmalloc(s.len);
	uc_begin(&c, "codec format 3: crafted block fields are refused with their message");
	{
		static const struct
		{
			int			at;			/* offset in the block, -1: special */
			int			width;		/* 4: u32, 8: i64, 9: f64 */
			double		value;
			const char *expect;		/* a word of the message */
		}			cases[] = {
			{0, 4, 0, "number of inputs"},
			{0, 4, 65, "number of inputs"},
			{0, 4, 5, "exog columns does not match its inputs"},
			{4, 4, 3, "exog columns does not match its inputs"},
			{8, 4, 0x80, "calendar parts are unknown"},
			{8, 4, 0x7F, "need more columns"},
			{8, 4, 0x40, "do not match its calendar parts"},
			{12, 4, 4, "kind of time is unknown"},
			{16, 4, 3, "gaps rule"},
			{20, 4, 1201, "frequency"},
			{20, 4, -1, "frequency"},
			{24, 4, 0, "frequency"},
			{24, 4, 36526, "frequency"},
			{28, 4, 1, "reserved"},
			{32, 8, -1, "frequency"},
			{40, 8, -3e17, "last timestamp"},
			{48, 4, 1, "reserved"},
			{52, 4, 1, "reserved"},
			{56, 4, 2, "unknown kind"},
			{56, 4, 1, "do not match its calendar parts"},
			{60, 4, 1, "reserved"},
			{64, 9, NAN, "shift or scale"},
			{72, 9, 0, "shift or scale"},
			{72, 9, -1, "shift or scale"},
			{72, 9, INFINITY, "shift or scale"},
			{56 + 24 * 2, 4, 0, "do not match its calendar parts"},
			{56 + 24 * 2 + 8, 9, 0.5, "do not match its calendar parts"},
			{56 + 24 * 3 + 16, 9, 2, "do not match its calendar parts"},
		};

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		{
			unsigned char *q;

			memcpy(b, s.bytes, s.len);
			q = b + v3_at + cases[k].at;
			if (cases[k].width == 4)
				put_u32(q, (uint32_t) (int64_t) cases[k].value);
			else if (cases[k].width == 8)
				put_i64(q, (int64_t) cases[k].value);
			else
				put_f64(q, cases[k].value);
			reseal(b, s.len);
			msg = check_exact(b, s.len, &info);
			if (msg == NULL)
				uc_fail(&c, "case %zu (offset %d = %g) accepted", k, cases[k].at,
						cases[k].value);
			else if (strstr(msg, cases[k].expect) == NULL)
				uc_fail(&c, "case %zu (offset %d = %g): \"%s\", expected \"%s\"",
						k, cases[k].at, cases[k].value, msg, cases[k].expect);
		}
	}
	uc_end(&c);
	free(b);
	free_sample(&s);

	uc_begin(&c, "codec format 3: time fields alone (one input), each rule of the frequency and the last timestamp");
	{
		static const struct
		{
			int			kind;
			int32_t		months,
						days;
			int64_t		micros,
						last;
			int			ok;
		}			cases[] = {
			{SF_TIME_DATE, 0, 1, 0, 0, 1},
			{SF_TIME_DATE, 1, 0, 0, -SF_USECS_PER_DAY * 1000, 1},
			{SF_TIME_DATE, 0, 1, 0, 1, 0},				/* a date at 00:00:00.000001 */
			{SF_TIME_DATE, 0, 0, 3600000000, 0, 0},		/* a date every hour */
			{SF_TIME_TIMESTAMP, 0, 0, 300000000, 12345, 1},
			{SF_TIME_TIMESTAMP, 3, 0, 0, SF_END_TIMESTAMP - 1, 1},
			{SF_TIME_TIMESTAMP, 3, 0, 0, SF_END_TIMESTAMP, 0},
			{SF_TIME_TIMESTAMPTZ, 0, 0, 0, 0, 0},		/* no frequency */
			{SF_TIME_TIMESTAMPTZ, 0, 0, SF_MAX_FREQ_MICROS + 1, 0, 0},
			{SF_TIME_TIMESTAMPTZ, 0, 0, SF_MAX_FREQ_MICROS, SF_MIN_TIMESTAMP, 1},
			{SF_TIME_NONE, 0, 0, 0, 0, 0},				/* nothing format 3 needs */
		};

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		{
			sample		t;

			make_sample(&t, SF_GRU, 1);
			free(t.bytes);
			t.blob.time.kind = cases[k].kind;
			t.blob.time.months = cases[k].months;
			t.blob.time.days = cases[k].days;
			t.blob.time.micros = cases[k].micros;
			t.blob.time.last = cases[k].last;
			if (cases[k].kind == SF_TIME_NONE)
			{
				/*
				 * Craft one: a format-2 model relabelled as format 3 with a
				 * block of inputs 1, no exog, no calendar and no time.
				 */
				{
					sample		w;
					size_t		at;

					make_sample(&w, SF_GRU, 0);
					at = 104 + 48;
					t.len = w.len + 56;
					t.bytes = xmalloc(t.len);
					memcpy(t.bytes, w.bytes, at);
					memset(t.bytes + at, 0, 56);
					memcpy(t.bytes + at + 56, w.bytes + at, w.len - at);
					t.bytes[4] = 3;
					put_u32(t.bytes + 8, (uint32_t) t.len);
					put_u32(t.bytes + 100, 48 + 56);
					put_u32(t.bytes + at, 1);
					reseal(t.bytes, t.len);
					free_sample(&w);
				}
			}
			else
			{
				t.len = sf_encode_bytes(&t.blob);
				t.bytes = xmalloc(t.len);
				sf_encode(&t.blob, t.bytes);
			}
			msg = check_exact(t.bytes, t.len, &info);
			if (cases[k].ok && msg != NULL)
				uc_fail(&c, "case %zu refused: %s", k, msg);
			else if (!cases[k].ok && msg == NULL)
				uc_fail(&c, "case %zu accepted", k);
			else if (cases[k].ok && memcmp(&info.time, &t.blob.time, sizeof(sf_time)) != 0)
				uc_fail(&c, "case %zu: time fields do not round-trip", k);
			else if (cases[k].ok && (t.bytes[4] != 3 || sf_arch_inputs(&info.model.arch) != 1))
				uc_fail(&c, "case %zu: version %d, inputs %d", k, t.bytes[4],
						info.model.arch.inputs);
			free_sample(&t);
		}
	}
	uc_end(&c);
}

/* Decode a hex text into bytes; returns the byte count or 0. */
static size_t
unhex(const char *text, unsigned char *out, size_t cap)
{
	size_t		n = 0;

	for (const char *p = text; p[0] && p[1] && n < cap; p += 2)
	{
		unsigned	v;

		if (sscanf(p, "%2x", &v) != 1)
			return 0;
		out[n++] = (unsigned char) v;
	}
	return n;
}

/*
 * The format-2 fixtures (models of 1.1 before format 3 existed) decode, and
 * re-encode byte for byte: format 3 changed nothing for them.
 */
static void
test_v2_fixtures(void)
{
	static const char *const names[] = {
		"rnn-small", "rnn-deep", "rnn-imported", "lstm-small", "lstm-deep",
		"lstm-imported", "gru-small", "gru-deep", "gru-imported"
	};
	unit_case	c;

	uc_begin(&c, "codec: the format-2 fixtures decode and re-encode byte for byte");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
	{
		char		path[256];
		FILE	   *f;
		char	   *text = xmalloc(1 << 20);
		unsigned char *bytes = xmalloc(1 << 19),
				   *again;
		size_t		len,
					P;
		sf_blob		info;
		const char *msg;
		sf_real    *params;
		double		tail[SF_MAX_WINDOW],
					radius[SF_MAX_RADIUS];
		char	   *meta;

		snprintf(path, sizeof(path), "../fixtures/v2-%s.hex", names[k]);
		f = fopen(path, "r");
		if (f == NULL || fgets(text, 1 << 20, f) == NULL)
		{
			uc_fail(&c, "cannot read %s", path);
			if (f)
				fclose(f);
			free(text);
			free(bytes);
			continue;
		}
		fclose(f);
		len = unhex(text, bytes, 1 << 19);
		msg = sf_decode_check(bytes, len, &info);
		if (msg != NULL || bytes[4] != 2)
		{
			uc_fail(&c, "%s: %s", names[k], msg ? msg : "not format 2");
			free(text);
			free(bytes);
			continue;
		}
		P = (size_t) info.model.n_members * sf_param_count(&info.model.arch);
		params = xmalloc(sizeof(sf_real) * P);
		meta = xmalloc(info.meta_len + 1);
		sf_decode(bytes, &info, params, tail, radius, meta);
		info.model.params = params;
		info.tail = tail;
		info.radius = radius;
		info.meta = meta;
		again = xmalloc(sf_encode_bytes(&info));
		sf_encode(&info, again);
		if (sf_encode_bytes(&info) != len || memcmp(again, bytes, len) != 0)
			uc_fail(&c, "%s does not re-encode byte for byte", names[k]);
		free(again);
		free(meta);
		free(params);
		free(text);
		free(bytes);
	}
	uc_end(&c);
}

void
test_codec(void)
{
	test_crc();
	test_round_trip();
	test_truncation_and_flips();
	test_crafted();
	test_format3();
	test_v2_fixtures();
}
