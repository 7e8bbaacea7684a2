/*
 * sf_net.c
 *	  A whole network over one mini-batch: workspace layout, the forward pass
 *	  through the stacked recurrent layers and the head, the loss, and
 *	  backpropagation through time.  The per-kind cell arithmetic lives in
 *	  sf_rnn.c, sf_lstm.c and sf_gru.c; the head in sf_head.c.
 */
#include <string.h>

#include "sf_internal.h"

/* Indexes into net->tensors. */
#define T_WIH(l) (4 * (l))
#define T_WHH(l) (4 * (l) + 1)
#define T_BIH(l) (4 * (l) + 2)
#define T_BHH(l) (4 * (l) + 3)

/*
 * Lay out every buffer for mini-batches of up to cap windows.  Inference
 * (training = 0) needs no gradient or dropout buffers.
 */
void
sf_net_layout(sf_net *net, const sf_arch *arch, int cap, int training,
			  sf_ws *ws)
{
	int			T = arch->window,
				H = arch->hidden,
				GH = sf_kind_gates(arch->kind) * H,
				widest = 1;
	size_t		n_params = sf_param_count(arch);

	memset(net, 0, sizeof(*net));
	net->arch = arch;
	net->cap = cap;
	net->training = training;
	net->n_tensors = sf_tensors(arch, net->tensors);
	net->tparams = SF_TAKE(ws, n_params);
	net->x0 = SF_TAKE(ws, (size_t) T * cap * sf_arch_inputs(arch));
	net->y = SF_TAKE(ws, cap);

	for (int l = 0; l < arch->layers; l++)
	{
		sf_layer_buf *L = &net->L[l];
		int			I = l == 0 ? sf_arch_inputs(arch) : H;

		L->XW = SF_TAKE(ws, (size_t) T * cap * GH);
		L->Hs = SF_TAKE(ws, (size_t) (T + 1) * cap * H);
		L->hw = SF_TAKE(ws, (size_t) cap * GH);
		if (arch->kind != SF_RNN)
			L->A = SF_TAKE(ws, (size_t) T * cap * GH);
		if (arch->kind == SF_LSTM)
			L->Cs = SF_TAKE(ws, (size_t) (T + 1) * cap * H);
		if (arch->kind == SF_GRU)
			L->HN = SF_TAKE(ws, (size_t) T * cap * H);
		if (training)
		{
			L->dXW = SF_TAKE(ws, (size_t) T * cap * GH);
			L->dHW = arch->kind == SF_GRU ?
				SF_TAKE(ws, (size_t) T * cap * GH) : L->dXW;
			L->dh = SF_TAKE(ws, (size_t) cap * H);
			L->dc = SF_TAKE(ws, (size_t) cap * H);
			if (l > 0)
			{
				L->dX = SF_TAKE(ws, (size_t) T * cap * I);
				L->Xdrop = SF_TAKE(ws, (size_t) T * cap * I);
				L->mask = SF_TAKE(ws, (size_t) T * cap * I);
			}
		}
	}
	if (training)
	{
		net->hdrop = SF_TAKE(ws, (size_t) cap * H);
		net->hmask = SF_TAKE(ws, (size_t) cap * H);
	}
	widest = H;
	for (int j = 0; j < arch->n_head; j++)
	{
		net->act[j + 1] = SF_TAKE(ws, (size_t) cap * arch->head[j]);
		if (arch->head[j] > widest)
			widest = arch->head[j];
	}
	net->out = SF_TAKE(ws, cap);
	if (training)
	{
		net->dact[0] = SF_TAKE(ws, (size_t) cap * widest);
		net->dact[1] = SF_TAKE(ws, (size_t) cap * widest);
	}
}

/*
 * The forward pass multiplies activations by transposed weights so that its
 * inner loops run along contiguous rows; make those copies once per set of
 * weights (per optimizer step, or per inference call).
 */
void
sf_net_prepare(sf_net *net, const sf_real *params)
{
	for (int i = 0; i < net->n_tensors; i++)
	{
		const sf_tensor *t = &net->tensors[i];

		if (t->ndim == 2)
			sf_transpose(t->shape[0], t->shape[1], params + t->offset,
						 net->tparams + t->offset);
	}
}

/*
 * Products over all time steps run in slices of this many steps (about 64
 * MFLOP each), with a cancellation check between slices.  Slicing along k
 * keeps the order of additions, so results do not depend on it.
 */
static int
SliceSteps(int B, int M, int N)
{
	double		per_step = 2.0 * B * M * N;
	double		steps = 64e6 / (per_step > 0 ? per_step : 1);

	return steps < 1 ? 1 : steps > 1e6 ? 1000000 : (int) steps;
}

/* Fill a dropout mask: 0 with probability p, else 1 / (1 - p). */
static void
FillMask(sf_real *mask, size_t n, double p, sf_rng *rng)
{
	sf_real		keep = (sf_real) (1.0 / (1.0 - p));

	for (size_t i = 0; i < n; i++)
		mask[i] = sf_rng_uniform(rng) < p ? 0 : keep;
}

static void
ApplyMask(sf_real *dst, const sf_real *src, const sf_real *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] * mask[i];
}

/*
 * Forward over B windows whose inputs are in net->x0.  dropout > 0 (only in
 * training) draws fresh masks from rng; sf_net_prepare must have run on the
 * same params.
 */
void
sf_net_forward(sf_net *net, const sf_real *params, int B, double dropout,
			   sf_rng *rng)
{
	const sf_arch *arch = net->arch;
	int			T = arch->window,
				H = arch->hidden,
				GH = sf_kind_gates(arch->kind) * H;
	const sf_real *input = net->x0;
	int			drop = dropout > 0 && net->training;

	for (int l = 0; l < arch->layers; l++)
	{
		sf_layer_buf *L = &net->L[l];
		int			I = l == 0 ? sf_arch_inputs(arch) : H;
		const sf_tensor *wih = &net->tensors[T_WIH(l)];
		const sf_real *Wt_ih = net->tparams + wih->offset;
		const sf_real *Wt_hh = net->tparams + net->tensors[T_WHH(l)].offset;
		const sf_real *b_ih = params + net->tensors[T_BIH(l)].offset;
		const sf_real *b_hh = params + net->tensors[T_BHH(l)].offset;
		int			fused;

		if (l > 0 && drop)
		{
			FillMask(L->mask, (size_t) T * B * I, dropout, rng);
			ApplyMask(L->Xdrop, input, L->mask, (size_t) T * B * I);
			input = L->Xdrop;
		}
		L->X = input;
		L->hooks = net->hooks;

		/*
		 * input projections of all time steps in one pass (or few slices),
		 * but for a GRU layer with few inputs, which makes them itself
		 */
		fused = arch->kind == SF_GRU && I <= SF_GRU_FUSED_INPUTS;
		for (int t0 = 0, S = SliceSteps(B, GH, I); t0 < T && !fused; t0 += S)
		{
			int			n = T - t0 < S ? T - t0 : S;

			sf_gemm_nn_bias(n * B, GH, I, input + (size_t) t0 * B * I, I, Wt_ih, GH,
							b_ih, L->XW + (size_t) t0 * B * GH, GH);
			sf_tick(net->hooks);
		}
		memset(L->Hs, 0, sizeof(sf_real) * B * H);
		if (L->Cs)
			memset(L->Cs, 0, sizeof(sf_real) * B * H);

		switch (arch->kind)
		{
			case SF_RNN:
				sf_rnn_forward(L, Wt_hh, b_hh, T, B, H);
				break;
			case SF_LSTM:
				sf_lstm_forward(L, Wt_hh, b_hh, T, B, H);
				break;
			default:
				sf_gru_forward(L, fused ? Wt_ih : NULL, b_ih, I, Wt_hh, b_hh, T, B, H);
				break;
		}
		input = L->Hs + (size_t) B * H;
	}

	/* the head reads the top layer's last state */
	net->act[0] = net->L[arch->layers - 1].Hs + (size_t) T * B * H;
	if (drop)
	{
		FillMask(net->hmask, (size_t) B * H, dropout, rng);
		ApplyMask(net->hdrop, net->act[0], net->hmask, (size_t) B * H);
		net->act[0] = net->hdrop;
	}
	sf_head_forward(net, params, B);
}

/*
 * The loss of net->out against net->y, by net->loss: the mean squared
 * error, the mean absolute error, or Huber's (squared within SF_HUBER_DELTA
 * of the target, linear beyond; doubled, so that its gradient near the
 * target is the squared error's).
 */
double
sf_net_loss(const sf_net *net, int B)
{
	double		s = 0;

	for (int b = 0; b < B; b++)
	{
		double		e = (double) net->out[b] - (double) net->y[b],
					a = fabs(e);

		switch (net->loss)
		{
			case SF_LOSS_MAE:
				s += a;
				break;
			case SF_LOSS_HUBER:
				s += a <= SF_HUBER_DELTA ? e * e :
					SF_HUBER_DELTA * (2 * a - SF_HUBER_DELTA);
				break;
			default:
				s += e * e;
				break;
		}
	}
	return s / B;
}

/* d loss / d out for one of B outputs with error e (see sf_net_loss). */
double
sf_loss_grad(int loss, double e, int B)
{
	switch (loss)
	{
		case SF_LOSS_MAE:
			return ((e > 0) - (e < 0)) / (double) B;
		case SF_LOSS_HUBER:
			return 2.0 * (e > SF_HUBER_DELTA ? SF_HUBER_DELTA :
						  e < -SF_HUBER_DELTA ? -SF_HUBER_DELTA : e) / B;
		default:
			return 2.0 * e / B;
	}
}

/*
 * Gradient of the mean squared error with respect to every parameter,
 * written to grad (overwritten).  Runs after sf_net_forward on the same
 * batch; the dropout masks of that pass are reused.
 */
void
sf_net_backward(sf_net *net, const sf_real *params, int B, sf_real *grad)
{
	const sf_arch *arch = net->arch;
	int			T = arch->window,
				H = arch->hidden,
				GH = sf_kind_gates(arch->kind) * H;
	sf_layer_buf *top = &net->L[arch->layers - 1];
	const sf_real *dHext = NULL;

	memset(grad, 0, sizeof(sf_real) * sf_param_count(arch));

	/* the head leaves d loss / d h_T of the top layer in top->dh */
	sf_head_backward(net, params, B, grad, top->dh);
	if (net->act[0] == net->hdrop)
		ApplyMask(top->dh, top->dh, net->hmask, (size_t) B * H);

	for (int l = arch->layers - 1; l >= 0; l--)
	{
		sf_layer_buf *L = &net->L[l];
		int			I = l == 0 ? sf_arch_inputs(arch) : H;
		const sf_tensor *wih = &net->tensors[T_WIH(l)];
		const sf_tensor *whh = &net->tensors[T_WHH(l)];
		const sf_real *W_hh = params + whh->offset;
		sf_real    *b_ih_grad,
				   *b_hh_grad;
		int			rz;

		/* dh holds the gradient at the last step (top layer) or nothing */
		switch (arch->kind)
		{
			case SF_RNN:
				sf_rnn_backward(L, W_hh, dHext, l == arch->layers - 1 ? L->dh : NULL, T, B, H);
				break;
			case SF_LSTM:
				sf_lstm_backward(L, W_hh, dHext, l == arch->layers - 1 ? L->dh : NULL, T, B, H);
				break;
			default:
				sf_gru_backward(L, W_hh, dHext, l == arch->layers - 1 ? L->dh : NULL, T, B, H);
				break;
		}

		/*
		 * weight gradients over all time steps at once (or few slices).  A
		 * GRU's dXW equals dHW in the r and z blocks, and holds only its n
		 * block in the first layer (sf_gru_backward): those rows of the
		 * input weights' gradient come from dHW, and b_ih's r and z
		 * gradients are b_hh's, the same sums of the same values.
		 */
		rz = arch->kind == SF_GRU ? 2 * H : 0;
		for (int t0 = 0, S = SliceSteps(B, GH, H + I); t0 < T; t0 += S)
		{
			int			n = T - t0 < S ? T - t0 : S;

			sf_gemm_tn(GH, H, n * B, L->dHW + (size_t) t0 * B * GH, GH,
					   L->Hs + (size_t) t0 * B * H, H, grad + whh->offset, H);
			if (rz)
				sf_gemm_tn(rz, I, n * B, L->dHW + (size_t) t0 * B * GH, GH,
						   L->X + (size_t) t0 * B * I, I, grad + wih->offset, I);
			sf_gemm_tn(GH - rz, I, n * B, L->dXW + (size_t) t0 * B * GH + rz, GH,
					   L->X + (size_t) t0 * B * I, I,
					   grad + wih->offset + (size_t) rz * I, I);
			sf_tick(net->hooks);
		}
		b_ih_grad = grad + net->tensors[T_BIH(l)].offset;
		b_hh_grad = grad + net->tensors[T_BHH(l)].offset;
		sf_colsum_add(T * B, GH, L->dHW, b_hh_grad);
		if (rz)
			memcpy(b_ih_grad, b_hh_grad, sizeof(sf_real) * rz);
		sf_colsum_add_ld(T * B, GH - rz, L->dXW + rz, GH, b_ih_grad + rz);

		if (l > 0)
		{
			/* gradient flowing into the layer below, through its dropout */
			for (int t0 = 0, S = SliceSteps(B, GH, I); t0 < T; t0 += S)
			{
				int			n = T - t0 < S ? T - t0 : S;

				sf_gemm_nn(n * B, I, GH, L->dXW + (size_t) t0 * B * GH, GH,
						   params + wih->offset, I, L->dX + (size_t) t0 * B * I, I, 0);
				sf_tick(net->hooks);
			}
			if (L->X == L->Xdrop)
				ApplyMask(L->dX, L->dX, L->mask, (size_t) T * B * I);
			dHext = L->dX;
		}
	}
}
