/*
 * sf_gru.c
 *	  The GRU cell exactly as PyTorch's nn.GRU, gate order r, z, n, with the
 *	  reset gate applied after the hidden projection:
 *	  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 */
#include <string.h>

#include "sf_internal.h"

/*
 * One window's step back.  dx (the gradient of the input projection) equals
 * dhw in the r and z blocks; with full 0 only its n block is written, and
 * sf_net_backward reads the r and z blocks from dhw (see sf_gru_backward).
 * Inlined with a constant full, the branch disappears.
 */
static inline __attribute__((always_inline)) void
BackwardRow(int H, int full, const sf_real *restrict a,
			const sf_real *restrict hn, const sf_real *restrict hprev,
			sf_real *restrict dx, sf_real *restrict dhw, sf_real *restrict dh)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		r = a[j],
					z = a[H + j],
					n = a[2 * H + j];
		sf_real		g = dh[j];
		sf_real		dpn = g * (1 - z) * (1 - n * n);
		sf_real		dpr = dpn * hn[j] * r * (1 - r);
		sf_real		dpz = g * (hprev[j] - n) * z * (1 - z);

		if (full)
		{
			dx[j] = dpr;
			dx[H + j] = dpz;
		}
		dhw[j] = dpr;
		dhw[H + j] = dpz;
		dx[2 * H + j] = dpn;
		dhw[2 * H + j] = dpn * r;
		dh[j] = g * z;
	}
}

/*
 * The forward pass once per path, like the matrix kernel (sf_gemm.c): on
 * the AVX-512 and AVX2 paths with fused multiply-adds in the activations
 * (sf_act.h), the gates' sums and the new state, on the baseline with a
 * product and a sum.  A machine always runs the same path, so results are
 * deterministic; the AVX-512 and AVX2 paths compute the same bits.
 */
#if defined(SF_REAL_FLOAT) && defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)

#define SF_ACT_SFX _fma
#define SF_ACT_MADD(a, b, c) __builtin_fmaf(a, b, c)
#include "sf_act.h"
#undef SF_ACT_MADD
#undef SF_ACT_SFX

#if defined(SF_CLONES) || defined(__AVX512F__)
#define GRU_NAME GruForward16
#define GRU_TARGET TARGET_V4
#define GRU_MADD(a, b, c) __builtin_fmaf(a, b, c)
#define GRU_TANH sf_tanh_fma
#define GRU_SIGMOID sf_sigmoid_fma
#include "sf_gru_fwd.h"
#endif

#if defined(SF_CLONES) || (defined(__FMA__) && !defined(__AVX512F__))
#define GRU_NAME GruForward8
#define GRU_TARGET TARGET_V3
#define GRU_MADD(a, b, c) __builtin_fmaf(a, b, c)
#define GRU_TANH sf_tanh_fma
#define GRU_SIGMOID sf_sigmoid_fma
#include "sf_gru_fwd.h"
#endif

#if defined(SF_CLONES) || !defined(__FMA__)
#define GRU_NAME GruForward4
#define GRU_TARGET
#define GRU_MADD(a, b, c) ((a) * (b) + (c))
#define GRU_TANH sf_tanh			/* sf_internal.h: sf_act.h's product-and-sum form */
#define GRU_SIGMOID sf_sigmoid
#include "sf_gru_fwd.h"
#endif

#if defined(SF_CLONES)
#define GRU_DISPATCH(args) \
	(__builtin_cpu_supports("x86-64-v4") ? GruForward16 args : \
	 __builtin_cpu_supports("x86-64-v3") ? GruForward8 args : GruForward4 args)
#elif defined(__AVX512F__)
#define GRU_DISPATCH(args) GruForward16 args
#elif defined(__FMA__)
#define GRU_DISPATCH(args) GruForward8 args
#else
#define GRU_DISPATCH(args) GruForward4 args
#endif

#else

/* The double build (gradient checks) and other compilers: one plain path. */
#define GRU_NAME GruForwardPlain
#define GRU_TARGET
#define GRU_MADD(a, b, c) ((a) * (b) + (c))
#define GRU_SIGMOID sf_sigmoid
#define GRU_TANH sf_tanh
#include "sf_gru_fwd.h"
#define GRU_DISPATCH(args) GruForwardPlain args

#endif

/*
 * Forward over T steps.  With Wt_ih NULL, L->XW holds every step's input
 * projection (sf_net_forward's product over all steps); else the layer has
 * few inputs (I <= SF_GRU_FUSED_INPUTS) and each window's projection is
 * made here, step by step, into a row that stays in the L1 cache, instead
 * of being written to XW for all steps and read back.
 */
void
sf_gru_forward(sf_layer_buf *L, const sf_real *Wt_ih, const sf_real *b_ih,
			   int I, const sf_real *Wt_hh, const sf_real *b_hh,
			   int T, int B, int H)
{
	GRU_DISPATCH((L, Wt_ih, b_ih, I, Wt_hh, b_hh, T, B, H));
}

/*
 * See sf_rnn_backward for the arguments.  The input and hidden projections
 * get different gradients in the n block (the hidden one passes through r),
 * so dXW and dHW are separate buffers here.  Their r and z blocks are
 * equal, so dXW gets them only when a layer below needs the whole of it
 * (L->dX, layers above the first); for the first layer dXW holds just its
 * n block, and sf_net_backward takes the r and z blocks from dHW.
 */
SF_KERNEL void
sf_gru_backward(sf_layer_buf *L, const sf_real *W_hh, const sf_real *dHext,
				const sf_real *dhlast, int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	int			GH = 3 * H;
	sf_real    *dh = L->dh;

	if (dhlast == NULL)
		memset(dh, 0, sizeof(sf_real) * BH);
	else if (dhlast != dh)
		memcpy(dh, dhlast, sizeof(sf_real) * BH);

	for (int t = T - 1; t >= 0; t--)
	{
		const sf_real *a = L->A + t * BH * 3;
		const sf_real *hn = L->HN + t * BH;
		const sf_real *hprev = L->Hs + t * BH;
		sf_real    *dx = L->dXW + t * BH * 3;
		sf_real    *dhw = L->dHW + t * BH * 3;

		sf_tick(L->hooks);
		if (dHext)
			for (size_t i = 0; i < BH; i++)
				dh[i] += dHext[t * BH + i];
		if (L->dX)
			for (int b = 0; b < B; b++)
				BackwardRow(H, 1, a + (size_t) b * GH, hn + (size_t) b * H,
							hprev + (size_t) b * H, dx + (size_t) b * GH,
							dhw + (size_t) b * GH, dh + (size_t) b * H);
		else
			for (int b = 0; b < B; b++)
				BackwardRow(H, 0, a + (size_t) b * GH, hn + (size_t) b * H,
							hprev + (size_t) b * H, dx + (size_t) b * GH,
							dhw + (size_t) b * GH, dh + (size_t) b * H);
		if (t > 0)
			sf_gemm_nn(B, H, GH, dhw, GH, W_hh, H, dh, H, 1);
	}
}
