/* BO-REP (Hao, Gong, Liu, "Bilevel optimization under unbounded
 * smoothness: a new algorithm and convergence analysis", ICLR 2024),
 * shared/spec/algorithms.md. For a UL whose smoothness grows with its
 * gradient and a strongly convex LL:
 *   t = 0:          T0 SGD steps on f(x_0, .) from y_0 (initialization refinement)
 *   t mod I == 0:   y <- N SGD steps (step gamma_ll) on f(x_t, .)  (y frozen otherwise)
 *   z <- z - nu (H_yy f(x_t, y; xi) z - grad_y F(x_t, y; zeta))
 *   gh = grad_x F(x_t, y; zeta) - H_xy f(x_t, y; xi') z
 *   m  <- beta m + (1 - beta) gh
 *   x  <- x - eta_t m / ||m||            (normalized momentum; ||m|| on the device)
 * with hypergradient: neumann, z is instead the Neumann estimate
 * neumann_step sum_{q=0..Q} (I - neumann_step H_yy f)^q grad_y F (a fresh
 * minibatch per term). The refinement and the periodic updates are graph
 * nodes that run at iteration 0 only and every I-th iteration. The paper's
 * analysis uses a constant eta; eta_t = eta / (1 + t / decay) is offered
 * (decay = 0: constant). */
#include <math.h>

#include "implicit.h"

enum { P_ETA, P_GAMMA, P_BETA, P_NU, P_I, P_N, P_T0, P_HG, P_Q, P_NSTEP, P_DECAY, P_HVP, NPARAMS };
static const char *const hg_words[] = {"sgd_z", "neumann", NULL};
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ETA] = {"eta", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "UL step (length of each normalized step)"},
    [P_GAMMA] = {"gamma_ll", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL SGD step"},
    [P_BETA] = {"beta", BLOC_PARAM_REAL, 0.9, 0, 1, BLOC_PARAM_HI_OPEN, "momentum"},
    [P_NU] = {"nu", BLOC_PARAM_REAL, 0.01, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "z step on the linear system"},
    [P_I] = {"I", BLOC_PARAM_INT, 2, 1, 1e9, 0, "period of the LL updates"},
    [P_N] = {"N", BLOC_PARAM_INT, 10, 0, 100000, 0, "LL steps per update"},
    [P_T0] = {"T0", BLOC_PARAM_INT, 10, 0, 1000000, 0, "initialization refinement steps at t = 0"},
    [P_HG] = {"hypergradient", BLOC_PARAM_CHOICE, 0, 0, 1, 0, "sgd_z (the z recursion) or neumann", hg_words},
    [P_Q] = {"Q", BLOC_PARAM_INT, 10, 0, 10000, 0, "Neumann terms (hypergradient: neumann)"},
    [P_NSTEP] = {"neumann_step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "Neumann step (below 2 / L of H_yy f)"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "eta_t = eta / (1 + t / decay); 0: constant"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_imp_t s;
    bloc_coef_t eta;
    int st = bloc_imp_init(g, pb, "borep", (bloc_hvp_mode_t)p[P_HVP], &s, err);
    if (!st)
        st = bloc_imp_eta(g, p[P_ETA], p[P_DECAY], &eta, err);
    if (st)
        return st;
    bloc_graph_period(g, BLOC_PERIOD_ONCE);
    st = bloc_imp_ll_steps(g, &s, BLOC_ROLE_REFINE, (int)p[P_T0], p[P_GAMMA], err);
    bloc_graph_period(g, (long)p[P_I]);
    if (!st)
        st = bloc_imp_ll_steps(g, &s, BLOC_ROLE_LL_GRAD, (int)p[P_N], p[P_GAMMA], err);
    bloc_graph_period(g, 1);
    if (!st)
        st = bloc_imp_ul_grad(g, &s, err);
    if (!st)
        st = p[P_HG] == 0 ? bloc_imp_z_step(g, &s, p[P_NU], err)
                          : bloc_imp_neumann(g, &s, (int)p[P_Q], p[P_NSTEP], 1, err);
    if (!st)
        st = bloc_imp_hypergrad(g, &s, s.z, err);
    if (!st)
        st = bloc_imp_momentum_step(g, &s, p[P_BETA], eta, 1, err);
    return st;
}

const bloc_solver_desc_t bloc_solver_borep = {
    .name = "borep",
    .summary = "BO-REP: normalized momentum, initialization refinement, periodic LL updates (ICLR 2024)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_IMPLICIT_KERNELS,
    .build = build,
};
