/*
 * sf_internal.h
 *	  Shared internals of the numeric core: kernels, workspace layout and the
 *	  per-kind recurrent cells.  Not part of the public interface.
 */
#ifndef SF_INTERNAL_H
#define SF_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sf_core.h"

#define SF_IS_DOUBLE (sizeof(sf_real) == sizeof(double))

/*
 * Hot functions are compiled for AVX-512, AVX2+FMA and baseline x86-64; the
 * dynamic linker picks one per machine at load time (GCC's target_clones).
 * Elsewhere they compile once, for whatever the compiler targets.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__ELF__) && !defined(SF_NO_CLONES)
#define SF_CLONES 1
#define SF_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SF_KERNEL
#endif

/*
 * The targets of the kernels written once per path and dispatched at run
 * time (sf_gemm.c, sf_gru.c); without clones, the compiler's own target.
 */
#if defined(SF_CLONES)
#define TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#define TARGET_V3 __attribute__((target("arch=x86-64-v3")))
#else
#define TARGET_V4
#define TARGET_V3
#endif

#ifdef SF_REAL_FLOAT

/*
 * exp, sigmoid and tanh in float without a library call, so that loops over
 * activations vectorize: sf_act.h's product-and-sum form (its error bounds
 * are there), the baseline path's; the AVX-512 and AVX2 paths of the GRU
 * use its fused form (sf_gru.c).
 */
#define SF_ACT_SFX
#define SF_ACT_MADD(a, b, c) ((a) * (b) + (c))
#include "sf_act.h"
#undef SF_ACT_MADD
#undef SF_ACT_SFX

#else

/* The double build uses libm: the gradient checks want exact functions. */
static inline sf_real
sf_tanh(sf_real x)
{
	return (sf_real) tanh((double) x);
}

static inline sf_real
sf_sigmoid(sf_real x)
{
	return (sf_real) (1.0 / (1.0 + exp(-(double) x)));
}

#endif

/*
 * A bump allocator over a caller-provided buffer.  With base NULL it only
 * counts, so the size functions and the layout functions share one code path
 * and can never disagree.
 */
typedef struct sf_ws
{
	char	   *base;
	size_t		used;
} sf_ws;

static inline void *
sf_ws_take(sf_ws *ws, size_t count, size_t elem)
{
	size_t		off = (ws->used + 63) & ~(size_t) 63;

	ws->used = off + count * elem;
	return ws->base ? (void *) (ws->base + off) : NULL;
}

#define SF_TAKE(ws, n) ((sf_real *) sf_ws_take((ws), (size_t) (n), sizeof(sf_real)))

/*
 * A bump allocator over a caller's work area, from its first 64-byte
 * boundary (the *_bytes functions count 64 bytes of slack for it).
 */
static inline sf_ws
sf_ws_over(void *work)
{
	sf_ws		ws;

	ws.base = (char *) (((uintptr_t) work + 63) & ~(uintptr_t) 63);
	ws.used = 0;
	return ws;
}

/*
 * Let the caller check for cancellation.  Called once per time step and per
 * slice of the large products, so that even a huge network answers a
 * cancel within milliseconds.
 */
static inline void
sf_tick(const sf_hooks *hooks)
{
	if (hooks && hooks->tick)
		hooks->tick(hooks->ctx);
}

/* sf_gemm.c */
extern void sf_gemm_nn(int M, int N, int K, const sf_real *A, int lda,
					   const sf_real *B, int ldb, sf_real *C, int ldc,
					   int accumulate);
extern void sf_gemm_nn_bias(int M, int N, int K, const sf_real *A, int lda,
							const sf_real *B, int ldb, const sf_real *bias,
							sf_real *C, int ldc);
extern void sf_gemm_tn(int M, int N, int K, const sf_real *A, int lda,
					   const sf_real *B, int ldb, sf_real *C, int ldc);
extern void sf_transpose(int rows, int cols, const sf_real *restrict src,
						 sf_real *restrict dst);
extern void sf_colsum_add(int M, int N, const sf_real *A, sf_real *restrict out);
extern void sf_colsum_add_ld(int M, int N, const sf_real *A, int lda,
							 sf_real *restrict out);
extern void sf_rows_set(int M, int N, const sf_real *row, sf_real *C);

/*
 * Buffers of one recurrent layer for a mini-batch of B windows of T steps,
 * all time-major: element [t][b][j] of a [T][B][J] buffer.
 */
typedef struct sf_layer_buf
{
	const sf_hooks *hooks;		/* ticked once per time step, may be NULL */
	const sf_real *X;			/* [T][B][I] input (not owned) */
	sf_real    *XW;				/* [T][B][GH] input projection + b_ih */
	sf_real    *Hs;				/* [T+1][B][H] states, Hs[0] = 0 */
	sf_real    *A;				/* [T][B][GH] gate activations (lstm, gru) */
	sf_real    *Cs;				/* [T+1][B][H] cell states (lstm) */
	sf_real    *HN;				/* [T][B][H] W_hn h + b_hn (gru) */
	sf_real    *hw;				/* [B][GH] hidden projection + b_hh */
	sf_real    *dXW;			/* [T][B][GH] loss grad wrt XW */
	sf_real    *dHW;			/* [T][B][GH] loss grad wrt hw (gru; else dXW) */
	sf_real    *dh;				/* [B][H] */
	sf_real    *dc;				/* [B][H] */
	sf_real    *dX;				/* [T][B][I] grad wrt input (layers > 0) */
	sf_real    *Xdrop;			/* [T][B][H] dropped input (layers > 0) */
	sf_real    *mask;			/* [T][B][H] dropout mask of that input */
} sf_layer_buf;

/* A network's buffers for mini-batches of up to cap windows. */
typedef struct sf_net
{
	const sf_arch *arch;
	int			cap;			/* batch capacity */
	int			training;		/* buffers for backward and dropout exist */
	int			loss;			/* SF_LOSS_*, of sf_net_loss and backward */
	const sf_hooks *hooks;		/* cancellation checks, may be NULL */
	sf_real    *tparams;		/* params with every matrix transposed */
	sf_real    *x0;				/* [T][B][inputs] scaled inputs */
	sf_real    *y;				/* [B] scaled targets */
	sf_layer_buf L[SF_MAX_LAYERS];
	sf_real    *hdrop;			/* [B][H] head input after dropout */
	sf_real    *hmask;			/* [B][H] its mask */
	sf_real    *act[SF_MAX_HEAD + 1];	/* head activations; act[0] = input */
	sf_real    *out;			/* [B] */
	sf_real    *dact[2];		/* [B][max width] ping-pong head grads */
	sf_tensor	tensors[SF_MAX_TENSORS];
	int			n_tensors;
} sf_net;

/* sf_net.c */
extern void sf_net_layout(sf_net *net, const sf_arch *arch, int cap,
						  int training, sf_ws *ws);
extern void sf_net_prepare(sf_net *net, const sf_real *params);
extern void sf_net_forward(sf_net *net, const sf_real *params, int B,
						   double dropout, sf_rng *rng);
extern double sf_net_loss(const sf_net *net, int B);
extern double sf_loss_grad(int loss, double e, int B);
extern void sf_net_backward(sf_net *net, const sf_real *params, int B,
							sf_real *grad);

/* sf_rnn.c, sf_lstm.c, sf_gru.c: one layer over T steps */
extern void sf_rnn_forward(sf_layer_buf *L, const sf_real *Wt_hh,
						   const sf_real *b_hh, int T, int B, int H);
extern void sf_rnn_backward(sf_layer_buf *L, const sf_real *W_hh,
							const sf_real *dHext, const sf_real *dhlast,
							int T, int B, int H);
extern void sf_lstm_forward(sf_layer_buf *L, const sf_real *Wt_hh,
							const sf_real *b_hh, int T, int B, int H);
extern void sf_lstm_backward(sf_layer_buf *L, const sf_real *W_hh,
							 const sf_real *dHext, const sf_real *dhlast,
							 int T, int B, int H);
/* layers with at most this many inputs: the GRU makes its input projection */
#ifndef SF_GRU_FUSED_INPUTS
#define SF_GRU_FUSED_INPUTS 8
#endif
extern void sf_gru_forward(sf_layer_buf *L, const sf_real *Wt_ih,
						   const sf_real *b_ih, int I, const sf_real *Wt_hh,
						   const sf_real *b_hh, int T, int B, int H);
extern void sf_gru_backward(sf_layer_buf *L, const sf_real *W_hh,
							const sf_real *dHext, const sf_real *dhlast,
							int T, int B, int H);

/* sf_head.c */
extern void sf_head_forward(sf_net *net, const sf_real *params, int B);
extern void sf_head_backward(sf_net *net, const sf_real *params, int B,
							 sf_real *grad, sf_real *dinput);

#endif							/* SF_INTERNAL_H */
