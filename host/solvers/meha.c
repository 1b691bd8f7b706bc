/* MEHA: Moreau-envelope based, single-loop, Hessian-free bilevel method
 * (Liu et al., ICML 2024, Algorithm 1), in the paper form of
 * shared/spec/algorithms.md: c_k = c0 (k + 1)^p multiplies phi - v_gamma,
 * i.e. the UL gradient is scaled by 1/c_k; theta starts at y.
 * `variant: code` reproduces the published scripts instead: c_k multiplies
 * the UL gradient and theta starts at 0.
 * One iteration = 6 oracle launches + 3 fused updates (kernels/envelope.cl),
 * plus a prox launch after the theta and y steps when the LL has a
 * nonsmooth term g (x's part of g's gradient comes with grad_x phi). */
#include <math.h>

#include "solver.h"

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

/* Weight of the UL gradient: 1 / c_k (paper) or c_k (code), c_k = c0 (k + 1)^p. */
static double ul_weight(long k, const double *p)
{
    double ck = p[0] * pow((double)(k + 1), p[1]);
    return p[2] == VARIANT_CODE ? ck : 1.0 / ck;
}

static int grad(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y, int gx, int gy,
                bloc_error_t *err)
{
    return pb->desc->grad(pb, g, BLOC_LIST_STEP, level, x, y, gx, gy, err);
}

static int prox(bloc_graph_t *g, bloc_problem_t *pb, int x, int v, double step, bloc_error_t *err)
{
    return pb->desc->prox ? pb->desc->prox(pb, g, BLOC_LIST_STEP, x, v, step, err) : BLOC_OK;
}

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    size_t nx = pb->nx, ny = pb->ny;
    int code = p[P_VARIANT] == VARIANT_CODE;
    int x = bloc_graph_vec(g, BLOC_VEC_X, nx, pb->x0, err);
    int y = x < 0 ? -1 : bloc_graph_vec(g, BLOC_VEC_Y, ny, pb->y0, err);
    int th = y < 0 ? -1 : bloc_graph_vec(g, "theta", ny, code ? NULL : pb->y0, err);
    int gxF = th < 0 ? -1 : bloc_graph_vec(g, "gxF", nx, NULL, err);
    int gyF = gxF < 0 ? -1 : bloc_graph_vec(g, "gyF", ny, NULL, err);
    int gxf = gyF < 0 ? -1 : bloc_graph_vec(g, "gxf_y", nx, NULL, err);
    int gyf = gxf < 0 ? -1 : bloc_graph_vec(g, "gyf_y", ny, NULL, err);
    int gxt = gyf < 0 ? -1 : bloc_graph_vec(g, "gxf_theta", nx, NULL, err);
    int gyt = gxt < 0 ? -1 : bloc_graph_vec(g, "gyf_theta", ny, NULL, err);
    double sp[4] = {p[P_C0], p[P_P], p[P_VARIANT], 0};
    int ick = gyt < 0 ? -1 : bloc_graph_sched(g, "ul_weight", ul_weight, sp, err);
    if (ick < 0)
        return err->status;
    double rs = (double)g->rt->real_size;
    bloc_node_t *nd;
    int st;

    /* theta <- prox_{eta g(x,.)}(theta - eta (grad_y f(x, theta) + (theta - y)/gamma)) */
    if ((st = grad(g, pb, BLOC_LL, x, th, gxt, gyt, err)))
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_theta_step", ny, err)))
        return err->status;
    bloc_arg_vec(nd, th); bloc_arg_vec(nd, y); bloc_arg_vec(nd, gyt);
    bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, p[P_ETA]); bloc_arg_real(nd, p[P_GAMMA]);
    bloc_node_cost(nd, 5.0 * ny, 4.0 * ny * rs);
    if ((st = prox(g, pb, x, th, p[P_ETA], err)))
        return st;

    /* x <- Proj_X(x - alpha (ick grad_x F(x,y) + grad_x f(x,y) - grad_x f(x,theta+))) */
    if ((st = grad(g, pb, BLOC_LL, x, th, gxt, gyt, err)) || (st = grad(g, pb, BLOC_UL, x, y, gxF, gyF, err)) ||
        (st = grad(g, pb, BLOC_LL, x, y, gxf, gyf, err)))
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_x_step", nx, err)))
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, gxF); bloc_arg_vec(nd, gxf); bloc_arg_vec(nd, gxt);
    bloc_arg_int(nd, (int)nx); bloc_arg_real(nd, p[P_ALPHA]); bloc_arg_sched(nd, ick);
    bloc_arg_real(nd, pb->x_lo); bloc_arg_real(nd, pb->x_hi);
    bloc_node_cost(nd, 7.0 * nx, 5.0 * nx * rs);

    /* y <- prox_{beta g(x+,.)}(y - beta (ick grad_y F(x+,y) + grad_y f(x+,y) - (y - theta)/gamma)) */
    if ((st = grad(g, pb, BLOC_UL, x, y, gxF, gyF, err)) || (st = grad(g, pb, BLOC_LL, x, y, gxf, gyf, err)))
        return st;
    if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "meha_y_step", ny, err)))
        return err->status;
    bloc_arg_vec(nd, y); bloc_arg_vec(nd, th); bloc_arg_vec(nd, gyF); bloc_arg_vec(nd, gyf);
    bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, p[P_BETA]); bloc_arg_sched(nd, ick);
    bloc_arg_real(nd, p[P_GAMMA]);
    bloc_node_cost(nd, 7.0 * ny, 5.0 * ny * rs);
    return prox(g, pb, x, y, p[P_BETA], err);
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
