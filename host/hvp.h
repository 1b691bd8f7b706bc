/* Hessian-vector products for the solvers that differentiate through LL
 * steps (shared/spec/algorithms.md):
 *   hy <- H_yy v = d/dy (grad_y . v),  hx <- H_xy v = d/dx (grad_y . v)
 * of f (level LL) or F (level UL) at (x, y). The problem's exact hook
 * (problem.h: hvp) is used when present; otherwise, or when asked, the
 * central difference of the gradient oracle, one pair of calls for both:
 *   [grad(x, y + eps v) - grad(x, y - eps v)] / (2 eps) = (H_xy v, H_yy v).
 * Step: the perturbation eps v has length h = c (1 + ||y|| / sqrt(ny)) with
 * c = u^(1/3), u the unit roundoff of the working precision (2^-53 or 2^-24):
 * the central difference's truncation error is O(h^2) and its rounding error
 * O(u / h), balanced at h ~ u^(1/3) on the scale of y (RMS of its entries,
 * at least 1). eps = h / ||v||, computed on the device (two sums and two
 * small kernels per product, no read-back); v = 0 gives 0. In fp64 this is
 * about 1e-10 relative on smooth problems, in fp32 about 1e-4. For an LL
 * with a nonsmooth g the difference also sees g's part of grad_x phi in
 * H_xy (the exact hook gives f's alone). */
#ifndef BLOC_HVP_H
#define BLOC_HVP_H

#include "problem.h"

typedef enum { BLOC_HVP_AUTO = 0, BLOC_HVP_EXACT, BLOC_HVP_FD } bloc_hvp_mode_t;

/* Words of the solvers' `hvp` parameter, in bloc_hvp_mode_t order. */
extern const char *const bloc_hvp_words[];

typedef struct {
    bloc_problem_t *pb;
    int exact;                              /* 1: the problem's hook; 0: central difference */
    int yp, ym, gxp, gyp, gxm, gym;         /* difference scratch, made on first use */
    int terms, norms;
    int hx_unused;                          /* x part of bloc_hvp_yy when the problem has no hvp_yy */
} bloc_hvp_t;

/* Chooses exact or difference products: AUTO = exact when the problem has
 * them; EXACT on a problem without them is a BLOC_ERR_PARAM naming `who`. */
int bloc_hvp_init(bloc_hvp_t *h, bloc_problem_t *pb, bloc_hvp_mode_t mode, const char *who, bloc_error_t *err);

/* Appends the launches of (hx, hy) <- (H_xy v, H_yy v) at (x, y) to list. */
int bloc_hvp(bloc_hvp_t *h, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v, int hx,
             int hy, bloc_error_t *err);

/* hy <- H_yy v alone: the problem's exact hvp_yy hook when it has one (and
 * products are exact), else bloc_hvp with a scratch x part. */
int bloc_hvp_yy(bloc_hvp_t *h, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v, int hy,
                bloc_error_t *err);

#endif
