/*
 * sf_gemm.c
 *	  The dense kernels every layer stands on.  All matrices are row-major
 *	  with explicit leading dimensions.
 *
 * One register-blocked micro-kernel serves both products the network needs:
 * C += A * B (forward, and gradients flowing back) and C += A^T * B (weight
 * gradients), by reading A through row and column strides.  A tile of 4 rows
 * by 32 columns of C lives in vector registers while k runs, so each loaded
 * row of B feeds four rows of C.  The float build writes the tile with GCC
 * vector extensions and is compiled for three instruction sets (AVX-512,
 * AVX2+FMA, baseline x86-64), chosen once at load time by the dynamic linker;
 * a given machine always runs the same code, so results are deterministic.
 */
#include <string.h>

#include "sf_internal.h"

#if defined(SF_REAL_FLOAT) && defined(__GNUC__)

typedef float v16 __attribute__((vector_size(64)));

/* Unaligned access to 16 floats, through a type that may alias float. */
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));

#define Load16(p) (*(const v16u *) (p))
#define Store16(p, v) (*(v16u *) (p) = (v))

/*
 * C[M][N] (+)= op(A)[M][K] * B[K][N], where op(A)[i][k] = A[i * ars + k * acs].
 */
SF_KERNEL static void
Gemm(int M, int N, int K, const float *A, int ars, int acs,
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

		for (; j + 32 <= N; j += 32)
		{
			v16			x00 = {0}, x01 = {0}, x10 = {0}, x11 = {0},
						x20 = {0}, x21 = {0}, x30 = {0}, x31 = {0};

			if (accumulate)
			{
				x00 = Load16(c0 + j), x01 = Load16(c0 + j + 16);
				x10 = Load16(c1 + j), x11 = Load16(c1 + j + 16);
				x20 = Load16(c2 + j), x21 = Load16(c2 + j + 16);
				x30 = Load16(c3 + j), x31 = Load16(c3 + j + 16);
			}
			for (int k = 0; k < K; k++)
			{
				const float *b = B + (size_t) k * ldb + j;
				v16			b0 = Load16(b),
							b1 = Load16(b + 16);
				size_t		ka = (size_t) k * acs;

				x00 += a0[ka] * b0, x01 += a0[ka] * b1;
				x10 += a1[ka] * b0, x11 += a1[ka] * b1;
				x20 += a2[ka] * b0, x21 += a2[ka] * b1;
				x30 += a3[ka] * b0, x31 += a3[ka] * b1;
			}
			Store16(c0 + j, x00), Store16(c0 + j + 16, x01);
			Store16(c1 + j, x10), Store16(c1 + j + 16, x11);
			Store16(c2 + j, x20), Store16(c2 + j + 16, x21);
			Store16(c3 + j, x30), Store16(c3 + j + 16, x31);
		}
		for (; j + 16 <= N; j += 16)
		{
			v16			x0 = {0}, x1 = {0}, x2 = {0}, x3 = {0};

			if (accumulate)
				x0 = Load16(c0 + j), x1 = Load16(c1 + j),
					x2 = Load16(c2 + j), x3 = Load16(c3 + j);
			for (int k = 0; k < K; k++)
			{
				v16			b0 = Load16(B + (size_t) k * ldb + j);
				size_t		ka = (size_t) k * acs;

				x0 += a0[ka] * b0, x1 += a1[ka] * b0;
				x2 += a2[ka] * b0, x3 += a3[ka] * b0;
			}
			Store16(c0 + j, x0), Store16(c1 + j, x1);
			Store16(c2 + j, x2), Store16(c3 + j, x3);
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

#else

/* The double build (gradient checks) and other compilers: plain loops. */
static void
Gemm(int M, int N, int K, const sf_real *A, int ars, int acs,
	 const sf_real *B, int ldb, sf_real *C, int ldc, int accumulate)
{
	for (int i = 0; i < M; i++)
	{
		sf_real    *restrict c = C + (size_t) i * ldc;

		if (!accumulate)
			memset(c, 0, sizeof(sf_real) * N);
		for (int k = 0; k < K; k++)
		{
			const sf_real *restrict b = B + (size_t) k * ldb;
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
	Gemm(M, N, K, A, lda, 1, B, ldb, C, ldc, accumulate);
}

/* C[M][N] += A[K][M]^T * B[K][N] */
void
sf_gemm_tn(int M, int N, int K, const sf_real *A, int lda,
		   const sf_real *B, int ldb, sf_real *C, int ldc)
{
	Gemm(M, N, K, A, 1, lda, B, ldb, C, ldc, 1);
}

/* dst[cols][rows] = src[rows][cols]^T */
void
sf_transpose(int rows, int cols, const sf_real *src, sf_real *dst)
{
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			dst[(size_t) c * rows + r] = src[(size_t) r * cols + c];
}

/* out[N] += column sums of A[M][N] */
SF_KERNEL void
sf_colsum_add(int M, int N, const sf_real *A, sf_real *out)
{
	for (int i = 0; i < M; i++)
	{
		const sf_real *restrict a = A + (size_t) i * N;

		for (int j = 0; j < N; j++)
			out[j] += a[j];
	}
}

/* Every row of C[M][N] = row[N] (a bias broadcast). */
void
sf_rows_set(int M, int N, const sf_real *row, sf_real *C)
{
	for (int i = 0; i < M; i++)
		memcpy(C + (size_t) i * N, row, sizeof(sf_real) * N);
}
