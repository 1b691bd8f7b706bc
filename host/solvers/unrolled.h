/* Machinery shared by the unrolled family (shared/spec/algorithms.md):
 * IAPTT-GM, RHG, T-RHG and BDA differentiate the UL objective through K
 * LL steps. One outer iteration appends to the step list:
 *
 *   forward:   y_0 = init; y_{k+1} = Proj_Y(w_k - (c1 g1 + c2 g2)), k < K,
 *              every row stored on the device (one buffer of (K+1) ny), or
 *              every m-th (checkpoint: m) with the segments recomputed later;
 *   truncate:  (IAPTT-GM) vals[k-1] = F(x, y_k) by one batched terms kernel
 *              and one reduction, k* = argmax on the device;
 *   reverse:   a = grad_y F(x, y_k*), g_x = grad_x F(x, y_k*), then for
 *              k = k*-1 .. K-T: u = Jacobian of Proj_Y at y_{k+1} times a,
 *              g_x -= c1 H_xy u (+ c2 ...), a = u - c1 H_yy u (+ ...)
 *              (Nesterov: a carried through w_k = y_k + beta (y_k - y_{k-1})),
 *              every launch masked by k* read from device memory;
 *   result:    hgx = dL/dx, adj = dL/dy_0 (IAPTT-GM's grad_z L).
 *
 * Gradient steps: c1 = s, c2 = 0 with H of f. BDA: c1 = mu_k s_u (H of F),
 * c2 = (1 - mu_k) s_l (H of f), mu_k = mu0 decay^k. No read-back anywhere.
 * Launches per iteration, all rows stored: 2K forward (3K for BDA), 4 for
 * the truncation, 1 gradient, 2 per reverse step (3 for BDA; each HVP is
 * 7 launches with hvp: fd). Checkpointing adds one forward pass and the
 * recomputation of y_k* (2(m-1) launches). */
#ifndef BLOC_UNROLLED_H
#define BLOC_UNROLLED_H

#include "hvp.h"
#include "solver.h"

typedef struct {
    const char *who;      /* solver name, for messages */
    int K;                /* LL steps, >= 1 */
    int T;                /* reverse through the last T steps only (T = K: all) */
    int checkpoint;       /* m >= 2: keep every m-th iterate; 0 or 1: keep all */
    int truncate;         /* pessimistic truncation k* = argmax_k F(x, y_k) */
    int learn_init;       /* y_0 = z is a UL variable (IAPTT-GM); else y_0 = y0 fixed */
    double s, beta;       /* gradient step and Nesterov momentum */
    int bda;              /* aggregated dynamics instead of gradient steps on f */
    double su, sl, mu0, mu_decay;
    bloc_hvp_mode_t hvp;
} bloc_unroll_opts_t;

typedef struct {
    bloc_unroll_opts_t o;
    bloc_hvp_t hvp;
    int x, y, init;           /* init: y_0 (z when learned) */
    int traj, seg, ckpt, wre; /* trajectory, or segment + checkpoints + recompute point */
    int gx, g1, g2;           /* oracle outputs of the forward steps */
    int hgx, adj, pend, p;    /* adjoint state and the products' point */
    int hx1, hy1, hx2, hy2;   /* Hessian-vector products */
    int kstar, vals, ypt;     /* truncation */
} bloc_unroll_t;

/* Checks the options against the problem (clear BLOC_ERR_PARAM errors),
 * creates the vectors ("x", "y" = y_K after each iteration, "z" or
 * "y_init") and appends forward, truncation and reverse pass. */
int bloc_unroll_build(bloc_graph_t *g, bloc_problem_t *pb, const bloc_unroll_opts_t *o, bloc_unroll_t *u,
                      bloc_error_t *err);

/* x <- Proj_X(x - ax hgx), and z <- Proj_Y(z - az adj) when y_0 is learned. */
int bloc_unroll_ul_step(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_coef_t ax, double az,
                        bloc_error_t *err);

/* Step-size schedule p0 / (1 + k / p1); constant p0 when p1 = 0. */
double bloc_sched_decay(long k, const double *p);

/* The whole build of an unrolled solver: the trajectory and reverse pass
 * for `o`, then the UL step with x step alpha / (1 + k / decay) (decay 0:
 * constant) and z step az (0: z not learned). */
int bloc_unroll_solver(bloc_graph_t *g, bloc_problem_t *pb, const bloc_unroll_opts_t *o, double alpha, double decay,
                       double az, bloc_error_t *err);

/* The kernel files of every unrolled solver, for its descriptor. */
extern const char *const bloc_unroll_sources[2];
#define BLOC_UNROLLED_KERNELS .sources = bloc_unroll_sources, .nsources = 2

#endif
