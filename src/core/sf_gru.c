/*
 * sf_gru.c
 *	  The GRU cell exactly as PyTorch's nn.GRU, gate order r, z, n, with the
 *	  reset gate applied after the hidden projection:
 *	  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 */
#include <string.h>

#include "sf_internal.h"

void
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

		sf_rows_set(B, GH, b_hh, hw);
		if (t > 0)
			sf_gemm_nn(B, GH, H, hprev, H, Wt_hh, GH, hw, GH, 1);
		for (int b = 0; b < B; b++)
		{
			const sf_real *restrict px = xw + (size_t) b * GH;
			const sf_real *restrict ph = hw + (size_t) b * GH;
			sf_real    *restrict pa = a + (size_t) b * GH;
			sf_real    *restrict pn = hn + (size_t) b * H;
			const sf_real *restrict hp = hprev + (size_t) b * H;
			sf_real    *restrict hh = h + (size_t) b * H;

			for (int j = 0; j < H; j++)
			{
				sf_real		r = sf_sigmoid(px[j] + ph[j]);
				sf_real		z = sf_sigmoid(px[H + j] + ph[H + j]);
				sf_real		n = sf_tanh(px[2 * H + j] + r * ph[2 * H + j]);

				pa[j] = r;
				pa[H + j] = z;
				pa[2 * H + j] = n;
				pn[j] = ph[2 * H + j];
				hh[j] = (1 - z) * n + z * hp[j];
			}
		}
	}
}

/*
 * See sf_rnn_backward for the arguments.  The input and hidden projections
 * get different gradients in the n block (the hidden one passes through r),
 * so dXW and dHW are separate buffers here.
 */
void
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

		if (dHext)
			for (size_t i = 0; i < BH; i++)
				dh[i] += dHext[t * BH + i];
		for (int b = 0; b < B; b++)
		{
			const sf_real *restrict pa = a + (size_t) b * GH;
			const sf_real *restrict pn = hn + (size_t) b * H;
			const sf_real *restrict hp = hprev + (size_t) b * H;
			sf_real    *restrict px = dx + (size_t) b * GH;
			sf_real    *restrict ph = dhw + (size_t) b * GH;
			sf_real    *restrict pdh = dh + (size_t) b * H;

			for (int j = 0; j < H; j++)
			{
				sf_real		r = pa[j],
							z = pa[H + j],
							n = pa[2 * H + j];
				sf_real		g = pdh[j];
				sf_real		dpn = g * (1 - z) * (1 - n * n);
				sf_real		dpr = dpn * pn[j] * r * (1 - r);
				sf_real		dpz = g * (hp[j] - n) * z * (1 - z);

				px[j] = ph[j] = dpr;
				px[H + j] = ph[H + j] = dpz;
				px[2 * H + j] = dpn;
				ph[2 * H + j] = dpn * r;
				pdh[j] = g * z;
			}
		}
		if (t > 0)
			sf_gemm_nn(B, H, GH, dhw, GH, W_hh, H, dh, H, 1);
	}
}
