/*
 * fuzz_common.h
 *	  What both fuzz harnesses do with a model that the decoder or the
 *	  importer accepted: run it the way the server does (one-step predictions
 *	  over a few windows, scored; a short recursive forecast), and check that
 *	  exporting it to the interchange JSON and importing that back gives the
 *	  same model, bit for bit.  Any disagreement aborts, which libFuzzer
 *	  reports as a crash with the input that caused it.
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

static void *
FuzzAlloc(void *ctx, size_t bytes)
{
	(void) ctx;
	return malloc(bytes);
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

	/* each with exactly the work area its contract names, as forecast.c */
	work = malloc(sf_infer_bytes(&m->arch, 1, SF_INFER_CHUNK));
	FuzzAssert(work != NULL, "work allocation");
	sf_predict_windows(m, series, 0, windows, pred, work, NULL);
	sf_score(series + T, pred, windows, &sc);
	free(work);
	work = malloc(sf_infer_bytes(&m->arch, 1, 1));
	FuzzAssert(work != NULL, "work allocation");
	sf_forecast(m, n_tail == T ? tail : series + windows, 0, horizon, fc, work,
				NULL);
	free(work);
	free(series);
}

/*
 * Export to JSON, import it back: the same architecture, scaler and bits.
 * Models beyond FUZZ_ROUND_TRIP_PARAMS are skipped: the text work grows with
 * the weights while the code paths do not.
 */
#define FUZZ_ROUND_TRIP_PARAMS 4096

static void
FuzzRoundTrip(const sf_model *m)
{
	const char *extra = "\"metrics\": {\"r2\": 0.5, \"n\": [1, 2, {\"x\": null}]}";
	size_t		cap = sf_export_json_bytes(&m->arch, 1, strlen(extra));
	char	   *text;
	size_t		len;
	sf_model	back;
	char		err[SF_JSON_ERRLEN];
	int			rc;

	if (sf_param_count(&m->arch) > FUZZ_ROUND_TRIP_PARAMS)
		return;
	text = malloc(cap);
	FuzzAssert(text != NULL, "export allocation");
	len = sf_export_json(m, extra, text, cap);
	FuzzAssert(len > 0 && len < cap && text[len] == '\0', "export fits its bound");
	rc = sf_import_json(text, len, FuzzAlloc, NULL, &back, err, sizeof(err));
	if (rc != SF_OK)
		fprintf(stderr, "re-import failed: %s\n", err);
	FuzzAssert(rc == SF_OK, "export re-imports");
	FuzzAssert(memcmp(&back.arch, &m->arch, sizeof(sf_arch)) == 0, "same architecture");
	FuzzAssert(back.scale_min == m->scale_min && back.scale_max == m->scale_max,
			   "same scaler");
	FuzzAssert(memcmp(back.params, m->params,
					  sf_param_count(&m->arch) * sizeof(sf_real)) == 0,
			   "same weights, bit for bit");
	free(back.params);
	free(text);
}

#endif							/* FUZZ_COMMON_H */
