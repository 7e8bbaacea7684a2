/*
 * sf_metrics.c
 *	  Scores of predictions against actual values, and the conformal radius
 *	  behind the prediction intervals.  Everything here is in double and in
 *	  original units.
 */
#include <math.h>
#include <stdlib.h>

#include "sf_core.h"

void
sf_score(const double *actual, const double *pred, int n, sf_scores *out)
{
	double		mean = 0,
				ss_tot = 0,
				ss_res = 0,
				abs_sum = 0,
				ape_sum = 0,
				sape_sum = 0;
	int			ape_n = 0;

	out->n = n;
	if (n <= 0)
	{
		out->r2 = out->rmse = out->mae = out->mape = out->smape = NAN;
		return;
	}
	for (int i = 0; i < n; i++)
		mean += actual[i];
	mean /= n;
	for (int i = 0; i < n; i++)
	{
		double		e = actual[i] - pred[i];

		ss_res += e * e;
		ss_tot += (actual[i] - mean) * (actual[i] - mean);
		abs_sum += fabs(e);
		if (fabs(actual[i]) + fabs(pred[i]) > 0)
			sape_sum += 2.0 * fabs(e) / (fabs(actual[i]) + fabs(pred[i]));
		if (actual[i] != 0)
		{
			ape_sum += fabs(e / actual[i]);
			ape_n++;
		}
	}
	out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : NAN;
	out->rmse = sqrt(ss_res / n);
	out->mae = abs_sum / n;
	out->mape = ape_n > 0 ? 100.0 * ape_sum / ape_n : NAN;
	out->smape = 100.0 * sape_sum / n;
}

static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * The k-th smallest of x[0..n) (k 0-based), by Hoare's selection with the
 * median of three as pivot: the element a sort would put at k, in linear
 * time on average.  Reorders x.  Every value must be ordered (no NaN), and
 * no two different values compare equal (no -0 beside 0), so that the
 * element is the same whichever way ties fall.
 */
static double
SelectKth(double *x, int n, int k)
{
	int			lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2,
					i = lo,
					j = hi;
		double		a = x[lo],
					b = x[mid],
					c = x[hi],
					pivot = a < b ? (b < c ? b : a < c ? c : a) :
					(a < c ? a : b < c ? c : b);

		while (i <= j)
		{
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j)
			{
				double		t = x[i];

				x[i++] = x[j];
				x[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return x[k];
}

/*
 * Split-conformal radius: the ceil((n + 1) * coverage)-th smallest absolute
 * error, capped at the largest when n is too small for the exact rank.
 * Reorders abs_err.  Absolute errors select their element (the default
 * training's scoring computes about a hundred radii); with a NaN or a
 * negative value (-0 included) among them they are sorted instead.
 */
double
sf_conformal_radius(double *abs_err, int n, double coverage)
{
	int			k;

	if (n <= 0)
		return NAN;
	k = (int) ceil((n + 1) * coverage - 1e-9);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	for (int i = 0; i < n; i++)
		if (isnan(abs_err[i]) || signbit(abs_err[i]))
		{
			qsort(abs_err, (size_t) n, sizeof(double), CompareDouble);
			return abs_err[k - 1];
		}
	return SelectKth(abs_err, n, k - 1);
}
