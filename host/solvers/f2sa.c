/* F2SA (Kwon, Kwon, Wright, Nowak: "A Fully First-Order Method for
 * Stochastic Bilevel Optimization", ICML 2023), deterministic form of
 * shared/spec/algorithms.md. Per outer iteration, T inner steps on
 *   y <- prox_{beta g}(y - beta (grad_y F(x,y) / lambda_k + grad_y f(x,y)))   (descent on F/lambda + phi)
 *   w <- prox_{beta g}(w - beta grad_y f(x,w))                                 (descent on phi)
 * then x <- Proj_X(x - alpha (grad_x F(x,y) + lambda_k (grad_x phi(x,y) - grad_x phi(x,w)))),
 * lambda_k = lambda0 + delta k. The y step is scaled by 1/lambda_k (the
 * paper's y step size shrinks as lambda grows); w is the `theta` vector. */
#include <math.h>

#include "firstorder.h"

enum { P_ALPHA, P_BETA, P_LAMBDA0, P_DELTA, P_T, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ALPHA] = {"alpha", BLOC_PARAM_REAL, 0.01, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "x step size"},
    [P_BETA] = {"beta", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "inner step size for y and w"},
    [P_LAMBDA0] = {"lambda0", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "initial multiplier"},
    [P_DELTA] = {"delta", BLOC_PARAM_REAL, 0.01, 0, HUGE_VAL, 0, "multiplier increment per iteration"},
    [P_T] = {"T", BLOC_PARAM_INT, 5, 1, 1000, 0, "inner steps on y and w per iteration"},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_fo_vecs_t v;
    int st = bloc_fo_vectors(g, pb, 0, &v, err);
    if (st)
        return st;
    double sp[4] = {p[P_LAMBDA0], p[P_DELTA], 0, 0};
    int lam = bloc_graph_sched(g, "lambda_k", bloc_sched_linear, sp, err);
    int inv_lam = lam < 0 ? -1 : bloc_graph_sched(g, "inv_lambda_k", bloc_sched_inv_linear, sp, err);
    if (inv_lam < 0)
        return err->status;
    for (int t = 0; t < (int)p[P_T]; t++) {
        if ((st = bloc_fo_grad(g, pb, BLOC_UL, v.x, v.y, v.gxF, v.gyF, err)) ||
            (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.y, v.gxf, v.gyf, err)) ||
            (st = bloc_fo_step2(g, v.y, v.gyF, v.gyf, pb->ny, p[P_BETA], BLOC_SCHEDULED(inv_lam), BLOC_FIXED(1),
                                -HUGE_VAL, HUGE_VAL, err)) ||
            (st = bloc_fo_prox(g, pb, v.x, v.y, p[P_BETA], err)))
            return st;
    }
    if ((st = bloc_fo_inner_gd(g, pb, v.x, v.theta, v.gxt, v.gyt, p[P_BETA], (int)p[P_T], err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.theta, v.gxt, v.gyt, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_UL, v.x, v.y, v.gxF, v.gyF, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.y, v.gxf, v.gyf, err)))
        return st;
    return bloc_fo_step_diff(g, v.x, v.gxF, v.gxf, v.gxt, pb->nx, p[P_ALPHA], BLOC_FIXED(1), BLOC_SCHEDULED(lam),
                             pb->x_lo, pb->x_hi, err);
}

const bloc_solver_desc_t bloc_solver_f2sa = {
    .name = "f2sa",
    .summary = "F2SA: fully first-order with an increasing multiplier (ICML 2023)",
    .params = params,
    .nparams = NPARAMS,
    .build = build,
};
