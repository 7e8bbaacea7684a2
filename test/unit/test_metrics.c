/*
 * test_metrics.c
 *	  sf_score and sf_conformal_radius on numbers worked out by hand.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void
expect_close(unit_case *c, const char *what, double got, double want)
{
	if (!(fabs(got - want) <= 1e-12 * (1 + fabs(want))))
		uc_fail(c, "%s = %.15g, expected %.15g", what, got, want);
}

static void
test_score(void)
{
	unit_case	c;
	sf_scores	s;

	/*
	 * errors 0.5, 0, -0.5, 1: SSE 1.5, mean actual 2.5, SST 5, so r2 0.7;
	 * rmse sqrt(1.5 / 4); mae 2 / 4; mape (0.5/1 + 0 + 0.5/3 + 1/4) / 4.
	 */
	{
		static const double actual[4] = {1, 2, 3, 4};
		static const double pred[4] = {1.5, 2, 2.5, 5};

		uc_begin(&c, "sf_score on four hand-made points");
		sf_score(actual, pred, 4, &s);
		if (s.n != 4)
			uc_fail(&c, "n = %d", s.n);
		expect_close(&c, "r2", s.r2, 0.7);
		expect_close(&c, "rmse", s.rmse, sqrt(0.375));
		expect_close(&c, "mae", s.mae, 0.5);
		expect_close(&c, "mape", s.mape,
					 100.0 * (0.5 + 0.0 + 0.5 / 3.0 + 0.25) / 4.0);
		uc_end(&c);
	}

	/* Negative actuals: mape divides by |actual|; r2 goes negative. */
	{
		static const double actual[3] = {-2, 4, 1};
		static const double pred[3] = {2, 0, 1};

		/* errors -4, 4, 0: SSE 32; mean 1, SST 9 + 9 + 0 = 18. */
		uc_begin(&c, "sf_score with negative actuals and a bad fit");
		sf_score(actual, pred, 3, &s);
		expect_close(&c, "r2", s.r2, 1.0 - 32.0 / 18.0);
		expect_close(&c, "rmse", s.rmse, sqrt(32.0 / 3.0));
		expect_close(&c, "mae", s.mae, 8.0 / 3.0);
		expect_close(&c, "mape", s.mape, 100.0 * (2.0 + 1.0 + 0.0) / 3.0);
		uc_end(&c);
	}

	{
		static const double actual[5] = {3, -1, 7, 2, 2};

		uc_begin(&c, "sf_score of a perfect prediction");
		sf_score(actual, actual, 5, &s);
		expect_close(&c, "r2", s.r2, 1.0);
		expect_close(&c, "rmse", s.rmse, 0.0);
		expect_close(&c, "mae", s.mae, 0.0);
		expect_close(&c, "mape", s.mape, 0.0);
		uc_end(&c);
	}

	{
		static const double actual[3] = {0, 0, 0};
		static const double pred[3] = {1, -1, 2};

		uc_begin(&c, "sf_score: mape is NaN when every actual is 0");
		sf_score(actual, pred, 3, &s);
		if (!isnan(s.mape))
			uc_fail(&c, "mape = %g", s.mape);
		expect_close(&c, "rmse", s.rmse, sqrt(6.0 / 3.0));
		expect_close(&c, "mae", s.mae, 4.0 / 3.0);
		uc_end(&c);
	}
}

static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
test_conformal(void)
{
	unit_case	c;
	int			i;

	uc_begin(&c, "sf_conformal_radius: ceil((n+1)*coverage)-th smallest, capped");
	{
		/* n = 5: (n+1) * 0.5 = 3 -> 3rd smallest; 0.6 -> 3.6 -> 4th. */
		static const double base[5] = {5, 1, 4, 2, 3};
		static const struct
		{
			double		coverage;
			double		want;
		}			cases[] = {
			{0.5, 3}, {0.6, 4}, {0.1, 1}, {0.9, 5}, {0.99, 5}, {0.34, 3},
		};
		int			k;

		for (k = 0; k < (int) (sizeof(cases) / sizeof(cases[0])); k++)
		{
			double		e[5];
			double		r;

			for (i = 0; i < 5; i++)
				e[i] = base[i];
			r = sf_conformal_radius(e, 5, cases[k].coverage);
			if (r != cases[k].want)
				uc_fail(&c, "n 5 coverage %g: %g, expected %g",
						cases[k].coverage, r, cases[k].want);
		}
	}
	{
		/* n = 19 shuffled 0.5 .. 9.5: 20 * 0.9 = 18 -> the 18th smallest. */
		double		e[19];
		double		r;

		for (i = 0; i < 19; i++)
			e[i] = 0.5 * (double) (((i * 7) % 19) + 1);
		r = sf_conformal_radius(e, 19, 0.9);
		if (r != 9.0)
			uc_fail(&c, "n 19 coverage 0.9: %g, expected 9", r);
	}
	{
		/* n = 1: always the one error (capped). */
		double		e[1] = {2.5};
		double		r = sf_conformal_radius(e, 1, 0.9);

		if (r != 2.5)
			uc_fail(&c, "n 1: %g, expected 2.5", r);
	}
	{
		/* Ties and zeros. */
		double		e[6] = {0, 2, 2, 0, 2, 1};
		double		r = sf_conformal_radius(e, 6, 0.5);	/* 3.5 -> 4th: 2 */

		if (r != 2.0)
			uc_fail(&c, "ties n 6 coverage 0.5: %g, expected 2", r);
	}
	{
		/*
		 * Every rank of arrays with many ties (values 0 .. 7) and without
		 * (a permutation), against the element a sort puts there; and a
		 * NaN, which goes through the sort.
		 */
		double		e[97],
					s[97];
		int			n,
					k;

		for (n = 1; n <= 97; n += 12)
			for (k = 1; k <= n; k++)
			{
				double		cov = (k - 0.5) / (n + 1.0);
				int			j;

				for (int ties = 0; ties < 2; ties++)
				{
					for (j = 0; j < n; j++)
						e[j] = s[j] = ties ? (double) ((j * 37 + 11) % 8) :
							0.25 * ((j * 37 + 11) % 97);
					qsort(s, (size_t) n, sizeof(double), CompareDoubles);
					if (sf_conformal_radius(e, n, cov) != s[k - 1])
						uc_fail(&c, "n %d rank %d%s: not the sorted element",
								n, k, ties ? " with ties" : "");
				}
			}
		for (n = 0; n < 5; n++)
			e[n] = s[n] = 4 - n;
		e[2] = s[2] = NAN;
		qsort(s, 5, sizeof(double), CompareDoubles);
		if (memcmp(&(double) {sf_conformal_radius(e, 5, 0.5)}, &s[2], sizeof(double)) != 0)
			uc_fail(&c, "with a NaN: not the sort's element");
	}
	uc_end(&c);
}

void
test_metrics(void)
{
	test_score();
	test_conformal();
}
