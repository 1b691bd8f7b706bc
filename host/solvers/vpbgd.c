/* V-PBGD (Shen & Chen, "On Penalty-based Bilevel Gradient Descent Method",
 * ICML 2023), shared/spec/algorithms.md: minimise F + rho_k (phi(x, y) -
 * phi(x, theta)) with theta ~ argmin phi(x, .) by T warm-started proximal
 * gradient steps. The (x, y) step is written on the scaled objective
 * F / rho_k + phi - phi(x, theta) (step alpha there = alpha / rho_k on the
 * paper's objective, the paper's 1/(rho L) step rule), so that
 *   x <- Proj_X(x - alpha (grad_x F / rho_k + grad_x phi(x,y) - grad_x phi(x,theta)))
 *   y <- prox_{alpha g}(y - alpha (grad_y F / rho_k + grad_y f(x,y)))
 * with rho_k = rho0 (k + 1)^p (p = 0: the paper's constant penalty). The x
 * step may be scaled by x_scale (default 1), e.g. for one weight per sample. */
#include <math.h>

#include "firstorder.h"

enum { P_ALPHA, P_RHO0, P_P, P_T, P_INNER, P_XSCALE, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ALPHA] = {"alpha", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "step on the scaled objective"},
    [P_RHO0] = {"rho0", BLOC_PARAM_REAL, 10, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "penalty rho_k = rho0 (k+1)^p"},
    [P_P] = {"p", BLOC_PARAM_REAL, 0.3, 0, 1, 0, "penalty growth exponent"},
    [P_T] = {"T", BLOC_PARAM_INT, 10, 1, 1000, 0, "inner gradient steps on theta per iteration"},
    [P_INNER] = {"inner_step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "inner step size"},
    [P_XSCALE] = {"x_scale", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN,
                  "step on x = alpha * x_scale (for x and y gradients of different scales)"},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_fo_vecs_t v;
    int st = bloc_fo_vectors(g, pb, 0, &v, err);
    if (st)
        return st;
    double sp[4] = {p[P_RHO0], p[P_P], 0, 0};
    int inv_rho = bloc_graph_sched(g, "inv_rho_k", bloc_sched_inv_power, sp, err);
    if (inv_rho < 0)
        return err->status;
    /* all gradients at the current (x, y), then the simultaneous step */
    if ((st = bloc_fo_inner_gd(g, pb, v.x, v.theta, v.gxt, v.gyt, p[P_INNER], (int)p[P_T], err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.theta, v.gxt, v.gyt, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_UL, v.x, v.y, v.gxF, v.gyF, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.y, v.gxf, v.gyf, err)) ||
        (st = bloc_fo_step_diff(g, v.x, v.gxF, v.gxf, v.gxt, pb->nx, p[P_ALPHA] * p[P_XSCALE], BLOC_SCHEDULED(inv_rho),
                                BLOC_FIXED(1), pb->x_lo, pb->x_hi, err)) ||
        (st = bloc_fo_step2(g, v.y, v.gyF, v.gyf, pb->ny, p[P_ALPHA], BLOC_SCHEDULED(inv_rho), BLOC_FIXED(1),
                            -HUGE_VAL, HUGE_VAL, err)))
        return st;
    return bloc_fo_prox(g, pb, v.x, v.y, p[P_ALPHA], err);
}

const bloc_solver_desc_t bloc_solver_vpbgd = {
    .name = "vpbgd",
    .summary = "V-PBGD: penalty on phi - v with inner gradient descent (ICML 2023)",
    .params = params,
    .nparams = NPARAMS,
    .build = build,
};
