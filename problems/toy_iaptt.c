/* toy_iaptt_1d (IAPTT-GM paper, NeurIPS 2021, nonconvex follower),
 * n-dimensional version with independent coordinates:
 * F = sum x_i + x_i y_i,  f = sum -sin(x_i y_i),  x in [1, 10]^n, y in [-2, 2]^n.
 * Optimum x* = 2.75 pi, y* = -2 per coordinate, F* = -2.75 pi n
 * (shared/spec/problems.md). Start x0 = 1, y0 = z0 = 2. */
#include <math.h>

#include "problem.h"


enum { P_N, P_X0, P_Y0, P_XLO, P_XHI, P_YLO, P_YHI, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_N] = {"n", BLOC_PARAM_INT, 1, 1, 1e8, 0, "dimension of x and y"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, 1, -HUGE_VAL, HUGE_VAL, 0, "start value of every x_i"},
    [P_Y0] = {"y0", BLOC_PARAM_REAL, 2, -HUGE_VAL, HUGE_VAL, 0, "start value of every y_i (IAPTT-GM's z0)"},
    [P_XLO] = {"x_lo", BLOC_PARAM_REAL, 1, -HUGE_VAL, HUGE_VAL, 0, "UL box lower bound"},
    [P_XHI] = {"x_hi", BLOC_PARAM_REAL, 10, -HUGE_VAL, HUGE_VAL, 0, "UL box upper bound"},
    [P_YLO] = {"y_lo", BLOC_PARAM_REAL, -2, -HUGE_VAL, HUGE_VAL, 0, "LL box lower bound"},
    [P_YHI] = {"y_hi", BLOC_PARAM_REAL, 2, -HUGE_VAL, HUGE_VAL, 0, "LL box upper bound"},
};

static const char *const metrics[] = {"x_err", "ll_gap"};

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    const double *p = pb->params;
    int st = bloc_problem_start(pb, (size_t)p[P_N], (size_t)p[P_N], p[P_X0], p[P_Y0], err);
    if (!st)
        st = bloc_problem_box(pb, p[P_XLO], p[P_XHI], err);
    return st ? st : bloc_problem_ybox(pb, p[P_YLO], p[P_YHI], err);
}

/* raw: sum F, sum f, sum (x - x*)^2, sum (1 - sin(x y)).
 * x_err = ||x - x*|| (|x - x*| for n = 1); ll_gap = f - min f = sum (1 - sin(x y)). */
static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    out[BLOC_SLOT_F] = raw[0];
    out[BLOC_SLOT_LL] = raw[1];
    out[BLOC_SLOT_METRIC0] = sqrt(raw[2]);
    out[BLOC_SLOT_METRIC0 + 1] = raw[3];
}

const bloc_problem_desc_t bloc_problem_toy_iaptt = {
    .name = "toy_iaptt_1d",
    .summary = "F = x + x y, f = -sin(x y), x in [1,10], y in [-2,2]; x* = 2.75 pi",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/toy_iaptt.cl",
    .kernel_prefix = "toy_iaptt",
    .grad_flops_per_item = 6,
    .metric_names = metrics,
    .nmetrics = 2,
    .nraw = 4,
    .init = init,
    BLOC_ELEMENTWISE_ORACLES,
    .finish = finish,
};
