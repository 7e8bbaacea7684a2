/*
 * sf_gemm_tile.h
 *	  The register-blocked matrix kernel, instantiated by sf_gemm.c once per
 *	  vector width.  Before including, define GEMM_NAME (the function),
 *	  GEMM_VEC (a GCC vector type of GEMM_W floats), GEMM_LOAD/GEMM_STORE
 *	  (unaligned access), GEMM_TARGET (a target attribute, or nothing) and
 *	  the register block: GEMM_MR rows by GEMM_NV vectors of C.
 */
#define GEMM_CAT(a, b) a##b
#define GEMM_XCAT(a, b) GEMM_CAT(a, b)
#define GEMM_TILE GEMM_XCAT(GEMM_NAME, Tile)

/*
 * One tile of mr rows by nv vectors of C, held in registers while k runs:
 * each step loads nv vectors of B's row k and broadcasts one element of A
 * per row, so mr * nv independent multiply-adds share mr + nv loads.  The
 * mr elements of A for step k are contiguous, at ap + k * aps (A packed,
 * aps = mr, or a transposed A read in place, aps = its row length), so
 * every broadcast is one pointer plus a constant.  The tile starts from init (row stride init_rs: C itself to
 * accumulate, a bias row with stride 0, or zero when init is NULL).
 * Inlined with constant mr and nv, the loops unroll and the accumulators
 * become registers.
 */
GEMM_TARGET static inline __attribute__((always_inline)) void
GEMM_TILE(int mr, int nv, int K, const float *ap, size_t aps,
		  const float *b, int ldb, const float *init, size_t init_rs,
		  float *c, int ldc)
{
	GEMM_VEC	x[GEMM_MR][GEMM_NV];

	for (int r = 0; r < mr; r++)
		for (int v = 0; v < nv; v++)
		{
			if (init)
				x[r][v] = GEMM_LOAD(init + r * init_rs + v * GEMM_W);
			else
				x[r][v] = (GEMM_VEC) {0};
		}
	for (int k = 0; k < K; k++)
	{
		const float *bk = b + (size_t) k * ldb;
		GEMM_VEC	bv[GEMM_NV];

		for (int v = 0; v < nv; v++)
			bv[v] = GEMM_LOAD(bk + v * GEMM_W);
		for (int r = 0; r < mr; r++)
		{
			float		av = ap[k * aps + r];

			for (int v = 0; v < nv; v++)
				x[r][v] += av * bv[v];
		}
	}
	for (int r = 0; r < mr; r++)
		for (int v = 0; v < nv; v++)
			GEMM_STORE(c + (size_t) r * ldc + v * GEMM_W, x[r][v]);
}

/*
 * One block of mr rows of C over the k range that ap holds packed: the
 * panels of GEMM_NV vectors, then single vectors, then the last columns
 * one at a time, the mr rows side by side so that their sums are
 * independent chains, with an explicit fused multiply-add where the path
 * has one, so that the compiler cannot split it into a rounded product and
 * a sum and give these columns other roundings than the vector ones.
 */
GEMM_TARGET static inline __attribute__((always_inline)) void
GEMM_XCAT(GEMM_NAME, Block) (int mr, int N, int K, const float *ap,
							 size_t aps, const float *B, int ldb,
							 const float *init, size_t init_rs, float *C,
							 int ldc)
{
	int			j = 0;

	for (; j + GEMM_NV * GEMM_W <= N; j += GEMM_NV * GEMM_W)
		GEMM_TILE(mr, GEMM_NV, K, ap, aps, B + j, ldb, init ? init + j : NULL,
				  init_rs, C + j, ldc);
	for (; j + GEMM_W <= N; j += GEMM_W)
		GEMM_TILE(mr, 1, K, ap, aps, B + j, ldb, init ? init + j : NULL,
				  init_rs, C + j, ldc);
	for (; j < N; j++)
	{
		float		s[GEMM_MR];

		for (int r = 0; r < mr; r++)
			s[r] = init ? init[r * init_rs + j] : 0;
		for (int k = 0; k < K; k++)
		{
			float		bkj = B[(size_t) k * ldb + j];

			for (int r = 0; r < mr; r++)
				s[r] = GEMM_MADD(ap[k * aps + r], bkj, s[r]);
		}
		for (int r = 0; r < mr; r++)
			C[(size_t) r * ldc + j] = s[r];
	}
}

/*
 * C[M][N] = init + op(A)[M][K] * B[K][N], where op(A)[i][k] = A[i * ars +
 * k * acs] and init is as GEMM_TILE's.  k runs outermost in ranges of
 * GEMM_KC steps, so that the rows of A and B of one range (the weight
 * gradients' long k would not fit) stay in the L2 cache while every row
 * block of C passes over them; each row block of A is packed into a buffer
 * on the stack, unless A is read transposed (ars 1: its elements for one k
 * are already side by side).  Partial sums go through C between k ranges, which stores
 * them exactly: every element of C is init plus its products added in k
 * order, whichever tile computes it, so the blocking never changes a
 * result.
 */
GEMM_TARGET static void
GEMM_NAME(int M, int N, int K, const float *A, int ars, int acs,
		  const float *B, int ldb, const float *init, size_t init_rs,
		  float *C, int ldc)
{
	float		pack[GEMM_MR * GEMM_KC] __attribute__((aligned(64)));

	for (int k0 = 0; k0 < K || k0 == 0; k0 += GEMM_KC)
	{
		int			kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
		const float *bk = B + (size_t) k0 * ldb;

		for (int i = 0; i < M;)
		{
			int			mr = M - i >= GEMM_MR ? GEMM_MR : M - i >= 4 ? 4 : 1;
			const float *a = A + (size_t) i * ars + (size_t) k0 * acs;
			float	   *c = C + (size_t) i * ldc;
			const float *in = k0 > 0 ? c : init ? init + i * init_rs : NULL;
			size_t		in_rs = k0 > 0 ? (size_t) ldc : init_rs;

			const float *ap = a;
			size_t		aps = acs;

			/* a transposed A (ars 1) is read in place, else packed */
			if (ars != 1)
			{
				for (int k = 0; k < kc; k++)
					for (int r = 0; r < mr; r++)
						pack[k * mr + r] = a[(size_t) r * ars + (size_t) k * acs];
				ap = pack;
				aps = mr;
			}
			if (mr == GEMM_MR)
				GEMM_XCAT(GEMM_NAME, Block) (GEMM_MR, N, kc, ap, aps, bk, ldb, in, in_rs, c, ldc);
			else if (mr == 4)
				GEMM_XCAT(GEMM_NAME, Block) (4, N, kc, ap, aps, bk, ldb, in, in_rs, c, ldc);
			else
				GEMM_XCAT(GEMM_NAME, Block) (1, N, kc, ap, aps, bk, ldb, in, in_rs, c, ldc);
			i += mr;
		}
	}
}

#undef GEMM_TILE
#undef GEMM_XCAT
#undef GEMM_CAT
