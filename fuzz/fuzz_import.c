/*
 * fuzz_import.c
 *	  libFuzzer harness over the interchange JSON import (sf_import_json), the
 *	  untrusted-input path of seq_model_import.
 *
 * The input is the JSON text, not NUL-terminated.  A refused document must
 * come back with a known error code and a message and with nothing
 * allocated; an accepted one must have its architecture, transform and
 * members in range, predict and forecast without a fault and survive an
 * export and re-import unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts allocations, to check that a refused document allocated nothing. */
static void *
CountingAlloc(void *ctx, size_t bytes)
{
	(*(int *) ctx)++;
	return malloc(bytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size ? size : 1);
	sf_model	m;
	char		err[SF_JSON_ERRLEN];
	int			allocs = 0;
	int			rc;

	/* an exact-size copy, so ASan sees any read past the end */
	if (size)
		memcpy(text, data, size);
	rc = sf_import_json(text, size, CountingAlloc, &allocs, &m, err, sizeof(err));
	if (rc != SF_OK)
	{
		FuzzAssert(rc == SF_EJSON || rc == SF_EINVAL, "known error code");
		FuzzAssert(err[0] != '\0' && strlen(err) < sizeof(err), "an error message");
		FuzzAssert(allocs == 0 && m.params == NULL, "nothing allocated on error");
		free(text);
		return 0;
	}
	FuzzAssert(allocs == 1 && m.params != NULL, "one allocation");
	FuzzAssert(sf_arch_check(&m.arch) == SF_OK, "architecture in range");
	FuzzAssert(m.scale_max > m.scale_min, "increasing scaler");
	FuzzAssert(m.n_members >= 1 && m.n_members <= SF_MAX_MEMBERS, "members in range");
	FuzzAssert(m.prep.norm == SF_NORM_MINMAX ?
			   m.prep.level == 0 && m.prep.season == 0 && m.prep.scale == 1.0 :
			   (m.prep.norm == SF_NORM_WINDOW || m.prep.norm == SF_NORM_LOG) &&
			   m.prep.level >= 1 && m.prep.level <= m.arch.window &&
			   m.prep.scale > 0 && m.prep.scale - m.prep.scale == 0 &&
			   m.prep.season != 1 && m.prep.season >= 0 &&
			   m.prep.season <= SF_MAX_SEASON,
			   "transform in range");
	for (int i = 0; i < m.prep.season; i++)
		FuzzAssert(m.prep.index[i] - m.prep.index[i] == 0, "finite seasonal indices");
	for (size_t i = 0; i < FuzzTotalParams(&m); i++)
		FuzzAssert(m.params[i] == m.params[i] && m.params[i] - m.params[i] == 0,
				   "finite weights");

	FuzzRun(&m, NULL, 0);
	FuzzRoundTrip(&m);
	free(m.params);
	free(text);
	return 0;
}
