/* Graph nodes of hyperclean's two-layer model d -> H -> K = 10
 * (problems/mlp.cl, equations (M1) .. (M5)): the nonconvex LL model "as in
 * IAPTT-GM" (shared/spec/problems.md). The head and the sample weights are
 * those of the linear model (problems/softmax.h). */
#ifndef BLOC_MLP_H
#define BLOC_MLP_H

#include "softmax.h"

/* activation s of (M1) */
enum { BLOC_MLP_RELU, BLOC_MLP_IDENTITY };

typedef struct {
    int H;   /* hidden units */
    int act; /* BLOC_MLP_RELU or BLOC_MLP_IDENTITY */
} bloc_mlp_t;

/* Entries of y = [W1 (H x d), W2 (K x H), b1 (H), b2 (K)]; the weight
 * matrices (the ridge's part) are the first bloc_mlp_nweights. */
size_t bloc_mlp_ny(size_t d, size_t H);
size_t bloc_mlp_nweights(size_t d, size_t H);

/* Start point y0 (nonzero: from y = 0 every hidden unit gets the same
 * gradient, and with ReLU none at all). PyTorch's nn.Linear default, which
 * the IAPTT-GM code uses: every weight and bias of a layer uniform in
 * [-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = d for layer 1 and H for
 * layer 2, drawn on stream 3 of `seed` (host/rng.h; the Fashion-MNIST draw
 * uses streams 0 .. 2) in the order of y. */
void bloc_mlp_init_y(double *y, size_t d, size_t H, unsigned long seed);

/* (M1) and (M2) at y: hidden rows into vector hid at element hoff (n H
 * reals), then the head with weights `mode` read from wsrc, outputs as
 * flags asks (BLOC_SM_OUT_*) into R + roff (n K), ce + ceoff (n, or 2 n
 * with OUT_CORRECT) and gx (n). */
int bloc_mlp_forward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m, int y,
                     int hid, int hoff, int mode, int wsrc, int flags, int R, int roff, int ce, int ceoff, int gx,
                     bloc_error_t *err);

/* gy <- grad_y at y from the forward's R + roff and hid + hoff: (M3), then
 * (M4) into the scratch vector D (n H reals), then (M5). */
int bloc_mlp_backward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m, int R,
                      int roff, int hid, int hoff, int D, int y, double mu, int gy, bloc_error_t *err);

#endif
