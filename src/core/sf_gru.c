/*
 * sf_gru.c
 *	  The GRU cell exactly as PyTorch's nn.GRU, gate order r, z, n, with the
 *	  reset gate applied after the hidden projection:
 *	  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 */
#include <string.h>

#include "sf_internal.h"

/*
 * One window's step, in two passes over its row: the r and z gates (2H
 * contiguous sigmoids, independent of each other), then n and h, which
 * need r.  Two short chains of dependent operations per element instead of
 * one long one (a sigmoid, then the tanh that waits for it) keep more
 * elements in flight; each element's arithmetic is the same.  Rows are
 * separate functions so that their restrict parameters tell the compiler
 * the gate blocks do not overlap, which lets it vectorize the loops.
 */
static inline void
ForwardRow(int H, const sf_real *restrict xw, const sf_real *restrict hw,
		   const sf_real *restrict hprev, sf_real *restrict a,
		   sf_real *restrict hn, sf_real *restrict h)
{
	for (int j = 0; j < 2 * H; j++)
		a[j] = sf_sigmoid(xw[j] + hw[j]);
	for (int j = 0; j < H; j++)
	{
		sf_real		r = a[j],
					z = a[H + j];
		sf_real		n = sf_tanh(xw[2 * H + j] + r * hw[2 * H + j]);

		a[2 * H + j] = n;
		hn[j] = hw[2 * H + j];
		h[j] = (1 - z) * n + z * hprev[j];
	}
}

/* ForwardRow for a layer with one input x: xw = b_ih + x Wt_ih made here */
static inline void
ForwardRow1(int H, sf_real x, const sf_real *restrict w, const sf_real *restrict bi,
			const sf_real *restrict hw, const sf_real *restrict hprev,
			sf_real *restrict a, sf_real *restrict hn, sf_real *restrict h)
{
	for (int j = 0; j < 2 * H; j++)
		a[j] = sf_sigmoid((bi[j] + x * w[j]) + hw[j]);
	for (int j = 0; j < H; j++)
	{
		sf_real		r = a[j],
					z = a[H + j];
		sf_real		xn = bi[2 * H + j] + x * w[2 * H + j];
		sf_real		n = sf_tanh(xn + r * hw[2 * H + j]);

		a[2 * H + j] = n;
		hn[j] = hw[2 * H + j];
		h[j] = (1 - z) * n + z * hprev[j];
	}
}

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
 * One window's input projection for one step, b_ih + x Wt_ih, into a row
 * of GH: the products added to the bias in input order, one fused
 * multiply-add each where the path has them, as the matrix kernel adds
 * them (sf_gemm_nn_bias with k = I), so the result is the same bits.
 */
static inline void
InputRow(int GH, int I, const sf_real *restrict x, const sf_real *restrict Wt_ih,
		 const sf_real *restrict b_ih, sf_real *restrict xw)
{
	for (int g = 0; g < GH; g++)
		xw[g] = b_ih[g] + x[0] * Wt_ih[g];
	for (int k = 1; k < I; k++)
	{
		sf_real		xk = x[k];
		const sf_real *restrict w = Wt_ih + (size_t) k * GH;

		for (int g = 0; g < GH; g++)
			xw[g] += xk * w[g];
	}
}

/*
 * Forward over T steps.  With Wt_ih NULL, L->XW holds every step's input
 * projection (sf_net_forward's product over all steps); else the layer has
 * few inputs (I <= SF_GRU_FUSED_INPUTS) and each window's projection is
 * made here, step by step, into a row that stays in the L1 cache, instead
 * of being written to XW for all steps and read back.
 */
SF_KERNEL void
sf_gru_forward(sf_layer_buf *L, const sf_real *Wt_ih, const sf_real *b_ih,
			   int I, const sf_real *Wt_hh, const sf_real *b_hh,
			   int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	int			GH = 3 * H;
	sf_real		xrow[3 * SF_MAX_HIDDEN];

	for (int t = 0; t < T; t++)
	{
		const sf_real *xw = L->XW + t * BH * 3;
		const sf_real *x = L->X + (size_t) t * B * I;
		sf_real    *a = L->A + t * BH * 3;
		sf_real    *hn = L->HN + t * BH;
		const sf_real *hprev = L->Hs + t * BH;
		sf_real    *h = L->Hs + (t + 1) * BH;
		sf_real    *hw = L->hw;

		sf_tick(L->hooks);
		if (t > 0)
			sf_gemm_nn_bias(B, GH, H, hprev, H, Wt_hh, GH, b_hh, hw, GH);
		else
			sf_rows_set(B, GH, b_hh, hw);
		for (int b = 0; b < B; b++)
		{
			const sf_real *in = xw + (size_t) b * GH;

			if (Wt_ih && I == 1)
			{
				ForwardRow1(H, x[b], Wt_ih, b_ih, hw + (size_t) b * GH,
							hprev + (size_t) b * H, a + (size_t) b * GH,
							hn + (size_t) b * H, h + (size_t) b * H);
				continue;
			}
			if (Wt_ih)
			{
				InputRow(GH, I, x + (size_t) b * I, Wt_ih, b_ih, xrow);
				in = xrow;
			}
			ForwardRow(H, in, hw + (size_t) b * GH,
					   hprev + (size_t) b * H, a + (size_t) b * GH,
					   hn + (size_t) b * H, h + (size_t) b * H);
		}
	}
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
