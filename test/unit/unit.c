/*
 * unit.c
 *	  The harness and shared helpers of the core's unit tests.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static int	n_passed;
static int	n_failed;

void
uc_begin(unit_case *c, const char *fmt,...)
{
	va_list		ap;

	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
}

/* Only the first failure's detail is kept: it is usually the informative one. */
void
uc_fail(unit_case *c, const char *fmt,...)
{
	va_list		ap;

	/* UNIT_VERBOSE=1 in the environment prints every failed check. */
	if (getenv("UNIT_VERBOSE") != NULL)
	{
		va_start(ap, fmt);
		printf("#   %s: ", c->name);
		vprintf(fmt, ap);
		printf("\n");
		va_end(ap);
	}
	if (c->failures++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void
uc_note(unit_case *c, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
}

void
uc_end(unit_case *c)
{
	if (c->failures == 0)
	{
		n_passed++;
		if (c->note[0])
			printf("ok - %s (%s)\n", c->name, c->note);
		else
			printf("ok - %s\n", c->name);
	}
	else
	{
		n_failed++;
		if (c->failures > 1)
			printf("not ok - %s: %s (and %d more failed checks)\n",
				   c->name, c->detail, c->failures - 1);
		else
			printf("not ok - %s: %s\n", c->name, c->detail);
	}
	/* Flush per line so that a crash later still shows what ran. */
	fflush(stdout);
}

int
uc_quick(void)
{
	const char *v = getenv("SF_UNIT_QUICK");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

int
unit_summary(void)
{
	printf("# %d passed, %d failed in this binary\n", n_passed, n_failed);
	fflush(stdout);
	return n_failed > 0 ? 1 : 0;
}

double
rel_diff(double a, double b, double floor)
{
	double		d = fabs(a - b);
	double		m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	if (m < floor)
		m = floor;
	if (isnan(a) || isnan(b))
		return INFINITY;
	return d / m;
}

double
urand(unit_rng *r)
{
	uint64_t	z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	z = z ^ (z >> 31);
	return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

double
urange(unit_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * urand(r);
}

sf_arch
make_arch(int kind, int window, int hidden, int layers, int n_head,
		  const int *head)
{
	sf_arch		a;
	int			j;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.window = window;
	a.hidden = hidden;
	a.layers = layers;
	a.n_head = n_head;
	for (j = 0; j < n_head && j < SF_MAX_HEAD; j++)
		a.head[j] = head[j];
	return a;
}

const char *
arch_label(const sf_arch *arch, char *buf, size_t len)
{
	static const char *const kinds[] = {"rnn", "lstm", "gru"};
	size_t		used;
	int			j;

	used = (size_t) snprintf(buf, len, "%s w%d h%d L%d ",
							 (arch->kind >= 0 && arch->kind <= 2) ?
							 kinds[arch->kind] : "?",
							 arch->window, arch->hidden, arch->layers);
	if (arch->inputs > 1 && used < len)
		used += (size_t) snprintf(buf + used, len - used, "in%d ", arch->inputs);
	if (used < len)
		used += (size_t) snprintf(buf + used, len - used, "head[");
	for (j = 0; j < arch->n_head && used < len; j++)
		used += (size_t) snprintf(buf + used, len - used, "%s%d",
								  j ? "," : "", arch->head[j]);
	if (used < len)
		snprintf(buf + used, len - used, "]");
	return buf;
}

void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		printf("not ok - out of memory allocating %zu bytes\n", n);
		fflush(stdout);
		exit(2);
	}
	return p;
}

static double
sigmoid(double v)
{
	return 1.0 / (1.0 + exp(-v));
}

/*
 * Written from PyTorch's documentation of nn.RNN, nn.LSTM, nn.GRU and
 * nn.Linear, walking the parameters in state_dict order, so that it shares
 * nothing with the core but the layout contract.
 */
double
ref_forward(const sf_arch *arch, const sf_real *params, const double *x,
			double *min_relu)
{
	int			H = arch->hidden;
	int			T = arch->window;
	int			G = arch->kind == SF_LSTM ? 4 : arch->kind == SF_GRU ? 3 : 1;
	const sf_real *p = params;
	int			I = sf_arch_inputs(arch);
	double	   *seq_in = xmalloc(sizeof(double) * (size_t) T * (size_t) (H > I ? H : I));
	double	   *seq_out = xmalloc(sizeof(double) * (size_t) T * (size_t) H);
	double	   *h = xmalloc(sizeof(double) * (size_t) H);
	double	   *c = xmalloc(sizeof(double) * (size_t) H);
	double	   *gi = xmalloc(sizeof(double) * (size_t) (G * H));
	double	   *gh = xmalloc(sizeof(double) * (size_t) (G * H));
	int			maxw = H;
	double	   *a;
	double	   *z;
	double		out;
	int			in_size = I;
	int			l,
				t,
				r,
				k,
				j;

	for (j = 0; j < arch->n_head; j++)
		if (arch->head[j] > maxw)
			maxw = arch->head[j];
	a = xmalloc(sizeof(double) * (size_t) maxw);
	z = xmalloc(sizeof(double) * (size_t) maxw);
	if (min_relu)
		*min_relu = INFINITY;

	for (t = 0; t < T * I; t++)
		seq_in[t] = x[t];

	for (l = 0; l < arch->layers; l++)
	{
		const sf_real *w_ih = p;
		const sf_real *w_hh = w_ih + (size_t) G * H * in_size;
		const sf_real *b_ih = w_hh + (size_t) G * H * H;
		const sf_real *b_hh = b_ih + (size_t) G * H;

		p = b_hh + (size_t) G * H;
		for (k = 0; k < H; k++)
			h[k] = c[k] = 0.0;
		for (t = 0; t < T; t++)
		{
			const double *xt = seq_in + (size_t) t * in_size;

			for (r = 0; r < G * H; r++)
			{
				double		si = b_ih[r];
				double		sh = b_hh[r];

				for (k = 0; k < in_size; k++)
					si += (double) w_ih[(size_t) r * in_size + k] * xt[k];
				for (k = 0; k < H; k++)
					sh += (double) w_hh[(size_t) r * H + k] * h[k];
				gi[r] = si;
				gh[r] = sh;
			}
			for (k = 0; k < H; k++)
			{
				if (arch->kind == SF_RNN)
					h[k] = tanh(gi[k] + gh[k]);
				else if (arch->kind == SF_LSTM)
				{
					double		ig = sigmoid(gi[k] + gh[k]);
					double		fg = sigmoid(gi[H + k] + gh[H + k]);
					double		gg = tanh(gi[2 * H + k] + gh[2 * H + k]);
					double		og = sigmoid(gi[3 * H + k] + gh[3 * H + k]);

					c[k] = fg * c[k] + ig * gg;
					h[k] = og * tanh(c[k]);
				}
				else
				{
					double		rg = sigmoid(gi[k] + gh[k]);
					double		zg = sigmoid(gi[H + k] + gh[H + k]);
					double		ng = tanh(gi[2 * H + k] + rg * gh[2 * H + k]);

					h[k] = (1.0 - zg) * ng + zg * h[k];
				}
			}
			for (k = 0; k < H; k++)
				seq_out[(size_t) t * H + k] = h[k];
		}
		memcpy(seq_in, seq_out, sizeof(double) * (size_t) T * (size_t) H);
		in_size = H;
	}

	/* The head reads the top layer's last time step. */
	for (k = 0; k < H; k++)
		a[k] = seq_in[(size_t) (T - 1) * H + k];
	in_size = H;
	for (j = 0; j < arch->n_head; j++)
	{
		int			n = arch->head[j];
		const sf_real *w = p;
		const sf_real *b = w + (size_t) n * in_size;

		p = b + n;
		for (r = 0; r < n; r++)
		{
			double		s = b[r];

			for (k = 0; k < in_size; k++)
				s += (double) w[(size_t) r * in_size + k] * a[k];
			z[r] = s;
			if (min_relu && fabs(s) < *min_relu)
				*min_relu = fabs(s);
		}
		for (r = 0; r < n; r++)
			a[r] = z[r] > 0.0 ? z[r] : 0.0;
		in_size = n;
	}
	out = p[in_size];
	for (k = 0; k < in_size; k++)
		out += (double) p[k] * a[k];

	free(seq_in);
	free(seq_out);
	free(h);
	free(c);
	free(gi);
	free(gh);
	free(a);
	free(z);
	return out;
}
