/*
 * plot.c
 *	  seq_plot: a model drawn as one self-contained SVG image.  The upper
 *	  panel shows the actual values beside the model's one-step predictions
 *	  over the last (held-out) windows of a given series, then the forecast
 *	  that continues it with its 90% band; without a series it continues the
 *	  tail of the training series the model keeps.  The lower panel shows
 *	  the training and validation loss per epoch from the model's metadata.
 *	  A covariate model takes its values as rows of the target then its
 *	  covariates and draws no forecast: that needs the future covariates,
 *	  which seq_forecast takes.
 *
 *	  The SVG uses presentation attributes only (no stylesheet, script or
 *	  external font), so it shows the same in a browser, an <img> tag, an
 *	  editor or a notebook.  Every drawn series carries a class attribute
 *	  (actual, predicted, forecast, interval, loss, val-loss) that tests and
 *	  users can select on.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "seqforecast.h"

/* Canvas and panel geometry, in SVG user units. */
#define PLOT_WIDTH 900
#define PLOT_HEIGHT 600
#define PANEL_LEFT 84
#define PANEL_RIGHT 870
#define SERIES_TOP 98
#define SERIES_BOTTOM 360
#define LOSS_TOP 452
#define LOSS_BOTTOM 548

/* Forecast steps drawn, and the fewest windows of context before the held-out part. */
#define PLOT_MIN_HORIZON 7
#define PLOT_MAX_HORIZON 30
#define PLOT_DEFAULT_WINDOWS 30

#define COLOR_TEXT "#333333"
#define COLOR_MUTED "#777777"
#define COLOR_AXIS "#999999"
#define COLOR_GRID "#e8e8e8"
#define COLOR_ACTUAL "#222222"
#define COLOR_PREDICTED "#1f77b4"
#define COLOR_FORECAST "#d62728"
#define COLOR_LOSS "#1f77b4"
#define COLOR_VAL_LOSS "#ff7f0e"

/* What seq_plot reads from the model's metadata JSON; NaN or 0 when absent. */
typedef struct PlotMeta
{
	char	   *name;
	double		r2;
	double		naive_r2;
	double		seasonal_naive_r2;
	double		train_seconds;
	int			n_train;
	int			n_val;
	int			n_test;
	int			epochs_run;
	int			best_epoch;
	int			n_loss;
	double	   *loss;
	double	   *val_loss;		/* NULL when the model has none */
} PlotMeta;

/* A data range mapped onto a pixel range, linear or log10. */
typedef struct Axis
{
	double		lo;
	double		hi;
	double		p0;				/* pixel of lo */
	double		p1;				/* pixel of hi */
	bool		log;
	bool		integer;		/* ticks at whole numbers only */
	const SfTime *time;			/* x as steps after time->last, or NULL */
} Axis;

/* One entry of a legend: a line sample (or a filled box) and its label. */
typedef struct LegendItem
{
	const char *label;
	const char *color;
	const char *dash;			/* stroke-dasharray, or NULL */
	bool		band;
} LegendItem;

/* The upper panel's data, x in the panel's own units. */
typedef struct SeriesPanel
{
	int			n_actual;
	double	   *actual_x;
	const double *actual_y;
	int			n_pred;
	double	   *pred_x;
	double	   *pred_y;
	int			n_fc;			/* forecast points, the origin included */
	double	   *fc_x;
	double	   *fc_y;
	double	   *fc_lo;			/* NULL without intervals */
	double	   *fc_hi;
	double		split_x;		/* where the predicted part starts */
	const char *split_label;
	const char *header;
	const char *x_label;
	const SfTime *time;			/* label x as dates (steps after the last) */
} SeriesPanel;

/* Text with the five XML special characters escaped and control characters dropped. */
static void
AppendEscaped(StringInfo s, const char *text)
{
	for (const unsigned char *p = (const unsigned char *) text; *p; p++)
	{
		switch (*p)
		{
			case '&':
				appendStringInfoString(s, "&amp;");
				break;
			case '<':
				appendStringInfoString(s, "&lt;");
				break;
			case '>':
				appendStringInfoString(s, "&gt;");
				break;
			case '"':
				appendStringInfoString(s, "&quot;");
				break;
			case '\'':
				appendStringInfoString(s, "&apos;");
				break;
			default:
				/* XML 1.0 forbids control characters other than tab and newlines */
				if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
					appendStringInfoChar(s, (char) *p);
				break;
		}
	}
}

/*
 * A <text> element.  markup is trusted text that may hold character
 * references (&#178; for the superscript two); it is appended as is.
 */
static void
AppendText(StringInfo s, double x, double y, const char *anchor,
		   const char *attrs, const char *markup)
{
	appendStringInfo(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>%s</text>\n",
					 x, y, anchor, attrs[0] ? " " : "", attrs, markup);
}

static char *
Escaped(const char *text)
{
	StringInfoData s;

	initStringInfo(&s);
	AppendEscaped(&s, text);
	return s.data;
}

/* --- the metadata JSON --- */

static bool
JsonKey(JsonbContainer *c, const char *key, JsonbValue *out)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return false;
	return getKeyJsonValueFromContainer(c, key, strlen(key), out) != NULL;
}

static JsonbContainer *
KeyContainer(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (!JsonKey(c, key, &v) || v.type != jbvBinary)
		return NULL;
	return v.val.binary.data;
}

static double
JsonNumber(const JsonbValue *v)
{
	if (v == NULL || v->type != jbvNumeric)
		return NAN;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

static double
KeyNumber(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	return JsonKey(c, key, &v) ? JsonNumber(&v) : NAN;
}

static int
KeyCount(JsonbContainer *c, const char *key)
{
	double		d = KeyNumber(c, key);

	return isfinite(d) && d >= 0 && d <= INT_MAX ? (int) d : 0;
}

/* An array of numbers; null or non-numeric elements become NaN. */
static double *
KeyArray(JsonbContainer *c, const char *key, int *n)
{
	JsonbContainer *a = KeyContainer(c, key);
	double	   *out;
	int			count;

	*n = 0;
	if (a == NULL || !JsonContainerIsArray(a) || JsonContainerIsScalar(a))
		return NULL;
	count = (int) JsonContainerSize(a);
	out = palloc(sizeof(double) * Max(count, 1));
	for (int i = 0; i < count; i++)
		out[i] = JsonNumber(getIthJsonbValueFromContainer(a, (uint32) i));
	*n = count;
	return out;
}

/*
 * The name, scores and loss curves from the model's metadata.  A model
 * without metadata, or with keys missing, plots what it has.
 */
static void
ReadMeta(const char *text, PlotMeta *pm)
{
	Jsonb	   *json;
	JsonbContainer *metrics;
	JsonbValue	v;
	double	   *val;
	int			n_val;

	memset(pm, 0, sizeof(*pm));
	pm->r2 = pm->naive_r2 = pm->seasonal_naive_r2 = pm->train_seconds = NAN;
	if (text == NULL || text[0] == '\0')
		return;
	json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	if (!JsonContainerIsObject(&json->root))
		return;

	if (JsonKey(KeyContainer(&json->root, "options"), "name", &v) &&
		v.type == jbvString)
		pm->name = pnstrdup(v.val.string.val, v.val.string.len);

	metrics = KeyContainer(&json->root, "metrics");
	pm->r2 = KeyNumber(metrics, "r2");
	pm->naive_r2 = KeyNumber(metrics, "naive_r2");
	pm->seasonal_naive_r2 = KeyNumber(metrics, "seasonal_naive_r2");
	pm->train_seconds = KeyNumber(metrics, "train_seconds");
	pm->n_train = KeyCount(metrics, "n_train");
	pm->n_val = KeyCount(metrics, "n_validation");
	pm->n_test = KeyCount(metrics, "n_test");
	pm->epochs_run = KeyCount(metrics, "epochs_run");
	pm->best_epoch = KeyCount(metrics, "best_epoch");

	pm->loss = KeyArray(&json->root, "loss", &pm->n_loss);
	val = KeyArray(&json->root, "val_loss", &n_val);
	if (val != NULL && n_val == pm->n_loss)
		pm->val_loss = val;
}

/* --- axes --- */

static double
Map(const Axis *a, double v)
{
	double		t;

	if (a->log)
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	else
		t = (v - a->lo) / (a->hi - a->lo);
	/* keep wild values printable; they are outside the panel anyway */
	return fmin(1e5, fmax(-1e5, a->p0 + t * (a->p1 - a->p0)));
}

/* 1, 2 or 5 times a power of ten, near range / target. */
static double
NiceStep(double range, int target)
{
	double		raw = range / target;
	double		mag = pow(10.0, floor(log10(raw)));
	double		f = raw / mag;

	return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

static double
TickStep(const Axis *a, int target)
{
	double		step = NiceStep(a->hi - a->lo, target);

	return a->integer ? fmax(1.0, round(step)) : step;
}

/*
 * A linear axis over [lo, hi].  A value axis gets 5% room either side and
 * ends on ticks; a degenerate range is widened so that it can be drawn.
 */
static void
SetLinear(Axis *a, double lo, double hi, double p0, double p1, bool value_axis)
{
	a->time = NULL;
	if (!(hi > lo))
	{
		double		d = fabs(lo) * 0.1;

		if (!(d > 0))
			d = 1.0;
		lo -= d;
		hi += d;
	}
	if (value_axis)
	{
		double		room = (hi - lo) * 0.05;
		double		step;

		lo -= room;
		hi += room;
		step = NiceStep(hi - lo, 5);
		lo = floor(lo / step) * step;
		hi = ceil(hi / step) * step;
	}
	a->lo = lo;
	a->hi = hi;
	a->p0 = p0;
	a->p1 = p1;
	a->log = false;
	a->integer = false;
}

/* The 1-2-5 grid value at or below (down) or above (up) a positive v. */
static double
Snap125(double v, bool up)
{
	static const double m[] = {1, 2, 5, 10};
	double		mag = pow(10.0, floor(log10(v)));

	if (up)
	{
		for (int i = 0; i < 4; i++)
			if (m[i] * mag >= v * (1 - 1e-12))
				return m[i] * mag;
		return 10 * mag;
	}
	for (int i = 3; i >= 0; i--)
		if (m[i] * mag <= v * (1 + 1e-12))
			return m[i] * mag;
	return mag;
}

/*
 * The label of the step k steps after a time-aware model's last step: the
 * day for steps of a day and longer, else the day and the time of day, in
 * the session's TimeZone.
 */
static char *
DateLabel(const SfTime *t, int64 k)
{
	TimestampTz ts = StepTimestamp(t, t->last, k);
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup("");
	if (t->months != 0)
		return psprintf("%04d-%02d", tm.tm_year, tm.tm_mon);
	if (t->days != 0)
		return psprintf("%04d-%02d-%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
	return psprintf("%02d-%02d %02d:%02d", tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/*
 * Tick labels: a unit suffix (k, M, G, T) for large numbers, and as many
 * decimals as the tick step needs.
 */
static char *
TickLabel(const Axis *a, double v, double step)
{
	double		big = fmax(fabs(a->lo), fabs(a->hi));
	double		unit = 1.0;
	const char *suffix = "";
	int			decimals;

	if (a->time)
		return DateLabel(a->time, (int64) rint(v));
	if (a->log)
		return psprintf("%g", v);
	if (fabs(v) < step * 1e-6)
		v = 0.0;
	if (big >= 1e12)
		unit = 1e12, suffix = "T";
	else if (big >= 1e9)
		unit = 1e9, suffix = "G";
	else if (big >= 1e6)
		unit = 1e6, suffix = "M";
	else if (big >= 1e4)
		unit = 1e3, suffix = "k";
	else if (big > 0 && big < 1e-3)
		return psprintf("%.2g", v);
	decimals = step / unit >= 1.0 ? 0 : (int) ceil(-log10(step / unit) - 1e-9);
	decimals = Max(0, Min(decimals, 9));
	return psprintf("%.*f%s", decimals, v / unit, suffix);
}

/* Tick values of an axis into ticks[] (at most max); returns the count. */
static int
AxisTicks(const Axis *a, double *ticks, int max, double *step_out)
{
	int			n = 0;

	if (a->log)
	{
		int			d0 = (int) floor(log10(a->lo));
		int			d1 = (int) ceil(log10(a->hi));
		double		per_decade = fabs(a->p1 - a->p0) / (log10(a->hi) - log10(a->lo));

		/* ticks at 2 and 5 too when a decade is tall enough for their labels */
		bool		fine = per_decade >= 60;

		for (int d = d0; d <= d1 && n < max; d++)
			for (int k = 0; k < 3 && n < max; k++)
			{
				double		m = k == 0 ? 1 : k == 1 ? 2 : 5;
				double		v = m * pow(10.0, d);

				if ((k == 0 || fine) && v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9))
					ticks[n++] = v;
			}
		*step_out = 0;
		return n;
	}
	else
	{
		/* x axes (drawn left to right) have room for more ticks than y axes */
		double		step = TickStep(a, a->p0 < a->p1 ? 8 : 5);
		double		first = ceil(a->lo / step - 1e-9);
		double		last = floor(a->hi / step + 1e-9);

		for (double k = first; k <= last && n < max; k++)
			ticks[n++] = k * step;
		*step_out = step;
		return n;
	}
}

/* Grid lines, tick labels and the frame of one panel. */
static void
AppendAxes(StringInfo s, const Axis *ax, const Axis *ay, const char *x_label,
		   const char *y_label)
{
	double		ticks[64];
	double		step;
	int			n;
	double		top = Min(ay->p0, ay->p1);
	double		bottom = Max(ay->p0, ay->p1);

	appendStringInfoString(s, "<g class=\"axes\" font-size=\"11\" fill=\"" COLOR_MUTED "\">\n");
	n = AxisTicks(ay, ticks, lengthof(ticks), &step);
	for (int i = 0; i < n; i++)
	{
		double		y = Map(ay, ticks[i]);

		appendStringInfo(s, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" COLOR_GRID "\"/>\n",
						 PANEL_LEFT, y, PANEL_RIGHT, y);
		AppendText(s, PANEL_LEFT - 6, y + 4, "end", "",
				   Escaped(TickLabel(ay, ticks[i], step)));
	}
	n = AxisTicks(ax, ticks, lengthof(ticks), &step);
	for (int i = 0; i < n; i++)
	{
		double		x = Map(ax, ticks[i]);

		appendStringInfo(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" COLOR_AXIS "\"/>\n",
						 x, bottom, x, bottom + 4);
		AppendText(s, x, bottom + 17, "middle", "",
				   Escaped(TickLabel(ax, ticks[i], step)));
	}
	appendStringInfo(s, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"none\" stroke=\"" COLOR_AXIS "\"/>\n",
					 PANEL_LEFT, top, PANEL_RIGHT - PANEL_LEFT, bottom - top);
	AppendText(s, (PANEL_LEFT + PANEL_RIGHT) / 2.0, bottom + 34, "middle",
			   "fill=\"" COLOR_TEXT "\"", Escaped(x_label));
	appendStringInfo(s, "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"" COLOR_TEXT "\">%s</text>\n",
					 (top + bottom) / 2, Escaped(y_label));
	appendStringInfoString(s, "</g>\n");
}

/* --- drawing --- */

static void
PathPoint(StringInfo s, bool *pen, double px, double py)
{
	appendStringInfo(s, "%c%.1f,%.1f", *pen ? 'L' : 'M', px, py);
	*pen = true;
}

/*
 * A line through the points, broken where y is not finite.  Far more points
 * than pixel columns are thinned to each column's lowest and highest point,
 * which draws the same picture in a fraction of the bytes.
 */
static void
AppendLine(StringInfo s, const Axis *ax, const Axis *ay, const double *x,
		   const double *y, int n, const char *cls, const char *color,
		   double width, const char *dash)
{
	bool		thin = n > 2 * (PANEL_RIGHT - PANEL_LEFT);
	bool		pen = false;
	bool		have = false;
	int			col = 0;
	double		lo = 0,
				hi = 0;
	int			drawn = 0;
	double		last_px = 0,
				last_py = 0;

	if (n <= 0)
		return;
	appendStringInfo(s, "<path class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
					 "stroke-linejoin=\"round\" stroke-linecap=\"round\"%s%s%s d=\"",
					 cls, color, width, dash ? " stroke-dasharray=\"" : "",
					 dash ? dash : "", dash ? "\"" : "");
	for (int i = 0; i <= n; i++)
	{
		bool		end = i == n || !isfinite(y[i]) || !isfinite(x[i]);
		double		px = end ? 0 : Map(ax, x[i]);
		double		py = end ? 0 : Map(ay, y[i]);

		if (thin && have && (end || (int) floor(px) != col))
		{
			PathPoint(s, &pen, col + 0.5, lo);
			if (hi != lo)
				PathPoint(s, &pen, col + 0.5, hi);
			have = false;
		}
		if (end)
		{
			pen = false;
			continue;
		}
		drawn++;
		last_px = px;
		last_py = py;
		if (!thin)
			PathPoint(s, &pen, px, py);
		else if (!have)
		{
			col = (int) floor(px);
			lo = hi = py;
			have = true;
		}
		else
		{
			lo = fmin(lo, py);
			hi = fmax(hi, py);
		}
	}
	appendStringInfoString(s, "\"/>\n");
	/* a lone point draws no line: mark it */
	if (drawn == 1)
		appendStringInfo(s, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
						 cls, last_px, last_py, color);
}

/* The band between lo and hi as one closed path. */
static void
AppendBand(StringInfo s, const Axis *ax, const Axis *ay, const double *x,
		   const double *lo, const double *hi, int n, const char *color)
{
	appendStringInfoString(s, "<path class=\"interval\" stroke=\"none\" fill=\"");
	appendStringInfo(s, "%s\" fill-opacity=\"0.18\" d=\"", color);
	for (int i = 0; i < n; i++)
		appendStringInfo(s, "%c%.1f,%.1f", i == 0 ? 'M' : 'L',
						 Map(ax, x[i]), Map(ay, hi[i]));
	for (int i = n - 1; i >= 0; i--)
		appendStringInfo(s, "L%.1f,%.1f", Map(ax, x[i]), Map(ay, lo[i]));
	appendStringInfoString(s, "Z\"/>\n");
}

/* A legend in one row, right above the panel's top left corner. */
static void
AppendLegend(StringInfo s, double y, const LegendItem *items, int n)
{
	double		x = PANEL_LEFT;

	appendStringInfoString(s, "<g class=\"legend\" font-size=\"12\" fill=\"" COLOR_TEXT "\">\n");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			x += 16;
		if (items[i].band)
			appendStringInfo(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"%s\" fill-opacity=\"0.18\"/>\n",
							 x, y - 9, items[i].color);
		else
			appendStringInfo(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n",
							 x, y - 4, x + 18, y - 4, items[i].color,
							 items[i].dash ? " stroke-dasharray=\"" : "",
							 items[i].dash ? items[i].dash : "",
							 items[i].dash ? "\"" : "");
		AppendText(s, x + 24, y, "start", "", Escaped(items[i].label));
		x += 24 + 6.6 * strlen(items[i].label);
	}
	appendStringInfoString(s, "</g>\n");
}

/* A panel's heading, at its top left. */
static void
AppendHeading(StringInfo s, double y, const char *markup)
{
	AppendText(s, PANEL_LEFT, y, "start",
			   "font-size=\"13\" font-weight=\"bold\" fill=\"" COLOR_TEXT "\"", markup);
}

static void
AppendEmpty(StringInfo s, double top, double bottom, const char *message)
{
	appendStringInfo(s, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#fafafa\" stroke=\"" COLOR_GRID "\"/>\n",
					 PANEL_LEFT, top, PANEL_RIGHT - PANEL_LEFT, bottom - top);
	AppendText(s, (PANEL_LEFT + PANEL_RIGHT) / 2.0, (top + bottom) / 2 + 4,
			   "middle", "fill=\"" COLOR_MUTED "\"", Escaped(message));
}

/* --- the two panels --- */

static void
DrawSeriesPanel(StringInfo s, const SeriesPanel *sp)
{
	Axis		ax,
				ay;
	double		xlo = INFINITY,
				xhi = -INFINITY,
				ylo = INFINITY,
				yhi = -INFINITY;
	LegendItem	legend[4];
	int			n_legend = 0;

#define WIDEN(xv, yv) do { \
		xlo = fmin(xlo, (xv)); xhi = fmax(xhi, (xv)); \
		ylo = fmin(ylo, (yv)); yhi = fmax(yhi, (yv)); } while (0)

	AppendHeading(s, SERIES_TOP - 26, sp->header);
	if (sp->n_actual == 0)
	{
		AppendEmpty(s, SERIES_TOP, SERIES_BOTTOM,
					"This model keeps no training series: pass the series as values to plot it.");
		return;
	}
	for (int i = 0; i < sp->n_actual; i++)
		WIDEN(sp->actual_x[i], sp->actual_y[i]);
	for (int i = 0; i < sp->n_pred; i++)
		WIDEN(sp->pred_x[i], sp->pred_y[i]);
	for (int i = 0; i < sp->n_fc; i++)
	{
		WIDEN(sp->fc_x[i], sp->fc_y[i]);
		if (sp->fc_lo)
		{
			WIDEN(sp->fc_x[i], sp->fc_lo[i]);
			WIDEN(sp->fc_x[i], sp->fc_hi[i]);
		}
	}
#undef WIDEN

	SetLinear(&ax, xlo, xhi, PANEL_LEFT + 8, PANEL_RIGHT - 8, false);
	ax.integer = true;
	ax.time = sp->time;
	SetLinear(&ay, ylo, yhi, SERIES_BOTTOM, SERIES_TOP, true);
	AppendAxes(s, &ax, &ay, sp->x_label, "value");

	if (sp->n_pred > 0)
	{
		double		x = Map(&ax, sp->split_x);

		appendStringInfo(s, "<rect class=\"held-out\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f3f6fa\"/>\n",
						 x, SERIES_TOP + 1, Map(&ax, sp->pred_x[sp->n_pred - 1] + 0.5) - x,
						 SERIES_BOTTOM - SERIES_TOP - 2);
		appendStringInfo(s, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" COLOR_AXIS "\" stroke-dasharray=\"4 3\"/>\n",
						 x, SERIES_TOP, x, SERIES_BOTTOM);
		AppendText(s, x + 5, SERIES_TOP + 14, "start",
				   "font-size=\"11\" fill=\"" COLOR_MUTED "\"", Escaped(sp->split_label));
	}
	if (sp->n_fc > 0 && sp->fc_lo)
		AppendBand(s, &ax, &ay, sp->fc_x, sp->fc_lo, sp->fc_hi, sp->n_fc, COLOR_FORECAST);
	AppendLine(s, &ax, &ay, sp->actual_x, sp->actual_y, sp->n_actual,
			   "actual", COLOR_ACTUAL, 1.5, NULL);
	AppendLine(s, &ax, &ay, sp->pred_x, sp->pred_y, sp->n_pred,
			   "predicted", COLOR_PREDICTED, 1.5, NULL);
	AppendLine(s, &ax, &ay, sp->fc_x, sp->fc_y, sp->n_fc,
			   "forecast", COLOR_FORECAST, 2.0, "6 3");

	legend[n_legend++] = (LegendItem) {"actual", COLOR_ACTUAL, NULL, false};
	if (sp->n_pred > 0)
		legend[n_legend++] = (LegendItem) {"predicted (one step)", COLOR_PREDICTED, NULL, false};
	if (sp->n_fc > 0)
		legend[n_legend++] = (LegendItem) {"forecast", COLOR_FORECAST, "6 3", false};
	if (sp->n_fc > 0 && sp->fc_lo)
		legend[n_legend++] = (LegendItem) {"90% interval", COLOR_FORECAST, NULL, true};
	AppendLegend(s, SERIES_TOP - 7, legend, n_legend);
}

static void
DrawLossPanel(StringInfo s, const PlotMeta *pm)
{
	Axis		ax,
				ay;
	double		lo = INFINITY,
				hi = -INFINITY;
	bool		positive = true;
	double	   *epochs;
	LegendItem	legend[3];
	int			n_legend = 0;
	const char *y_label;

	if (pm->n_loss == 0)
	{
		AppendHeading(s, LOSS_TOP - 26, "Loss per epoch");
		AppendEmpty(s, LOSS_TOP, LOSS_BOTTOM, "This model keeps no loss curve.");
		return;
	}
	for (int i = 0; i < pm->n_loss; i++)
		for (int k = 0; k < 2; k++)
		{
			double		v = k == 0 ? pm->loss[i] : pm->val_loss ? pm->val_loss[i] : NAN;

			if (!isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			positive = positive && v > 0;
		}
	if (!isfinite(lo))
		lo = hi = 0;

	SetLinear(&ax, 1, pm->n_loss, PANEL_LEFT + 8, PANEL_RIGHT - 8, false);
	ax.integer = true;
	/* MSE falls over orders of magnitude: log scale when it spans one or more */
	if (positive && hi / lo >= 10)
	{
		ay.lo = Snap125(lo, false);
		ay.hi = Snap125(hi, true);
		ay.p0 = LOSS_BOTTOM;
		ay.p1 = LOSS_TOP;
		ay.log = true;
		ay.integer = false;
		y_label = "MSE (log)";
	}
	else
	{
		SetLinear(&ay, Min(lo, 0), hi, LOSS_BOTTOM, LOSS_TOP, true);
		y_label = "MSE";
	}
	AppendHeading(s, LOSS_TOP - 26, "Loss per epoch (scaled units)");
	AppendAxes(s, &ax, &ay, "epoch", y_label);

	if (pm->val_loss && pm->best_epoch >= 1 && pm->best_epoch <= pm->n_loss)
	{
		double		x = Map(&ax, pm->best_epoch);

		appendStringInfo(s, "<line class=\"best-epoch\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" COLOR_AXIS "\" stroke-dasharray=\"4 3\"/>\n",
						 x, LOSS_TOP, x, LOSS_BOTTOM);
		AppendText(s, x + (x > PANEL_RIGHT - 120 ? -5 : 5), LOSS_TOP + 13,
				   x > PANEL_RIGHT - 120 ? "end" : "start",
				   "font-size=\"11\" fill=\"" COLOR_MUTED "\"",
				   psprintf("best epoch %d", pm->best_epoch));
	}

	epochs = palloc(sizeof(double) * pm->n_loss);
	for (int i = 0; i < pm->n_loss; i++)
		epochs[i] = i + 1;
	/* a zero loss has no place on a log axis: it is left out */
	if (ay.log)
		for (int i = 0; i < pm->n_loss; i++)
		{
			if (!(pm->loss[i] > 0))
				pm->loss[i] = NAN;
			if (pm->val_loss && !(pm->val_loss[i] > 0))
				pm->val_loss[i] = NAN;
		}
	AppendLine(s, &ax, &ay, epochs, pm->loss, pm->n_loss, "loss",
			   COLOR_LOSS, 1.5, NULL);
	legend[n_legend++] = (LegendItem) {"training loss", COLOR_LOSS, NULL, false};
	if (pm->val_loss)
	{
		AppendLine(s, &ax, &ay, epochs, pm->val_loss, pm->n_loss, "val-loss",
				   COLOR_VAL_LOSS, 1.5, NULL);
		legend[n_legend++] = (LegendItem) {"validation loss", COLOR_VAL_LOSS, NULL, false};
	}
	AppendLegend(s, LOSS_TOP - 7, legend, n_legend);
}

/* --- the data --- */

/*
 * The forecast continuing from window (the last values, the last of them
 * at x = origin_x), with the origin as its first point so that the line
 * and the band start at the last actual value.
 */
static void
AddForecast(SeriesPanel *sp, const SfModel *m, const double *window,
			int64 phase, double origin_x, int horizon, void *work)
{
	double	   *out = palloc(sizeof(double) * horizon);
	double		last = window[m->core.arch.window - 1];

	SfTime		t;

	/* a calendar model plots only its own tail (see seq_plot): dates known */
	if (ModelTime(m, &t) && t.calendar != 0)
		sf_forecast_x(&m->core, window,
					  CalendarSteps(&t, t.last, -(m->core.arch.window - 2),
									m->core.arch.window - 1 + horizon),
					  phase, horizon, out, work, &InterruptHooks);
	else
		sf_forecast(&m->core, window, phase, horizon, out, work, &InterruptHooks);
	sp->n_fc = horizon + 1;
	sp->fc_x = palloc(sizeof(double) * sp->n_fc);
	sp->fc_y = palloc(sizeof(double) * sp->n_fc);
	sp->fc_x[0] = origin_x;
	sp->fc_y[0] = last;
	for (int h = 1; h <= horizon; h++)
	{
		sp->fc_x[h] = origin_x + h;
		sp->fc_y[h] = out[h - 1];
	}
	if (m->n_radius > 0)
	{
		sp->fc_lo = palloc(sizeof(double) * sp->n_fc);
		sp->fc_hi = palloc(sizeof(double) * sp->n_fc);
		sp->fc_lo[0] = sp->fc_hi[0] = last;
		for (int h = 1; h <= horizon; h++)
		{
			double		r = IntervalRadius(m, h);

			sp->fc_lo[h] = out[h - 1] - r;
			sp->fc_hi[h] = out[h - 1] + r;
		}
	}
}

/* Forecast steps to draw: the steps the intervals were fitted for, within limits. */
static int
PlotHorizon(const SfModel *m)
{
	int			h = m->n_radius > 0 ? m->n_radius : 2 * m->core.arch.window;

	return Max(PLOT_MIN_HORIZON, Min(h, PLOT_MAX_HORIZON));
}

/*
 * With a series: its last windows (the held-out ones when it is the
 * training series) actual against predicted, some context before them, and
 * the forecast continuing it.  Returns the R^2 of the predicted part.
 */
static double
SeriesFromValues(SeriesPanel *sp, const SfModel *m, const PlotMeta *pm,
				 const double *values, const double *cov, int n, void *work)
{
	int			window = m->core.arch.window;
	int			count = n - window;
	int64		phase = SeriesPhase(m, values, n);
	int			k = pm->n_test > 0 ? Min(pm->n_test, count)
		: Min(count, Max(2 * window, PLOT_DEFAULT_WINDOWS));
	int			start = Max(0, n - k - Max(window, k / 2));
	bool		training = pm->n_train > 0 &&
		(int64) pm->n_train + pm->n_val + pm->n_test + window == n;
	sf_scores	sc;

	sp->n_actual = n - start;
	sp->actual_x = palloc(sizeof(double) * sp->n_actual);
	for (int i = 0; i < sp->n_actual; i++)
		sp->actual_x[i] = start + i + 1;
	sp->actual_y = values + start;

	/* window j predicts values[j + window], at 1-based position j + window + 1 */
	sp->n_pred = k;
	sp->pred_x = palloc(sizeof(double) * k);
	sp->pred_y = palloc(sizeof(double) * k);
	sf_predict_windows_x(&m->core, values + (n - window - k),
						 cov ? cov + (size_t) (n - window - k) * CovariateCount(m) : NULL,
						 phase + (n - window - k), k, sp->pred_y, work, &InterruptHooks);
	for (int i = 0; i < k; i++)
		sp->pred_x[i] = n - k + i + 1;
	sp->split_x = n - k + 0.5;
	sp->split_label = training && k == pm->n_test
		? psprintf("held out: %d windows", k)
		: psprintf("last %d windows", k);
	sp->x_label = "position in values";
	if (cov)
		sp->header = psprintf("Actual vs predicted over the last %d of %d values (a forecast needs future covariates)",
							  k, n);
	else
	{
		sp->header = psprintf("Actual vs predicted over the last %d of %d values, then the next %d steps",
							  k, n, PlotHorizon(m));
		AddForecast(sp, m, values + n - window, phase + n - window, n,
					PlotHorizon(m), work);
	}
	sf_score(values + n - k, sp->pred_y, k, &sc);
	return sc.r2;
}

/* Without a series: the kept tail of the training series, then the forecast. */
static void
SeriesFromTail(SeriesPanel *sp, const SfModel *m, void *work)
{
	SfTime	   *time = palloc(sizeof(SfTime));

	int			window = m->core.arch.window;
	int			n = m->n_tail;

	sp->x_label = "steps after the end of the training series";
	if (n < window)
	{
		sp->header = "Series and forecast";
		return;
	}
	if (CovariateCount(m) > 0)
		sp->header = psprintf("The last %d training values (a forecast needs future covariates)", n);
	else
		sp->header = psprintf("The last %d training values and the next %d steps",
							  n, PlotHorizon(m));
	sp->n_actual = n;
	sp->actual_x = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
		sp->actual_x[i] = i - (n - 1);
	sp->actual_y = m->tail;
	/* dates on the axis, but not for rows kept as consecutive whatever their time */
	if (ModelTime(m, time) && time->gaps != SF_GAPS_KEEP)
	{
		sp->time = time;
		sp->x_label = "date";
	}
	/* a covariate model's future is not known here: seq_forecast takes it */
	if (CovariateCount(m) == 0)
		AddForecast(sp, m, m->tail + n - window, m->tail_phase + n - window, 0,
					PlotHorizon(m), work);
}

static char *
Score(double v)
{
	return isfinite(v) ? psprintf("%.3f", v) : pstrdup("n/a");
}

/* The title: model, kind and shape.  The name comes from the argument when one was given. */
static char *
Title(FunctionCallInfo fcinfo, const SfModel *m, const PlotMeta *pm)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	const char *kind = sf_kind_name(m->core.arch.kind);
	char	   *shape;
	StringInfoData s;

	shape = psprintf("%s, window %d, hidden %d, %d layer%s", kind,
					 m->core.arch.window, m->core.arch.hidden,
					 m->core.arch.layers, m->core.arch.layers == 1 ? "" : "s");
	initStringInfo(&s);
	if (type == TEXTOID)
		appendStringInfo(&s, "%s (%s)", TextDatumGetCString(PG_GETARG_DATUM(0)), shape);
	else if (type == INT8OID)
		appendStringInfo(&s, "Model %lld%s%s (%s)",
						 (long long) PG_GETARG_INT64(0),
						 pm->name ? ": " : "", pm->name ? pm->name : "", shape);
	else
		appendStringInfo(&s, "%s (%s)", pm->name ? pm->name : "Serialized model", shape);
	return s.data;
}

/* The line under the title: held-out scores beside the baselines, training figures. */
static char *
Subtitle(const PlotMeta *pm, double values_r2, bool has_values)
{
	StringInfoData s;

	initStringInfo(&s);
	if (isfinite(pm->r2))
		appendStringInfo(&s, "held-out R&#178; %s (naive %s, seasonal naive %s)",
						 Score(pm->r2), Score(pm->naive_r2),
						 Score(pm->seasonal_naive_r2));
	else
		appendStringInfoString(&s, "no held-out scores");
	if (pm->epochs_run > 0)
		appendStringInfo(&s, " &#183; %d epoch%s", pm->epochs_run,
						 pm->epochs_run == 1 ? "" : "s");
	if (isfinite(pm->train_seconds))
		appendStringInfo(&s, " in %.2f s", pm->train_seconds);
	if (has_values)
		appendStringInfo(&s, " &#183; R&#178; of the plotted predictions %s",
						 Score(values_r2));
	return s.data;
}

PG_FUNCTION_INFO_V1(seq_plot);

/* seq_plot(model, "values" float8[] DEFAULT NULL) -> text (SVG) */
Datum
seq_plot(PG_FUNCTION_ARGS)
{
	SfModel    *m;
	PlotMeta	pm;
	SeriesPanel sp;
	StringInfoData s;
	void	   *work;
	bool		has_values = PG_NARGS() > 1 && !PG_ARGISNULL(1);
	double		values_r2 = NAN;
	char	   *title;

	/* a NULL model (a skipped series, say) plots as NULL, like a strict function */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = LoadModel(fcinfo, 0);
	ReadMeta(m->meta, &pm);
	work = AllocWork(sf_infer_bytes(&m->core.arch, m->core.n_members, SF_INFER_CHUNK));

	memset(&sp, 0, sizeof(sp));
	if (has_values && m->core.calendar != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seq_plot cannot plot values for a model with calendar inputs"),
				 errdetail("The values come without timestamps, which calendar inputs need."),
				 errhint("Plot the model without values, or use seq_predict with ts.")));
	if (has_values)
	{
		int			n;
		double	   *cov;
		double	   *values = ModelSeriesArg(m, PG_GETARG_ARRAYTYPE_P(1), "values", &n, &cov);

		if (n <= m->core.arch.window)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("values of %d values is too short for the model's window of %d",
							n, m->core.arch.window),
					 errhint("Pass at least %d values: a window and one value to predict.",
							 m->core.arch.window + 1)));
		values_r2 = SeriesFromValues(&sp, m, &pm, values, cov, n, work);
	}
	else
		SeriesFromTail(&sp, m, work);

	title = Escaped(Title(fcinfo, m, &pm));
	initStringInfo(&s);
	appendStringInfo(&s,
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
					 "viewBox=\"0 0 %d %d\" role=\"img\" "
					 "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
					 PLOT_WIDTH, PLOT_HEIGHT, PLOT_WIDTH, PLOT_HEIGHT);
	appendStringInfo(&s, "<title>%s</title>\n", title);
	appendStringInfo(&s, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
					 PLOT_WIDTH, PLOT_HEIGHT);
	AppendText(&s, PANEL_LEFT, 26, "start",
			   "font-size=\"16\" font-weight=\"bold\" fill=\"" COLOR_TEXT "\"", title);
	AppendText(&s, PANEL_LEFT, 46, "start", "fill=\"" COLOR_MUTED "\"",
			   Subtitle(&pm, values_r2, has_values));
	DrawSeriesPanel(&s, &sp);
	DrawLossPanel(&s, &pm);
	appendStringInfoString(&s, "</svg>\n");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
}
