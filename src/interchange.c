/*
 * interchange.c
 *	  seq_model_export and seq_model_import: a model as the interchange JSON
 *	  of SPEC.md, with PyTorch's state_dict names, shapes and gate order.
 *	  The reading and writing is the core's (sf_json.c), which can be fuzzed
 *	  without a server; this file moves the text in and out of jsonb and
 *	  turns the core's complaints into errors.
 *
 * Import errors are data exceptions: 22P02 (invalid_text_representation)
 * when the state is not a well-formed interchange object (a missing key, a
 * value of the wrong JSON type), 22023 (invalid_parameter_value) when it is
 * well-formed but a value is unacceptable (unknown kind, a size out of
 * range, a tensor of the wrong name or shape, a weight out of float32
 * range).  FORMAT.md lists them.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "seqforecast.h"

/* The core's allocator callback: checked against the ceiling, then palloc. */
static void *
AllocImported(void *ctx, size_t bytes)
{
	(void) ctx;
	CheckMemoryRequest(bytes, "importing this model", NULL);
	return palloc_extended(bytes, MCXT_ALLOC_HUGE);
}

/*
 * The "metrics" member of a model's metadata, as the text of a JSON member
 * ("metrics": {...}), or NULL when the metadata has none.
 */
static char *
ExtractMetrics(const char *meta)
{
	Jsonb	   *j;
	JsonbValue	v;

	if (meta[0] == '\0')
		return NULL;
	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(meta)));
	if (!JB_ROOT_IS_OBJECT(j) ||
		!getKeyJsonValueFromContainer(&j->root, "metrics", 7, &v) ||
		v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		return NULL;
	return psprintf("\"metrics\": %s",
					JsonbToCString(NULL, v.val.binary.data, v.val.binary.len));
}

PG_FUNCTION_INFO_V1(seq_model_export);

/* seq_model_export(model) -> jsonb, model by bigint id, text name or bytea */
Datum
seq_model_export(PG_FUNCTION_ARGS)
{
	SfModel    *m = LoadModel(fcinfo, 0);
	char	   *extra = ExtractMetrics(m->meta);
	size_t		cap = sf_export_json_bytes(&m->core.arch, m->core.n_members,
										  extra ? strlen(extra) : 0);
	char	   *text;

	if (sf_arch_inputs(&m->core.arch) > 1 || m->core.n_exog > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot export a model with %d inputs per time step",
						sf_arch_inputs(&m->core.arch)),
				 errdetail("The interchange JSON does not carry covariates or calendar inputs yet.")));
	CheckMemoryRequest(cap, "exporting this model", NULL);
	text = palloc_extended(cap, MCXT_ALLOC_HUGE);
	if (sf_export_json(&m->core, extra, text, cap) == 0)
		elog(ERROR, "exporting the model overflowed its %zu-byte buffer", cap);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

PG_FUNCTION_INFO_V1(seq_model_import);

/* seq_model_import(name text, state jsonb) -> bigint */
Datum
seq_model_import(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *state = PG_GETARG_JSONB_P(1);
	char	   *text;
	sf_model	model;
	char		err[SF_JSON_ERRLEN];
	int			rc;
	const sf_arch *a;
	StringInfoData meta;
	bytea	   *blob;

	PreventCommandDuringRecovery("seq_model_import()");
	PreventCommandIfReadOnly("seq_model_import()");
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must not be empty")));
	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(CITUS_STORE, name, 0);

	text = JsonbToCString(NULL, &state->root, VARSIZE(state));
	text = pg_server_to_any(text, strlen(text), PG_UTF8);	/* the reader reads UTF-8 */
	rc = sf_import_json(text, strlen(text), AllocImported, NULL, &model,
						err, sizeof(err));
	if (rc == SF_EJSON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s", err),
				 errhint("The state must be an object with kind, window, hidden, layers, head, scaler and tensors (or members), as seq_model_export writes it.")));
	if (rc == SF_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("%s", err)));
	if (rc != SF_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err)));

	/* the metadata of a model with no training behind it */
	a = &model.arch;
	initStringInfo(&meta);
	appendStringInfo(&meta, "{\"format\": %d, \"options\": {\"name\": ",
					 SF_FORMAT_VERSION);
	escape_json(&meta, name);
	appendStringInfo(&meta, ", \"kind\": \"%s\", \"window\": %d, \"hidden\": %d, "
					 "\"layers\": %d, \"head\": [",
					 sf_kind_name(a->kind), a->window, a->hidden, a->layers);
	for (int j = 0; j < a->n_head; j++)
		appendStringInfo(&meta, "%s%d", j ? ", " : "", a->head[j]);
	appendStringInfoChar(&meta, ']');
	/* a min-max single network keeps 1.0's options; others say what they are */
	if (model.prep.norm != SF_NORM_MINMAX || model.n_members > 1)
		appendStringInfo(&meta, ", \"normalize\": \"%s\", \"ensemble\": %d",
						 sf_norm_name(model.prep.norm), model.n_members);
	if (model.prep.norm != SF_NORM_MINMAX)
		appendStringInfo(&meta, ", \"level\": %d, \"season\": %d, \"deseasonalize\": %s",
						 model.prep.level, model.prep.season,
						 model.prep.season > 0 ? "true" : "false");
	appendStringInfoString(&meta, ", \"imported\": true}, \"metrics\": {}, "
						   "\"loss\": [], \"val_loss\": null}");

	blob = EncodeModel(&model, NULL, 0, 0, NULL, 0, meta.data);
	PG_RETURN_INT64(StoreModel(fcinfo->flinfo->fn_oid, name, blob));
}
