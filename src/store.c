/*
 * store.c
 *	  The seq_model table: storing a trained model as a new row, finding one
 *	  by id or by name (the newest version), and seq_model_save.  Every query
 *	  names the table with its schema, the schema of the calling function,
 *	  so objects on the user's search_path cannot stand in for ours.  Row
 *	  level security on the table decides which rows a role can see.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

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
 * Insert a serialized model as a new row and return its id.  The model's
 * metadata (options, metrics, losses) fills the other columns.
 */
int64
StoreModel(Oid fn_oid, const char *name, bytea *blob)
{
	SfModel    *m = DecodeModel(blob);
	char	   *sql;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		values[4];
	int64		id;
	bool		isnull;

	if (m->meta[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid seqforecast model"),
				 errdetail("The model has no metadata section.")));
	sql = psprintf("INSERT INTO %s (name, kind, options, metrics, loss, val_loss, model) "
				   "SELECT $1, $2, m->'options', m->'metrics', "
				   "(SELECT pg_catalog.array_agg(x::pg_catalog.float8 ORDER BY i) "
				   "   FROM pg_catalog.jsonb_array_elements_text(m->'loss') WITH ORDINALITY AS e(x, i)), "
				   "CASE WHEN pg_catalog.jsonb_typeof(m->'val_loss') = 'array' THEN "
				   "(SELECT pg_catalog.array_agg(x::pg_catalog.float8 ORDER BY i) "
				   "   FROM pg_catalog.jsonb_array_elements_text(m->'val_loss') WITH ORDINALITY AS e(x, i)) END, "
				   "$4 "
				   "FROM (SELECT $3::pg_catalog.jsonb AS m) AS meta "
				   "RETURNING id",
				   ModelTable(fn_oid));
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(sf_kind_name(m->core.arch.kind));
	values[2] = CStringGetTextDatum(m->meta);
	values[3] = PointerGetDatum(blob);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 4, types, values, NULL, false, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "storing the model failed");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return id;
}

/* Run a one-row, one-bytea-column query; NULL when it finds no row. */
static bytea *
FetchModel(const char *sql, Oid type, Datum arg)
{
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *result = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, &type, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "looking up the model failed");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext spi = MemoryContextSwitchTo(caller);

			result = DatumGetByteaPCopy(d);
			MemoryContextSwitchTo(spi);
		}
	}
	SPI_finish();
	return result;
}

bytea *
FetchModelById(Oid fn_oid, int64 id)
{
	bytea	   *blob = FetchModel(psprintf("SELECT model FROM %s WHERE id = $1",
										   ModelTable(fn_oid)),
								  INT8OID, Int64GetDatum(id));

	if (blob == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model %lld does not exist", (long long) id)));
	return blob;
}

/* The newest model of that name. */
bytea *
FetchModelByName(Oid fn_oid, const char *name)
{
	bytea	   *blob = FetchModel(psprintf("SELECT model FROM %s WHERE name = $1 "
										   "ORDER BY id DESC LIMIT 1",
										   ModelTable(fn_oid)),
								  TEXTOID, CStringGetTextDatum(name));

	if (blob == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name)));
	return blob;
}

/* A model argument of any of the three forms: bigint id, text name, bytea. */
SfModel *
LoadModel(FunctionCallInfo fcinfo, int argno)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	Datum		arg = PG_GETARG_DATUM(argno);

	switch (type)
	{
		case INT8OID:
			return DecodeModel(FetchModelById(fn_oid, DatumGetInt64(arg)));
		case TEXTOID:
			return DecodeModel(FetchModelByName(fn_oid, TextDatumGetCString(arg)));
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

	PreventCommandIfReadOnly("seq_model_save()");
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	PG_RETURN_INT64(StoreModel(fcinfo->flinfo->fn_oid, name,
							   PG_GETARG_BYTEA_PP(1)));
}
