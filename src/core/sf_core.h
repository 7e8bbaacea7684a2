/*
 * sf_core.h
 *	  Public interface of seqforecast's numeric core.
 *
 * The core is plain C11 with no PostgreSQL headers, no globals, no I/O and no
 * allocation of its own: every function that needs working memory says how
 * much up front (the *_bytes functions) and takes a caller-provided buffer.
 * That lets the PostgreSQL glue refuse oversized requests before allocating
 * anything, allocate from a memory context that a cancel cleans up, and lets
 * the unit tests, fuzzers and benchmarks run the core with plain malloc.
 *
 * Parameters live in one flat array in PyTorch's state_dict order and layout
 * (row-major [out][in] weights), so export and import are plain copies.
 *
 * sf_real is float unless the core is compiled with -DSF_REAL=double, which
 * the gradient-check tests do.
 */
#ifndef SF_CORE_H
#define SF_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifndef SF_REAL
#define SF_REAL float
#define SF_REAL_FLOAT 1			/* the SIMD kernels apply */
#endif
typedef SF_REAL sf_real;

/* Recurrent kinds, in the order the model format stores them. */
typedef enum sf_kind
{
	SF_RNN = 0,
	SF_LSTM = 1,
	SF_GRU = 2
} sf_kind;

/* Hard caps: the options parser and the decoder refuse anything beyond. */
#define SF_MAX_WINDOW 4096
#define SF_MAX_HIDDEN 1024
#define SF_MAX_LAYERS 8
#define SF_MAX_HEAD 8			/* head layers */
#define SF_MAX_HEAD_SIZE 1024
#define SF_MAX_BATCH 65536
#define SF_MAX_EPOCHS 100000
#define SF_MAX_SERIES 100000000 /* values in one training series */
#define SF_MAX_TENSORS (4 * SF_MAX_LAYERS + 2 * SF_MAX_HEAD + 2)
#define SF_MAX_INPUTS 64		/* inputs per time step: the value + exog */
#define SF_MAX_EXOG (SF_MAX_INPUTS - 1)

/* The shape of a network; everything needed to lay out its parameters. */
typedef struct sf_arch
{
	int			kind;			/* sf_kind */
	int			window;			/* time steps per input window */
	int			hidden;			/* recurrent hidden size */
	int			layers;			/* stacked recurrent layers */
	int			n_head;			/* hidden layers of the ReLU head */
	int			head[SF_MAX_HEAD];	/* their sizes */
	int			inputs;			/* input size of layer 0: 1 (the value) +
								 * n_exog, 1 .. SF_MAX_INPUTS; 0 is read as
								 * 1, so arches built before the field
								 * existed keep meaning one input */
} sf_arch;

/*
 * The input size of layer 0 (arch->inputs, 0 read as 1).  Read the field
 * through this: a format 1 or 2 model decodes with inputs 0.
 */
static inline int
sf_arch_inputs(const sf_arch *arch)
{
	return arch->inputs < 1 ? 1 : arch->inputs;
}

/*
 * How values are turned into network inputs (sf_prep.c): the tutorial's
 * min-max scaling, or window-relative normalization of the values ('window')
 * or of their logarithms ('log').  SF_NORM_AUTO is only a training request:
 * 'log' for a strictly positive training part, else 'window'.
 */
typedef enum sf_norm
{
	SF_NORM_MINMAX = 0,
	SF_NORM_WINDOW = 1,
	SF_NORM_LOG = 2,
	SF_NORM_AUTO = -1
} sf_norm;

/* Deseasonalization requests of a training. */
#define SF_DESEASON_NONE 0
#define SF_DESEASON_ALWAYS 1
#define SF_DESEASON_AUTO -1

#define SF_MAX_SEASON 1024		/* longest season with seasonal indices */
#define SF_MAX_MEMBERS 32		/* networks in an ensemble */

/* The fitted transform; see sf_prep.c. */
typedef struct sf_prep
{
	int			norm;			/* sf_norm, never AUTO */
	int			season;			/* period of index[], 0 when none */
	int			level;			/* newest values averaged into a window's
								 * level: 1 .. window (0 for minmax) */
	double		scale;			/* unit of the window-relative values */
	double		index[SF_MAX_SEASON];	/* seasonal component, phase 0 first */
} sf_prep;

/*
 * Extra input columns ("exog") of a time step besides the value: a
 * covariate the caller knows for every step (also the future ones), or one
 * feature of a calendar part (sf_calendar.c).  Raw values go in; the core
 * feeds the network (x - shift) / scale.  A covariate's shift and scale are
 * its mean and standard deviation over the training part (scale 1 when it
 * is constant there), fitted by sf_exog_fit (sf_train_x calls it); a
 * calendar column's are 0 and 1.
 *
 * Alignment: the window of values v[t-T+1 .. t] predicting v[t+1] is fed,
 * at window step s (the value v[s]), the exog row x[s+1], so the last step
 * carries the row of the step being predicted.  Exog arrays are row-major
 * [rows][n_exog], row i belonging to value i.
 */
#define SF_EXOG_COVARIATE 0
#define SF_EXOG_CALENDAR 1

typedef struct sf_exog
{
	int			kind;			/* SF_EXOG_* */
	double		shift;
	double		scale;			/* > 0 */
} sf_exog;

/*
 * One or more networks of one architecture with their transform: all that
 * is needed to predict.  An ensemble's members are averaged (in the
 * transform's units) at every step.
 *
 * A model with exog columns has arch.inputs = 1 + n_exog; its covariate
 * columns come first, then sf_calendar_width(calendar) calendar columns in
 * the order sf_calendar_row writes them.  n_exog 0 and calendar 0 is the
 * univariate model (a zeroed sf_model is one).
 */
typedef struct sf_model
{
	sf_arch		arch;
	int			n_members;		/* 1 .. SF_MAX_MEMBERS */
	double		scale_min;		/* minmax: (v - min) / (max - min) */
	double		scale_max;
	sf_prep		prep;
	int			n_exog;			/* 0 .. SF_MAX_EXOG */
	uint32_t	calendar;		/* SF_CAL_* parts of the calendar columns */
	sf_exog		exog[SF_MAX_EXOG];
	sf_real    *params;			/* n_members * sf_param_count(&arch) values,
								 * member after member, caller-owned */
} sf_model;

/* One parameter tensor, named and shaped as in PyTorch's state_dict. */
typedef struct sf_tensor
{
	char		name[32];
	int			ndim;			/* 1 or 2 */
	int			shape[2];
	size_t		offset;			/* into sf_model.params */
	size_t		size;			/* elements */
} sf_tensor;

/* What sf_prep_fit is asked to fit. */
typedef struct sf_prep_opts
{
	int			norm;			/* sf_norm, AUTO allowed */
	int			deseasonalize;	/* SF_DESEASON_* */
	int			season;			/* period to test and fit, >= 2 to apply */
	int			level;			/* values in a window's level, 0: a season
								 * (at most the window), else this many */
	int			window;			/* the architecture's */
} sf_prep_opts;

/* Training losses, in scaled units. */
#define SF_LOSS_MSE 0
#define SF_LOSS_MAE 1
#define SF_LOSS_HUBER 2
#define SF_HUBER_DELTA 1.0

/* Training options beyond the architecture. */
typedef struct sf_train_opts
{
	int			loss;			/* SF_LOSS_* */
	sf_prep_opts prep;
	int			ensemble;		/* members, 1 .. SF_MAX_MEMBERS */
	int			min_epochs;		/* early stopping never stops before */
	double		smooth;			/* (0, 1]: weight of the newest validation
								 * loss in the smoothed one; 1 = raw */
	double		dropout;		/* between layers and before the head */
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		test_fraction;	/* last ceil(f * n_windows) windows held out */
	double		validation_fraction;	/* end of the training windows */
	int			patience;		/* 0: no early stopping */
	uint64_t	seed;
	int			rollout;		/* 0 .. SF_MAX_ROLLOUT; above 1: in the second
								 * half of the epochs, each mini-batch is
								 * followed by one of the same windows rolled
								 * forward 1 .. rollout - 1 steps on the
								 * network's own predictions (sf_train.c) */
} sf_train_opts;

#define SF_MAX_ROLLOUT 64

/* How a series of n values splits into windows. */
typedef struct sf_split
{
	int			n_windows;		/* n - window */
	int			n_train;		/* windows used for gradient steps */
	int			n_val;			/* windows used for early stopping */
	int			n_test;			/* held-out windows */
} sf_split;

/*
 * Called by long loops.  tick() once per mini-batch (the glue checks for
 * interrupts there); epoch() after each epoch with the losses (val_loss is
 * NaN without a validation part).  Either may be NULL.
 */
typedef struct sf_hooks
{
	void	   *ctx;
	void		(*tick) (void *ctx);
	void		(*epoch) (void *ctx, int epoch, double loss, double val_loss);
} sf_hooks;

/*
 * What a training run reports besides the weights.  For an ensemble, the
 * losses of each epoch are the mean over the members that ran it, epochs_run
 * the longest member's and best_epoch the mean of the members', rounded.
 */
typedef struct sf_train_result
{
	int			restarts;		/* runs restarted because the network died */
	int			epochs_run;
	int			best_epoch;		/* 1-based epoch whose weights were kept */
	double	   *loss;			/* caller-provided, opts.epochs entries */
	double	   *val_loss;		/* caller-provided, opts.epochs entries, or NULL */
} sf_train_result;

/*
 * A run whose predictions over the training windows spread less than this
 * (scaled units) has a dead head and is restarted, at most SF_MAX_RESTARTS
 * times, from a seed derived from the user's.  Past SF_SPREAD_WINDOWS
 * training windows the spread is taken over that many of them, in blocks
 * spread evenly over the series (a dead head predicts one constant
 * everywhere; the whole pass cost a quarter of a long series' training).
 */
#define SF_DEAD_SPREAD 1e-4
#define SF_MAX_RESTARTS 2
#define SF_SPREAD_WINDOWS 2048

/* Error codes of the checking functions. */
#define SF_OK 0
#define SF_EINVAL 1				/* an argument out of range */
#define SF_ESHORT 2				/* series too short for the windows */
#define SF_ENONFINITE 3			/* NaN or infinity in the data */
#define SF_ENONPOSITIVE 6		/* normalize 'log' with a value <= 0 */

/* sf_model.c */
extern const char *sf_kind_name(int kind);
extern int	sf_kind_from_name(const char *name);	/* -1 if unknown */
extern int	sf_kind_gates(int kind);
extern int	sf_arch_check(const sf_arch *arch);
extern size_t sf_param_count(const sf_arch *arch);
extern int	sf_tensors(const sf_arch *arch, sf_tensor *out);	/* returns count */
/*
 * Seeded weights of one network (member 0); sf_model_init also makes the
 * model a single network with the identity transform of min-max [0, 1].
 */
extern void sf_model_init(sf_model *model, uint64_t seed);
extern void sf_model_init_params(sf_model *model, uint64_t seed);
extern void sf_model_init_member(sf_model *model, int member, uint64_t seed);
/*
 * Inference runs windows in chunks of SF_INFER_CHUNK; sf_predict_windows and
 * sf_forecast_from need sf_infer_bytes(arch, n_members, SF_INFER_CHUNK) bytes
 * of work, sf_forecast (one window at a time) sf_infer_bytes(arch, n_members, 1).
 *
 * `phase` is the seasonal position of the first value passed (series[0] or
 * last_window[0]) for a model with seasonal indices: 0 for the training
 * series itself, the stored tail's phase for its tail, or sf_prep_phase's
 * estimate; models without indices ignore it.
 */
#define SF_INFER_CHUNK 256
extern size_t sf_infer_bytes(const sf_arch *arch, int n_members, int batch);
extern void sf_predict_windows(const sf_model *model, const double *series,
							   int64_t phase, int n_windows, double *pred,
							   void *work, const sf_hooks *hooks);
extern void sf_forecast(const sf_model *model, const double *last_window,
						int64_t phase, int horizon, double *out, void *work,
						const sf_hooks *hooks);

/*
 * The same with exog columns (sf_exog): each takes raw exog rows, row-major
 * [rows][model->n_exog], and NULL when n_exog is 0; the functions above are
 * these with NULL.  (Given NULL for a model with exog columns they feed
 * zeros, the covariates' training means: the glue must refuse such a call
 * instead, this only keeps a bug from reading wild memory.)
 *
 * sf_predict_windows_x: window k is series[k .. k + window - 1] and predicts
 * the value at k + window; exog is aligned with series (row i belongs to
 * series[i]) and holds n_windows + window rows, rows 1 .. n_windows +
 * window - 1 being read (row 0 never is; the last belongs to the value
 * after the last window, which series itself need not hold).
 *
 * sf_forecast_x: exog holds window - 1 + horizon rows: those of
 * last_window[1 .. window - 1], then one per forecast step.
 *
 * sf_forecast_from_x (below): exog is aligned with series as for
 * sf_predict_windows_x and holds first + count + window + horizon - 1 rows;
 * origin k's forecast step h (0-based) feeds window step s the row
 * first + k + h + s + 1.  For origins inside a series (held-out ones) those
 * rows are the series' own; rows beyond its end are the future's.
 */
extern void sf_predict_windows_x(const sf_model *model, const double *series,
								 const double *exog, int64_t phase,
								 int n_windows, double *pred, void *work,
								 const sf_hooks *hooks);
extern void sf_forecast_x(const sf_model *model, const double *last_window,
						  const double *exog, int64_t phase, int horizon,
						  double *out, void *work, const sf_hooks *hooks);

/*
 * The exog columns of a model: sf_exog_check says whether model->n_exog,
 * its kinds, shifts, scales and calendar parts agree with each other and
 * with arch.inputs (SF_OK or SF_EINVAL).  sf_exog_fit sets each covariate's
 * shift and scale from rows [0, n_rows) of exog (the training part) and the
 * calendar columns' to 0 and 1; SF_ENONFINITE when a value there is not
 * finite.  sf_exog_in is one raw value's network input.
 */
extern int	sf_exog_check(const sf_model *model);
extern int	sf_exog_fit(sf_model *model, const double *exog, int n_rows);
extern double sf_exog_in(const sf_model *model, int column, double x);

/*
 * sf_prep.c: the transform of sf_model.prep.  sf_prep_fit fits it on
 * series[0 .. n_fit) (the training part) with sf_prep_fit_bytes(n_fit) bytes
 * of work; returns SF_OK, SF_EINVAL or SF_ENONPOSITIVE.  sf_prep_in maps a
 * value at position pos (its phase is pos mod season) to the transform's
 * units, sf_prep_out back; sf_prep_level is the level windows are measured
 * from.
 */
extern const char *sf_norm_name(int norm);
extern size_t sf_prep_fit_bytes(int n_fit);
extern int	sf_prep_fit(sf_model *m, const sf_prep_opts *o,
						const double *series, int n_fit, void *work);
extern double sf_prep_in(const sf_model *m, double v, int64_t pos);
extern double sf_prep_out(const sf_model *m, double z, int64_t pos);
extern double sf_prep_level(const sf_model *m, const double *z, int T);
extern int	sf_prep_phase(const sf_model *m, const double *series, int n);

/* sf_train.c */
/* The seed recipe (1.0's defaults): min-max, one network, 100 epochs. */
extern void sf_train_opts_tutorial(sf_train_opts *o);
extern int	sf_split_compute(int n_values, int window, double test_fraction,
							 double validation_fraction, sf_split *split);
extern size_t sf_train_bytes(const sf_arch *arch, const sf_train_opts *opts,
							 int n_values);
extern int	sf_train(sf_model *model, const sf_train_opts *opts,
					 const double *series, int n_values, void *work,
					 sf_train_result *result, const sf_hooks *hooks);
/*
 * sf_train with exog columns: model->arch.inputs, n_exog, calendar and each
 * column's kind set by the caller (sf_exog_check must pass); exog holds
 * n_values rows aligned with series, NULL when n_exog is 0.  The covariates'
 * scaling is fitted on the rows of the training part (every row the
 * training and validation windows read, and none of the test windows'
 * targets).  Returns SF_ENONFINITE for a NaN or infinite exog value.  Work:
 * sf_train_bytes(&model->arch, ...), which counts the exog columns.
 */
extern int	sf_train_x(sf_model *model, const sf_train_opts *opts,
					   const double *series, int n_values, const double *exog,
					   void *work, sf_train_result *result,
					   const sf_hooks *hooks);
/*
 * One mini-batch without dropout: x is [batch][window][inputs] scaled
 * inputs (inputs = sf_arch_inputs; [batch][window] for one), y the
 * [batch] scaled targets.  Returns the mean squared error; writes the
 * predictions to pred and the gradient of the loss (overwriting) to grad when
 * they are not NULL.  work holds sf_batch_bytes(arch, batch) bytes.  The
 * gradient checks and the PyTorch agreement driver stand on this.
 */
extern double sf_batch_loss(const sf_model *model, const sf_real *x,
							const sf_real *y, int batch, sf_real *pred,
							sf_real *grad, void *work);
/* The same for another training loss (SF_LOSS_*); sf_batch_loss is MSE. */
extern double sf_batch_loss_as(const sf_model *model, int loss,
							   const sf_real *x, const sf_real *y, int batch,
							   sf_real *pred, sf_real *grad, void *work);
extern size_t sf_batch_bytes(const sf_arch *arch, int batch);

/*
 * Batched recursive forecasts from count consecutive windows: origin k reads
 * series[first + k .. first + k + window - 1] and out[k * horizon + h] is its
 * (h+1)-step forecast.  work: sf_infer_bytes(arch, n_members, SF_INFER_CHUNK).
 */
extern void sf_forecast_from(const sf_model *model, const double *series,
							 int64_t phase, int first, int count, int horizon,
							 double *out, void *work, const sf_hooks *hooks);
extern void sf_forecast_from_x(const sf_model *model, const double *series,
							   const double *exog, int64_t phase, int first,
							   int count, int horizon, double *out,
							   void *work, const sf_hooks *hooks);

/*
 * sf_codec.c: the serialized model (see FORMAT.md).  A model with exog
 * columns or time fields is written as format 3; any other as format 2,
 * byte for byte as before format 3 existed.
 */
#define SF_FORMAT_VERSION 2		/* what a model without exog or time is */
#define SF_FORMAT_NEWEST 3		/* the newest the decoder reads */
#define SF_MAX_TAIL SF_MAX_WINDOW
#define SF_MAX_RADIUS 1024
#define SF_MAX_META (16 * 1024 * 1024)

/* Kinds of time of a time-aware model (sf_time.kind). */
#define SF_TIME_NONE 0
#define SF_TIME_DATE 1
#define SF_TIME_TIMESTAMP 2
#define SF_TIME_TIMESTAMPTZ 3

/* Gaps rules (sf_time.gaps). */
#define SF_GAPS_FILL 0
#define SF_GAPS_KEEP 1
#define SF_GAPS_ERROR 2

/* Caps of a frequency's components (a century). */
#define SF_MAX_FREQ_MONTHS 1200
#define SF_MAX_FREQ_DAYS 36525
#define SF_MAX_FREQ_MICROS (INT64_C(86400000000) * SF_MAX_FREQ_DAYS)
/* PostgreSQL's timestamp range in microseconds from 2000-01-01 */
#define SF_MIN_TIMESTAMP (-INT64_C(211813488000000000))
#define SF_END_TIMESTAMP INT64_C(9223371331200000000)
#define SF_USECS_PER_DAY INT64_C(86400000000)

/*
 * The time fields of a time-aware model: all zero for one trained without
 * timestamps.  The frequency is an interval (months, days, microseconds,
 * each >= 0, not all 0; a date's has no microseconds).  `last` is the
 * training series' last timestamp in microseconds from 2000-01-01 (for a
 * frequency of days or longer, its civil local time read as UTC, so that
 * the same daily series in two time zones gives the same bytes; a date's
 * is a whole number of days).
 */
typedef struct sf_time
{
	int			kind;			/* SF_TIME_* */
	int			gaps;			/* SF_GAPS_* */
	int32_t		months;
	int32_t		days;
	int64_t		micros;
	int64_t		last;
} sf_time;

typedef struct sf_blob
{
	sf_model	model;			/* params point into caller memory */
	sf_time		time;
	int			n_tail;			/* last values of the training series */
	int			tail_phase;		/* seasonal phase of tail[0] */
	const double *tail;
	int			n_radius;		/* interval radius per forecast step */
	const double *radius;
	size_t		meta_len;		/* JSON text: options, metrics, losses */
	const char *meta;
} sf_blob;

extern int	sf_encode_version(const sf_blob *blob);	/* 2 or 3 */
extern size_t sf_encode_bytes(const sf_blob *blob);
extern void sf_encode(const sf_blob *blob, unsigned char *out);
extern const char *sf_decode_check(const unsigned char *buf, size_t len,
								   sf_blob *info);
extern void sf_decode(const unsigned char *buf, const sf_blob *info,
					  sf_real *params, double *tail, double *radius,
					  char *meta);
extern uint32_t sf_crc32c(uint32_t crc, const unsigned char *buf, size_t len);

/*
 * sf_calendar.c: calendar parts as exog columns.  The glue converts each
 * step's timestamp to civil fields in the right time zone; sf_calendar_row
 * writes the sf_calendar_width(parts) features of the parts requested, in
 * the order of the bits below (SF_EINVAL for fields out of range).
 * sf_calendar_part_name names one part (a single bit), _from_name finds it
 * (case-insensitively; 0 when unknown).
 */
#define SF_CAL_HOUR_OF_DAY 0x01u
#define SF_CAL_DAY_OF_WEEK 0x02u
#define SF_CAL_DAY_OF_MONTH 0x04u
#define SF_CAL_DAY_OF_YEAR 0x08u
#define SF_CAL_WEEK_OF_YEAR 0x10u
#define SF_CAL_MONTH_OF_YEAR 0x20u
#define SF_CAL_WEEKEND 0x40u
#define SF_CAL_PARTS 7			/* bits defined */
#define SF_CAL_ALL 0x7Fu
#define SF_CAL_MAX_WIDTH 32		/* sf_calendar_width(SF_CAL_ALL) at most */

typedef struct sf_civil
{
	int			year;			/* 1 .. 9999 (proleptic Gregorian) */
	int			month;			/* 1 .. 12 */
	int			day;			/* day of month, 1 .. 31 */
	int			wday;			/* day of week, 0 = Sunday .. 6 */
	int			yday;			/* day of year, 1 .. 366 */
	int			hour;			/* 0 .. 23 */
	int			minute;			/* 0 .. 59 */
	double		second;			/* [0, 61) */
} sf_civil;

extern int	sf_calendar_width(uint32_t parts);	/* -1 for unknown bits */
extern int	sf_calendar_row(uint32_t parts, const sf_civil *fields,
							double *out);
extern const char *sf_calendar_part_name(uint32_t part);
extern uint32_t sf_calendar_part_from_name(const char *name);

/* sf_adam.c */
typedef struct sf_adam
{
	double		lr;
	double		beta1;
	double		beta2;
	double		eps;
	long		step;
	sf_real    *m;				/* caller-provided, n entries */
	sf_real    *v;				/* caller-provided, n entries */
} sf_adam;

extern void sf_adam_init(sf_adam *adam, double lr, sf_real *m, sf_real *v,
						 size_t n);
extern void sf_adam_step(sf_adam *adam, sf_real *params, const sf_real *grad,
						 size_t n);

/* sf_metrics.c */
typedef struct sf_scores
{
	int			n;
	double		r2;
	double		rmse;
	double		mae;
	double		mape;			/* percent; NaN when every actual is 0 */
	double		smape;			/* percent, 200 |e| / (|a| + |f|); 0/0 = 0 */
} sf_scores;

extern void sf_score(const double *actual, const double *pred, int n,
					 sf_scores *out);
extern double sf_conformal_radius(double *abs_err, int n, double coverage);

/* sf_rng.c */
typedef struct sf_rng
{
	uint64_t	s[4];
} sf_rng;

extern void sf_rng_seed(sf_rng *rng, uint64_t seed);
extern uint64_t sf_rng_next(sf_rng *rng);
extern double sf_rng_uniform(sf_rng *rng);	/* [0, 1) */

#endif							/* SF_CORE_H */
