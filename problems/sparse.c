/* sparse_1000d (MEHA paper, nonsmooth LL): F = sum y_i, f = 1/2 ||y - a||^2,
 * g(x, y) = sum x_i |y_i|, x in [0, 1]^n. LL solution y = soft(a, x); optimum
 * F* = -0.5 with x_i >= 1/n on the first half, 0 on the second
 * (shared/spec/problems.md). */
#include <math.h>

#include "problem.h"

enum { P_N, P_X0, P_Y0, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_N] = {"n", BLOC_PARAM_INT, 1000, 2, 1e8, 0, "dimension of x and y"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, 1, 0, 1, 0, "start value of every x_i (in the box [0, 1])"},
    [P_Y0] = {"y0", BLOC_PARAM_REAL, 1, -HUGE_VAL, HUGE_VAL, 0, "start value of every y_i"},
};

static const char *const metrics[] = {"ll_residual", "x_dist"};

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    size_t n = (size_t)pb->params[P_N];
    int st = bloc_problem_start(pb, n, n, pb->params[P_X0], pb->params[P_Y0], err);
    /* g's weights are x: the box [0, 1] keeps them non-negative */
    return st ? st : bloc_problem_box(pb, 0, 1, err);
}

/* raw: sum y, f + g, ||y - soft(a, x)||^2, dist(x, optimal set)^2 */
static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    out[BLOC_SLOT_F] = raw[0];
    out[BLOC_SLOT_LL] = raw[1];
    out[BLOC_SLOT_METRIC0] = sqrt(raw[2]);
    out[BLOC_SLOT_METRIC0 + 1] = sqrt(raw[3]);
}

const bloc_problem_desc_t bloc_problem_sparse = {
    .name = "sparse_1000d",
    .summary = "F = sum y, f = 1/2||y-a||^2, g = sum x_i|y_i|, x in [0,1]^n; F* = -0.5",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/sparse.cl",
    .kernel_prefix = "sparse",
    .grad_flops_per_item = 2,
    .metric_names = metrics,
    .nmetrics = 2,
    .nraw = 4,
    .init = init,
    BLOC_ELEMENTWISE_ORACLES,
    .prox = bloc_prox_weighted_l1,
    .finish = finish,
};
