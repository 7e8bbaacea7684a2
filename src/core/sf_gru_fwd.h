/*
 * sf_gru_fwd.h
 *	  The GRU forward pass, instantiated by sf_gru.c once per path.  Before
 *	  including, define GRU_NAME (the function), GRU_TARGET (a target
 *	  attribute, or nothing), GRU_MADD(a, b, c) (a * b + c, or a fused
 *	  multiply-add on paths that have one) and GRU_SIGMOID, GRU_TANH (the
 *	  activations over that multiply-add, sf_act.h).
 */
#define GRU_CAT(a, b) a##b
#define GRU_XCAT(a, b) GRU_CAT(a, b)
#define GRU_ROW GRU_XCAT(GRU_NAME, Row)
#define GRU_ROW1 GRU_XCAT(GRU_NAME, Row1)
#define GRU_INROW GRU_XCAT(GRU_NAME, InputRow)

/*
 * One window's step, in two passes over its row: the r and z gates (2H
 * sigmoids, independent of each other), then n and h, which need r.  Two
 * short chains of dependent operations per element instead of one long
 * one (a sigmoid, then the tanh that waits for it) keep more elements in
 * flight.  Rows are separate functions so that their restrict parameters
 * tell the compiler the gate blocks do not overlap, which lets it
 * vectorize the loops without run-time overlap checks.  xw is b_ih + W_ih x (GRU_ROW) or made here from
 * one input x (GRU_ROW1, w = Wt_ih, bi = b_ih), one multiply-add as the
 * matrix kernel makes it (sf_gemm_nn_bias, k = 1).
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

/* the step of a layer with one input x (w: Wt_ih's blocks, bi: b_ih's) */
GRU_TARGET static void
GRU_ROW1(int H, sf_real x, const sf_real *restrict wr, const sf_real *restrict wz,
		 const sf_real *restrict wn, const sf_real *restrict br,
		 const sf_real *restrict bz, const sf_real *restrict bn,
		 const sf_real *restrict hr, const sf_real *restrict hz,
		 const sf_real *restrict hnw, const sf_real *restrict hprev,
		 sf_real *restrict ar, sf_real *restrict az, sf_real *restrict an,
		 sf_real *restrict hn, sf_real *restrict h)
{
#define GRU_XR(j) GRU_MADD(x, wr[j], br[j])
#define GRU_XZ(j) GRU_MADD(x, wz[j], bz[j])
#define GRU_XN(j) GRU_MADD(x, wn[j], bn[j])
	GRU_ROW_BODY(GRU_XR, GRU_XZ, GRU_XN);
#undef GRU_XR
#undef GRU_XZ
#undef GRU_XN
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
		for (int b = 0; b < B; b++)
		{
			const sf_real *in = xw + (size_t) b * GH;
			const sf_real *hwb = hw + (size_t) b * GH;
			sf_real    *ab = a + (size_t) b * GH;

			if (Wt_ih && I == 1)
			{
				GRU_ROW1(H, x[b], Wt_ih, Wt_ih + H, Wt_ih + 2 * H,
						 b_ih, b_ih + H, b_ih + 2 * H,
						 hwb, hwb + H, hwb + 2 * H, hprev + (size_t) b * H,
						 ab, ab + H, ab + 2 * H,
						 hn + (size_t) b * H, h + (size_t) b * H);
				continue;
			}
			if (Wt_ih)
			{
				GRU_INROW(GH, I, x + (size_t) b * I, Wt_ih, b_ih, xrow);
				in = xrow;
			}
			GRU_ROW(H, in, in + H, in + 2 * H, hwb, hwb + H, hwb + 2 * H,
					hprev + (size_t) b * H, ab, ab + H, ab + 2 * H,
					hn + (size_t) b * H, h + (size_t) b * H);
		}
	}
}

#undef GRU_INROW
#undef GRU_ROW1
#undef GRU_ROW
#undef GRU_XCAT
#undef GRU_CAT
