/* IAPTT-GM (Liu, Liu, Yuan, Zeng, Zhang: "Towards gradient-based bilevel
 * optimization with non-convex followers and beyond", NeurIPS 2021),
 * shared/spec/algorithms.md: the initialization z of the LL trajectory is
 * a UL variable, the trajectory is truncated pessimistically at
 * k* = argmax_{k in 1..K} F(x, y_k) (on the device), and L(x, z) = F(x, y_k*)
 * is differentiated through y_0 .. y_k* (unrolled.h):
 *   y_0 = z,  y_{k+1} = Proj_Y(w_k - s grad_y f(x, w_k)),  w_k = y_k + beta (y_k - y_{k-1})
 *   x <- Proj_X(x - alpha_x,t grad_x L),  z <- Proj_Y(z - alpha_z grad_z L),
 *   alpha_x,t = alpha_x / (1 + t / decay) (constant when decay = 0).
 * beta = 0 is the paper's plain gradient dynamics; beta = 0.9 its Nesterov
 * option (the products are then taken at the extrapolated points w_k). */
#include <math.h>

#include "unrolled.h"

enum { P_K, P_S, P_ALPHA_X, P_ALPHA_Z, P_DECAY, P_MOMENTUM, P_CHECKPOINT, P_HVP, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_K] = {"K", BLOC_PARAM_INT, 40, 1, 100000, 0, "LL steps per outer iteration"},
    [P_S] = {"s", BLOC_PARAM_REAL, 5e-4, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL step size"},
    [P_ALPHA_X] = {"alpha_x", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "x step size"},
    [P_ALPHA_Z] = {"alpha_z", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "z (initialization) step size"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "x step alpha_x / (1 + t / decay); 0: constant"},
    [P_MOMENTUM] = {"momentum", BLOC_PARAM_REAL, 0, 0, 1, BLOC_PARAM_HI_OPEN, "Nesterov momentum of the LL steps (0.9 in the paper's option)"},
    [P_CHECKPOINT] = {"checkpoint", BLOC_PARAM_INT, 0, 0, 100000, 0, "keep every m-th LL iterate and recompute (0, 1: keep all)"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_unroll_opts_t o = {
        .who = "iaptt", .K = (int)p[P_K], .T = (int)p[P_K], .checkpoint = (int)p[P_CHECKPOINT], .truncate = 1,
        .learn_init = 1, .s = p[P_S], .beta = p[P_MOMENTUM], .hvp = (bloc_hvp_mode_t)p[P_HVP],
    };
    return bloc_unroll_solver(g, pb, &o, p[P_ALPHA_X], p[P_DECAY], p[P_ALPHA_Z], err);
}

const bloc_solver_desc_t bloc_solver_iaptt = {
    .name = "iaptt",
    .summary = "IAPTT-GM: learned LL initialization, pessimistic trajectory truncation (NeurIPS 2021)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_UNROLLED_KERNELS,
    .build = build,
};
