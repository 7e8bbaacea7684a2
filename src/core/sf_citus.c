/*
 * sf_citus.c
 *	  The pure part of the Citus task guard: reading the initiating node from
 *	  a task connection's application_name, and comparing it with the local
 *	  node.  See sf_citus.h.
 */
#include <string.h>

#include "sf_citus.h"

/*
 * The gpid is read as Citus reads it (strtoul): the decimal digits that
 * follow the prefix, up to the first other character.  No digit at all, or
 * gpid 0, is what Citus calls an invalid gpid, and so not a task: Citus only
 * counts a connection as its own when the number reads as non-zero.  Signs
 * and blanks, which strtoul would skip, count as no digit: Citus never
 * writes them.  A number beyond 64 bits, which strtoul clamps to its maximum
 * (still a task to Citus), is a task from a node we cannot name, so it is
 * never taken for the local node.
 */
int
sf_citus_task_origin(const char *application_name, int64_t *origin)
{
	const size_t prefix = sizeof(SF_CITUS_PREFIX) - 1;
	const char *p;
	uint64_t	gpid = 0;
	int			overflow = 0;

	if (application_name == NULL ||
		strncmp(application_name, SF_CITUS_PREFIX, prefix) != 0)
		return 0;
	p = application_name + prefix;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
	{
		uint64_t	digit = (uint64_t) (*p - '0');

		if (gpid > (UINT64_MAX - digit) / 10)
			overflow = 1;
		else
			gpid = gpid * 10 + digit;
	}
	if (overflow)
	{
		*origin = SF_CITUS_UNKNOWN_NODE;
		return 1;
	}
	if (gpid == 0)
		return 0;
	*origin = (int64_t) (gpid / SF_CITUS_GPID_NODE_FACTOR);
	return 1;
}

int
sf_citus_origin_is_local(int64_t origin, const int32_t *group_nodes,
						 const int *active, int n)
{
	int			any_active = 0;

	if (origin < 0)
		return 0;
	for (int i = 0; i < n; i++)
	{
		if ((int64_t) group_nodes[i] == origin)
			return 1;
		if (active[i])
			any_active = 1;
	}
	return !any_active && origin == SF_CITUS_NODE_NOT_IN_METADATA;
}
