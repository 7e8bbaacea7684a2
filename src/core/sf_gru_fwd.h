/*
 * sf_gru_fwd.h
 *	  The GRU forward pass, instantiated by sf_gru.c once per path.  Before
 *	  including, define GRU_NAME (the function), GRU_TARGET (a target
 *	  attribute, or nothing), GRU_MADD(a, b, c) (a * b + c, or a fused
 *	  multiply-add on paths that have one) and GRU_SIGMOID, GRU_TANH (the
 *	  activations over that multiply-add, sf_act.h); they are undefined
 *	  at the end.
 */
#define GRU_CAT(a, b) a##b
#define GRU_XCAT(a, b) GRU_CAT(a, b)
#define GRU_ROW GRU_XCAT(GRU_NAME, Row)
#define GRU_P1 GRU_XCAT(GRU_NAME, Pass1)
#define GRU_P2 GRU_XCAT(GRU_NAME, Pass2)
#define GRU_Q1 GRU_XCAT(GRU_NAME, Pass1In1)
#define GRU_Q2 GRU_XCAT(GRU_NAME, Pass2In1)
#define GRU_INROW GRU_XCAT(GRU_NAME, InputRow)

/*
 * One window's step, in two passes over its row: the r and z gates (2H
 * sigmoids, independent of each other), then n and h, which need r.  Two
 * short chains of dependent operations per element instead of one long
 * one (a sigmoid, then the tanh that waits for it) keep more elements in
 * flight.  Rows are separate functions so that their restrict parameters
 * tell the compiler the gate blocks do not overlap, which lets it
 * vectorize the loops without run-time overlap checks.  xw is b_ih + W_ih
 * x, given (GRU_ROW, GRU_P1/GRU_P2) or made here from one input x
 * (GRU_Q1/GRU_Q2, w = Wt_ih, b = b_ih), one multiply-add as the matrix
 * kernel makes it (sf_gemm_nn_bias, k = 1).
 */
#define GRU_ROW_BODY(XR, XZ, XN) \
	do { \
		for (int j = 0; j < H; j++) \
		{ \
			ar[j] = GRU_SIGMOID(XR(j) + hr[j]); \
			az[j] = GRU_SIGMOID(XZ(j) + hz[j]); \
		} \
		for (int j = 0; j < H; j++) \
		{ \
			sf_real		n = GRU_TANH(GRU_MADD(ar[j], hnw[j], XN(j))); \
			an[j] = n; \
			hn[j] = hnw[j]; \
			h[j] = GRU_MADD(az[j], hprev[j], (1 - az[j]) * n); \
		} \
	} while (0)

/*
 * The step with xw given (xr, xz, xn: its r, z and n blocks; hr, hz, hnw:
 * hw's; ar, az, an: the activations').
 */
GRU_TARGET static void
GRU_ROW(int H, const sf_real *restrict xr, const sf_real *restrict xz,
		const sf_real *restrict xn, const sf_real *restrict hr,
		const sf_real *restrict hz, const sf_real *restrict hnw,
		const sf_real *restrict hprev, sf_real *restrict ar,
		sf_real *restrict az, sf_real *restrict an,
		sf_real *restrict hn, sf_real *restrict h)
{
#define GRU_XR(j) xr[j]
#define GRU_XZ(j) xz[j]
#define GRU_XN(j) xn[j]
	GRU_ROW_BODY(GRU_XR, GRU_XZ, GRU_XN);
#undef GRU_XR
#undef GRU_XZ
#undef GRU_XN
}

/*
 * The two passes as separate functions, so that a step runs the first over
 * every window of the batch before the second: the sigmoids of all the
 * windows are independent of each other, and the out-of-order core
 * overlaps them instead of waiting, row after row, for a row's sigmoids
 * before its tanh (3-4% of a default training).  Each element's operations
 * are GRU_ROW_BODY's, so the bits are the same.  GRU_Q1 and GRU_Q2 make xw
 * from one input x.
 */
GRU_TARGET static void
GRU_P1(int H, const sf_real *restrict xr, const sf_real *restrict xz,
		const sf_real *restrict hr, const sf_real *restrict hz,
		sf_real *restrict ar, sf_real *restrict az)
{
	for (int j = 0; j < H; j++)
	{
		ar[j] = GRU_SIGMOID(xr[j] + hr[j]);
		az[j] = GRU_SIGMOID(xz[j] + hz[j]);
	}
}

GRU_TARGET static void
GRU_P2(int H, const sf_real *restrict xn, const sf_real *restrict hnw,
		const sf_real *restrict hprev, const sf_real *restrict ar,
		const sf_real *restrict az, sf_real *restrict an,
		sf_real *restrict hn, sf_real *restrict h)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		n = GRU_TANH(GRU_MADD(ar[j], hnw[j], xn[j]));

		an[j] = n;
		hn[j] = hnw[j];
		h[j] = GRU_MADD(az[j], hprev[j], (1 - az[j]) * n);
	}
}

GRU_TARGET static void
GRU_Q1(int H, sf_real x, const sf_real *restrict wr, const sf_real *restrict wz,
		const sf_real *restrict br, const sf_real *restrict bz,
		const sf_real *restrict hr, const sf_real *restrict hz,
		sf_real *restrict ar, sf_real *restrict az)
{
	for (int j = 0; j < H; j++)
	{
		ar[j] = GRU_SIGMOID(GRU_MADD(x, wr[j], br[j]) + hr[j]);
		az[j] = GRU_SIGMOID(GRU_MADD(x, wz[j], bz[j]) + hz[j]);
	}
}

GRU_TARGET static void
GRU_Q2(int H, sf_real x, const sf_real *restrict wn, const sf_real *restrict bn,
		const sf_real *restrict hnw,
		const sf_real *restrict hprev, const sf_real *restrict ar,
		const sf_real *restrict az, sf_real *restrict an,
		sf_real *restrict hn, sf_real *restrict h)
{
	for (int j = 0; j < H; j++)
	{
		sf_real		n = GRU_TANH(GRU_MADD(ar[j], hnw[j], GRU_MADD(x, wn[j], bn[j])));

		an[j] = n;
		hn[j] = hnw[j];
		h[j] = GRU_MADD(az[j], hprev[j], (1 - az[j]) * n);
	}
}

#undef GRU_ROW_BODY

/*
 * One window's input projection for one step, b_ih + x Wt_ih, into a row
 * of GH: the products added to the bias in input order, one multiply-add
 * each as the matrix kernel adds them (sf_gemm_nn_bias with k = I), so the
 * result is the same bits.
 */
GRU_TARGET static inline __attribute__((always_inline)) void
GRU_INROW(int GH, int I, const sf_real *restrict x, const sf_real *restrict Wt_ih,
		  const sf_real *restrict b_ih, sf_real *restrict xw)
{
	for (int g = 0; g < GH; g++)
		xw[g] = GRU_MADD(x[0], Wt_ih[g], b_ih[g]);
	for (int k = 1; k < I; k++)
	{
		sf_real		xk = x[k];
		const sf_real *restrict w = Wt_ih + (size_t) k * GH;

		for (int g = 0; g < GH; g++)
			xw[g] = GRU_MADD(xk, w[g], xw[g]);
	}
}

/* sf_gru_forward on this path (see there) */
GRU_TARGET static void
GRU_NAME(sf_layer_buf *L, const sf_real *Wt_ih, const sf_real *b_ih,
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
		if (Wt_ih && I == 1)
		{
			for (int b = 0; b < B; b++)
				GRU_Q1(H, x[b], Wt_ih, Wt_ih + H, b_ih, b_ih + H,
					   hw + (size_t) b * GH, hw + (size_t) b * GH + H,
					   a + (size_t) b * GH, a + (size_t) b * GH + H);
			for (int b = 0; b < B; b++)
				GRU_Q2(H, x[b], Wt_ih + 2 * H, b_ih + 2 * H,
					   hw + (size_t) b * GH + 2 * H, hprev + (size_t) b * H,
					   a + (size_t) b * GH, a + (size_t) b * GH + H,
					   a + (size_t) b * GH + 2 * H,
					   hn + (size_t) b * H, h + (size_t) b * H);
		}
		else if (Wt_ih)
			for (int b = 0; b < B; b++)
			{
				const sf_real *hwb = hw + (size_t) b * GH;
				sf_real    *ab = a + (size_t) b * GH;

				GRU_INROW(GH, I, x + (size_t) b * I, Wt_ih, b_ih, xrow);
				GRU_ROW(H, xrow, xrow + H, xrow + 2 * H, hwb, hwb + H, hwb + 2 * H,
						hprev + (size_t) b * H, ab, ab + H, ab + 2 * H,
						hn + (size_t) b * H, h + (size_t) b * H);
			}
		else
		{
			for (int b = 0; b < B; b++)
				GRU_P1(H, xw + (size_t) b * GH, xw + (size_t) b * GH + H,
					   hw + (size_t) b * GH, hw + (size_t) b * GH + H,
					   a + (size_t) b * GH, a + (size_t) b * GH + H);
			for (int b = 0; b < B; b++)
				GRU_P2(H, xw + (size_t) b * GH + 2 * H,
					   hw + (size_t) b * GH + 2 * H, hprev + (size_t) b * H,
					   a + (size_t) b * GH, a + (size_t) b * GH + H,
					   a + (size_t) b * GH + 2 * H,
					   hn + (size_t) b * H, h + (size_t) b * H);
		}
	}
}

#undef GRU_INROW
#undef GRU_P1
#undef GRU_P2
#undef GRU_Q1
#undef GRU_Q2
#undef GRU_ROW
#undef GRU_XCAT
#undef GRU_CAT
#undef GRU_NAME
#undef GRU_TARGET
#undef GRU_MADD
#undef GRU_SIGMOID
#undef GRU_TANH
