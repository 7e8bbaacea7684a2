/*
 * sf_train.c
 *	  The data pipeline and training loop: windows, chronological split, the
 *	  transform fitted on the training inputs (sf_prep.c), time-ordered
 *	  mini-batches, Adam, early stopping that keeps the best weights, restarts
 *	  of dead networks, and ensembles of networks from derived seeds.
 */
#include <math.h>
#include <string.h>

#include "sf_internal.h"

/* Everything the training loop needs besides the model's own params. */
typedef struct TrainWork
{
	sf_net		net;
	const sf_model *model;		/* its transform gives each window's level */
	double	   *z;				/* [n_values] in the transform's units */
	sf_real    *xs;				/* [n_values][n_exog] scaled exog, or NULL */
	void	   *prep_work;		/* for sf_prep_fit */
	sf_real    *grad;
	sf_real    *adam_m;
	sf_real    *adam_v;
	sf_real    *best;			/* best params so far (early stopping) */
	double	   *loss;			/* [epochs] one member's training loss */
	double	   *val;			/* [epochs] its validation loss */
	int		   *ran;			/* [epochs] members that ran each epoch */
	double	   *wz;				/* [batch_size][window] rolled windows, or
								 * NULL without opts->rollout */
	double	   *wlevel;			/* [batch_size] their levels, or NULL */
} TrainWork;

void
sf_train_opts_tutorial(sf_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->prep.norm = SF_NORM_MINMAX;
	o->prep.deseasonalize = SF_DESEASON_NONE;
	o->prep.window = 9;
	o->ensemble = 1;
	o->min_epochs = 0;
	o->smooth = 1.0;
	o->dropout = 0;
	o->epochs = 100;
	o->batch_size = 32;
	o->learning_rate = 0.01;
	o->test_fraction = 0.15;
	o->validation_fraction = 0;
	o->patience = 0;
	o->seed = 42;
}

/* ceil() that does not turn 0.15 * 20 = 3.0000000000000004 into 4. */
static int
CeilCount(double fraction, int n)
{
	return (int) ceil(fraction * n - 1e-9);
}

int
sf_split_compute(int n_values, int window, double test_fraction,
				 double validation_fraction, sf_split *split)
{
	memset(split, 0, sizeof(*split));
	if (!(test_fraction >= 0 && test_fraction < 1) ||
		!(validation_fraction >= 0 && validation_fraction < 1) || window < 1)
		return SF_EINVAL;
	split->n_windows = n_values - window;
	if (split->n_windows < 1)
		return SF_ESHORT;
	split->n_test = CeilCount(test_fraction, split->n_windows);
	split->n_val = CeilCount(validation_fraction,
							 split->n_windows - split->n_test);
	split->n_train = split->n_windows - split->n_test - split->n_val;
	if (split->n_train < 1)
		return SF_ESHORT;
	return SF_OK;
}

static void
LayoutTrain(TrainWork *tw, const sf_arch *arch, const sf_train_opts *opts,
			int n_values, sf_ws *ws)
{
	size_t		n_params = sf_param_count(arch);

	sf_net_layout(&tw->net, arch, opts->batch_size, 1, ws);
	tw->z = sf_ws_take(ws, (size_t) n_values, sizeof(double));
	tw->xs = sf_arch_inputs(arch) > 1 ?
		SF_TAKE(ws, (size_t) n_values * (sf_arch_inputs(arch) - 1)) : NULL;
	tw->prep_work = sf_ws_take(ws, sf_prep_fit_bytes(n_values), 1);
	tw->grad = SF_TAKE(ws, n_params);
	tw->adam_m = SF_TAKE(ws, n_params);
	tw->adam_v = SF_TAKE(ws, n_params);
	tw->best = opts->patience > 0 ? SF_TAKE(ws, n_params) : NULL;
	tw->loss = sf_ws_take(ws, (size_t) opts->epochs, sizeof(double));
	tw->val = sf_ws_take(ws, (size_t) opts->epochs, sizeof(double));
	tw->ran = sf_ws_take(ws, (size_t) opts->epochs, sizeof(int));
	tw->wz = opts->rollout > 0 ?
		sf_ws_take(ws, (size_t) opts->batch_size * arch->window, sizeof(double)) :
		NULL;
	tw->wlevel = opts->rollout > 0 ?
		sf_ws_take(ws, (size_t) opts->batch_size, sizeof(double)) : NULL;
}

size_t
sf_train_bytes(const sf_arch *arch, const sf_train_opts *opts, int n_values)
{
	sf_ws		ws = {NULL, 0};
	TrainWork	tw;

	LayoutTrain(&tw, arch, opts, n_values, &ws);
	return ws.used + 64;
}

static void
AttachTrain(TrainWork *tw, const sf_arch *arch, const sf_train_opts *opts,
			int n_values, void *work)
{
	sf_ws		ws = sf_ws_over(work);

	LayoutTrain(tw, arch, opts, n_values, &ws);
}

/*
 * Copy B windows starting at window `first` into the net's input buffers,
 * each with its target measured from the window's level (sf_prep.c), and
 * at each window step the scaled exog row of the value after it.
 */
static void
LoadBatch(TrainWork *tw, int first, int B)
{
	sf_net	   *net = &tw->net;
	int			T = net->arch->window,
				I = sf_arch_inputs(net->arch),
				E = I - 1;
	const double *z = tw->z + first;
	double		scale = tw->model->prep.scale;

	for (int b = 0; b < B; b++)
	{
		double		level = sf_prep_level(tw->model, z + b, T);

		for (int t = 0; t < T; t++)
		{
			sf_real    *x = net->x0 + ((size_t) t * B + b) * I;

			x[0] = (sf_real) ((z[b + t] - level) / scale);
			if (E > 0)
				memcpy(x + 1, tw->xs + (size_t) (first + b + t + 1) * E,
					   sizeof(sf_real) * E);
		}
		net->y[b] = (sf_real) ((z[b + T] - level) / scale);
	}
}

/*
 * Fill the net's inputs from B windows held in w ([B][T] values in the
 * transform's units, window b's first value at position start + b), each
 * measured from its own level, with the exog rows of those positions as
 * LoadBatch has them.  The levels go to level[].
 */
static void
LoadHeld(TrainWork *tw, const double *w, int start, int B, double *level)
{
	sf_net	   *net = &tw->net;
	int			T = net->arch->window,
				I = sf_arch_inputs(net->arch),
				E = I - 1;
	double		scale = tw->model->prep.scale;

	for (int b = 0; b < B; b++)
	{
		const double *wb = w + (size_t) b * T;

		level[b] = sf_prep_level(tw->model, wb, T);
		for (int t = 0; t < T; t++)
		{
			sf_real    *x = net->x0 + ((size_t) t * B + b) * I;

			x[0] = (sf_real) ((wb[t] - level[b]) / scale);
			if (E > 0)
				memcpy(x + 1, tw->xs + (size_t) (start + b + t + 1) * E,
					   sizeof(sf_real) * E);
		}
	}
}

/*
 * Training windows that contain the network's own predictions ("data as
 * demonstrator", Venkatraman et al. 2015): the B windows starting at
 * `first` are rolled forward `depth` steps exactly as a recursive forecast
 * is (each prediction becomes the newest input, the window measured from
 * its new level), with params and no dropout, and the rolled windows are
 * loaded with the true value after each as the target.  No gradient flows
 * through the rollout: the network learns to correct its own drift from
 * the states its forecasts reach.  The caller keeps first + B - 1 + depth
 * among the training windows, so no target is held out.
 */
static void
LoadRolled(TrainWork *tw, const sf_real *params, int first, int B, int depth)
{
	sf_net	   *net = &tw->net;
	int			T = net->arch->window;
	double		scale = tw->model->prep.scale;
	double	   *w = tw->wz,
			   *level = tw->wlevel;

	for (int b = 0; b < B; b++)
		memcpy(w + (size_t) b * T, tw->z + first + b, sizeof(double) * T);
	sf_net_prepare(net, params);
	for (int step = 0; step < depth; step++)
	{
		LoadHeld(tw, w, first + step, B, level);
		sf_net_forward(net, params, B, 0.0, NULL);
		for (int b = 0; b < B; b++)
		{
			double	   *wb = w + (size_t) b * T;

			memmove(wb, wb + 1, sizeof(double) * (T - 1));
			wb[T - 1] = level[b] + scale * (double) net->out[b];
		}
	}
	LoadHeld(tw, w, first + depth, B, level);
	for (int b = 0; b < B; b++)
		net->y[b] = (sf_real) ((tw->z[first + depth + b + T] - level[b]) / scale);
}

/* Mean squared error over windows [first, first + count), no dropout. */
static double
EvalLoss(TrainWork *tw, const sf_real *params, int first, int count)
{
	sf_net	   *net = &tw->net;
	double		sum = 0;

	for (int start = 0; start < count; start += net->cap)
	{
		int			B = count - start < net->cap ? count - start : net->cap;

		LoadBatch(tw, first + start, B);
		sf_net_forward(net, params, B, 0.0, NULL);
		sum += sf_net_loss(net, B) * B;
	}
	return sum / count;
}

static int
CheckOpts(const sf_train_opts *o)
{
	if (!(o->dropout >= 0 && o->dropout < 1))
		return SF_EINVAL;
	if (!(o->smooth > 0 && o->smooth <= 1))
		return SF_EINVAL;
	if (o->epochs < 1 || o->epochs > SF_MAX_EPOCHS)
		return SF_EINVAL;
	if (o->batch_size < 1 || o->batch_size > SF_MAX_BATCH)
		return SF_EINVAL;
	if (!(o->learning_rate > 0 && o->learning_rate <= 10))
		return SF_EINVAL;
	if (o->patience < 0 || o->min_epochs < 0)
		return SF_EINVAL;
	if (o->loss < SF_LOSS_MSE || o->loss > SF_LOSS_HUBER)
		return SF_EINVAL;
	if (o->ensemble < 1 || o->ensemble > SF_MAX_MEMBERS)
		return SF_EINVAL;
	if (o->rollout < 0 || o->rollout > SF_MAX_ROLLOUT)
		return SF_EINVAL;
	return SF_OK;
}

/*
 * One training run of member `member` from a fresh initialisation drawn from
 * seed: the epochs, the validation losses and early stopping.  Early
 * stopping watches an exponentially smoothed validation loss (weight
 * opts->smooth on the newest epoch), never stops before opts->min_epochs,
 * and keeps the weights of the epoch with the best smoothed loss.  Leaves
 * the kept weights in the member's params and its per-epoch losses in
 * tw->loss and tw->val.
 */
static void
TrainAttempt(sf_model *model, int member, const sf_train_opts *opts,
			 const sf_split *split, TrainWork *tw, uint64_t seed,
			 sf_train_result *result, const sf_hooks *hooks)
{
	size_t		n_params = sf_param_count(&model->arch);
	sf_real    *params = model->params + (size_t) member * n_params;
	int			stopping = opts->patience > 0 && split->n_val > 0;
	sf_adam		adam;
	sf_rng		drop_rng;
	double		best_val = INFINITY,
				smoothed = NAN;
	int			since_best = 0;

	sf_model_init_member(model, member, seed);
	tw->net.loss = opts->loss;
	sf_adam_init(&adam, opts->learning_rate, tw->adam_m, tw->adam_v, n_params);
	sf_rng_seed(&drop_rng, seed ^ UINT64_C(0xD1B54A32D192ED03));
	result->epochs_run = 0;
	result->best_epoch = 0;

	for (int epoch = 0; epoch < opts->epochs; epoch++)
	{
		double		sum = 0,
					val = NAN;
		int			rolling = opts->rollout > 1 && epoch >= opts->epochs / 2,
					batch_no = 0;

		for (int start = 0; start < split->n_train; start += opts->batch_size)
		{
			int			B = split->n_train - start < opts->batch_size ?
				split->n_train - start : opts->batch_size;

			if (hooks && hooks->tick)
				hooks->tick(hooks->ctx);
			LoadBatch(tw, start, B);
			sf_net_prepare(&tw->net, params);
			sf_net_forward(&tw->net, params, B, opts->dropout, &drop_rng);
			sum += sf_net_loss(&tw->net, B) * B;
			sf_net_backward(&tw->net, params, B, tw->grad);
			sf_adam_step(&adam, params, tw->grad, n_params);

			/*
			 * After every second batch, the same origins rolled 1 ..
			 * rollout - 1 steps, the depth cycling over those batches and
			 * the epochs; only windows whose target is a training one.
			 * (Measured, bench/README.md figure 5: a rolled batch after
			 * every batch costs twice as much for little more; rolled
			 * batches instead of every second batch gain nothing.)
			 */
			if (rolling && (batch_no + epoch) % 2 == 0)
			{
				int			depth = 1 + (batch_no / 2 + epoch) % (opts->rollout - 1),
							Br = split->n_train - depth - start;

				if (Br > B)
					Br = B;
				if (Br > 0)
				{
					LoadRolled(tw, params, start, Br, depth);
					sf_net_prepare(&tw->net, params);
					sf_net_forward(&tw->net, params, Br, opts->dropout, &drop_rng);
					sf_net_backward(&tw->net, params, Br, tw->grad);
					sf_adam_step(&adam, params, tw->grad, n_params);
				}
			}
			batch_no++;
		}
		tw->loss[epoch] = sum / split->n_train;
		result->epochs_run = epoch + 1;
		if (!stopping)
			result->best_epoch = epoch + 1;

		if (split->n_val > 0)
		{
			sf_net_prepare(&tw->net, params);
			val = EvalLoss(tw, params, split->n_train, split->n_val);
			tw->val[epoch] = val;
		}
		if (hooks && hooks->epoch)
			hooks->epoch(hooks->ctx, epoch + 1, tw->loss[epoch], val);

		if (stopping)
		{
			smoothed = epoch == 0 ? val : opts->smooth * val + (1 - opts->smooth) * smoothed;
			if (smoothed < best_val)
			{
				best_val = smoothed;
				since_best = 0;
				memcpy(tw->best, params, n_params * sizeof(sf_real));
				result->best_epoch = epoch + 1;
			}
			else if (++since_best >= opts->patience && epoch + 1 >= opts->min_epochs)
				break;
		}
	}
	if (stopping)
		memcpy(params, tw->best, n_params * sizeof(sf_real));
}

/*
 * Standard deviation of one member's predictions over windows [0, count),
 * or, past SF_SPREAD_WINDOWS of them, over that many: blocks of a batch
 * each, the first at window 0, the last ending at the last window, the
 * others evenly between (the same windows for every seed).
 */
static double
PredictionSpread(TrainWork *tw, const sf_real *params, int count)
{
	sf_net	   *net = &tw->net;
	int			blocks = (count + net->cap - 1) / net->cap,
				taken = (SF_SPREAD_WINDOWS + net->cap - 1) / net->cap,
				n = 0;
	double		sum = 0,
				sum2 = 0;

	if (count <= SF_SPREAD_WINDOWS || taken < 2)
		taken = blocks;
	sf_net_prepare(net, params);
	for (int j = 0; j < taken; j++)
	{
		int			start = taken == blocks ? j * net->cap :
			(int) ((int64_t) j * (count - net->cap) / (taken - 1));
		int			B = count - start < net->cap ? count - start : net->cap;

		LoadBatch(tw, start, B);
		sf_net_forward(net, params, B, 0.0, NULL);
		for (int b = 0; b < B; b++)
		{
			sum += net->out[b];
			sum2 += (double) net->out[b] * net->out[b];
		}
		n += B;
	}
	sum /= n;
	return sqrt(fmax(sum2 / n - sum * sum, 0));
}

/* Seeds: member 0 trains from the user's seed, member k from one derived. */
#define MEMBER_SEED_STEP UINT64_C(0xBF58476D1CE4E5B9)
#define RESTART_SEED_STEP UINT64_C(0x9E3779B97F4A7C15)

int
sf_train(sf_model *model, const sf_train_opts *opts, const double *series,
		 int n_values, void *work, sf_train_result *result,
		 const sf_hooks *hooks)
{
	return sf_train_x(model, opts, series, n_values, NULL, work, result, hooks);
}

int
sf_train_x(sf_model *model, const sf_train_opts *opts, const double *series,
		   int n_values, const double *exog, void *work,
		   sf_train_result *result, const sf_hooks *hooks)
{
	const sf_arch *arch = &model->arch;
	int			E = model->n_exog;
	size_t		n_params = sf_param_count(arch);
	sf_split	split;
	TrainWork	tw;
	int			rc,
				n_fit_inputs,
				best_sum = 0;

	if (sf_arch_check(arch) != SF_OK || CheckOpts(opts) != SF_OK)
		return SF_EINVAL;
	if (n_values < 0 || n_values > SF_MAX_SERIES)
		return SF_EINVAL;
	if (E < 0 || E > SF_MAX_EXOG || sf_arch_inputs(arch) != 1 + E ||
		(E > 0 && exog == NULL) ||
		sf_calendar_width(model->calendar) < 0 ||
		sf_calendar_width(model->calendar) > E)
		return SF_EINVAL;
	for (int i = 0; i < n_values; i++)
		if (!isfinite(series[i]))
			return SF_ENONFINITE;
	for (size_t i = 0; i < (size_t) n_values * E; i++)
		if (!isfinite(exog[i]))
			return SF_ENONFINITE;
	rc = sf_split_compute(n_values, arch->window, opts->test_fraction,
						  opts->validation_fraction, &split);
	if (rc != SF_OK)
		return rc;

	/* the transform sees the inputs of the non-test windows only */
	AttachTrain(&tw, arch, opts, n_values, work);
	tw.net.hooks = hooks;
	n_fit_inputs = split.n_train + split.n_val + arch->window - 1;
	model->n_members = opts->ensemble;
	rc = sf_prep_fit(model, &opts->prep, series, n_fit_inputs, tw.prep_work);
	if (rc != SF_OK)
		return rc;

	/*
	 * The exog scaling sees the rows of the non-test windows: their inputs'
	 * rows 1 .. n_fit_inputs (row 0 with them, the training part's first).
	 */
	rc = sf_exog_fit(model, exog, n_fit_inputs + 1);
	if (rc == SF_OK)
		rc = sf_exog_check(model);
	if (rc != SF_OK)
		return rc;
	tw.model = model;
	for (int i = 0; i < n_values; i++)
		tw.z[i] = sf_prep_in(model, series[i], i);
	for (int i = 0; i < n_values; i++)
		for (int j = 0; j < E; j++)
			tw.xs[(size_t) i * E + j] =
				(sf_real) sf_exog_in(model, j, exog[(size_t) i * E + j]);

	for (int e = 0; e < opts->epochs; e++)
	{
		result->loss[e] = 0;
		if (result->val_loss)
			result->val_loss[e] = 0;
		tw.ran[e] = 0;
	}
	result->restarts = 0;
	for (int k = 0; k < opts->ensemble; k++)
	{
		sf_train_result member;

		/*
		 * With lr 0.01 a few initialisations let every ReLU of the head die
		 * within the first epochs, and the network then predicts a constant
		 * for good.  Such a run is detected on the training windows (no
		 * leakage) and started again from a seed derived from the user's,
		 * so the outcome still depends on the seed alone.
		 */
		for (int attempt = 0; attempt <= SF_MAX_RESTARTS; attempt++)
		{
			uint64_t	seed = opts->seed + (uint64_t) k * MEMBER_SEED_STEP +
				(uint64_t) attempt * RESTART_SEED_STEP;

			TrainAttempt(model, k, opts, &split, &tw, seed, &member, hooks);
			if (attempt == SF_MAX_RESTARTS ||
				PredictionSpread(&tw, model->params + (size_t) k * n_params,
								 split.n_train) > SF_DEAD_SPREAD)
				break;
			result->restarts++;
		}
		for (int e = 0; e < member.epochs_run; e++)
		{
			result->loss[e] += tw.loss[e];
			if (result->val_loss && split.n_val > 0)
				result->val_loss[e] += tw.val[e];
			tw.ran[e]++;
		}
		best_sum += member.best_epoch;
	}
	result->epochs_run = 0;
	for (int e = 0; e < opts->epochs && tw.ran[e] > 0; e++)
	{
		result->loss[e] /= tw.ran[e];
		if (result->val_loss)
			result->val_loss[e] /= tw.ran[e];
		result->epochs_run = e + 1;
	}
	result->best_epoch = (best_sum + opts->ensemble / 2) / opts->ensemble;
	return SF_OK;
}

size_t
sf_batch_bytes(const sf_arch *arch, int batch)
{
	sf_ws		ws = {NULL, 0};
	sf_net		net;

	sf_net_layout(&net, arch, batch, 1, &ws);
	return ws.used + 64;
}

double
sf_batch_loss(const sf_model *model, const sf_real *x, const sf_real *y,
			  int batch, sf_real *pred, sf_real *grad, void *work)
{
	return sf_batch_loss_as(model, SF_LOSS_MSE, x, y, batch, pred, grad, work);
}

double
sf_batch_loss_as(const sf_model *model, int loss_kind, const sf_real *x,
				 const sf_real *y, int batch, sf_real *pred, sf_real *grad,
				 void *work)
{
	const sf_arch *arch = &model->arch;
	int			T = arch->window,
				I = sf_arch_inputs(arch);
	sf_net		net;
	sf_ws		ws = sf_ws_over(work);
	double		loss;

	sf_net_layout(&net, arch, batch, 1, &ws);
	net.loss = loss_kind;
	sf_net_prepare(&net, model->params);
	for (int b = 0; b < batch; b++)
	{
		for (int t = 0; t < T; t++)
			for (int i = 0; i < I; i++)
				net.x0[((size_t) t * batch + b) * I + i] =
					x[((size_t) b * T + t) * I + i];
		net.y[b] = y[b];
	}
	sf_net_forward(&net, model->params, batch, 0.0, NULL);
	loss = sf_net_loss(&net, batch);
	if (pred)
		memcpy(pred, net.out, sizeof(sf_real) * batch);
	if (grad)
		sf_net_backward(&net, model->params, batch, grad);
	return loss;
}
