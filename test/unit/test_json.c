/*
 * test_json.c
 *	  The interchange JSON: export/import round trip, a document written by
 *	  hand as PyTorch's state_dict would be, and refusal of missing,
 *	  mistyped, out-of-range, truncated or hostile documents with a message
 *	  and without allocating; then the same for version 1.1's models (window
 *	  and log normalization, seasonal indices, ensembles).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

typedef struct alloc_log
{
	int			calls;
	int			fail;			/* return NULL */
	void	   *last;
} alloc_log;

static void *
test_alloc(void *ctx, size_t bytes)
{
	alloc_log  *l = ctx;

	l->calls++;
	if (l->fail)
		return NULL;
	l->last = xmalloc(bytes);
	return l->last;
}

/* Import from an exact-size copy (no NUL after it), logging allocations. */
static int
import(const char *text, size_t len, sf_model *m, char *err, alloc_log *log)
{
	char	   *copy = xmalloc(len);
	int			rc;

	memcpy(copy, text, len);
	memset(log, 0, sizeof(*log));
	memset(err, 'x', SF_JSON_ERRLEN);
	rc = sf_import_json(copy, len, test_alloc, log, m, err, SF_JSON_ERRLEN);
	free(copy);
	return rc;
}

static void
test_json_round_trip(void)
{
	static const int head2[2] = {16, 8};
	int			kind;

	for (kind = 0; kind < 3; kind++)
	{
		sf_arch		a = make_arch(kind, 9, 8, kind == SF_GRU ? 2 : 1, 2, head2);
		size_t		P = sf_param_count(&a);
		const char *extra = "\"metrics\": {\"r2\": 0.5, \"n\": [1, 2, {\"x\": null}]}, \"note\": \"caf\\u00e9 \\\"q\\\"\"";
		size_t		cap = sf_export_json_bytes(&a, 1, strlen(extra));
		char	   *doc = xmalloc(cap + 64);
		char		err[SF_JSON_ERRLEN];
		sf_model	m,
					back;
		alloc_log	log;
		unit_case	c;
		size_t		len;
		int			rc;

		memset(&m, 0, sizeof(m));
		m.arch = a;
		m.params = xmalloc(sizeof(sf_real) * P);
		sf_model_init(&m, 3);
		m.scale_min = 59980000;
		m.scale_max = 5480000000.125;
		/* Values that need all 9 digits, and extremes of float. */
		m.params[0] = (sf_real) 0.1;
		m.params[1] = (sf_real) -1.17549435e-38;
		m.params[2] = (sf_real) 3.40282347e38;
		m.params[3] = (sf_real) 1e-45;
		m.params[4] = (sf_real) 0;
		m.params[5] = (sf_real) -0.0;
		m.params[6] = (sf_real) 16777217.0;

		uc_begin(&c, "json %s: export, import, bit-identical params and scaler",
				 sf_kind_name(kind));
		memset(doc, 'Z', cap + 64);
		len = sf_export_json(&m, extra, doc, cap);
		if (len == 0 || len >= cap)
			uc_fail(&c, "export returned %zu for capacity %zu", len, cap);
		else
		{
			size_t		i;

			for (i = cap; i < cap + 64; i++)
				if (doc[i] != 'Z')
				{
					uc_fail(&c, "export wrote past its capacity");
					break;
				}
			if (strstr(doc, "\"rnn.weight_ih_l0\"") == NULL ||
				strstr(doc, "\"out.bias\"") == NULL ||
				strstr(doc, "\"head.1.weight\"") == NULL ||
				strstr(doc, "\"scaler\"") == NULL ||
				strstr(doc, "\"metrics\"") == NULL)
				uc_fail(&c, "export lacks a tensor, the scaler or the extra members");
			rc = import(doc, len, &back, err, &log);
			if (rc != SF_OK)
				uc_fail(&c, "import of the export returned %d: %.200s", rc, err);
			else
			{
				if (memcmp(&back.arch, &a, sizeof(a)) != 0)
					uc_fail(&c, "arch differs after the round trip");
				if (back.scale_min != m.scale_min || back.scale_max != m.scale_max)
					uc_fail(&c, "scaler [%.17g, %.17g] after the round trip",
							back.scale_min, back.scale_max);
				if (log.calls != 1 || back.params != log.last)
					uc_fail(&c, "%d allocations; params %s the allocated block",
							log.calls, back.params == log.last ? "are" : "are not");
				for (i = 0; i < P; i++)
					if (memcmp(&back.params[i], &m.params[i], sizeof(sf_real)) != 0)
					{
						uc_fail(&c, "param %zu: %.9g exported, %.9g imported", i,
								(double) m.params[i], (double) back.params[i]);
						break;
					}
				free(back.params);
			}
		}
		uc_end(&c);

		uc_begin(&c, "json %s: export into too small a buffer returns 0, stays inside",
				 sf_kind_name(kind));
		{
			size_t		small = len > 10 ? len / 2 : 5;

			memset(doc, 'Z', cap + 64);
			if (sf_export_json(&m, extra, doc, small) != 0)
				uc_fail(&c, "export into %zu bytes of %zu needed did not return 0",
						small, len);
			if (doc[small] != 'Z')
				uc_fail(&c, "export wrote past capacity %zu", small);
			memset(doc, 'Z', cap + 64);
			if (sf_export_json(&m, extra, doc, len) != 0)
				uc_fail(&c, "export into exactly strlen bytes (no room for NUL) "
						"did not return 0");
			if (doc[len] != 'Z')
				uc_fail(&c, "export wrote past capacity %zu", len);
		}
		uc_end(&c);

		if (kind == SF_GRU)
		{
			size_t		cut;
			int			bad = 0;

			uc_begin(&c, "json: every truncation of an export is refused, nothing allocated");
			for (cut = 0; cut < len; cut += (len > 4000 && cut > 200) ? 7 : 1)
			{
				rc = import(doc, cut, &back, err, &log);
				if (rc == SF_OK || log.calls != 0 || err[0] == '\0' ||
					memchr(err, '\0', SF_JSON_ERRLEN) == NULL)
				{
					if (bad++ == 0)
						uc_fail(&c, "first %zu of %zu bytes: rc %d, %d allocations",
								cut, len, rc, log.calls);
					if (rc == SF_OK)
						free(back.params);
				}
			}
			uc_end(&c);
		}
		free(doc);
		free(m.params);
	}
}

/*
 * A document as a user might write it from PyTorch: keys in another order,
 * unknown keys, whitespace, integers and exponents among the numbers.
 * rnn, window 2, hidden 1, no head: pred = ow * tanh(...) + ob.
 */
#define HAND_MEMBERS 9
static const char *const hand_members[HAND_MEMBERS] = {
	"\"tensors\": {\n"
	"   \"out.bias\": {\"shape\": [1], \"data\": [0.25]},\n"
	"   \"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [-5e-1]},\n"
	"   \"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},\n"
	"   \"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1E-1]},\n"
	"   \"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [-0.125]},\n"
	"   \"out.weight\": {\"shape\": [1, 1], \"data\": [1.5]}\n"
	"}",
	"\"format\": 1",
	"\"scaler\": {\"max\": 110, \"min\": 10.0}",
	"\"kind\": \"rnn\"",
	"\"window\": 2",
	"\"hidden\": 1",
	"\"layers\": 1",
	"\"head\": []",
	"\"exported_by\": {\"torch\": \"1.13.1\", \"tags\": [true, false, null, -1.5e3]}",
};
static const char *const hand_keys[HAND_MEMBERS] = {
	"tensors", NULL, "scaler", "kind", "window", "hidden", "layers", "head", NULL
};

/*
 * The hand document with member i replaced by repl[i] when that is not NULL
 * ("" leaves it out).
 */
static size_t
hand_doc_with(char *out, size_t cap, const char *const *repl)
{
	size_t		used = 0;
	int			i,
				first = 1;

	used += (size_t) snprintf(out + used, cap - used, "  {\n");
	for (i = 0; i < HAND_MEMBERS; i++)
	{
		const char *m = repl[i] ? repl[i] : hand_members[i];

		if (m[0] == '\0')
			continue;
		used += (size_t) snprintf(out + used, cap - used, "%s  %s", first ? "" : ",\n", m);
		first = 0;
	}
	used += (size_t) snprintf(out + used, cap - used, "\n}\t\n");
	return used;
}

/* The hand document with member `skip` left out and `replace` put in its place. */
static size_t
hand_doc(char *out, size_t cap, int skip, const char *replace)
{
	size_t		used = 0;
	int			i,
				first = 1;

	used += (size_t) snprintf(out + used, cap - used, "  {\n");
	for (i = 0; i < HAND_MEMBERS; i++)
	{
		const char *m = i == skip ? replace : hand_members[i];

		if (m == NULL)
			continue;
		used += (size_t) snprintf(out + used, cap - used, "%s  %s", first ? "" : ",\n", m);
		first = 0;
	}
	used += (size_t) snprintf(out + used, cap - used, "\n}\t\n");
	return used;
}

static void
test_json_hand(void)
{
	char		doc[4096];
	char		err[SF_JSON_ERRLEN];
	sf_model	m;
	alloc_log	log;
	unit_case	c;
	size_t		len;
	int			rc;

	uc_begin(&c, "json: a hand-written PyTorch-style document imports and predicts");
	len = hand_doc(doc, sizeof(doc), -1, NULL);
	rc = import(doc, len, &m, err, &log);
	if (rc != SF_OK)
		uc_fail(&c, "import returned %d: %.200s", rc, err);
	else
	{
		static const double want[6] = {2, -0.5, 0.1, -0.125, 1.5, 0.25};
		double		series[3] = {35.0, 60.0, 0.0};
		double		pred,
					h,
					x0 = 0.25,
					x1 = 0.5;
		void	   *work = xmalloc(sf_infer_bytes(&m.arch, 1, SF_INFER_CHUNK));
		int			i;

		if (m.arch.kind != SF_RNN || m.arch.window != 2 || m.arch.hidden != 1 ||
			m.arch.layers != 1 || m.arch.n_head != 0)
			uc_fail(&c, "arch kind %d window %d hidden %d layers %d n_head %d",
					m.arch.kind, m.arch.window, m.arch.hidden, m.arch.layers,
					m.arch.n_head);
		else
		{
			for (i = 0; i < 6; i++)
				if (m.params[i] != (sf_real) want[i])
					uc_fail(&c, "param %d = %.9g, expected %g", i,
							(double) m.params[i], want[i]);
			if (m.scale_min != 10.0 || m.scale_max != 110.0)
				uc_fail(&c, "scaler [%g, %g]", m.scale_min, m.scale_max);
			/* (35 - 10) / 100 = 0.25, (60 - 10) / 100 = 0.5 */
			h = tanh(2 * x0 + 0.1 - 0.125);
			h = tanh(2 * x1 + 0.1 - 0.5 * h - 0.125);
			sf_predict_windows(&m, series, 0, 1, &pred, work, NULL);
			if (!(fabs(pred - ((1.5 * h + 0.25) * 100 + 10)) < 1e-4))
				uc_fail(&c, "prediction %.9g, by hand %.9g", pred,
						(1.5 * h + 0.25) * 100 + 10);
		}
		free(work);
		free(m.params);
	}
	uc_end(&c);

	uc_begin(&c, "json: a missing required key is refused, naming it");
	{
		int			i;

		for (i = 0; i < HAND_MEMBERS; i++)
		{
			if (hand_keys[i] == NULL)
				continue;
			len = hand_doc(doc, sizeof(doc), i, NULL);
			rc = import(doc, len, &m, err, &log);
			if (rc == SF_OK)
			{
				uc_fail(&c, "accepted without \"%s\"", hand_keys[i]);
				free(m.params);
			}
			else if (strstr(err, hand_keys[i]) == NULL || log.calls != 0)
				uc_fail(&c, "without \"%s\": rc %d, message \"%.200s\", %d allocations",
						hand_keys[i], rc, err, log.calls);
		}
	}
	uc_end(&c);

	uc_begin(&c, "json: malformed or out-of-range values are refused with a message");
	{
		static const struct
		{
			int			member;
			const char *replace;
			int			rc;
			const char *mention;
		}			bad[] = {
			{4, "\"window\": \"2\"", SF_EJSON, "window"},
			{4, "\"window\": 2.5", -1, "window"},
			{4, "\"window\": 0", SF_EINVAL, "window"},
			{4, "\"window\": 4097", SF_EINVAL, "window"},
			{5, "\"hidden\": 1025", SF_EINVAL, "hidden"},
			{5, "\"hidden\": -1", SF_EINVAL, "hidden"},
			{6, "\"layers\": 9", SF_EINVAL, "layers"},
			{3, "\"kind\": \"cnn\"", SF_EINVAL, "kind"},
			{3, "\"kind\": 1", SF_EJSON, "kind"},
			{7, "\"head\": {}", SF_EJSON, "head"},
			{7, "\"head\": [0]", -1, "head"},
			{7, "\"head\": [1, 2, 3, 4, 5, 6, 7, 8, 9]", -1, "head"},
			{2, "\"scaler\": {\"min\": 5, \"max\": 5}", SF_EINVAL, "scaler"},
			{2, "\"scaler\": {\"min\": 5}", -1, "max"},
			{2, "\"scaler\": {\"min\": \"5\", \"max\": 6}", SF_EJSON, "min"},
			{2, "\"scaler\": {\"min\": -1e308, \"max\": 1e308}", SF_EINVAL, "scaler"},
			{2, "\"scaler\": {\"min\": 0, \"max\": 1e999}", -1, ""},
			/* Tensors: a wrong shape, count, name, a missing one, non-numbers. */
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [0.25]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", SF_EINVAL,
			"rnn.weight_ih_l0"},
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [0.25, 1]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", SF_EINVAL,
			"out.bias"},
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [0.25]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", SF_EINVAL,
			"rnn.bias_hh_l0"},
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [0.25]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.weight_ih_l1\": {\"shape\": [1, 1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", SF_EINVAL,
			"rnn.weight_ih_l1"},
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [null]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", -1,
			"out.bias"},
			{0, "\"tensors\": {\"out.bias\": {\"shape\": [1], \"data\": [1e39]},"
				"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.5]},"
				"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [2]},"
				"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [1]},"
				"\"out.weight\": {\"shape\": [1, 1], \"data\": [1]}}", -1,
			"out.bias"},
			{0, "\"tensors\": [1, 2]", SF_EJSON, "tensors"},
			/* Syntax. */
			{1, "\"format\": 1,", SF_EJSON, ""},
			{1, "\"format\" 1", SF_EJSON, ""},
			{1, "\"format\": NaN", SF_EJSON, ""},
			{1, "\"format\": 01", SF_EJSON, ""},
			{1, "\"format\": 1.", SF_EJSON, ""},
			{1, "\"format\": \"\\x\"", SF_EJSON, ""},
			{1, "'format': 1", SF_EJSON, ""},
			{1, "\"kind\": \"rnn\"", SF_EJSON, "kind"},
			{1, "\"format\": 99", -1, "format"},
		};
		int			i;

		for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
		{
			len = hand_doc(doc, sizeof(doc), bad[i].member, bad[i].replace);
			rc = import(doc, len, &m, err, &log);
			if (rc == SF_OK)
			{
				uc_fail(&c, "accepted %s", bad[i].replace);
				free(m.params);
				continue;
			}
			if (bad[i].rc >= 0 && rc != bad[i].rc)
				uc_fail(&c, "%s: rc %d, expected %d (%.200s)", bad[i].replace, rc,
						bad[i].rc, err);
			if (err[0] == '\0' || memchr(err, '\0', SF_JSON_ERRLEN) == NULL ||
				strstr(err, bad[i].mention) == NULL)
				uc_fail(&c, "%s: message \"%.200s\" does not name %s",
						bad[i].replace, err, bad[i].mention);
			if (log.calls != 0)
				uc_fail(&c, "%s: allocated before refusing", bad[i].replace);
		}
	}
	uc_end(&c);

	uc_begin(&c, "json: not an object, empty, trailing text, hostile nesting");
	{
		static const char *const docs[] = {
			"", " ", "[]", "null", "\"kind\"", "{", "}", "{}",
			"{\"kind\": \"rnn\"} {}",
		};
		int			i;

		for (i = 0; i < (int) (sizeof(docs) / sizeof(docs[0])); i++)
		{
			rc = import(docs[i], strlen(docs[i]), &m, err, &log);
			if (rc == SF_OK || err[0] == '\0')
				uc_fail(&c, "\"%s\": rc %d", docs[i], rc);
			if (rc == SF_OK)
				free(m.params);
		}
		/* Deep nesting in an unknown key must not exhaust the stack. */
		{
			int			depths[2] = {SF_JSON_MAX_DEPTH + 5, 200000};
			int			d;

			for (d = 0; d < 2; d++)
			{
				size_t		n = (size_t) depths[d];
				size_t		cap = 2 * n + sizeof(doc) + 64;
				char	   *deep = xmalloc(cap);
				size_t		used;

				used = hand_doc(deep, cap, 8, NULL);
				/* Replace the closing "\n}\t\n" with the deep member. */
				used -= 4;
				used += (size_t) snprintf(deep + used, cap - used, ", \"x\": ");
				memset(deep + used, '[', n);
				used += n;
				memset(deep + used, ']', n);
				used += n;
				deep[used++] = '}';
				rc = import(deep, used, &m, err, &log);
				if (rc != SF_EJSON)
					uc_fail(&c, "nesting %zu deep: rc %d, expected SF_EJSON", n, rc);
				if (rc == SF_OK)
					free(m.params);
				free(deep);
			}
		}
		/* A key given twice. */
		len = hand_doc(doc, sizeof(doc), 1, "\"window\": 2");
		rc = import(doc, len, &m, err, &log);
		if (rc != SF_EJSON || strstr(err, "window") == NULL)
			uc_fail(&c, "duplicate \"window\": rc %d (%.200s)", rc, err);
		if (rc == SF_OK)
			free(m.params);
	}
	uc_end(&c);

	uc_begin(&c, "json: an allocator that fails gives SF_ENOMEM");
	len = hand_doc(doc, sizeof(doc), -1, NULL);
	{
		char	   *copy = xmalloc(len);

		memcpy(copy, doc, len);
		memset(&log, 0, sizeof(log));
		log.fail = 1;
		rc = sf_import_json(copy, len, test_alloc, &log, &m, err, SF_JSON_ERRLEN);
		if (rc != SF_ENOMEM || err[0] == '\0' || m.params != NULL)
			uc_fail(&c, "rc %d, params %p (%.200s)", rc, (void *) m.params, err);
		free(copy);
	}
	uc_end(&c);
}

/*
 * Version 1.1 models: window and log normalization, seasonal indices and
 * ensembles.  Each is exported, imported and compared field by field and
 * byte by byte; the import's export must be the same text, and the two
 * models must forecast the same bits from the same history.
 */
typedef struct v11_case
{
	const char *label;
	int			kind;
	int			window;
	int			hidden;
	int			layers;
	int			n_head;
	int			norm;
	int			level;
	int			season;
	int			members;
	int			fit;			/* fit the transform with sf_prep_fit */
} v11_case;

static const v11_case v11_cases[] = {
	{"window, level 1, no season", SF_GRU, 9, 4, 1, 1, SF_NORM_WINDOW, 1, 0, 1, 0},
	{"log, level 4, season 4", SF_LSTM, 8, 3, 2, 2, SF_NORM_LOG, 4, 4, 1, 0},
	{"window, season 7, ensemble of 3", SF_RNN, 9, 3, 1, 0, SF_NORM_WINDOW, 7, 7, 3, 0},
	{"log seasonal ensemble of 2, fitted", SF_GRU, 8, 2, 1, 1, SF_NORM_LOG, 0, 4, 2, 1},
	{"window, season 1024 (the cap), level = window", SF_GRU, 3, 1, 1, 0, SF_NORM_WINDOW, 3, SF_MAX_SEASON, 1, 0},
	{"log, ensemble of 32 (the cap)", SF_RNN, 2, 1, 1, 0, SF_NORM_LOG, 2, 0, SF_MAX_MEMBERS, 0},
};

/* Build case k's model; params (n_members networks) are malloc'ed. */
static void
v11_model(const v11_case *vc, sf_model *m)
{
	static const int head[2] = {5, 3};
	size_t		P;

	memset(m, 0, sizeof(*m));
	m->arch = make_arch(vc->kind, vc->window, vc->hidden, vc->layers,
						vc->n_head, head);
	P = sf_param_count(&m->arch);
	m->params = xmalloc(sizeof(sf_real) * P * (size_t) vc->members);
	sf_model_init(m, 11);
	m->n_members = vc->members;
	for (int k = 1; k < vc->members; k++)
		sf_model_init_member(m, k, 11 + 1000 * (uint64_t) k);
	if (vc->fit)
	{
		/* a positive, trending, multiplicative seasonal series */
		double		series[64];
		sf_prep_opts o;
		void	   *work = xmalloc(sf_prep_fit_bytes(64));
		int			rc;

		for (int i = 0; i < 64; i++)
			series[i] = (100 + 3 * i) * (1 + 0.3 * ((i % 4) == 1) - 0.2 * ((i % 4) == 3));
		memset(&o, 0, sizeof(o));
		o.norm = vc->norm;
		o.deseasonalize = SF_DESEASON_ALWAYS;
		o.season = vc->season;
		o.level = vc->level;
		o.window = vc->window;
		rc = sf_prep_fit(m, &o, series, 64, work);
		if (rc != SF_OK)
			fprintf(stderr, "sf_prep_fit returned %d\n", rc);
		free(work);
		return;
	}
	m->scale_min = 0;
	m->scale_max = 1;
	m->prep.norm = vc->norm;
	m->prep.level = vc->level;
	m->prep.season = vc->season;
	/* values that need all 17 digits */
	m->prep.scale = 1234.5678 / 3.0;
	for (int i = 0; i < vc->season; i++)
		m->prep.index[i] = 0.3 * sin(1.0 + i) + 1e-17 * i;
}

/* Every field of two models' transforms and weights the same, bit for bit. */
static void
v11_compare(unit_case *c, const sf_model *m, const sf_model *back)
{
	size_t		total = (size_t) m->n_members * sf_param_count(&m->arch);

	if (memcmp(&back->arch, &m->arch, sizeof(m->arch)) != 0)
		uc_fail(c, "arch differs after the round trip");
	if (back->n_members != m->n_members)
		uc_fail(c, "n_members %d, exported %d", back->n_members, m->n_members);
	if (back->scale_min != m->scale_min || back->scale_max != m->scale_max)
		uc_fail(c, "scaler [%.17g, %.17g] after the round trip",
				back->scale_min, back->scale_max);
	if (back->prep.norm != m->prep.norm || back->prep.level != m->prep.level ||
		back->prep.season != m->prep.season)
		uc_fail(c, "norm/level/season %d/%d/%d, exported %d/%d/%d",
				back->prep.norm, back->prep.level, back->prep.season,
				m->prep.norm, m->prep.level, m->prep.season);
	if (memcmp(&back->prep.scale, &m->prep.scale, sizeof(double)) != 0)
		uc_fail(c, "scale %.17g, exported %.17g", back->prep.scale, m->prep.scale);
	if (memcmp(back->prep.index, m->prep.index, sizeof(m->prep.index)) != 0)
		uc_fail(c, "seasonal indices differ after the round trip");
	if (back->n_members == m->n_members &&
		memcmp(back->params, m->params, total * sizeof(sf_real)) != 0)
		uc_fail(c, "params differ after the round trip");
}

static void
test_json_v11_round_trip(void)
{
	for (int k = 0; k < (int) (sizeof(v11_cases) / sizeof(v11_cases[0])); k++)
	{
		const v11_case *vc = &v11_cases[k];
		sf_model	m,
					back,
					again;
		size_t		cap,
					len,
					len2;
		char	   *doc,
				   *doc2;
		char		err[SF_JSON_ERRLEN];
		char		want[64];
		alloc_log	log;
		unit_case	c;
		int			rc;

		v11_model(vc, &m);
		cap = sf_export_json_bytes(&m.arch, m.n_members, 0);
		doc = xmalloc(cap);
		doc2 = xmalloc(cap);
		uc_begin(&c, "json 1.1 %s: export, import, every prep field and param identical",
				 vc->label);
		if (m.prep.norm != vc->norm || (vc->fit && m.prep.season != vc->season))
			uc_fail(&c, "the model to export has norm %d season %d", m.prep.norm,
					m.prep.season);
		len = sf_export_json(&m, NULL, doc, cap);
		snprintf(want, sizeof(want), "\"level\": %d,", m.prep.level);
		if (len == 0)
			uc_fail(&c, "export returned 0 for capacity %zu", cap);
		else if (strstr(doc, "\"normalize\"") == NULL || strstr(doc, want) == NULL)
			uc_fail(&c, "export lacks \"normalize\" or %s", want);
		else if ((m.n_members > 1) != (strstr(doc, "\"members\"") != NULL))
			uc_fail(&c, "export has \"members\" for %d members", m.n_members);
		else if ((rc = import(doc, len, &back, err, &log)) != SF_OK)
			uc_fail(&c, "import of the export returned %d: %.200s", rc, err);
		else
		{
			double		history[40],
						f1[6],
						f2[6];
			void	   *work = xmalloc(sf_infer_bytes(&m.arch, m.n_members, 1));

			v11_compare(&c, &m, &back);
			if (log.calls != 1 || back.params != log.last)
				uc_fail(&c, "%d allocations; params %s the allocated block",
						log.calls, back.params == log.last ? "are" : "are not");

			/* the import's export is the same text */
			len2 = sf_export_json(&back, NULL, doc2, cap);
			if (len2 != len || memcmp(doc, doc2, len) != 0)
				uc_fail(&c, "exporting the import gives other text (%zu vs %zu bytes)",
						len2, len);
			rc = import(doc2, len2, &again, err, &log);
			if (rc != SF_OK)
				uc_fail(&c, "second import returned %d: %.200s", rc, err);
			else
			{
				v11_compare(&c, &m, &again);
				free(again.params);
			}

			/* the same forecast, bit for bit, from the same history */
			for (int i = 0; i < 40; i++)
				history[i] = 50 + 2 * i + 10 * sin(i * 1.3);
			sf_forecast(&m, history + 40 - m.arch.window, 3, 6, f1, work, NULL);
			sf_forecast(&back, history + 40 - m.arch.window, 3, 6, f2, work, NULL);
			if (memcmp(f1, f2, sizeof(f1)) != 0 || !isfinite(f1[5]))
				uc_fail(&c, "forecasts differ: %.17g vs %.17g", f1[5], f2[5]);
			free(work);
			free(back.params);
		}
		uc_end(&c);

		if (k == 2)
		{
			size_t		cut;
			int			bad = 0;

			uc_begin(&c, "json 1.1: every truncation of an ensemble export is refused, nothing allocated");
			for (cut = 0; cut < len; cut += cut > 300 ? 5 : 1)
			{
				rc = import(doc, cut, &back, err, &log);
				if (rc == SF_OK || log.calls != 0 || err[0] == '\0' ||
					memchr(err, '\0', SF_JSON_ERRLEN) == NULL)
				{
					if (bad++ == 0)
						uc_fail(&c, "first %zu of %zu bytes: rc %d, %d allocations",
								cut, len, rc, log.calls);
					if (rc == SF_OK)
						free(back.params);
				}
			}
			uc_end(&c);
		}
		free(doc2);
		free(doc);
		free(m.params);
	}
}

/* The hand document's tensors, as a value (after "\"tensors\": "). */
#define HAND_TENSORS (hand_members[0] + strlen("\"tensors\": "))

/* Another network of the hand document's architecture. */
#define NET_B(out_bias, extra) \
	"{\"out.bias\": {\"shape\": [1], \"data\": [" out_bias "]}, " \
	"\"rnn.weight_hh_l0\": {\"shape\": [1, 1], \"data\": [0.25]}, " \
	"\"rnn.weight_ih_l0\": {\"shape\": [1, 1], \"data\": [1]}, " \
	"\"rnn.bias_ih_l0\": {\"shape\": [1], \"data\": [0]}, " extra \
	"\"out.weight\": {\"shape\": [1, 1], \"data\": [-2]}}"
#define NET_B_OK NET_B("-0.5", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, ")

static void
test_json_v11_hand(void)
{
	char		doc[8192];
	char		members[32768];
	char		err[SF_JSON_ERRLEN];
	const char *repl[HAND_MEMBERS];
	sf_model	m;
	alloc_log	log;
	unit_case	c;
	size_t		len;
	int			rc;

	uc_begin(&c, "json 1.1: a minmax single-network document imports as before");
	len = hand_doc(doc, sizeof(doc), -1, NULL);
	rc = import(doc, len, &m, err, &log);
	if (rc != SF_OK)
		uc_fail(&c, "import returned %d: %.200s", rc, err);
	else
	{
		if (m.n_members != 1 || m.prep.norm != SF_NORM_MINMAX || m.prep.scale != 1.0 ||
			m.prep.level != 0 || m.prep.season != 0 || log.calls != 1)
			uc_fail(&c, "members %d norm %d scale %g level %d season %d, %d allocations",
					m.n_members, m.prep.norm, m.prep.scale, m.prep.level,
					m.prep.season, log.calls);
		free(m.params);
	}
	uc_end(&c);

	uc_begin(&c, "json 1.1: hand-written normalize objects import as written");
	{
		static const struct
		{
			const char *normalize;
			int			norm,
						level,
						season;
			double		scale,
						index0;
		}			good[] = {
			{"\"normalize\": {\"kind\": \"window\", \"level\": 2, \"scale\": 0.5}",
			SF_NORM_WINDOW, 2, 0, 0.5, 0},
			{"\"normalize\": {\"scale\": 2.5e-3, \"level\": 1, \"kind\": \"LOG\", \"season\": 2, "
				"\"seasonal_indices\": [0.125, -0.125], \"note\": [1, {\"x\": null}]}",
			SF_NORM_LOG, 1, 2, 2.5e-3, 0.125},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 0, "
				"\"seasonal_indices\": []}", SF_NORM_WINDOW, 1, 0, 1, 0},
		};

		for (int i = 0; i < (int) (sizeof(good) / sizeof(good[0])); i++)
		{
			len = hand_doc(doc, sizeof(doc), 8, good[i].normalize);
			rc = import(doc, len, &m, err, &log);
			if (rc != SF_OK)
			{
				uc_fail(&c, "%s: rc %d (%.200s)", good[i].normalize, rc, err);
				continue;
			}
			if (m.prep.norm != good[i].norm || m.prep.level != good[i].level ||
				m.prep.season != good[i].season || m.prep.scale != good[i].scale ||
				m.prep.index[0] != good[i].index0 || m.n_members != 1 ||
				(m.prep.season == 2 && m.prep.index[1] != -good[i].index0))
				uc_fail(&c, "%s: norm %d level %d season %d scale %g index0 %g",
						good[i].normalize, m.prep.norm, m.prep.level,
						m.prep.season, m.prep.scale, m.prep.index[0]);
			free(m.params);
		}
	}
	uc_end(&c);

	uc_begin(&c, "json 1.1: members import member after member, with or without \"tensors\"");
	{
		static const sf_real hand_w[6] = {2, -0.5, (sf_real) 0.1, -0.125, 1.5, 0.25};
		static const sf_real net_b[6] = {1, 0.25, 0, 0.75, -2, -0.5};

		for (int variant = 0; variant < 3; variant++)
		{
			int			want_members = variant == 2 ? 1 : 2;

			for (int i = 0; i < HAND_MEMBERS; i++)
				repl[i] = NULL;
			if (variant == 2)
				snprintf(members, sizeof(members), "\"members\": [%s]", HAND_TENSORS);
			else
				snprintf(members, sizeof(members), "\"members\": [%s, %s]",
						 HAND_TENSORS, NET_B_OK);
			repl[8] = members;
			if (variant == 1)
				repl[0] = "";	/* no "tensors": members alone */
			len = hand_doc_with(doc, sizeof(doc), repl);
			rc = import(doc, len, &m, err, &log);
			if (rc != SF_OK)
			{
				uc_fail(&c, "variant %d: rc %d (%.200s)", variant, rc, err);
				continue;
			}
			if (m.n_members != want_members || log.calls != 1)
				uc_fail(&c, "variant %d: %d members, %d allocations", variant,
						m.n_members, log.calls);
			else if (memcmp(m.params, hand_w, sizeof(hand_w)) != 0 ||
					 (want_members == 2 && memcmp(m.params + 6, net_b, sizeof(net_b)) != 0))
				uc_fail(&c, "variant %d: params %g %g ... member 1: %g %g", variant,
						(double) m.params[0], (double) m.params[1],
						(double) m.params[6], (double) m.params[7]);
			free(m.params);
		}
	}
	uc_end(&c);

	uc_begin(&c, "json 1.1: malformed normalize objects are refused with the right code");
	{
		static const struct
		{
			const char *normalize;
			int			rc;
			const char *mention;
		}			bad[] = {
			{"\"normalize\": []", SF_EJSON, "\"normalize\""},
			{"\"normalize\": \"window\"", SF_EJSON, "\"normalize\""},
			{"\"normalize\": null", SF_EJSON, "\"normalize\""},
			{"\"normalize\": {}", SF_EJSON, "normalize.kind"},
			{"\"normalize\": {\"kind\": \"window\", \"scale\": 1}", SF_EJSON, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1}", SF_EJSON, "normalize.scale"},
			{"\"normalize\": {\"level\": 1, \"scale\": 1}", SF_EJSON, "normalize.kind"},
			{"\"normalize\": {\"kind\": 1, \"level\": 1, \"scale\": 1}", SF_EJSON, "normalize.kind"},
			{"\"normalize\": {\"kind\": \"minmax\", \"level\": 1, \"scale\": 1}", SF_EINVAL, "normalize.kind"},
			{"\"normalize\": {\"kind\": \"windows\", \"level\": 1, \"scale\": 1}", SF_EINVAL, "normalize.kind"},
			{"\"normalize\": {\"kind\": \"a-very-long-kind-name-indeed\", \"level\": 1, \"scale\": 1}", SF_EINVAL, "normalize.kind"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": \"last\", \"scale\": 1}", SF_EJSON, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 0, \"scale\": 1}", SF_EINVAL, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 3, \"scale\": 1}", SF_EINVAL, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1.5, \"scale\": 1}", SF_EINVAL, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": -1, \"scale\": 1}", SF_EINVAL, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 0}", SF_EINVAL, "normalize.scale"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": -0.5}", SF_EINVAL, "normalize.scale"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": -0}", SF_EINVAL, "normalize.scale"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1e400}", SF_EINVAL, "normalize.scale"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": \"1\"}", SF_EJSON, "normalize.scale"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 1}", SF_EINVAL, "normalize.season"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": -2}", SF_EINVAL, "normalize.season"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2.5}", SF_EINVAL, "normalize.season"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 1025}", SF_EINVAL, "normalize.season"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": \"4\"}", SF_EJSON, "normalize.season"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2}", SF_EJSON, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2, \"seasonal_indices\": [0.5]}", SF_EINVAL, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2, \"seasonal_indices\": [0.5, 0, 1]}", SF_EINVAL, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"seasonal_indices\": [0.5]}", SF_EINVAL, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2, \"seasonal_indices\": [0.5, 1e400]}", SF_EINVAL, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2, \"seasonal_indices\": [0.5, null]}", SF_EJSON, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"season\": 2, \"seasonal_indices\": {}}", SF_EJSON, "normalize.seasonal_indices"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1, \"level\": 2}", SF_EJSON, "normalize.level"},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1}, \"normalize\": {}", SF_EJSON, "\"normalize\""},
			{"\"normalize\": {\"kind\": \"window\", \"level\": 1, \"scale\": 1", SF_EJSON, ""},
		};

		for (int i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
		{
			len = hand_doc(doc, sizeof(doc), 8, bad[i].normalize);
			rc = import(doc, len, &m, err, &log);
			if (rc == SF_OK)
			{
				uc_fail(&c, "accepted %s", bad[i].normalize);
				free(m.params);
				continue;
			}
			if (rc != bad[i].rc || strstr(err, bad[i].mention) == NULL ||
				memchr(err, '\0', SF_JSON_ERRLEN) == NULL || log.calls != 0 ||
				m.params != NULL || m.n_members != 0)
				uc_fail(&c, "%s: rc %d (expected %d), message \"%.200s\" (should name %s), %d allocations",
						bad[i].normalize, rc, bad[i].rc, err, bad[i].mention, log.calls);
		}
	}
	uc_end(&c);

	uc_begin(&c, "json 1.1: malformed members are refused with the right code");
	{
		static const struct
		{
			const char *net0;	/* NULL: the hand tensors */
			const char *net1;	/* NULL: only net0; "": none at all */
			const char *raw;	/* the whole "members" value instead */
			int			rc;
			const char *mention;
		}			bad[] = {
			{NULL, NULL, "{}", SF_EJSON, "\"members\""},
			{NULL, NULL, "null", SF_EJSON, "\"members\""},
			{NULL, NULL, "[]", SF_EINVAL, "members must hold between 1 and 32"},
			{NULL, NULL, "[1]", SF_EJSON, "members[0]"},
			{NULL, NULL, "[[]]", SF_EJSON, "members[0]"},
			{NULL, "7", NULL, SF_EJSON, "members[1]"},
			/* member 1: a tensor missing, of the wrong shape or count, extra, twice */
			{NULL, NET_B("-0.5", ""), NULL, SF_EINVAL, "\"rnn.bias_hh_l0\" of members[1]"},
			{NULL, NET_B("-0.5", "\"rnn.bias_hh_l0\": {\"shape\": [1, 1], \"data\": [0.75]}, "), NULL,
			SF_EINVAL, "tensor \"rnn.bias_hh_l0\" of members[1] has shape"},
			{NULL, NET_B("-0.5, 1", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, "), NULL,
			SF_EINVAL, "tensor \"out.bias\" of members[1] has 2 values"},
			{NULL, NET_B("-0.5", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, \"head.0.bias\": {}, "), NULL,
			SF_EINVAL, "unexpected tensor \"head.0.bias\" of members[1]"},
			{NULL, NET_B("-0.5", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, \"rnn.bias_hh_l0\": {}, "), NULL,
			SF_EJSON, "tensor \"rnn.bias_hh_l0\" of members[1] appears twice"},
			{NULL, NET_B("1e39", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, "), NULL,
			SF_EINVAL, "tensor \"out.bias\" of members[1] has a value out of float32 range"},
			{NULL, NET_B("null", "\"rnn.bias_hh_l0\": {\"shape\": [1], \"data\": [0.75]}, "), NULL,
			SF_EJSON, "tensor \"out.bias\" of members[1]"},
			{NULL, NET_B("-0.5", "\"rnn.bias_hh_l0\": [0.75], "), NULL,
			SF_EJSON, "tensor \"rnn.bias_hh_l0\" of members[1] must be an object"},
			/* "tensors" must be members[0], bit for bit */
			{NET_B_OK, NULL, NULL, SF_EINVAL, "tensors must equal members[0]"},
			{NET_B_OK, NET_B_OK, NULL, SF_EINVAL, "tensors must equal members[0]"},
		};
		char		more[4096];

		for (int i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
		{
			if (bad[i].raw)
				snprintf(members, sizeof(members), "\"members\": %s", bad[i].raw);
			else
				snprintf(members, sizeof(members), "\"members\": [%s%s%s]",
						 bad[i].net0 ? bad[i].net0 : HAND_TENSORS,
						 bad[i].net1 ? ", " : "", bad[i].net1 ? bad[i].net1 : "");
			len = hand_doc(doc, sizeof(doc), 8, members);
			rc = import(doc, len, &m, err, &log);
			if (rc == SF_OK)
			{
				uc_fail(&c, "accepted %.200s", members);
				free(m.params);
				continue;
			}
			if (rc != bad[i].rc || strstr(err, bad[i].mention) == NULL ||
				log.calls != 0 || m.params != NULL)
				uc_fail(&c, "%.120s: rc %d (expected %d), message \"%.200s\" (should name %s), %d allocations",
						members, rc, bad[i].rc, err, bad[i].mention, log.calls);
		}

		/* one member more than the cap, however small each is */
		{
			size_t		used = (size_t) snprintf(more, sizeof(more), "\"members\": [");

			for (int k = 0; k <= SF_MAX_MEMBERS; k++)
				used += (size_t) snprintf(more + used, sizeof(more) - used, "%s{}",
										  k ? ", " : "");
			snprintf(more + used, sizeof(more) - used, "]");
			len = hand_doc(doc, sizeof(doc), 8, more);
			rc = import(doc, len, &m, err, &log);
			/* member 0 is checked first: {} misses tensors */
			if (rc != SF_EINVAL || log.calls != 0 || strstr(err, "members[0]") == NULL)
				uc_fail(&c, "33 empty members: rc %d (%.200s)", rc, err);
			if (rc == SF_OK)
				free(m.params);
		}
		{
			size_t		used = (size_t) snprintf(members, sizeof(members), "\"members\": [");

			for (int k = 0; k <= SF_MAX_MEMBERS; k++)
				used += (size_t) snprintf(members + used, sizeof(members) - used, "%s%s",
										  k ? ", " : "", k ? NET_B_OK : HAND_TENSORS);
			snprintf(members + used, sizeof(members) - used, "]");
			if (used + 2 >= sizeof(members))
				uc_fail(&c, "the test's buffer is too small for 33 members");
			{
				char	   *big = xmalloc(sizeof(members) + sizeof(doc));

				len = hand_doc(big, sizeof(members) + sizeof(doc), 8, members);
				rc = import(big, len, &m, err, &log);
				if (rc != SF_EINVAL || log.calls != 0 ||
					strstr(err, "members must hold between 1 and 32") == NULL)
					uc_fail(&c, "33 members: rc %d (%.200s)", rc, err);
				if (rc == SF_OK)
					free(m.params);
				free(big);
			}
		}

		/* neither "tensors" nor "members" */
		len = hand_doc(doc, sizeof(doc), 0, NULL);
		rc = import(doc, len, &m, err, &log);
		if (rc != SF_EJSON || strstr(err, "\"tensors\"") == NULL || log.calls != 0)
			uc_fail(&c, "without tensors and members: rc %d (%.200s)", rc, err);
		if (rc == SF_OK)
			free(m.params);
	}
	uc_end(&c);
}

void
test_json(void)
{
	test_json_round_trip();
	test_json_hand();
	test_json_v11_round_trip();
	test_json_v11_hand();
}
