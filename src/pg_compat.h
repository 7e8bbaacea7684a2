/*
 * pg_compat.h
 *	  The few server APIs that differ between the PostgreSQL majors that
 *	  seqforecast builds for (15, 17 and 18), each behind one name here so
 *	  that the rest of the glue reads the same for every major.
 *
 * Every PG_VERSION_NUM test of the extension is in this file.  Add one only
 * where the compiler shows that an API really changed.
 */
#ifndef SEQFORECAST_PG_COMPAT_H
#define SEQFORECAST_PG_COMPAT_H

#include "postgres.h"

#include "common/jsonapi.h"
#include "storage/proc.h"
#include "utils/float.h"

#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif

/*
 * A function that never returns, marked before its declaration.  18 replaced
 * the attribute written after the parameters, pg_attribute_noreturn(), with
 * the C11 specifier pg_noreturn written first; both compilers the server
 * supports accept the attribute in front too.
 */
#if PG_VERSION_NUM >= 180000
#define SF_NORETURN pg_noreturn
#else
#define SF_NORETURN pg_attribute_noreturn()
#endif

/*
 * The JSON parser's semantic callbacks return a JsonParseErrorType from 16
 * on (they may stop the parse); in 15 they return nothing.  A callback is
 * declared "static SfJsonResult Name(...)" and ends with
 * "return SF_JSON_OK;".
 */
#if PG_VERSION_NUM >= 160000
typedef JsonParseErrorType SfJsonResult;
#define SF_JSON_OK JSON_SUCCESS
#else
typedef void SfJsonResult;
#define SF_JSON_OK
#endif

/*
 * A lexer over len bytes of JSON text in the given encoding, allocated in
 * the current memory context.  17 added a first argument, the caller's
 * JsonLexContext to fill in (NULL: allocate one).
 */
#if PG_VERSION_NUM >= 170000
#define SfJsonLexer(json, len, encoding, need_escapes) \
	makeJsonLexContextCstringLen(NULL, (json), (len), (encoding), (need_escapes))
#else
#define SfJsonLexer(json, len, encoding, need_escapes) \
	makeJsonLexContextCstringLen((json), (len), (encoding), (need_escapes))
#endif

/*
 * The backend's local id of its current top-level transaction: a field of
 * PGPROC in 15, inside PGPROC's vxid from 17 on.
 */
#if PG_VERSION_NUM >= 170000
#define SfMyLocalTransactionId() (MyProc->vxid.lxid)
#else
#define SfMyLocalTransactionId() (MyProc->lxid)
#endif

/*
 * Whether token reads as a float8 (the server's float8in, without raising
 * an error when it does not: out of range or not a number).  16 replaced
 * float8in_internal_opt_error with soft errors through an ErrorSaveContext.
 */
static inline bool
SfFloat8Reads(char *token)
{
#if PG_VERSION_NUM >= 160000
	ErrorSaveContext escontext = {.type = T_ErrorSaveContext};

	(void) float8in_internal(token, NULL, "double precision", token,
							 (Node *) &escontext);
	return !escontext.error_occurred;
#else
	bool		have_error = false;

	(void) float8in_internal_opt_error(token, NULL, "double precision",
									   token, &have_error);
	return !have_error;
#endif
}

#endif							/* SEQFORECAST_PG_COMPAT_H */
