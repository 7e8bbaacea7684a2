/*
 * bench_peak.h
 *	  The FMA peak microbenchmark of bench_peak.c, per dispatch path.
 */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

#define BENCH_AVX512 0
#define BENCH_AVX2 1
#define BENCH_BASE 2
#define BENCH_PATHS 3

extern const char *bench_path_name(int path);
extern int	bench_path_runs(int path);
extern double bench_peak_gflops(int path, double seconds, int reps);

#endif
