/* SOBA (Dagreou, Ablin, Vaiter, Moreau, "A framework for bilevel
 * optimization that enables stochastic and global variance reduction
 * algorithms", NeurIPS 2022) and MA-SOBA (Chen, Xu, Zhang, "Optimal
 * algorithms for stochastic bilevel optimization under relaxed smoothness
 * conditions", 2023), shared/spec/algorithms.md. Single loop; as in the
 * SOBA paper every direction is taken at the current (x, y, z) before any
 * update, and one H f z call on one minibatch gives both products:
 *   D_y = grad_y f(x, y; xi)
 *   (H_xy f z, H_yy f z) on xi',   grad F on zeta
 *   gh  = grad_x F - H_xy f z
 *   y <- y - gamma_ll D_y,   z <- z - nu (H_yy f z - grad_y F)
 *   SOBA:    x <- Proj_X(x - eta_t gh)
 *   MA-SOBA: m <- beta m + (1 - beta) gh,  x <- Proj_X(x - eta_t m)
 * (the papers' z is our -z: here z approximates +H_yy^-1 grad_y F, as BO-REP's). */
#include <math.h>

#include "implicit.h"

enum { P_ETA, P_GAMMA, P_NU, P_DECAY, P_HVP, P_BETA, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ETA] = {"eta", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "UL step"},
    [P_GAMMA] = {"gamma_ll", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "LL SGD step"},
    [P_NU] = {"nu", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "z step on the linear system"},
    [P_DECAY] = {"decay", BLOC_PARAM_REAL, 0, 0, HUGE_VAL, 0, "eta_t = eta / (1 + t / decay); 0: constant"},
    [P_HVP] = {"hvp", BLOC_PARAM_CHOICE, BLOC_HVP_AUTO, 0, 2, 0,
               "Hessian-vector products: auto (exact if the problem has them), exact, fd", bloc_hvp_words},
    [P_BETA] = {"beta", BLOC_PARAM_REAL, 0.9, 0, 1, BLOC_PARAM_HI_OPEN, "momentum (MA-SOBA)"},
};

static int build_common(bloc_graph_t *g, bloc_problem_t *pb, const double *p, const char *who, int momentum,
                        bloc_error_t *err)
{
    bloc_imp_t s;
    bloc_coef_t eta;
    int st = bloc_imp_init(g, pb, who, (bloc_hvp_mode_t)p[P_HVP], &s, err);
    if (!st)
        st = bloc_imp_eta(g, p[P_ETA], p[P_DECAY], &eta, err);
    if (!st)
        st = bloc_imp_ll_grad(g, &s, err);
    if (!st)
        st = bloc_imp_ul_grad(g, &s, err);
    if (!st)
        st = bloc_minibatch_draw(g, pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_SYSTEM, 0, err);
    if (!st)
        st = bloc_hvp(&s.hvp, g, BLOC_LIST_STEP, BLOC_LL, s.x, s.y, s.z, s.hx, s.hy, err);
    bloc_minibatch_clear(pb);
    if (!st)
        st = bloc_imp_hypergrad_from(g, &s, err);
    if (st)
        return st;
    /* updates: y, z, x (z's step reads the hy just computed) */
    bloc_node_t *nd = bloc_graph_add(g, BLOC_LIST_STEP, "implicit_sgd", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s.y); bloc_arg_vec(nd, s.gy); bloc_arg_int(nd, (int)pb->ny); bloc_arg_real(nd, p[P_GAMMA]);
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "implicit_z_step", pb->ny, err)))
        return err->status;
    bloc_arg_vec(nd, s.z); bloc_arg_vec(nd, s.hy); bloc_arg_vec(nd, s.gyF); bloc_arg_int(nd, (int)pb->ny);
    bloc_arg_real(nd, p[P_NU]);
    return momentum ? bloc_imp_momentum_step(g, &s, p[P_BETA], eta, 0, err) : bloc_imp_x_step(g, &s, eta, err);
}

static int build_soba(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build_common(g, pb, p, "soba", 0, err);
}

static int build_masoba(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    return build_common(g, pb, p, "masoba", 1, err);
}

const bloc_solver_desc_t bloc_solver_soba = {
    .name = "soba",
    .summary = "SOBA: single-loop SGD on y, z and x from one set of directions (NeurIPS 2022)",
    .params = params,
    .nparams = P_BETA, /* all but beta */
    BLOC_IMPLICIT_KERNELS,
    .build = build_soba,
};

const bloc_solver_desc_t bloc_solver_masoba = {
    .name = "masoba",
    .summary = "MA-SOBA: SOBA with a moving average (momentum) of the hypergradient on x (2023)",
    .params = params,
    .nparams = NPARAMS,
    BLOC_IMPLICIT_KERNELS,
    .build = build_masoba,
};
