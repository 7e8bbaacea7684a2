/*
 * test_act.c
 *	  Error bounds of the float activations of sf_act.h, in both forms (a
 *	  product and a sum: the baseline path; a fused multiply-add: the
 *	  AVX-512 and AVX2 paths), against libm in double.  Every float bit
 *	  pattern taken with a stride (SF_ACT_STRIDE, default 61: about 70
 *	  million arguments over all exponents and both signs; 1 checks every
 *	  float), plus every 7th float of 2^-12 <= |x| <= 1, where tanh's two
 *	  formulas meet (a coarser stride thins that band alike:
 *	  test/shell/valgrind_unit.sh, which checks memory, not the bounds).
 *	  __builtin_fmaf is exactly rounded wherever it runs (an instruction or
 *	  libm's fmaf), so the fused form computes here the bits it computes on
 *	  the vector paths.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sf_internal.h"

#ifdef SF_REAL_FLOAT

#define SF_ACT_SFX _tfma
#define SF_ACT_MADD(a, b, c) __builtin_fmaf(a, b, c)
#include "sf_act.h"
#undef SF_ACT_MADD
#undef SF_ACT_SFX
#define SF_ACT_SFX _tmul
#define SF_ACT_MADD(a, b, c) ((a) * (b) + (c))
#include "sf_act.h"
#undef SF_ACT_MADD
#undef SF_ACT_SFX

/* The bounds sf_act.h states. */
#define EXP_ULP_BOUND 1.0		/* relative, in units of 2^-23, on [-87, 88] */
#define SIGMOID_ABS_BOUND 1.2e-7
#define TANH_ABS_BOUND 2.0e-7

typedef struct act_err
{
	double		exp_ulp,
				sig_abs,
				tanh_abs;
	float		exp_at,
				sig_at,
				tanh_at;
	long		nan_wrong;		/* NaN in, not NaN out (or NaN out of a number) */
	long		range_wrong;	/* sigmoid outside [0, 1], tanh outside [-1, 1] */
} act_err;

static void
check_one(float x, int fused, act_err *e)
{
	float		ex = fused ? sf_expf_tfma(x) : sf_expf_tmul(x);
	float		s = fused ? sf_sigmoid_tfma(x) : sf_sigmoid_tmul(x);
	float		t = fused ? sf_tanh_tfma(x) : sf_tanh_tmul(x);

	if (isnan(x))
	{
		e->nan_wrong += !isnan(s) + !isnan(t);
		return;
	}
	if (isnan(ex) || isnan(s) || isnan(t))
	{
		e->nan_wrong++;
		return;
	}
	if (!(s >= 0 && s <= 1) || !(t >= -1 && t <= 1))
		e->range_wrong++;
	if (x >= -87.0f && x <= 88.0f)
	{
		double		ref = exp((double) x);
		double		ulp = fabs(ex - ref) / ref / 0x1p-23;

		if (ulp > e->exp_ulp)
		{
			e->exp_ulp = ulp;
			e->exp_at = x;
		}
	}
	{
		double		ds = fabs(s - 1.0 / (1.0 + exp(-(double) x)));
		double		dt = fabs(t - tanh((double) x));

		if (ds > e->sig_abs)
		{
			e->sig_abs = ds;
			e->sig_at = x;
		}
		if (dt > e->tanh_abs)
		{
			e->tanh_abs = dt;
			e->tanh_at = x;
		}
	}
}

static void
test_bounds(int fused, uint32_t stride)
{
	unit_case	c;
	act_err		e;
	union
	{
		uint32_t	u;
		float		f;
	}			v;

	/* the band where tanh's formulas meet: every 7th float at the default */
	uint32_t	band = 7 * ((stride + 60) / 61);

	memset(&e, 0, sizeof(e));
	uc_begin(&c, "activations (%s form): exp <= %.0f ulp, sigmoid <= %.1e, tanh <= %.1e, "
			 "every %u-th float and every %u-th of 2^-12 <= |x| <= 1",
			 fused ? "fused multiply-add" : "product and sum",
			 EXP_ULP_BOUND, SIGMOID_ABS_BOUND, TANH_ABS_BOUND, stride, band);
	for (uint64_t u = 0; u <= UINT32_MAX; u += stride)
	{
		v.u = (uint32_t) u;
		check_one(v.f, fused, &e);
	}
	for (v.f = 0x1p-12f; v.f <= 1.0f; v.u += band)
	{
		check_one(v.f, fused, &e);
		check_one(-v.f, fused, &e);
	}
	if (e.exp_ulp > EXP_ULP_BOUND)
		uc_fail(&c, "exp %.2f ulp at %a", e.exp_ulp, e.exp_at);
	if (e.sig_abs > SIGMOID_ABS_BOUND)
		uc_fail(&c, "sigmoid %.3g at %a", e.sig_abs, e.sig_at);
	if (e.tanh_abs > TANH_ABS_BOUND)
		uc_fail(&c, "tanh %.3g at %a", e.tanh_abs, e.tanh_at);
	if (e.nan_wrong || e.range_wrong)
		uc_fail(&c, "%ld NaN results wrong, %ld out of range", e.nan_wrong, e.range_wrong);
	uc_note(&c, "worst: exp %.2f ulp at %a, sigmoid %.3g at %a, tanh %.3g at %a",
			e.exp_ulp, e.exp_at, e.sig_abs, e.sig_at, e.tanh_abs, e.tanh_at);
	uc_end(&c);
}

/* The product-and-sum form is sf_internal.h's functions, bit for bit. */
static void
test_same_as_internal(uint32_t stride)
{
	unit_case	c;
	long		differ = 0;
	union
	{
		uint32_t	u;
		float		f;
		uint32_t	r;
	}			v,
				a,
				b;

	uc_begin(&c, "activations: the product-and-sum form gives sf_internal.h's bits");
	for (uint64_t u = 0; u <= UINT32_MAX; u += stride)
	{
		v.u = (uint32_t) u;
		a.f = sf_sigmoid_tmul(v.f);
		b.f = sf_sigmoid(v.f);
		differ += a.u != b.u && !(isnan(a.f) && isnan(b.f));
		a.f = sf_tanh_tmul(v.f);
		b.f = sf_tanh(v.f);
		differ += a.u != b.u && !(isnan(a.f) && isnan(b.f));
	}
	if (differ)
		uc_fail(&c, "%ld results differ", differ);
	uc_end(&c);
}

void
test_act(void)
{
	const char *s = getenv("SF_ACT_STRIDE");
	uint32_t	stride = s && atoi(s) > 0 ? (uint32_t) atoi(s) : 61;

	test_bounds(0, stride);
	test_bounds(1, stride);
	test_same_as_internal(stride * 16 + 1);
}

#else

void
test_act(void)
{
}

#endif
