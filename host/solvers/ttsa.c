/* TTSA (Hong, Wai, Wang, Yang, "A two-timescale framework for bilevel
 * optimization: complexity analysis and application to actor-critic",
 * SIAM J. Optim. 2023), shared/spec/algorithms.md: one SGD step on y, the
 * hypergradient with the randomly truncated Neumann estimate of Ghadimi &
 * Wang (2018)
 *   q ~ U{0, .., Q-1},  v = Q neumann_step prod_{i=1..q} (I - neumann_step H_i) grad_y F
 * (H_i independent minibatches; E v = the Q-term Neumann series), then
 * x <- Proj_X(x - eta_t (grad_x F - H_xy f v)). q is drawn on the device
 * (stream truncation); the Q - 1 products are all launched and those past q
 * masked, since the graph is static. The paper's step sizes decay
 * (eta_t ~ t^-3/5 on x); here eta_t = eta / (1 + t / decay), y's step constant.
 *
 * The random truncation keeps TTSA stochastic with full-batch oracles: its
 * estimator's variance is of order (Q neumann_step lambda / 2) times the
 * squared signal along an eigenvalue lambda of H_yy f (docs/results.md
 * measures a relative standard deviation near 1 on quadratic), so x
 * converges at the O(1/t) rate of SGD. truncation: expected replaces the
 * draw by its mean, neumann_step sum_{q=0..Q-1} (I - neumann_step H)^q
 * grad_y F (the estimator's expectation, computed with the same fresh
 * minibatch per term): the deterministic limit, not the paper's method. */
#include <math.h>

#include "implicit.h"

enum { P_ETA, P_GAMMA, P_Q, P_NSTEP, P_DECAY, P_HVP, P_TRUNC, NPARAMS };
static const char *const trunc_words[] = {"random", "expected", NULL};
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ETA] = {"eta", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "UL step"},
    [P_GAMMA] = {"gamma_ll", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL SGD step"},
    [P_Q] = {"Q", BLOC_PARAM_INT, 10, 1, 10000, 0, "truncation levels: q uniform in {0, .., Q-1}"},
    [P_NSTEP] = {"neumann_step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "Neumann step (below 2 / L of H_yy f)"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "eta_t = eta / (1 + t / decay); 0: constant"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
    [P_TRUNC] = {"truncation", BLOC_PARAM_CHOICE, 0, 0, 1, 0,
                 "random (q drawn each iteration, the paper's estimator) or expected (its mean)", trunc_words},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_imp_t s;
    bloc_coef_t eta;
    int st = bloc_imp_init(g, pb, "ttsa", (bloc_hvp_mode_t)p[P_HVP], &s, err);
    if (!st)
        st = bloc_imp_eta(g, p[P_ETA], p[P_DECAY], &eta, err);
    if (!st)
        st = bloc_imp_ll_steps(g, &s, BLOC_ROLE_LL_GRAD, 1, p[P_GAMMA], err);
    if (!st)
        st = bloc_imp_ul_grad(g, &s, err);
    if (!st)
        st = p[P_TRUNC] == 0 ? bloc_imp_neumann_random(g, &s, (int)p[P_Q], p[P_NSTEP], err)
                             : bloc_imp_neumann(g, &s, (int)p[P_Q] - 1, p[P_NSTEP], 1, err);
    if (!st)
        st = bloc_imp_hypergrad(g, &s, s.z, err);
    if (!st)
        st = bloc_imp_x_step(g, &s, eta, err);
    return st;
}

const bloc_solver_desc_t bloc_solver_ttsa = {
    .name = "ttsa",
    .summary = "TTSA: two-timescale SGD with a randomly truncated Neumann hypergradient (SIAM J. Optim. 2023)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_IMPLICIT_KERNELS,
    .build = build,
};
