/*
 * gen_corpus.c
 *	  Writes the seed corpora of the fuzz harnesses: corpus/decode/ (a mode
 *	  byte, then a serialized model) and corpus/import/ (interchange JSON).
 *	  The seeds are valid models of every kind with one and two layers and
 *	  heads of zero to two layers, plus edge cases: the smallest and widest
 *	  architectures the caps allow, extreme weights and scalers, every
 *	  section present and absent, and refused inputs one field away from
 *	  valid ones.  Everything is deterministic; `make corpus` rewrites the
 *	  committed files.
 *
 *	  usage: gen_corpus OUTDIR   (writes OUTDIR/decode and OUTDIR/import)
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

static void
WriteImport(const char *name, const char *text)
{
	WriteFile("import", name, text, strlen(text));
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

/* Write a seed to both corpora: its bytes and its export. */
static void
WriteBoth(const char *name, const Seed *s, const char *extra)
{
	size_t		len,
				cap = sf_export_json_bytes(&s->blob.model.arch, 1, extra ? strlen(extra) : 0);
	unsigned char *bytes = Encode(s, &len);
	char	   *json = Xmalloc(cap);
	char		file[128];

	WriteDecode(name, 2, bytes, len);
	if (sf_export_json(&s->blob.model, extra, json, cap) == 0)
	{
		fprintf(stderr, "gen_corpus: export of %s failed\n", name);
		exit(1);
	}
	snprintf(file, sizeof(file), "%s.json", name);
	WriteImport(file, json);
	free(json);
	free(bytes);
}

static const char *const kinds[] = {"rnn", "lstm", "gru"};

static void
ValidModels(void)
{
	static const int heads[3][2] = {{0, 0}, {3, 0}, {4, 2}};
	const char *meta = "{\"format\": 1, \"options\": {\"name\": \"cinema\", \"kind\": \"gru\"}, "
		"\"metrics\": {\"r2\": 0.53, \"rmse\": 1.5e8}, \"loss\": [0.5, 0.25], \"val_loss\": null}";
	const char *extra = "\"metrics\": {\"r2\": 0.53, \"rmse\": 150000000, \"naive_r2\": null}";

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
				WriteBoth(name, &s, h == 1 ? extra : NULL);
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
	WriteBoth("edge_smallest", &s, NULL);
	FreeSeed(&s);

	/* the deepest: every cap of layer counts, units of one */
	MakeSeed(&s, Arch(1, 2, 1, SF_MAX_LAYERS, SF_MAX_HEAD, ones), 2, 0, NULL);
	WriteBoth("edge_deepest", &s, NULL);
	FreeSeed(&s);

	/* the longest window, without and with its tail */
	MakeSeed(&s, Arch(2, SF_MAX_WINDOW, 1, 1, 1, one), 3, 0, NULL);
	WriteBoth("edge_window_max", &s, NULL);
	FreeSeed(&s);
	MakeSeed(&s, Arch(2, 64, 2, 1, 1, one), 3, 1, "{}");
	WriteBoth("edge_window_tail", &s, NULL);
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
	WriteBoth("edge_weights", &s, NULL);
	FreeSeed(&s);

	/* extreme scalers: a tiny span, a huge one, negative values */
	MakeSeed(&s, Arch(0, 2, 2, 1, 0, NULL), 5, 0, NULL);
	s.blob.model.scale_min = 1.0;
	s.blob.model.scale_max = nextafter(1.0, 2.0);
	WriteBoth("edge_scaler_tiny", &s, NULL);
	s.blob.model.scale_min = -1e300;
	s.blob.model.scale_max = 1e300;
	b = Encode(&s, &len);
	WriteDecode("edge_scaler_overflow", 0, b, len);	/* import refuses it */
	free(b);
	s.blob.model.scale_min = -5e-324;
	s.blob.model.scale_max = 0.0;
	WriteBoth("edge_scaler_denormal", &s, NULL);
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
	WriteBoth("edge_sections", &s, NULL);
	FreeSeed(&s);

	/* refused ones, one field away from valid; mode 1 re-seals them */
	MakeSeed(&s, Arch(1, 4, 3, 1, 1, one), 7, 1, "{}");
	b = Encode(&s, &len);
	WriteDecode("bad_truncated", 0, b, len - 9);
	WriteDecode("bad_truncated_sealed", 1, b, len - 9);
	b[4] = 2;
	Reseal(b, len);
	WriteDecode("bad_version", 0, b, len);
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

/* Hand-written documents in jsonb's key order and number style, and refused ones. */
static void
EdgeDocuments(void)
{
	const char *tensors_rnn1 =
		"\"tensors\": {\"out.bias\": {\"data\": [0.0000012], \"shape\": [1]}, "
		"\"out.weight\": {\"data\": [-1E+0], \"shape\": [1, 1]}, "
		"\"rnn.bias_hh_l0\": {\"data\": [-0], \"shape\": [1]}, "
		"\"rnn\\u002ebias_ih_l0\": {\"shape\": [1], \"data\": [1e-50]}, "
		"\"rnn.weight_hh_l0\": {\"data\": [0.5], \"shape\": [1, 1], \"grad\": null}, "
		"\"rnn.weight_ih_l0\": {\"data\": [340282346638528859811704183484516925440], \"shape\": [1, 1]}}";
	char		doc[4096];

	snprintf(doc, sizeof(doc),
			 "{\"head\": [], \"kind\": \"RNN\", \"format\": 1, \"hidden\": 1, \"layers\": 1,\n"
			 " \"scaler\": {\"max\": 10, \"min\": -10.5, \"note\": \"x\"}, \"window\": 2,\n"
			 " \"metrics\": {\"deep\": [[[[{\"a\": [true, false, null]}]]]]},\n %s,\n"
			 " \"unknown\": \"\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t caf\xc3\xa9\"}\n",
			 tensors_rnn1);
	WriteImport("edge_jsonb_style.json", doc);

	WriteImport("bad_empty.json", "");
	WriteImport("bad_not_object.json", "[1, 2, 3]");
	WriteImport("bad_missing_kind.json",
				"{\"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
				"\"scaler\": {\"min\": 0, \"max\": 1}, \"tensors\": {}}");
	WriteImport("bad_missing_tensors.json",
				"{\"kind\": \"gru\", \"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
				"\"scaler\": {\"min\": 0, \"max\": 1}, \"tensors\": {\"extra\": {}}}");
	snprintf(doc, sizeof(doc),
			 "{\"kind\": \"rnn\", \"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
			 "\"scaler\": {\"min\": 0, \"max\": 1}, %s, \"format\": 2}", tensors_rnn1);
	WriteImport("bad_format.json", doc);
	snprintf(doc, sizeof(doc),
			 "{\"kind\": \"rnn\", \"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
			 "\"scaler\": {\"min\": 0, \"max\": 1e400}, %s}", tensors_rnn1);
	WriteImport("bad_scaler.json", doc);
	snprintf(doc, sizeof(doc),
			 "{\"kind\": \"lstm\", \"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
			 "\"scaler\": {\"min\": 0, \"max\": 1}, %s}", tensors_rnn1);
	WriteImport("bad_shape.json", doc);
	snprintf(doc, sizeof(doc),
			 "{\"kind\": \"rnn\", \"window\": 2, \"hidden\": 1, \"layers\": 1, \"head\": [], "
			 "\"scaler\": {\"min\": 0, \"max\": 1}, %s, \"x\": ", tensors_rnn1);
	for (int i = 0; i < SF_JSON_MAX_DEPTH + 2; i++)
		strcat(doc, "[");
	WriteImport("bad_deep.json", doc);
	WriteImport("bad_utf8.json", "{\"kind\": \"gr\xc3\x28\"}");
	WriteImport("bad_surrogate.json", "{\"kind\": \"\\ud83d\"}");
	WriteImport("bad_number.json", "{\"window\": 01, \"hidden\": 1.e5, \"layers\": -}");
	WriteImport("bad_huge_sizes.json",
				"{\"kind\": \"lstm\", \"window\": 4096, \"hidden\": 1024, \"layers\": 8, "
				"\"head\": [1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024], "
				"\"scaler\": {\"min\": 0, \"max\": 1}, \"tensors\": {}}");
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
	EdgeDocuments();
	return 0;
}
