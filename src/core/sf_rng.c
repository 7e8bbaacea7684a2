/*
 * sf_rng.c
 *	  The core's own seeded generator (xoshiro256** seeded by splitmix64), so
 *	  the same seed gives the same weights and dropout masks on every
 *	  platform and library version.
 */
#include "sf_core.h"

static uint64_t
SplitMix(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
sf_rng_seed(sf_rng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = SplitMix(&x);
}

static inline uint64_t
Rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
sf_rng_next(sf_rng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = Rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = Rotl(s[3], 45);
	return result;
}

/* 53 random bits scaled into [0, 1). */
double
sf_rng_uniform(sf_rng *rng)
{
	return (double) (sf_rng_next(rng) >> 11) * 0x1.0p-53;
}
