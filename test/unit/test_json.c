/*
 * test_json.c
 *	  The interchange JSON: export/import round trip, a document written by
 *	  hand as PyTorch's state_dict would be, and refusal of missing,
 *	  mistyped, out-of-range, truncated or hostile documents with a message
 *	  and without allocating.
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

void
test_json(void)
{
	test_json_round_trip();
	test_json_hand();
}
