/* toy_merely_convex (MEHA paper): y = (y1, y2),
 * F = 1/2 ||x - y2||^2 + 1/2 ||y1 - 1||^2, f = 1/2 ||y1||^2 - x . y1.
 * Optimum x* = y1* = y2* = 1 (shared/spec/problems.md). */
#include <math.h>
#include <stdlib.h>

#include "problem.h"

enum { P_N, P_START, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_N] = {"n", BLOC_PARAM_INT, 10, 1, 1e8, 0, "dimension of x, y1 and y2"},
    [P_START] = {"start", BLOC_PARAM_REAL, 0.01, -HUGE_VAL, HUGE_VAL, 0, "start value of every variable"},
};

static const char *const metrics[] = {"x_err", "y_err", "ll_residual"};

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    size_t n = (size_t)pb->params[P_N];
    return bloc_problem_start(pb, n, 2 * n, pb->params[P_START], pb->params[P_START], err);
}

/* raw: F, f, ||x - 1||^2, ||y - 1||^2, ||y1 - x||^2 */
static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    out[BLOC_SLOT_F] = raw[0];
    out[BLOC_SLOT_LL] = raw[1];
    out[BLOC_SLOT_METRIC0] = sqrt(raw[2]);
    out[BLOC_SLOT_METRIC0 + 1] = sqrt(raw[3]);
    out[BLOC_SLOT_METRIC0 + 2] = sqrt(raw[4]);
}

const bloc_problem_desc_t bloc_problem_toy_merely_convex = {
    .name = "toy_merely_convex",
    .summary = "F = 1/2||x-y2||^2 + 1/2||y1-1||^2, f = 1/2||y1||^2 - x.y1; x* = 1",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/toy_merely_convex.cl",
    .kernel_prefix = "toy_merely_convex",
    .grad_flops_per_item = 3,
    .metric_names = metrics,
    .nmetrics = 3,
    .nraw = 5,
    .init = init,
    BLOC_ELEMENTWISE_ORACLES,
    .finish = finish,
};
