/*
 * sf_gemm_tile.h
 *	  The register-blocked matrix kernel, instantiated by sf_gemm.c once per
 *	  vector width.  Before including, define GEMM_NAME (the function),
 *	  GEMM_VEC (a GCC vector type of GEMM_W floats), GEMM_LOAD/GEMM_STORE
 *	  (unaligned access) and GEMM_TARGET (a target attribute, or nothing).
 */
/*
 * C[M][N] (+)= op(A)[M][K] * B[K][N], where op(A)[i][k] = A[i * ars + k * acs],
 * with vectors of GEMM_W floats: tiles of 4 rows by 2 * GEMM_W columns.
 */
GEMM_TARGET static void
GEMM_NAME(int M, int N, int K, const float *A, int ars, int acs,
		  const float *B, int ldb, float *C, int ldc, int accumulate)
{
	int			i = 0;

	for (; i + 4 <= M; i += 4)
	{
		int			j = 0;
		const float *a0 = A + (size_t) i * ars;
		const float *a1 = a0 + ars,
				   *a2 = a1 + ars,
				   *a3 = a2 + ars;
		float	   *c0 = C + (size_t) i * ldc;
		float	   *c1 = c0 + ldc,
				   *c2 = c1 + ldc,
				   *c3 = c2 + ldc;

		for (; j + 2 * GEMM_W <= N; j += 2 * GEMM_W)
		{
			GEMM_VEC	x00 = {0}, x01 = {0}, x10 = {0}, x11 = {0},
						x20 = {0}, x21 = {0}, x30 = {0}, x31 = {0};

			if (accumulate)
			{
				x00 = GEMM_LOAD(c0 + j), x01 = GEMM_LOAD(c0 + j + GEMM_W);
				x10 = GEMM_LOAD(c1 + j), x11 = GEMM_LOAD(c1 + j + GEMM_W);
				x20 = GEMM_LOAD(c2 + j), x21 = GEMM_LOAD(c2 + j + GEMM_W);
				x30 = GEMM_LOAD(c3 + j), x31 = GEMM_LOAD(c3 + j + GEMM_W);
			}
			for (int k = 0; k < K; k++)
			{
				const float *b = B + (size_t) k * ldb + j;
				GEMM_VEC	b0 = GEMM_LOAD(b),
							b1 = GEMM_LOAD(b + GEMM_W);
				size_t		ka = (size_t) k * acs;

				x00 += a0[ka] * b0, x01 += a0[ka] * b1;
				x10 += a1[ka] * b0, x11 += a1[ka] * b1;
				x20 += a2[ka] * b0, x21 += a2[ka] * b1;
				x30 += a3[ka] * b0, x31 += a3[ka] * b1;
			}
			GEMM_STORE(c0 + j, x00), GEMM_STORE(c0 + j + GEMM_W, x01);
			GEMM_STORE(c1 + j, x10), GEMM_STORE(c1 + j + GEMM_W, x11);
			GEMM_STORE(c2 + j, x20), GEMM_STORE(c2 + j + GEMM_W, x21);
			GEMM_STORE(c3 + j, x30), GEMM_STORE(c3 + j + GEMM_W, x31);
		}
		for (; j + GEMM_W <= N; j += GEMM_W)
		{
			GEMM_VEC	x0 = {0}, x1 = {0}, x2 = {0}, x3 = {0};

			if (accumulate)
				x0 = GEMM_LOAD(c0 + j), x1 = GEMM_LOAD(c1 + j),
					x2 = GEMM_LOAD(c2 + j), x3 = GEMM_LOAD(c3 + j);
			for (int k = 0; k < K; k++)
			{
				GEMM_VEC	b0 = GEMM_LOAD(B + (size_t) k * ldb + j);
				size_t		ka = (size_t) k * acs;

				x0 += a0[ka] * b0, x1 += a1[ka] * b0;
				x2 += a2[ka] * b0, x3 += a3[ka] * b0;
			}
			GEMM_STORE(c0 + j, x0), GEMM_STORE(c1 + j, x1);
			GEMM_STORE(c2 + j, x2), GEMM_STORE(c3 + j, x3);
		}
		for (; j < N; j++)
		{
			float		s0 = accumulate ? c0[j] : 0,
						s1 = accumulate ? c1[j] : 0,
						s2 = accumulate ? c2[j] : 0,
						s3 = accumulate ? c3[j] : 0;

			for (int k = 0; k < K; k++)
			{
				float		b = B[(size_t) k * ldb + j];
				size_t		ka = (size_t) k * acs;

				s0 += a0[ka] * b, s1 += a1[ka] * b;
				s2 += a2[ka] * b, s3 += a3[ka] * b;
			}
			c0[j] = s0, c1[j] = s1, c2[j] = s2, c3[j] = s3;
		}
	}
	for (; i < M; i++)
	{
		const float *a = A + (size_t) i * ars;
		float	   *restrict c = C + (size_t) i * ldc;

		if (!accumulate)
			memset(c, 0, sizeof(float) * N);
		for (int k = 0; k < K; k++)
		{
			const float *restrict b = B + (size_t) k * ldb;
			float		av = a[(size_t) k * acs];

			for (int j = 0; j < N; j++)
				c[j] += av * b[j];
		}
	}
}

