/*
 * seqforecast.c
 *	  Module entry point, settings, and the small services every part of the
 *	  glue shares: the memory ceiling, work-area allocation, interrupt checks
 *	  and number formatting.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/float.h"
#include "utils/guc.h"

#include "seqforecast.h"

PG_MODULE_MAGIC;

/* seqforecast.max_memory, in kB: the largest work area one call may use. */
int			sf_max_memory_kb = 1024 * 1024;

/* seqforecast.progress: NOTICE lines while training. */
bool		sf_progress = false;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("seqforecast.max_memory",
							"Largest working memory one training or forecast may use.",
							"Requests above it are refused before anything is allocated.",
							&sf_max_memory_kb,
							1024 * 1024,
							1024,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("seqforecast.progress",
							 "Report training progress as NOTICE lines.",
							 NULL,
							 &sf_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("seqforecast");
}

/*
 * Refuse a work area above seqforecast.max_memory before allocating it, so
 * an absurd request fails with a clear message instead of exhausting the
 * server's memory.
 */
void
CheckMemoryRequest(size_t bytes, const char *what, const char *hint)
{
	double		kb = (double) bytes / 1024.0;

	if (kb > (double) sf_max_memory_kb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would need %.0f MB of memory, more than seqforecast.max_memory (%d MB)",
						what, ceil(kb / 1024.0), sf_max_memory_kb / 1024),
				 errhint("%s", hint ? hint : "Raise seqforecast.max_memory.")));
}

/* A work area for the core, checked against the ceiling first. */
void *
AllocWork(size_t bytes)
{
	CheckMemoryRequest(bytes, "this call", NULL);
	return palloc_extended(bytes, MCXT_ALLOC_HUGE);
}

/* The core's per-mini-batch hook: let cancel and statement_timeout in. */
void
InterruptTick(void *ctx)
{
	(void) ctx;
	CHECK_FOR_INTERRUPTS();
}

/* Hooks for the core's long loops: check for interrupts and nothing else. */
const sf_hooks InterruptHooks = {NULL, InterruptTick, NULL};

/* A float in JSON: shortest exact form, null for NaN or infinity. */
void
AppendFloat(StringInfo s, double v)
{
	if (isfinite(v))
		appendStringInfoString(s, float8out_internal(v));
	else
		appendStringInfoString(s, "null");
}

/* n floats as a JSON array: "[v0, v1, ...]", each as AppendFloat writes it. */
void
AppendFloatArray(StringInfo s, const double *v, int64 n)
{
	appendStringInfoChar(s, '[');
	for (int64 i = 0; i < n; i++)
	{
		if (i)
			appendStringInfoString(s, ", ");
		AppendFloat(s, v[i]);
	}
	appendStringInfoChar(s, ']');
}
