/*
 * bench_peak.c
 *	  The floating-point limit of this core, one figure per path the
 *	  library dispatches to: AVX-512 (x86-64-v4), AVX2+FMA (x86-64-v3) and
 *	  baseline x86-64 (SSE2, no FMA: a multiply and an add per element).
 *
 * Each path runs independent accumulator chains, acc = acc * m + c, at the
 * register width of its instruction set: 24 zmm chains, 12 ymm chains, 12
 * xmm chains, enough to cover the FMA latency (4 cycles) on two FMA pipes
 * with room to spare, and few enough to stay in registers (32 zmm, 16
 * ymm/xmm; at -O2 GCC may keep such arrays in memory, so the Makefile builds
 * this file at -O3 and the loop bodies are written out by hand; the
 * Makefile's `peak-asm` target prints the inner loops to check).  m and c
 * are read through volatiles so that nothing is folded at compile time, and
 * every chain starts from a different value so that none can be merged.
 * FLOPs are 2 per element per step (the multiply and the add, fused or not).
 */
#include <time.h>

#include "bench_peak.h"

typedef float pv16 __attribute__((vector_size(64)));
typedef float pv8 __attribute__((vector_size(32)));
typedef float pv4 __attribute__((vector_size(16)));

#if defined(__GNUC__) && defined(__x86_64__)
#define PEAK_V4 __attribute__((target("arch=x86-64-v4"), noinline))
#define PEAK_V3 __attribute__((target("arch=x86-64-v3"), noinline))
#define PEAK_BASE __attribute__((target("arch=x86-64"), noinline))
#else
#define PEAK_V4 __attribute__((noinline))
#define PEAK_V3 __attribute__((noinline))
#define PEAK_BASE __attribute__((noinline))
#endif

static volatile float peak_m = 0.99999994f;
static volatile float peak_c = 1e-7f;

static double
PeakNow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define STEP(x) x = x * m + c

/* Returns the sum of the chains so that the loop is not dead code. */
PEAK_V4 static float
Chains16(long iters)
{
	pv16		m = {0},
				c = {0};
	pv16		x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11,
				x12, x13, x14, x15, x16, x17, x18, x19, x20, x21, x22, x23;
	float		s = 0;

	m += peak_m;
	c += peak_c;
	x0 = c * 1, x1 = c * 2, x2 = c * 3, x3 = c * 4, x4 = c * 5, x5 = c * 6;
	x6 = c * 7, x7 = c * 8, x8 = c * 9, x9 = c * 10, x10 = c * 11, x11 = c * 12;
	x12 = c * 13, x13 = c * 14, x14 = c * 15, x15 = c * 16, x16 = c * 17;
	x17 = c * 18, x18 = c * 19, x19 = c * 20, x20 = c * 21, x21 = c * 22;
	x22 = c * 23, x23 = c * 24;
	for (long i = 0; i < iters; i++)
	{
		STEP(x0), STEP(x1), STEP(x2), STEP(x3), STEP(x4), STEP(x5);
		STEP(x6), STEP(x7), STEP(x8), STEP(x9), STEP(x10), STEP(x11);
		STEP(x12), STEP(x13), STEP(x14), STEP(x15), STEP(x16), STEP(x17);
		STEP(x18), STEP(x19), STEP(x20), STEP(x21), STEP(x22), STEP(x23);
		__asm__ volatile ("" : "+v" (x0), "+v" (x12));
	}
	x0 += x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
	x0 += x12 + x13 + x14 + x15 + x16 + x17 + x18 + x19 + x20 + x21 + x22 + x23;
	for (int k = 0; k < 16; k++)
		s += x0[k];
	return s;
}

PEAK_V3 static float
Chains8(long iters)
{
	pv8			m = {0},
				c = {0};
	pv8			x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11;
	float		s = 0;

	m += peak_m;
	c += peak_c;
	x0 = c * 1, x1 = c * 2, x2 = c * 3, x3 = c * 4, x4 = c * 5, x5 = c * 6;
	x6 = c * 7, x7 = c * 8, x8 = c * 9, x9 = c * 10, x10 = c * 11, x11 = c * 12;
	for (long i = 0; i < iters; i++)
	{
		STEP(x0), STEP(x1), STEP(x2), STEP(x3), STEP(x4), STEP(x5);
		STEP(x6), STEP(x7), STEP(x8), STEP(x9), STEP(x10), STEP(x11);
		__asm__ volatile ("" : "+x" (x0), "+x" (x6));
	}
	x0 += x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
	for (int k = 0; k < 8; k++)
		s += x0[k];
	return s;
}

PEAK_BASE static float
Chains4(long iters)
{
	pv4			m = {0},
				c = {0};
	pv4			x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11;
	float		s = 0;

	m += peak_m;
	c += peak_c;
	x0 = c * 1, x1 = c * 2, x2 = c * 3, x3 = c * 4, x4 = c * 5, x5 = c * 6;
	x6 = c * 7, x7 = c * 8, x8 = c * 9, x9 = c * 10, x10 = c * 11, x11 = c * 12;
	for (long i = 0; i < iters; i++)
	{
		STEP(x0), STEP(x1), STEP(x2), STEP(x3), STEP(x4), STEP(x5);
		STEP(x6), STEP(x7), STEP(x8), STEP(x9), STEP(x10), STEP(x11);
		__asm__ volatile ("" : "+x" (x0), "+x" (x6));
	}
	x0 += x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
	for (int k = 0; k < 4; k++)
		s += x0[k];
	return s;
}

/* FLOPs of one step of each path's loop: chains * width * 2. */
static const double peak_step_flops[BENCH_PATHS] = {24 * 16 * 2, 12 * 8 * 2, 12 * 4 * 2};
static const char *const peak_names[BENCH_PATHS] = {"avx512", "avx2", "base"};

const char *
bench_path_name(int path)
{
	return peak_names[path];
}

int
bench_path_runs(int path)
{
#if defined(__GNUC__) && defined(__x86_64__)
	__builtin_cpu_init();
	if (path == BENCH_AVX512)
		return __builtin_cpu_supports("x86-64-v4");
	if (path == BENCH_AVX2)
		return __builtin_cpu_supports("x86-64-v3");
	return 1;
#else
	return path == BENCH_BASE;
#endif
}

/*
 * GFLOP/s of one path: the best of reps timings of about seconds / reps
 * each (the best, because load from other processes only ever slows a run
 * down).  Returns 0 for a path the CPU cannot run.
 */
double
bench_peak_gflops(int path, double seconds, int reps)
{
	long		iters = 1 << 16;
	double		best = 0;
	volatile float sink = 0;

	if (!bench_path_runs(path))
		return 0;
	/* calibrate: grow the step count until one timing takes 1/reps of it */
	for (;;)
	{
		double		t0 = PeakNow(),
					dt;

		sink += path == BENCH_AVX512 ? Chains16(iters) :
			path == BENCH_AVX2 ? Chains8(iters) : Chains4(iters);
		dt = PeakNow() - t0;
		if (dt >= seconds / reps / 4 || iters > (1L << 40))
		{
			iters = (long) (iters * (seconds / reps / (dt > 0 ? dt : 1e-9)));
			break;
		}
		iters *= 4;
	}
	if (iters < 1)
		iters = 1;
	for (int r = 0; r < reps; r++)
	{
		double		t0 = PeakNow(),
					dt;

		sink += path == BENCH_AVX512 ? Chains16(iters) :
			path == BENCH_AVX2 ? Chains8(iters) : Chains4(iters);
		dt = PeakNow() - t0;
		if (dt > 0 && peak_step_flops[path] * iters / dt * 1e-9 > best)
			best = peak_step_flops[path] * iters / dt * 1e-9;
	}
	(void) sink;
	return best;
}
