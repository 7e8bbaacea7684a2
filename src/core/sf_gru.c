/*
 * sf_gru.c
 *	  The GRU cell exactly as PyTorch's nn.GRU, gate order r, z, n, with the
 *	  reset gate applied after the hidden projection:
 *	  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 */
#include <string.h>

#include "sf_internal.h"

/*
 * One window's step.  Rows are separate functions so that their restrict
 * parameters tell the compiler the gate blocks do not overlap, which lets
 * it vectorize the loop over hidden units.
 */
static inline void
ForwardRow(int H, const sf_real *restrict xw, const sf_real *restrict hw,
		   const sf_real *restrict hprev, sf_real *restrict a,
		   sf_real *restrict hn, sf_real *restrict h)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		r = sf_sigmoid(xw[j] + hw[j]);
		sf_real		z = sf_sigmoid(xw[H + j] + hw[H + j]);
		sf_real		n = sf_tanh(xw[2 * H + j] + r * hw[2 * H + j]);

		a[j] = r;
		a[H + j] = z;
		a[2 * H + j] = n;
		hn[j] = hw[2 * H + j];
		h[j] = (1 - z) * n + z * hprev[j];
	}
}

static inline void
BackwardRow(int H, const sf_real *restrict a, const sf_real *restrict hn,
			const sf_real *restrict hprev, sf_real *restrict dx,
			sf_real *restrict dhw, sf_real *restrict dh)
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

		dx[j] = dhw[j] = dpr;
		dx[H + j] = dhw[H + j] = dpz;
		dx[2 * H + j] = dpn;
		dhw[2 * H + j] = dpn * r;
		dh[j] = g * z;
	}
}

SF_KERNEL void
sf_gru_forward(sf_layer_buf *L, const sf_real *Wt_hh, const sf_real *b_hh,
			   int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	int			GH = 3 * H;

	for (int t = 0; t < T; t++)
	{
		const sf_real *xw = L->XW + t * BH * 3;
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
			ForwardRow(H, xw + (size_t) b * GH, hw + (size_t) b * GH,
					   hprev + (size_t) b * H, a + (size_t) b * GH,
					   hn + (size_t) b * H, h + (size_t) b * H);
	}
}

/*
 * See sf_rnn_backward for the arguments.  The input and hidden projections
 * get different gradients in the n block (the hidden one passes through r),
 * so dXW and dHW are separate buffers here.
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
		for (int b = 0; b < B; b++)
			BackwardRow(H, a + (size_t) b * GH, hn + (size_t) b * H,
						hprev + (size_t) b * H, dx + (size_t) b * GH,
						dhw + (size_t) b * GH, dh + (size_t) b * H);
		if (t > 0)
			sf_gemm_nn(B, H, GH, dhw, GH, W_hh, H, dh, H, 1);
	}
}
