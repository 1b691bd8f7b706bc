/* Approximate implicit differentiation (Pedregosa, ICML 2016; Ghadimi &
 * Wang 2018; Ji, Yang, Liang, ICML 2021) and StocBiO (Ji, Yang, Liang,
 * "Bilevel optimization: convergence analysis and enhanced design", ICML
 * 2021), shared/spec/algorithms.md. Each
 * iteration: K warm-started SGD steps on f(x, .) (step gamma_ll), then the
 * linear system H_yy f v = grad_y F by
 *   aid_cg:      k conjugate-gradient steps (alpha, beta from device
 *                reductions), from the previous v when warm = 1;
 *   aid_neumann: v = neumann_step sum_{q=0..Q} (I - neumann_step H_yy f)^q grad_y F;
 * gh = grad_x F - H_xy f v and x <- Proj_X(x - eta_t gh), eta_t = eta / (1 +
 * t / decay). On minibatches the CG solve and the Neumann series each use
 * one minibatch for all their products (a fixed matrix; StocBiO is the
 * Neumann form with a fresh one per term: the paper's estimator
 *   v = neumann_step sum_{q=0..Q} prod_{j=1..q} (I - neumann_step H_j) grad_y F,
 * H_j independent; with full batches StocBiO and AID-Neumann coincide). */
#include <math.h>

#include "implicit.h"

enum { P_ETA, P_K, P_GAMMA, P_DECAY, P_HVP, P_CG, P_WARM, NCG };
enum { P_Q = P_CG, P_NSTEP, NNEU };

#define COMMON_PARAMS                                                                                              \
    [P_ETA] = {"eta", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "UL step"},                            \
    [P_K] = {"K", BLOC_PARAM_INT, 10, 0, 100000, 0, "LL SGD steps per iteration (warm-started)"},                  \
    [P_GAMMA] = {"gamma_ll", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL SGD step"},                 \
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "eta_t = eta / (1 + t / decay); 0: constant"},         \
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,                                                   \
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words}

static const bloc_param_spec_t cg_params[NCG] = {
    COMMON_PARAMS,
    [P_CG] = {"k", BLOC_PARAM_INT, 10, 1, 10000, 0, "conjugate-gradient steps per iteration"},
    [P_WARM] = {"warm", BLOC_PARAM_INT, 1, 0, 1, 0, "1: start CG from the previous solution"},
};

static const bloc_param_spec_t neu_params[NNEU] = {
    COMMON_PARAMS,
    [P_Q] = {"Q", BLOC_PARAM_INT, 10, 0, 10000, 0, "Neumann terms"},
    [P_NSTEP] = {"neumann_step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "Neumann step (below 2 / L of H_yy f)"},
};

/* K LL steps, grad F, the solve (cg = 1: CG; 0: Neumann with `fresh`), the
 * hypergradient and the x step. */
static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, const char *who, int cg, int fresh,
                   bloc_error_t *err)
{
    bloc_imp_t s;
    bloc_coef_t eta;
    int st = bloc_imp_init(g, pb, who, (bloc_hvp_mode_t)p[P_HVP], &s, err);
    if (!st)
        st = bloc_imp_eta(g, p[P_ETA], p[P_DECAY], &eta, err);
    if (!st)
        st = bloc_imp_ll_steps(g, &s, BLOC_ROLE_LL_GRAD, (int)p[P_K], p[P_GAMMA], err);
    if (!st)
        st = bloc_imp_ul_grad(g, &s, err);
    if (!st)
        st = cg ? bloc_imp_cg(g, &s, (int)p[P_CG], (int)p[P_WARM], err)
                : bloc_imp_neumann(g, &s, (int)p[P_Q], p[P_NSTEP], fresh, err);
    if (!st)
        st = bloc_imp_hypergrad(g, &s, s.z, err);
    if (!st)
        st = bloc_imp_x_step(g, &s, eta, err);
    return st;
}

static int build_cg(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build(g, pb, p, "aid_cg", 1, 0, err);
}

static int build_neumann(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build(g, pb, p, "aid_neumann", 0, 0, err);
}

static int build_stocbio(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build(g, pb, p, "stocbio", 0, 1, err);
}

const bloc_solver_desc_t bloc_solver_aid_cg = {
    .name = "aid_cg",
    .summary = "AID-CG: warm-started LL steps, k conjugate-gradient steps on H_yy f v = grad_y F",
    .params = cg_params,
    .nparams = NCG,
    BLOC_IMPLICIT_KERNELS,
    .build = build_cg,
};

const bloc_solver_desc_t bloc_solver_aid_neumann = {
    .name = "aid_neumann",
    .summary = "AID-Neumann: warm-started LL steps, truncated Neumann series for H_yy f^-1 grad_y F",
    .params = neu_params,
    .nparams = NNEU,
    BLOC_IMPLICIT_KERNELS,
    .build = build_neumann,
};

const bloc_solver_desc_t bloc_solver_stocbio = {
    .name = "stocbio",
    .summary = "StocBiO: warm-started LL SGD, Neumann series with a fresh minibatch per term (ICML 2021)",
    .params = neu_params,
    .nparams = NNEU,
    BLOC_IMPLICIT_KERNELS,
    .build = build_stocbio,
};
