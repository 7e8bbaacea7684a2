/*
 * seqforecast.h
 *	  The PostgreSQL glue of seqforecast: options, model storage, the
 *	  training aggregates and the forecasting functions.  The numeric work
 *	  is done by the core (src/core/sf_core.h), which knows nothing of
 *	  PostgreSQL.
 */
#ifndef SEQFORECAST_H
#define SEQFORECAST_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "pg_compat.h"
#include "sf_core.h"

/* Every option of a training, defaults resolved. */
typedef struct SfOptions
{
	char	   *name;
	sf_arch		arch;
	sf_train_opts train;
	int			season;
	bool		skip_short;		/* on_short = 'skip' */
	bool		has_patience;
	bool		refit;			/* train again on every window for storing */
	bool		window_given;	/* else two seasons (DefaultWindow) */
	const char *preset;			/* "tutorial" or NULL */
} SfOptions;

/* A decoded model, palloc'd in one piece. */
typedef struct SfModel
{
	sf_model	core;
	int			n_tail;
	int			tail_phase;		/* seasonal phase of tail[0] */
	double	   *tail;			/* last window of the training series */
	int			n_radius;
	double	   *radius;			/* 90% interval radius per step */
	char	   *meta;			/* JSON text, NUL-terminated */
	sf_time		time;			/* time fields (format 3), zero without */
} SfModel;

/*
 * The time axis of a model trained with timestamps (timeaxis.c): the kind
 * of ts, the frequency (months, days or a duration), the last step's time
 * (civil time for calendar steps and for date and timestamp series, else
 * the instant), the gaps rule and the calendar parts: the format's sf_time
 * (SF_TIME_*, SF_GAPS_*), the core's calendar mask, and whether monthly
 * steps land on month ends (kept in the metadata's "time").
 */
typedef struct SfTime
{
	int			kind;			/* SF_TIME_* */
	int32		months;
	int32		days;
	int64		usecs;
	bool		month_end;		/* monthly steps land on month ends */
	int64		last;
	int			gaps;			/* SF_GAPS_* */
	uint32		calendar;		/* calendar parts */
	bool		calendar_auto;	/* while reading options */
} SfTime;

/* What a Citus task may not do to seq_model (citus.c). */
typedef enum CitusAccess
{
	CITUS_TRAIN,
	CITUS_STORE,
	CITUS_LOOKUP,
	CITUS_DROP,
	CITUS_PRUNE
} CitusAccess;

/* seqforecast.c */
extern int	sf_max_memory_kb;
extern bool sf_progress;
extern void CheckMemoryRequest(size_t bytes, const char *what,
							   const char *hint);
extern void *AllocWork(size_t bytes);
extern void InterruptTick(void *ctx);
extern const sf_hooks InterruptHooks;
extern void AppendFloat(StringInfo s, double v);
extern void AppendFloatArray(StringInfo s, const double *v, int64 n);

/* options.c */
extern void ReadOptions(SfOptions *opts, const char *kind, Jsonb *json);
extern char *OptionsToJson(const SfOptions *opts);

/* series.c */
extern double *ArrayToSeries(ArrayType *array, const char *what, int *n);
extern void CheckSeriesValue(const char *what, double v, int64 row);

/* train.c: the rows past a series' end its exog holds (TrainSeriesWith) */
#define HOLDOUT_MAX_STEPS 64

/* codec.c */
extern bytea *EncodeModel(const sf_model *model, const double *tail,
						  int n_tail, int tail_phase, const double *radius,
						  int n_radius, const char *meta);
extern bytea *EncodeModelTime(const sf_model *model, const sf_time *time,
							  const double *tail, int n_tail, int tail_phase,
							  const double *radius, int n_radius,
							  const char *meta);
extern SfModel *DecodeModel(bytea *blob);

/* meta.c */
extern char *MetaCheck(char *meta, size_t len);
extern char *MetaToServer(char *meta, size_t len);
extern const char *MetaToUtf8(const char *meta);
extern void CheckOptionText(const char *key, const char *value, int len);

/* covariates.c */
extern Jsonb *TakeFeatureNames(Jsonb *options, char ***features, int *n_features);
extern int	CheckTrainingRow(ArrayType *row, int64 r, int *width_of_first,
							 int n_features);
extern void AppendFeatureNames(StringInfo s, char **features, int n_features, int k);

/* forecast.c */
extern double IntervalRadius(const SfModel *m, int h);
extern int64 SeriesPhase(const SfModel *m, const double *series, int n);
extern int	CovariateCount(const SfModel *m);
extern double *ModelSeriesArg(const SfModel *m, ArrayType *array, const char *what,
							  int *n, double **cov);
extern double *JoinExog(const SfModel *m, const double *cov, const double *cal,
						int64 rows);

/* timeaxis.c */
extern char *FrequencyText(const SfTime *t);
extern TimestampTz StepTimestamp(const SfTime *t, int64 from, int64 k);
extern int64 AxisOfTimestamp(const SfTime *t, TimestampTz ts, const char *what);
extern void ApplyTimeSeason(void *state, int season);
extern bool ModelTime(const SfModel *m, SfTime *t);
extern TimestampTz *ArrayToTimestamps(ArrayType *array, int n, const char *what);
extern uint32 CalendarPartFromName(const char *name);
extern const char *CalendarPartNames(void);
extern void AppendCalendarNames(StringInfo s, uint32 parts);
extern double *CalendarExog(const SfTime *t, const int64 *axis, int64 n);
extern double *CalendarSteps(const SfTime *t, int64 from, int64 k0, int64 count);
extern double *CalendarOfTimestamps(const SfTime *t, const TimestampTz *ts,
									int n, int beyond);

/* train.c */
extern bool TransitionStarts(FunctionCallInfo fcinfo, bool stores,
							 MemoryContext *aggctx);
extern void AppendScore(StringInfo s, const char *key, double v);
extern bytea *TrainSeriesWith(SfOptions *opts, double *series, int64 n,
							  const char *options, const char *metrics,
							  const char *time_meta, const char *extra_meta,
							  const SfTime *time, int n_covariates,
							  const double *exog, double *seconds);

/* store.c */
extern char *ModelTable(Oid fn_oid);
extern int64 StoreModel(Oid fn_oid, const char *name, bytea *blob);
extern int64 StoreModelTimed(Oid fn_oid, const char *name, bytea *blob,
							 double train_seconds);
extern SfModel *LoadModel(FunctionCallInfo fcinfo, int argno);

/* citus.c */
extern bool CitusTaskFromElsewhere(void);
SF_NORETURN extern void RefuseInCitusTask(CitusAccess access, const char *name,
										  int64 id);

#endif							/* SEQFORECAST_H */
