/*
 * sf_adam.c
 *	  Adam with PyTorch 1.13's defaults and its exact order of operations, so
 *	  that the weights after a step agree with torch.optim.Adam to float
 *	  rounding.
 */
#include <math.h>
#include <string.h>

#include "sf_internal.h"

void
sf_adam_init(sf_adam *adam, double lr, sf_real *m, sf_real *v, size_t n)
{
	adam->lr = lr;
	adam->beta1 = 0.9;
	adam->beta2 = 0.999;
	adam->eps = 1e-8;
	adam->step = 0;
	adam->m = m;
	adam->v = v;
	memset(m, 0, n * sizeof(sf_real));
	memset(v, 0, n * sizeof(sf_real));
}

SF_KERNEL void
sf_adam_step(sf_adam *adam, sf_real *params, const sf_real *grad, size_t n)
{
	sf_real    *restrict m_ = adam->m;
	sf_real    *restrict v_ = adam->v;
	sf_real    *restrict p_ = params;
	const sf_real *restrict g_ = grad;
	double		bc1,
				bc2;
	sf_real		b1 = (sf_real) adam->beta1,
				b2 = (sf_real) adam->beta2,
				c1 = (sf_real) (1.0 - adam->beta1),
				c2 = (sf_real) (1.0 - adam->beta2),
				step_size,
				bc2_sqrt,
				eps = (sf_real) adam->eps;

	adam->step++;
	bc1 = 1.0 - pow(adam->beta1, (double) adam->step);
	bc2 = 1.0 - pow(adam->beta2, (double) adam->step);
	step_size = (sf_real) (adam->lr / bc1);
	bc2_sqrt = (sf_real) sqrt(bc2);

	/*
	 * The four arrays are distinct (restrict), so the loop vectorizes; each
	 * lane does the scalar arithmetic, so the bits do not depend on it.  The
	 * square root of a float widened to double and rounded back is the
	 * float square root exactly (double has more than 2 * 24 + 2 bits).
	 */
	for (size_t i = 0; i < n; i++)
	{
		sf_real		g = g_[i];
		/* 1 - beta is rounded from double, as torch's alpha/value are */
		sf_real		m = m_[i] * b1 + c1 * g;
		sf_real		v = v_[i] * b2 + c2 * (g * g);
		sf_real		denom = (sf_real) sqrt((double) v) / bc2_sqrt + eps;

		m_[i] = m;
		v_[i] = v;
		p_[i] -= step_size * (m / denom);
	}
}
