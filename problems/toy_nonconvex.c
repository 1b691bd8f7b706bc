/* toy_nonconvex_1d (MEHA paper, nonconvex LL), n-dimensional version:
 * F = sum (x_i - 2)^2 + (y_i - 4)^2, f = sum sin(x_i + y_i - 2).
 * Best LL branch: x* = 3 pi / 4 per coordinate (shared/spec/problems.md). */
#include <math.h>
#include <stdlib.h>

#include "problem.h"

#define XSTAR 2.35619449019234492885 /* 3 pi / 4 */

enum { P_N, P_X0, P_Y0, P_XLO, P_XHI, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_N] = {"n", BLOC_PARAM_INT, 1, 1, 1e8, 0, "dimension of x and y"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, -6, -HUGE_VAL, HUGE_VAL, 0, "start value of every x_i"},
    [P_Y0] = {"y0", BLOC_PARAM_REAL, 0, -HUGE_VAL, HUGE_VAL, 0, "start value of every y_i"},
    [P_XLO] = {"x_lo", BLOC_PARAM_REAL, -HUGE_VAL, -HUGE_VAL, HUGE_VAL, 0, "UL box lower bound (default none)"},
    [P_XHI] = {"x_hi", BLOC_PARAM_REAL, HUGE_VAL, -HUGE_VAL, HUGE_VAL, 0, "UL box upper bound (default none)"},
};

static const char *const metrics[] = {"x_rel_err", "ll_residual"};

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    size_t n = (size_t)pb->params[P_N];
    int st = bloc_problem_start(pb, n, n, pb->params[P_X0], pb->params[P_Y0], err);
    return st ? st : bloc_problem_box(pb, pb->params[P_XLO], pb->params[P_XHI], err);
}

/* raw: sum F terms, sum sin, sum (x - x*)^2, sum (sin + 1)^2 */
static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    out[BLOC_SLOT_F] = raw[0];
    out[BLOC_SLOT_LL] = raw[1];
    out[BLOC_SLOT_METRIC0] = sqrt(raw[2]) / (XSTAR * sqrt((double)pb->nx));
    out[BLOC_SLOT_METRIC0 + 1] = sqrt(raw[3] / (double)pb->nx); /* RMS over coordinates */
}

const bloc_problem_desc_t bloc_problem_toy_nonconvex = {
    .name = "toy_nonconvex_1d",
    .summary = "F = (x-2)^2 + (y-4)^2, f = sin(x+y-2) per coordinate; x* = 3pi/4",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/toy_nonconvex.cl",
    .kernel_prefix = "toy_nonconvex",
    .grad_flops_per_item = 4,
    .metric_names = metrics,
    .nmetrics = 2,
    .nraw = 4,
    .init = init,
    BLOC_ELEMENTWISE_ORACLES,
    .finish = finish,
};
