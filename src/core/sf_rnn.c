/*
 * sf_rnn.c
 *	  The Elman cell, PyTorch's nn.RNN with tanh:
 *	  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).
 */
#include <string.h>

#include "sf_internal.h"

SF_KERNEL void
sf_rnn_forward(sf_layer_buf *L, const sf_real *Wt_hh, const sf_real *b_hh,
			   int T, int B, int H)
{
	size_t		BH = (size_t) B * H;

	for (int t = 0; t < T; t++)
	{
		const sf_real *restrict xw = L->XW + t * BH;
		const sf_real *hprev = L->Hs + t * BH;
		sf_real    *restrict h = L->Hs + (t + 1) * BH;
		sf_real    *restrict hw = L->hw;

		sf_tick(L->hooks);
		sf_rows_set(B, H, b_hh, hw);
		if (t > 0)
			sf_gemm_nn(B, H, H, hprev, H, Wt_hh, H, hw, H, 1);
		for (size_t i = 0; i < BH; i++)
			h[i] = sf_tanh(xw[i] + hw[i]);
	}
}

/*
 * dHext ([T][B][H], may be NULL) is the gradient arriving at every step from
 * the layer above; dhlast ([B][H], may be NULL, may alias L->dh) the one
 * arriving at the last step from the head.  Leaves dXW (= dHW) filled.
 */
SF_KERNEL void
sf_rnn_backward(sf_layer_buf *L, const sf_real *W_hh, const sf_real *dHext,
				const sf_real *dhlast, int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	sf_real    *restrict dh = L->dh;

	if (dhlast == NULL)
		memset(dh, 0, sizeof(sf_real) * BH);
	else if (dhlast != dh)
		memcpy(dh, dhlast, sizeof(sf_real) * BH);

	for (int t = T - 1; t >= 0; t--)
	{
		const sf_real *restrict h = L->Hs + (t + 1) * BH;
		sf_real    *restrict da = L->dXW + t * BH;

		sf_tick(L->hooks);
		if (dHext)
			for (size_t i = 0; i < BH; i++)
				dh[i] += dHext[t * BH + i];
		for (size_t i = 0; i < BH; i++)
			da[i] = dh[i] * (1 - h[i] * h[i]);
		if (t > 0)
			sf_gemm_nn(B, H, H, da, H, W_hh, H, dh, H, 0);
	}
}
