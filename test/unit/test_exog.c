/*
 * test_exog.c
 *	  Networks with exog columns besides the value: the checks and the
 *	  scaling fit, the alignment of exog rows with the windows (a target that
 *	  is a covariate known one step ahead is learnt, the same covariate
 *	  shuffled is not), the row rules of the inference entry points against
 *	  each other, and determinism.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* A model of one GRU network with n_exog covariate columns. */
static sf_model
exog_model(int window, int hidden, int n_exog)
{
	static const int head[1] = {8};
	sf_model	m;

	memset(&m, 0, sizeof(m));
	m.arch = make_arch(SF_GRU, window, hidden, 1, 1, head);
	m.arch.inputs = 1 + n_exog;
	m.n_exog = n_exog;
	m.n_members = 1;
	m.scale_max = 1;
	for (int j = 0; j < n_exog; j++)
	{
		m.exog[j].kind = SF_EXOG_COVARIATE;
		m.exog[j].scale = 1;
	}
	return m;
}

typedef struct xrun
{
	sf_model	model;
	double	   *loss;
	void	   *work;
	int			rc;
} xrun;

static void
train_x(xrun *r, const sf_model *proto, const sf_train_opts *o,
		const double *series, int n, const double *exog, int fill)
{
	size_t		P = sf_param_count(&proto->arch);
	size_t		wb = sf_train_bytes(&proto->arch, o, n);
	sf_train_result res;

	memset(r, 0, sizeof(*r));
	r->model = *proto;
	r->model.params = xmalloc(sizeof(sf_real) * P * (size_t) o->ensemble);
	r->loss = xmalloc(sizeof(double) * (size_t) o->epochs);
	r->work = xmalloc(wb);
	memset(r->work, fill, wb);
	memset(&res, 0, sizeof(res));
	res.loss = r->loss;
	r->rc = sf_train_x(&r->model, o, series, n, exog, r->work, &res, NULL);
}

static void
free_x(xrun *r)
{
	free(r->model.params);
	free(r->loss);
	free(r->work);
}

/* R^2 of the one-step predictions of the windows starting at first.. */
static double
holdout_r2(const sf_model *m, const double *series, const double *exog,
		   int first, int count)
{
	int			T = m->arch.window;
	double	   *pred = xmalloc(sizeof(double) * (size_t) count);
	void	   *work = xmalloc(sf_infer_bytes(&m->arch, m->n_members, SF_INFER_CHUNK));
	sf_scores	s;

	sf_predict_windows_x(m, series + first,
						 exog ? exog + (size_t) first * m->n_exog : NULL, first,
						 count, pred, work, NULL);
	sf_score(series + first + T, pred, count, &s);
	free(pred);
	free(work);
	return s.r2;
}

static void
test_checks(void)
{
	unit_case	c;
	sf_model	m = exog_model(4, 3, 2);
	double		rows[6] = {1, 10, 2, 10, 3, 10};

	uc_begin(&c, "exog: sf_exog_check and sf_arch_check");
	if (sf_exog_check(&m) != SF_OK)
		uc_fail(&c, "a good model refused");
	m.arch.inputs = 2;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "inputs != 1 + n_exog accepted");
	m.arch.inputs = SF_MAX_INPUTS + 1;
	if (sf_arch_check(&m.arch) != SF_EINVAL)
		uc_fail(&c, "inputs beyond SF_MAX_INPUTS accepted");
	m.arch.inputs = 0;
	if (sf_arch_check(&m.arch) != SF_OK || sf_arch_inputs(&m.arch) != 1)
		uc_fail(&c, "inputs 0 is not read as 1");
	m = exog_model(4, 3, 2);
	m.exog[1].scale = 0;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "scale 0 accepted");
	m = exog_model(4, 3, 2);
	m.exog[0].shift = NAN;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "NaN shift accepted");
	/* one calendar part of width 1 (weekend): the last column */
	m = exog_model(4, 3, 2);
	m.calendar = SF_CAL_WEEKEND;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "a calendar column of covariate kind accepted");
	m.exog[1].kind = SF_EXOG_CALENDAR;
	if (sf_exog_check(&m) != SF_OK)
		uc_fail(&c, "covariate then weekend refused");
	m.exog[1].scale = 2;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "a scaled calendar column accepted");
	m.exog[1].scale = 1;
	m.exog[0].kind = SF_EXOG_CALENDAR;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "a calendar column before a covariate accepted");
	m = exog_model(4, 3, 2);
	m.calendar = 0x80;
	if (sf_exog_check(&m) != SF_EINVAL)
		uc_fail(&c, "an unknown calendar bit accepted");
	uc_end(&c);

	uc_begin(&c, "exog: sf_exog_fit is the mean and standard deviation, 1 when constant");
	m = exog_model(4, 3, 2);
	if (sf_exog_fit(&m, rows, 3) != SF_OK)
		uc_fail(&c, "fit failed");
	if (fabs(m.exog[0].shift - 2) > 1e-15 ||
		fabs(m.exog[0].scale - sqrt(2.0 / 3.0)) > 1e-15)
		uc_fail(&c, "column 0: shift %g scale %g", m.exog[0].shift, m.exog[0].scale);
	if (m.exog[1].shift != 10 || m.exog[1].scale != 1)
		uc_fail(&c, "constant column: shift %g scale %g", m.exog[1].shift,
				m.exog[1].scale);
	if (sf_exog_in(&m, 1, 10) != 0)
		uc_fail(&c, "a constant column does not feed 0");
	rows[2] = INFINITY;
	if (sf_exog_fit(&m, rows, 3) != SF_ENONFINITE)
		uc_fail(&c, "an infinite value fitted");
	uc_end(&c);
}

/* A series equal to an iid covariate: learnable only when aligned. */
#define ALIGN_N 400

static void
test_alignment(void)
{
	unit_case	c;
	double	   *cov = xmalloc(sizeof(double) * ALIGN_N);
	double	   *shuffled = xmalloc(sizeof(double) * ALIGN_N);
	double	   *series = xmalloc(sizeof(double) * ALIGN_N);
	unit_rng	rng = {777};
	sf_model	proto = exog_model(4, 8, 1),
				uni = exog_model(4, 8, 0);
	sf_train_opts o;
	sf_split	split;
	xrun		r,
				rs,
				ru;
	double		r2,
				r2s,
				r2u;
	int			first;

	for (int i = 0; i < ALIGN_N; i++)
		series[i] = cov[i] = shuffled[i] = 100 + 20 * urand(&rng);
	for (int i = ALIGN_N - 1; i > 0; i--)
	{
		int			k = (int) (urand(&rng) * (i + 1));
		double		t = shuffled[i];

		shuffled[i] = shuffled[k];
		shuffled[k] = t;
	}
	sf_train_opts_tutorial(&o);
	o.prep.window = 4;
	o.epochs = 60;
	sf_split_compute(ALIGN_N, 4, o.test_fraction, o.validation_fraction, &split);
	first = split.n_train + split.n_val;

	train_x(&r, &proto, &o, series, ALIGN_N, cov, 0);
	train_x(&rs, &proto, &o, series, ALIGN_N, shuffled, 0);
	train_x(&ru, &uni, &o, series, ALIGN_N, NULL, 0);
	uc_begin(&c, "exog: a target equal to a covariate known one step ahead is learnt, shuffled it is not");
	if (r.rc != SF_OK || rs.rc != SF_OK || ru.rc != SF_OK)
		uc_fail(&c, "training failed: %d %d %d", r.rc, rs.rc, ru.rc);
	else
	{
		r2 = holdout_r2(&r.model, series, cov, first, split.n_test);
		r2s = holdout_r2(&rs.model, series, shuffled, first, split.n_test);
		r2u = holdout_r2(&ru.model, series, NULL, first, split.n_test);
		/* the aligned covariate is the answer; the others carry nothing */
		if (!(r2 > 0.95))
			uc_fail(&c, "aligned covariate: holdout R^2 %.4f, want > 0.95", r2);
		if (!(r2s < 0.2))
			uc_fail(&c, "shuffled covariate: holdout R^2 %.4f, want < 0.2", r2s);
		if (!(r2u < 0.2))
			uc_fail(&c, "no covariate: holdout R^2 %.4f, want < 0.2", r2u);
		uc_note(&c, "R^2 aligned %.4f, shuffled %.4f, univariate %.4f", r2, r2s, r2u);
	}
	uc_end(&c);

	uc_begin(&c, "exog: training is deterministic (same bytes, whatever the work area held)");
	{
		xrun		r2run;
		size_t		P = sf_param_count(&proto.arch);

		train_x(&r2run, &proto, &o, series, ALIGN_N, cov, 0x5A);
		if (r2run.rc != SF_OK ||
			memcmp(r2run.model.params, r.model.params, sizeof(sf_real) * P) != 0 ||
			memcmp(r2run.model.exog, r.model.exog, sizeof(r.model.exog)) != 0)
			uc_fail(&c, "a second run differs");
		free_x(&r2run);
	}
	uc_end(&c);

	uc_begin(&c, "exog: the scaling is fitted on the training part only");
	{
		xrun		r3;
		double	   *cov2 = xmalloc(sizeof(double) * ALIGN_N);
		size_t		P = sf_param_count(&proto.arch);
		int			n_fit = split.n_train + split.n_val + 4;	/* rows 0 .. n_fit-1 */

		memcpy(cov2, cov, sizeof(double) * ALIGN_N);
		for (int i = n_fit; i < ALIGN_N; i++)
			cov2[i] = 1e6 + i;
		train_x(&r3, &proto, &o, series, ALIGN_N, cov2, 0);
		if (r3.rc != SF_OK ||
			memcmp(r3.model.params, r.model.params, sizeof(sf_real) * P) != 0 ||
			r3.model.exog[0].shift != r.model.exog[0].shift ||
			r3.model.exog[0].scale != r.model.exog[0].scale)
			uc_fail(&c, "changing the test part's rows changed the model");
		cov2[n_fit - 1] += 50;
		free_x(&r3);
		train_x(&r3, &proto, &o, series, ALIGN_N, cov2, 0);
		if (r3.model.exog[0].shift == r.model.exog[0].shift)
			uc_fail(&c, "the last training row is not in the fit");
		free_x(&r3);
		free(cov2);
	}
	uc_end(&c);

	uc_begin(&c, "exog: bad exog refused");
	{
		xrun		bad;
		sf_model	p2 = proto;

		cov[10] = NAN;
		train_x(&bad, &proto, &o, series, ALIGN_N, cov, 0);
		if (bad.rc != SF_ENONFINITE)
			uc_fail(&c, "NaN exog: rc %d", bad.rc);
		free_x(&bad);
		cov[10] = 100;
		train_x(&bad, &proto, &o, series, ALIGN_N, NULL, 0);
		if (bad.rc != SF_EINVAL)
			uc_fail(&c, "NULL exog with n_exog 1: rc %d", bad.rc);
		free_x(&bad);
		p2.arch.inputs = 3;
		train_x(&bad, &p2, &o, series, ALIGN_N, cov, 0);
		if (bad.rc != SF_EINVAL)
			uc_fail(&c, "inputs 3 with n_exog 1: rc %d", bad.rc);
		free_x(&bad);
	}
	uc_end(&c);

	free_x(&r);
	free_x(&rs);
	free_x(&ru);
	free(cov);
	free(shuffled);
	free(series);
}

/*
 * The entry points' row rules agree: for origins inside a series,
 * sf_forecast_from_x, sf_forecast_x from the origin's window with the rows
 * after it, and sf_predict_windows_x's one-step predictions give the same
 * numbers; an ensemble with exog averages its members.
 */
static void
test_rows(void)
{
	enum
	{
		N = 120, T = 6, E = 2, H = 4, COUNT = 20
	};
	unit_case	c;
	double	   *series = xmalloc(sizeof(double) * N);
	double	   *exog = xmalloc(sizeof(double) * N * E);
	double		from[COUNT * H],
				one[H],
				pred[COUNT];
	unit_rng	rng = {99};
	sf_model	proto = exog_model(T, 5, E);
	sf_train_opts o;
	xrun		r;
	void	   *work;
	int			first = N - T - H - COUNT + 1;
	double		worst = 0;

	for (int i = 0; i < N; i++)
	{
		exog[i * E] = sin(i * 0.7) * 3 + urand(&rng);
		exog[i * E + 1] = (i % 5 == 0) * 10.0;
		series[i] = 50 + 5 * sin(i * 0.3) + exog[i * E] + 0.5 * exog[i * E + 1];
	}
	sf_train_opts_tutorial(&o);
	o.prep.window = T;
	o.prep.norm = SF_NORM_WINDOW;
	o.epochs = 5;
	o.ensemble = 3;
	proto.arch.window = T;
	train_x(&r, &proto, &o, series, N, exog, 0);
	work = xmalloc(sf_infer_bytes(&r.model.arch, r.model.n_members, SF_INFER_CHUNK));

	uc_begin(&c, "exog: sf_forecast_from_x, sf_forecast_x and sf_predict_windows_x agree on their rows");
	if (r.rc != SF_OK)
		uc_fail(&c, "training failed: %d", r.rc);
	sf_forecast_from_x(&r.model, series, exog, 0, first, COUNT, H, from, work, NULL);
	sf_predict_windows_x(&r.model, series + first, exog + first * E, first,
						 COUNT, pred, work, NULL);
	for (int k = 0; k < COUNT; k++)
	{
		int			o0 = first + k;

		sf_forecast_x(&r.model, series + o0, exog + (o0 + 1) * E, o0, H, one,
					  work, NULL);
		for (int h = 0; h < H; h++)
			if (fabs(one[h] - from[k * H + h]) > worst)
				worst = fabs(one[h] - from[k * H + h]);
		if (fabs(pred[k] - from[k * H]) > worst)
			worst = fabs(pred[k] - from[k * H]);
	}
	if (worst != 0)
		uc_fail(&c, "largest difference %.3g", worst);
	uc_end(&c);

	uc_begin(&c, "exog: forecasts read the future rows (changing one changes its step only and later)");
	{
		double		ex2[(T - 1 + H) * E],
					a[H],
					b[H];

		memcpy(ex2, exog + (N - T + 1) * E, sizeof(double) * (T - 1) * E);
		for (int i = (T - 1) * E; i < (T - 1 + H) * E; i++)
			ex2[i] = 1.0;
		sf_forecast_x(&r.model, series + N - T, ex2, N - T, H, a, work, NULL);
		ex2[(T - 1 + 2) * E] = 50.0;	/* the third forecast step's covariate */
		sf_forecast_x(&r.model, series + N - T, ex2, N - T, H, b, work, NULL);
		if (a[0] != b[0] || a[1] != b[1])
			uc_fail(&c, "steps before the changed row moved: %g %g vs %g %g",
					a[0], a[1], b[0], b[1]);
		if (a[2] == b[2])
			uc_fail(&c, "the changed row's step did not move");
	}
	uc_end(&c);

	uc_begin(&c, "exog: an ensemble predicts the mean of its members");
	{
		size_t		P = sf_param_count(&r.model.arch);
		double		sum[COUNT],
					p1[COUNT];
		sf_model	single = r.model;

		memset(sum, 0, sizeof(sum));
		single.n_members = 1;
		for (int k = 0; k < 3; k++)
		{
			single.params = r.model.params + k * P;
			sf_predict_windows_x(&single, series + first, exog + first * E,
								 first, COUNT, p1, work, NULL);
			for (int i = 0; i < COUNT; i++)
				sum[i] += p1[i];
		}
		worst = 0;
		for (int i = 0; i < COUNT; i++)
		{
			/* window normalization: the mean in the transform's units is
			 * the mean of the values (identity transform, no season) */
			double		d = fabs(sum[i] / 3 - pred[i]);

			if (d > worst)
				worst = d;
		}
		if (worst > 1e-9 * 60)
			uc_fail(&c, "largest difference %.3g", worst);
	}
	uc_end(&c);

	free(work);
	free_x(&r);
	free(series);
	free(exog);
}

/* One input behaves exactly as before: the _x entry points with NULL. */
static void
test_univariate_same(void)
{
	enum
	{
		N = 80, T = 5
	};
	unit_case	c;
	double		series[N],
				a[N],
				b[N];
	sf_model	proto = exog_model(T, 4, 0);
	sf_train_opts o;
	xrun		r;
	void	   *work;
	size_t		P;
	sf_train_result res;
	sf_model	m2;
	double		loss[8];
	void	   *tw;

	for (int i = 0; i < N; i++)
		series[i] = 10 + sin(i * 0.5) + 0.01 * i;
	sf_train_opts_tutorial(&o);
	o.prep.window = T;
	o.epochs = 8;
	proto.arch.inputs = 0;		/* an arch built before the field existed */
	train_x(&r, &proto, &o, series, N, NULL, 0);
	P = sf_param_count(&proto.arch);
	m2 = proto;
	m2.params = xmalloc(sizeof(sf_real) * P);
	tw = xmalloc(sf_train_bytes(&proto.arch, &o, N));
	memset(&res, 0, sizeof(res));
	res.loss = loss;
	uc_begin(&c, "exog: sf_train and sf_predict_windows are the _x ones with no exog");
	if (sf_train(&m2, &o, series, N, tw, &res, NULL) != SF_OK || r.rc != SF_OK ||
		memcmp(m2.params, r.model.params, sizeof(sf_real) * P) != 0)
		uc_fail(&c, "sf_train differs from sf_train_x(NULL)");
	work = xmalloc(sf_infer_bytes(&proto.arch, 1, SF_INFER_CHUNK));
	sf_predict_windows(&m2, series, 0, N - T, a, work, NULL);
	sf_predict_windows_x(&m2, series, NULL, 0, N - T, b, work, NULL);
	if (memcmp(a, b, sizeof(double) * (N - T)) != 0)
		uc_fail(&c, "sf_predict_windows differs from sf_predict_windows_x(NULL)");
	uc_end(&c);
	free(work);
	free(tw);
	free(m2.params);
	free_x(&r);
}

void
test_exog(void)
{
	test_checks();
	test_alignment();
	test_rows();
	test_univariate_same();
}
