/* rnn_unbounded (BO-REP's setting, shared/spec/problems.md): x = the
 * weights of a one-layer tanh RNN (hidden size H) reading each
 * Fashion-MNIST image as 28 rows of 28 pixels (scaled to [0, 1]),
 *   h_0 = 0,  h_t = tanh(W_in u_t + W_h h_{t-1} + b),  phi(x) = h_28,
 * x = [W_in (H x 28) | W_h (H x H) | b (H)] (nx = 28 H + H^2 + H), and y a
 * ridge head (H x 10, ny = 10 H) on the features with one-hot targets t:
 *   LL  f(x, y) = (1/n) sum_train 1/2 ||y'phi_i - t_i||^2 + (mu/2) ||y||^2
 *   UL  F(x, y) = (1/m) sum_val   1/2 ||y'phi_j - t_j||^2
 * f is mu-strongly convex in y with y*(x) = S^-1 B, S = Phi'Phi/n + mu I,
 * B = Phi'T/n, so the exact hypergradient
 *   grad h(x) = grad_x F(x, y*) - H_xy f(x, y*) S^-1 grad_y F(x, y*)
 * is known; the eval list computes it on the device (Gram matrices, a
 * Cholesky solve, two backward passes). The UL is unbounded-smooth in x:
 * its local smoothness grows with the weights through the recurrence.
 *
 * Data: a seeded disjoint draw of n_train + n_val of the 60000 training
 * images (stream 0 of the data seed: a partial Fisher-Yates shuffle), from
 * $BLOC_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist. Start:
 * W_in, W_h seeded normals (stream 1) of standard deviation scale_in /
 * sqrt(28) and scale_rec / sqrt(H), b = 0, y = 0. Minibatches (batch > 0)
 * average over the drawn samples of the level's set. */
#ifndef BLOC_RNN_UNBOUNDED_H
#define BLOC_RNN_UNBOUNDED_H

#include "problem.h"

#define BLOC_RNN_T 28
#define BLOC_RNN_PIX 784
#define BLOC_RNN_CLASSES 10

typedef struct {
    int H;
    size_t n[2];           /* samples of the UL (validation) and LL (training) sets */
    double *img[2];        /* n[level] x 784 pixels in [0, 1] */
    double *label[2];      /* n[level] labels 0 .. 9 */
    double mu;
} bloc_rnn_data_t;

/* The data behind a created rnn_unbounded problem (tests). */
const bloc_rnn_data_t *bloc_rnn_data(const bloc_problem_t *pb);

#endif
