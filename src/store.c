/*
 * store.c
 *	  The seq_model table: storing a trained model as a new row, finding one
 *	  by id or by name (the newest version), and seq_model_save.  Every query
 *	  names the table with its schema, the schema of the calling function,
 *	  so objects on the user's search_path cannot stand in for ours.  Row
 *	  level security on the table decides which rows a role can see.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "seqforecast.h"

/* "schema".seq_model, for the schema the function fn_oid lives in. */
char *
ModelTable(Oid fn_oid)
{
	char	   *schema = get_namespace_name(get_func_namespace(fn_oid));

	if (schema == NULL)
		elog(ERROR, "schema of function %u not found", fn_oid);
	return psprintf("%s.seq_model", quote_identifier(schema));
}

/*
 * Insert a serialized model as a new row named name and return its id.  The
 * model's metadata (options, metrics, losses) fills the other columns;
 * train_seconds, when not NaN, is added to the metrics (it is kept out of the
 * serialized model so that training stays byte-for-byte deterministic).
 * Every function and operator is schema-qualified: the user's search_path
 * cannot redirect them.
 */
int64
StoreModelTimed(Oid fn_oid, const char *name, bytea *blob, double train_seconds)
{
	SfModel    *m = DecodeModel(blob);
	char	   *sql;
	Oid			types[5] = {TEXTOID, TEXTOID, TEXTOID, BYTEAOID, FLOAT8OID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int64		id;
	bool		isnull;

	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(CITUS_STORE, name, 0);
	if (m->meta[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid seqforecast model"),
				 errdetail("The model has no metadata section.")));
	sql = psprintf("INSERT INTO %s (name, kind, options, metrics, loss, val_loss, model) "
				   "SELECT $1, $2, "
				   "pg_catalog.jsonb_set(pg_catalog.jsonb_object_field(m, 'options'), '{name}', pg_catalog.to_jsonb($1)), "
				   "CASE WHEN $5 IS NULL THEN pg_catalog.jsonb_object_field(m, 'metrics') "
				   "ELSE pg_catalog.jsonb_set(pg_catalog.jsonb_object_field(m, 'metrics'), '{train_seconds}', pg_catalog.to_jsonb($5)) END, "
				   "(SELECT pg_catalog.array_agg(x::pg_catalog.float8 ORDER BY i) "
				   "   FROM pg_catalog.jsonb_array_elements_text(pg_catalog.jsonb_object_field(m, 'loss')) "
				   "   WITH ORDINALITY AS e(x, i)), "
				   "CASE WHEN pg_catalog.jsonb_typeof(pg_catalog.jsonb_object_field(m, 'val_loss')) "
				   "OPERATOR(pg_catalog.=) 'array' THEN "
				   "(SELECT pg_catalog.array_agg(x::pg_catalog.float8 ORDER BY i) "
				   "   FROM pg_catalog.jsonb_array_elements_text(pg_catalog.jsonb_object_field(m, 'val_loss')) "
				   "   WITH ORDINALITY AS e(x, i)) END, "
				   "$4 "
				   "FROM (SELECT $3::pg_catalog.jsonb AS m) AS meta "
				   "RETURNING id",
				   ModelTable(fn_oid));
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(sf_kind_name(m->core.arch.kind));
	values[2] = CStringGetTextDatum(m->meta);
	values[3] = PointerGetDatum(blob);
	values[4] = Float8GetDatum(train_seconds);
	if (isnan(train_seconds))
		nulls[4] = 'n';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 5, types, values, nulls, false, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "storing the model failed");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

/* Store a model that carries no training time (saved or imported). */
int64
StoreModel(Oid fn_oid, const char *name, bytea *blob)
{
	return StoreModelTimed(fn_oid, name, blob, NAN);
}

/*
 * Decoded models are cached per backend, so that forecasting from a stored
 * model costs one index lookup, not a fetch and a full decode.  An entry is
 * keyed by the row version: id, xmin and ctid, so any change to the row (an
 * UPDATE writes a new version at a new ctid, even within the transaction
 * that inserted it) or a re-created table misses the cache.  The
 * lookup itself always runs, under the caller's role and row-level security,
 * so the cache never hands a model to a role that could not read its row.
 */
#define CACHE_SIZE 8
#define CACHE_MAX_PARAMS (4 * 1024 * 1024)	/* larger models are not kept */

typedef struct CachedModel
{
	int64		id;
	char		version[64];	/* "xmin/ctid" of the row */
	Oid			table;
	uint64		last_used;
	MemoryContext ctx;			/* holds model; NULL when the slot is empty */
	SfModel    *model;
} CachedModel;

static CachedModel cache[CACHE_SIZE];
static uint64 cache_clock = 0;

/* Saved plans of the lookups, for the schema they were prepared in. */
static Oid	plans_schema = InvalidOid;
static SPIPlanPtr plan_by_id = NULL;
static SPIPlanPtr plan_by_name = NULL;
static SPIPlanPtr plan_fetch = NULL;

static SPIPlanPtr
Prepare(const char *sql, Oid type)
{
	SPIPlanPtr	plan = SPI_prepare(sql, 1, &type);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/* Make the saved plans for the schema of the calling function. */
static void
PreparePlans(Oid fn_oid)
{
	Oid			schema = get_func_namespace(fn_oid);
	char	   *table;

	if (schema == plans_schema && plan_by_id && plan_by_name && plan_fetch)
		return;
	table = ModelTable(fn_oid);
	if (plan_by_id)
		SPI_freeplan(plan_by_id);
	if (plan_by_name)
		SPI_freeplan(plan_by_name);
	if (plan_fetch)
		SPI_freeplan(plan_fetch);
	plan_by_id = plan_by_name = plan_fetch = NULL;
	plan_by_id = Prepare(psprintf("SELECT id, xmin::pg_catalog.text OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) ctid::pg_catalog.text, tableoid FROM %s WHERE id OPERATOR(pg_catalog.=) $1",
								  table), INT8OID);
	plan_by_name = Prepare(psprintf("SELECT id, xmin::pg_catalog.text OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) ctid::pg_catalog.text, tableoid FROM %s WHERE name OPERATOR(pg_catalog.=) $1 "
									"ORDER BY id DESC LIMIT 1", table), TEXTOID);
	plan_fetch = Prepare(psprintf("SELECT model FROM %s WHERE id OPERATOR(pg_catalog.=) $1", table),
						 INT8OID);
	plans_schema = schema;
}

static CachedModel *
CacheFind(int64 id, const char *version, Oid table)
{
	for (int i = 0; i < CACHE_SIZE; i++)
		if (cache[i].ctx && cache[i].id == id && cache[i].table == table &&
			strcmp(cache[i].version, version) == 0)
		{
			cache[i].last_used = ++cache_clock;
			return &cache[i];
		}
	return NULL;
}

/*
 * Keep a decoded copy of blob in the least recently used slot.  It is
 * decoded in a context under the caller's, adopted by TopMemoryContext only
 * once decoding succeeded, so a corrupt value leaks nothing.
 */
static SfModel *
CacheStore(int64 id, const char *version, Oid table, bytea *blob)
{
	CachedModel *slot = &cache[0];
	MemoryContext ctx = AllocSetContextCreate(CurrentMemoryContext,
											  "seqforecast model cache",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(ctx);
	SfModel    *m = DecodeModel(blob);

	MemoryContextSwitchTo(old);
	MemoryContextSetParent(ctx, TopMemoryContext);

	for (int i = 1; i < CACHE_SIZE; i++)
		if (cache[i].last_used < slot->last_used)
			slot = &cache[i];
	if (slot->ctx)
		MemoryContextDelete(slot->ctx);
	slot->id = id;
	strlcpy(slot->version, version, sizeof(slot->version));
	slot->table = table;
	slot->ctx = ctx;
	slot->model = m;
	slot->last_used = ++cache_clock;
	return m;
}

/*
 * Find a stored model by id (by_name false) or by name (the newest of that
 * name) and return it decoded, from the cache when the row is unchanged.
 * The result is shared: callers must not modify it.
 */
static SfModel *
LoadStored(Oid fn_oid, bool by_name, Datum key)
{
	MemoryContext caller = CurrentMemoryContext;
	SfModel    *model = NULL;
	bytea	   *blob = NULL;
	int64		id = 0;
	char	   *version = NULL;
	Oid			table = InvalidOid;
	bool		found = false;

	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(CITUS_LOOKUP, by_name ? TextDatumGetCString(key) : NULL,
						  by_name ? 0 : DatumGetInt64(key));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PreparePlans(fn_oid);
	if (SPI_execute_plan(by_name ? plan_by_name : plan_by_id, &key, NULL,
						 true, 1) != SPI_OK_SELECT)
		elog(ERROR, "looking up the model failed");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		CachedModel *hit;

		found = true;
		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		version = MemoryContextStrdup(caller, SPI_getvalue(tup, desc, 2));
		table = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		hit = CacheFind(id, version, table);
		if (hit)
			model = hit->model;
		else
		{
			Datum		idd = Int64GetDatum(id);

			if (SPI_execute_plan(plan_fetch, &idd, NULL, true, 1) != SPI_OK_SELECT ||
				SPI_processed != 1)
				elog(ERROR, "fetching model %lld failed", (long long) id);
			{
				Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull);
				MemoryContext spi = MemoryContextSwitchTo(caller);

				blob = DatumGetByteaPCopy(d);
				MemoryContextSwitchTo(spi);
			}
		}
	}
	SPI_finish();

	if (!found)
	{
		if (by_name)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" does not exist", TextDatumGetCString(key))));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model %lld does not exist", (long long) DatumGetInt64(key))));
	}
	if (model == NULL)
	{
		if (VARSIZE_ANY_EXHDR(blob) <= CACHE_MAX_PARAMS * sizeof(float))
			model = CacheStore(id, version, table, blob);
		else
			model = DecodeModel(blob);
	}
	return model;
}

/*
 * A model argument of any of the three forms: bigint id, text name, bytea.
 * The result may be shared with the cache: callers must not modify it.
 */
SfModel *
LoadModel(FunctionCallInfo fcinfo, int argno)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	Datum		arg = PG_GETARG_DATUM(argno);

	switch (type)
	{
		case INT8OID:
			return LoadStored(fn_oid, false, arg);
		case TEXTOID:
			return LoadStored(fn_oid, true, arg);
		case BYTEAOID:
			return DecodeModel(DatumGetByteaPP(arg));
		default:
			elog(ERROR, "unexpected model argument type %u", type);
	}
	return NULL;
}

PG_FUNCTION_INFO_V1(seq_model_save);

/* seq_model_save(name text, model bytea) -> bigint */
Datum
seq_model_save(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PreventCommandDuringRecovery("seq_model_save()");
	PreventCommandIfReadOnly("seq_model_save()");
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(CITUS_STORE, name, 0);
	PG_RETURN_INT64(StoreModel(fcinfo->flinfo->fn_oid, name,
							   PG_GETARG_BYTEA_PP(1)));
}
