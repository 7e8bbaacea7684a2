/*
 * sf_head.c
 *	  The dense head after the last time step: Linear + ReLU per head layer,
 *	  then a Linear to the single output.  Activations are net->act[j]
 *	  ([B][width]); act[0] is the recurrent state the head reads.
 */
#include <string.h>

#include "sf_internal.h"

/* Weight tensor of head layer j (j = n_head is the output layer). */
static const sf_tensor *
HeadTensor(const sf_net *net, int j)
{
	return &net->tensors[4 * net->arch->layers + 2 * j];
}

void
sf_head_forward(sf_net *net, const sf_real *params, int B)
{
	const sf_arch *arch = net->arch;
	int			prev = arch->hidden;

	for (int j = 0; j <= arch->n_head; j++)
	{
		const sf_tensor *w = HeadTensor(net, j);
		int			width = w->shape[0];
		sf_real    *dst = j < arch->n_head ? net->act[j + 1] : net->out;

		sf_rows_set(B, width, params + w[1].offset, dst);
		sf_gemm_nn(B, width, prev, net->act[j], prev,
				   net->tparams + w->offset, width, dst, width, 1);
		/*
		 * The ReLU as a select rather than a branch: the signs of a fresh
		 * network's activations are close to random, and a mispredicted
		 * branch per element cost more than the head's products.
		 */
		if (j < arch->n_head)
			for (size_t i = 0; i < (size_t) B * width; i++)
				dst[i] = dst[i] < 0 ? 0 : dst[i];
		prev = width;
	}
}

/*
 * Backward from the training loss (net->loss, see sf_net_loss) through the
 * head.  Accumulates the head's weight gradients into grad and writes
 * d loss / d act[0] to dinput ([B][hidden]).
 */
void
sf_head_backward(sf_net *net, const sf_real *params, int B, sf_real *grad,
				 sf_real *dinput)
{
	const sf_arch *arch = net->arch;
	sf_real    *cur = net->dact[0];
	sf_real    *next = net->dact[1];

	for (int b = 0; b < B; b++)
		cur[b] = (sf_real) sf_loss_grad(net->loss,
										(double) net->out[b] - (double) net->y[b], B);

	for (int j = arch->n_head; j >= 0; j--)
	{
		const sf_tensor *w = HeadTensor(net, j);
		int			width = w->shape[0],
					prev = w->shape[1];
		sf_real    *dst = j == 0 ? dinput : next;

		if (j < arch->n_head)
		{
			/* through the ReLU: zero where the activation was clamped */
			const sf_real *act = net->act[j + 1];

			for (size_t i = 0; i < (size_t) B * width; i++)
				cur[i] = act[i] <= 0 ? 0 : cur[i];
		}
		sf_gemm_tn(width, prev, B, cur, width, net->act[j], prev,
				   grad + w->offset, prev);
		sf_colsum_add(B, width, cur, grad + w[1].offset);
		sf_gemm_nn(B, prev, width, cur, width, params + w->offset, prev,
				   dst, prev, 0);
		next = cur;
		cur = dst;
	}
}
