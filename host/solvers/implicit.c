#include "implicit.h"

#include <math.h>

#include "unrolled.h"

const char *const bloc_imp_sources[3] = {"kernels/hvp.cl", "kernels/rng.cl", "kernels/implicit.cl"};

static int vec(bloc_graph_t *g, int *id, const char *name, size_t n, const double *init, bloc_error_t *err)
{
    *id = bloc_graph_vec(g, name, n, init, err);
    return *id < 0 ? err->status : BLOC_OK;
}

int bloc_imp_init(bloc_graph_t *g, bloc_problem_t *pb, const char *who, bloc_hvp_mode_t hvp, bloc_imp_t *s,
                  bloc_error_t *err)
{
    s->pb = pb;
    s->who = who;
    s->gx_unused = s->trunc = -1;
    const char *name = pb->desc->name;
    if (pb->desc->prox)
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: problem %s has a nonsmooth LL term g (prox); the implicit solvers need a smooth LL",
                              who, name);
    if (isfinite(pb->y_lo) || isfinite(pb->y_hi))
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: problem %s bounds y by the box [%g, %g]; the implicit solvers need an "
                              "unconstrained LL (y* interior)", who, name, pb->y_lo, pb->y_hi);
    int st = bloc_hvp_init(&s->hvp, pb, hvp, who, err);
    if (st)
        return st;
    size_t nx = pb->nx, ny = pb->ny, nmax = nx > ny ? nx : ny;
    if ((st = vec(g, &s->x, BLOC_VEC_X, nx, pb->x0, err)) || (st = vec(g, &s->y, BLOC_VEC_Y, ny, pb->y0, err)) ||
        (st = vec(g, &s->z, "z", ny, NULL, err)) || (st = vec(g, &s->m, "m", nx, NULL, err)) ||
        (st = vec(g, &s->hgx, "hgx", nx, NULL, err)) || (st = vec(g, &s->gxF, "gxF", nx, NULL, err)) ||
        (st = vec(g, &s->gyF, "gyF", ny, NULL, err)) || (st = vec(g, &s->gy, "gy", ny, NULL, err)) ||
        (st = vec(g, &s->hx, "hx", nx, NULL, err)) || (st = vec(g, &s->hy, "hy", ny, NULL, err)) ||
        (st = vec(g, &s->p, "imp_p", ny, NULL, err)) || (st = vec(g, &s->r, "imp_r", ny, NULL, err)) ||
        (st = vec(g, &s->terms, "imp_terms", nmax, NULL, err)) ||
        (st = vec(g, &s->scal, "imp_scalars", IMP_NSCAL, NULL, err)))
        return st;
    return BLOC_OK;
}

static bloc_node_t *add(bloc_graph_t *g, const char *kernel, size_t n, bloc_error_t *err)
{
    return bloc_graph_add(g, BLOC_LIST_STEP, kernel, n, err);
}

/* gy <- grad_y f(x, y) with the minibatch in force. */
static int grad_y_ll(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err)
{
    bloc_problem_t *pb = s->pb;
    if (pb->desc->grad_y)
        return pb->desc->grad_y(pb, g, BLOC_LIST_STEP, BLOC_LL, s->x, s->y, s->gy, err);
    if (s->gx_unused < 0 && vec(g, &s->gx_unused, "gx_unused", pb->nx, NULL, err))
        return err->status;
    return pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_LL, s->x, s->y, s->gx_unused, s->gy, err);
}

int bloc_imp_ll_grad(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err)
{
    int st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, BLOC_ROLE_LL_GRAD, 0, err);
    if (!st)
        st = grad_y_ll(g, s, err);
    bloc_minibatch_clear(s->pb);
    return st;
}

static int sgd(bloc_graph_t *g, int v, int d, size_t n, double step, bloc_error_t *err)
{
    bloc_node_t *nd = add(g, "implicit_sgd", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, v); bloc_arg_vec(nd, d); bloc_arg_int(nd, (int)n); bloc_arg_real(nd, step);
    bloc_node_cost(nd, 2.0 * (double)n, 3.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_imp_ll_steps(bloc_graph_t *g, bloc_imp_t *s, bloc_role_t role, int n, double step, bloc_error_t *err)
{
    for (int j = 0; j < n; j++) {
        int st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, role, j, err);
        if (!st)
            st = grad_y_ll(g, s, err);
        bloc_minibatch_clear(s->pb);
        if (!st)
            st = sgd(g, s->y, s->gy, s->pb->ny, step, err);
        if (st)
            return st;
    }
    return BLOC_OK;
}

int bloc_imp_ul_grad(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err)
{
    bloc_problem_t *pb = s->pb;
    int st = bloc_minibatch_draw(g, pb, BLOC_LIST_STEP, BLOC_ROLE_UL_GRAD, 0, err);
    if (!st)
        st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_UL, s->x, s->y, s->gxF, s->gyF, err);
    bloc_minibatch_clear(pb);
    return st;
}

/* hy <- H_yy f(x, y) v with the minibatch in force. */
static int hyy(bloc_graph_t *g, bloc_imp_t *s, int v, bloc_error_t *err)
{
    return bloc_hvp_yy(&s->hvp, g, BLOC_LIST_STEP, BLOC_LL, s->x, s->y, v, s->hy, err);
}

int bloc_imp_z_step(bloc_graph_t *g, bloc_imp_t *s, double nu, bloc_error_t *err)
{
    size_t ny = s->pb->ny;
    int st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_SYSTEM, 0, err);
    if (!st)
        st = hyy(g, s, s->z, err);
    bloc_minibatch_clear(s->pb);
    if (st)
        return st;
    bloc_node_t *nd = add(g, "implicit_z_step", ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->z); bloc_arg_vec(nd, s->hy); bloc_arg_vec(nd, s->gyF); bloc_arg_int(nd, (int)ny);
    bloc_arg_real(nd, nu);
    bloc_node_cost(nd, 3.0 * (double)ny, 4.0 * (double)ny * g->rt->real_size);
    return BLOC_OK;
}

static int copy(bloc_graph_t *g, int src, int dst, size_t n, bloc_error_t *err)
{
    bloc_node_t *nd = add(g, "vec_copy", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, src); bloc_arg_vec(nd, dst); bloc_arg_int(nd, (int)n);
    bloc_node_cost(nd, 0, 2.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

static int scale(bloc_graph_t *g, int dst, int src, size_t n, double c, bloc_error_t *err)
{
    bloc_node_t *nd = add(g, "implicit_scale", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, dst); bloc_arg_vec(nd, src); bloc_arg_int(nd, (int)n); bloc_arg_real(nd, c);
    bloc_node_cost(nd, (double)n, 2.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_imp_neumann(bloc_graph_t *g, bloc_imp_t *s, int Q, double alpha, int fresh, bloc_error_t *err)
{
    size_t ny = s->pb->ny;
    int st;
    /* p_0 = v = gyF; p_q = (I - alpha H) p_{q-1}, v += p_q; v *= alpha */
    if ((st = copy(g, s->gyF, s->p, ny, err)) || (st = copy(g, s->gyF, s->z, ny, err)))
        return st;
    for (int q = 1; q <= Q; q++) {
        if ((fresh || q == 1) && (st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_SYSTEM,
                                                           fresh ? q - 1 : 0, err)))
            return st;
        if ((st = hyy(g, s, s->p, err)))
            return st;
        bloc_node_t *nd = add(g, "implicit_neumann_term", ny, err);
        if (!nd)
            return err->status;
        bloc_arg_vec(nd, s->p); bloc_arg_vec(nd, s->hy); bloc_arg_vec(nd, s->z); bloc_arg_int(nd, (int)ny);
        bloc_arg_real(nd, alpha);
        bloc_node_cost(nd, 3.0 * (double)ny, 5.0 * (double)ny * g->rt->real_size);
    }
    bloc_minibatch_clear(s->pb);
    return scale(g, s->z, s->z, ny, alpha, err);
}

int bloc_imp_neumann_random(bloc_graph_t *g, bloc_imp_t *s, int Q, double alpha, bloc_error_t *err)
{
    bloc_problem_t *pb = s->pb;
    size_t ny = pb->ny;
    int st;
    if (s->trunc < 0 && (st = vec(g, &s->trunc, "ttsa_q", 1, NULL, err)))
        return st;
    bloc_node_t *nd = add(g, "implicit_draw_trunc", 1, err);
    if (!nd)
        return err->status;
    unsigned long long seed = pb->seed;
    bloc_arg_vec(nd, s->trunc); bloc_arg_int(nd, (int)(unsigned)seed); bloc_arg_int(nd, (int)(unsigned)(seed >> 32));
    bloc_arg_int(nd, BLOC_ROLE_TRUNCATION); bloc_arg_iter(nd); bloc_arg_int(nd, Q);
    if ((st = copy(g, s->gyF, s->p, ny, err)))
        return st;
    for (int i = 1; i < Q; i++) {
        if ((st = bloc_minibatch_draw(g, pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_SYSTEM, i - 1, err)) ||
            (st = hyy(g, s, s->p, err)))
            return st;
        if (!(nd = add(g, "implicit_trunc_term", ny, err)))
            return err->status;
        bloc_arg_vec(nd, s->p); bloc_arg_vec(nd, s->hy); bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, alpha);
        bloc_arg_vec(nd, s->trunc); bloc_arg_int(nd, i);
        bloc_node_cost(nd, 2.0 * (double)ny, 3.0 * (double)ny * g->rt->real_size);
    }
    bloc_minibatch_clear(pb);
    return scale(g, s->z, s->p, ny, (double)Q * alpha, err);
}

/* scal[slot] <- a . b */
static int dot(bloc_graph_t *g, bloc_imp_t *s, int a, int b, size_t n, int slot, bloc_error_t *err)
{
    bloc_node_t *nd = add(g, "implicit_prod", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, a); bloc_arg_vec(nd, b); bloc_arg_vec(nd, s->terms); bloc_arg_int(nd, (int)n);
    bloc_node_cost(nd, (double)n, 3.0 * (double)n * g->rt->real_size);
    return bloc_graph_reduce_rows(g, BLOC_LIST_STEP, s->terms, 1, n, s->scal, slot, err);
}

int bloc_imp_cg(bloc_graph_t *g, bloc_imp_t *s, int k, int warm, bloc_error_t *err)
{
    size_t ny = s->pb->ny;
    int st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_SYSTEM, 0, err);
    if (!st && warm)
        st = hyy(g, s, s->z, err);
    if (!st && !warm)
        st = scale(g, s->z, s->z, ny, 0, err);
    if (st)
        return st;
    /* r = b - H z, p = r, rs = r.r */
    bloc_node_t *nd = add(g, "implicit_cg_init", ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->r); bloc_arg_vec(nd, s->p); bloc_arg_vec(nd, s->gyF); bloc_arg_vec(nd, s->hy);
    bloc_arg_int(nd, (int)ny); bloc_arg_int(nd, warm);
    if ((st = dot(g, s, s->r, s->r, ny, IMP_S_RS0, err)))
        return st;
    for (int j = 0; j < k; j++) {
        int rs = j % 2 ? IMP_S_RS1 : IMP_S_RS0, rs_new = j % 2 ? IMP_S_RS0 : IMP_S_RS1;
        /* Ap, alpha = r.r / p.Ap, z += alpha p, r -= alpha Ap */
        if ((st = hyy(g, s, s->p, err)) || (st = dot(g, s, s->p, s->hy, ny, IMP_S_PAP, err)))
            return st;
        if (!(nd = add(g, "implicit_cg_step", ny, err)))
            return err->status;
        bloc_arg_vec(nd, s->z); bloc_arg_vec(nd, s->r); bloc_arg_vec(nd, s->p); bloc_arg_vec(nd, s->hy);
        bloc_arg_vec(nd, s->scal); bloc_arg_int(nd, rs); bloc_arg_int(nd, IMP_S_PAP); bloc_arg_int(nd, (int)ny);
        bloc_node_cost(nd, 4.0 * (double)ny, 6.0 * (double)ny * g->rt->real_size);
        if (j + 1 == k)
            break; /* the last direction is never used */
        /* beta = r_new.r_new / r.r, p = r + beta p */
        if ((st = dot(g, s, s->r, s->r, ny, rs_new, err)))
            return st;
        if (!(nd = add(g, "implicit_cg_dir", ny, err)))
            return err->status;
        bloc_arg_vec(nd, s->p); bloc_arg_vec(nd, s->r); bloc_arg_vec(nd, s->scal); bloc_arg_int(nd, rs);
        bloc_arg_int(nd, rs_new); bloc_arg_int(nd, (int)ny);
        bloc_node_cost(nd, 2.0 * (double)ny, 3.0 * (double)ny * g->rt->real_size);
    }
    bloc_minibatch_clear(s->pb);
    return BLOC_OK;
}

int bloc_imp_hypergrad_from(bloc_graph_t *g, bloc_imp_t *s, bloc_error_t *err)
{
    size_t nx = s->pb->nx;
    bloc_node_t *nd = add(g, "implicit_hypergrad", nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->hgx); bloc_arg_vec(nd, s->gxF); bloc_arg_vec(nd, s->hx); bloc_arg_int(nd, (int)nx);
    bloc_node_cost(nd, (double)nx, 3.0 * (double)nx * g->rt->real_size);
    return BLOC_OK;
}

int bloc_imp_hypergrad(bloc_graph_t *g, bloc_imp_t *s, int v, bloc_error_t *err)
{
    int st = bloc_minibatch_draw(g, s->pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_CROSS, 0, err);
    if (!st)
        st = bloc_hvp(&s->hvp, g, BLOC_LIST_STEP, BLOC_LL, s->x, s->y, v, s->hx, s->hy, err);
    bloc_minibatch_clear(s->pb);
    return st ? st : bloc_imp_hypergrad_from(g, s, err);
}

static int x_step(bloc_graph_t *g, bloc_imp_t *s, int d, bloc_coef_t eta, bloc_error_t *err)
{
    bloc_problem_t *pb = s->pb;
    bloc_node_t *nd = add(g, "implicit_x_step", pb->nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->x); bloc_arg_vec(nd, d); bloc_arg_int(nd, (int)pb->nx); bloc_arg_coef(nd, eta);
    bloc_arg_real(nd, pb->x_lo); bloc_arg_real(nd, pb->x_hi);
    bloc_node_cost(nd, 4.0 * (double)pb->nx, 3.0 * (double)pb->nx * g->rt->real_size);
    return BLOC_OK;
}

int bloc_imp_x_step(bloc_graph_t *g, bloc_imp_t *s, bloc_coef_t eta, bloc_error_t *err)
{
    return x_step(g, s, s->hgx, eta, err);
}

int bloc_imp_momentum_step(bloc_graph_t *g, bloc_imp_t *s, double beta, bloc_coef_t eta, int normalized,
                           bloc_error_t *err)
{
    bloc_problem_t *pb = s->pb;
    size_t nx = pb->nx;
    bloc_node_t *nd = add(g, "implicit_momentum", nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->m); bloc_arg_vec(nd, s->hgx); bloc_arg_vec(nd, s->terms); bloc_arg_int(nd, (int)nx);
    bloc_arg_real(nd, beta);
    bloc_node_cost(nd, 4.0 * (double)nx, 4.0 * (double)nx * g->rt->real_size);
    if (!normalized)
        return x_step(g, s, s->m, eta, err);
    int st = bloc_graph_reduce_rows(g, BLOC_LIST_STEP, s->terms, 1, nx, s->scal, IMP_S_MNORM, err);
    if (st)
        return st;
    if (!(nd = add(g, "implicit_normalized_step", nx, err)))
        return err->status;
    bloc_arg_vec(nd, s->x); bloc_arg_vec(nd, s->m); bloc_arg_vec(nd, s->scal); bloc_arg_int(nd, IMP_S_MNORM);
    bloc_arg_int(nd, (int)nx); bloc_arg_coef(nd, eta); bloc_arg_real(nd, pb->x_lo); bloc_arg_real(nd, pb->x_hi);
    bloc_node_cost(nd, 5.0 * (double)nx, 3.0 * (double)nx * g->rt->real_size);
    return BLOC_OK;
}

int bloc_imp_eta(bloc_graph_t *g, double eta, double decay, bloc_coef_t *out, bloc_error_t *err)
{
    double p[4] = {eta, decay, 0, 0};
    int sc = bloc_graph_sched(g, "eta", bloc_sched_decay, p, err);
    if (sc < 0)
        return err->status;
    *out = BLOC_SCHEDULED(sc);
    return BLOC_OK;
}
