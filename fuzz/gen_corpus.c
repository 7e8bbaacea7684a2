/*
 * gen_corpus.c
 *	  Writes the seed corpus of the fuzz harness: corpus/decode/ (a mode
 *	  byte, then a serialized model).  The interchange import reads jsonb in
 *	  the server and is swept there (import_sweep.sql).
 *	  The seeds are valid models of every kind with one and two layers and
 *	  heads of zero to two layers, plus edge cases: the smallest and widest
 *	  architectures the caps allow, extreme weights and scalers, every
 *	  section present and absent, and refused inputs one field away from
 *	  valid ones.  Min-max single networks are written in both serialized
 *	  formats: format 1 under their plain names (the bytes 1.0 wrote, which
 *	  must keep decoding) and format 2 as v2_*; version 1.1's models (window
 *	  and log normalization, seasonal indices, ensembles) only in format 2,
 *	  with refusals one extension field away.  Everything is deterministic;
 *	  `make corpus` rewrites the committed files.
 *
 *	  usage: gen_corpus OUTDIR   (writes OUTDIR/decode)
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_core.h"

static const char *outdir;

static void *
Xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (!p)
	{
		fprintf(stderr, "gen_corpus: out of memory\n");
		exit(1);
	}
	return p;
}

static void
WriteFile(const char *sub, const char *name, const void *data, size_t len)
{
	char		path[512];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
	{
		fprintf(stderr, "gen_corpus: cannot write %s\n", path);
		exit(1);
	}
}

/* A decode seed: mode byte, then the model. */
static void
WriteDecode(const char *name, int mode, const unsigned char *bytes, size_t len)
{
	unsigned char *buf = Xmalloc(len + 1);

	buf[0] = (unsigned char) mode;
	memcpy(buf + 1, bytes, len);
	WriteFile("decode", name, buf, len + 1);
	free(buf);
}

static sf_arch
Arch(int kind, int window, int hidden, int layers, int n_head, const int *head)
{
	sf_arch		a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.window = window;
	a.hidden = hidden;
	a.layers = layers;
	a.n_head = n_head;
	for (int j = 0; j < n_head; j++)
		a.head[j] = head[j];
	return a;
}

/* A model with seeded weights and optional tail, radii and metadata. */
typedef struct Seed
{
	sf_blob		blob;
	sf_real    *params;
	double	   *tail;
	double		radius[SF_MAX_RADIUS];
} Seed;

static void
MakeSeed(Seed *s, sf_arch a, unsigned seed, int sections, const char *meta)
{
	memset(s, 0, sizeof(*s));
	s->params = Xmalloc(sizeof(sf_real) * sf_param_count(&a));
	s->tail = Xmalloc(sizeof(double) * (size_t) a.window);
	s->blob.model.arch = a;
	s->blob.model.params = s->params;
	sf_model_init(&s->blob.model, seed);
	s->blob.model.scale_min = 59980000;
	s->blob.model.scale_max = 5480000000.0;
	if (sections)
	{
		for (int i = 0; i < a.window; i++)
			s->tail[i] = 1e8 + 1e7 * sin(i * 0.7);
		for (int i = 0; i < 8; i++)
			s->radius[i] = 1e6 * (1 + i);
		s->blob.n_tail = a.window;
		s->blob.tail = s->tail;
		s->blob.n_radius = 8;
		s->blob.radius = s->radius;
	}
	s->blob.meta = meta;
	s->blob.meta_len = meta ? strlen(meta) : 0;
}

static unsigned char *
Encode(const Seed *s, size_t *len)
{
	unsigned char *buf;

	*len = sf_encode_bytes(&s->blob);
	buf = Xmalloc(*len);
	sf_encode(&s->blob, buf);
	return buf;
}

static void Reseal(unsigned char *buf, size_t len);
static void PutU32(unsigned char *p, uint32_t v);

/*
 * The format-1 bytes of a min-max single network: format 2 without its
 * extension section (FORMAT.md), as 1.0 wrote them.
 */
#define EXT_FIXED_BYTES 48

static unsigned char *
EncodeV1(const Seed *s, size_t *len)
{
	size_t		len2;
	unsigned char *v2 = Encode(s, &len2);
	unsigned char *buf;

	if (s->blob.model.n_members != 1 || s->blob.model.prep.norm != SF_NORM_MINMAX)
	{
		fprintf(stderr, "gen_corpus: format 1 holds only min-max single networks\n");
		exit(1);
	}
	*len = len2 - EXT_FIXED_BYTES;
	buf = Xmalloc(*len);
	memcpy(buf, v2, 104);
	memcpy(buf + 104, v2 + 104 + EXT_FIXED_BYTES, *len - 104);
	buf[4] = 1;
	PutU32(buf + 8, (uint32_t) *len);
	PutU32(buf + 100, 0);
	Reseal(buf, *len);
	free(v2);
	return buf;
}

static void
FreeSeed(Seed *s)
{
	free(s->params);
	free(s->tail);
}

static void
Reseal(unsigned char *buf, size_t len)
{
	uint32_t	crc = sf_crc32c(0, buf, len - 4);

	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (unsigned char) (crc >> (8 * i));
}

static void
PutU32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

/*
 * Write a seed's bytes: format 1 under name when the model is a min-max
 * single network, format 2 as v2_name.
 */
static void
WriteSeed(const char *name, const Seed *s)
{
	size_t		len;
	unsigned char *bytes;
	char		file[128];


	if (s->blob.model.n_members == 1 && s->blob.model.prep.norm == SF_NORM_MINMAX)
	{
		bytes = EncodeV1(s, &len);
		WriteDecode(name, 2, bytes, len);
		free(bytes);
	}
	bytes = Encode(s, &len);
	snprintf(file, sizeof(file), "v2_%s", name);
	WriteDecode(file, 2, bytes, len);
	free(bytes);
}

static const char *const kinds[] = {"rnn", "lstm", "gru"};

static void
ValidModels(void)
{
	static const int heads[3][2] = {{0, 0}, {3, 0}, {4, 2}};
	const char *meta = "{\"format\": 1, \"options\": {\"name\": \"cinema\", \"kind\": \"gru\"}, "
		"\"metrics\": {\"r2\": 0.53, \"rmse\": 1.5e8}, \"loss\": [0.5, 0.25], \"val_loss\": null}";

	for (int kind = 0; kind < 3; kind++)
		for (int layers = 1; layers <= 2; layers++)
			for (int h = 0; h < 3; h++)
			{
				Seed		s;
				char		name[64];
				int			sections = (kind + layers + h) % 2;

				MakeSeed(&s, Arch(kind, 3 + h, 2 + layers, layers, h, heads[h]),
						 (unsigned) (42 + kind * 10 + layers * 3 + h), sections,
						 sections ? meta : NULL);
				snprintf(name, sizeof(name), "%s_l%d_h%d", kinds[kind], layers, h);
				WriteSeed(name, &s);
				FreeSeed(&s);
			}
}

static void
EdgeModels(void)
{
	static const int ones[SF_MAX_HEAD] = {1, 1, 1, 1, 1, 1, 1, 1};
	static const int one[1] = {1};
	Seed		s;
	size_t		len;
	unsigned char *b;
	char		meta[1200];

	/* the smallest: one step, one unit, no head, no sections */
	MakeSeed(&s, Arch(0, 1, 1, 1, 0, NULL), 1, 0, NULL);
	WriteSeed("edge_smallest", &s);
	FreeSeed(&s);

	/* the deepest: every cap of layer counts, units of one */
	MakeSeed(&s, Arch(1, 2, 1, SF_MAX_LAYERS, SF_MAX_HEAD, ones), 2, 0, NULL);
	WriteSeed("edge_deepest", &s);
	FreeSeed(&s);

	/* the longest window, without and with its tail */
	MakeSeed(&s, Arch(2, SF_MAX_WINDOW, 1, 1, 1, one), 3, 0, NULL);
	WriteSeed("edge_window_max", &s);
	FreeSeed(&s);
	MakeSeed(&s, Arch(2, 64, 2, 1, 1, one), 3, 1, "{}");
	WriteSeed("edge_window_tail", &s);
	FreeSeed(&s);

	/* extreme weights: -0, denormals, the float32 extremes */
	MakeSeed(&s, Arch(1, 3, 2, 1, 1, one), 4, 0, NULL);
	s.params[0] = -0.0f;
	s.params[1] = FLT_MIN;
	s.params[2] = 1.4e-45f;
	s.params[3] = FLT_MAX;
	s.params[4] = -FLT_MAX;
	s.params[5] = 1e-30f;
	s.params[6] = 3.4e38f;
	WriteSeed("edge_weights", &s);
	FreeSeed(&s);

	/* extreme scalers: a tiny span, a huge one, negative values */
	MakeSeed(&s, Arch(0, 2, 2, 1, 0, NULL), 5, 0, NULL);
	s.blob.model.scale_min = 1.0;
	s.blob.model.scale_max = nextafter(1.0, 2.0);
	WriteSeed("edge_scaler_tiny", &s);
	s.blob.model.scale_min = -1e300;
	s.blob.model.scale_max = 1e300;
	b = EncodeV1(&s, &len);
	WriteDecode("edge_scaler_overflow", 0, b, len);	/* import refuses it */
	free(b);
	b = Encode(&s, &len);
	WriteDecode("v2_edge_scaler_overflow", 0, b, len);
	free(b);
	s.blob.model.scale_min = -5e-324;
	s.blob.model.scale_max = 0.0;
	WriteSeed("edge_scaler_denormal", &s);
	FreeSeed(&s);

	/* every radius the cap allows, and a long UTF-8 metadata text */
	memset(meta, 0, sizeof(meta));
	strcpy(meta, "{\"note\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\", \"pad\": \"");
	memset(meta + strlen(meta), 'x', 1000);
	strcat(meta, "\"}");
	MakeSeed(&s, Arch(2, 4, 2, 1, 1, one), 6, 1, meta);
	for (int i = 0; i < SF_MAX_RADIUS; i++)
		s.radius[i] = i % 3 == 0 ? 0.0 : 1e3 * i;
	s.blob.n_radius = SF_MAX_RADIUS;
	WriteSeed("edge_sections", &s);
	FreeSeed(&s);

	/* refused ones (format 1), one field away from valid; mode 1 re-seals them */
	MakeSeed(&s, Arch(1, 4, 3, 1, 1, one), 7, 1, "{}");
	b = EncodeV1(&s, &len);
	WriteDecode("bad_truncated", 0, b, len - 9);
	WriteDecode("bad_truncated_sealed", 1, b, len - 9);
	b[4] = SF_FORMAT_NEWEST + 1;
	Reseal(b, len);
	WriteDecode("bad_version", 0, b, len);
	b[4] = 2;					/* format 2 without its extension */
	Reseal(b, len);
	WriteDecode("bad_v2_no_extension", 0, b, len);
	b[4] = 1;
	PutU32(b + 84, 0xFFFFFFFFu);	/* parameter count */
	WriteDecode("bad_count_sealed", 1, b, len);
	PutU32(b + 84, (uint32_t) sf_param_count(&s.blob.model.arch));
	PutU32(b + 96, 0x7FFFFFFFu);	/* metadata length */
	WriteDecode("bad_meta_len_sealed", 1, b, len);
	PutU32(b + 96, 2);
	PutU32(b + 20, 100000);		/* window */
	WriteDecode("bad_window_sealed", 1, b, len);
	PutU32(b + 20, 4);
	b[20 + 84] ^= 0x40;			/* a weight bit flip, checksum not fixed */
	WriteDecode("bad_bitflip", 0, b, len);
	free(b);
	FreeSeed(&s);
	WriteDecode("bad_empty", 0, (const unsigned char *) "", 0);
	WriteDecode("bad_magic_only", 1, (const unsigned char *) "SQFC", 4);
	WriteDecode("bad_foreign", 0, (const unsigned char *) "\x89PNG\r\n\x1a\n", 8);
}

/*
 * Make s a version 1.1 model: transform norm with the given level and
 * season (indices of a wave), members networks, and a tail phase.
 */
static void
MakeV11(Seed *s, int norm, int level, int season, int members, int phase)
{
	sf_model   *m = &s->blob.model;
	size_t		P = sf_param_count(&m->arch);

	s->params = realloc(s->params, sizeof(sf_real) * P * (size_t) members);
	if (!s->params)
	{
		fprintf(stderr, "gen_corpus: out of memory\n");
		exit(1);
	}
	m->params = s->params;
	m->n_members = members;
	for (int k = 1; k < members; k++)
		sf_model_init_member(m, k, 1000 + (uint64_t) k);
	memset(&m->prep, 0, sizeof(m->prep));
	m->prep.norm = norm;
	m->prep.scale = 1.0;
	if (norm != SF_NORM_MINMAX)
	{
		m->scale_min = 0;
		m->scale_max = 1;
		m->prep.level = level;
		m->prep.season = season;
		m->prep.scale = norm == SF_NORM_LOG ? 0.0123456789012345 : 1234.56789012345;
		for (int i = 0; i < season; i++)
			m->prep.index[i] = 0.25 * sin(2 * 3.14159265358979 * i / season);
	}
	s->blob.tail_phase = s->blob.n_tail ? phase : 0;
	if (norm == SF_NORM_LOG)
		for (int i = 0; i < s->blob.n_tail; i++)
			s->tail[i] = fabs(s->tail[i]) + 1;
}

/* A format-2 seed with one u32 (or f64) of its extension changed, re-sealed. */
static void
WriteExtEdit(const char *name, const Seed *s, size_t off, int is_f64, double v)
{
	size_t		len;
	unsigned char *b = Encode(s, &len);

	if (is_f64)
	{
		uint64_t	u;

		memcpy(&u, &v, sizeof(u));
		PutU32(b + 104 + off, (uint32_t) u);
		PutU32(b + 104 + off + 4, (uint32_t) (u >> 32));
	}
	else
		PutU32(b + 104 + off, (uint32_t) v);
	Reseal(b, len);
	WriteDecode(name, 1, b, len);
	free(b);
}

/* Version 1.1's models, and refusals one field away. */
static void
V11Models(void)
{
	static const int one[1] = {1};
	static const int two[2] = {3, 2};
	Seed		s;

	MakeSeed(&s, Arch(2, 6, 3, 1, 1, one), 21, 1, "{}");
	MakeV11(&s, SF_NORM_WINDOW, 1, 0, 1, 0);
	WriteSeed("norm_window_gru", &s);
	FreeSeed(&s);

	MakeSeed(&s, Arch(1, 8, 2, 2, 2, two), 22, 1, "{\"note\": \"log\"}");
	MakeV11(&s, SF_NORM_LOG, 4, 4, 1, 2);
	WriteSeed("norm_log_season4_lstm", &s);
	/* every extension field one away from valid */
	WriteExtEdit("bad_ext_members_zero", &s, 0, 0, 0);
	WriteExtEdit("bad_ext_members_33", &s, 0, 0, SF_MAX_MEMBERS + 1);
	WriteExtEdit("bad_ext_members_count", &s, 0, 0, 2);
	WriteExtEdit("bad_ext_norm", &s, 4, 0, 3);
	WriteExtEdit("bad_ext_minmax_season", &s, 4, 0, SF_NORM_MINMAX);
	WriteExtEdit("bad_ext_season_one", &s, 8, 0, 1);
	WriteExtEdit("bad_ext_season_size", &s, 8, 0, 5);
	WriteExtEdit("bad_ext_phase", &s, 12, 0, 4);
	WriteExtEdit("bad_ext_level_zero", &s, 16, 0, 0);
	WriteExtEdit("bad_ext_level_window", &s, 16, 0, 9);
	WriteExtEdit("bad_ext_reserved", &s, 20, 0, 1);
	WriteExtEdit("bad_ext_scale_zero", &s, 32, 1, 0.0);
	WriteExtEdit("bad_ext_scale_nan", &s, 32, 1, NAN);
	WriteExtEdit("bad_ext_index_inf", &s, 48, 1, INFINITY);
	FreeSeed(&s);

	MakeSeed(&s, Arch(0, 9, 3, 1, 0, NULL), 23, 1, "{}");
	MakeV11(&s, SF_NORM_WINDOW, 7, 7, 3, 6);
	WriteSeed("ens3_window_season7_rnn", &s);
	FreeSeed(&s);

	MakeSeed(&s, Arch(2, 8, 2, 1, 1, one), 24, 1, "{}");
	MakeV11(&s, SF_NORM_LOG, 4, 4, 2, 3);
	WriteSeed("ens2_log_season4_gru", &s);
	FreeSeed(&s);

	MakeSeed(&s, Arch(2, 3, 1, 1, 0, NULL), 25, 1, NULL);
	MakeV11(&s, SF_NORM_WINDOW, 3, SF_MAX_SEASON, 1, SF_MAX_SEASON - 1);
	WriteSeed("norm_window_season_max", &s);
	FreeSeed(&s);

	MakeSeed(&s, Arch(1, 4, 2, 1, 1, one), 26, 0, NULL);
	MakeV11(&s, SF_NORM_MINMAX, 0, 0, 2, 0);
	s.blob.model.scale_min = -3;
	s.blob.model.scale_max = 5;
	WriteSeed("ens2_minmax_lstm", &s);
	FreeSeed(&s);

	/* the most members, of the smallest networks; and one more than that */
	MakeSeed(&s, Arch(0, 2, 1, 1, 0, NULL), 27, 0, NULL);
	MakeV11(&s, SF_NORM_LOG, 2, 0, SF_MAX_MEMBERS, 0);
	WriteSeed("ens_max_log_rnn", &s);
	FreeSeed(&s);
}

/*
 * Format 3 (FORMAT.md): a model with two covariates, the day-of-week and
 * weekend calendar columns and daily timestamptz fields, and a univariate
 * one with date fields only.  Decode corpus only: the interchange JSON does
 * not carry exog columns yet.
 */
static void
V3Models(void)
{
	static const int head[1] = {3};
	Seed		s;
	size_t		len;
	unsigned char *b;
	sf_arch		a = Arch(2, 4, 2, 1, 1, head);
	int			E = 2 + sf_calendar_width(SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND);

	a.inputs = 1 + E;
	MakeSeed(&s, a, 7, 1, "{\"format\": 3}");
	s.blob.model.n_exog = E;
	s.blob.model.calendar = SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND;
	for (int j = 0; j < E; j++)
	{
		s.blob.model.exog[j].kind = j < 2 ? SF_EXOG_COVARIATE : SF_EXOG_CALENDAR;
		s.blob.model.exog[j].shift = j < 2 ? 10.0 * j : 0;
		s.blob.model.exog[j].scale = j < 2 ? 0.5 + j : 1;
	}
	s.blob.time.kind = SF_TIME_TIMESTAMPTZ;
	s.blob.time.days = 1;
	s.blob.time.last = INT64_C(851990400000000);
	b = Encode(&s, &len);
	WriteDecode("v3_exog_calendar_time", 2, b, len);
	free(b);
	FreeSeed(&s);

	MakeSeed(&s, Arch(0, 3, 2, 1, 0, NULL), 8, 1, NULL);
	s.blob.time.kind = SF_TIME_DATE;
	s.blob.time.gaps = SF_GAPS_KEEP;
	s.blob.time.months = 1;
	s.blob.time.last = -SF_USECS_PER_DAY * 31;
	b = Encode(&s, &len);
	WriteDecode("v3_time_only", 2, b, len);
	free(b);
	FreeSeed(&s);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	ValidModels();
	EdgeModels();
	V11Models();
	V3Models();
	return 0;
}
