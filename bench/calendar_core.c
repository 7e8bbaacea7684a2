/*
 * calendar_core.c
 *	  A core-level measurement of calendar inputs on daily series: the 1.1
 *	  defaults (src/options.c, normalize 'auto') without calendar columns; with the day of the
 *	  week from sf_calendar_row (seven one-hot columns, fed as they are);
 *	  with it as a sin/cos pair; and one-hot again but as covariates
 *	  (standardized like any covariate).  The last two are computed here and
 *	  fed as covariate columns, since a calendar column must be
 *	  sf_calendar_row's (a sin/cos pair of a weekly cycle has mean 0 and
 *	  standard deviation 1/sqrt(2), so standardizing only rescales it by
 *	  sqrt(2)).  Missing days are
 *	  filled by linear interpolation.  Prints, per series and encoding, the
 *	  one-step holdout R^2 and MASE (the holdout MAE over the training part's
 *	  in-sample seasonal-naive MAE, as seq_fit's metrics) for each seed and
 *	  their mean.
 *
 *	  cc -O2 -std=c11 -Isrc/core bench/calendar_core.c src/core/sf_*.c -lm -o /tmp/calendar_core
 *	  /tmp/calendar_core KIND SEEDS FILE.csv[@YYYY-MM-DD] ...
 *
 * (CSV: a header line, then "YYYY-MM-DD,value" lines in date order; rows
 * before the date after @ are skipped: cinema's first two days precede a
 * gap of three weeks, and the tutorial series starts on 2018-03-14.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_core.h"

#define MAX_DAYS 20000

/* Days from 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long
DaysFromCivil(int y, int m, int d)
{
	long		era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
CivilFromDays(long z, sf_civil *f)
{
	long		era,
				doe,
				yoe,
				y,
				doy,
				mp;
	int			leap;
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	memset(f, 0, sizeof(*f));
	f->day = (int) (doy - (153 * mp + 2) / 5 + 1);
	f->month = (int) (mp < 10 ? mp + 3 : mp - 9);
	f->year = (int) (y + (f->month <= 2));
	leap = (f->year % 4 == 0 && f->year % 100 != 0) || f->year % 400 == 0;
	f->yday = cum[f->month - 1] + f->day + (leap && f->month > 2);
	f->wday = (int) (((z - 719468) % 7 + 7 + 4) % 7);	/* 1970-01-01: Thursday */
}

/* Read a daily CSV, filling missing days linearly; returns the day count. */
static int
ReadDaily(const char *arg, double *v, long *first_day, int *n_missing)
{
	char		path[1024];
	const char *at = strchr(arg, '@');
	FILE	   *f;
	char		line[256];
	long		prev_day = 0,
				start = -1000000000L;
	double		prev_v = 0;
	int			n = 0;

	snprintf(path, sizeof(path), "%.*s", at ? (int) (at - arg) : (int) strlen(arg), arg);
	if (at)
	{
		int			y,
					m,
					d;

		if (sscanf(at + 1, "%d-%d-%d", &y, &m, &d) != 3)
		{
			fprintf(stderr, "bad start date %s\n", at + 1);
			exit(2);
		}
		start = DaysFromCivil(y, m, d);
	}
	f = fopen(path, "r");

	*n_missing = 0;
	if (!f || !fgets(line, sizeof(line), f))
	{
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
	{
		int			y,
					m,
					d;
		double		x;
		long		day;

		if (sscanf(line, "%d-%d-%d,%lf", &y, &m, &d, &x) != 4)
			continue;
		day = DaysFromCivil(y, m, d);
		if (day < start)
			continue;
		if (n == 0)
			*first_day = day;
		else
			for (long k = prev_day + 1; k < day && n < MAX_DAYS; k++)
			{
				v[n++] = prev_v + (x - prev_v) * (k - prev_day) / (double) (day - prev_day);
				(*n_missing)++;
			}
		if (n >= MAX_DAYS)
			break;
		v[n++] = x;
		prev_day = day;
		prev_v = x;
	}
	fclose(f);
	return n;
}

enum
{
	ENC_NONE, ENC_CALENDAR, ENC_SINCOS, ENC_ONEHOT_STD
};
static const char *const enc_names[] = {
	"none", "day_of_week", "dow sin/cos", "dow 1-hot std"
};

/* The 1.1 defaults for a daily series (season 7, window 14). */
static void
DefaultOpts(sf_train_opts *o, sf_arch *a, int kind, uint64_t seed)
{
	sf_train_opts_tutorial(o);
	o->prep.norm = SF_NORM_AUTO;
	o->prep.deseasonalize = SF_DESEASON_AUTO;
	o->prep.season = 7;
	o->prep.window = 14;
	o->ensemble = 3;
	o->learning_rate = 0.001;
	o->epochs = 50;
	o->min_epochs = 20;
	o->smooth = 0.3;
	o->seed = seed;
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->window = 14;
	a->hidden = 32;
	a->layers = 1;
	a->n_head = 2;
	a->head[0] = 16;
	a->head[1] = 8;
}

static void
Measure(const double *v, int n, long first_day, int kind, int enc,
		uint64_t seed, double *r2, double *mase)
{
	sf_train_opts o;
	sf_model	m;
	sf_split	split;
	sf_train_result res;
	int			E = enc == ENC_NONE ? 0 : enc == ENC_SINCOS ? 2 :
		enc == ENC_CALENDAR ? sf_calendar_width(SF_CAL_DAY_OF_WEEK) : 7;
	double	   *exog = malloc(sizeof(double) * (size_t) n * (E ? E : 1));
	double	   *loss,
			   *pred;
	void	   *work;
	int			T,
				first,
				lag = 7;
	double		scale = 0,
				mae = 0;
	sf_scores	sc;

	memset(&m, 0, sizeof(m));
	DefaultOpts(&o, &m.arch, kind, seed);
	T = m.arch.window;
	m.arch.inputs = 1 + E;
	m.n_exog = E;
	if (enc == ENC_CALENDAR)
	{
		m.calendar = SF_CAL_DAY_OF_WEEK;
		for (int j = 0; j < E; j++)
			m.exog[j].kind = SF_EXOG_CALENDAR;
	}
	for (int i = 0; i < n; i++)
	{
		sf_civil	f;

		CivilFromDays(first_day + i, &f);
		if (enc == ENC_CALENDAR)
			sf_calendar_row(SF_CAL_DAY_OF_WEEK, &f, exog + (size_t) i * E);
		else if (enc == ENC_SINCOS)
		{
			exog[(size_t) i * E] = sin(6.283185307179586 * f.wday / 7);
			exog[(size_t) i * E + 1] = cos(6.283185307179586 * f.wday / 7);
		}
		else if (enc == ENC_ONEHOT_STD)
			for (int j = 0; j < 7; j++)
				exog[(size_t) i * E + j] = f.wday == j;
	}
	m.params = malloc(sizeof(sf_real) * sf_param_count(&m.arch) * o.ensemble);
	loss = malloc(sizeof(double) * o.epochs);
	work = malloc(sf_train_bytes(&m.arch, &o, n));
	memset(&res, 0, sizeof(res));
	res.loss = loss;
	if (sf_train_x(&m, &o, v, n, E ? exog : NULL, work, &res, NULL) != SF_OK)
	{
		fprintf(stderr, "training failed\n");
		exit(1);
	}
	free(work);
	sf_split_compute(n, T, o.test_fraction, o.validation_fraction, &split);
	first = split.n_train + split.n_val;
	pred = malloc(sizeof(double) * split.n_test);
	work = malloc(sf_infer_bytes(&m.arch, m.n_members, SF_INFER_CHUNK));
	sf_predict_windows_x(&m, v + first, E ? exog + (size_t) first * E : NULL,
						 first, split.n_test, pred, work, NULL);
	sf_score(v + first + T, pred, split.n_test, &sc);
	for (int i = lag; i < first + T; i++)
		scale += fabs(v[i] - v[i - lag]);
	scale /= first + T - lag;
	for (int i = 0; i < split.n_test; i++)
		mae += fabs(pred[i] - v[first + T + i]);
	mae /= split.n_test;
	*r2 = sc.r2;
	*mase = mae / scale;
	free(work);
	free(pred);
	free(loss);
	free(m.params);
	free(exog);
}

int
main(int argc, char **argv)
{
	static double v[MAX_DAYS];
	int			kind,
				seeds;

	if (argc < 4)
	{
		fprintf(stderr, "usage: calendar_core KIND SEEDS FILE.csv ...\n");
		return 2;
	}
	kind = sf_kind_from_name(argv[1]);
	seeds = atoi(argv[2]);
	for (int a = 3; a < argc; a++)
	{
		long		first_day = 0;
		int			missing,
					n = ReadDaily(argv[a], v, &first_day, &missing);

		printf("%s: %d days, %d filled; %s, seeds 1-%d\n", argv[a], n, missing,
			   argv[1], seeds);
		for (int enc = ENC_NONE; enc <= ENC_ONEHOT_STD; enc++)
		{
			double		sr = 0,
						sm = 0;

			printf("  %-12s", enc_names[enc]);
			for (int s = 1; s <= seeds; s++)
			{
				double		r2,
							mase;

				Measure(v, n, first_day, kind, enc, (uint64_t) s, &r2, &mase);
				printf("  R2 %.3f MASE %.3f", r2, mase);
				fflush(stdout);
				sr += r2;
				sm += mase;
			}
			printf("  | mean R2 %.4f MASE %.4f\n", sr / seeds, sm / seeds);
		}
	}
	return 0;
}
