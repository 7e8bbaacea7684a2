/*
 * sf_lstm.c
 *	  The LSTM cell with PyTorch's gate order i, f, g, o:
 *	  c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).
 */
#include <string.h>

#include "sf_internal.h"

void
sf_lstm_forward(sf_layer_buf *L, const sf_real *Wt_hh, const sf_real *b_hh,
				int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	int			GH = 4 * H;

	for (int t = 0; t < T; t++)
	{
		const sf_real *xw = L->XW + t * BH * 4;
		sf_real    *a = L->A + t * BH * 4;
		const sf_real *hprev = L->Hs + t * BH;
		const sf_real *cprev = L->Cs + t * BH;
		sf_real    *h = L->Hs + (t + 1) * BH;
		sf_real    *c = L->Cs + (t + 1) * BH;
		sf_real    *hw = L->hw;

		sf_rows_set(B, GH, b_hh, hw);
		if (t > 0)
			sf_gemm_nn(B, GH, H, hprev, H, Wt_hh, GH, hw, GH, 1);
		for (int b = 0; b < B; b++)
		{
			const sf_real *restrict px = xw + (size_t) b * GH;
			const sf_real *restrict ph = hw + (size_t) b * GH;
			sf_real    *restrict pa = a + (size_t) b * GH;
			const sf_real *restrict cp = cprev + (size_t) b * H;
			sf_real    *restrict cn = c + (size_t) b * H;
			sf_real    *restrict hn = h + (size_t) b * H;

			for (int j = 0; j < H; j++)
			{
				sf_real		i = sf_sigmoid(px[j] + ph[j]);
				sf_real		f = sf_sigmoid(px[H + j] + ph[H + j]);
				sf_real		g = sf_tanh(px[2 * H + j] + ph[2 * H + j]);
				sf_real		o = sf_sigmoid(px[3 * H + j] + ph[3 * H + j]);
				sf_real		cc = f * cp[j] + i * g;

				pa[j] = i;
				pa[H + j] = f;
				pa[2 * H + j] = g;
				pa[3 * H + j] = o;
				cn[j] = cc;
				hn[j] = o * sf_tanh(cc);
			}
		}
	}
}

/* See sf_rnn_backward for the arguments; dXW and dHW are the same buffer. */
void
sf_lstm_backward(sf_layer_buf *L, const sf_real *W_hh, const sf_real *dHext,
				 const sf_real *dhlast, int T, int B, int H)
{
	size_t		BH = (size_t) B * H;
	int			GH = 4 * H;
	sf_real    *dh = L->dh;
	sf_real    *dc = L->dc;

	if (dhlast == NULL)
		memset(dh, 0, sizeof(sf_real) * BH);
	else if (dhlast != dh)
		memcpy(dh, dhlast, sizeof(sf_real) * BH);
	memset(dc, 0, sizeof(sf_real) * BH);

	for (int t = T - 1; t >= 0; t--)
	{
		const sf_real *a = L->A + t * BH * 4;
		const sf_real *c = L->Cs + (t + 1) * BH;
		const sf_real *cprev = L->Cs + t * BH;
		sf_real    *dpre = L->dXW + t * BH * 4;

		if (dHext)
			for (size_t i = 0; i < BH; i++)
				dh[i] += dHext[t * BH + i];
		for (int b = 0; b < B; b++)
		{
			const sf_real *restrict pa = a + (size_t) b * GH;
			const sf_real *restrict pc = c + (size_t) b * H;
			const sf_real *restrict pcp = cprev + (size_t) b * H;
			sf_real    *restrict pd = dpre + (size_t) b * GH;
			sf_real    *restrict pdh = dh + (size_t) b * H;
			sf_real    *restrict pdc = dc + (size_t) b * H;

			for (int j = 0; j < H; j++)
			{
				sf_real		i = pa[j],
							f = pa[H + j],
							g = pa[2 * H + j],
							o = pa[3 * H + j];
				sf_real		tc = sf_tanh(pc[j]);
				sf_real		dcc = pdc[j] + pdh[j] * o * (1 - tc * tc);

				pd[j] = dcc * g * i * (1 - i);
				pd[H + j] = dcc * pcp[j] * f * (1 - f);
				pd[2 * H + j] = dcc * i * (1 - g * g);
				pd[3 * H + j] = pdh[j] * tc * o * (1 - o);
				pdc[j] = dcc * f;
			}
		}
		if (t > 0)
			sf_gemm_nn(B, H, GH, dpre, GH, W_hh, H, dh, H, 0);
	}
}
