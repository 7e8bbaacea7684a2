/*
 * test_float.c
 *	  Entry point of the tests built against the core as shipped
 *	  (sf_real = float): everything but the gradient checks.
 */
#include "unit.h"

int
main(void)
{
	test_model();
	test_metrics();
	test_codec();
	test_work();
	test_adam();
	test_train();
	test_citus();
	test_exog();
	test_calendar();
	test_act();
	return unit_summary();
}
