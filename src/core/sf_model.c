/*
 * sf_model.c
 *	  The architecture: its checks, the parameter layout (PyTorch's state_dict
 *	  names, shapes and order), seeded initialisation, and inference.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sf_internal.h"

static const char *const kind_names[] = {"rnn", "lstm", "gru"};

const char *
sf_kind_name(int kind)
{
	return (kind >= 0 && kind < 3) ? kind_names[kind] : "unknown";
}

/* Case-insensitive; -1 for anything else. */
int
sf_kind_from_name(const char *name)
{
	for (int k = 0; k < 3; k++)
	{
		const char *a = name,
				   *b = kind_names[k];

		while (*a && *b && tolower((unsigned char) *a) == *b)
			a++, b++;
		if (*a == '\0' && *b == '\0')
			return k;
	}
	return -1;
}

int
sf_kind_gates(int kind)
{
	return kind == SF_LSTM ? 4 : kind == SF_GRU ? 3 : 1;
}

int
sf_arch_check(const sf_arch *a)
{
	if (a->kind < 0 || a->kind > 2)
		return SF_EINVAL;
	if (a->window < 1 || a->window > SF_MAX_WINDOW)
		return SF_EINVAL;
	if (a->hidden < 1 || a->hidden > SF_MAX_HIDDEN)
		return SF_EINVAL;
	if (a->layers < 1 || a->layers > SF_MAX_LAYERS)
		return SF_EINVAL;
	if (a->n_head < 0 || a->n_head > SF_MAX_HEAD)
		return SF_EINVAL;
	for (int j = 0; j < a->n_head; j++)
		if (a->head[j] < 1 || a->head[j] > SF_MAX_HEAD_SIZE)
			return SF_EINVAL;
	if (a->inputs < 0 || a->inputs > SF_MAX_INPUTS)
		return SF_EINVAL;
	return SF_OK;
}

/*
 * Covariate columns first, then exactly the calendar parts' columns, each
 * with a finite shift and a finite positive scale (a calendar column's 0
 * and 1), and one input per column besides the value.
 */
int
sf_exog_check(const sf_model *m)
{
	int			n_cal = sf_calendar_width(m->calendar);

	if (m->n_exog < 0 || m->n_exog > SF_MAX_EXOG ||
		sf_arch_inputs(&m->arch) != 1 + m->n_exog)
		return SF_EINVAL;
	if (n_cal < 0 || n_cal > m->n_exog)
		return SF_EINVAL;
	for (int j = 0; j < m->n_exog; j++)
	{
		const sf_exog *e = &m->exog[j];
		int			want = j < m->n_exog - n_cal ? SF_EXOG_COVARIATE : SF_EXOG_CALENDAR;

		if (e->kind != want)
			return SF_EINVAL;
		if (!isfinite(e->shift) || !isfinite(e->scale) || !(e->scale > 0))
			return SF_EINVAL;
		if (want == SF_EXOG_CALENDAR && (e->shift != 0 || e->scale != 1))
			return SF_EINVAL;
	}
	return SF_OK;
}

/*
 * Mean and standard deviation of each covariate over rows [0, n_rows), in
 * two passes (the mean first) so that a column far from zero keeps its
 * digits; a column constant there gets scale 1 and so feeds zeros.
 */
int
sf_exog_fit(sf_model *m, const double *exog, int n_rows)
{
	int			E = m->n_exog;

	if (E > 0 && n_rows < 1)
		return SF_EINVAL;
	for (int j = 0; j < E; j++)
	{
		sf_exog    *e = &m->exog[j];
		double		mean = 0,
					ss = 0,
					sd;

		e->shift = 0;
		e->scale = 1;
		if (e->kind != SF_EXOG_COVARIATE)
			continue;
		for (int i = 0; i < n_rows; i++)
		{
			double		x = exog[(size_t) i * E + j];

			if (!isfinite(x))
				return SF_ENONFINITE;
			mean += x;
		}
		mean /= n_rows;
		for (int i = 0; i < n_rows; i++)
		{
			double		d = exog[(size_t) i * E + j] - mean;

			ss += d * d;
		}
		sd = sqrt(ss / n_rows);
		if (!isfinite(mean) || !isfinite(sd))
			return SF_ENONFINITE;
		e->shift = mean;
		if (sd > 1e-12 * fmax(fabs(mean), 1e-300))
			e->scale = sd;
	}
	return SF_OK;
}

double
sf_exog_in(const sf_model *m, int column, double x)
{
	return (x - m->exog[column].shift) / m->exog[column].scale;
}

static void
AddTensor(sf_tensor *out, int *n, size_t *offset, const char *name,
		  int rows, int cols)
{
	sf_tensor  *t = &out[(*n)++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ndim = cols > 0 ? 2 : 1;
	t->shape[0] = rows;
	t->shape[1] = cols > 0 ? cols : 0;
	t->size = (size_t) rows * (cols > 0 ? cols : 1);
	t->offset = *offset;
	*offset += t->size;
}

/*
 * The parameter tensors in state_dict order: per layer weight_ih, weight_hh,
 * bias_ih, bias_hh; then the head's weight and bias per layer; then out.
 */
int
sf_tensors(const sf_arch *a, sf_tensor *out)
{
	int			n = 0;
	size_t		off = 0;
	int			gh = sf_kind_gates(a->kind) * a->hidden;
	int			prev = a->hidden;
	char		name[32];

	for (int l = 0; l < a->layers; l++)
	{
		int			in = l == 0 ? sf_arch_inputs(a) : a->hidden;

		snprintf(name, sizeof(name), "rnn.weight_ih_l%d", l);
		AddTensor(out, &n, &off, name, gh, in);
		snprintf(name, sizeof(name), "rnn.weight_hh_l%d", l);
		AddTensor(out, &n, &off, name, gh, a->hidden);
		snprintf(name, sizeof(name), "rnn.bias_ih_l%d", l);
		AddTensor(out, &n, &off, name, gh, 0);
		snprintf(name, sizeof(name), "rnn.bias_hh_l%d", l);
		AddTensor(out, &n, &off, name, gh, 0);
	}
	for (int j = 0; j < a->n_head; j++)
	{
		snprintf(name, sizeof(name), "head.%d.weight", j);
		AddTensor(out, &n, &off, name, a->head[j], prev);
		snprintf(name, sizeof(name), "head.%d.bias", j);
		AddTensor(out, &n, &off, name, a->head[j], 0);
		prev = a->head[j];
	}
	AddTensor(out, &n, &off, "out.weight", 1, prev);
	AddTensor(out, &n, &off, "out.bias", 1, 0);
	return n;
}

size_t
sf_param_count(const sf_arch *a)
{
	sf_tensor	t[SF_MAX_TENSORS];
	int			n = sf_tensors(a, t);

	return t[n - 1].offset + t[n - 1].size;
}

/*
 * PyTorch's default initialisation, from our own generator: recurrent
 * tensors U(-1/sqrt(hidden), 1/sqrt(hidden)); a Linear's weight and bias
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).  Drawn tensor by tensor in state_dict
 * order, element by element, so the result depends on the seed alone.
 */
void
sf_model_init(sf_model *model, uint64_t seed)
{
	memset(&model->prep, 0, sizeof(model->prep));
	model->prep.norm = SF_NORM_MINMAX;
	model->prep.scale = 1.0;
	model->n_members = 1;
	sf_model_init_params(model, seed);
	model->scale_min = 0.0;
	model->scale_max = 1.0;
}

/* The weights of member 0 alone, leaving the transform as it is. */
void
sf_model_init_params(sf_model *model, uint64_t seed)
{
	sf_model_init_member(model, 0, seed);
}

/* The weights of one member of an ensemble. */
void
sf_model_init_member(sf_model *model, int member, uint64_t seed)
{
	sf_tensor	t[SF_MAX_TENSORS];
	int			n = sf_tensors(&model->arch, t);
	int			n_rec = 4 * model->arch.layers;
	sf_real    *params = model->params + (size_t) member * sf_param_count(&model->arch);
	sf_rng		rng;

	sf_rng_seed(&rng, seed);
	for (int i = 0; i < n; i++)
	{
		double		bound;

		if (i < n_rec)
			bound = 1.0 / sqrt((double) model->arch.hidden);
		else
		{
			/* a Linear's bias follows its weight; fan_in is the weight's */
			const sf_tensor *w = (i - n_rec) % 2 == 0 ? &t[i] : &t[i - 1];

			bound = 1.0 / sqrt((double) w->shape[1]);
		}
		for (size_t k = 0; k < t[i].size; k++)
			params[t[i].offset + k] =
				(sf_real) (bound * (2.0 * sf_rng_uniform(&rng) - 1.0));
	}
}

/*
 * Inference keeps every time step's activations, so the chunk of windows run
 * at once shrinks for large networks to keep its work area near 64 MiB.
 */
static int
InferChunk(const sf_arch *arch, int batch)
{
	sf_ws		ws = {NULL, 0};
	sf_net		net;
	size_t		per_window;
	int			chunk;

	sf_net_layout(&net, arch, 1, 0, &ws);
	per_window = ws.used;
	chunk = (int) ((size_t) 64 * 1024 * 1024 / (per_window ? per_window : 1));
	if (chunk > batch)
		chunk = batch;
	if (chunk > SF_INFER_CHUNK)
		chunk = SF_INFER_CHUNK;
	return chunk < 1 ? 1 : chunk;
}

/*
 * Inference buffers: the network's, every member's transposed weights, the
 * windows of the origins in the transform's units, row by row, and for a
 * model with exog columns each window's exog rows: erow[b] is the raw row
 * fed to window step 0, step s reading erow[b] + s * n_exog (NULL: zeros).
 */
typedef struct InferWork
{
	sf_net		net;
	int			chunk;
	sf_real    *tparams;		/* [n_members][n_params] */
	double	   *z;				/* [chunk][window] */
	double	   *next;			/* [chunk] */
	const double **erow;		/* [chunk] */
} InferWork;

static void
LayoutInfer(InferWork *iw, const sf_arch *arch, int n_members, int batch,
			sf_ws *ws)
{
	iw->chunk = InferChunk(arch, batch);
	sf_net_layout(&iw->net, arch, iw->chunk, 0, ws);
	iw->tparams = SF_TAKE(ws, (size_t) n_members * sf_param_count(arch));
	iw->z = sf_ws_take(ws, (size_t) iw->chunk * arch->window, sizeof(double));
	iw->next = sf_ws_take(ws, (size_t) iw->chunk, sizeof(double));
	iw->erow = sf_ws_take(ws, (size_t) iw->chunk, sizeof(const double *));
}

size_t
sf_infer_bytes(const sf_arch *arch, int n_members, int batch)
{
	sf_ws		ws = {NULL, 0};
	InferWork	iw;

	LayoutInfer(&iw, arch, n_members, batch, &ws);
	return ws.used + 64;
}

/* Lay out the work area and transpose every member's weights once. */
static void
AttachInfer(InferWork *iw, const sf_model *model, int batch, void *work,
			const sf_hooks *hooks)
{
	sf_ws		ws = sf_ws_over(work);
	size_t		n_params = sf_param_count(&model->arch);

	LayoutInfer(iw, &model->arch, model->n_members, batch, &ws);
	iw->net.hooks = hooks;
	for (int k = 0; k < model->n_members; k++)
	{
		iw->net.tparams = iw->tparams + (size_t) k * n_params;
		sf_net_prepare(&iw->net, model->params + (size_t) k * n_params);
	}
}

/*
 * One step for B windows held in iw->z (and iw->erow): each window measured
 * from its own level, every member run, their outputs averaged, and the
 * predicted next values written to iw->next in the transform's units.
 */
static void
InferStep(InferWork *iw, const sf_model *model, int B)
{
	int			T = model->arch.window,
				I = sf_arch_inputs(&model->arch),
				E = model->n_exog;
	size_t		n_params = sf_param_count(&model->arch);
	double		scale = model->prep.scale;
	sf_net	   *net = &iw->net;

	for (int b = 0; b < B; b++)
	{
		const double *z = iw->z + (size_t) b * T;
		const double *er = iw->erow[b];
		double		level = sf_prep_level(model, z, T);

		for (int t = 0; t < T; t++)
		{
			sf_real    *x = net->x0 + ((size_t) t * B + b) * I;

			x[0] = (sf_real) ((z[t] - level) / scale);
			for (int j = 0; j + 1 < I; j++)
				x[1 + j] = er && j < E ?
					(sf_real) sf_exog_in(model, j, er[(size_t) t * E + j]) : 0;
		}
		iw->next[b] = 0;
	}
	for (int k = 0; k < model->n_members; k++)
	{
		net->tparams = iw->tparams + (size_t) k * n_params;
		sf_net_forward(net, model->params + (size_t) k * n_params, B, 0.0, NULL);
		for (int b = 0; b < B; b++)
			iw->next[b] += (double) net->out[b];
	}
	for (int b = 0; b < B; b++)
	{
		const double *z = iw->z + (size_t) b * T;

		iw->next[b] = sf_prep_level(model, z, T) +
			scale * (iw->next[b] / model->n_members);
	}
}

/*
 * Load B consecutive windows, the first at series[first], into iw->z, and
 * point their exog rows at those aligned with series (the row after each
 * window step's value), or at nothing.
 */
static void
LoadWindows(InferWork *iw, const sf_model *model, const double *series,
			const double *exog, int64_t phase, int first, int B)
{
	int			T = model->arch.window;

	for (int b = 0; b < B; b++)
	{
		for (int t = 0; t < T; t++)
			iw->z[(size_t) b * T + t] =
				sf_prep_in(model, series[first + b + t], phase + first + b + t);
		iw->erow[b] = exog && model->n_exog > 0 ?
			exog + (size_t) (first + b + 1) * model->n_exog : NULL;
	}
}

/*
 * Slide each of B windows by one, appending its predicted next value; its
 * exog rows slide along.
 */
static void
SlideWindows(InferWork *iw, const sf_model *model, int B)
{
	int			T = model->arch.window;

	for (int b = 0; b < B; b++)
	{
		double	   *z = iw->z + (size_t) b * T;

		memmove(z, z + 1, sizeof(double) * (T - 1));
		z[T - 1] = iw->next[b];
		if (iw->erow[b])
			iw->erow[b] += model->n_exog;
	}
}

void
sf_predict_windows(const sf_model *model, const double *series,
				   int64_t phase, int n_windows, double *pred, void *work,
				   const sf_hooks *hooks)
{
	sf_predict_windows_x(model, series, NULL, phase, n_windows, pred, work,
						 hooks);
}

void
sf_predict_windows_x(const sf_model *model, const double *series,
					 const double *exog, int64_t phase, int n_windows,
					 double *pred, void *work, const sf_hooks *hooks)
{
	int			T = model->arch.window;
	InferWork	iw;

	AttachInfer(&iw, model, SF_INFER_CHUNK, work, hooks);
	for (int start = 0; start < n_windows; start += iw.chunk)
	{
		int			B = n_windows - start < iw.chunk ? n_windows - start : iw.chunk;

		LoadWindows(&iw, model, series, exog, phase, start, B);
		InferStep(&iw, model, B);
		for (int b = 0; b < B; b++)
			pred[start + b] = sf_prep_out(model, iw.next[b], phase + start + b + T);
	}
}

void
sf_forecast(const sf_model *model, const double *last_window, int64_t phase,
			int horizon, double *out, void *work, const sf_hooks *hooks)
{
	sf_forecast_x(model, last_window, NULL, phase, horizon, out, work, hooks);
}

/*
 * Recursive multi-step forecast: each prediction becomes the newest input
 * of the next step, and the next window is measured from its new level.
 * exog's first row is last_window[1]'s, the one window step 0 reads.
 */
void
sf_forecast_x(const sf_model *model, const double *last_window,
			  const double *exog, int64_t phase, int horizon, double *out,
			  void *work, const sf_hooks *hooks)
{
	int			T = model->arch.window;
	InferWork	iw;

	AttachInfer(&iw, model, 1, work, hooks);
	LoadWindows(&iw, model, last_window, NULL, phase, 0, 1);
	iw.erow[0] = exog && model->n_exog > 0 ? exog : NULL;
	for (int h = 0; h < horizon; h++)
	{
		if (hooks && hooks->tick && (h & 63) == 0)
			hooks->tick(hooks->ctx);
		InferStep(&iw, model, 1);
		out[h] = sf_prep_out(model, iw.next[0], phase + T + h);
		SlideWindows(&iw, model, 1);
	}
}

void
sf_forecast_from(const sf_model *model, const double *series, int64_t phase,
				 int first, int count, int horizon, double *out, void *work,
				 const sf_hooks *hooks)
{
	sf_forecast_from_x(model, series, NULL, phase, first, count, horizon, out,
					   work, hooks);
}

void
sf_forecast_from_x(const sf_model *model, const double *series,
				   const double *exog, int64_t phase, int first, int count,
				   int horizon, double *out, void *work,
				   const sf_hooks *hooks)
{
	int			T = model->arch.window;
	InferWork	iw;

	AttachInfer(&iw, model, SF_INFER_CHUNK, work, hooks);
	for (int start = 0; start < count; start += iw.chunk)
	{
		int			B = count - start < iw.chunk ? count - start : iw.chunk;

		LoadWindows(&iw, model, series, exog, phase, first + start, B);
		for (int h = 0; h < horizon; h++)
		{
			if (hooks && hooks->tick)
				hooks->tick(hooks->ctx);
			InferStep(&iw, model, B);
			for (int b = 0; b < B; b++)
				out[(size_t) (start + b) * horizon + h] =
					sf_prep_out(model, iw.next[b], phase + first + start + b + T + h);
			SlideWindows(&iw, model, B);
		}
	}
}
