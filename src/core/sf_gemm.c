/*
 * sf_gemm.c
 *	  The dense kernels every layer stands on.  All matrices are row-major
 *	  with explicit leading dimensions.
 *
 * One register-blocked micro-kernel serves both products the network needs:
 * C += A * B (forward, and gradients flowing back) and C += A^T * B (weight
 * gradients), by reading A in place through row and column strides.  A tile
 * of C (8 rows by two vectors with AVX-512, 6 by two with AVX2, 4 by two on
 * the baseline) lives in vector registers while k runs, so each loaded row
 * of B feeds every row of the tile; k runs in ranges that keep their rows
 * of A and B in the L2 cache.  The float build writes the tile with GCC
 * vector extensions (sf_gemm_tile.h), instantiated for three instruction
 * sets (AVX-512, AVX2+FMA, baseline x86-64) at each one's register width
 * and chosen by the CPU's features; a given machine always runs the same
 * code, so results are deterministic, and every element is its products
 * added in k order whatever the tiling.
 */
#include <string.h>

#include "sf_internal.h"

#if defined(SF_REAL_FLOAT) && defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(SF_REAL_FLOAT) && defined(__GNUC__)

/*
 * The tile kernel at the width each instruction set holds in one register:
 * 16 floats (AVX-512), 8 (AVX2) and 4 (SSE2, every x86-64).  A wider vector
 * than the hardware's would be split and spilled through the stack.
 */
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4 __attribute__((vector_size(16)));
typedef float v4u __attribute__((vector_size(16), aligned(4), may_alias));

/* Steps of k per range (see sf_gemm_tile.h). */
#define GEMM_KC 256

#if defined(SF_CLONES) || defined(__AVX512F__)
#define GEMM_NAME Gemm16
#define GEMM_VEC v16
#define GEMM_W 16
#define GEMM_LOAD(p) (*(const v16u *) (p))
#define GEMM_STORE(p, v) (*(v16u *) (p) = (v))
#define GEMM_TARGET TARGET_V4
#define GEMM_MR 8
#define GEMM_NV 2
#define GEMM_MADD(a, b, c) __builtin_fmaf(a, b, c)
#define GEMM_VMADD(a, b, c) ((v16) _mm512_fmadd_ps(_mm512_set1_ps(a), (__m512) (b), (__m512) (c)))
#include "sf_gemm_tile.h"
#undef GEMM_MR
#undef GEMM_NV
#undef GEMM_MADD
#undef GEMM_VMADD
#undef GEMM_NAME
#undef GEMM_VEC
#undef GEMM_W
#undef GEMM_LOAD
#undef GEMM_STORE
#undef GEMM_TARGET
#endif

#if defined(SF_CLONES) || (defined(__AVX2__) && !defined(__AVX512F__))
#define GEMM_NAME Gemm8
#define GEMM_VEC v8
#define GEMM_W 8
#define GEMM_LOAD(p) (*(const v8u *) (p))
#define GEMM_STORE(p, v) (*(v8u *) (p) = (v))
#define GEMM_TARGET TARGET_V3
#define GEMM_MR 6
#define GEMM_NV 2
#define GEMM_MADD(a, b, c) __builtin_fmaf(a, b, c)
#define GEMM_VMADD(a, b, c) ((v8) _mm256_fmadd_ps(_mm256_set1_ps(a), (__m256) (b), (__m256) (c)))
#include "sf_gemm_tile.h"
#undef GEMM_MR
#undef GEMM_NV
#undef GEMM_MADD
#undef GEMM_VMADD
#undef GEMM_NAME
#undef GEMM_VEC
#undef GEMM_W
#undef GEMM_LOAD
#undef GEMM_STORE
#undef GEMM_TARGET
#endif

#if defined(SF_CLONES) || !defined(__AVX2__)
#define GEMM_NAME Gemm4
#define GEMM_VEC v4
#define GEMM_W 4
#define GEMM_LOAD(p) (*(const v4u *) (p))
#define GEMM_STORE(p, v) (*(v4u *) (p) = (v))
#define GEMM_TARGET
#define GEMM_MR 4
#define GEMM_NV 2
#define GEMM_MADD(a, b, c) ((a) * (b) + (c))
#define GEMM_VMADD(a, b, c) ((a) * (b) + (c))
#include "sf_gemm_tile.h"
#undef GEMM_MR
#undef GEMM_NV
#undef GEMM_MADD
#undef GEMM_VMADD
#undef GEMM_NAME
#undef GEMM_VEC
#undef GEMM_W
#undef GEMM_LOAD
#undef GEMM_STORE
#undef GEMM_TARGET
#endif

/*
 * Pick the widest kernel the machine runs, as the dynamic linker picks the
 * clones of the other hot functions; a build for one instruction set
 * (SF_NO_CLONES) has just that kernel.
 */
static void
Gemm(int M, int N, int K, const float *A, int ars, int acs,
	 const float *B, int ldb, const float *init, size_t init_rs,
	 float *C, int ldc)
{
#if defined(SF_CLONES)
	if (__builtin_cpu_supports("x86-64-v4"))
		Gemm16(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
	else if (__builtin_cpu_supports("x86-64-v3"))
		Gemm8(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
	else
		Gemm4(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
#elif defined(__AVX512F__)
	Gemm16(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
#elif defined(__AVX2__)
	Gemm8(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
#else
	Gemm4(M, N, K, A, ars, acs, B, ldb, init, init_rs, C, ldc);
#endif
}

#else

/* The double build (gradient checks) and other compilers: plain loops. */
static void
Gemm(int M, int N, int K, const sf_real *A, int ars, int acs,
	 const sf_real *B, int ldb, const sf_real *init, size_t init_rs,
	 sf_real *C, int ldc)
{
	for (int i = 0; i < M; i++)
	{
		sf_real    *c = C + (size_t) i * ldc;

		if (init == NULL)
			memset(c, 0, sizeof(sf_real) * N);
		else if (init + i * init_rs != c)
			memmove(c, init + i * init_rs, sizeof(sf_real) * N);
		for (int k = 0; k < K; k++)
		{
			const sf_real *b = B + (size_t) k * ldb;
			sf_real		av = A[(size_t) i * ars + (size_t) k * acs];

			for (int j = 0; j < N; j++)
				c[j] += av * b[j];
		}
	}
}

#endif

/* C[M][N] (+)= A[M][K] * B[K][N] */
void
sf_gemm_nn(int M, int N, int K, const sf_real *A, int lda,
		   const sf_real *B, int ldb, sf_real *C, int ldc, int accumulate)
{
	Gemm(M, N, K, A, lda, 1, B, ldb, accumulate ? C : NULL, ldc, C, ldc);
}

/*
 * C[M][N] = bias[N] + A[M][K] * B[K][N]: the bias broadcast and the product
 * in one pass over C, with the same result as sf_rows_set then sf_gemm_nn.
 */
void
sf_gemm_nn_bias(int M, int N, int K, const sf_real *A, int lda,
				const sf_real *B, int ldb, const sf_real *bias,
				sf_real *C, int ldc)
{
	Gemm(M, N, K, A, lda, 1, B, ldb, bias, 0, C, ldc);
}

/*
 * C[M][N] += A[K][M]^T * B[K][N].  With fewer columns than a vector (the
 * input weights' gradient, one column per input) the tiles would leave all
 * the work to scalar columns, so each column of C is computed as the row
 * product B[.][j]^T A instead, where A's rows are the vectors, through a
 * buffer of TN_CHUNK elements; the sums are the same, in the same order.
 */
#define TN_NARROW 16
#define TN_CHUNK 256

void
sf_gemm_tn(int M, int N, int K, const sf_real *A, int lda,
		   const sf_real *B, int ldb, sf_real *C, int ldc)
{
	sf_real		col[TN_CHUNK];

	if (N >= TN_NARROW)
	{
		Gemm(M, N, K, A, 1, lda, B, ldb, C, ldc, C, ldc);
		return;
	}
	for (int j = 0; j < N; j++)
		for (int i0 = 0; i0 < M; i0 += TN_CHUNK)
		{
			int			m = M - i0 < TN_CHUNK ? M - i0 : TN_CHUNK;

			for (int i = 0; i < m; i++)
				col[i] = C[(size_t) (i0 + i) * ldc + j];
			Gemm(1, m, K, B + j, 0, ldb, A + i0, lda, col, 0, col, m);
			for (int i = 0; i < m; i++)
				C[(size_t) (i0 + i) * ldc + j] = col[i];
		}
}

/*
 * dst[cols][rows] = src[rows][cols]^T.  A vector (one row or one column) is
 * its own transpose in memory; otherwise blocks of TR_B x TR_B, whose
 * fixed-size loops the compiler unrolls, so that each block's rows are read
 * and written whole instead of one element per row of the matrix.
 */
#define TR_B 8

SF_KERNEL void
sf_transpose(int rows, int cols, const sf_real *restrict src, sf_real *restrict dst)
{
	int			r0 = 0;

	if (rows == 1 || cols == 1)
	{
		memcpy(dst, src, sizeof(sf_real) * rows * cols);
		return;
	}
	for (; r0 + TR_B <= rows; r0 += TR_B)
	{
		int			c0 = 0;

		for (; c0 + TR_B <= cols; c0 += TR_B)
			for (int c = 0; c < TR_B; c++)
				for (int r = 0; r < TR_B; r++)
					dst[(size_t) (c0 + c) * rows + r0 + r] =
						src[(size_t) (r0 + r) * cols + c0 + c];
		for (; c0 < cols; c0++)
			for (int r = 0; r < TR_B; r++)
				dst[(size_t) c0 * rows + r0 + r] = src[(size_t) (r0 + r) * cols + c0];
	}
	for (; r0 < rows; r0++)
		for (int c = 0; c < cols; c++)
			dst[(size_t) c * rows + r0] = src[(size_t) r0 * cols + c];
}

/*
 * out[N] += column sums of A[M][N] (row stride lda), each column's sum in
 * row order.  out must not overlap A (restrict).  Columns go in chunks of
 * COLSUM_W whose sums stay in registers while the rows pass, so each row
 * costs one load and one add per vector instead of a load, an add and a
 * store of out.
 */
#define COLSUM_W 32
#define COLSUM_WIDE 96

/*
 * One chunk of w columns (a constant once inlined) from column j0: each
 * column's sum in row order, the chunk's sums in registers.
 */
static inline __attribute__((always_inline)) void
ColsumChunk(int w, int M, int j0, const sf_real *A, int lda,
			sf_real *restrict out)
{
	sf_real		acc[COLSUM_WIDE];

	for (int j = 0; j < w; j++)
		acc[j] = out[j0 + j];
	for (int i = 0; i < M; i++)
	{
		const sf_real *restrict a = A + (size_t) i * lda + j0;

		for (int j = 0; j < w; j++)
			acc[j] += a[j];
	}
	for (int j = 0; j < w; j++)
		out[j0 + j] = acc[j];
}

SF_KERNEL void
sf_colsum_add_ld(int M, int N, const sf_real *A, int lda, sf_real *restrict out)
{
	int			j0 = 0;

	/*
	 * Chunks of COLSUM_WIDE columns first (the gates of hidden 32): each row
	 * then feeds that many independent sums, where one chunk of COLSUM_W
	 * waits on the latency of its additions.
	 */
	for (; j0 + COLSUM_WIDE <= N; j0 += COLSUM_WIDE)
		ColsumChunk(COLSUM_WIDE, M, j0, A, lda, out);
	for (; j0 + COLSUM_W <= N; j0 += COLSUM_W)
		ColsumChunk(COLSUM_W, M, j0, A, lda, out);
	for (int i = 0; i < M; i++)
	{
		const sf_real *restrict a = A + (size_t) i * lda;

		for (int j = j0; j < N; j++)
			out[j] += a[j];
	}
}

/* out[N] += column sums of A[M][N] */
void
sf_colsum_add(int M, int N, const sf_real *A, sf_real *restrict out)
{
	sf_colsum_add_ld(M, N, A, N, out);
}

/* Every row of C[M][N] = row[N] (a bias broadcast). */
void
sf_rows_set(int M, int N, const sf_real *row, sf_real *C)
{
	for (int i = 0; i < M; i++)
		memcpy(C + (size_t) i * N, row, sizeof(sf_real) * N);
}
