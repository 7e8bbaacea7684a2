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

	for (size_t i = 0; i < n; i++)
	{
		sf_real		g = grad[i];
		/* 1 - beta is rounded from double, as torch's alpha/value are */
		sf_real		m = adam->m[i] * b1 + c1 * g;
		sf_real		v = adam->v[i] * b2 + c2 * (g * g);
		sf_real		denom = (sf_real) sqrt((double) v) / bc2_sqrt + eps;

		adam->m[i] = m;
		adam->v[i] = v;
		params[i] -= step_size * (m / denom);
	}
}
