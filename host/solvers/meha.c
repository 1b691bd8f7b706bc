/* MEHA: Moreau-envelope based, single-loop, Hessian-free bilevel method
 * (Liu et al., ICML 2024, Algorithm 1), in the paper form of
 * shared/spec/algorithms.md: c_k = c0 (k + 1)^p multiplies phi - v_gamma,
 * i.e. the UL gradient is scaled by 1/c_k; theta starts at y.
 * `variant: code` reproduces the published scripts instead: c_k multiplies
 * the UL gradient and theta starts at 0.
 * One iteration = 5 oracle calls + 3 fused updates (kernels/envelope.cl),
 * plus a prox launch after the theta and y steps when the LL has a
 * nonsmooth term g (x's part of g's gradient comes with grad_x phi).
 * Oracle calls go through bloc_fo_grad2 and name only the outputs each
 * step reads, so a problem with the grad2 hook skips the rest and computes
 * grad_x phi at (x, theta+) and (x, y) in one pass over its data.
 * The theta step's grad_y f(x_k, theta_k) is computed at the end of
 * iteration k - 1, once x_k is known, together with the y step's
 * grad_y f(x_k, y_{k-1}): the same values as at the start of iteration k
 * (iteration 0 computes its own, once), in one call at the points of the
 * x step's call (bloc_fo_grad2_again), where a problem whose work at a
 * point does not depend on x reuses it: hyperclean's iteration then
 * makes 6 passes over its data instead of 8. */
#include <math.h>

#include "firstorder.h"

enum { P_ALPHA, P_BETA, P_ETA, P_GAMMA, P_C0, P_P, P_VARIANT, NPARAMS };
enum { VARIANT_PAPER, VARIANT_CODE };
static const char *const variants[] = {"paper", "code", NULL};
static const bloc_param_spec_t params[NPARAMS] = {
    [P_ALPHA] = {"alpha", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "x step size"},
    [P_BETA] = {"beta", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "y step size"},
    [P_ETA] = {"eta", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "theta (proximal) step size"},
    [P_GAMMA] = {"gamma", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "Moreau envelope parameter"},
    [P_C0] = {"c0", BLOC_PARAM_REAL, 2, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "penalty schedule c_k = c0 (k+1)^p"},
    [P_P] = {"p", BLOC_PARAM_REAL, 0.49, 0, 0.5, BLOC_PARAM_HI_OPEN, "penalty exponent, in [0, 1/2)"},
    [P_VARIANT] = {"variant", BLOC_PARAM_CHOICE, VARIANT_PAPER, 0, 1, 0,
                   "paper: UL gradient / c_k, theta0 = y0; code: UL gradient * c_k, theta0 = 0", variants},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    size_t nx = pb->nx, ny = pb->ny;
    int code = p[P_VARIANT] == VARIANT_CODE;
    bloc_fo_vecs_t v;
    int st = bloc_fo_vectors(g, pb, code, &v, err);
    if (st)
        return st;
    /* weight of the UL gradient: 1/c_k (paper) or c_k (code), c_k = c0 (k+1)^p */
    double sp[4] = {p[P_C0], p[P_P], 0, 0};
    int w = bloc_graph_sched(g, code ? "c_k" : "inv_c_k", code ? bloc_sched_power : bloc_sched_inv_power, sp, err);
    if (w < 0)
        return err->status;
    double rs = (double)g->rt->real_size;
    bloc_node_t *nd;

    /* theta <- prox_{eta g(x,.)}(theta - eta (grad_y f(x, theta) + (theta - y)/gamma)),
     * grad_y f(x, theta) in gyt: iteration 0 computes it here, every
     * later iteration finds it from the end of the previous one */
    bloc_graph_period(g, BLOC_PERIOD_ONCE);
    st = bloc_fo_grad2(g, pb, BLOC_LL, v.x, v.theta, -1, -1, v.gyt, -1, -1, err);
    bloc_graph_period(g, 1);
    if (st)
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_theta_step", ny, err)))
        return err->status;
    bloc_arg_vec(nd, v.theta); bloc_arg_vec(nd, v.y); bloc_arg_vec(nd, v.gyt);
    bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, p[P_ETA]); bloc_arg_real(nd, p[P_GAMMA]);
    bloc_node_cost(nd, 5.0 * ny, 4.0 * ny * rs);
    if ((st = bloc_fo_prox(g, pb, v.x, v.theta, p[P_ETA], err)))
        return st;

    /* x <- Proj_X(x - alpha (w_k grad_x F(x,y) + grad_x phi(x,y) - grad_x phi(x,theta+)));
     * grad_x phi at theta+ and y in one call (one pass where the problem can) */
    if ((st = bloc_fo_grad2(g, pb, BLOC_LL, v.x, v.theta, v.y, v.gxt, -1, v.gxf, -1, err)) ||
        (st = bloc_fo_grad2(g, pb, BLOC_UL, v.x, v.y, -1, v.gxF, -1, -1, -1, err)))
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_x_step", nx, err)))
        return err->status;
    bloc_arg_vec(nd, v.x); bloc_arg_vec(nd, v.gxF); bloc_arg_vec(nd, v.gxf); bloc_arg_vec(nd, v.gxt);
    bloc_arg_int(nd, (int)nx); bloc_arg_real(nd, p[P_ALPHA]); bloc_arg_sched(nd, w);
    bloc_arg_real(nd, pb->x_lo); bloc_arg_real(nd, pb->x_hi);
    bloc_node_cost(nd, 7.0 * nx, 5.0 * nx * rs);

    /* y <- prox_{beta g(x+,.)}(y - beta (w_k grad_y F(x+,y) + grad_y f(x+,y) - (y - theta)/gamma));
     * grad_y f(x+, theta+) with grad_y f(x+, y), at the points of the x
     * step's call: the next theta step's gradient */
    if ((st = bloc_fo_grad2(g, pb, BLOC_UL, v.x, v.y, -1, -1, v.gyF, -1, -1, err)) ||
        (st = bloc_fo_grad2_again(g, pb, BLOC_LL, v.x, v.theta, v.y, -1, v.gyt, -1, v.gyf, err)))
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_y_step", ny, err)))
        return err->status;
    bloc_arg_vec(nd, v.y); bloc_arg_vec(nd, v.theta); bloc_arg_vec(nd, v.gyF); bloc_arg_vec(nd, v.gyf);
    bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, p[P_BETA]); bloc_arg_sched(nd, w);
    bloc_arg_real(nd, p[P_GAMMA]);
    bloc_node_cost(nd, 7.0 * ny, 5.0 * ny * rs);
    return bloc_fo_prox(g, pb, v.x, v.y, p[P_BETA], err);
}

static const char *const sources[] = {"kernels/envelope.cl"};

const bloc_solver_desc_t bloc_solver_meha = {
    .name = "meha",
    .summary = "Moreau envelope, single loop, Hessian-free (ICML 2024)",
    .params = params,
    .nparams = NPARAMS,
    .sources = sources,
    .nsources = 1,
    .build = build,
};
