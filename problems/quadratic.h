/* quadratic (benchmark bilevel suite, shared/spec/problems.md):
 *   LL  f(x, y) = 1/2 y'A y  + x'C y  + a'y  + 1/2 x'B x  + b'x    (A SPD)
 *   UL  F(x, y) = 1/2 y'AF y + x'CF y + aF'y + 1/2 x'BF x + bF'x   (AF PSD)
 * x in R^nx, y in R^ny, C and CF nx x ny, all matrices row-major doubles.
 *   y*(x)     = -A^-1 (C'x + a)
 *   grad h(x) = grad_x F(x, y*) - C A^-1 grad_y F(x, y*)
 *
 * Instances come from the seeded generator or from .npy files. The
 * generator is counter-based: draw k of stream s is
 *   u(s, k) = mix(mix(seed) + s 2^48 + k) / 2^64 (top 53 bits),
 * mix = the splitmix64 finalizer, and a "normal" is the sum of 12 such
 * uniforms minus 6 (Irwin-Hall: mean 0, variance 1, no libm calls), so the
 * same seed gives bit-identical matrices on every IEEE machine. Streams:
 *   0  G  (ny x ny): A = Q diag(e) Q', Q from the Householder QR of G,
 *                    e_k = mu + (L - mu) k / (ny - 1)  (e = mu when ny = 1)
 *   1  C  (nx x ny), normals / sqrt(nx + ny)      2  a (ny), normals
 *   3  G  (nx x nx): B = G G' / nx                4  b (nx), normals
 *   5  G  (n x n, n = nx + ny): H = G G' / n, then BF = H_xx + I,
 *      CF = H_xy, AF = H_yy: F is jointly convex in (x, y) and strongly
 *      convex in x, so h(x) = F(x, y*(x)) has a unique minimiser
 *   6  aF (ny), normals                           7  bF (nx), normals
 *
 * Stochastic mode (problem parameter batch > 0): both levels become means
 * over `samples` samples i (an even number; antithetic pairs, so the means
 * are exactly f and F):
 *   f_i = (1 + s_i)(1/2 y'A y + x'C y) + a'y + 1/2 x'B x + b'x + d_i'y
 *   F_i = F + dF_i'y + eF_i'x
 * with, for pairs (2j, 2j + 1), s = +-r_j, r_j = noise (2u - 1) uniform in
 * [-noise, noise] (noise < 1 keeps every sample's Hessian (1 + s_i) A
 * positive definite), d, dF, eF = +-noise times standard normals. A
 * minibatch oracle averages its samples' terms: Hessians (1 + mean s) A and
 * (1 + mean s) C, gradients shifted by the batch means of d, dF, eF.
 * Streams of the data seed: 8 r, 9 d, 10 dF, 11 eF. */
#ifndef BLOC_QUADRATIC_H
#define BLOC_QUADRATIC_H

#include "problem.h"

typedef struct {
    size_t nx, ny;
    double *A, *C, *a, *B, *b;      /* LL f */
    double *AF, *CF, *aF, *BF, *bF; /* UL F */
    double *Ainv;                   /* A^-1 (from the Cholesky factor) */
} bloc_quadratic_t;

/* Per-sample terms of the stochastic mode: row i of sf = (s_i, d_i) (1 + ny
 * reals), row i of sF = (eF_i, dF_i) (nx + ny reals). */
typedef struct {
    size_t n;
    double *sf, *sF;
} bloc_quadratic_noise_t;

/* Seeded instance; 0 < mu <= L. */
int bloc_quadratic_generate(bloc_quadratic_t *q, size_t nx, size_t ny, double mu, double L, unsigned long seed,
                            bloc_error_t *err);

/* Instance from DIR/{A,C,a,B,b,AF,CF,aF,BF,bF}.npy with the shapes above;
 * A, B, AF, BF must be symmetric (to 1e-6 of their largest entry; the
 * symmetric part is used), A positive definite, AF positive semidefinite. */
int bloc_quadratic_load(bloc_quadratic_t *q, size_t nx, size_t ny, const char *dir, bloc_error_t *err);

void bloc_quadratic_free(bloc_quadratic_t *q);

/* Sample terms for n samples (n even) of amplitude noise from seed. */
int bloc_quadratic_noise(bloc_quadratic_noise_t *z, const bloc_quadratic_t *q, size_t n, double noise,
                         unsigned long seed, bloc_error_t *err);
void bloc_quadratic_noise_free(bloc_quadratic_noise_t *z);

/* In double on the host: y*(x) = -A^-1 (C'x + a) and the exact
 * hypergradient grad h(x) = grad_x F(x, y*) - C A^-1 grad_y F(x, y*). */
void bloc_quadratic_ystar(const bloc_quadratic_t *q, const double *x, double *ystar);
void bloc_quadratic_hypergrad(const bloc_quadratic_t *q, const double *x, double *out);

/* The instance behind a created `quadratic` problem (tests, benches), and
 * its sample terms (NULL when batch = 0). */
const bloc_quadratic_t *bloc_quadratic_instance(const bloc_problem_t *pb);
const bloc_quadratic_noise_t *bloc_quadratic_samples(const bloc_problem_t *pb);

#endif
