/* Machinery shared by the implicit family (shared/spec/algorithms.md):
 * BO-REP, AID-CG, AID-Neumann, SOBA, MA-SOBA, StocBiO and TTSA estimate
 * the hypergradient of h(x) = F(x, y*(x)) through the linear system
 *   H_yy f(x, y) v = grad_y F(x, y),   gh = grad_x F(x, y) - H_xy f(x, y) v
 * at the current LL iterate y, and differ in how they track y, how they
 * solve for v (one SGD step on a persistent z, k CG steps, a Neumann
 * series, a randomly truncated one) and how they step x (SGD, momentum,
 * normalized momentum). Everything runs on the device: CG's alpha and beta
 * and the momentum norm come from fixed-shape reductions, TTSA's
 * truncation level from the device generator; nothing is read back.
 *
 * Stochastic oracles: on a problem with batch > 0 every oracle call draws
 * its minibatch (host/minibatch.h) under a role: LL steps (ll_grad, or
 * refine for BO-REP's T0 steps), UL gradients (ul_grad), H_yy products of
 * the linear system (hvp_system: one draw per CG solve, per Neumann series,
 * or per term when `fresh`), H_xy products of the hypergradient (hvp_cross).
 *
 * The family needs a smooth LL without a box (the implicit function
 * theorem at an interior y*), strongly convex in y for the theory: problems
 * with a prox term or a finite LL box are refused. Vectors: "x", "y", "z"
 * (v, kept between iterations), "m" (momentum), "hgx" (the last
 * hypergradient estimate, before the x step), "gxF", "gyF". */
#ifndef BLOC_IMPLICIT_H
#define BLOC_IMPLICIT_H

#include "hvp.h"
#include "minibatch.h"
#include "solver.h"

typedef struct {
    bloc_problem_t *pb;
    const char *who;
    bloc_hvp_t hvp;
    int x, y, z, m, hgx;
    int gxF, gyF;         /* grad F at (x, y) */
    int gy, gx_unused;    /* LL gradient (y part; x part when the problem has no grad_y) */
    int hx, hy;           /* Hessian-vector products */
    int p, r;             /* Neumann term / CG residual and direction */
    int terms, scal;      /* dot-product terms; device scalars (IMP_S_*) */
    int trunc;            /* TTSA's truncation level */
} bloc_imp_t;

/* Device scalars: CG's r.r in two alternating slots, p.Ap, ||m||^2. */
enum { IMP_S_RS0 = 0, IMP_S_RS1 = 1, IMP_S_PAP = 2, IMP_S_MNORM = 3, IMP_NSCAL = 4 };

/* Checks the problem (BLOC_ERR_PARAM naming `who`), chooses the HVPs and
 * creates the vectors (x = x0, y = y0, z = m = 0). */
int bloc_imp_init(bloc_graph_t *g, bloc_problem_t *pb, const char *who, bloc_hvp_mode_t hvp, bloc_imp_t *s,
                  bloc_error_t *err);

/* n SGD steps y <- y - step grad_y f(x, y), minibatch call j of `role` for step j. */
int bloc_imp_ll_steps(bloc_graph_t *g, bloc_imp_t *s, bloc_role_t role, int n, double step, bloc_error_t *err);
/* gy <- grad_y f(x, y) on a fresh draw of role ll_grad (SOBA's direction D_y). */
int bloc_imp_ll_grad(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err);
/* gxF, gyF <- grad F(x, y) (role ul_grad). */
int bloc_imp_ul_grad(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err);

/* z <- z - nu (H_yy f z - gyF) on one draw of hvp_system. */
int bloc_imp_z_step(bloc_graph_t *g, bloc_imp_t *s, double nu, bloc_error_t *err);
/* z <- alpha sum_{q=0..Q} (I - alpha H_yy f)^q gyF: Q products; fresh = 1: a
 * new minibatch per product (StocBiO), 0: one for the whole series. */
int bloc_imp_neumann(bloc_graph_t *g, bloc_imp_t *s, int Q, double alpha, int fresh, bloc_error_t *err);
/* TTSA: q uniform in {0, .., Q-1} on the device, z <- Q alpha prod_{i=1..q}
 * (I - alpha H_i) gyF, a fresh minibatch per factor. All Q - 1 products
 * are launched (the graph is static); those past q are masked. */
int bloc_imp_neumann_random(bloc_graph_t *g, bloc_imp_t *s, int Q, double alpha, bloc_error_t *err);
/* z <- k conjugate-gradient steps on H_yy f z = gyF, from the previous z
 * (warm) or from 0, on one minibatch. */
int bloc_imp_cg(bloc_graph_t *g, bloc_imp_t *s, int k, int warm, bloc_error_t *err);

/* hgx <- gxF - H_xy f v on one draw of hvp_cross. */
int bloc_imp_hypergrad(bloc_graph_t *g, bloc_imp_t *s, int v, bloc_error_t *err);
/* hgx <- gxF - hx with (hx, hy) = H f z computed already (SOBA). */
int bloc_imp_hypergrad_from(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err);

/* x <- Proj_X(x - eta_t hgx). */
int bloc_imp_x_step(bloc_graph_t *g, bloc_imp_t *s, bloc_coef_t eta, bloc_error_t *err);
/* m <- beta m + (1 - beta) hgx, then x <- Proj_X(x - eta_t m / ||m||)
 * (normalized) or x <- Proj_X(x - eta_t m). */
int bloc_imp_momentum_step(bloc_graph_t *g, bloc_imp_t *s, double beta, bloc_coef_t eta, int normalized,
                           bloc_error_t *err);

/* The x step size eta / (1 + t / decay) (constant when decay = 0) as a
 * schedule of the graph. */
int bloc_imp_eta(bloc_graph_t *g, double eta, double decay, bloc_coef_t *out, bloc_error_t *err);

/* The kernel files of every implicit solver, for its descriptor. */
extern const char *const bloc_imp_sources[3];
#define BLOC_IMPLICIT_KERNELS .sources = bloc_imp_sources, .nsources = 3

#endif
