/*
 * bench/bitcheck.c
 *	  Prints an FNV-1a hash of the outputs and of every parameter gradient
 *	  of one forward and backward pass, for GRU, LSTM and RNN networks of
 *	  several input sizes, hidden sizes and depths (dropout on the deeper
 *	  ones), from seeded parameters and inputs.  bench/bitcheck.sh builds it
 *	  against this tree and against another commit, per instruction set,
 *	  and compares: a kernel change meant to keep the arithmetic shows the
 *	  same hashes.  Uses the core's internals (sf_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "sf_internal.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{ const unsigned char *c = p; for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 1099511628211ULL; } return h; }

int main(void)
{
	int inputs[] = {1, 2, 3, 8, 9};
	int hiddens[] = {5, 32};
	int kinds[] = {SF_GRU, SF_LSTM, SF_RNN};
	for (int kk = 0; kk < 3; kk++)
	for (int ii = 0; ii < 5; ii++) for (int hh = 0; hh < 2; hh++) for (int layers = 1; layers <= 2; layers++)
	{
		sf_arch a; memset(&a, 0, sizeof a);
		a.kind = kinds[kk]; a.window = 6; a.hidden = hiddens[hh]; a.layers = layers;
		a.n_head = 1; a.head[0] = 4; a.inputs = inputs[ii];
		int B = 7, I = inputs[ii], T = 6;
		sf_net net; sf_ws ws = {NULL, 0};
		sf_net_layout(&net, &a, B, 1, &ws);
		void *mem = aligned_alloc(64, (ws.used + 127) / 64 * 64 + 64);
		ws.base = mem; ws.used = 0;
		sf_net_layout(&net, &a, B, 1, &ws);
		size_t np = sf_param_count(&a);
		sf_real *p = malloc(np * sizeof(sf_real)), *g = malloc(np * sizeof(sf_real));
		sf_rng rng; sf_rng_seed(&rng, 1234 + ii * 10 + hh + layers * 100);
		for (size_t i = 0; i < np; i++) p[i] = (sf_real) (sf_rng_uniform(&rng) - 0.5);
		for (int i = 0; i < T * B * I; i++) net.x0[i] = (sf_real) (2 * sf_rng_uniform(&rng) - 1);
		for (int i = 0; i < B; i++) net.y[i] = (sf_real) sf_rng_uniform(&rng);
		sf_net_prepare(&net, p);
		sf_rng dr; sf_rng_seed(&dr, 99);
		sf_net_forward(&net, p, B, layers > 1 ? 0.2 : 0.0, &dr);
		sf_net_backward(&net, p, B, g);
		uint64_t h = 1469598103934665603ULL;
		h = fnv(h, net.out, B * sizeof(sf_real));
		h = fnv(h, g, np * sizeof(sf_real));
		printf("%s inputs %d hidden %d layers %d: %016llx\n", sf_kind_name(a.kind), I, a.hidden, layers, (unsigned long long) h);
		free(p); free(g); free(mem);
	}
	return 0;
}
