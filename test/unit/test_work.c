/*
 * test_work.c
 *	  The *_bytes functions announce every byte of working memory: nothing is
 *	  written past the announced size, whatever the alignment of the buffer
 *	  the caller passes (the glue allocates with palloc, tests with malloc).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define GUARD 512
#define CANARY 0xCD

/* A work area at an odd offset inside a larger buffer, guarded after. */
typedef struct guarded
{
	unsigned char *raw;
	unsigned char *work;
	size_t		size;
} guarded;

static void
guard_alloc(guarded *g, size_t size, int offset)
{
	g->raw = xmalloc(size + GUARD + 64);
	memset(g->raw, CANARY, size + GUARD + 64);
	g->work = g->raw + offset;
	g->size = size;
}

/* Returns the first guarded byte written, or -1. */
static long
guard_check(const guarded *g)
{
	size_t		i;

	for (i = 0; i < GUARD; i++)
		if (g->work[g->size + i] != CANARY)
			return (long) i;
	return -1;
}

static void
check_arch(const sf_arch *a, int offset)
{
	char		label[96];
	size_t		P = sf_param_count(a);
	sf_model	m;
	unit_case	c;
	guarded		g;
	long		at;
	int			B = 45,
				n = 700,
				i;
	double	   *series = xmalloc(sizeof(double) * (size_t) n);
	double	   *pred = xmalloc(sizeof(double) * (size_t) n * 3);
	sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) B * a->window);
	sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) B);
	sf_real    *grad = xmalloc(sizeof(sf_real) * P);
	sf_real    *bp = xmalloc(sizeof(sf_real) * (size_t) B);
	unit_rng	r = {31};

	arch_label(a, label, sizeof(label));
	memset(&m, 0, sizeof(m));
	m.arch = *a;
	m.params = xmalloc(sizeof(sf_real) * P);
	sf_model_init(&m, 5);
	m.scale_min = -1.0;
	m.scale_max = 2.0;
	for (i = 0; i < n; i++)
		series[i] = urange(&r, -1.0, 2.0);
	for (i = 0; i < B * a->window; i++)
		x[i] = (sf_real) urand(&r);
	for (i = 0; i < B; i++)
		y[i] = (sf_real) urand(&r);

	uc_begin(&c, "work %s (offset %d): no write past the announced size",
			 label, offset);

	guard_alloc(&g, sf_batch_bytes(a, B), offset);
	(void) sf_batch_loss(&m, x, y, B, bp, grad, g.work);
	if ((at = guard_check(&g)) >= 0)
		uc_fail(&c, "sf_batch_loss wrote %ld bytes past sf_batch_bytes", at + 1);
	free(g.raw);

	guard_alloc(&g, sf_infer_bytes(a, 1, SF_INFER_CHUNK), offset);
	sf_predict_windows(&m, series, 0, n - a->window, pred, g.work, NULL);
	if ((at = guard_check(&g)) >= 0)
		uc_fail(&c, "sf_predict_windows wrote past sf_infer_bytes (byte %ld)", at);
	sf_forecast(&m, series, 0, 40, pred, g.work, NULL);
	if ((at = guard_check(&g)) >= 0)
		uc_fail(&c, "sf_forecast wrote past sf_infer_bytes (byte %ld)", at);
	sf_forecast_from(&m, series, 0, 3, 300, 3, pred, g.work, NULL);
	if ((at = guard_check(&g)) >= 0)
		uc_fail(&c, "sf_forecast_from wrote past sf_infer_bytes (byte %ld)", at);
	free(g.raw);

	{
		sf_train_opts o;
		sf_train_result res;
		double		loss[3],
					val[3];
		int			rc;

		sf_train_opts_tutorial(&o);
		o.dropout = 0.2;
		o.epochs = 3;
		o.batch_size = 33;
		o.learning_rate = 0.01;
		o.test_fraction = 0.1;
		o.validation_fraction = 0.1;
		o.patience = 2;
		o.seed = 1;
		res.loss = loss;
		res.val_loss = val;
		guard_alloc(&g, sf_train_bytes(a, &o, 200), offset);
		rc = sf_train(&m, &o, series, 200, g.work, &res, NULL);
		if (rc != SF_OK)
			uc_fail(&c, "sf_train returned %d", rc);
		if ((at = guard_check(&g)) >= 0)
			uc_fail(&c, "sf_train wrote past sf_train_bytes (byte %ld)", at);
		free(g.raw);
	}
	uc_end(&c);

	free(series);
	free(pred);
	free(x);
	free(y);
	free(grad);
	free(bp);
	free(m.params);
}

void
test_work(void)
{
	static const int head2[2] = {16, 8};
	static const int head3[3] = {7, 1, 5};
	sf_arch		arches[] = {
		make_arch(SF_RNN, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 9, 32, 1, 2, head2),
		make_arch(SF_GRU, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 5, 3, 3, 3, head3),
		make_arch(SF_GRU, 1, 1, 1, 0, NULL),
		make_arch(SF_RNN, 30, 17, 2, 0, NULL),
	};
	int			i;

	for (i = 0; i < (int) (sizeof(arches) / sizeof(arches[0])); i++)
		check_arch(&arches[i], (i * 13) % 64);
}
