/*
 * unit.h
 *	  A small test harness for the numeric core, plus helpers the tests share:
 *	  a deterministic data generator independent of the core's own RNG and an
 *	  independent reference forward pass written straight from PyTorch's
 *	  equations, in double precision.
 *
 * Each test prints one line, "ok - name" or "not ok - name: detail"; the
 * Makefile counts the lines of both test binaries.
 */
#ifndef SF_UNIT_H
#define SF_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "sf_core.h"

#define UNIT_PI 3.14159265358979323846

/* One test case: its name and, once a check has failed, the first detail. */
typedef struct unit_case
{
	char		name[160];
	int			failures;
	char		detail[768];
	char		note[256];		/* printed after an ok, e.g. a worst error */
} unit_case;

extern void uc_begin(unit_case *c, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void uc_fail(unit_case *c, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void uc_note(unit_case *c, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void uc_end(unit_case *c);
extern int	unit_summary(void);	/* prints counts; returns the exit status */

/*
 * True when SF_UNIT_QUICK is set (and not "0"): the slowest cases then train
 * fewer epochs and sample fewer bit flips, asserting what still holds at that
 * size (valgrind_unit.sh sets it: valgrind checks memory, and runs these
 * cases some 170 times slower; make unitcheck runs the full cases).
 */
extern int	uc_quick(void);

/* Relative difference with an absolute floor in the denominator. */
extern double rel_diff(double a, double b, double floor);

/* A tiny deterministic generator (splitmix64) for test data. */
typedef struct unit_rng
{
	uint64_t	s;
} unit_rng;

extern double urand(unit_rng *r);	/* [0, 1) */
extern double urange(unit_rng *r, double lo, double hi);

/* Architecture helpers. */
extern sf_arch make_arch(int kind, int window, int hidden, int layers,
						 int n_head, const int *head);
extern const char *arch_label(const sf_arch *arch, char *buf, size_t len);

/*
 * Reference forward pass of one window (scaled inputs, [window][inputs])
 * in double precision
 * over parameters laid out as PyTorch's state_dict.  When min_relu is not
 * NULL it receives the smallest |pre-activation| seen at any head ReLU, which
 * the gradient checks use to avoid finite differences across a kink.
 */
extern double ref_forward(const sf_arch *arch, const sf_real *params,
						  const double *x, double *min_relu);

/* Working memory that fails loudly rather than returning NULL. */
extern void *xmalloc(size_t n);

/* Test groups. */
extern void test_adam(void);
extern void test_model(void);
extern void test_train(void);
extern void test_metrics(void);
extern void test_grad(void);
extern void test_codec(void);
extern void test_work(void);
extern void test_citus(void);
extern void test_exog(void);
extern void test_calendar(void);
extern void test_act(void);

#endif							/* SF_UNIT_H */
