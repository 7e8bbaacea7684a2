/*
 * series.c
 *	  Series arriving as arrays or as aggregate rows.  NULLs and non-finite
 *	  values are refused the same way everywhere: a series is a sequence of
 *	  equally spaced observations, and silently dropping one would shift
 *	  every later value by a time step.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "seqforecast.h"

/* A value at 1-based position row of a series; what names the argument. */
void
CheckSeriesValue(const char *what, double v, int64 row)
{
	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s value %lld is NaN", what, (long long) row),
				 errhint("Filter out or replace NaN values before training or forecasting.")));
	if (isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s value %lld is %s", what, (long long) row,
						v > 0 ? "Infinity" : "-Infinity"),
				 errhint("Filter out or replace infinite values before training or forecasting.")));
}

/*
 * A one-dimensional float8[] without NULLs as a palloc'd C array.  what
 * names the argument in messages ("series", "history").
 */
double *
ArrayToSeries(ArrayType *array, const char *what, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	double	   *out;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("The array has %d dimensions.", ARR_NDIM(array))));
	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		elog(ERROR, "%s array has element type %u, expected float8",
			 what, ARR_ELEMTYPE(array));
	deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &count);
	out = palloc(sizeof(double) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s value %d is NULL", what, i + 1),
					 errhint("A series must have no gaps: filter out or fill NULL values (for example with coalesce).")));
		out[i] = DatumGetFloat8(elems[i]);
		CheckSeriesValue(what, out[i], i + 1);
	}
	*n = count;
	return out;
}
