/*
 * test_grad.c
 *	  Gradient checks of sf_batch_loss against central finite differences,
 *	  and its forward pass against the independent reference, in double
 *	  precision (this file is only built against the -DSF_REAL=double core).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Five-point central stencil: truncation error O(h^4), rounding O(eps/h). */
#define GRAD_H 1e-4
#define GRAD_TOL 1e-6
#define GRAD_FLOOR 1e-5
/* Keep every head pre-activation this far from the ReLU kink. */
#define KINK_MARGIN 2e-3

typedef struct grad_config
{
	int			kind;
	int			window;
	int			hidden;
	int			layers;
	int			n_head;
	int			head[2];
	int			batch;
	int			inputs;			/* 0: one */
} grad_config;

static double
loss_at(const sf_model *m, const sf_real *x, const sf_real *y, int batch,
		void *work)
{
	return sf_batch_loss(m, x, y, batch, NULL, NULL, work);
}

static void
check_config(const grad_config *gc, int index)
{
	sf_arch		arch = make_arch(gc->kind, gc->window, gc->hidden, gc->layers,
								 gc->n_head, gc->head);
	char		label[96];
	int			I = gc->inputs > 1 ? gc->inputs : 1;
	int			TI = gc->window * I;
	size_t		P = sf_param_count(&arch);
	sf_tensor	tensors[SF_MAX_TENSORS];
	int			n_tensors;
	sf_model	model;
	sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) gc->batch * TI);
	sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) gc->batch);
	sf_real    *pred = xmalloc(sizeof(sf_real) * (size_t) gc->batch);
	sf_real    *grad;
	double	   *xd;
	void	   *work;
	unit_rng	rng = {UINT64_C(1000) + (uint64_t) index};
	unit_case	c;
	double		loss,
				loss2,
				ref_loss,
				min_relu = 0.0;
	int			tries,
				b,
				t,
				i;

	arch.inputs = gc->inputs;
	P = sf_param_count(&arch);
	grad = xmalloc(sizeof(sf_real) * P);
	xd = xmalloc(sizeof(double) * (size_t) TI);
	work = xmalloc(sf_batch_bytes(&arch, gc->batch));
	arch_label(&arch, label, sizeof(label));
	memset(&model, 0, sizeof(model));
	model.arch = arch;
	model.scale_min = 0.0;
	model.scale_max = 1.0;
	model.params = xmalloc(sizeof(sf_real) * P);

	/*
	 * Random parameters, inputs and targets; redrawn while any head ReLU sits
	 * too close to its kink, where finite differences are meaningless.
	 */
	for (tries = 0; tries < 50; tries++)
	{
		min_relu = INFINITY;
		for (i = 0; i < (int) P; i++)
			model.params[i] = (sf_real) urange(&rng, -0.7, 0.7);
		for (b = 0; b < gc->batch; b++)
		{
			double		mr;

			for (t = 0; t < TI; t++)
				x[b * TI + t] = (sf_real) urand(&rng);
			y[b] = (sf_real) urand(&rng);
			for (t = 0; t < TI; t++)
				xd[t] = x[b * TI + t];
			(void) ref_forward(&arch, model.params, xd, &mr);
			if (mr < min_relu)
				min_relu = mr;
		}
		if (min_relu > KINK_MARGIN)
			break;
	}

	/* Forward pass against the reference, and the loss is the batch MSE. */
	uc_begin(&c, "forward(double) %s batch %d matches the reference", label,
			 gc->batch);
	for (i = 0; i < (int) P; i++)
		grad[i] = (sf_real) 123.0;
	for (b = 0; b < gc->batch; b++)
		pred[b] = (sf_real) -777.0;
	loss = sf_batch_loss(&model, x, y, gc->batch, pred, grad, work);
	ref_loss = 0.0;
	for (b = 0; b < gc->batch; b++)
	{
		double		r;

		for (t = 0; t < TI; t++)
			xd[t] = x[b * TI + t];
		r = ref_forward(&arch, model.params, xd, NULL);
		ref_loss += (r - y[b]) * (r - y[b]);
		if (rel_diff(pred[b], r, 1e-3) > 1e-12)
			uc_fail(&c, "pred[%d] = %.17g, reference %.17g", b,
					(double) pred[b], r);
	}
	ref_loss /= gc->batch;
	if (rel_diff(loss, ref_loss, 1e-6) > 1e-12)
		uc_fail(&c, "loss %.17g, reference MSE %.17g", loss, ref_loss);
	loss2 = sf_batch_loss(&model, x, y, gc->batch, NULL, NULL, work);
	if (rel_diff(loss, loss2, 1e-12) > 1e-14)
		uc_fail(&c, "loss with pred/grad %.17g differs from loss without %.17g",
				loss, loss2);
	uc_end(&c);

	/* Every element of every tensor against the five-point stencil. */
	n_tensors = sf_tensors(&arch, tensors);
	for (i = 0; i < n_tensors; i++)
	{
		const sf_tensor *tn = &tensors[i];
		double		worst = 0.0;
		size_t		worst_at = 0;
		double		worst_a = 0.0,
					worst_n = 0.0;
		size_t		e;

		uc_begin(&c, "gradient %s batch %d %s", label, gc->batch, tn->name);
		if (tn->offset + tn->size > P)
		{
			uc_fail(&c, "tensor [%zu, %zu) exceeds %zu parameters",
					tn->offset, tn->offset + tn->size, P);
			uc_end(&c);
			continue;
		}
		for (e = 0; e < tn->size; e++)
		{
			size_t		k = tn->offset + e;
			sf_real		saved = model.params[k];
			double		lp1,
						lm1,
						lp2,
						lm2,
						num,
						err;

			model.params[k] = saved + (sf_real) GRAD_H;
			lp1 = loss_at(&model, x, y, gc->batch, work);
			model.params[k] = saved - (sf_real) GRAD_H;
			lm1 = loss_at(&model, x, y, gc->batch, work);
			model.params[k] = saved + (sf_real) (2 * GRAD_H);
			lp2 = loss_at(&model, x, y, gc->batch, work);
			model.params[k] = saved - (sf_real) (2 * GRAD_H);
			lm2 = loss_at(&model, x, y, gc->batch, work);
			model.params[k] = saved;
			num = (8.0 * (lp1 - lm1) - (lp2 - lm2)) / (12.0 * GRAD_H);
			err = rel_diff(grad[k], num, GRAD_FLOOR);
			if (err > worst || isnan(err))
			{
				worst = isnan(err) ? INFINITY : err;
				worst_at = e;
				worst_a = grad[k];
				worst_n = num;
			}
		}
		if (worst > GRAD_TOL)
			uc_fail(&c, "worst rel err %.3g at element %zu: analytic %.12g, "
					"numeric %.12g", worst, worst_at, worst_a, worst_n);
		else
			uc_note(&c, "%zu elements, worst rel err %.2g at %zu", tn->size,
					worst, worst_at);
		uc_end(&c);
	}

	free(model.params);
	free(x);
	free(y);
	free(pred);
	free(grad);
	free(xd);
	free(work);
}

static void
test_grad_all(void)
{
	static const grad_config configs[] = {
		{SF_RNN, 5, 4, 1, 0, {0, 0}, 3, 0},
		{SF_RNN, 5, 4, 1, 2, {5, 3}, 3, 0},
		{SF_RNN, 4, 3, 2, 0, {0, 0}, 3, 0},
		{SF_RNN, 4, 3, 2, 2, {5, 3}, 3, 0},
		{SF_LSTM, 5, 4, 1, 0, {0, 0}, 3, 0},
		{SF_LSTM, 5, 4, 1, 2, {5, 3}, 3, 0},
		{SF_LSTM, 4, 3, 2, 0, {0, 0}, 3, 0},
		{SF_LSTM, 4, 3, 2, 2, {5, 3}, 3, 0},
		{SF_GRU, 5, 4, 1, 0, {0, 0}, 3, 0},
		{SF_GRU, 5, 4, 1, 2, {5, 3}, 3, 0},
		{SF_GRU, 4, 3, 2, 0, {0, 0}, 3, 0},
		{SF_GRU, 4, 3, 2, 2, {5, 3}, 3, 0},
		/* Edge shapes: one time step, one unit, one window, one head layer. */
		{SF_GRU, 1, 1, 1, 0, {0, 0}, 1, 0},
		{SF_LSTM, 3, 2, 1, 1, {2, 0}, 1, 0},
		{SF_RNN, 2, 2, 3, 1, {3, 0}, 2, 0},
		/* Several inputs per step (the value and exog columns). */
		{SF_RNN, 4, 3, 1, 1, {3, 0}, 3, 3},
		{SF_RNN, 3, 3, 2, 0, {0, 0}, 2, 4},
		{SF_LSTM, 4, 3, 1, 1, {3, 0}, 3, 3},
		{SF_LSTM, 3, 2, 2, 0, {0, 0}, 2, 5},
		{SF_GRU, 4, 3, 1, 1, {3, 0}, 3, 3},
		{SF_GRU, 3, 2, 2, 2, {4, 3}, 2, 5},
		{SF_GRU, 1, 1, 1, 0, {0, 0}, 1, 2},
	};
	int			i;

	for (i = 0; i < (int) (sizeof(configs) / sizeof(configs[0])); i++)
		check_config(&configs[i], i);
}

/*
 * The robust losses' gradients: Huber's against the five-point stencil with
 * errors on both sides of its bend, the absolute error's where no error is
 * near 0 (its kink); the loss values against their definitions.
 */
static void
check_losses(void)
{
	static const int head[2] = {4, 0};
	static const char *const names[] = {"mse", "mae", "huber"};
	sf_arch		arch = make_arch(SF_GRU, 4, 3, 1, 1, head);
	size_t		P = sf_param_count(&arch);
	int			batch = 6;
	sf_model	model;
	sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) batch * arch.window);
	sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) batch);
	sf_real    *pred = xmalloc(sizeof(sf_real) * (size_t) batch);
	sf_real    *grad = xmalloc(sizeof(sf_real) * P);
	void	   *work = xmalloc(sf_batch_bytes(&arch, batch));
	unit_rng	rng = {UINT64_C(4242)};

	memset(&model, 0, sizeof(model));
	model.arch = arch;
	model.n_members = 1;
	model.scale_max = 1.0;
	model.params = xmalloc(sizeof(sf_real) * P);
	for (int loss = SF_LOSS_MAE; loss <= SF_LOSS_HUBER; loss++)
	{
		unit_case	c;
		double		value,
					want = 0,
					worst = 0;

		for (size_t i = 0; i < P; i++)
			model.params[i] = (sf_real) urange(&rng, -0.7, 0.7);
		for (int i = 0; i < batch * arch.window; i++)
			x[i] = (sf_real) urand(&rng);
		(void) sf_batch_loss_as(&model, loss, x, y, batch, pred, NULL, work);
		/* errors of -2.5 .. +2.5 in steps of 1: both sides of the bend, never 0 */
		for (int b = 0; b < batch; b++)
			y[b] = pred[b] + (sf_real) (b - 2.5);

		uc_begin(&c, "loss %s: value and gradient against finite differences", names[loss]);
		value = sf_batch_loss_as(&model, loss, x, y, batch, pred, grad, work);
		for (int b = 0; b < batch; b++)
		{
			double		e = fabs((double) pred[b] - y[b]);

			want += loss == SF_LOSS_MAE ? e :
				e <= SF_HUBER_DELTA ? e * e : SF_HUBER_DELTA * (2 * e - SF_HUBER_DELTA);
		}
		want /= batch;
		if (rel_diff(value, want, 1e-9) > 1e-12)
			uc_fail(&c, "loss %.17g, definition %.17g", value, want);
		for (size_t i = 0; i < P; i++)
		{
			sf_real		saved = model.params[i];
			double		h = GRAD_H,
						f[4],
						fd;

			for (int k = 0; k < 4; k++)
			{
				static const double at[4] = {-2, -1, 1, 2};

				model.params[i] = saved + (sf_real) (at[k] * h);
				f[k] = sf_batch_loss_as(&model, loss, x, y, batch, NULL, NULL, work);
			}
			model.params[i] = saved;
			fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
			if (fabs(fd - grad[i]) > worst)
				worst = fabs(fd - grad[i]);
			if (fabs(fd - grad[i]) > GRAD_TOL * fmax(1.0, fabs(fd)))
				uc_fail(&c, "param %zu: analytic %.12g, finite differences %.12g",
						i, (double) grad[i], fd);
		}
		uc_note(&c, "largest difference %.3g over %zu parameters", worst, P);
		uc_end(&c);
	}
	free(model.params);
	free(x);
	free(y);
	free(pred);
	free(grad);
	free(work);
}

void
test_grad(void)
{
	unit_case	c;

	uc_begin(&c, "double build: sf_real is double");
	if (sizeof(sf_real) != sizeof(double))
		uc_fail(&c, "sizeof(sf_real) = %zu", sizeof(sf_real));
	uc_end(&c);
	test_grad_all();
	check_losses();
}

int
main(void)
{
	test_grad();
	test_adam();
	return unit_summary();
}
