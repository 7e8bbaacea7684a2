/*
 * test_train.c
 *	  The split, the scaler, sf_train's errors, hooks, loop semantics,
 *	  early stopping, determinism, and that it actually learns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static sf_train_opts
default_opts(void)
{
	sf_train_opts o;

	sf_train_opts_tutorial(&o);
	return o;
}

/* A trained model with the buffers sf_train asks for. */
typedef struct run
{
	sf_model	model;
	sf_train_result result;
	double	   *loss;
	double	   *val_loss;
	void	   *work;
	int			rc;
} run;

static void
run_train(run *r, const sf_arch *arch, const sf_train_opts *opts,
		  const double *series, int n, const sf_hooks *hooks, int fill)
{
	size_t		P = sf_param_count(arch);
	size_t		wb = sf_train_bytes(arch, opts, n);
	int			e;

	memset(r, 0, sizeof(*r));
	r->model.arch = *arch;
	r->model.params = xmalloc(sizeof(sf_real) * P);
	memset(r->model.params, fill, sizeof(sf_real) * P);
	r->loss = xmalloc(sizeof(double) * (size_t) opts->epochs);
	r->val_loss = xmalloc(sizeof(double) * (size_t) opts->epochs);
	for (e = 0; e < opts->epochs; e++)
		r->loss[e] = r->val_loss[e] = -1.0;
	r->work = xmalloc(wb);
	/* Different garbage in the work area must not change anything. */
	memset(r->work, fill, wb);
	r->result.loss = r->loss;
	r->result.val_loss = r->val_loss;
	r->result.epochs_run = -1;
	r->result.best_epoch = -1;
	r->rc = sf_train(&r->model, opts, series, n, r->work, &r->result, hooks);
}

static void
free_run(run *r)
{
	free(r->model.params);
	free(r->loss);
	free(r->val_loss);
	free(r->work);
}

/* 10 + 3 sin(2 pi t / 7) plus small deterministic noise. */
static double *
weekly_series(int n, double noise)
{
	double	   *s = xmalloc(sizeof(double) * (size_t) n);
	unit_rng	r = {12345};
	int			t;

	for (t = 0; t < n; t++)
		s[t] = 10.0 + 3.0 * sin(2 * UNIT_PI * t / 7.0) +
			noise * (urand(&r) - 0.5);
	return s;
}

static void
test_split(void)
{
	static const struct
	{
		int			n,
					window;
		double		tf,
					vf;
		int			rc,
					windows,
					train,
					val,
					test;
	}			cases[] = {
		/* The recipe on 232 values: 223 windows, ceil(33.45) = 34 held out. */
		{232, 9, 0.15, 0.0, SF_OK, 223, 189, 0, 34},
		/* ceil(0.15 * 189) = ceil(28.35) = 29 validation windows. */
		{232, 9, 0.15, 0.15, SF_OK, 223, 160, 29, 34},
		{109, 9, 0.25, 0.0, SF_OK, 100, 75, 0, 25},
		{109, 9, 0.25, 0.5, SF_OK, 100, 37, 38, 25},
		{17, 10, 0.5, 0.0, SF_OK, 7, 3, 0, 4},
		{20, 4, 0.0, 0.0, SF_OK, 16, 16, 0, 0},
		{20, 4, 0.0, 0.2, SF_OK, 16, 12, 4, 0},
		{11, 10, 0.0, 0.0, SF_OK, 1, 1, 0, 0},
		{12, 10, 0.5, 0.0, SF_OK, 2, 1, 0, 1},
		/* Too short: no window, or nothing left to train on. */
		{10, 10, 0.0, 0.0, SF_ESHORT, 0, 0, 0, 0},
		{5, 10, 0.15, 0.0, SF_ESHORT, 0, 0, 0, 0},
		{11, 10, 0.15, 0.0, SF_ESHORT, 0, 0, 0, 0},
		{12, 10, 0.6, 0.0, SF_ESHORT, 0, 0, 0, 0},
		{13, 10, 0.34, 0.5, SF_ESHORT, 0, 0, 0, 0},
		/* Fractions outside [0, 1). */
		{100, 9, 1.0, 0.0, SF_EINVAL, 0, 0, 0, 0},
		{100, 9, -0.1, 0.0, SF_EINVAL, 0, 0, 0, 0},
		{100, 9, 0.15, 1.0, SF_EINVAL, 0, 0, 0, 0},
		{100, 9, 0.15, -0.5, SF_EINVAL, 0, 0, 0, 0},
		{100, 9, NAN, 0.0, SF_EINVAL, 0, 0, 0, 0},
		{100, 9, 0.1, NAN, SF_EINVAL, 0, 0, 0, 0},
	};
	unit_case	c;
	int			i;

	for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		sf_split	s;
		int			rc;

		memset(&s, 0x7f, sizeof(s));
		uc_begin(&c, "split n %d window %d test %g val %g -> %s",
				 cases[i].n, cases[i].window, cases[i].tf, cases[i].vf,
				 cases[i].rc == SF_OK ? "ok" :
				 cases[i].rc == SF_ESHORT ? "SF_ESHORT" : "SF_EINVAL");
		rc = sf_split_compute(cases[i].n, cases[i].window, cases[i].tf,
							  cases[i].vf, &s);
		if (rc != cases[i].rc)
			uc_fail(&c, "returned %d, expected %d", rc, cases[i].rc);
		else if (rc == SF_OK &&
				 (s.n_windows != cases[i].windows || s.n_train != cases[i].train ||
				  s.n_val != cases[i].val || s.n_test != cases[i].test))
			uc_fail(&c, "windows %d train %d val %d test %d, expected %d %d %d %d",
					s.n_windows, s.n_train, s.n_val, s.n_test,
					cases[i].windows, cases[i].train, cases[i].val,
					cases[i].test);
		uc_end(&c);
	}
}

/*
 * A series whose scaler is known: the extremes of the non-test inputs sit at
 * both ends of the fitted span, the last non-test target is far below, and a
 * value in the test part is far above; neither of the last two may count.
 */
static void
check_scaler(int n, int window, double tf, double vf, int constant)
{
	static const int head1[1] = {4};
	sf_arch		arch = make_arch(SF_GRU, window, 4, 1, 1, head1);
	sf_train_opts o = default_opts();
	sf_split	s;
	double	   *series = xmalloc(sizeof(double) * (size_t) n);
	double		want_min,
				want_max;
	unit_case	c;
	run			r;
	int			last_in,
				i;

	o.epochs = 2;
	o.batch_size = 8;
	o.test_fraction = tf;
	o.validation_fraction = vf;
	uc_begin(&c, "scaler n %d window %d test %g val %g%s: fitted on non-test inputs only",
			 n, window, tf, vf, constant ? " (constant inputs)" : "");
	if (sf_split_compute(n, window, tf, vf, &s) != SF_OK)
	{
		uc_fail(&c, "sf_split_compute refused the case");
		uc_end(&c);
		free(series);
		return;
	}
	last_in = s.n_train + s.n_val + window - 2;
	for (i = 0; i < n; i++)
		series[i] = constant ? 4.0 : 5.0 + 2.0 * sin(1.7 * i);
	if (constant)
	{
		want_min = 4.0;
		want_max = 5.0;
	}
	else
	{
		series[0] = 1.0;
		series[last_in] = 9.5;
		want_min = 1.0;
		want_max = 9.5;
	}
	series[last_in + 1] = -500.0;	/* the last non-test target */
	if (last_in + 3 < n)
		series[last_in + 3] = 1e6;	/* deep in the test part */
	series[n - 1] = 2e6;

	run_train(&r, &arch, &o, series, n, NULL, 0);
	if (r.rc != SF_OK)
		uc_fail(&c, "sf_train returned %d", r.rc);
	else if (r.model.scale_min != want_min || r.model.scale_max != want_max)
		uc_fail(&c, "scaler [%g, %g], expected [%g, %g] (inputs 0..%d of %d values)",
				r.model.scale_min, r.model.scale_max, want_min, want_max,
				last_in, n);
	uc_end(&c);
	free_run(&r);
	free(series);
}

static void
test_scaler(void)
{
	check_scaler(40, 3, 0.25, 0.0, 0);
	check_scaler(40, 3, 0.25, 0.2, 0);
	check_scaler(60, 9, 0.15, 0.15, 0);
	check_scaler(37, 5, 0.1, 0.0, 0);
	check_scaler(40, 3, 0.25, 0.2, 1);
}

static void
test_train_errors(void)
{
	static const int head2[2] = {16, 8};
	sf_arch		arch = make_arch(SF_GRU, 9, 8, 1, 2, head2);
	sf_train_opts o = default_opts();
	double	   *series = weekly_series(100, 0.2);
	unit_case	c;
	run			r;
	double		saved;

	o.epochs = 1;

	uc_begin(&c, "sf_train: NaN and infinities in the series -> SF_ENONFINITE");
	{
		static const int at[3] = {0, 50, 99};
		static const double bad[3] = {NAN, INFINITY, -INFINITY};
		int			i;

		for (i = 0; i < 3; i++)
		{
			saved = series[at[i]];
			series[at[i]] = bad[i];
			run_train(&r, &arch, &o, series, 100, NULL, 0);
			if (r.rc != SF_ENONFINITE)
				uc_fail(&c, "%g at %d: returned %d", bad[i], at[i], r.rc);
			free_run(&r);
			series[at[i]] = saved;
		}
	}
	uc_end(&c);

	uc_begin(&c, "sf_train: series too short -> SF_ESHORT");
	run_train(&r, &arch, &o, series, 9, NULL, 0);
	if (r.rc != SF_ESHORT)
		uc_fail(&c, "9 values, window 9: returned %d", r.rc);
	free_run(&r);
	run_train(&r, &arch, &o, series, 10, NULL, 0);
	if (r.rc != SF_ESHORT)
		uc_fail(&c, "10 values, window 9, test 0.15 (no training window): "
				"returned %d", r.rc);
	free_run(&r);
	uc_end(&c);

	uc_begin(&c, "sf_train: bad options and arches -> SF_EINVAL");
	{
		sf_train_opts b;
		sf_arch		ba;

		b = o;
		b.epochs = 0;
		run_train(&r, &arch, &b, series, 100, NULL, 0);
		if (r.rc != SF_EINVAL)
			uc_fail(&c, "epochs 0: returned %d", r.rc);
		free_run(&r);
		b = o;
		b.batch_size = 0;
		run_train(&r, &arch, &b, series, 100, NULL, 0);
		if (r.rc != SF_EINVAL)
			uc_fail(&c, "batch_size 0: returned %d", r.rc);
		free_run(&r);
		b = o;
		b.learning_rate = -0.01;
		run_train(&r, &arch, &b, series, 100, NULL, 0);
		if (r.rc != SF_EINVAL)
			uc_fail(&c, "learning_rate -0.01: returned %d", r.rc);
		free_run(&r);
		b = o;
		b.test_fraction = 1.0;
		run_train(&r, &arch, &b, series, 100, NULL, 0);
		if (r.rc != SF_EINVAL)
			uc_fail(&c, "test_fraction 1: returned %d", r.rc);
		free_run(&r);
		b = o;
		b.dropout = 1.0;
		run_train(&r, &arch, &b, series, 100, NULL, 0);
		if (r.rc != SF_EINVAL)
			uc_fail(&c, "dropout 1: returned %d", r.rc);
		free_run(&r);
		ba = arch;
		ba.hidden = 0;
		/* sf_train_bytes of a bad arch is not promised; size for a good one. */
		{
			sf_model	m;
			sf_train_result res;
			double		loss[1],
						val[1];
			void	   *w = xmalloc(sf_train_bytes(&arch, &o, 100));
			int			rc;

			memset(&m, 0, sizeof(m));
			m.arch = ba;
			m.params = xmalloc(sizeof(sf_real) * sf_param_count(&arch));
			res.loss = loss;
			res.val_loss = val;
			rc = sf_train(&m, &o, series, 100, w, &res, NULL);
			if (rc != SF_EINVAL)
				uc_fail(&c, "hidden 0: returned %d", rc);
			free(m.params);
			free(w);
		}
	}
	uc_end(&c);
	free(series);
}

typedef struct hook_log
{
	int			ticks;
	int			epochs;
	int			bad_order;
	int			last_epoch;
	double		loss[64];
	double		val[64];
} hook_log;

static void
on_tick(void *ctx)
{
	((hook_log *) ctx)->ticks++;
}

static void
on_epoch(void *ctx, int epoch, double loss, double val_loss)
{
	hook_log   *h = ctx;

	if (h->epochs > 0 && epoch != h->last_epoch + 1)
		h->bad_order++;
	h->last_epoch = epoch;
	if (h->epochs < 64)
	{
		h->loss[h->epochs] = loss;
		h->val[h->epochs] = val_loss;
	}
	h->epochs++;
}

static void
test_hooks(void)
{
	static const int head2[2] = {16, 8};
	sf_arch		arch = make_arch(SF_LSTM, 9, 8, 1, 2, head2);
	sf_train_opts o = default_opts();
	int			n = 200;
	double	   *series = weekly_series(n, 0.3);
	int			vf_i;

	o.epochs = 7;
	o.batch_size = 16;
	for (vf_i = 0; vf_i < 2; vf_i++)
	{
		hook_log	log;
		sf_hooks	hooks = {&log, on_tick, on_epoch};
		sf_split	s;
		unit_case	c;
		run			r;
		int			batches,
					e;

		memset(&log, 0, sizeof(log));
		o.validation_fraction = vf_i ? 0.2 : 0.0;
		sf_split_compute(n, arch.window, o.test_fraction,
						 o.validation_fraction, &s);
		batches = (s.n_train + o.batch_size - 1) / o.batch_size;
		uc_begin(&c, "hooks (val %g): tick per mini-batch, epoch per epoch with the losses",
				 o.validation_fraction);
		run_train(&r, &arch, &o, series, n, &hooks, 0);
		if (r.rc != SF_OK)
			uc_fail(&c, "sf_train returned %d", r.rc);
		if (r.result.epochs_run != o.epochs)
			uc_fail(&c, "epochs_run %d, expected %d", r.result.epochs_run,
					o.epochs);
		if (log.ticks < o.epochs * batches)
			uc_fail(&c, "%d ticks for %d epochs of %d mini-batches", log.ticks,
					o.epochs, batches);
		if (log.epochs != r.result.epochs_run)
			uc_fail(&c, "%d epoch calls for %d epochs run", log.epochs,
					r.result.epochs_run);
		if (log.bad_order)
			uc_fail(&c, "epoch numbers not consecutive");
		for (e = 0; e < log.epochs && e < o.epochs; e++)
		{
			if (log.loss[e] != r.loss[e])
				uc_fail(&c, "epoch %d: hook loss %g, result %g", e, log.loss[e],
						r.loss[e]);
			if (!isfinite(r.loss[e]) || r.loss[e] < 0)
				uc_fail(&c, "epoch %d: loss %g", e, r.loss[e]);
			if (s.n_val == 0 && !isnan(log.val[e]))
				uc_fail(&c, "epoch %d: val_loss %g without a validation part",
						e, log.val[e]);
			if (s.n_val > 0 && (log.val[e] != r.val_loss[e] ||
								!isfinite(log.val[e]) || log.val[e] < 0))
				uc_fail(&c, "epoch %d: hook val_loss %g, result %g", e,
						log.val[e], r.val_loss[e]);
		}
		uc_end(&c);
		free_run(&r);
	}
	free(series);
}

/*
 * The training loop rebuilt from the public pieces: sf_model_init(seed),
 * scaled windows, time-ordered mini-batches through sf_batch_loss and
 * sf_adam_step, the epoch loss as the mean over the training windows, and
 * the validation MSE after each epoch.  sf_train must agree.
 */
static void
test_replica(void)
{
	static const int head2[2] = {6, 4};
	int			kind;

	for (kind = 0; kind < 3; kind++)
	{
		sf_arch		arch = make_arch(kind, 6, 5, 1, 2, head2);
		sf_train_opts o = default_opts();
		int			n = 120;
		double	   *series = weekly_series(n, 0.5);
		size_t		P = sf_param_count(&arch);
		sf_split	s;
		sf_model	m;
		sf_adam		adam;
		sf_real    *mm = xmalloc(sizeof(sf_real) * P);
		sf_real    *vv = xmalloc(sizeof(sf_real) * P);
		sf_real    *grad = xmalloc(sizeof(sf_real) * P);
		sf_real    *x,
				   *y;
		void	   *bwork;
		double		lo,
					hi,
					worst = 0.0;
		double		loss[4],
					val[4];
		char		label[96];
		unit_case	c;
		run			r;
		int			e,
					i,
					t,
					start;

		o.epochs = 4;
		o.batch_size = 16;
		o.validation_fraction = 0.2;
		sf_split_compute(n, arch.window, o.test_fraction,
						 o.validation_fraction, &s);
		x = xmalloc(sizeof(sf_real) * (size_t) s.n_windows * arch.window);
		y = xmalloc(sizeof(sf_real) * (size_t) s.n_windows);
		bwork = xmalloc(sf_batch_bytes(&arch, s.n_windows));

		memset(&m, 0, sizeof(m));
		m.arch = arch;
		m.params = xmalloc(sizeof(sf_real) * P);
		sf_model_init(&m, o.seed);
		lo = hi = series[0];
		for (i = 0; i <= s.n_train + s.n_val + arch.window - 2; i++)
		{
			lo = series[i] < lo ? series[i] : lo;
			hi = series[i] > hi ? series[i] : hi;
		}
		for (i = 0; i < s.n_windows; i++)
		{
			for (t = 0; t < arch.window; t++)
				x[i * arch.window + t] =
					(sf_real) ((series[i + t] - lo) / (hi - lo));
			y[i] = (sf_real) ((series[i + arch.window] - lo) / (hi - lo));
		}
		sf_adam_init(&adam, o.learning_rate, mm, vv, P);
		for (e = 0; e < o.epochs; e++)
		{
			double		sum = 0.0;

			for (start = 0; start < s.n_train; start += o.batch_size)
			{
				int			B = s.n_train - start < o.batch_size ?
					s.n_train - start : o.batch_size;

				sum += B * sf_batch_loss(&m, x + (size_t) start * arch.window,
										 y + start, B, NULL, grad, bwork);
				sf_adam_step(&adam, m.params, grad, P);
			}
			loss[e] = sum / s.n_train;
			val[e] = sf_batch_loss(&m, x + (size_t) s.n_train * arch.window,
								   y + s.n_train, s.n_val, NULL, NULL, bwork);
		}

		uc_begin(&c, "sf_train %s matches the loop rebuilt from public pieces",
				 arch_label(&arch, label, sizeof(label)));
		run_train(&r, &arch, &o, series, n, NULL, 0x33);
		if (r.rc != SF_OK)
			uc_fail(&c, "sf_train returned %d", r.rc);
		if (r.model.scale_min != lo || r.model.scale_max != hi)
			uc_fail(&c, "scaler [%g, %g], expected [%g, %g]",
					r.model.scale_min, r.model.scale_max, lo, hi);
		for (e = 0; e < o.epochs; e++)
		{
			if (rel_diff(r.loss[e], loss[e], 1e-6) > 1e-5)
				uc_fail(&c, "epoch %d loss %.9g, rebuilt %.9g", e + 1,
						r.loss[e], loss[e]);
			if (rel_diff(r.val_loss[e], val[e], 1e-6) > 1e-5)
				uc_fail(&c, "epoch %d val_loss %.9g, rebuilt %.9g", e + 1,
						r.val_loss[e], val[e]);
		}
		for (i = 0; i < (int) P; i++)
		{
			double		d = fabs((double) r.model.params[i] - m.params[i]);

			if (d > worst)
				worst = d;
			if (d > 1e-5 * (1 + fabs(m.params[i])))
			{
				uc_fail(&c, "param %d = %.9g, rebuilt %.9g", i,
						(double) r.model.params[i], (double) m.params[i]);
				break;
			}
		}
		if (r.result.epochs_run != o.epochs || r.result.best_epoch != o.epochs)
			uc_fail(&c, "without patience: epochs_run %d best_epoch %d, "
					"expected %d %d", r.result.epochs_run, r.result.best_epoch,
					o.epochs, o.epochs);
		uc_note(&c, "worst param diff %.2g", worst);
		uc_end(&c);

		free_run(&r);
		free(series);
		free(mm);
		free(vv);
		free(grad);
		free(x);
		free(y);
		free(bwork);
		free(m.params);
	}
}

/* Validation MSE of a model on the validation windows, scaled units. */
static double
val_mse(const sf_model *m, const double *series, const sf_split *s)
{
	const sf_arch *a = &m->arch;
	double		range = m->scale_max - m->scale_min;
	sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) s->n_val * a->window);
	sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) s->n_val);
	void	   *w = xmalloc(sf_batch_bytes(a, s->n_val));
	double		loss;
	int			i,
				t;

	for (i = 0; i < s->n_val; i++)
	{
		int			first = s->n_train + i;

		for (t = 0; t < a->window; t++)
			x[i * a->window + t] =
				(sf_real) ((series[first + t] - m->scale_min) / range);
		y[i] = (sf_real) ((series[first + a->window] - m->scale_min) / range);
	}
	loss = sf_batch_loss(m, x, y, s->n_val, NULL, NULL, w);
	free(x);
	free(y);
	free(w);
	return loss;
}

static void
test_early_stopping(void)
{
	static const int head2[2] = {16, 8};
	sf_arch		arch = make_arch(SF_GRU, 9, 16, 1, 2, head2);
	sf_train_opts o = default_opts();
	int			n = 300;
	double	   *series = xmalloc(sizeof(double) * (size_t) n);
	unit_rng	rng = {999};
	sf_split	s;
	unit_case	c;
	run			r;
	int			i,
				e;

	/* Pure noise: the validation loss cannot keep improving. */
	for (i = 0; i < n; i++)
		series[i] = urand(&rng);
	o.epochs = 300;
	o.learning_rate = 0.02;
	o.validation_fraction = 0.2;
	o.patience = 4;
	sf_split_compute(n, arch.window, o.test_fraction, o.validation_fraction, &s);

	uc_begin(&c, "early stopping: stops after patience epochs, keeps the best weights");
	run_train(&r, &arch, &o, series, n, NULL, 0);
	if (r.rc != SF_OK)
		uc_fail(&c, "sf_train returned %d", r.rc);
	else if (r.result.epochs_run >= o.epochs)
		uc_fail(&c, "no early stop in %d epochs on noise", o.epochs);
	else
	{
		int			best = r.result.best_epoch;
		double		minval = INFINITY;
		double		now;

		if (best < 1 || best > r.result.epochs_run)
			uc_fail(&c, "best_epoch %d of %d", best, r.result.epochs_run);
		else
		{
			if (r.result.epochs_run != best + o.patience)
				uc_fail(&c, "stopped at epoch %d, best %d, patience %d",
						r.result.epochs_run, best, o.patience);
			for (e = 0; e < r.result.epochs_run; e++)
			{
				if (!isfinite(r.val_loss[e]))
					uc_fail(&c, "val_loss[%d] = %g", e, r.val_loss[e]);
				if (r.val_loss[e] < minval)
					minval = r.val_loss[e];
			}
			if (r.val_loss[best - 1] != minval)
				uc_fail(&c, "val_loss at best epoch %d is %.9g, minimum %.9g",
						best, r.val_loss[best - 1], minval);
			for (e = best; e < r.result.epochs_run; e++)
				if (!(r.val_loss[e] >= r.val_loss[best - 1]))
					uc_fail(&c, "epoch %d val_loss %.9g beats best %.9g", e + 1,
							r.val_loss[e], r.val_loss[best - 1]);
			now = val_mse(&r.model, series, &s);
			if (rel_diff(now, r.val_loss[best - 1], 1e-6) > 1e-5)
				uc_fail(&c, "kept weights score %.9g on validation, best "
						"epoch's val_loss %.9g (last %.9g)", now,
						r.val_loss[best - 1],
						r.val_loss[r.result.epochs_run - 1]);
			uc_note(&c, "stopped at %d, best %d", r.result.epochs_run, best);
		}
	}
	uc_end(&c);
	free_run(&r);

	uc_begin(&c, "no patience with validation: last weights, val_loss of the final model");
	o.patience = 0;
	o.epochs = 12;
	run_train(&r, &arch, &o, series, n, NULL, 0);
	if (r.rc != SF_OK)
		uc_fail(&c, "sf_train returned %d", r.rc);
	else
	{
		double		now = val_mse(&r.model, series, &s);

		if (r.result.epochs_run != o.epochs || r.result.best_epoch != o.epochs)
			uc_fail(&c, "epochs_run %d best_epoch %d, expected %d %d",
					r.result.epochs_run, r.result.best_epoch, o.epochs, o.epochs);
		if (rel_diff(now, r.val_loss[o.epochs - 1], 1e-6) > 1e-5)
			uc_fail(&c, "final weights score %.9g, val_loss[last] %.9g", now,
					r.val_loss[o.epochs - 1]);
	}
	uc_end(&c);
	free_run(&r);
	free(series);
}

static void
test_determinism(void)
{
	static const int head2[2] = {8, 4};
	int			d;

	for (d = 0; d < 2; d++)
	{
		sf_arch		arch = make_arch(SF_GRU, 7, 8, 2, 2, head2);
		sf_train_opts o = default_opts();
		int			n = 160;
		double	   *series = weekly_series(n, 0.5);
		size_t		P = sf_param_count(&arch);
		unit_case	c;
		run			a,
					b,
					other;

		o.epochs = 6;
		o.batch_size = 16;
		o.validation_fraction = 0.15;
		o.patience = 3;
		o.dropout = d ? 0.3 : 0.0;
		uc_begin(&c, "determinism (dropout %g): same seed, identical bytes; other seed differs",
				 o.dropout);
		run_train(&a, &arch, &o, series, n, NULL, 0x00);
		run_train(&b, &arch, &o, series, n, NULL, 0xff);
		if (a.rc != SF_OK || b.rc != SF_OK)
			uc_fail(&c, "sf_train returned %d, %d", a.rc, b.rc);
		if (memcmp(a.model.params, b.model.params, sizeof(sf_real) * P) != 0)
			uc_fail(&c, "params differ between two identical runs");
		if (memcmp(a.loss, b.loss, sizeof(double) * (size_t) a.result.epochs_run) != 0 ||
			memcmp(a.val_loss, b.val_loss, sizeof(double) * (size_t) a.result.epochs_run) != 0)
			uc_fail(&c, "losses differ between two identical runs");
		if (a.model.scale_min != b.model.scale_min ||
			a.model.scale_max != b.model.scale_max ||
			a.result.epochs_run != b.result.epochs_run ||
			a.result.best_epoch != b.result.best_epoch)
			uc_fail(&c, "scaler or epochs differ between two identical runs");
		o.seed = 43;
		run_train(&other, &arch, &o, series, n, NULL, 0);
		if (memcmp(a.model.params, other.model.params, sizeof(sf_real) * P) == 0)
			uc_fail(&c, "seeds 42 and 43 train identical params");
		uc_end(&c);

		if (d == 1)
		{
			run			nodrop;

			/* Dropout is a training-time effect: it must change the path. */
			uc_begin(&c, "dropout 0.3 changes training (between layers, before the head)");
			o.seed = 42;
			o.dropout = 0.0;
			run_train(&nodrop, &arch, &o, series, n, NULL, 0);
			if (memcmp(a.loss, nodrop.loss, sizeof(double) * 2) == 0)
				uc_fail(&c, "first epoch losses identical with and without dropout");
			uc_end(&c);
			free_run(&nodrop);
		}
		free_run(&a);
		free_run(&b);
		free_run(&other);
		free(series);
	}
}

/*
 * A one-unit ReLU head dies often at a high learning rate; sf_train then
 * restarts from a derived seed, at most SF_MAX_RESTARTS times.  The outcome
 * must still be a function of the seed, and a run that was not out of
 * restarts must end with a live network (prediction spread above
 * SF_DEAD_SPREAD on every training window).  On a series of n values; past
 * SF_SPREAD_WINDOWS training windows sf_train judges on a sample of them.
 */
static void
test_restarts(int n, int n_seeds, int epochs)
{
	static const int head1[1] = {1};
	sf_arch		arch = make_arch(SF_GRU, 9, 8, 1, 1, head1);
	sf_train_opts o = default_opts();
	double	   *series = weekly_series(n, 0.0);
	size_t		P = sf_param_count(&arch);
	double	   *pred = xmalloc(sizeof(double) * (size_t) n);
	void	   *iw = xmalloc(sf_infer_bytes(&arch, 1, SF_INFER_CHUNK));
	sf_split	s;
	unit_case	c;
	int			restarted = 0,
				seed;

	o.epochs = epochs;
	o.learning_rate = 0.05;
	sf_split_compute(n, arch.window, o.test_fraction, 0.0, &s);
	uc_begin(&c, "restarts (%d training windows): dead heads retried, live result, still a function of the seed",
			 s.n_train);
	for (seed = 1; seed <= n_seeds; seed++)
	{
		run			a,
					b;

		o.seed = (uint64_t) seed;
		run_train(&a, &arch, &o, series, n, NULL, 0);
		run_train(&b, &arch, &o, series, n, NULL, 0xee);
		if (a.rc != SF_OK)
			uc_fail(&c, "seed %d: sf_train returned %d", seed, a.rc);
		else if (a.result.restarts < 0 || a.result.restarts > SF_MAX_RESTARTS)
			uc_fail(&c, "seed %d: %d restarts", seed, a.result.restarts);
		else
		{
			restarted += a.result.restarts > 0;
			if (a.result.restarts != b.result.restarts ||
				memcmp(a.model.params, b.model.params, sizeof(sf_real) * P) != 0 ||
				memcmp(a.loss, b.loss, sizeof(double) * (size_t) o.epochs) != 0)
				uc_fail(&c, "seed %d: two runs differ (restarts %d, %d)", seed,
						a.result.restarts, b.result.restarts);
			if (a.result.restarts < SF_MAX_RESTARTS)
			{
				double		range = a.model.scale_max - a.model.scale_min;
				double		sum = 0.0,
							sum2 = 0.0,
							sd;
				int			i;

				sf_predict_windows(&a.model, series, 0, s.n_train, pred, iw, NULL);
				for (i = 0; i < s.n_train; i++)
				{
					double		v = (pred[i] - a.model.scale_min) / range;

					sum += v;
					sum2 += v * v;
				}
				sum /= s.n_train;
				sd = sqrt(fmax(sum2 / s.n_train - sum * sum, 0.0));
				if (!(sd > SF_DEAD_SPREAD))
					uc_fail(&c, "seed %d: kept a dead network (spread %g) after "
							"%d restarts", seed, sd, a.result.restarts);
			}
		}
		free_run(&a);
		free_run(&b);
	}
	if (restarted == 0)
		uc_fail(&c, "no seed restarted: the setup no longer exercises restarts");
	uc_note(&c, "%d of %d seeds restarted", restarted, n_seeds);
	uc_end(&c);
	free(series);
	free(pred);
	free(iw);
}

/*
 * The recipe on a noisy weekly pattern: every kind learns it (loss down 10x
 * over 100 epochs) and predicts the held-out part well.  Quick mode (see
 * uc_quick) trains 10 epochs and asserts a falling loss and finite
 * predictions, which is what 10 epochs guarantee.
 */
static void
test_learning(void)
{
	static const int head2[2] = {16, 8};
	int			n = 300;
	double	   *series = weekly_series(n, 0.6);
	int			quick = uc_quick();
	int			kind;

	for (kind = 0; kind < 3; kind++)
	{
		sf_arch		arch = make_arch(kind, 9, 24, 1, 2, head2);
		sf_train_opts o = default_opts();
		sf_split	s;
		sf_scores	sc;
		unit_case	c;
		run			r;
		double	   *pred;
		void	   *iw;
		int			e;

		if (quick)
			o.epochs = 10;
		sf_split_compute(n, arch.window, o.test_fraction, 0.0, &s);
		uc_begin(&c, "learning %s: hidden 24, %d epochs, lr 0.01, batch 32: loss down%s",
				 sf_kind_name(kind), o.epochs, quick ? "" : " 10x");
		run_train(&r, &arch, &o, series, n, NULL, 0);
		if (r.rc != SF_OK)
			uc_fail(&c, "sf_train returned %d", r.rc);
		else
		{
			for (e = 0; e < o.epochs; e++)
				if (!isfinite(r.loss[e]))
					uc_fail(&c, "loss[%d] = %g", e, r.loss[e]);
			if (!(r.loss[o.epochs - 1] * (quick ? 1 : 10) < r.loss[0]))
				uc_fail(&c, "first epoch %.5g, last %.5g", r.loss[0],
						r.loss[o.epochs - 1]);
			uc_note(&c, "loss %.4g -> %.4g", r.loss[0], r.loss[o.epochs - 1]);
		}
		uc_end(&c);

		if (quick)
			uc_begin(&c, "learning %s: held-out predictions finite", sf_kind_name(kind));
		else
			uc_begin(&c, "learning %s: held-out R^2 >= 0.8 in original units",
					 sf_kind_name(kind));
		pred = xmalloc(sizeof(double) * (size_t) s.n_test);
		iw = xmalloc(sf_infer_bytes(&arch, 1, SF_INFER_CHUNK));
		sf_predict_windows(&r.model, series + s.n_train, 0, s.n_test, pred, iw, NULL);
		sf_score(series + s.n_train + arch.window, pred, s.n_test, &sc);
		if (sc.n != s.n_test || !isfinite(sc.rmse) || (!quick && !(sc.r2 >= 0.8)))
			uc_fail(&c, "n %d r2 %.4f rmse %.4f", sc.n, sc.r2, sc.rmse);
		uc_note(&c, "r2 %.3f rmse %.3f", sc.r2, sc.rmse);
		uc_end(&c);
		free(pred);
		free(iw);
		free_run(&r);
	}
	free(series);
}

/*
 * A noisy series with a trend and a weekly cycle, for the rollout tests:
 * 20 + 0.05 t + 3 sin(2 pi t / 7) + a random walk of small steps + noise.
 */
static double *
drifting_series(int n)
{
	double	   *s = xmalloc(sizeof(double) * (size_t) n);
	unit_rng	r = {777};
	double		walk = 0;

	for (int t = 0; t < n; t++)
	{
		walk += 0.4 * (urand(&r) - 0.5);
		s[t] = 20.0 + 0.05 * t + 3.0 * sin(2 * UNIT_PI * t / 7.0) + walk +
			1.5 * (urand(&r) - 0.5);
	}
	return s;
}

/* Mean absolute error of the h-step recursive forecasts from every test origin. */
static double
multistep_mae(const sf_model *m, const double *series, int n, int first, int h)
{
	int			T = m->arch.window,
				count = n - first - T - h + 1;
	double	   *out = xmalloc(sizeof(double) * (size_t) count * h);
	void	   *iw = xmalloc(sf_infer_bytes(&m->arch, m->n_members, SF_INFER_CHUNK));
	double		sum = 0;

	sf_forecast_from(m, series, 0, first, count, h, out, iw, NULL);
	for (int k = 0; k < count; k++)
		for (int j = 0; j < h; j++)
			sum += fabs(out[(size_t) k * h + j] - series[first + k + T + j]);
	free(out);
	free(iw);
	return sum / ((double) count * h);
}

/*
 * opts.rollout: range; 0 and 1 train the same bytes (no rolled windows);
 * above 1 the training path changes and stays a function of the seed; the
 * rolled windows stay inside the training part (changing the held-out
 * values changes nothing; a series with fewer training windows than
 * rollout steps trains).  The 14-step error on the held-out origins of a
 * drifting series is printed beside rollout 0's, not asserted: whether
 * rollouts help is measured on real series (bench/accuracy.py).
 */
static void
test_rollout(void)
{
	static const int head2[2] = {16, 8};
	sf_arch		arch = make_arch(SF_GRU, 14, 16, 1, 2, head2);
	sf_train_opts o = default_opts();
	int			n = 400;
	double	   *series = drifting_series(n);
	size_t		P = sf_param_count(&arch);
	unit_case	c;
	run			off,
				one,
				a,
				b;

	o.prep.norm = SF_NORM_WINDOW;
	o.prep.deseasonalize = SF_DESEASON_AUTO;
	o.prep.season = 7;
	o.prep.window = 14;
	o.learning_rate = 0.001;
	o.loss = SF_LOSS_HUBER;
	o.epochs = uc_quick() ? 10 : 40;	/* the checks hold at either length */

	uc_begin(&c, "rollout: -1 and %d are rejected (SF_EINVAL)", SF_MAX_ROLLOUT + 1);
	o.rollout = -1;
	run_train(&a, &arch, &o, series, n, NULL, 0);
	if (a.rc != SF_EINVAL)
		uc_fail(&c, "rollout -1: rc %d", a.rc);
	free_run(&a);
	o.rollout = SF_MAX_ROLLOUT + 1;
	run_train(&a, &arch, &o, series, n, NULL, 0);
	if (a.rc != SF_EINVAL)
		uc_fail(&c, "rollout %d: rc %d", SF_MAX_ROLLOUT + 1, a.rc);
	free_run(&a);
	uc_end(&c);

	uc_begin(&c, "rollout: 0 and 1 train identical bytes; 8 trains others, the same twice");
	o.rollout = 0;
	run_train(&off, &arch, &o, series, n, NULL, 0x00);
	o.rollout = 1;
	run_train(&one, &arch, &o, series, n, NULL, 0x55);
	o.rollout = 8;
	run_train(&a, &arch, &o, series, n, NULL, 0x00);
	run_train(&b, &arch, &o, series, n, NULL, 0xff);
	if (off.rc != SF_OK || one.rc != SF_OK || a.rc != SF_OK || b.rc != SF_OK)
		uc_fail(&c, "sf_train returned %d %d %d %d", off.rc, one.rc, a.rc, b.rc);
	else
	{
		if (memcmp(off.model.params, one.model.params, sizeof(sf_real) * P) != 0)
			uc_fail(&c, "rollout 1 trained other params than rollout 0");
		if (memcmp(off.model.params, a.model.params, sizeof(sf_real) * P) == 0)
			uc_fail(&c, "rollout 8 trained the params of rollout 0");
		if (memcmp(a.model.params, b.model.params, sizeof(sf_real) * P) != 0 ||
			memcmp(a.loss, b.loss, sizeof(double) * (size_t) o.epochs) != 0)
			uc_fail(&c, "two identical rollout runs differ");
		/* the first half of the epochs is the same training */
		if (memcmp(off.loss, a.loss, sizeof(double) * (size_t) (o.epochs / 2)) != 0)
			uc_fail(&c, "losses differ before the rollouts start");
		if (memcmp(off.loss, a.loss, sizeof(double) * (size_t) (o.epochs / 2 + 2)) == 0)
			uc_fail(&c, "losses equal after the rollouts start");
	}
	uc_end(&c);

	uc_begin(&c, "rollout 8: other held-out values train the same bytes (no target beyond the training windows)");
	if (off.rc == SF_OK && a.rc == SF_OK)
	{
		sf_split	s;
		double	   *moved = xmalloc(sizeof(double) * (size_t) n);
		run			m;

		sf_split_compute(n, arch.window, o.test_fraction, 0.0, &s);
		memcpy(moved, series, sizeof(double) * (size_t) n);
		for (int i = s.n_train + arch.window; i < n; i++)
			moved[i] = 1e6 * (i % 2 ? 1 : -1);
		run_train(&m, &arch, &o, moved, n, NULL, 0x00);
		if (m.rc != SF_OK)
			uc_fail(&c, "sf_train returned %d", m.rc);
		else if (memcmp(m.model.params, a.model.params, sizeof(sf_real) * P) != 0 ||
				 memcmp(m.loss, a.loss, sizeof(double) * (size_t) o.epochs) != 0)
			uc_fail(&c, "a held-out value changed the training");
		uc_note(&c, "14-step MAE of the held-out origins: rollout 0 %.4f, rollout 8 %.4f",
				multistep_mae(&off.model, series, n, s.n_train, 14),
				multistep_mae(&a.model, series, n, s.n_train, 14));
		free_run(&m);
		free(moved);
	}
	uc_end(&c);
	free_run(&off);
	free_run(&one);
	free_run(&a);
	free_run(&b);

	uc_begin(&c, "rollout 16 on a series of 5 training windows trains finite params");
	o.rollout = 16;
	o.epochs = 6;
	o.batch_size = 2;
	run_train(&a, &arch, &o, series, arch.window + 6, NULL, 0x33);
	if (a.rc != SF_OK)
		uc_fail(&c, "sf_train returned %d", a.rc);
	else
		for (size_t i = 0; i < P; i++)
			if (!isfinite(a.model.params[i]))
			{
				uc_fail(&c, "param %zu = %g", i, (double) a.model.params[i]);
				break;
			}
	free_run(&a);
	uc_end(&c);
	free(series);
}

void
test_train(void)
{
	test_split();
	test_scaler();
	test_train_errors();
	test_hooks();
	test_replica();
	test_early_stopping();
	test_determinism();
	test_restarts(200, uc_quick() ? 4 : 12, 10);
	test_restarts(SF_SPREAD_WINDOWS * 5 / 4, uc_quick() ? 2 : 6, 2);
	test_learning();
	test_rollout();
}
