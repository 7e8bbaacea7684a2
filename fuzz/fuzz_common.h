/*
 * fuzz_common.h
 *	  What the fuzz harness does with a model that the decoder accepted: run
 *	  it the way the server does (one-step predictions over a few windows,
 *	  scored; a short recursive forecast from a phase estimated as for a
 *	  history), and check that re-encoding it gives one that decodes the
 *	  same.  (The interchange JSON is read over jsonb in the server, and
 *	  swept there: import_sweep.sql.)  Any
 *	  disagreement aborts, which libFuzzer reports as a crash with the input
 *	  that caused it.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_core.h"

#define FUZZ_HORIZON 3
#define FUZZ_WINDOWS 3

static void
FuzzAssert(int ok, const char *what)
{
	if (!ok)
	{
		fprintf(stderr, "fuzz check failed: %s\n", what);
		abort();
	}
}

/* A deterministic, wiggly series of n values around the model's scale. */
static double *
FuzzSeries(const sf_model *m, int n)
{
	double	   *s = malloc(sizeof(double) * (size_t) n);
	double		span = m->scale_max - m->scale_min;

	FuzzAssert(s != NULL, "series allocation");
	for (int i = 0; i < n; i++)
		s[i] = m->scale_min + span * (0.5 + 0.4 * ((i * 7919) % 13 - 6) / 6.0);
	return s;
}

/*
 * Predict, score and forecast as seq_predict, seq_evaluate and seq_forecast
 * do.  Windows beyond 64 steps get one window and one step: the code path is the same,
 * and the fuzzer's time is better spent elsewhere.
 */
static void
FuzzRun(const sf_model *m, const double *tail, int n_tail)
{
	int			T = m->arch.window;
	int			windows = T > 64 ? 1 : FUZZ_WINDOWS;
	int			horizon = T > 64 ? 1 : FUZZ_HORIZON;
	int			n = T + windows;
	double	   *series = FuzzSeries(m, n);
	double		pred[FUZZ_WINDOWS],
				fc[FUZZ_HORIZON];
	sf_scores	sc;
	void	   *work;
	int			phase = sf_prep_phase(m, series, n);

	FuzzAssert(phase >= 0 && (m->prep.season == 0 ? phase == 0 : phase < m->prep.season),
			   "estimated phase in range");
	/* each with exactly the work area its contract names, as forecast.c */
	work = malloc(sf_infer_bytes(&m->arch, m->n_members, SF_INFER_CHUNK));
	FuzzAssert(work != NULL, "work allocation");
	sf_predict_windows(m, series, 0, windows, pred, work, NULL);
	sf_score(series + T, pred, windows, &sc);
	free(work);
	work = malloc(sf_infer_bytes(&m->arch, m->n_members, 1));
	FuzzAssert(work != NULL, "work allocation");
	sf_forecast(m, n_tail == T ? tail : series + windows, phase + windows,
				horizon, fc, work, NULL);
	free(work);
	free(series);
}

/* The weights of every member of m. */
static size_t
FuzzTotalParams(const sf_model *m)
{
	return (size_t) m->n_members * sf_param_count(&m->arch);
}

/* Two models the same: architecture, scaler, transform, every weight's bits. */
static void
FuzzSameModel(const sf_model *a, const sf_model *b, const char *what)
{
	int			same = a->arch.kind == b->arch.kind &&
		a->arch.window == b->arch.window && a->arch.hidden == b->arch.hidden &&
		a->arch.layers == b->arch.layers && a->arch.n_head == b->arch.n_head &&
		memcmp(a->arch.head, b->arch.head, sizeof(a->arch.head)) == 0 &&
		a->n_members == b->n_members &&
		memcmp(&a->scale_min, &b->scale_min, sizeof(double)) == 0 &&
		memcmp(&a->scale_max, &b->scale_max, sizeof(double)) == 0 &&
		a->prep.norm == b->prep.norm && a->prep.season == b->prep.season &&
		a->prep.level == b->prep.level &&
		memcmp(&a->prep.scale, &b->prep.scale, sizeof(double)) == 0 &&
		memcmp(a->prep.index, b->prep.index,
			   sizeof(double) * (size_t) a->prep.season) == 0 &&
		sf_arch_inputs(&a->arch) == sf_arch_inputs(&b->arch) &&
		a->n_exog == b->n_exog && a->calendar == b->calendar &&
		memcmp(a->exog, b->exog, sizeof(sf_exog) * (size_t) a->n_exog) == 0;

	if (!same)
		fprintf(stderr, "%s: the architecture, scaler or transform differs\n", what);
	FuzzAssert(same, what);
	FuzzAssert(memcmp(a->params, b->params, FuzzTotalParams(a) * sizeof(sf_real)) == 0,
			   what);
}

/*
 * A model the decoder accepted from buf (len bytes, decoded into info), re-
 * encoded: the encoder writes the newest format, so a format-2 input comes
 * back byte for byte and a format-1 one (a min-max single network) grows by
 * the 48-byte extension of FORMAT.md.  Either way the re-encoding decodes to
 * the same model, tail, radii and metadata, and encodes to itself again.
 */
#define FUZZ_EXT_FIXED_BYTES 48

static void
FuzzReencode(const unsigned char *buf, size_t len, const sf_blob *info)
{
	size_t		len2 = sf_encode_bytes(info);
	unsigned char *again = malloc(len2);
	unsigned char *third;
	sf_blob		info2;
	sf_real    *params2;
	double	   *tail2,
			   *radius2;
	char	   *meta2;
	const char *problem;

	FuzzAssert(again != NULL, "re-encoding allocation");
	sf_encode(info, again);
	FuzzAssert(again[4] == (buf[4] == 1 ? SF_FORMAT_VERSION : buf[4]),
			   "re-encoded in its own format (format 1 as format 2)");
	if (buf[4] >= SF_FORMAT_VERSION)
		FuzzAssert(len2 == len && memcmp(again, buf, len) == 0,
				   "a format-2 or format-3 model re-encodes byte for byte");
	else
		FuzzAssert(buf[4] == 1 && len2 == len + FUZZ_EXT_FIXED_BYTES &&
				   info->model.n_members == 1 &&
				   info->model.prep.norm == SF_NORM_MINMAX,
				   "a format-1 model re-encodes with the extension");

	problem = sf_decode_check(again, len2, &info2);
	if (problem)
		fprintf(stderr, "re-encoding refused: %s\n", problem);
	FuzzAssert(problem == NULL, "the re-encoding decodes");
	FuzzAssert(memcmp(&info2.time, &info->time, sizeof(sf_time)) == 0,
			   "the re-encoding keeps the time fields");
	params2 = malloc(sizeof(sf_real) * (FuzzTotalParams(&info2.model) + 1));
	tail2 = malloc(sizeof(double) * (size_t) (info2.n_tail + 1));
	radius2 = malloc(sizeof(double) * (size_t) (info2.n_radius + 1));
	meta2 = malloc(info2.meta_len + 1);
	FuzzAssert(params2 && tail2 && radius2 && meta2, "decoding allocation");
	sf_decode(again, &info2, params2, tail2, radius2, meta2);
	info2.model.params = params2;
	info2.tail = tail2;
	info2.radius = radius2;
	info2.meta = meta2;
	FuzzSameModel(&info->model, &info2.model, "the re-encoding decodes to the same model");
	FuzzAssert(info2.n_tail == info->n_tail && info2.tail_phase == info->tail_phase &&
			   info2.n_radius == info->n_radius && info2.meta_len == info->meta_len &&
			   memcmp(tail2, info->tail, sizeof(double) * (size_t) info->n_tail) == 0 &&
			   memcmp(radius2, info->radius, sizeof(double) * (size_t) info->n_radius) == 0 &&
			   memcmp(meta2, info->meta, info->meta_len) == 0,
			   "the re-encoding decodes to the same tail, radii and metadata");

	third = malloc(len2);
	FuzzAssert(third != NULL && sf_encode_bytes(&info2) == len2, "canonical length");
	sf_encode(&info2, third);
	FuzzAssert(memcmp(third, again, len2) == 0, "the re-encoding is canonical");
	free(third);
	free(meta2);
	free(radius2);
	free(tail2);
	free(params2);
	free(again);
}

#endif							/* FUZZ_COMMON_H */
