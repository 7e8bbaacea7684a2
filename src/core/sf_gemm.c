/*
 * sf_gemm.c
 *	  The dense kernels every layer stands on.  All matrices are row-major
 *	  with explicit leading dimensions; the loops are ordered so that the
 *	  innermost one runs over contiguous memory of both operands, which the
 *	  compiler turns into SIMD.
 */
#include <string.h>

#include "sf_internal.h"

/* C[M][N] (+)= A[M][K] * B[K][N] */
void
sf_gemm_nn(int M, int N, int K, const sf_real *A, int lda,
		   const sf_real *B, int ldb, sf_real *C, int ldc, int accumulate)
{
	for (int i = 0; i < M; i++)
	{
		sf_real    *restrict c = C + (size_t) i * ldc;
		const sf_real *a = A + (size_t) i * lda;

		if (!accumulate)
			memset(c, 0, sizeof(sf_real) * N);
		for (int k = 0; k < K; k++)
		{
			const sf_real *restrict b = B + (size_t) k * ldb;
			sf_real		av = a[k];

			for (int j = 0; j < N; j++)
				c[j] += av * b[j];
		}
	}
}

/* C[M][N] += A[K][M]^T * B[K][N] */
void
sf_gemm_tn(int M, int N, int K, const sf_real *A, int lda,
		   const sf_real *B, int ldb, sf_real *C, int ldc)
{
	for (int k = 0; k < K; k++)
	{
		const sf_real *a = A + (size_t) k * lda;
		const sf_real *restrict b = B + (size_t) k * ldb;

		for (int i = 0; i < M; i++)
		{
			sf_real    *restrict c = C + (size_t) i * ldc;
			sf_real		av = a[i];

			for (int j = 0; j < N; j++)
				c[j] += av * b[j];
		}
	}
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
void
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
