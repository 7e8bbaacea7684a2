/*
 * sf_agree.c
 *	  Driver of the PyTorch agreement test of seqforecast's numeric core.
 *
 * It builds a network, initializes it from a seed, cuts a deterministic
 * series into mini-batches and runs a few Adam steps through the core's
 * sf_batch_loss and sf_adam_step.  Everything the other side needs to redo the
 * same computation in PyTorch (the initial weights in the interchange format
 * of SPEC.md, the batches, the learning rate) and everything it has to agree
 * with (the initial outputs, the losses before each step, the outputs after
 * the last step) is printed as one JSON object on stdout.  agree.py reads it.
 *
 * Usage: sf_agree KIND LAYERS SEED [HIDDEN [WINDOW [HEAD [INPUTS]]]]
 * where HEAD is a comma-separated list of head sizes ("16,8"; "-" for none)
 * and INPUTS the inputs per time step (default 1): beyond the value, each
 * window step carries INPUTS - 1 covariates of the step after it, as the
 * core's training windows do (sf_core.h, sf_exog).  With INPUTS > 1 every
 * window is printed as [window][inputs].
 *
 * The driver builds with the float core (the default) or with
 * -DSF_REAL=double; floats are printed with enough digits to round-trip.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_core.h"

#define N_BATCHES 10
#define BATCH 32
#define N_STEPS 10
#define LEARNING_RATE 0.01
#define TWO_PI 6.283185307179586

/* Digits that make a printed sf_real read back to the same value. */
#define REAL_FMT (sizeof(sf_real) == sizeof(float) ? "%.9g" : "%.17g")

static void
Die(const char *msg)
{
	fprintf(stderr, "sf_agree: %s\n", msg);
	exit(2);
}

static void *
Alloc(size_t bytes)
{
	void	   *p = malloc(bytes ? bytes : 1);

	if (p == NULL)
		Die("out of memory");
	return p;
}

static int
ParseInt(const char *s, const char *what, int lo, int hi)
{
	char	   *end;
	long		v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
	{
		fprintf(stderr, "sf_agree: %s must be an integer between %d and %d\n",
				what, lo, hi);
		exit(2);
	}
	return (int) v;
}

/*
 * A private generator for the noise (splitmix64), so that the test data does
 * not depend on the core's own generator, which is under test elsewhere.
 */
static uint64_t
SplitMix(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/*
 * A noisy weekly sine with a slower monthly swell, min-max scaled into [0, 1]
 * so that it is already in the units the network sees.
 */
static void
MakeSeries(double *s, int n, uint64_t seed)
{
	uint64_t	st = seed ^ UINT64_C(0x5EEDF00DCAFE1234);
	double		lo = INFINITY,
				hi = -INFINITY;

	for (int t = 0; t < n; t++)
	{
		double		u = (double) (SplitMix(&st) >> 11) / 9007199254740992.0;

		s[t] = 100.0 + 30.0 * sin(TWO_PI * t / 7.0)
			+ 10.0 * sin(TWO_PI * t / 30.5) + 8.0 * (u - 0.5);
		lo = fmin(lo, s[t]);
		hi = fmax(hi, s[t]);
	}
	for (int t = 0; t < n; t++)
		s[t] = (s[t] - lo) / (hi - lo);
}

static void
PrintReals(const sf_real *a, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
	{
		if (i)
			putchar(',');
		printf(REAL_FMT, (double) a[i]);
	}
	putchar(']');
}

/* One window: flat with one input, else one row of inputs per step. */
static void
PrintWindow(const sf_real *a, int window, int inputs)
{
	if (inputs == 1)
	{
		PrintReals(a, (size_t) window);
		return;
	}
	putchar('[');
	for (int t = 0; t < window; t++)
	{
		if (t)
			putchar(',');
		PrintReals(a + (size_t) t * inputs, (size_t) inputs);
	}
	putchar(']');
}

static void
PrintDoubles(const double *a, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
	{
		if (i)
			putchar(',');
		printf("%.17g", a[i]);
	}
	putchar(']');
}

/* The interchange keys of SPEC.md, without the braces around them. */
static void
PrintModel(const sf_model *m)
{
	const sf_arch *a = &m->arch;
	sf_tensor  *t = Alloc(SF_MAX_TENSORS * sizeof(sf_tensor));
	int			nt = sf_tensors(a, t);

	printf("\"kind\":\"%s\",\"window\":%d,\"hidden\":%d,\"layers\":%d,\"inputs\":%d,\"head\":[",
		   sf_kind_name(a->kind), a->window, a->hidden, a->layers,
		   sf_arch_inputs(a));
	for (int i = 0; i < a->n_head; i++)
		printf("%s%d", i ? "," : "", a->head[i]);
	printf("],\"scaler\":{\"min\":%.17g,\"max\":%.17g},\"tensors\":{",
		   m->scale_min, m->scale_max);
	for (int i = 0; i < nt; i++)
	{
		printf("%s\"%s\":{\"shape\":[", i ? "," : "", t[i].name);
		for (int d = 0; d < t[i].ndim; d++)
			printf("%s%d", d ? "," : "", t[i].shape[d]);
		printf("],\"offset\":%zu,\"data\":", t[i].offset);
		PrintReals(m->params + t[i].offset, t[i].size);
		putchar('}');
	}
	putchar('}');
	free(t);
}

int
main(int argc, char **argv)
{
	sf_arch		arch;
	sf_model	m;
	sf_adam		adam;
	int			kind;
	uint64_t	seed;
	size_t		np;
	int			nser;
	double	   *series;
	sf_real    *x,
			   *y,
			   *pred0,
			   *pred,
			   *grad,
			   *grad0,
			   *am,
			   *av;
	double		losses[N_STEPS + 1];
	void	   *work;
	int			I;
	size_t		TI;

	if (argc < 4 || argc > 8)
		Die("usage: sf_agree KIND LAYERS SEED [HIDDEN [WINDOW [HEAD [INPUTS]]]]");

	memset(&arch, 0, sizeof(arch));
	kind = sf_kind_from_name(argv[1]);
	if (kind < 0)
		Die("unknown kind");
	arch.kind = kind;
	arch.layers = ParseInt(argv[2], "layers", 1, SF_MAX_LAYERS);
	seed = (uint64_t) strtoull(argv[3], NULL, 10);
	arch.hidden = argc > 4 ? ParseInt(argv[4], "hidden", 1, SF_MAX_HIDDEN) : 32;
	arch.window = argc > 5 ? ParseInt(argv[5], "window", 1, SF_MAX_WINDOW) : 9;
	if (argc > 6 && strcmp(argv[6], "-") != 0)
	{
		char	   *spec = argv[6];
		char	   *tok;

		for (tok = strtok(spec, ","); tok; tok = strtok(NULL, ","))
		{
			if (arch.n_head == SF_MAX_HEAD)
				Die("too many head layers");
			arch.head[arch.n_head++] = ParseInt(tok, "head size", 1,
												SF_MAX_HEAD_SIZE);
		}
	}
	else if (argc <= 6)
	{
		arch.n_head = 2;
		arch.head[0] = 16;
		arch.head[1] = 8;
	}
	arch.inputs = argc > 7 ? ParseInt(argv[7], "inputs", 1, SF_MAX_INPUTS) : 1;
	if (sf_arch_check(&arch) != SF_OK)
		Die("sf_arch_check refused the architecture");
	I = arch.inputs;
	TI = (size_t) arch.window * I;

	np = sf_param_count(&arch);
	memset(&m, 0, sizeof(m));
	m.arch = arch;
	m.scale_min = 0.0;
	m.scale_max = 1.0;
	m.params = Alloc(np * sizeof(sf_real));
	sf_model_init(&m, seed);

	/*
	 * Ten batches of 32 consecutive windows, in time order; covariate i is
	 * another such series from a seed of its own, read one step ahead.
	 */
	nser = N_BATCHES * BATCH + arch.window;
	series = Alloc((size_t) nser * I * sizeof(double));
	for (int i = 0; i < I; i++)
		MakeSeries(series + (size_t) i * nser, nser, seed + (uint64_t) i * 1000);
	x = Alloc((size_t) N_BATCHES * BATCH * TI * sizeof(sf_real));
	y = Alloc((size_t) N_BATCHES * BATCH * sizeof(sf_real));
	for (int w = 0; w < N_BATCHES * BATCH; w++)
	{
		for (int j = 0; j < arch.window; j++)
		{
			x[(size_t) w * TI + (size_t) j * I] = (sf_real) series[w + j];
			for (int i = 1; i < I; i++)
				x[(size_t) w * TI + (size_t) j * I + i] =
					(sf_real) series[(size_t) i * nser + w + j + 1];
		}
		y[w] = (sf_real) series[w + arch.window];
	}

	pred0 = Alloc(BATCH * sizeof(sf_real));
	pred = Alloc(BATCH * sizeof(sf_real));
	grad = Alloc(np * sizeof(sf_real));
	grad0 = Alloc(np * sizeof(sf_real));
	am = Alloc(np * sizeof(sf_real));
	av = Alloc(np * sizeof(sf_real));
	work = Alloc(sf_batch_bytes(&arch, BATCH));

	/* The model as initialized goes out before any step changes it. */
	printf("{");
	PrintModel(&m);
	printf(",\"lr\":%.17g,\"batch_size\":%d,\"batches\":[", LEARNING_RATE, BATCH);
	for (int b = 0; b < N_BATCHES; b++)
	{
		const sf_real *bx = x + (size_t) b * BATCH * TI;

		printf("%s{\"x\":[", b ? "," : "");
		for (int i = 0; i < BATCH; i++)
		{
			if (i)
				putchar(',');
			PrintWindow(bx + (size_t) i * TI, arch.window, I);
		}
		printf("],\"y\":");
		PrintReals(y + (size_t) b * BATCH, BATCH);
		putchar('}');
	}
	putchar(']');

	/*
	 * Step k+1 takes the gradient on batch k mod 10 and moves the weights;
	 * losses[k] is the loss on batch k mod 10 just before it (losses[10] is
	 * the loss on batch 0 after the last step).
	 */
	sf_adam_init(&adam, LEARNING_RATE, am, av, np);
	for (int k = 0; k <= N_STEPS; k++)
	{
		int			b = k % N_BATCHES;
		const sf_real *bx = x + (size_t) b * BATCH * TI;
		const sf_real *by = y + (size_t) b * BATCH;

		if (k == N_STEPS)
		{
			losses[k] = sf_batch_loss(&m, bx, by, BATCH, pred, NULL, work);
			break;
		}
		losses[k] = sf_batch_loss(&m, bx, by, BATCH, k == 0 ? pred0 : NULL,
								  grad, work);
		if (k == 0)
			memcpy(grad0, grad, np * sizeof(sf_real));
		sf_adam_step(&adam, m.params, grad, np);
	}

	printf(",\"pred0\":");
	PrintReals(pred0, BATCH);
	printf(",\"grad0\":");
	PrintReals(grad0, np);
	printf(",\"losses\":");
	PrintDoubles(losses, N_STEPS + 1);
	printf(",\"pred_after\":");
	PrintReals(pred, BATCH);
	printf(",\"params_after\":");
	PrintReals(m.params, np);
	printf(",\"real_bytes\":%zu}\n", sizeof(sf_real));

	free(work);
	free(av);
	free(am);
	free(grad0);
	free(grad);
	free(pred);
	free(pred0);
	free(y);
	free(x);
	free(series);
	free(m.params);
	return ferror(stdout) ? 1 : 0;
}
