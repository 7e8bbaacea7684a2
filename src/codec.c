/*
 * codec.c
 *	  Models as bytea: the glue around the core's codec (sf_codec.c), which
 *	  turns a decoder complaint into a data-exception error.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "seqforecast.h"

bytea *
EncodeModel(const sf_model *model, const double *tail, int n_tail,
			int tail_phase, const double *radius, int n_radius, const char *meta)
{
	return EncodeModelTime(model, NULL, tail, n_tail, tail_phase, radius,
						   n_radius, meta);
}

/*
 * A model with its time fields (NULL: none).  A model with exog columns or
 * time fields is written as format 3, any other as format 2 (sf_codec.c).
 */
bytea *
EncodeModelTime(const sf_model *model, const sf_time *time,
				const double *tail, int n_tail, int tail_phase,
				const double *radius, int n_radius, const char *meta)
{
	sf_blob		blob;
	size_t		len;
	bytea	   *out;

	memset(&blob, 0, sizeof(blob));
	blob.model = *model;
	if (time)
		blob.time = *time;
	blob.tail = tail;
	blob.n_tail = n_tail;
	blob.tail_phase = tail_phase;
	blob.radius = radius;
	blob.n_radius = n_radius;
	blob.meta = meta ? MetaToUtf8(meta) : NULL;	/* FORMAT.md: UTF-8 */
	blob.meta_len = blob.meta ? strlen(blob.meta) : 0;
	len = sf_encode_bytes(&blob);
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("serialized model would be %zu bytes, more than a bytea can hold", len)));
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	sf_encode(&blob, (unsigned char *) VARDATA(out));
	return out;
}

/*
 * Decode and fully validate a serialized model.  Anything wrong with it is
 * reported as invalid binary representation (SQLSTATE 22P03).
 */
SfModel *
DecodeModel(bytea *blob)
{
	const unsigned char *buf = (const unsigned char *) VARDATA_ANY(blob);
	size_t		len = VARSIZE_ANY_EXHDR(blob);
	sf_blob		info;
	const char *problem;
	SfModel    *m;
	size_t		n_params;

	problem = sf_decode_check(buf, len, &info);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid seqforecast model"),
				 errdetail("%s", problem)));

	n_params = (size_t) info.model.n_members * sf_param_count(&info.model.arch);
	m = palloc0(sizeof(SfModel));
	m->core = info.model;
	m->core.params = palloc_extended(n_params * sizeof(sf_real), MCXT_ALLOC_HUGE);
	m->time = info.time;
	m->n_tail = info.n_tail;
	m->tail_phase = info.tail_phase;
	m->tail = palloc(sizeof(double) * Max(info.n_tail, 1));
	m->n_radius = info.n_radius;
	m->radius = palloc(sizeof(double) * Max(info.n_radius, 1));
	m->meta = palloc(info.meta_len + 1);
	sf_decode(buf, &info, m->core.params, m->tail, m->radius, m->meta);
	m->meta[info.meta_len] = '\0';
	m->meta = MetaCheck(m->meta, info.meta_len);	/* encoding, members (meta.c) */
	return m;
}
