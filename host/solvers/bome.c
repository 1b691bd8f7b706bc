/* BOME (Liu, Ye, Wright, Stone, Liu: "BOME! Bilevel Optimization Made Easy",
 * NeurIPS 2022), shared/spec/algorithms.md: q(x, y) = phi(x, y) - phi(x, theta_T),
 * theta_T = T proximal gradient steps on phi(x, .) from y (held fixed when
 * differentiating q, as in the paper), d = grad F + lambda grad q with
 * lambda = max(eta_b ||grad q||^2 - grad F . grad q, 0) / ||grad q||^2, and
 * (x, y) <- (x, y) - xi d (x's step times x_scale, default 1: one weight
 * per sample gives x a gradient n times smaller than y's). lambda is
 * computed on the device from fixed-shape dot products (no read-back). With a nonsmooth g the y update
 * is followed by prox_{xi g} (a proximal variant; the paper treats smooth f). */
#include <math.h>

#include "firstorder.h"

enum { P_XI, P_ETA_B, P_T, P_INNER, P_XSCALE, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_XI] = {"xi", BLOC_PARAM_REAL, 0.01, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "step size on (x, y)"},
    [P_ETA_B] = {"eta_b", BLOC_PARAM_REAL, 0.5, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "BOME's eta in phi = eta ||grad q||^2"},
    [P_T] = {"T", BLOC_PARAM_INT, 10, 1, 1000, 0, "inner gradient steps for theta_T"},
    [P_INNER] = {"inner_step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "inner step size"},
    [P_XSCALE] = {"x_scale", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN,
                  "step on x = xi * x_scale (for x and y gradients of different scales)"},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    size_t nx = pb->nx, ny = pb->ny;
    bloc_fo_vecs_t v;
    int st = bloc_fo_vectors(g, pb, 0, &v, err);
    int gqx = st ? -1 : bloc_graph_vec(g, "gqx", nx, NULL, err);
    int tx = gqx < 0 ? -1 : bloc_graph_vec(g, "dot_terms_x", 2 * nx, NULL, err);
    int ty = tx < 0 ? -1 : bloc_graph_vec(g, "dot_terms_y", 2 * ny, NULL, err);
    int dots = ty < 0 ? -1 : bloc_graph_vec(g, "dots", 4, NULL, err);
    if (dots < 0)
        return err->status;
    /* theta_T from y */
    if ((st = bloc_fo_copy(g, v.y, v.theta, ny, err)) ||
        (st = bloc_fo_inner_gd(g, pb, v.x, v.theta, v.gxt, v.gyt, p[P_INNER], (int)p[P_T], err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.theta, v.gxt, v.gyt, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_UL, v.x, v.y, v.gxF, v.gyF, err)) ||
        (st = bloc_fo_grad(g, pb, BLOC_LL, v.x, v.y, v.gxf, v.gyf, err)))
        return st;
    /* grad q = (grad_x phi(x,y) - grad_x phi(x,theta_T), grad_y f(x,y)) */
    bloc_node_t *nd = bloc_graph_add(g, BLOC_LIST_STEP, "vec_axpby", nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, v.gxf); bloc_arg_vec(nd, v.gxt); bloc_arg_vec(nd, gqx); bloc_arg_int(nd, (int)nx);
    bloc_arg_real(nd, 1); bloc_arg_real(nd, -1);
    /* dots = [q.q, F.q] over x, then over y */
    struct { int t, a, b; size_t n; int off; } parts[2] = {{tx, gqx, v.gxF, nx, 0}, {ty, v.gyf, v.gyF, ny, 2}};
    for (int i = 0; i < 2; i++) {
        if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "vec_dot_terms", parts[i].n, err)))
            return err->status;
        bloc_arg_vec(nd, parts[i].a); bloc_arg_vec(nd, parts[i].a); bloc_arg_vec(nd, parts[i].b);
        bloc_arg_vec(nd, parts[i].a); bloc_arg_vec(nd, parts[i].t); bloc_arg_int(nd, (int)parts[i].n);
        if ((st = bloc_graph_reduce_rows(g, BLOC_LIST_STEP, parts[i].t, 2, parts[i].n, dots, parts[i].off, err)))
            return st;
    }
    /* (x, y) <- (x, y) - xi (grad F + lambda grad q) */
    struct { int z, gF, gq; size_t n; double lo, hi; } upd[2] = {{v.x, v.gxF, gqx, nx, pb->x_lo, pb->x_hi},
                                                                {v.y, v.gyF, v.gyf, ny, -HUGE_VAL, HUGE_VAL}};
    for (int i = 0; i < 2; i++) {
        if (!(nd = bloc_graph_add(g, BLOC_LIST_STEP, "bome_step", upd[i].n, err)))
            return err->status;
        bloc_arg_vec(nd, upd[i].z); bloc_arg_vec(nd, upd[i].gF); bloc_arg_vec(nd, upd[i].gq);
        bloc_arg_int(nd, (int)upd[i].n); bloc_arg_real(nd, p[P_XI] * (i == 0 ? p[P_XSCALE] : 1));
        bloc_arg_real(nd, p[P_ETA_B]);
        bloc_arg_vec(nd, dots); bloc_arg_real(nd, upd[i].lo); bloc_arg_real(nd, upd[i].hi);
    }
    return bloc_fo_prox(g, pb, v.x, v.y, p[P_XI], err);
}

static const char *const sources[] = {"kernels/firstorder.cl"};

const bloc_solver_desc_t bloc_solver_bome = {
    .name = "bome",
    .summary = "BOME: value-function first-order method with dynamic barrier (NeurIPS 2022)",
    .params = params,
    .nparams = NPARAMS,
    .sources = sources,
    .nsources = 1,
    .build = build,
};
