/* RHG (reverse hypergradient, Franceschi et al., ICML 2017; "ITD") and
 * T-RHG (truncated back-propagation, Shaban et al., AISTATS 2019),
 * shared/spec/algorithms.md: K gradient steps on f(x, .) from the fixed
 * start y_0 = y0, L(x) = F(x, y_K), differentiated through all K steps
 * (RHG) or only the last T (T-RHG, the earlier steps held fixed):
 *   y_{k+1} = Proj_Y(y_k - s grad_y f(x, y_k)),  x <- Proj_X(x - alpha_t grad_x L),
 *   alpha_t = alpha / (1 + t / decay) (constant when decay = 0). */
#include <math.h>

#include "unrolled.h"

enum { P_K, P_S, P_ALPHA, P_DECAY, P_CHECKPOINT, P_HVP, P_T, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_K] = {"K", BLOC_PARAM_INT, 20, 1, 100000, 0, "LL steps per outer iteration"},
    [P_S] = {"s", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL step size"},
    [P_ALPHA] = {"alpha", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "x step size"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "x step alpha / (1 + t / decay); 0: constant"},
    [P_CHECKPOINT] = {"checkpoint", BLOC_PARAM_INT, 0, 0, 100000, 0, "keep every m-th LL iterate and recompute (0, 1: keep all)"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
    [P_T] = {"T", BLOC_PARAM_INT, 5, 1, 100000, 0, "reverse steps: the last T of the K (at most K)"},
};

static int build_common(bloc_graph_t *g, bloc_problem_t *pb, const double *p, const char *who, int T,
                        bloc_error_t *err)
{
    bloc_unroll_opts_t o = {
        .who = who, .K = (int)p[P_K], .T = T, .checkpoint = (int)p[P_CHECKPOINT], .s = p[P_S],
        .hvp = (bloc_hvp_mode_t)p[P_HVP],
    };
    return bloc_unroll_solver(g, pb, &o, p[P_ALPHA], p[P_DECAY], 0, err);
}

static int build_rhg(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build_common(g, pb, p, "rhg", (int)p[P_K], err);
}

static int build_trhg(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build_common(g, pb, p, "trhg", (int)p[P_T], err);
}

const bloc_solver_desc_t bloc_solver_rhg = {
    .name = "rhg",
    .summary = "RHG: reverse hypergradient through K LL gradient steps from a fixed start (ICML 2017)",
    .params = params,
    .nparams = P_T, /* all but T */
    BLOC_UNROLLED_KERNELS,
    .build = build_rhg,
};

const bloc_solver_desc_t bloc_solver_trhg = {
    .name = "trhg",
    .summary = "T-RHG: RHG back-propagated through the last T steps only (AISTATS 2019)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_UNROLLED_KERNELS,
    .build = build_trhg,
};
