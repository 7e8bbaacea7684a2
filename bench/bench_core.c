/*
 * bench_core.c
 *	  Benchmark driver of seqforecast's numeric core: times sf_train, counts
 *	  its floating-point work, and scores holdout accuracy, with plain malloc
 *	  and no PostgreSQL.
 *
 *	  bench_core train [options]     time sf_train, print the median of --runs
 *	                                 and an FNV-1a hash of each run's params
 *	  bench_core accuracy [options]  holdout R^2 per kind over --seeds A-B
 *	  bench_core scale [options]     one series length (--generate N): time
 *	                                 per training window, sf_train_bytes and
 *	                                 peak RSS beyond the series itself
 *	  bench_core isa                 the instruction sets this binary was
 *	                                 compiled for, those the CPU has, and the
 *	                                 target_clones variant the ifunc resolver
 *	                                 picks (as an offset for nm)
 *	  bench_core kernels [options]   one GRU layer's mini-batch (--hidden,
 *	                                 --window, --batch; one input) kernel by
 *	                                 kernel, median of --runs, as GFLOP/s and
 *	                                 a fraction of the peak
 *	  bench_core gen N               print the generated series as CSV
 *
 * Options: --kind rnn|lstm|gru|all  --hidden H  --window W  --batch B
 *	--epochs E  --lr LR  --test-fraction F  --seed S  --runs N  --seeds A-B
 *	--label NAME  and the series: --csv PATH [--from YYYY-MM-DD] (rows whose
 *	date sorts before --from are skipped) or --generate N.
 *
 * Besides human-readable lines it prints one machine-readable line per figure:
 *	BENCH name=... value=... unit=...
 *
 * FLOPs are nominal matmul work, the same formula as bench/torch_bench.py:
 * per window, a recurrent layer's forward costs 2*T*G*H*(I + H) (G gates: 1
 * rnn, 4 lstm, 3 gru; I input size; T window), the head 2*sum(in*out) over
 * its Linear layers including the output one; backward counts 2x forward, so
 * a training window costs 3x forward; times the training windows per epoch
 * and the epochs.  Element-wise work (activations, biases, Adam) is not
 * counted.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "sf_core.h"
#include "sf_internal.h"
#include "bench_peak.h"

/* The same test sf_internal.h makes before it defines SF_KERNEL as clones. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__ELF__) && !defined(SF_NO_CLONES)
#define BENCH_CLONES 1
#endif

/*
 * The path the core's kernels take in this binary, by the same test as
 * sf_gemm.c's dispatch: the CPU's features in the target_clones build, the
 * compiler's target in a build for one instruction set (this file is
 * compiled with the same -march as the core there).
 */
static int
DispatchedPath(void)
{
#if defined(BENCH_CLONES)
	return bench_path_runs(BENCH_AVX512) ? BENCH_AVX512 :
		bench_path_runs(BENCH_AVX2) ? BENCH_AVX2 : BENCH_BASE;
#elif defined(__AVX512F__)
	return BENCH_AVX512;
#elif defined(__AVX2__) && defined(__FMA__)
	return BENCH_AVX2;
#else
	return BENCH_BASE;
#endif
}

typedef struct Opts
{
	const char *kind;
	int			hidden;
	int			window;
	int			batch;
	int			epochs;
	double		lr;
	double		test_fraction;
	long		seed;
	int			runs;
	int			seed_lo;
	int			seed_hi;
	const char *label;
	const char *csv;
	const char *from;
	int			generate;
} Opts;

static void
Die(const char *msg, const char *arg)
{
	fprintf(stderr, "bench_core: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static void *
Alloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (!p)
		Die("out of memory", NULL);
	return p;
}

static double
Now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
CmpDouble(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
Median(double *v, int n)
{
	qsort(v, n, sizeof(double), CmpDouble);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* FNV-1a (64-bit) over the bytes of the parameters: equal hashes, equal bits. */
static unsigned long long
Fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
	{
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * This process's peak resident set in bytes: VmHWM from /proc/self/status,
 * else getrusage's ru_maxrss (kB on Linux).
 */
static double
PeakRss(void)
{
	FILE	   *f = fopen("/proc/self/status", "r");
	char		line[256];
	struct rusage ru;

	if (f)
	{
		long		kb = -1;

		while (fgets(line, sizeof line, f))
			if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
				break;
		fclose(f);
		if (kb >= 0)
			return kb * 1024.0;
	}
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss * 1024.0;
}

/*
 * splitmix64 of i: a stateless hash, so bench/torch_bench.py can produce the
 * very same series with a few lines of Python.
 */
static unsigned long long
Mix(unsigned long long z)
{
	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * A positive daily series shaped like box-office sales: weekly and yearly
 * seasonality, a slow trend and uniform noise.
 */
static void
Generate(double *v, int n)
{
	const double pi = 3.14159265358979323846;

	for (int i = 0; i < n; i++)
	{
		double		u = (double) (Mix((unsigned long long) i) >> 11) / 9007199254740992.0;

		v[i] = 1000.0 * (10.0 + 3.0 * sin(2 * pi * i / 7.0)
						 + 2.0 * sin(2 * pi * i / 365.25)
						 + 0.0005 * i + 2.0 * (u - 0.5));
	}
}

/* Reads "header\ndate,value\n..." keeping rows whose date is >= from. */
static double *
LoadCsv(const char *path, const char *from, int *n_out)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			cap = 1024,
				n = 0;
	double	   *v;

	if (!f)
		Die("cannot open", path);
	v = Alloc(sizeof(double) * cap);
	if (!fgets(line, sizeof line, f))
		Die("empty file", path);
	while (fgets(line, sizeof line, f))
	{
		char	   *comma = strchr(line, ',');
		char	   *end;
		double		x;

		if (!comma)
			continue;
		*comma = '\0';
		if (from && strcmp(line, from) < 0)
			continue;
		x = strtod(comma + 1, &end);
		if (end == comma + 1)
			Die("bad value in", path);
		if (n == cap)
		{
			cap *= 2;
			v = realloc(v, sizeof(double) * cap);
			if (!v)
				Die("out of memory", NULL);
		}
		v[n++] = x;
	}
	fclose(f);
	*n_out = n;
	return v;
}

static double *
LoadSeries(const Opts *o, int *n, const char **what)
{
	static char buf[600];
	double	   *v;

	if (o->csv)
	{
		v = LoadCsv(o->csv, o->from, n);
		snprintf(buf, sizeof buf, "%s%s%s (%d values)", o->csv,
				 o->from ? " from " : "", o->from ? o->from : "", *n);
	}
	else
	{
		if (o->generate < 2)
			Die("need --csv PATH or --generate N", NULL);
		*n = o->generate;
		v = Alloc(sizeof(double) * *n);
		Generate(v, *n);
		snprintf(buf, sizeof buf, "generated series (%d values)", *n);
	}
	*what = buf;
	return v;
}

static sf_arch
MakeArch(int kind, const Opts *o)
{
	sf_arch		a;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.window = o->window;
	a.hidden = o->hidden;
	a.layers = 1;
	a.n_head = 2;
	a.head[0] = 16;
	a.head[1] = 8;
	if (sf_arch_check(&a) != SF_OK)
		Die("architecture out of range", NULL);
	return a;
}

static sf_train_opts
MakeTrainOpts(const Opts *o, long seed)
{
	sf_train_opts t;

	sf_train_opts_tutorial(&t);
	t.epochs = o->epochs;
	t.batch_size = o->batch;
	t.learning_rate = o->lr;
	t.test_fraction = o->test_fraction;
	t.validation_fraction = 0;
	t.patience = 0;
	t.seed = (uint64_t) seed;
	return t;
}

/* Nominal FLOPs of one window's forward pass; see the file header. */
static double
ForwardFlops(const sf_arch *a)
{
	double		f = 0;
	int			in = 1,
				prev;

	for (int l = 0; l < a->layers; l++)
	{
		f += 2.0 * a->window * sf_kind_gates(a->kind) * a->hidden * (double) (in + a->hidden);
		in = a->hidden;
	}
	prev = a->hidden;
	for (int i = 0; i < a->n_head; i++)
	{
		f += 2.0 * prev * a->head[i];
		prev = a->head[i];
	}
	f += 2.0 * prev * 1;
	return f;
}

static int	Restarts(const sf_train_result *r);

/*
 * One sf_train run; returns its wall seconds, the final epoch's loss and the
 * restarts the core made (dead networks it trained again).
 */
static double
TrainOnce(sf_model *m, const sf_train_opts *t, const double *v, int n,
		  void *work, double *loss, double *final_loss, int *restarts)
{
	sf_train_result r;
	double		t0,
				t1;
	int			rc;

	memset(&r, 0, sizeof r);
	r.loss = loss;
	r.val_loss = NULL;
	t0 = Now();
	rc = sf_train(m, t, v, n, work, &r, NULL);
	t1 = Now();
	if (rc != SF_OK)
		Die("sf_train failed", NULL);
	*final_loss = loss[r.epochs_run - 1];
	*restarts = Restarts(&r);
	return t1 - t0;
}

/*
 * Holdout scores in original units: predictions for the n_test windows that
 * sf_train held out, against the values that follow them.  Sets *constant
 * when the predictions do not vary, the mark of a collapsed network.
 */
static void
Holdout(const sf_model *m, const sf_split *s, const double *v, sf_scores *sc,
		int *constant)
{
	int			first = s->n_train + s->n_val;	/* first held-out window */
	double	   *pred = Alloc(sizeof(double) * s->n_test);
	void	   *iwork = Alloc(sf_infer_bytes(&m->arch, 1, SF_INFER_CHUNK));
	double		pmin,
				pmax;

	sf_predict_windows(m, v + first, 0, s->n_test, pred, iwork, NULL);
	sf_score(v + first + m->arch.window, pred, s->n_test, sc);
	pmin = pmax = pred[0];
	for (int i = 1; i < s->n_test; i++)
	{
		pmin = pred[i] < pmin ? pred[i] : pmin;
		pmax = pred[i] > pmax ? pred[i] : pmax;
	}
	*constant = pmax - pmin <= 1e-6 * fabs(pmax);
	free(iwork);
	free(pred);
}

/* Restarts of the last run, when the core reports them. */
static int
Restarts(const sf_train_result *r)
{
#ifdef SF_MAX_RESTARTS
	return r->restarts;
#else
	(void) r;
	return 0;
#endif
}

static int
KindList(const char *k, int *kinds)
{
	if (strcmp(k, "all") == 0)
	{
		kinds[0] = SF_RNN;
		kinds[1] = SF_LSTM;
		kinds[2] = SF_GRU;
		return 3;
	}
	kinds[0] = sf_kind_from_name(k);
	if (kinds[0] < 0)
		Die("unknown kind", k);
	return 1;
}

static int
CmdTrain(const Opts *o)
{
	int			n,
				kinds[3],
				nk = KindList(o->kind, kinds);
	const char *what;
	double	   *v = LoadSeries(o, &n, &what);

	printf("# core: %s; hidden %d window %d head [16,8] batch %d lr %g epochs %d "
		   "test_fraction %g seed %ld; median of %d runs of sf_train\n",
		   what, o->hidden, o->window, o->batch, o->lr, o->epochs,
		   o->test_fraction, o->seed, o->runs);
	for (int ki = 0; ki < nk; ki++)
	{
		sf_arch		a = MakeArch(kinds[ki], o);
		sf_train_opts t = MakeTrainOpts(o, o->seed);
		sf_split	s;
		sf_model	m;
		void	   *work;
		double	   *loss = Alloc(sizeof(double) * o->epochs);
		double	   *secs = Alloc(sizeof(double) * o->runs);
		unsigned long long hash = 0;
		int			same = 1;
		int			path = DispatchedPath();
		double		peak,
					after,
					fwd,
					flops,
					med,
					lo,
					hi,
					final_loss = NAN;
		sf_scores	sc;
		int			restarts = 0,
					constant;
		const char *kn = sf_kind_name(a.kind);

		if (sf_split_compute(n, a.window, t.test_fraction, 0, &s) != SF_OK)
			Die("series too short for the windows", NULL);
		memset(&m, 0, sizeof m);
		m.arch = a;
		m.params = Alloc(sizeof(sf_real) * sf_param_count(&a));
		work = Alloc(sf_train_bytes(&a, &t, n));
		peak = bench_peak_gflops(path, 0.3, 3);
		for (int r = 0; r < o->runs; r++)
		{
			unsigned long long h;

			secs[r] = TrainOnce(&m, &t, v, n, work, loss, &final_loss, &restarts);
			h = Fnv1a(m.params, sizeof(sf_real) * sf_param_count(&a));
			if (r > 0 && h != hash)
				same = 0;
			hash = h;
		}
		after = bench_peak_gflops(path, 0.3, 3);
		if (after > peak)
			peak = after;
		Holdout(&m, &s, v, &sc, &constant);
		fwd = ForwardFlops(&a);
		flops = 3.0 * fwd * s.n_train * o->epochs;
		med = Median(secs, o->runs);
		lo = secs[0];
		hi = secs[o->runs - 1];
		printf("core %-9s %-4s n_train %6d  median %9.4f s  (min %.4f, max %.4f)  "
			   "%10.4g FLOP  %7.3f GFLOP/s  final loss %.5f, holdout r2 %.4f, restarts %d%s\n",
			   o->label, kn, s.n_train, med, lo, hi, flops, flops / med * 1e-9,
			   final_loss, sc.r2, restarts, constant ? ", CONSTANT predictions" : "");
		printf("BENCH name=core.%s.%s.seconds value=%.6f unit=s\n", o->label, kn, med);
		printf("BENCH name=core.%s.%s.flop value=%.6g unit=FLOP\n", o->label, kn, flops);
		printf("BENCH name=core.%s.%s.gflops value=%.4f unit=GFLOP/s\n", o->label, kn,
			   flops / med * 1e-9);
		printf("peak %-9s %-4s %s path %.3f GFLOP/s (best of bench_peak before and after "
			   "the runs): %.1f%% of peak\n", o->label, kn, bench_path_name(path), peak,
			   100 * flops / med * 1e-9 / peak);
		printf("BENCH name=core.%s.%s.peak_gflops value=%.4f unit=GFLOP/s\n", o->label, kn, peak);
		printf("BENCH name=core.%s.%s.peak_fraction value=%.4f unit=fraction\n", o->label, kn,
			   flops / med * 1e-9 / peak);
		printf("params %-9s %-4s fnv1a %016llx  (%zu floats; %s)\n", o->label, kn, hash,
			   sf_param_count(&a), o->runs == 1 ? "1 run" :
			   same ? "identical in every run of this process" : "RUNS DIFFER in this process");
		printf("BENCH name=core.%s.%s.params_fnv1a value=%016llx unit=hash\n", o->label, kn, hash);
		printf("BENCH name=core.%s.%s.params_identical value=%d unit=bool\n", o->label, kn, same);
		printf("BENCH name=core.%s.%s.restarts value=%d unit=count\n", o->label, kn, restarts);
		printf("BENCH name=core.%s.%s.n_train value=%d unit=windows\n", o->label, kn, s.n_train);
		fflush(stdout);
		if (!isfinite(final_loss))
			fprintf(stderr, "bench_core: warning: %s final loss is not finite\n", kn);
		free(work);
		free(m.params);
		free(loss);
		free(secs);
	}
	free(v);
	return 0;
}

/*
 * The recipe's holdout R^2: train with seed s, predict the last n_test
 * windows (those sf_train held out) and score them in original units.
 */
static int
CmdAccuracy(const Opts *o)
{
	int			n,
				kinds[3],
				nk = KindList(o->kind, kinds);
	const char *what;
	double	   *v = LoadSeries(o, &n, &what);

	printf("# core accuracy: %s; hidden %d window %d head [16,8] batch %d lr %g "
		   "epochs %d test_fraction %g; seeds %d..%d\n",
		   what, o->hidden, o->window, o->batch, o->lr, o->epochs,
		   o->test_fraction, o->seed_lo, o->seed_hi);
	for (int ki = 0; ki < nk; ki++)
	{
		sf_arch		a = MakeArch(kinds[ki], o);
		sf_train_opts t = MakeTrainOpts(o, 0);
		sf_split	s;
		sf_model	m;
		void	   *work;
		double	   *loss = Alloc(sizeof(double) * o->epochs);
		double		sum = 0,
					final_loss;
		const char *kn = sf_kind_name(a.kind);

		if (sf_split_compute(n, a.window, t.test_fraction, 0, &s) != SF_OK)
			Die("series too short for the windows", NULL);
		if (s.n_test < 2)
			Die("no holdout to score", NULL);
		memset(&m, 0, sizeof m);
		m.arch = a;
		m.params = Alloc(sizeof(sf_real) * sf_param_count(&a));
		work = Alloc(sf_train_bytes(&a, &t, n));
		for (int seed = o->seed_lo; seed <= o->seed_hi; seed++)
		{
			sf_scores	sc;
			int			restarts,
						constant;

			t.seed = (uint64_t) seed;
			TrainOnce(&m, &t, v, n, work, loss, &final_loss, &restarts);
			Holdout(&m, &s, v, &sc, &constant);
			printf("accuracy ours  %-4s seed %2d  r2 %8.4f  (n_test %d, rmse %.4g, final loss %.5f, restarts %d%s)\n",
				   kn, seed, sc.r2, sc.n, sc.rmse, final_loss, restarts,
				   constant ? "; CONSTANT predictions: collapsed" : "");
			printf("BENCH name=accuracy.ours.%s.seed%d.r2 value=%.6f unit=r2\n",
				   kn, seed, sc.r2);
			sum += sc.r2;
		}
		printf("accuracy ours  %-4s mean r2 %.4f over seeds %d..%d\n", kn,
			   sum / (o->seed_hi - o->seed_lo + 1), o->seed_lo, o->seed_hi);
		printf("BENCH name=accuracy.ours.%s.mean_r2 value=%.6f unit=r2\n", kn,
			   sum / (o->seed_hi - o->seed_lo + 1));
		fflush(stdout);
		free(work);
		free(m.params);
		free(loss);
	}
	free(v);
	return 0;
}

/*
 * One series length: --runs trainings of --epochs epochs (one, for the
 * scale figure), the median time per training window, the work area
 * sf_train_bytes asks for, and the peak RSS beyond the series: measured
 * before the series exists, after it is generated, and after training.  Run
 * it once per length, in its own process, since the peak never comes down.
 */
static int
CmdScale(const Opts *o)
{
	double		rss0 = PeakRss(),
				rss1,
				rss2;
	int			n,
				kinds[3];
	const char *what;
	double	   *v;
	sf_arch		a;
	sf_train_opts t;
	sf_split	s;
	sf_model	m;
	void	   *work;
	double	   *loss = Alloc(sizeof(double) * o->epochs);
	double	   *secs = Alloc(sizeof(double) * o->runs);
	double		final_loss,
				med,
				series_bytes,
				per_k,
				per_attempt;
	size_t		wbytes;
	int			restarts;
	const char *kn;

	if (KindList(o->kind, kinds) != 1)
		Die("scale wants one --kind", NULL);
	v = LoadSeries(o, &n, &what);
	rss1 = PeakRss();
	a = MakeArch(kinds[0], o);
	t = MakeTrainOpts(o, o->seed);
	kn = sf_kind_name(a.kind);
	if (sf_split_compute(n, a.window, t.test_fraction, 0, &s) != SF_OK)
		Die("series too short for the windows", NULL);
	memset(&m, 0, sizeof m);
	m.arch = a;
	m.params = Alloc(sizeof(sf_real) * sf_param_count(&a));
	wbytes = sf_train_bytes(&a, &t, n);
	work = Alloc(wbytes);
	for (int r = 0; r < o->runs; r++)
		secs[r] = TrainOnce(&m, &t, v, n, work, loss, &final_loss, &restarts);
	rss2 = PeakRss();
	med = Median(secs, o->runs);
	series_bytes = sizeof(double) * (double) n;
	per_k = med / s.n_train * 1000.0;
	/* restarts are deterministic (the seed decides), so every run made them */
	per_attempt = per_k / (restarts + 1);
	printf("scale %-4s n %8d  n_train %8d  median %8.4f s (min %.4f, max %.4f)  %.5f s per 1k windows, "
		   "%.5f per attempt  final loss %.5f, restarts %d  sf_train_bytes %zu (%.2f MB; beyond 4 B/value: %.0f B)  peak RSS %.1f MB: %.1f MB at start, "
		   "+%.1f MB series (%.0f bytes), +%.1f MB training; beyond the series %.2f MB\n",
		   kn, n, s.n_train, med, secs[0], secs[o->runs - 1], per_k, per_attempt, final_loss, restarts,
		   wbytes, wbytes / 1048576.0, (double) wbytes - 4.0 * n,
		   rss2 / 1048576.0, rss0 / 1048576.0, (rss1 - rss0) / 1048576.0, series_bytes,
		   (rss2 - rss1) / 1048576.0, (rss2 - rss0 - series_bytes) / 1048576.0);
	printf("BENCH name=scale.%s.n%d.seconds value=%.6f unit=s\n", kn, n, med);
	printf("BENCH name=scale.%s.n%d.s_per_1k_windows value=%.6f unit=s\n", kn, n, per_k);
	printf("BENCH name=scale.%s.n%d.s_per_1k_windows_per_attempt value=%.6f unit=s\n", kn, n, per_attempt);
	printf("BENCH name=scale.%s.n%d.restarts value=%d unit=count\n", kn, n, restarts);
	printf("BENCH name=scale.%s.n%d.n_train value=%d unit=windows\n", kn, n, s.n_train);
	printf("BENCH name=scale.%s.n%d.train_bytes value=%zu unit=B\n", kn, n, wbytes);
	printf("BENCH name=scale.%s.n%d.peak_rss_beyond_series value=%.0f unit=B\n", kn, n,
		   rss2 - rss0 - series_bytes);
	printf("BENCH name=scale.%s.n%d.peak_rss value=%.0f unit=B\n", kn, n, rss2);
	fflush(stdout);
	free(work);
	free(m.params);
	free(loss);
	free(secs);
	free(v);
	return 0;
}

/* Floats of pseudo-random values in [-0.1, 0.1), deterministic. */
static float *
KernelBuf(size_t n)
{
	float	   *p = Alloc(sizeof(float) * n);

	for (size_t i = 0; i < n; i++)
		p[i] = ((float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f) * 0.2f;
	return p;
}

#define KERNEL_PARTS 7

/*
 * Where one training mini-batch of a one-input GRU layer spends its time,
 * kernel by kernel, each called as sf_net_forward and sf_net_backward call
 * it, on buffers of the training's sizes (random values, so no training):
 * the forward over the window (sf_gru_forward, with the input projection
 * made in the cell), then its T - 1 hidden products alone (B x 3H x H); the
 * backward (sf_gru_backward), then its T - 1 products into dh alone (B x H
 * x 3H); the recurrent weights' gradient (3H x H x B*S, in slices of S steps
 * as sf_net_backward makes them); the input weights' one-column gradient;
 * the bias gradients' column sums.  Median and minimum of --runs per part,
 * GFLOP/s of the medians (2 FLOPs per multiply-add of the matrix products)
 * and the fraction of the peak measured after the runs.  The forward and
 * backward lines minus their products' lines are the cells' own work.
 */
static int
CmdKernels(const Opts *o)
{
	int			B = o->batch,
				H = o->hidden,
				T = o->window,
				GH = 3 * H,
				runs = o->runs,
				path = DispatchedPath();
	size_t		BH = (size_t) B * H;
	double		per_step = 2.0 * B * GH * (H + 1),
				S0 = 64e6 / per_step;
	int			S = S0 < 1 ? 1 : S0 > T ? T : (int) S0;
	sf_layer_buf L;
	float	   *x = KernelBuf((size_t) T * B),
			   *wt_ih = KernelBuf(GH),
			   *b_ih = KernelBuf(GH),
			   *wt_hh = KernelBuf((size_t) H * GH),
			   *w_hh = KernelBuf((size_t) H * GH),
			   *b_hh = KernelBuf(GH),
			   *g_hh = KernelBuf((size_t) GH * H),
			   *g_ih = KernelBuf(GH),
			   *g_b = KernelBuf(GH),
			   *dhlast = KernelBuf(BH);
	double	   *secs[KERNEL_PARTS];
	double		mm = 2.0 * (T - 1) * B * GH * H,
				flop[KERNEL_PARTS] = {mm, mm, mm, mm, 2.0 * GH * H * T * B,
				2.0 * GH * T * B, 0},
				total = 0,
				peak;
	static const char *const name[KERNEL_PARTS] = {
		"forward (cell and products)", "  its hidden products alone",
		"backward (cell and products)", "  its products into dh alone",
		"recurrent weight gradient", "input weight gradient (1 column)",
		"bias gradients (column sums)"};

	if (H > SF_MAX_HIDDEN || T < 2)
		Die("kernels wants --hidden at most SF_MAX_HIDDEN and --window at least 2", NULL);
	memset(&L, 0, sizeof L);
	L.X = x;
	L.Hs = KernelBuf((size_t) (T + 1) * BH);
	L.A = KernelBuf((size_t) T * BH * 3);
	L.HN = KernelBuf((size_t) T * BH);
	L.hw = KernelBuf(BH * 3);
	L.dXW = KernelBuf((size_t) T * BH * 3);
	L.dHW = KernelBuf((size_t) T * BH * 3);
	L.dh = KernelBuf(BH);
	memset(L.Hs, 0, sizeof(float) * BH);
	for (int p = 0; p < KERNEL_PARTS; p++)
		secs[p] = Alloc(sizeof(double) * runs);
	printf("# kernels: one GRU layer, hidden %d window %d batch %d, 1 input; weight "
		   "gradients in slices of %d steps; median of %d runs per part\n", H, T, B, S, runs);
	for (int r = 0; r < runs; r++)
	{
		double		t[KERNEL_PARTS + 1];

		t[0] = Now();
		sf_gru_forward(&L, wt_ih, b_ih, 1, wt_hh, b_hh, T, B, H);
		t[1] = Now();
		for (int s = 1; s < T; s++)
			sf_gemm_nn_bias(B, GH, H, L.Hs + s * BH, H, wt_hh, GH, b_hh, L.hw, GH);
		t[2] = Now();
		sf_gru_backward(&L, w_hh, NULL, dhlast, T, B, H);
		t[3] = Now();
		for (int s = T - 1; s > 0; s--)
			sf_gemm_nn(B, H, GH, L.dHW + s * BH * 3, GH, w_hh, H, L.dh, H, 1);
		t[4] = Now();
		for (int t0 = 0; t0 < T; t0 += S)
		{
			int			n = T - t0 < S ? T - t0 : S;

			sf_gemm_tn(GH, H, n * B, L.dHW + t0 * BH * 3, GH, L.Hs + t0 * BH, H, g_hh, H);
		}
		t[5] = Now();
		for (int t0 = 0; t0 < T; t0 += S)
		{
			int			n = T - t0 < S ? T - t0 : S;

			sf_gemm_tn(2 * H, 1, n * B, L.dHW + t0 * BH * 3, GH, x + (size_t) t0 * B, 1, g_ih, 1);
			sf_gemm_tn(H, 1, n * B, L.dXW + t0 * BH * 3 + 2 * H, GH, x + (size_t) t0 * B, 1,
					   g_ih + 2 * H, 1);
		}
		t[6] = Now();
		sf_colsum_add(T * B, GH, L.dHW, g_b);
		sf_colsum_add_ld(T * B, H, L.dXW + 2 * H, GH, g_b + 2 * H);
		t[7] = Now();
		for (int p = 0; p < KERNEL_PARTS; p++)
			secs[p][r] = t[p + 1] - t[p];
	}
	peak = bench_peak_gflops(path, 0.3, 3);
	for (int p = 0; p < KERNEL_PARTS; p++)
	{
		double		med = Median(secs[p], runs),
					g = flop[p] / med * 1e-9;

		if (p != 1 && p != 3)
			total += med;
		if (flop[p] > 0)
			printf("kernel %-34s median %9.1f us  (min %9.1f)  %7.1f GFLOP/s  %5.1f%% of peak\n",
				   name[p], med * 1e6, secs[p][0] * 1e6, g, 100 * g / peak);
		else
			printf("kernel %-34s median %9.1f us  (min %9.1f)\n", name[p], med * 1e6,
				   secs[p][0] * 1e6);
		printf("BENCH name=kernels.h%d.part%d.seconds value=%.8f unit=s\n", H, p, med);
	}
	printf("kernel %-34s median %9.1f us per mini-batch (the parts but the products alone)\n",
		   "total", total * 1e6);
	printf("peak %s path %.3f GFLOP/s (bench_peak after the runs)\n", bench_path_name(path), peak);
	printf("BENCH name=kernels.h%d.peak_gflops value=%.4f unit=GFLOP/s\n", H, peak);
	return 0;
}

#ifdef BENCH_CLONES
/* GCC's resolver of a target_clones function: returns the chosen clone. */
extern void *sf_adam_step_resolver(void) __asm__("sf_adam_step.resolver");
extern char __executable_start;
#endif

/* What this binary was compiled for and what the CPU offers. */
static int
CmdIsa(void)
{
	const char *built =
#if defined(__AVX512F__)
		"x86-64-v4 (AVX-512)";
#elif defined(__AVX2__) && defined(__FMA__)
		"x86-64-v3 (AVX2+FMA)";
#elif defined(__x86_64__)
		"baseline x86-64 (SSE2)";
#else
		"not x86-64";
#endif

#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	printf("isa cpu supports: avx512f %s, avx2 %s, fma %s\n",
		   __builtin_cpu_supports("avx512f") ? "yes" : "no",
		   __builtin_cpu_supports("avx2") ? "yes" : "no",
		   __builtin_cpu_supports("fma") ? "yes" : "no");
#endif
#ifdef BENCH_CLONES
	printf("isa build: target_clones x86-64-v4, x86-64-v3, default; the rest of the code for %s\n", built);
	printf("isa resolved sf_adam_step at offset %#lx\n",
		   (unsigned long) ((char *) sf_adam_step_resolver() - &__executable_start));
#else
	printf("isa build: no clones (SF_NO_CLONES or not GCC/x86-64/ELF); everything for %s\n", built);
#endif
	return 0;
}

/*
 * Every path's FMA peak (0 for one the CPU lacks) and the dispatched one,
 * best of runs timings of 0.2 s each.
 */
static int
CmdPeak(int runs)
{
	int			path = DispatchedPath();

	for (int p = 0; p < BENCH_PATHS; p++)
	{
		double		g = bench_peak_gflops(p, 0.2 * runs, runs);

		if (g > 0)
			printf("peak %-6s %9.3f GFLOP/s%s\n", bench_path_name(p), g,
				   p == path ? "  (the path this binary's kernels take)" : "");
		else
			printf("peak %-6s       n/a  (the CPU lacks it)\n", bench_path_name(p));
		printf("BENCH name=peak.%s.gflops value=%.4f unit=GFLOP/s\n", bench_path_name(p), g);
	}
	printf("BENCH name=peak.dispatched value=%s unit=path\n", bench_path_name(path));
	return 0;
}

static int
CmdGen(int n)
{
	double	   *v;

	if (n < 2 || n > SF_MAX_SERIES)
		Die("bad length", NULL);
	v = Alloc(sizeof(double) * n);
	Generate(v, n);
	printf("i,value\n");
	for (int i = 0; i < n; i++)
		printf("%d,%.17g\n", i, v[i]);
	free(v);
	return 0;
}

static int
IntArg(const char *s)
{
	char	   *end;
	long		x = strtol(s, &end, 10);

	if (*end || end == s)
		Die("not an integer", s);
	return (int) x;
}

static double
RealArg(const char *s)
{
	char	   *end;
	double		x = strtod(s, &end);

	if (*end || end == s)
		Die("not a number", s);
	return x;
}

int
main(int argc, char **argv)
{
	Opts		o = {"all", 32, 9, 32, 100, 0.01, 0.15, 42, 5, 1, 5,
	"run", NULL, NULL, 0};
	const char *cmd;

	if (argc < 2)
		Die("usage: bench_core train|accuracy|scale|kernels|isa|peak|gen [options]", NULL);
	cmd = argv[1];
	if (strcmp(cmd, "gen") == 0)
	{
		if (argc != 3)
			Die("usage: bench_core gen N", NULL);
		return CmdGen(IntArg(argv[2]));
	}
	if (strcmp(cmd, "isa") == 0)
		return CmdIsa();
	if (strcmp(cmd, "peak") == 0)
		return CmdPeak(argc == 4 && !strcmp(argv[2], "--runs") ? IntArg(argv[3]) : 5);
	for (int i = 2; i < argc; i++)
	{
		const char *k = argv[i],
				   *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			Die("missing value for", k);
		i++;
		if (!strcmp(k, "--kind"))
			o.kind = val;
		else if (!strcmp(k, "--hidden"))
			o.hidden = IntArg(val);
		else if (!strcmp(k, "--window"))
			o.window = IntArg(val);
		else if (!strcmp(k, "--batch"))
			o.batch = IntArg(val);
		else if (!strcmp(k, "--epochs"))
			o.epochs = IntArg(val);
		else if (!strcmp(k, "--lr"))
			o.lr = RealArg(val);
		else if (!strcmp(k, "--test-fraction"))
			o.test_fraction = RealArg(val);
		else if (!strcmp(k, "--seed"))
			o.seed = IntArg(val);
		else if (!strcmp(k, "--runs"))
			o.runs = IntArg(val);
		else if (!strcmp(k, "--seeds"))
		{
			if (sscanf(val, "%d-%d", &o.seed_lo, &o.seed_hi) != 2 || o.seed_lo > o.seed_hi)
				Die("--seeds wants A-B", val);
		}
		else if (!strcmp(k, "--label"))
			o.label = val;
		else if (!strcmp(k, "--csv"))
			o.csv = val;
		else if (!strcmp(k, "--from"))
			o.from = val;
		else if (!strcmp(k, "--generate"))
			o.generate = IntArg(val);
		else
			Die("unknown option", k);
	}
	if (o.runs < 1 || o.epochs < 1)
		Die("--runs and --epochs must be at least 1", NULL);
	if (!strcmp(cmd, "train"))
		return CmdTrain(&o);
	if (!strcmp(cmd, "accuracy"))
		return CmdAccuracy(&o);
	if (!strcmp(cmd, "scale"))
		return CmdScale(&o);
	if (!strcmp(cmd, "kernels"))
		return CmdKernels(&o);
	Die("unknown command", cmd);
	return 2;
}
