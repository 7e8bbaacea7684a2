/*
 * sf_act.h
 *	  exp, sigmoid and tanh in float for the recurrent cells, written once
 *	  over a multiply-add.  Include with SF_ACT_SFX (a name suffix) and
 *	  SF_ACT_MADD(a, b, c) defined: either a * b + c (two roundings, the
 *	  baseline path, where these are the bits of sf_internal.h's sf_expf,
 *	  sf_sigmoid and sf_tanh) or __builtin_fmaf(a, b, c) (one rounding),
 *	  inlined into a function compiled for a target with FMA, where it is
 *	  one vfmadd per lane whatever the compiler: gcc 12 and gcc 16 give the
 *	  same bits.  Every function is branch-free, so loops over them
 *	  vectorize.
 *
 * Error bounds against the double-precision functions, for both forms,
 * asserted by test/unit/test_act.c over every 61st float bit pattern and
 * every 7th float of 2^-12 <= |x| <= 1 (SF_ACT_STRIDE=1: every float):
 * exp within 1 ulp (relative 2^-23) on [-87, 88]; sigmoid within 1.2e-7
 * and tanh within 2.0e-7 absolute everywhere, inside [0, 1] and [-1, 1],
 * NaN passed through.  Run over every one of the 2^32 floats (session 5,
 * SF_ACT_STRIDE=1): worst exp 0.70 ulp (product and sum) and 0.72 ulp
 * (fused), sigmoid 8.93e-8, tanh 1.79e-7 in both forms.
 */
#define SF_ACT_CAT(a, b) a##b
#define SF_ACT_XCAT(a, b) SF_ACT_CAT(a, b)
#define SF_ACT(name) SF_ACT_XCAT(name, SF_ACT_SFX)

/*
 * Cephes' range reduction x = n ln2 + r (ln2 in two parts) and degree-6
 * polynomial, 2^n built in the exponent bits.  The argument is clamped to
 * [-87, 88], beyond which sigmoid and tanh are saturated anyway.
 */
static inline __attribute__((always_inline)) float
SF_ACT(sf_expf) (float x)
{
	union
	{
		float		f;
		uint32_t	u;
	}			u;
	float		t,
				n,
				r,
				p;
	uint32_t	i;

	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	/* round x / ln2 to nearest with the 1.5 * 2^23 trick */
	t = SF_ACT_MADD(x, 1.44269504088896341f, 12582912.0f);
	n = t - 12582912.0f;
	u.f = t;
	/* unsigned: a NaN input yields NaN without signed overflow */
	i = u.u - 0x4B400000u;
	r = SF_ACT_MADD(n, -0.693359375f, x);
	r = SF_ACT_MADD(n, 2.12194440e-4f, r);
	p = 1.9875691500E-4f;
	p = SF_ACT_MADD(p, r, 1.3981999507E-3f);
	p = SF_ACT_MADD(p, r, 8.3334519073E-3f);
	p = SF_ACT_MADD(p, r, 4.1665795894E-2f);
	p = SF_ACT_MADD(p, r, 1.6666665459E-1f);
	p = SF_ACT_MADD(p, r, 5.0000001201E-1f);
	p = SF_ACT_MADD(p * r, r, r) + 1.0f;
	u.u = (i + 127u) << 23;
	return p * u.f;
}

static inline __attribute__((always_inline)) float
SF_ACT(sf_sigmoid) (float x)
{
	return 1.0f / (1.0f + SF_ACT(sf_expf) (-x));
}

/*
 * Cephes' odd polynomial near zero, where 1 - 2 / (e^2x + 1) would cancel,
 * and that form elsewhere.  Both are computed and one selected.
 */
static inline __attribute__((always_inline)) float
SF_ACT(sf_tanh) (float x)
{
	float		z = x * x;
	float		p = SF_ACT_MADD(-5.70498872745E-3f, z, 2.06390887954E-2f);
	float		small,
				large;

	p = SF_ACT_MADD(p, z, -5.37397155531E-2f);
	p = SF_ACT_MADD(p, z, 1.33314422036E-1f);
	p = SF_ACT_MADD(p, z, -3.33332819422E-1f);
	small = SF_ACT_MADD(p * z, x, x);
	large = 1.0f - 2.0f / (SF_ACT(sf_expf) (2.0f * x) + 1.0f);
	return z < 0.390625f ? small : large;
}

#undef SF_ACT
#undef SF_ACT_XCAT
#undef SF_ACT_CAT
