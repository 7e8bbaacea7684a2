/*
 * fuzz_decode.c
 *	  libFuzzer harness over the model decoder (sf_decode_check, sf_decode),
 *	  the untrusted-input path of every bytea a user passes in.
 *
 * The first input byte is a mode, the rest the model bytes.  With bit 0 of
 * the mode set, the harness writes the model's real length into the header
 * and re-seals the CRC-32C before decoding, so mutations get past the length
 * and checksum checks and reach the field checks behind them; without it the
 * bytes are decoded as they are.  A model the decoder accepts must re-encode
 * to a model that decodes the same (the same bytes, for the newest format)
 * and predict and forecast without a fault.  Bit 1 of the mode asked for an
 * interchange round trip when the core wrote the JSON; the server does that
 * now (import_sweep.sql), and the bit is ignored so the corpus stays valid.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	size_t		len;
	sf_blob		info;
	sf_real    *params;
	double	   *tail,
			   *radius;
	char	   *meta;
	size_t		n_params;

	if (size < 1)
		return 0;
	len = size - 1;
	/* an exact-size copy, so ASan sees any read past the end */
	buf = malloc(len ? len : 1);
	if (len)
		memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= 12)
	{
		uint32_t	crc;

		buf[8] = (unsigned char) len;
		buf[9] = (unsigned char) (len >> 8);
		buf[10] = (unsigned char) (len >> 16);
		buf[11] = (unsigned char) (len >> 24);
		crc = sf_crc32c(0, buf, len - 4);
		buf[len - 4] = (unsigned char) crc;
		buf[len - 3] = (unsigned char) (crc >> 8);
		buf[len - 2] = (unsigned char) (crc >> 16);
		buf[len - 1] = (unsigned char) (crc >> 24);
	}

	if (sf_decode_check(buf, len, &info) != NULL)
	{
		free(buf);
		return 0;
	}

	n_params = (size_t) info.model.n_members * sf_param_count(&info.model.arch);
	FuzzAssert(4 * n_params < len, "parameters fit in the bytes");
	params = malloc(sizeof(sf_real) * n_params);
	tail = malloc(sizeof(double) * (size_t) (info.n_tail + 1));
	radius = malloc(sizeof(double) * (size_t) (info.n_radius + 1));
	meta = malloc(info.meta_len + 1);
	sf_decode(buf, &info, params, tail, radius, meta);
	meta[info.meta_len] = '\0';
	info.model.params = params;
	info.tail = tail;
	info.radius = radius;
	info.meta = meta;

	/* what the decoder accepted, the encoder writes back the same */
	FuzzReencode(buf, len, &info);

	FuzzRun(&info.model, tail, info.n_tail);

	free(meta);
	free(radius);
	free(tail);
	free(params);
	free(buf);
	return 0;
}
