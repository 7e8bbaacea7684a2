/*
 * sf_gemm_tile.h
 *	  The register-blocked matrix kernel, instantiated by sf_gemm.c once per
 *	  vector width.  Before including, define GEMM_NAME (the function),
 *	  GEMM_VEC (a GCC vector type of GEMM_W floats), GEMM_LOAD/GEMM_STORE
 *	  (unaligned access), GEMM_TARGET (a target attribute, or nothing),
 *	  GEMM_MADD(a, b, c) and GEMM_VMADD(scalar a, vector b, vector c), a * b
 *	  + c with one rounding where the path has a fused multiply-add (an
 *	  intrinsic: the core is built with -ffp-contract=off, under which
 *	  `c += a * b` is a product and a sum), and the register block:
 *	  GEMM_MR rows by GEMM_NV vectors of C (a single row takes 4 vectors,
 *	  see GEMM_NAME).
 */
#define GEMM_CAT(a, b) a##b
#define GEMM_XCAT(a, b) GEMM_CAT(a, b)
#define GEMM_TILE GEMM_XCAT(GEMM_NAME, Tile)
/* the widest tile: GEMM_NV vectors, or a single row's 4 */
#define GEMM_NVMAX (GEMM_NV > 4 ? GEMM_NV : 4)

/*
 * One tile of mr rows by nv vectors of C, held in registers while k runs:
 * each step loads nv vectors of B's row k and broadcasts one element of A
 * per row, so mr * nv independent multiply-adds share mr + nv loads.  A's
 * element for row r and step k is ap[k * aps + r * arps]; with arps a
 * constant 1 (a transposed A) every broadcast is one pointer plus a
 * constant.  The tile starts from init (row stride init_rs: C itself to
 * accumulate, a bias row with stride 0, or zero when init is NULL).
 * Inlined with constant mr and nv, the loops unroll and the accumulators
 * become registers.
 */
GEMM_TARGET static inline __attribute__((always_inline)) void
GEMM_TILE(int mr, int nv, int K, const float *ap, size_t aps, size_t arps,
		  const float *b, int ldb, const float *init, size_t init_rs,
		  float *c, int ldc)
{
	GEMM_VEC	x[GEMM_MR][GEMM_NVMAX];

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
		GEMM_VEC	bv[GEMM_NVMAX];

		for (int v = 0; v < nv; v++)
			bv[v] = GEMM_LOAD(bk + v * GEMM_W);
		for (int r = 0; r < mr; r++)
		{
			float		av = ap[k * aps + r * arps];

			for (int v = 0; v < nv; v++)
				x[r][v] = GEMM_VMADD(av, bv[v], x[r][v]);
		}
	}
	for (int r = 0; r < mr; r++)
		for (int v = 0; v < nv; v++)
			GEMM_STORE(c + (size_t) r * ldc + v * GEMM_W, x[r][v]);
}

/*
 * One block of mr rows of C over one k range of A (as GEMM_TILE's ap): the
 * panels of nvp vectors (then of two where nvp is more), then single
 * vectors, then the last columns one at a time, the mr rows side by side
 * so that their sums are independent chains, with an explicit fused
 * multiply-add where the path has one, so that the compiler cannot split
 * it into a rounded product and a sum and give these columns other
 * roundings than the vector ones.
 */
GEMM_TARGET static inline __attribute__((always_inline)) void
GEMM_XCAT(GEMM_NAME, Block) (int mr, int nvp, int N, int K, const float *ap,
							 size_t aps, size_t arps, const float *B, int ldb,
							 const float *init, size_t init_rs, float *C,
							 int ldc)
{
	int			j = 0;

	for (; j + nvp * GEMM_W <= N; j += nvp * GEMM_W)
		GEMM_TILE(mr, nvp, K, ap, aps, arps, B + j, ldb, init ? init + j : NULL,
				  init_rs, C + j, ldc);
	if (nvp > 2)
		for (; j + 2 * GEMM_W <= N; j += 2 * GEMM_W)
			GEMM_TILE(mr, 2, K, ap, aps, arps, B + j, ldb, init ? init + j : NULL,
					  init_rs, C + j, ldc);
	for (; j + GEMM_W <= N; j += GEMM_W)
		GEMM_TILE(mr, 1, K, ap, aps, arps, B + j, ldb, init ? init + j : NULL,
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
				s[r] = GEMM_MADD(ap[k * aps + r * arps], bkj, s[r]);
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
 * block of C passes over them.  A is read in place: packing it measured no
 * faster at any of the network's shapes, and much slower where a block of
 * rows meets a single panel of B.  A transposed A (ars 1, the weight
 * gradients) gets its own instance, where a tile's elements for one k are
 * side by side.  Partial sums go through C between k ranges, which stores
 * them exactly: every element of C is init plus its products added in k
 * order, whichever tile computes it, so the blocking never changes a
 * result.
 */
GEMM_TARGET static void
GEMM_NAME(int M, int N, int K, const float *A, int ars, int acs,
		  const float *B, int ldb, const float *init, size_t init_rs,
		  float *C, int ldc)
{
	for (int k0 = 0; k0 < K || k0 == 0; k0 += GEMM_KC)
	{
		int			kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
		const float *bk = B + (size_t) k0 * ldb;

		for (int i = 0; i < M;)
		{
			int			rem = M - i;
			const float *a = A + (size_t) i * ars + (size_t) k0 * acs;
			float	   *c = C + (size_t) i * ldc;
			const float *in = k0 > 0 ? c : init ? init + i * init_rs : NULL;
			size_t		in_rs = k0 > 0 ? (size_t) ldc : init_rs;
			size_t		arps = ars == 1 ? 1 : (size_t) ars;
			int			mr;

#define GEMM_BLOCK(rows, nvp) \
	do { \
		if (ars == 1) \
			GEMM_XCAT(GEMM_NAME, Block) (rows, nvp, N, kc, a, acs, 1, bk, ldb, in, in_rs, c, ldc); \
		else \
			GEMM_XCAT(GEMM_NAME, Block) (rows, nvp, N, kc, a, acs, arps, bk, ldb, in, in_rs, c, ldc); \
		mr = rows; \
	} while (0)
			/*
			 * A single row has only its own chains of multiply-adds, one per
			 * vector of the tile, and waits on their latency (the one-input
			 * layer's weight gradient is such a row, N = 64 and K = 448 at
			 * hidden 32): it takes 4 vectors at a time, twice the chains.
			 */
			if (rem >= GEMM_MR)
				GEMM_BLOCK(GEMM_MR, GEMM_NV);
			else if (rem >= 4)
				GEMM_BLOCK(4, GEMM_NV);
			else
				GEMM_BLOCK(1, 4);
#undef GEMM_BLOCK
			i += mr;
		}
	}
}

#undef GEMM_TILE
#undef GEMM_NVMAX
#undef GEMM_XCAT
#undef GEMM_CAT
