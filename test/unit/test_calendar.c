/*
 * test_calendar.c
 *	  Calendar parts (sf_calendar.c): widths, names, the features of known
 *	  dates (day of week one-hot, weekend, the sin/cos positions, ISO weeks
 *	  at year ends), the order of the parts, and refused fields.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

/* Days from 1970-01-01 (Howard Hinnant's days_from_civil). */
static long
days_from_civil(int y, int m, int d)
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

/* Civil fields of a date and time, wday and yday computed independently. */
static sf_civil
civil(int y, int mo, int d, int h, int mi, double s)
{
	sf_civil	f;

	f.year = y;
	f.month = mo;
	f.day = d;
	f.wday = (int) (((days_from_civil(y, mo, d) + 4) % 7 + 7) % 7);	/* 1970-01-01: Thu */
	f.yday = (int) (days_from_civil(y, mo, d) - days_from_civil(y, 1, 1) + 1);
	f.hour = h;
	f.minute = mi;
	f.second = s;
	return f;
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-12;
}

/* The sin/cos pair of position p, standardized (times sqrt 2). */
static int
is_cycle(const double *out, double p)
{
	return near(out[0], sqrt(2.0) * sin(2 * UNIT_PI * p)) &&
		near(out[1], sqrt(2.0) * cos(2 * UNIT_PI * p));
}

/* An indicator of probability p, standardized. */
static double
indicator(int on, double p)
{
	return (on - p) / sqrt(p * (1 - p));
}

static void
test_widths_and_names(void)
{
	unit_case	c;
	static const char *const names[SF_CAL_PARTS] = {
		"hour_of_day", "day_of_week", "day_of_month", "day_of_year",
		"week_of_year", "month_of_year", "weekend"
	};
	static const int widths[SF_CAL_PARTS] = {2, 7, 2, 2, 2, 2, 1};
	int			total = 0;

	uc_begin(&c, "calendar: widths and names of every part");
	for (int k = 0; k < SF_CAL_PARTS; k++)
	{
		uint32_t	bit = 1u << k;
		char		upper[32];

		total += widths[k];
		if (sf_calendar_width(bit) != widths[k])
			uc_fail(&c, "%s: width %d, expected %d", names[k], sf_calendar_width(bit), widths[k]);
		if (strcmp(sf_calendar_part_name(bit), names[k]) != 0)
			uc_fail(&c, "bit %u named %s", (unsigned) bit, sf_calendar_part_name(bit));
		size_t		i;

		for (i = 0; names[k][i]; i++)
			upper[i] = (char) (names[k][i] >= 'a' && names[k][i] <= 'z' ?
							   names[k][i] - 32 : names[k][i]);
		upper[i] = '\0';
		if (sf_calendar_part_from_name(names[k]) != bit ||
			sf_calendar_part_from_name(upper) != bit)
			uc_fail(&c, "%s / %s not found as bit %u", names[k], upper, (unsigned) bit);
	}
	if (sf_calendar_width(SF_CAL_ALL) != total || total > SF_CAL_MAX_WIDTH)
		uc_fail(&c, "all parts: width %d, expected %d (cap %d)",
				sf_calendar_width(SF_CAL_ALL), total, SF_CAL_MAX_WIDTH);
	if (sf_calendar_width(0) != 0 || sf_calendar_width(0x80) != -1 ||
		sf_calendar_width(SF_CAL_ALL | 0x100) != -1)
		uc_fail(&c, "no part or unknown bits: widths %d %d", sf_calendar_width(0),
				sf_calendar_width(0x80));
	if (sf_calendar_part_from_name("weekday") != 0 || sf_calendar_part_from_name("") != 0 ||
		sf_calendar_part_from_name("hour_of_day_") != 0 ||
		sf_calendar_part_from_name("hour") != 0)
		uc_fail(&c, "an unknown name was found");
	if (strcmp(sf_calendar_part_name(SF_CAL_WEEKEND | SF_CAL_HOUR_OF_DAY), "unknown") != 0 ||
		strcmp(sf_calendar_part_name(0), "unknown") != 0)
		uc_fail(&c, "several bits or none have a name");
	uc_end(&c);
}

static void
test_rows(void)
{
	unit_case	c;
	double		out[SF_CAL_MAX_WIDTH + 1];
	sf_civil	f;

	uc_begin(&c, "calendar: day of week one-hot (Sunday first) and weekend on known dates");
	/* 2026-11-29 is a Sunday: it and the six days after it */
	for (int d = 0; d < 7; d++)
	{
		static const int mday[7][2] = {{11, 29}, {11, 30}, {12, 1}, {12, 2},
		{12, 3}, {12, 4}, {12, 5}};

		f = civil(2026, mday[d][0], mday[d][1], 12, 0, 0);
		if (f.wday != d)
			uc_fail(&c, "test helper: wday %d for day %d", f.wday, d);
		if (sf_calendar_row(SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND, &f, out) != SF_OK)
			uc_fail(&c, "refused day %d", d);
		for (int k = 0; k < 7; k++)
			if (!near(out[k], indicator(k == d, 1.0 / 7)))
				uc_fail(&c, "day %d: column %d is %g", d, k, out[k]);
		if (!near(out[7], indicator(d == 0 || d == 6, 2.0 / 7)))
			uc_fail(&c, "day %d: weekend %g", d, out[7]);
	}
	uc_end(&c);

	uc_begin(&c, "calendar: sin/cos positions of hour, day of month, day of year, month");
	f = civil(2026, 7, 16, 6, 0, 0);
	sf_calendar_row(SF_CAL_HOUR_OF_DAY, &f, out);
	if (!is_cycle(out, 0.25) || !near(out[0], sqrt(2.0)))
		uc_fail(&c, "06:00: %g %g", out[0], out[1]);
	f = civil(2026, 7, 16, 18, 30, 36);
	sf_calendar_row(SF_CAL_HOUR_OF_DAY, &f, out);
	if (!is_cycle(out, (18 + 30 / 60.0 + 36 / 3600.0) / 24))
		uc_fail(&c, "18:30:36: %g %g", out[0], out[1]);
	sf_calendar_row(SF_CAL_MONTH_OF_YEAR, &f, out);
	if (!is_cycle(out, 6 / 12.0) || !near(out[1], -sqrt(2.0)))
		uc_fail(&c, "July: %g %g", out[0], out[1]);
	sf_calendar_row(SF_CAL_DAY_OF_MONTH, &f, out);
	if (!is_cycle(out, 15 / 31.0))
		uc_fail(&c, "July 16th: %g %g", out[0], out[1]);
	f = civil(2024, 2, 29, 0, 0, 0);	/* a leap day: 29 days in February */
	sf_calendar_row(SF_CAL_DAY_OF_MONTH | SF_CAL_DAY_OF_YEAR, &f, out);
	if (!is_cycle(out, 28 / 29.0) || !is_cycle(out + 2, 59 / 366.0))
		uc_fail(&c, "2024-02-29: %g %g %g %g", out[0], out[1], out[2], out[3]);
	f = civil(2025, 12, 31, 0, 0, 0);
	sf_calendar_row(SF_CAL_DAY_OF_YEAR, &f, out);
	if (!is_cycle(out, 364 / 365.0))
		uc_fail(&c, "2025-12-31: %g %g", out[0], out[1]);
	f = civil(2026, 1, 1, 0, 0, 0);
	sf_calendar_row(SF_CAL_MONTH_OF_YEAR | SF_CAL_DAY_OF_YEAR, &f, out);
	if (!is_cycle(out, 0) || !is_cycle(out + 2, 0))
		uc_fail(&c, "2026-01-01: %g %g %g %g", out[0], out[1], out[2], out[3]);
	uc_end(&c);

	uc_begin(&c, "calendar: every column has mean 0 and variance 1 over its cycle (a week, a day of hours, a year of months)");
	{
		double		sum[SF_CAL_MAX_WIDTH],
					sum2[SF_CAL_MAX_WIDTH];
		int			w = sf_calendar_width(SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND |
										  SF_CAL_HOUR_OF_DAY | SF_CAL_MONTH_OF_YEAR);

		memset(sum, 0, sizeof(sum));
		memset(sum2, 0, sizeof(sum2));
		/* 7 x 24 x 12 steps: every weekday, hour and month equally often */
		for (int i = 0; i < 7 * 24 * 12; i++)
		{
			f = civil(2026, 1 + i % 12, 1 + i % 7, i % 24, 0, 0);
			f.wday = i % 7;		/* every combination, whatever the real date */
			if (sf_calendar_row(SF_CAL_DAY_OF_WEEK | SF_CAL_WEEKEND | SF_CAL_HOUR_OF_DAY |
								SF_CAL_MONTH_OF_YEAR, &f, out) != SF_OK)
				uc_fail(&c, "refused step %d", i);
			for (int k = 0; k < w; k++)
				sum[k] += out[k], sum2[k] += out[k] * out[k];
		}
		for (int k = 0; k < w; k++)
		{
			double		n = 7 * 24 * 12,
						mean = sum[k] / n;

			if (fabs(mean) > 1e-12 || fabs(sum2[k] / n - mean * mean - 1) > 1e-12)
				uc_fail(&c, "column %d: mean %g, variance %g", k, mean,
						sum2[k] / n - mean * mean);
		}
	}
	uc_end(&c);

	uc_begin(&c, "calendar: ISO weeks across year ends");
	{
		static const struct
		{
			int			y,
						m,
						d,
						week,
						weeks;
		}			cases[] = {
			{2021, 1, 1, 53, 53},	/* Friday: week 53 of 2020 */
			{2021, 1, 3, 53, 53},	/* Sunday */
			{2021, 1, 4, 1, 52},	/* Monday: week 1 of 2021 */
			{2024, 12, 30, 1, 52},	/* Monday: week 1 of 2025 */
			{2024, 12, 29, 52, 52}, /* Sunday: week 52 of 2024 */
			{2026, 1, 1, 1, 53},	/* Thursday: 2026 has 53 weeks */
			{2026, 12, 31, 53, 53},
			{2027, 1, 3, 53, 53},	/* Sunday: still 2026's week 53 */
			{2027, 1, 4, 1, 52},
			{2020, 12, 31, 53, 53}, /* leap 2020 began on a Wednesday */
			{2026, 6, 15, 25, 53},
		};

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		{
			f = civil(cases[k].y, cases[k].m, cases[k].d, 0, 0, 0);
			sf_calendar_row(SF_CAL_WEEK_OF_YEAR, &f, out);
			if (!is_cycle(out, (cases[k].week - 1) / (double) cases[k].weeks))
				uc_fail(&c, "%04d-%02d-%02d: %g %g, expected week %d of %d",
						cases[k].y, cases[k].m, cases[k].d, out[0], out[1],
						cases[k].week, cases[k].weeks);
		}
	}
	uc_end(&c);

	uc_begin(&c, "calendar: every part together, in bit order, and nothing written beyond");
	{
		double		one[8];
		int			at = 0;

		f = civil(2026, 12, 5, 13, 45, 0);	/* a Saturday */
		for (int i = 0; i <= SF_CAL_MAX_WIDTH; i++)
			out[i] = -99;
		if (sf_calendar_row(SF_CAL_ALL, &f, out) != SF_OK)
			uc_fail(&c, "refused");
		for (int k = 0; k < SF_CAL_PARTS; k++)
		{
			int			w = sf_calendar_width(1u << k);

			sf_calendar_row(1u << k, &f, one);
			if (memcmp(out + at, one, sizeof(double) * w) != 0)
				uc_fail(&c, "part %s differs at column %d", sf_calendar_part_name(1u << k), at);
			at += w;
		}
		if (out[at] != -99)
			uc_fail(&c, "column %d written", at);
	}
	uc_end(&c);
}

static void
test_refused(void)
{
	unit_case	c;
	double		out[SF_CAL_MAX_WIDTH];
	sf_civil	good = civil(2026, 3, 29, 2, 30, 0),
				f;

	uc_begin(&c, "calendar: fields out of range and unknown parts are refused");
#define BAD(field, value) \
	do { \
		f = good; \
		f.field = value; \
		if (sf_calendar_row(SF_CAL_ALL, &f, out) != SF_EINVAL) \
			uc_fail(&c, #field " = " #value " accepted"); \
	} while (0)
	if (sf_calendar_row(SF_CAL_ALL, &good, out) != SF_OK)
		uc_fail(&c, "a good date refused");
	BAD(year, 0);
	BAD(year, 10000);
	BAD(month, 0);
	BAD(month, 13);
	BAD(day, 0);
	BAD(day, 32);
	BAD(wday, -1);
	BAD(wday, 7);
	BAD(yday, 0);
	BAD(yday, 366);				/* 2026 is not a leap year */
	BAD(hour, -1);
	BAD(hour, 24);
	BAD(minute, 60);
	BAD(second, -0.5);
	BAD(second, 61);
	BAD(second, NAN);
#undef BAD
	f = civil(2026, 2, 28, 0, 0, 0);
	f.day = 29;
	if (sf_calendar_row(SF_CAL_DAY_OF_MONTH, &f, out) != SF_EINVAL)
		uc_fail(&c, "2026-02-29 accepted");
	if (sf_calendar_row(0x80, &good, out) != SF_EINVAL)
		uc_fail(&c, "an unknown part accepted");
	f = civil(2024, 12, 31, 0, 0, 0);
	if (f.yday != 366 || sf_calendar_row(SF_CAL_ALL, &f, out) != SF_OK)
		uc_fail(&c, "day 366 of a leap year refused");
	uc_end(&c);
}

void
test_calendar(void)
{
	test_widths_and_names();
	test_rows();
	test_refused();
}
