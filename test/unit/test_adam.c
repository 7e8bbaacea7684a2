/*
 * test_adam.c
 *	  Adam against PyTorch 1.13's update computed here by hand in double.
 *	  Built into both test binaries; the tolerance follows sf_real.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

#define ADAM_N 6
#define ADAM_STEPS 4

static const double adam_p0[ADAM_N] = {0.5, -1.25, 2.0, 0.0, 0.3, -0.7};

/* Per step gradients: sign changes, a zero, and one far below eps. */
static const double adam_g[ADAM_STEPS][ADAM_N] = {
	{0.2, -3.0, 1e-9, 0.0, 0.05, 1.5},
	{-0.4, -2.0, 1e-9, 0.0, 0.07, -1.0},
	{0.1, 1.0, -2e-9, 0.25, 0.02, 0.5},
	{0.3, 0.5, 1e-9, -0.5, -0.09, 0.0},
};

/* PyTorch 1.13 torch.optim.Adam (single-tensor path, no weight decay). */
static void
adam_by_hand(double lr, int steps, double *p, double *m, double *v)
{
	const double b1 = 0.9,
				b2 = 0.999,
				eps = 1e-8;
	int			t,
				i;

	for (i = 0; i < ADAM_N; i++)
	{
		p[i] = adam_p0[i];
		m[i] = v[i] = 0.0;
	}
	for (t = 1; t <= steps; t++)
	{
		double		bc1 = 1.0 - pow(b1, t);
		double		bc2 = 1.0 - pow(b2, t);
		double		step_size = lr / bc1;

		for (i = 0; i < ADAM_N; i++)
		{
			double		g = adam_g[t - 1][i];
			double		denom;

			m[i] = b1 * m[i] + (1.0 - b1) * g;
			v[i] = b2 * v[i] + (1.0 - b2) * g * g;
			denom = sqrt(v[i]) / sqrt(bc2) + eps;
			p[i] -= step_size * m[i] / denom;
		}
	}
}

static void
run_adam(double lr)
{
	int			is_double = sizeof(sf_real) == sizeof(double);
	double		tol = is_double ? 1e-12 : 2e-6;
	const char *build = is_double ? "double" : "float";
	sf_real		p[ADAM_N],
				g[ADAM_N],
				m[ADAM_N],
				v[ADAM_N];
	double		hp[ADAM_N],
				hm[ADAM_N],
				hv[ADAM_N];
	sf_adam		adam;
	unit_case	c;
	int			t,
				i;

	uc_begin(&c, "adam(%s) init lr %g: PyTorch defaults, zeroed moments",
			 build, lr);
	for (i = 0; i < ADAM_N; i++)
	{
		m[i] = (sf_real) 42.0;
		v[i] = (sf_real) 42.0;
		p[i] = (sf_real) adam_p0[i];
	}
	memset(&adam, 0x5a, sizeof(adam));
	sf_adam_init(&adam, lr, m, v, ADAM_N);
	if (adam.lr != lr)
		uc_fail(&c, "lr %g", adam.lr);
	if (adam.beta1 != 0.9 || adam.beta2 != 0.999 || adam.eps != 1e-8)
		uc_fail(&c, "beta1 %g beta2 %g eps %g", adam.beta1, adam.beta2,
				adam.eps);
	if (adam.step != 0)
		uc_fail(&c, "step %ld", adam.step);
	if (adam.m != m || adam.v != v)
		uc_fail(&c, "m/v pointers not kept");
	for (i = 0; i < ADAM_N; i++)
		if (m[i] != 0 || v[i] != 0)
			uc_fail(&c, "m[%d] = %g, v[%d] = %g after init", i, (double) m[i],
					i, (double) v[i]);
	uc_end(&c);

	for (t = 1; t <= ADAM_STEPS; t++)
	{
		uc_begin(&c, "adam(%s) lr %g step %d matches the hand computation",
				 build, lr, t);
		for (i = 0; i < ADAM_N; i++)
			g[i] = (sf_real) adam_g[t - 1][i];
		sf_adam_step(&adam, p, g, ADAM_N);
		adam_by_hand(lr, t, hp, hm, hv);
		if (adam.step != t)
			uc_fail(&c, "step counter %ld, expected %d", adam.step, t);
		for (i = 0; i < ADAM_N; i++)
		{
			if (fabs((double) p[i] - hp[i]) > tol * (fabs(hp[i]) > 1 ? fabs(hp[i]) : 1))
				uc_fail(&c, "param %d = %.12g, by hand %.12g", i,
						(double) p[i], hp[i]);
			if (rel_diff(m[i], hm[i], 1e-12) > (is_double ? 1e-12 : 1e-6))
				uc_fail(&c, "m[%d] = %.12g, by hand %.12g", i, (double) m[i],
						hm[i]);
			if (rel_diff(v[i], hv[i], 1e-24) > (is_double ? 1e-12 : 1e-6))
				uc_fail(&c, "v[%d] = %.12g, by hand %.12g", i, (double) v[i],
						hv[i]);
		}

		/*
		 * The first step also against literal numbers: it moves each
		 * parameter by lr * g / (|g| + eps), i.e. about lr against the sign
		 * of g, and by 1/11 of that for g = 1e-9 where eps dominates.
		 */
		if (t == 1)
		{
			static const double expect_scale[ADAM_N] = {
				-1.0, 1.0, -1.0 / 11.0, 0.0, -1.0, -1.0
			};

			for (i = 0; i < ADAM_N; i++)
			{
				double		want = adam_p0[i] + lr * expect_scale[i];

				if (fabs((double) p[i] - want) > lr * 1e-6 + (is_double ? 0 : 2e-6))
					uc_fail(&c, "first step: param %d = %.12g, expected %.12g",
							i, (double) p[i], want);
			}
		}
		uc_end(&c);
	}
}

void
test_adam(void)
{
	run_adam(0.01);
	run_adam(0.1);
}
