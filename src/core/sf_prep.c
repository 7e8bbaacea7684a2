/*
 * sf_prep.c
 *	  What the network sees of a series: the value transform, the seasonal
 *	  component and the window-relative normalization, fitted on the
 *	  training part of a series and applied alike in training and inference.
 *
 * A value v at seasonal phase p becomes z = g(v) - index[p], where g is the
 * identity ('window'), the natural log ('log': multiplicative seasonality and
 * trend become additive) or the tutorial's min-max scaling ('minmax', which
 * has no seasonal component).  A window of z values is then measured from its
 * own level, its newest value, in units of `scale` (the mean absolute step of
 * z over the training part): inputs (z_t - level) / scale and target
 * (z_next - level) / scale.  A forecast is therefore a change from the
 * window's level, so trends and level shifts carry on beyond the training
 * range, which min-max scaling can never do.  For 'minmax' the level is 0 and
 * the scale 1, which is exactly the 1.0 recipe.
 *
 * The seasonal component is the classical decomposition's (ratio to a
 * centred moving average, in g's units), fitted only when the training part
 * holds at least three seasons and its autocorrelation at the seasonal lag
 * passes the 90% test that the M4 competition's benchmarks use.
 */
#include <math.h>
#include <string.h>

#include "sf_internal.h"

/* Results of log() beyond this are clamped so that exp() stays finite. */
#define Z_LIMIT 700.0

const char *
sf_norm_name(int norm)
{
	switch (norm)
	{
		case SF_NORM_MINMAX:
			return "minmax";
		case SF_NORM_WINDOW:
			return "window";
		case SF_NORM_LOG:
			return "log";
		default:
			return "unknown";
	}
}

static double
Forward(const sf_model *m, double v)
{
	if (m->prep.norm == SF_NORM_MINMAX)
		return (v - m->scale_min) / (m->scale_max - m->scale_min);
	if (m->prep.norm == SF_NORM_LOG)
		return v > 0 ? log(v) : -Z_LIMIT;
	return v;
}

static double
Backward(const sf_model *m, double z)
{
	if (m->prep.norm == SF_NORM_MINMAX)
		return z * (m->scale_max - m->scale_min) + m->scale_min;
	if (m->prep.norm == SF_NORM_LOG)
		return exp(z < -Z_LIMIT ? -Z_LIMIT : z > Z_LIMIT ? Z_LIMIT : z);
	return z;
}

static int
PhaseMod(int64_t pos, int season)
{
	int64_t		p = pos % season;

	return (int) (p < 0 ? p + season : p);
}

double
sf_prep_in(const sf_model *m, double v, int64_t pos)
{
	double		z = Forward(m, v);

	if (m->prep.season > 0)
		z -= m->prep.index[PhaseMod(pos, m->prep.season)];
	return z;
}

double
sf_prep_out(const sf_model *m, double z, int64_t pos)
{
	if (m->prep.season > 0)
		z += m->prep.index[PhaseMod(pos, m->prep.season)];
	return Backward(m, z);
}

double
sf_prep_level(const sf_model *m, const double *z, int T)
{
	double		s = 0;
	int			k = m->prep.level;

	if (k <= 1)
		return k == 1 ? z[T - 1] : 0.0;
	for (int t = T - k; t < T; t++)
		s += z[t];
	return s / k;
}

/* Autocorrelation of x[0..n) at lag k, about the mean. */
static double
Autocorrelation(const double *x, int n, int k, double mean, double var)
{
	double		s = 0;

	for (int t = 0; t + k < n; t++)
		s += (x[t] - mean) * (x[t + k] - mean);
	return var > 0 ? s / var : 0;
}

/*
 * Is there seasonality of period m in x[0..n)?  The test of the M4
 * competition's benchmarks: the autocorrelation at lag m exceeds its 90%
 * limit under the hypothesis of no seasonality, with Bartlett's variance
 * from the autocorrelations at the lags below m.
 */
static int
Seasonal(const double *x, int n, int m)
{
	double		mean = 0,
				var = 0,
				acc = 0,
				r;

	for (int t = 0; t < n; t++)
		mean += x[t];
	mean /= n;
	for (int t = 0; t < n; t++)
		var += (x[t] - mean) * (x[t] - mean);
	if (!(var > 0))
		return 0;
	for (int k = 1; k < m; k++)
	{
		r = Autocorrelation(x, n, k, mean, var);
		acc += r * r;
	}
	r = Autocorrelation(x, n, m, mean, var);
	return fabs(r) > 1.645 * sqrt((1 + 2 * acc) / n);
}

/* x[t], through the model's transform when m is not NULL. */
static double
ValueAt(const sf_model *m, const double *x, int t)
{
	return m ? Forward(m, x[t]) : x[t];
}

/*
 * Centred moving average of period p at t (needs p/2 values either side):
 * the plain mean for odd p, the 2 x p average for even p.  m as for ValueAt.
 */
static double
CentredAverage(const sf_model *m, const double *x, int t, int p)
{
	double		s = 0;
	int			half = p / 2;

	if (p % 2)
	{
		for (int k = -half; k <= half; k++)
			s += ValueAt(m, x, t + k);
		return s / p;
	}
	s = 0.5 * (ValueAt(m, x, t - half) + ValueAt(m, x, t + half));
	for (int k = -half + 1; k < half; k++)
		s += ValueAt(m, x, t + k);
	return s / p;
}

/*
 * Seasonal indices of period m of x[0..n), phase 0 at x[0]: the mean
 * deviation from the centred moving average at each phase, centred to sum to
 * zero.  count[] is scratch of m ints.
 */
static void
SeasonalIndices(const double *x, int n, int m, double *index, int *count)
{
	double		mean = 0;
	int			half = m / 2;

	for (int p = 0; p < m; p++)
		index[p] = 0, count[p] = 0;
	for (int t = half; t + half < n; t++)
	{
		index[t % m] += x[t] - CentredAverage(NULL, x, t, m);
		count[t % m]++;
	}
	for (int p = 0; p < m; p++)
	{
		index[p] = count[p] ? index[p] / count[p] : 0;
		mean += index[p];
	}
	mean /= m;
	for (int p = 0; p < m; p++)
		index[p] -= mean;
}

/* The rotation r of b[] that best matches a[] (largest sum of a[j] b[j + r]). */
static int
BestRotation(const double *a, const double *b, int m)
{
	int			best = 0;
	double		best_score = -INFINITY;

	for (int r = 0; r < m; r++)
	{
		double		score = 0;

		for (int j = 0; j < m; j++)
			score += a[j] * b[(j + r) % m];
		if (score > best_score)
			best_score = score, best = r;
	}
	return best;
}

/*
 * The seasonal profiles of the two halves of x, split at a whole season so
 * that both start at phase 0; 0 when the series is too short to tell.
 */
static int
HalfProfiles(const double *x, int n, int m, double *a, double *b, int *count)
{
	int			h = (n / 2) / m * m;

	if (h < 2 * m || n - h < 2 * m)
		return 0;
	SeasonalIndices(x, h, m, a, count);
	SeasonalIndices(x + h, n - h, m, b, count);
	return 1;
}

/*
 * Without timestamps a missing value shifts the phase of every later one,
 * and indices fitted across the shift fit neither side.  The seasonal
 * profiles of the two halves of x must line up with no rotation; a series
 * too short to tell passes.
 */
static int
PhaseStable(const double *x, int n, int m, int *count)
{
	double		a[SF_MAX_SEASON],
				b[SF_MAX_SEASON];

	return !HalfProfiles(x, n, m, a, b, count) || BestRotation(a, b, m) == 0;
}

/*
 * How much the seasonal swing of x changes over it: the spread of the
 * second half's seasonal profile over the first half's.  Near 1 when the
 * indices of one transform fit the whole series; far from 1 when the swing
 * grows or shrinks with the level (multiplicative seasonality seen in the
 * values) or drifts.  1 when the series is too short to tell.
 */
static double
SwingRatio(const double *x, int n, int m, int *count)
{
	double		a[SF_MAX_SEASON],
				b[SF_MAX_SEASON],
				sa = 0,
				sb = 0;

	if (!HalfProfiles(x, n, m, a, b, count))
		return 1.0;
	for (int p = 0; p < m; p++)
		sa += a[p] * a[p], sb += b[p] * b[p];
	if (!(sa > 0) || !(sb > 0))
		return sa == sb ? 1.0 : INFINITY;
	return sqrt(sb / sa);
}

/* |ln r|: how far a swing ratio is from 1, either way. */
static double
SwingDistance(double r)
{
	return isfinite(r) ? fabs(log(r)) : INFINITY;
}

/*
 * A seasonal swing that changes by more than this factor between the halves
 * is not one set of indices: the values are not deseasonalized ('auto'), and
 * a positive series whose logarithms swing steadily is normalized in logs.
 * Measured on the benchmark's series (bench/README.md, figure 5): the
 * quarterly gas and Johnson & Johnson series, whose swing grows with the
 * level, have ratios near 5 in values and near 1 in logs; nine in ten
 * tourism series lie between 0.59 and 1.38.  Limits of 1.5, 1.7 and 2 gave
 * the same geometric mean MASE over all 326 series (0.912, 0.913, 0.912);
 * 1.5 the best on the 22 series of other kinds (1.089, 1.166, 1.188), at a
 * cost on tourism (0.901, 0.897, 0.895).
 */
#define SF_MAX_SWING 1.5

/* The fit's work: the transformed series and the indices' counts. */
static void
LayoutFit(sf_ws *ws, int n_fit, double **x, int **count)
{
	*x = sf_ws_take(ws, (size_t) (n_fit > 0 ? n_fit : 1), sizeof(double));
	*count = sf_ws_take(ws, SF_MAX_SEASON, sizeof(int));
}

size_t
sf_prep_fit_bytes(int n_fit)
{
	sf_ws		ws = {NULL, 0};
	double	   *x;
	int		   *count;

	LayoutFit(&ws, n_fit, &x, &count);
	return ws.used + 64;
}

int
sf_prep_fit(sf_model *m, const sf_prep_opts *o, const double *series,
			int n_fit, void *work)
{
	sf_ws		ws = sf_ws_over(work);
	double	   *x;
	int		   *count;
	double		lo,
				hi,
				steps = 0;
	int			norm = o->norm;

	if (n_fit < 1)
		return SF_EINVAL;
	LayoutFit(&ws, n_fit, &x, &count);
	memset(&m->prep, 0, sizeof(m->prep));
	lo = hi = series[0];
	for (int i = 1; i < n_fit; i++)
	{
		if (series[i] < lo)
			lo = series[i];
		if (series[i] > hi)
			hi = series[i];
	}

	if (norm == SF_NORM_AUTO)
	{
		/*
		 * 'window', unless the series is positive and its seasonal swing
		 * grows with the level where that of its logarithms does not.
		 */
		norm = SF_NORM_WINDOW;
		if (lo > 0 && o->season >= 2 && o->season <= SF_MAX_SEASON &&
			o->deseasonalize != SF_DESEASON_NONE && n_fit >= 4 * o->season)
		{
			double		d_id = SwingDistance(SwingRatio(series, n_fit, o->season, count));

			if (d_id > log(SF_MAX_SWING))
			{
				for (int i = 0; i < n_fit; i++)
					x[i] = log(series[i]);
				if (SwingDistance(SwingRatio(x, n_fit, o->season, count)) < d_id / 2)
					norm = SF_NORM_LOG;
			}
		}
	}
	if (norm == SF_NORM_LOG && !(lo > 0))
		return SF_ENONPOSITIVE;
	m->prep.norm = norm;
	m->prep.scale = 1.0;
	if (norm == SF_NORM_MINMAX)
	{
		if (hi == lo)
			hi = lo + fmax(1.0, fabs(lo) * 1e-9);	/* a constant series: any span */
		m->scale_min = lo;
		m->scale_max = hi;
		return SF_OK;
	}
	m->scale_min = 0.0;
	m->scale_max = 1.0;
	if (o->window < 1)
		return SF_EINVAL;

	for (int i = 0; i < n_fit; i++)
		x[i] = Forward(m, series[i]);
	if (o->season >= 2 && o->season <= SF_MAX_SEASON &&
		o->deseasonalize != SF_DESEASON_NONE && n_fit >= 3 * o->season &&
		(o->deseasonalize == SF_DESEASON_ALWAYS ||
		 (Seasonal(x, n_fit, o->season) && PhaseStable(x, n_fit, o->season, count) &&
		  SwingDistance(SwingRatio(x, n_fit, o->season, count)) <= log(SF_MAX_SWING))))
	{
		m->prep.season = o->season;
		SeasonalIndices(x, n_fit, o->season, m->prep.index, count);
		for (int i = 0; i < n_fit; i++)
			x[i] -= m->prep.index[i % o->season];
	}

	/*
	 * A window's level: its newest value once the seasonal component is
	 * out (a random walk's anchor), else the mean of its newest season,
	 * which the season does not move.
	 */
	m->prep.level = o->level > 0 ? o->level : m->prep.season > 0 ? 1 : o->season;
	if (m->prep.level > o->window)
		m->prep.level = o->window;
	if (m->prep.level < 1)
		m->prep.level = 1;

	/* the unit: the mean absolute step of the deseasonalized series */
	for (int i = 1; i < n_fit; i++)
		steps += fabs(x[i] - x[i - 1]);
	steps = n_fit > 1 ? steps / (n_fit - 1) : 0;
	if (steps > 0 && isfinite(steps) &&
		steps > 1e-12 * fmax(fabs(x[0]), fabs(x[n_fit - 1])))
		m->prep.scale = steps;
	return SF_OK;
}

/*
 * The phase of series[0] for a model with seasonal indices, when the
 * series' place in the season is not known (a history or a series passed by
 * the user of a model trained without timestamps): the rotation of the
 * model's indices that best matches the series' own seasonal profile
 * (its deviations from a centred moving average, or from its mean when it is
 * shorter than two seasons).  Returns 0 for a model without indices.
 */
int
sf_prep_phase(const sf_model *m, const double *series, int n)
{
	int			season = m->prep.season,
				half = season / 2;
	double		profile[SF_MAX_SEASON],
				mean = 0;

	if (season == 0 || n < 1)
		return 0;
	memset(profile, 0, sizeof(double) * season);
	if (n > season)
	{
		/* detrended values at every t with a full centred average */
		for (int t = half; t + half < n; t++)
			profile[t % season] += Forward(m, series[t]) -
				CentredAverage(m, series, t, season);
	}
	else
	{
		for (int t = 0; t < n; t++)
			mean += Forward(m, series[t]);
		mean /= n;
		for (int t = 0; t < n; t++)
			profile[t] = Forward(m, series[t]) - mean;
	}
	return BestRotation(profile, m->prep.index, season);
}
