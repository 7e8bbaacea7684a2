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
	return SF_OK;
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
		int			in = l == 0 ? 1 : a->hidden;

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
	sf_model_init_params(model, seed);
	model->scale_min = 0.0;
	model->scale_max = 1.0;
}

/* The weights alone, leaving the scaler as it is. */
void
sf_model_init_params(sf_model *model, uint64_t seed)
{
	sf_tensor	t[SF_MAX_TENSORS];
	int			n = sf_tensors(&model->arch, t);
	int			n_rec = 4 * model->arch.layers;
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
			model->params[t[i].offset + k] =
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

size_t
sf_infer_bytes(const sf_arch *arch, int batch)
{
	sf_ws		ws = {NULL, 0};
	sf_net		net;

	sf_net_layout(&net, arch, InferChunk(arch, batch), 0, &ws);
	return ws.used + 64;
}

static sf_real
Scale(const sf_model *m, double v)
{
	return (sf_real) ((v - m->scale_min) / (m->scale_max - m->scale_min));
}

static double
Unscale(const sf_model *m, sf_real v)
{
	return (double) v * (m->scale_max - m->scale_min) + m->scale_min;
}

static void
AttachWork(sf_net *net, const sf_arch *arch, int chunk, void *work)
{
	sf_ws		ws = sf_ws_over(work);

	sf_net_layout(net, arch, chunk, 0, &ws);
}

void
sf_predict_windows(const sf_model *model, const double *series,
				   int n_windows, double *pred, void *work,
				   const sf_hooks *hooks)
{
	const sf_arch *arch = &model->arch;
	int			T = arch->window;
	int			chunk = InferChunk(arch, SF_INFER_CHUNK);
	sf_net		net;

	AttachWork(&net, arch, chunk, work);
	net.hooks = hooks;
	sf_net_prepare(&net, model->params);
	for (int start = 0; start < n_windows; start += chunk)
	{
		int			B = n_windows - start < chunk ? n_windows - start : chunk;

		for (int t = 0; t < T; t++)
			for (int b = 0; b < B; b++)
				net.x0[t * B + b] = Scale(model, series[start + b + t]);
		sf_net_forward(&net, model->params, B, 0.0, NULL);
		for (int b = 0; b < B; b++)
			pred[start + b] = Unscale(model, net.out[b]);
	}
}

/*
 * Recursive multi-step forecast: each prediction becomes the newest input
 * of the next step.  The window slides in scaled units, so values are
 * scaled once.
 */
void
sf_forecast(const sf_model *model, const double *last_window, int horizon,
			double *out, void *work, const sf_hooks *hooks)
{
	const sf_arch *arch = &model->arch;
	int			T = arch->window;
	sf_net		net;

	AttachWork(&net, arch, 1, work);
	net.hooks = hooks;
	sf_net_prepare(&net, model->params);
	for (int t = 0; t < T; t++)
		net.x0[t] = Scale(model, last_window[t]);
	for (int h = 0; h < horizon; h++)
	{
		sf_real		next;

		if (hooks && hooks->tick && (h & 63) == 0)
			hooks->tick(hooks->ctx);
		sf_net_forward(&net, model->params, 1, 0.0, NULL);
		next = net.out[0];
		out[h] = Unscale(model, next);
		memmove(net.x0, net.x0 + 1, sizeof(sf_real) * (T - 1));
		net.x0[T - 1] = next;
	}
}

void
sf_forecast_from(const sf_model *model, const double *series, int first,
				 int count, int horizon, double *out, void *work,
				 const sf_hooks *hooks)
{
	const sf_arch *arch = &model->arch;
	int			T = arch->window;
	int			chunk = InferChunk(arch, SF_INFER_CHUNK);
	sf_net		net;

	AttachWork(&net, arch, chunk, work);
	net.hooks = hooks;
	sf_net_prepare(&net, model->params);
	for (int start = 0; start < count; start += chunk)
	{
		int			B = count - start < chunk ? count - start : chunk;

		for (int t = 0; t < T; t++)
			for (int b = 0; b < B; b++)
				net.x0[t * B + b] = Scale(model, series[first + start + b + t]);
		for (int h = 0; h < horizon; h++)
		{
			if (hooks && hooks->tick)
				hooks->tick(hooks->ctx);
			sf_net_forward(&net, model->params, B, 0.0, NULL);
			for (int b = 0; b < B; b++)
				out[(size_t) (start + b) * horizon + h] = Unscale(model, net.out[b]);
			memmove(net.x0, net.x0 + B, sizeof(sf_real) * (size_t) (T - 1) * B);
			memcpy(net.x0 + (size_t) (T - 1) * B, net.out, sizeof(sf_real) * B);
		}
	}
}
