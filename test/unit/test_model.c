/*
 * test_model.c
 *	  Kinds, architecture checks, the parameter layout, initialization, the
 *	  forward pass against the reference, and the agreement of
 *	  sf_predict_windows, sf_forecast and sf_batch_loss.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void
test_kinds(void)
{
	static const struct
	{
		const char *name;
		int			kind;
	}			names[] = {
		{"rnn", SF_RNN}, {"RNN", SF_RNN}, {"Rnn", SF_RNN},
		{"lstm", SF_LSTM}, {"LSTM", SF_LSTM}, {"lStM", SF_LSTM},
		{"gru", SF_GRU}, {"GRU", SF_GRU}, {"gRu", SF_GRU},
		{"", -1}, {"foo", -1}, {"rnn ", -1}, {" gru", -1}, {"grux", -1},
		{"lst", -1}, {"lstmm", -1}, {"r", -1}, {"transformer", -1},
	};
	unit_case	c;
	int			i;

	uc_begin(&c, "sf_kind_from_name is case-insensitive and exact");
	for (i = 0; i < (int) (sizeof(names) / sizeof(names[0])); i++)
	{
		int			k = sf_kind_from_name(names[i].name);

		if (k != names[i].kind)
			uc_fail(&c, "sf_kind_from_name(\"%s\") = %d, expected %d",
					names[i].name, k, names[i].kind);
	}
	uc_end(&c);

	uc_begin(&c, "sf_kind_name and sf_kind_gates");
	if (strcmp(sf_kind_name(SF_RNN), "rnn") != 0 ||
		strcmp(sf_kind_name(SF_LSTM), "lstm") != 0 ||
		strcmp(sf_kind_name(SF_GRU), "gru") != 0)
		uc_fail(&c, "names %s %s %s", sf_kind_name(SF_RNN),
				sf_kind_name(SF_LSTM), sf_kind_name(SF_GRU));
	if (sf_kind_gates(SF_RNN) != 1 || sf_kind_gates(SF_LSTM) != 4 ||
		sf_kind_gates(SF_GRU) != 3)
		uc_fail(&c, "gates %d %d %d", sf_kind_gates(SF_RNN),
				sf_kind_gates(SF_LSTM), sf_kind_gates(SF_GRU));
	for (i = 0; i < 3; i++)
		if (sf_kind_from_name(sf_kind_name(i)) != i)
			uc_fail(&c, "name of kind %d does not round-trip", i);
	uc_end(&c);
}

static void
test_arch_check(void)
{
	static const int head2[2] = {16, 8};
	sf_arch		good = make_arch(SF_GRU, 9, 32, 1, 2, head2);
	sf_arch		a;
	unit_case	c;
	int			j;

	uc_begin(&c, "sf_arch_check accepts good and boundary arches");
	if (sf_arch_check(&good) != SF_OK)
		uc_fail(&c, "default gru arch rejected");
	a = make_arch(SF_RNN, 1, 1, 1, 0, NULL);
	if (sf_arch_check(&a) != SF_OK)
		uc_fail(&c, "minimal rnn w1 h1 L1 head[] rejected");
	a = make_arch(SF_LSTM, SF_MAX_WINDOW, SF_MAX_HIDDEN, SF_MAX_LAYERS, 0, NULL);
	if (sf_arch_check(&a) != SF_OK)
		uc_fail(&c, "maximal window/hidden/layers rejected");
	a = good;
	a.n_head = SF_MAX_HEAD;
	for (j = 0; j < SF_MAX_HEAD; j++)
		a.head[j] = j == 0 ? SF_MAX_HEAD_SIZE : 1;
	if (sf_arch_check(&a) != SF_OK)
		uc_fail(&c, "SF_MAX_HEAD head layers with a SF_MAX_HEAD_SIZE one rejected");
	uc_end(&c);

	uc_begin(&c, "sf_arch_check rejects bad arches with SF_EINVAL");
#define EXPECT_BAD(field_stmt, what) \
	do { \
		a = good; \
		field_stmt; \
		if (sf_arch_check(&a) != SF_EINVAL) \
			uc_fail(&c, "%s: got %d", what, sf_arch_check(&a)); \
	} while (0)
	EXPECT_BAD(a.window = 0, "window 0");
	EXPECT_BAD(a.window = -3, "window -3");
	EXPECT_BAD(a.window = SF_MAX_WINDOW + 1, "window SF_MAX_WINDOW+1");
	EXPECT_BAD(a.hidden = 0, "hidden 0");
	EXPECT_BAD(a.hidden = -1, "hidden -1");
	EXPECT_BAD(a.hidden = SF_MAX_HIDDEN + 1, "hidden SF_MAX_HIDDEN+1");
	EXPECT_BAD(a.layers = 0, "layers 0");
	EXPECT_BAD(a.layers = -1, "layers -1");
	EXPECT_BAD(a.layers = SF_MAX_LAYERS + 1, "layers SF_MAX_LAYERS+1");
	EXPECT_BAD(a.kind = 3, "kind 3");
	EXPECT_BAD(a.kind = -1, "kind -1");
	EXPECT_BAD(a.n_head = -1, "n_head -1");
	EXPECT_BAD(a.n_head = SF_MAX_HEAD + 1, "n_head SF_MAX_HEAD+1");
	EXPECT_BAD(a.head[0] = 0, "head[0] 0");
	EXPECT_BAD(a.head[1] = -4, "head[1] -4");
	EXPECT_BAD(a.head[1] = SF_MAX_HEAD_SIZE + 1, "head[1] SF_MAX_HEAD_SIZE+1");
#undef EXPECT_BAD
	uc_end(&c);
}

/* The state_dict of the PyTorch module the spec describes, built by hand. */
static int
expected_tensors(const sf_arch *a, sf_tensor *out)
{
	int			G = a->kind == SF_LSTM ? 4 : a->kind == SF_GRU ? 3 : 1;
	int			H = a->hidden;
	int			n = 0;
	size_t		off = 0;
	int			l,
				j,
				prev;

#define ADD(nm_fmt, nm_arg, d, s0, s1) \
	do { \
		snprintf(out[n].name, sizeof(out[n].name), nm_fmt, nm_arg); \
		out[n].ndim = (d); \
		out[n].shape[0] = (s0); \
		out[n].shape[1] = (d) == 2 ? (s1) : 0; \
		out[n].size = (size_t) (s0) * (size_t) ((d) == 2 ? (s1) : 1); \
		out[n].offset = off; \
		off += out[n].size; \
		n++; \
	} while (0)
	for (l = 0; l < a->layers; l++)
	{
		ADD("rnn.weight_ih_l%d", l, 2, G * H, l == 0 ? 1 : H);
		ADD("rnn.weight_hh_l%d", l, 2, G * H, H);
		ADD("rnn.bias_ih_l%d", l, 1, G * H, 0);
		ADD("rnn.bias_hh_l%d", l, 1, G * H, 0);
	}
	prev = H;
	for (j = 0; j < a->n_head; j++)
	{
		ADD("head.%d.weight", j, 2, a->head[j], prev);
		ADD("head.%d.bias", j, 1, a->head[j], 0);
		prev = a->head[j];
	}
	ADD("out.weight%s", "", 2, 1, prev);
	ADD("out.bias%s", "", 1, 1, 0);
#undef ADD
	return n;
}

static void
test_layout(void)
{
	static const int head2[2] = {16, 8};
	static const int head3[3] = {5, 3, 7};
	sf_arch		arches[] = {
		make_arch(SF_RNN, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 9, 32, 1, 2, head2),
		make_arch(SF_GRU, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 4, 3, 2, 3, head3),
		make_arch(SF_GRU, 7, 5, 3, 0, NULL),
		make_arch(SF_RNN, 1, 1, 1, 0, NULL),
	};
	int			i;

	for (i = 0; i < (int) (sizeof(arches) / sizeof(arches[0])); i++)
	{
		sf_tensor	want[SF_MAX_TENSORS];
		sf_tensor	got[SF_MAX_TENSORS];
		char		label[96];
		unit_case	c;
		int			nw,
					ng,
					k;

		memset(got, 0, sizeof(got));
		nw = expected_tensors(&arches[i], want);
		uc_begin(&c, "layout %s: PyTorch state_dict names, shapes, offsets",
				 arch_label(&arches[i], label, sizeof(label)));
		ng = sf_tensors(&arches[i], got);
		if (ng != nw)
			uc_fail(&c, "%d tensors, expected %d", ng, nw);
		for (k = 0; k < ng && k < nw; k++)
		{
			if (strcmp(got[k].name, want[k].name) != 0)
				uc_fail(&c, "tensor %d named %s, expected %s", k, got[k].name,
						want[k].name);
			if (got[k].ndim != want[k].ndim ||
				got[k].shape[0] != want[k].shape[0] ||
				(want[k].ndim == 2 && got[k].shape[1] != want[k].shape[1]))
				uc_fail(&c, "%s: ndim %d shape [%d, %d], expected ndim %d [%d, %d]",
						want[k].name, got[k].ndim, got[k].shape[0],
						got[k].shape[1], want[k].ndim, want[k].shape[0],
						want[k].shape[1]);
			if (got[k].offset != want[k].offset || got[k].size != want[k].size)
				uc_fail(&c, "%s: offset %zu size %zu, expected %zu %zu",
						want[k].name, got[k].offset, got[k].size,
						want[k].offset, want[k].size);
		}
		if (sf_param_count(&arches[i]) != want[nw - 1].offset + want[nw - 1].size)
			uc_fail(&c, "sf_param_count %zu, expected %zu",
					sf_param_count(&arches[i]),
					want[nw - 1].offset + want[nw - 1].size);
		uc_end(&c);
	}

	/* GRU(1, 32): 96 + 3072 + 2 * 96; Linear(32, 16), Linear(16, 8), Linear(8, 1). */
	{
		unit_case	c;
		sf_arch		g = make_arch(SF_GRU, 9, 32, 1, 2, head2);
		sf_arch		l = make_arch(SF_LSTM, 9, 32, 1, 2, head2);
		sf_arch		r = make_arch(SF_RNN, 9, 32, 1, 2, head2);

		uc_begin(&c, "sf_param_count of the recipe's networks");
		if (sf_param_count(&g) != 3360 + 528 + 136 + 9)
			uc_fail(&c, "gru %zu, expected %d", sf_param_count(&g),
					3360 + 528 + 136 + 9);
		if (sf_param_count(&l) != 4480 + 528 + 136 + 9)
			uc_fail(&c, "lstm %zu, expected %d", sf_param_count(&l),
					4480 + 528 + 136 + 9);
		if (sf_param_count(&r) != 1120 + 528 + 136 + 9)
			uc_fail(&c, "rnn %zu, expected %d", sf_param_count(&r),
					1120 + 528 + 136 + 9);
		uc_end(&c);
	}
}

static void
test_init(void)
{
	static const int head2[2] = {16, 8};
	static const int head3[3] = {20, 5, 12};
	sf_arch		arches[] = {
		make_arch(SF_RNN, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 9, 32, 2, 2, head2),
		make_arch(SF_GRU, 9, 64, 2, 3, head3),
		make_arch(SF_GRU, 9, 24, 1, 0, NULL),
	};
	int			i;

	for (i = 0; i < (int) (sizeof(arches) / sizeof(arches[0])); i++)
	{
		sf_arch    *a = &arches[i];
		size_t		P = sf_param_count(a);
		sf_tensor	tn[SF_MAX_TENSORS];
		int			nt = sf_tensors(a, tn);
		sf_model	m1,
					m2,
					m3;
		char		label[96];
		unit_case	c;
		int			k;
		size_t		e;

		arch_label(a, label, sizeof(label));
		memset(&m1, 0, sizeof(m1));
		m1.arch = *a;
		m2 = m1;
		m3 = m1;
		m1.params = xmalloc(sizeof(sf_real) * P);
		m2.params = xmalloc(sizeof(sf_real) * P);
		m3.params = xmalloc(sizeof(sf_real) * P);
		for (e = 0; e < P; e++)
		{
			m1.params[e] = (sf_real) 99.0;
			m2.params[e] = (sf_real) -99.0;
		}
		sf_model_init(&m1, 42);
		sf_model_init(&m2, 42);
		sf_model_init(&m3, 43);

		uc_begin(&c, "init %s: every tensor within PyTorch's bound and spread over it",
				 label);
		for (k = 0; k < nt; k++)
		{
			int			fan_in;
			double		bound,
						minv = INFINITY,
						maxv = -INFINITY,
						sum = 0.0;

			if (strncmp(tn[k].name, "rnn.", 4) == 0)
				fan_in = a->hidden;
			else
			{
				/* Linear: fan_in is the input width of the layer. */
				int			j = -1;

				if (strncmp(tn[k].name, "head.", 5) == 0)
					j = atoi(tn[k].name + 5);
				else
					j = a->n_head;
				fan_in = j == 0 ? a->hidden : a->head[j - 1];
			}
			bound = 1.0 / sqrt((double) fan_in);
			for (e = 0; e < tn[k].size; e++)
			{
				double		v = m1.params[tn[k].offset + e];

				if (!(fabs(v) <= bound * (1 + 1e-6)))
				{
					uc_fail(&c, "%s[%zu] = %g outside +-%g", tn[k].name, e, v,
							bound);
					break;
				}
				if (v > maxv)
					maxv = v;
				if (v < minv)
					minv = v;
				sum += v;
			}
			/*
			 * n draws of U(-b, b) all miss the last 24 b / n at one end of
			 * the range with odds (1 - 12 / n)^n < 1e-5: a narrower or
			 * one-sided range shows here.
			 */
			if (tn[k].size >= 30 &&
				(maxv < bound * (1 - 24.0 / tn[k].size) ||
				 minv > -bound * (1 - 24.0 / tn[k].size)))
				uc_fail(&c, "%s: values span [%g, %g] for bound %g: not U(-b, b)",
						tn[k].name, minv, maxv, bound);
			if (tn[k].size >= 200 &&
				fabs(sum / tn[k].size) > 4 * bound / sqrt(3.0 * tn[k].size))
				uc_fail(&c, "%s: mean %g far from 0 (bound %g, %zu values)",
						tn[k].name, sum / tn[k].size, bound, tn[k].size);
		}
		uc_end(&c);

		uc_begin(&c, "init %s: same seed bit-identical, other seed differs",
				 label);
		if (memcmp(m1.params, m2.params, sizeof(sf_real) * P) != 0)
			uc_fail(&c, "seed 42 twice gives different parameters");
		if (memcmp(m1.params, m3.params, sizeof(sf_real) * P) == 0)
			uc_fail(&c, "seeds 42 and 43 give identical parameters");
		else
		{
			size_t		same = 0;

			for (e = 0; e < P; e++)
				same += m1.params[e] == m3.params[e];
			if (same > P / 10)
				uc_fail(&c, "seeds 42 and 43 share %zu of %zu values", same, P);
		}
		uc_end(&c);

		free(m1.params);
		free(m2.params);
		free(m3.params);
	}
}

/* Parameters drawn here, to exercise the forward pass beyond init's range. */
static void
fill_params(sf_model *m, uint64_t seed, double amp)
{
	unit_rng	r = {seed};
	size_t		P = sf_param_count(&m->arch);
	size_t		e;

	for (e = 0; e < P; e++)
		m->params[e] = (sf_real) urange(&r, -amp, amp);
}

static void
test_forward_float(void)
{
	static const int head2[2] = {16, 8};
	static const int head1[1] = {6};
	sf_arch		arches[] = {
		make_arch(SF_RNN, 9, 32, 1, 2, head2),
		make_arch(SF_LSTM, 9, 32, 1, 2, head2),
		make_arch(SF_GRU, 9, 32, 1, 2, head2),
		make_arch(SF_RNN, 6, 7, 2, 1, head1),
		make_arch(SF_LSTM, 6, 7, 3, 0, NULL),
		make_arch(SF_GRU, 12, 5, 2, 1, head1),
	};
	int			i;

	for (i = 0; i < (int) (sizeof(arches) / sizeof(arches[0])); i++)
	{
		sf_arch    *a = &arches[i];
		int			B = 37;
		size_t		P = sf_param_count(a);
		sf_model	m;
		sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) B * a->window);
		sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) B);
		sf_real    *pred = xmalloc(sizeof(sf_real) * (size_t) B);
		double	   *xd = xmalloc(sizeof(double) * (size_t) a->window);
		void	   *work = xmalloc(sf_batch_bytes(a, B));
		unit_rng	r = {UINT64_C(77) + (uint64_t) i};
		char		label[96];
		unit_case	c;
		double		loss,
					mse = 0.0,
					worst = 0.0;
		int			b,
					t;

		memset(&m, 0, sizeof(m));
		m.arch = *a;
		m.scale_min = 0.0;
		m.scale_max = 1.0;
		m.params = xmalloc(sizeof(sf_real) * P);
		fill_params(&m, 500 + (uint64_t) i, 0.4);
		for (b = 0; b < B * a->window; b++)
			x[b] = (sf_real) urand(&r);
		for (b = 0; b < B; b++)
			y[b] = (sf_real) urand(&r);

		uc_begin(&c, "forward(float) %s: sf_batch_loss matches the reference",
				 arch_label(a, label, sizeof(label)));
		loss = sf_batch_loss(&m, x, y, B, pred, NULL, work);
		for (b = 0; b < B; b++)
		{
			double		ref;
			double		err;

			for (t = 0; t < a->window; t++)
				xd[t] = x[b * a->window + t];
			ref = ref_forward(a, m.params, xd, NULL);
			mse += (ref - y[b]) * (ref - y[b]);
			err = fabs(pred[b] - ref);
			if (err > worst)
				worst = err;
			if (err > 1e-5 * (1 + fabs(ref)))
				uc_fail(&c, "window %d: pred %.9g, reference %.9g", b,
						(double) pred[b], ref);
		}
		mse /= B;
		if (rel_diff(loss, mse, 1e-6) > 1e-4)
			uc_fail(&c, "loss %.9g, reference MSE %.9g", loss, mse);
		uc_note(&c, "worst abs err %.2g", worst);
		uc_end(&c);

		free(m.params);
		free(x);
		free(y);
		free(pred);
		free(xd);
		free(work);
	}
}

static void
count_tick(void *ctx)
{
	(*(int *) ctx)++;
}

/*
 * sf_predict_windows in original units agrees with sf_batch_loss on the same
 * windows scaled by hand; sf_forecast's first step is the prediction of its
 * window, and each later step that of the window extended by the forecasts.
 */
static void
test_predict_forecast(void)
{
	static const int head2[2] = {16, 8};
	int			kind;

	for (kind = 0; kind < 3; kind++)
	{
		sf_arch		a = make_arch(kind, 9, 24, kind == SF_LSTM ? 2 : 1, 2, head2);
		int			n_windows = 600;	/* more than one SF_INFER_CHUNK */
		int			n = n_windows + a.window;
		int			horizon = 12;
		size_t		P = sf_param_count(&a);
		sf_model	m;
		double	   *series = xmalloc(sizeof(double) * (size_t) (n + horizon));
		double	   *pred = xmalloc(sizeof(double) * (size_t) n_windows);
		double	   *pred2 = xmalloc(sizeof(double) * (size_t) n_windows);
		double	   *fc = xmalloc(sizeof(double) * (size_t) horizon);
		double	   *one = xmalloc(sizeof(double) * 1);
		sf_real    *x = xmalloc(sizeof(sf_real) * (size_t) n_windows * a.window);
		sf_real    *y = xmalloc(sizeof(sf_real) * (size_t) n_windows);
		sf_real    *bp = xmalloc(sizeof(sf_real) * (size_t) n_windows);
		void	   *iwork = xmalloc(sf_infer_bytes(&a, 1, SF_INFER_CHUNK));
		void	   *bwork = xmalloc(sf_batch_bytes(&a, n_windows));
		double		range,
					worst = 0.0;
		char		label[96];
		unit_case	c;
		int			i,
					t,
					h;

		memset(&m, 0, sizeof(m));
		m.arch = a;
		m.params = xmalloc(sizeof(sf_real) * P);
		sf_model_init(&m, 7);
		/* The init's output is nearly constant: spread the weights a bit. */
		fill_params(&m, 900 + (uint64_t) kind, 0.35);
		m.scale_min = 3.0;
		m.scale_max = 17.0;
		range = m.scale_max - m.scale_min;
		for (i = 0; i < n; i++)
			series[i] = 10.0 + 5.0 * sin(2 * UNIT_PI * i / 7.0) +
				0.5 * sin(0.37 * i * i);
		arch_label(&a, label, sizeof(label));

		uc_begin(&c, "predict_windows %s agrees with sf_batch_loss over %d windows",
				 label, n_windows);
		for (i = 0; i < n_windows; i++)
			pred[i] = NAN;
		sf_predict_windows(&m, series, 0, n_windows, pred, iwork, NULL);
		for (i = 0; i < n_windows; i++)
		{
			for (t = 0; t < a.window; t++)
				x[i * a.window + t] =
					(sf_real) ((series[i + t] - m.scale_min) / range);
			y[i] = (sf_real) ((series[i + a.window] - m.scale_min) / range);
		}
		(void) sf_batch_loss(&m, x, y, n_windows, bp, NULL, bwork);
		for (i = 0; i < n_windows; i++)
		{
			double		want = bp[i] * range + m.scale_min;
			double		err = fabs(pred[i] - want);

			if (!(err <= 2e-5 * range))
			{
				uc_fail(&c, "window %d: predict %.9g, batch_loss unscaled %.9g",
						i, pred[i], want);
				worst = INFINITY;
			}
			else if (err > worst)
				worst = err;
		}
		/* And against the reference forward pass in original units. */
		for (i = 0; i < n_windows; i += 7)
		{
			double		xd[9];
			double		want;

			for (t = 0; t < a.window; t++)
				xd[t] = (double) (sf_real) ((series[i + t] - m.scale_min) / range);
			want = ref_forward(&a, m.params, xd, NULL) * range + m.scale_min;
			if (!(fabs(pred[i] - want) <= 2e-5 * range))
				uc_fail(&c, "window %d: predict %.9g, reference %.9g", i,
						pred[i], want);
		}
		/* The same again window by window: chunking must not matter. */
		for (i = 0; i < n_windows; i += 97)
		{
			sf_predict_windows(&m, series + i, 0, 1, one, iwork, NULL);
			if (!(fabs(one[0] - pred[i]) <= 1e-6 * range))
				uc_fail(&c, "window %d alone %.9g, in bulk %.9g", i, one[0],
						pred[i]);
		}
		sf_predict_windows(&m, series, 0, n_windows, pred2, iwork, NULL);
		if (memcmp(pred, pred2, sizeof(double) * (size_t) n_windows) != 0)
			uc_fail(&c, "two calls give different predictions");
		uc_note(&c, "worst abs err %.2g of range %g", worst, range);
		uc_end(&c);

		uc_begin(&c, "forecast %s: step 1 is predict of the window, then recursive",
				 label);
		for (h = 0; h < horizon; h++)
			fc[h] = NAN;
		sf_forecast(&m, series + n - a.window, 0, horizon, fc, iwork, NULL);
		sf_predict_windows(&m, series + n - a.window, 0, 1, one, iwork, NULL);
		if (!(fabs(fc[0] - one[0]) <= 1e-6 * range))
			uc_fail(&c, "step 1 %.12g, predict of the same window %.12g",
					fc[0], one[0]);
		/* The window before it is in the bulk predictions. */
		sf_forecast(&m, series + n - a.window - 1, 0, 1, one, iwork, NULL);
		if (!(fabs(one[0] - pred[n_windows - 1]) <= 1e-6 * range))
			uc_fail(&c, "one step from window %d: %.12g, predict %.12g",
					n_windows - 1, one[0], pred[n_windows - 1]);
		/* Extend the series with the forecasts and predict step by step. */
		for (h = 0; h < horizon; h++)
			series[n + h] = fc[h];
		for (h = 1; h < horizon; h++)
		{
			sf_predict_windows(&m, series + n - a.window + h, 0, 1, one, iwork, NULL);
			if (!(fabs(one[0] - fc[h]) <= 1e-6 * range))
				uc_fail(&c, "step %d: forecast %.12g, predict of the window "
						"extended by the forecasts %.12g", h + 1, fc[h], one[0]);
		}
		for (h = 0; h < horizon; h++)
			if (!isfinite(fc[h]))
				uc_fail(&c, "step %d not finite", h + 1);
		uc_end(&c);

		/* Batched forecasts from many origins agree with one at a time. */
		{
			int			first = 5,
						count = 300,
						hz = 4,
						k;
			int			ticks = 0;
			sf_hooks	hooks = {&ticks, count_tick, NULL};
			double	   *many = xmalloc(sizeof(double) * (size_t) count * hz);
			double		single[4];

			uc_begin(&c, "forecast_from %s: %d origins x %d steps agree with sf_forecast",
					 label, count, hz);
			sf_forecast_from(&m, series, 0, first, count, hz, many, iwork, &hooks);
			for (k = 0; k < count; k++)
			{
				sf_forecast(&m, series + first + k, 0, hz, single, iwork, NULL);
				for (h = 0; h < hz; h++)
					if (!(fabs(many[k * hz + h] - single[h]) <= 1e-6 * range))
						uc_fail(&c, "origin %d step %d: %.9g, alone %.9g", k,
								h + 1, many[k * hz + h], single[h]);
			}
			if (ticks < 1)
				uc_fail(&c, "tick hook never called");
			uc_end(&c);
			free(many);
		}

		/* Hooks are optional, and the forecast does not depend on them. */
		{
			double	   *fc2 = xmalloc(sizeof(double) * (size_t) horizon);
			sf_hooks	hooks = {NULL, NULL, NULL};

			uc_begin(&c, "forecast %s: empty hooks give the same numbers", label);
			sf_forecast(&m, series + n - a.window, 0, horizon, fc2, iwork, &hooks);
			if (memcmp(fc, fc2, sizeof(double) * (size_t) horizon) != 0)
				uc_fail(&c, "forecast differs with hooks {NULL}");
			uc_end(&c);
			free(fc2);
		}

		free(m.params);
		free(series);
		free(pred);
		free(pred2);
		free(fc);
		free(one);
		free(x);
		free(y);
		free(bp);
		free(iwork);
		free(bwork);
	}
}

static void
test_rng(void)
{
	sf_rng		a,
				b,
				d;
	unit_case	c;
	double		sum = 0.0;
	int			i,
				same = 0;

	uc_begin(&c, "sf_rng: seeded sequences repeat, uniform in [0, 1)");
	sf_rng_seed(&a, 42);
	sf_rng_seed(&b, 42);
	sf_rng_seed(&d, 43);
	for (i = 0; i < 10000; i++)
	{
		uint64_t	x = sf_rng_next(&a);
		uint64_t	y = sf_rng_next(&b);

		if (x != y)
		{
			uc_fail(&c, "draw %d differs for the same seed", i);
			break;
		}
		same += x == sf_rng_next(&d);
	}
	if (same > 0)
		uc_fail(&c, "seeds 42 and 43 share %d of 10000 draws", same);
	for (i = 0; i < 100000; i++)
	{
		double		u = sf_rng_uniform(&a);

		if (!(u >= 0.0 && u < 1.0))
		{
			uc_fail(&c, "uniform draw %g outside [0, 1)", u);
			break;
		}
		sum += u;
	}
	if (fabs(sum / 100000 - 0.5) > 0.005)
		uc_fail(&c, "mean of 1e5 uniform draws %g", sum / 100000);
	uc_end(&c);
}

void
test_model(void)
{
	test_kinds();
	test_arch_check();
	test_layout();
	test_init();
	test_forward_float();
	test_predict_forecast();
	test_rng();
}
