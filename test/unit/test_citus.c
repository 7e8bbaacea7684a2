/*
 * test_citus.c
 *	  The Citus task guard's decision (sf_citus.c): which application names
 *	  mark a task connection and from which node, and when the initiating
 *	  node is the local one.  The glue refuses exactly when both say "a task,
 *	  not from here".
 */
#include <stdio.h>

#include "sf_citus.h"
#include "unit.h"

/* One application name and what the parser must say about it. */
typedef struct origin_case
{
	const char *name;
	int			task;
	int64_t		origin;			/* when task */
} origin_case;

static void
test_origin(void)
{
	static const origin_case cases[] = {
		/* not Citus at all */
		{"", 0, 0},
		{"psql", 0, 0},
		{"pgbench", 0, 0},
		{"citus_internal", 0, 0},
		{"citus_internal gpid", 0, 0},
		{" citus_internal gpid=10000012345", 0, 0},
		{"Citus_Internal gpid=10000012345", 0, 0},
		{"citus_internal  gpid=10000012345", 0, 0},
		/* Citus's other connections are not task connections */
		{"citus_rebalancer gpid=10000012345", 0, 0},
		{"citus_run_command gpid=10000012345", 0, 0},
		/* gpid 0 and malformed numbers: Citus reads them as gpid 0 */
		{"citus_internal gpid=", 0, 0},
		{"citus_internal gpid=0", 0, 0},
		{"citus_internal gpid=0000", 0, 0},
		{"citus_internal gpid=abc", 0, 0},
		{"citus_internal gpid=x10000012345", 0, 0},
		{"citus_internal gpid=-10000012345", 0, 0},
		{"citus_internal gpid=+10000012345", 0, 0},
		{"citus_internal gpid= 10000012345", 0, 0},
		/* well-formed: node id = gpid / 10^10 */
		{"citus_internal gpid=10000012345", 1, 1},
		{"citus_internal gpid=20000054321", 1, 2},
		{"citus_internal gpid=19999999999", 1, 1},
		{"citus_internal gpid=170000000001", 1, 17},
		{"citus_internal gpid=999999990000004242", 1, SF_CITUS_NODE_NOT_IN_METADATA},
		{"citus_internal gpid=12345", 1, 0},
		{"citus_internal gpid=00000000030000000007", 1, 3},
		/* strtoul stops at the first non-digit, and so do we */
		{"citus_internal gpid=30000000007 and more", 1, 3},
		{"citus_internal gpid=30000000007x", 1, 3},
		/* the largest gpid, then one beyond 64 bits: a node we cannot name */
		{"citus_internal gpid=18446744073709551615", 1, 1844674407},
		{"citus_internal gpid=18446744073709551616", 1, SF_CITUS_UNKNOWN_NODE},
		{"citus_internal gpid=99999999999999999999999999", 1, SF_CITUS_UNKNOWN_NODE},
	};
	unit_case	c;
	int64_t		origin;

	uc_begin(&c, "citus: NULL application_name is not a task");
	origin = 77;
	if (sf_citus_task_origin(NULL, &origin) != 0 || origin != 77)
		uc_fail(&c, "NULL read as a task (origin %lld)", (long long) origin);
	uc_end(&c);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const origin_case *k = &cases[i];
		int			task;

		uc_begin(&c, "citus: application_name \"%s\" is %s", k->name,
				 k->task ? "a task" : "not a task");
		origin = -12345;
		task = sf_citus_task_origin(k->name, &origin);
		if (task != k->task)
			uc_fail(&c, "task = %d, expected %d", task, k->task);
		else if (task && origin != k->origin)
			uc_fail(&c, "origin node %lld, expected %lld",
					(long long) origin, (long long) k->origin);
		else if (!task && origin != -12345)
			uc_fail(&c, "origin written (%lld) for a non-task", (long long) origin);
		else if (task)
			uc_note(&c, "from node %lld", (long long) origin);
		uc_end(&c);
	}
}

static void
expect_local(unit_case *c, int64_t origin, const int32_t *nodes,
			 const int *active, int n, int want)
{
	int			got = sf_citus_origin_is_local(origin, nodes, active, n);

	if (got != want)
		uc_fail(c, "origin %lld over %d group nodes: local = %d, expected %d",
				(long long) origin, n, got, want);
}

static void
test_local(void)
{
	unit_case	c;

	{
		/* a worker, node 2, alone in its group */
		static const int32_t nodes[1] = {2};
		static const int active[1] = {1};

		uc_begin(&c, "citus: a worker refuses the coordinator's tasks, runs its own");
		expect_local(&c, 1, nodes, active, 1, 0);
		expect_local(&c, 3, nodes, active, 1, 0);
		expect_local(&c, 2, nodes, active, 1, 1);
		expect_local(&c, 0, nodes, active, 1, 0);
		expect_local(&c, SF_CITUS_NODE_NOT_IN_METADATA, nodes, active, 1, 0);
		expect_local(&c, SF_CITUS_UNKNOWN_NODE, nodes, active, 1, 0);
		uc_end(&c);
	}
	{
		/* a coordinator that holds shards: node 1 in group 0 */
		static const int32_t nodes[1] = {1};
		static const int active[1] = {1};

		uc_begin(&c, "citus: a coordinator with shards runs its own tasks");
		expect_local(&c, 1, nodes, active, 1, 1);
		expect_local(&c, 2, nodes, active, 1, 0);
		uc_end(&c);
	}
	{
		/* a primary (5) and its streaming replica (9) share a group and a table */
		static const int32_t nodes[2] = {5, 9};
		static const int active[2] = {1, 1};

		uc_begin(&c, "citus: a task from a node of the same group is local");
		expect_local(&c, 5, nodes, active, 2, 1);
		expect_local(&c, 9, nodes, active, 2, 1);
		expect_local(&c, 6, nodes, active, 2, 0);
		uc_end(&c);
	}
	{
		uc_begin(&c, "citus: a node not in the metadata is node 99999999");
		/* coordinator never added: no row for its group */
		expect_local(&c, SF_CITUS_NODE_NOT_IN_METADATA, NULL, NULL, 0, 1);
		expect_local(&c, 1, NULL, NULL, 0, 0);
		expect_local(&c, 0, NULL, NULL, 0, 0);
		expect_local(&c, SF_CITUS_UNKNOWN_NODE, NULL, NULL, 0, 0);
		uc_end(&c);
	}
	{
		/* a disabled node: its own id still names its table, and with no
		 * active node in the group Citus sends 99999999 from it */
		static const int32_t nodes[1] = {4};
		static const int active[1] = {0};

		uc_begin(&c, "citus: a disabled node's own gpids are local");
		expect_local(&c, 4, nodes, active, 1, 1);
		expect_local(&c, SF_CITUS_NODE_NOT_IN_METADATA, nodes, active, 1, 1);
		expect_local(&c, 1, nodes, active, 1, 0);
		uc_end(&c);
	}
}

/* The two steps together, as the glue applies them. */
static int
refuses(const char *application_name, const int32_t *nodes, const int *active,
		int n)
{
	int64_t		origin;

	return sf_citus_task_origin(application_name, &origin) &&
		!sf_citus_origin_is_local(origin, nodes, active, n);
}

static void
test_decision(void)
{
	static const int32_t worker[1] = {2};
	static const int32_t coordinator[1] = {1};
	static const int active[1] = {1};
	unit_case	c;

	uc_begin(&c, "citus: refuse exactly a task started on another node");
	if (refuses("psql", worker, active, 1))
		uc_fail(&c, "a client session on a worker refused");
	if (refuses("citus_internal gpid=0", worker, active, 1))
		uc_fail(&c, "gpid 0 refused");
	if (!refuses("citus_internal gpid=10000004711", worker, active, 1))
		uc_fail(&c, "the coordinator's task on a worker not refused");
	if (refuses("citus_internal gpid=20000004711", worker, active, 1))
		uc_fail(&c, "a worker's own task refused");
	if (refuses("citus_internal gpid=10000004711", coordinator, active, 1))
		uc_fail(&c, "the coordinator's own task refused");
	if (!refuses("citus_internal gpid=20000004711", coordinator, active, 1))
		uc_fail(&c, "a worker's task on the coordinator not refused");
	if (!refuses("citus_internal gpid=18446744073709551616", coordinator, active, 1))
		uc_fail(&c, "a task from an unreadable node not refused");
	uc_end(&c);
}

void
test_citus(void)
{
	test_origin();
	test_local();
	test_decision();
}
