/*
 * sf_citus.h
 *	  Whether a backend runs a Citus task that another node started, decided
 *	  from plain values: the application_name Citus gives the connections it
 *	  runs tasks over, and the node ids of the local node's group.  Like the
 *	  rest of the core it has no PostgreSQL header (and no Citus one): the
 *	  glue (src/citus.c) reads the values, the unit tests pass them directly.
 *
 * Citus names a task connection "citus_internal gpid=<n>", where the global
 * process id n is the initiating node's id times 10^10 plus its backend's
 * pid.  A node that finds no active node of its own group in pg_dist_node
 * (a coordinator that was never added to the metadata) uses node id
 * 99999999 in the gpids it sends.
 */
#ifndef SF_CITUS_H
#define SF_CITUS_H

#include <stdint.h>

#define SF_CITUS_PREFIX "citus_internal gpid="
#define SF_CITUS_GPID_NODE_FACTOR UINT64_C(10000000000)
#define SF_CITUS_NODE_NOT_IN_METADATA 99999999
#define SF_CITUS_UNKNOWN_NODE (-1)	/* a gpid too large to read */

/*
 * Whether application_name (NULL allowed) marks a Citus task connection.
 * When it does, *origin receives the initiating node's id, or
 * SF_CITUS_UNKNOWN_NODE when the gpid overflows 64 bits.
 */
extern int	sf_citus_task_origin(const char *application_name, int64_t *origin);

/*
 * Whether a task started by node origin runs on the node that started it:
 * origin is one of the n nodes of the local group (their ids and isactive
 * flags, from pg_dist_node), or, when none of them is active, origin is the
 * "not in metadata" id that this node itself would use.
 */
extern int	sf_citus_origin_is_local(int64_t origin, const int32_t *group_nodes,
									 const int *active, int n);

#endif							/* SF_CITUS_H */
