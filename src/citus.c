/*
 * citus.c
 *	  The Citus task guard.  Under Citus every node keeps its own seq_model
 *	  table, so a task that one node (the coordinator, usually) sends to
 *	  another would store models where the initiating node never looks, or
 *	  read models it never stored there.  Everything that writes seq_model,
 *	  and every lookup of a model by id or name, refuses to run in such a
 *	  task.  seq_fit and forecasting from a serialized model touch no table
 *	  and run there freely: that is how training is distributed.
 *
 * No Citus header or library is used, so the extension builds and runs
 * without Citus.  The decision itself is the core's (sf_citus.c, unit
 * tested); this file feeds it.  A backend is a task when its
 * application_name says so, by the test Citus's own IsCitusInternalBackend()
 * makes; only then are Citus's catalogs pg_dist_local_group and pg_dist_node
 * read, found by name in pg_catalog, to tell the local node from the
 * initiating one.  A node without those catalogs is not a Citus node and
 * refuses nothing.  Outside tasks the guard costs one string comparison.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pg_compat.h"
#include "sf_citus.h"
#include "seqforecast.h"

/*
 * What the catalogs said about the local node's group, kept for the rest of
 * the command that read them: within one command of one transaction a new
 * read could only differ by a concurrent change to the cluster's topology,
 * which the statement could not have ordered itself against anyway.  The
 * next command, and any other transaction, reads them again.
 */
typedef struct LocalGroup
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	bool		citus;			/* pg_dist_local_group exists */
	int			n;				/* nodes of the local group */
	int			cap;
	int32	   *nodes;			/* in TopMemoryContext */
	int		   *active;
	int32		self;			/* for messages: this node's id */
} LocalGroup;

static LocalGroup local;
static int64_t task_origin;		/* of the last task CitusTaskFromElsewhere saw */

/*
 * Read the node ids of the local group: the nodes of pg_dist_node whose
 * group is pg_dist_local_group's.  The primary and its streaming replicas
 * share a group, and a table.
 */
static void
ReadLocalGroup(void)
{
	local.valid = false;
	local.n = 0;
	local.self = SF_CITUS_NODE_NOT_IN_METADATA;
	local.citus = OidIsValid(get_relname_relid("pg_dist_local_group",
											   PG_CATALOG_NAMESPACE));
	if (local.citus &&
		OidIsValid(get_relname_relid("pg_dist_node", PG_CATALOG_NAMESPACE)))
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute("SELECT n.nodeid::pg_catalog.int4, n.isactive::pg_catalog.bool "
						"FROM pg_catalog.pg_dist_local_group AS g "
						"JOIN pg_catalog.pg_dist_node AS n "
						"ON n.groupid::pg_catalog.int4 OPERATOR(pg_catalog.=) g.groupid::pg_catalog.int4 "
						"WHERE n.nodeid IS NOT NULL ORDER BY n.nodeid",
						true, 0) != SPI_OK_SELECT)
			elog(ERROR, "reading Citus's pg_dist_node failed");
		if ((int) SPI_processed > local.cap)
		{
			int			cap = Max((int) SPI_processed, 4);

			if (local.nodes)
			{
				pfree(local.nodes);
				pfree(local.active);
			}
			local.nodes = MemoryContextAlloc(TopMemoryContext, sizeof(int32) * cap);
			local.active = MemoryContextAlloc(TopMemoryContext, sizeof(int) * cap);
			local.cap = cap;
		}
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int32		id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
			Datum		active = SPI_getbinval(tup, desc, 2, &isnull);

			local.nodes[local.n] = id;
			local.active[local.n] = !isnull && DatumGetBool(active);
			if (local.active[local.n] && local.self == SF_CITUS_NODE_NOT_IN_METADATA)
				local.self = id;
			local.n++;
		}
		SPI_finish();
	}
	local.lxid = SfMyLocalTransactionId();
	local.cid = GetCurrentCommandId(false);
	local.valid = true;
}

/*
 * Whether this backend runs a Citus task that another node started, where
 * seq_model must be neither written nor read by id or name.
 */
bool
CitusTaskFromElsewhere(void)
{
	int64_t		origin;

	if (!sf_citus_task_origin(application_name, &origin))
		return false;
	if (!local.valid || local.lxid != SfMyLocalTransactionId() ||
		local.cid != GetCurrentCommandId(false))
		ReadLocalGroup();
	if (!local.citus ||
		sf_citus_origin_is_local(origin, local.nodes, local.active, local.n))
		return false;
	task_origin = origin;
	return true;
}

/*
 * The refusal, after CitusTaskFromElsewhere said yes: SQLSTATE 0A000, the
 * model by name (name not NULL) or by id, and the pattern that works.
 */
void
RefuseInCitusTask(CitusAccess access, const char *name, int64 id)
{
	static const char *const verbs[] = {"train", "store", "look up", "drop", "prune"};
	const char *verb = verbs[access];
	char	   *model = name ? psprintf("model \"%s\"", name) : psprintf("model %lld", (long long) id);
	char	   *from = task_origin >= 0 ?
		psprintf("node %lld", (long long) task_origin) : pstrdup("another node");
	char	   *to = local.self != SF_CITUS_NODE_NOT_IN_METADATA ?
		psprintf("node %d", local.self) : pstrdup("this node");

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot %s %s inside a Citus task started on another node", verb, model),
			 errdetail("Citus sent this task from %s to %s, and each node has its own seq_model table: the node that started the query would never see what is stored or read here.",
					   from, to),
			 access == CITUS_LOOKUP ?
			 errhint("Look models up by id or name on the coordinator, where they are stored with WITH f AS MATERIALIZED (SELECT store, seq_fit(...) AS m FROM sales GROUP BY store) SELECT store, seq_model_save('store-' || store, m) FROM f; inside a distributed query, forecast from the model itself, as in CROSS JOIN LATERAL seq_forecast(x.m, h) over the pushed-down seq_fit.") :
			 errhint("Train with seq_fit, which runs on the workers, and store on the coordinator: WITH f AS MATERIALIZED (SELECT store, seq_fit(...) AS m FROM sales GROUP BY store) SELECT store, seq_model_save('store-' || store, m) FROM f;")));
}

PG_FUNCTION_INFO_V1(seq_citus_check);

/*
 * seq_citus_check(action text, model bigint or text) -> void: the guard for
 * seq_model_drop and seq_model_prune, which are written in PL/pgSQL.
 */
Datum
seq_citus_check(PG_FUNCTION_ARGS)
{
	char	   *action = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		by_name = get_fn_expr_argtype(fcinfo->flinfo, 1) == TEXTOID;
	CitusAccess access;

	if (strcmp(action, "drop") == 0)
		access = CITUS_DROP;
	else if (strcmp(action, "prune") == 0)
		access = CITUS_PRUNE;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown seq_model action \"%s\"", action),
				 errhint("The actions are drop and prune.")));
	if (CitusTaskFromElsewhere())
		RefuseInCitusTask(access,
						  by_name ? text_to_cstring(PG_GETARG_TEXT_PP(1)) : NULL,
						  by_name ? 0 : PG_GETARG_INT64(1));
	PG_RETURN_VOID();
}
