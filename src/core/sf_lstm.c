/*
 * sf_lstm.c
 *	  The LSTM cell with PyTorch's gate order i, f, g, o:
 *	  c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).
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
		   const sf_real *restrict cprev, sf_real *restrict a,
		   sf_real *restrict c, sf_real *restrict h)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		i = sf_sigmoid(xw[j] + hw[j]);
		sf_real		f = sf_sigmoid(xw[H + j] + hw[H + j]);
		sf_real		g = sf_tanh(xw[2 * H + j] + hw[2 * H + j]);
		sf_real		o = sf_sigmoid(xw[3 * H + j] + hw[3 * H + j]);
		sf_real		cc = f * cprev[j] + i * g;

		a[j] = i;
		a[H + j] = f;
		a[2 * H + j] = g;
		a[3 * H + j] = o;
		c[j] = cc;
		h[j] = o * sf_tanh(cc);
	}
}

static inline void
BackwardRow(int H, const sf_real *restrict a, const sf_real *restrict c,
			const sf_real *restrict cprev, sf_real *restrict dpre,
			sf_real *restrict dh, sf_real *restrict dc)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		i = a[j],
					f = a[H + j],
					g = a[2 * H + j],
					o = a[3 * H + j];
		sf_real		tc = sf_tanh(c[j]);
		sf_real		dcc = dc[j] + dh[j] * o * (1 - tc * tc);

		dpre[j] = dcc * g * i * (1 - i);
		dpre[H + j] = dcc * cprev[j] * f * (1 - f);
		dpre[2 * H + j] = dcc * i * (1 - g * g);
		dpre[3 * H + j] = dh[j] * tc * o * (1 - o);
		dc[j] = dcc * f;
	}
}

SF_KERNEL void
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

		sf_tick(L->hooks);
		sf_rows_set(B, GH, b_hh, hw);
		if (t > 0)
			sf_gemm_nn(B, GH, H, hprev, H, Wt_hh, GH, hw, GH, 1);
		for (int b = 0; b < B; b++)
			ForwardRow(H, xw + (size_t) b * GH, hw + (size_t) b * GH,
					   cprev + (size_t) b * H, a + (size_t) b * GH,
					   c + (size_t) b * H, h + (size_t) b * H);
	}
}

/* See sf_rnn_backward for the arguments; dXW and dHW are the same buffer. */
SF_KERNEL void
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

		sf_tick(L->hooks);
		if (dHext)
			for (size_t i = 0; i < BH; i++)
				dh[i] += dHext[t * BH + i];
		for (int b = 0; b < B; b++)
			BackwardRow(H, a + (size_t) b * GH, c + (size_t) b * H,
						cprev + (size_t) b * H, dpre + (size_t) b * GH,
						dh + (size_t) b * H, dc + (size_t) b * H);
		if (t > 0)
			sf_gemm_nn(B, H, GH, dpre, GH, W_hh, H, dh, H, 0);
	}
}
