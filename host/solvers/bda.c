/* BDA (bi-level descent aggregation, Liu, Mu, Yuan, Zeng, Zhang, ICML 2020),
 * shared/spec/algorithms.md: the LL steps descend an aggregation of the UL
 * and LL objectives from the fixed start y_0 = y0,
 *   y_{k+1} = Proj_Y( y_k - ( mu_k s_u grad_y F(x, y_k) + (1 - mu_k) s_l grad_y f(x, y_k) ) ),
 *   mu_k = mu0 * mu_decay^k,
 * and L(x) = F(x, y_K) is differentiated through all K steps, which needs
 * H_yy and H_xy of F as well as of f (unrolled.h):
 *   x <- Proj_X(x - alpha_t grad_x L),  alpha_t = alpha / (1 + t / decay).
 * The paper's aggregation weight decays with k as here (its theory takes
 * mu_k -> 0); the exact schedule is a config choice. */
#include <math.h>

#include "unrolled.h"

enum { P_K, P_SU, P_SL, P_MU0, P_MU_DECAY, P_ALPHA, P_DECAY, P_CHECKPOINT, P_HVP, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_K] = {"K", BLOC_PARAM_INT, 20, 1, 100000, 0, "LL steps per outer iteration"},
    [P_SU] = {"s_u", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "step on grad_y F in the aggregation"},
    [P_SL] = {"s_l", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "step on grad_y f in the aggregation"},
    [P_MU0] = {"mu0", BLOC_PARAM_REAL, 0.5, 0, 1, 0, "aggregation weight of F at k = 0, in [0, 1]"},
    [P_MU_DECAY] = {"mu_decay", BLOC_PARAM_REAL, 0.9, 0, 1, 0, "mu_k = mu0 * mu_decay^k"},
    [P_ALPHA] = {"alpha", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "x step size"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "x step alpha / (1 + t / decay); 0: constant"},
    [P_CHECKPOINT] = {"checkpoint", BLOC_PARAM_INT, 0, 0, 100000, 0, "keep every m-th LL iterate and recompute (0, 1: keep all)"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_unroll_opts_t o = {
        .who = "bda", .K = (int)p[P_K], .T = (int)p[P_K], .checkpoint = (int)p[P_CHECKPOINT], .bda = 1,
        .su = p[P_SU], .sl = p[P_SL], .mu0 = p[P_MU0], .mu_decay = p[P_MU_DECAY], .hvp = (bloc_hvp_mode_t)p[P_HVP],
    };
    return bloc_unroll_solver(g, pb, &o, p[P_ALPHA], p[P_DECAY], 0, err);
}

const bloc_solver_desc_t bloc_solver_bda = {
    .name = "bda",
    .summary = "BDA: LL steps on an aggregation of F and f, reverse hypergradient (ICML 2020)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_UNROLLED_KERNELS,
    .build = build,
};
