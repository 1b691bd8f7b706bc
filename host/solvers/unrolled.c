#include "unrolled.h"

#include <math.h>

const char *const bloc_unroll_sources[2] = {"kernels/hvp.cl", "kernels/unrolled.cl"};

double bloc_sched_decay(long k, const double *p)
{
    return p[1] > 0 ? p[0] / (1.0 + (double)k / p[1]) : p[0];
}

/* Options against the problem. */
static int check(const bloc_problem_t *pb, const bloc_unroll_opts_t *o, bloc_error_t *err)
{
    const char *who = o->who, *name = pb->desc->name;
    if (pb->desc->prox)
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: problem %s has a nonsmooth LL term g (prox); the unrolled solvers differentiate "
                              "smooth LL steps only", who, name);
    if (o->T < 1 || o->T > o->K)
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: T = %d must be in [1, K] (K = %d)", who, o->T, o->K);
    if (o->checkpoint > o->K)
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: checkpoint = %d must be at most K = %d (0 or 1: keep all)",
                              who, o->checkpoint, o->K);
    if (o->truncate && !pb->desc->ul_rows)
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: pessimistic truncation needs batched UL values, which problem %s does not offer",
                              who, name);
    return BLOC_OK;
}

/* Forward-step weights of step k: (c1, c2) as in unrolled.h. */
static void weights(const bloc_unroll_opts_t *o, int k, double *c1, double *c2)
{
    if (o->bda) {
        double mu = o->mu0 * pow(o->mu_decay, (double)k);
        *c1 = mu * o->su;
        *c2 = (1.0 - mu) * o->sl;
    } else {
        *c1 = o->s;
        *c2 = 0;
    }
}

static int vec(bloc_graph_t *g, int *id, const char *name, size_t n, const double *init, bloc_error_t *err)
{
    *id = bloc_graph_vec(g, name, n, init, err);
    return *id < 0 ? err->status : BLOC_OK;
}

static int vectors(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    size_t nx = pb->nx, ny = pb->ny, K = (size_t)o->K, m = (size_t)o->checkpoint;
    double kinit = (double)o->K;
    int st;
    u->traj = u->seg = u->ckpt = u->wre = u->g2 = u->hx2 = u->hy2 = u->vals = u->ypt = -1;
    if ((st = vec(g, &u->x, BLOC_VEC_X, nx, pb->x0, err)) || (st = vec(g, &u->y, BLOC_VEC_Y, ny, pb->y0, err)) ||
        (st = vec(g, &u->init, o->learn_init ? "z" : "y_init", ny, pb->y0, err)) ||
        (st = vec(g, &u->gx, "unroll_gx", nx, NULL, err)) || (st = vec(g, &u->g1, "unroll_g1", ny, NULL, err)) ||
        (st = vec(g, &u->hgx, "hgx", nx, NULL, err)) || (st = vec(g, &u->adj, "adj", ny, NULL, err)) ||
        (st = vec(g, &u->pend, "adj_pending", ny, NULL, err)) || (st = vec(g, &u->p, "hvp_point", ny, NULL, err)) ||
        (st = vec(g, &u->hx1, "hx1", nx, NULL, err)) || (st = vec(g, &u->hy1, "hy1", ny, NULL, err)) ||
        (st = vec(g, &u->kstar, "kstar", 1, &kinit, err)))
        return st;
    if (m >= 2) {
        if ((st = vec(g, &u->seg, "segment", (m + 2) * ny, NULL, err)) ||
            (st = vec(g, &u->ckpt, "checkpoints", 2 * (K / m + 1) * ny, NULL, err)) ||
            (st = vec(g, &u->wre, "recompute_point", ny, NULL, err)))
            return st;
    } else if ((st = vec(g, &u->traj, "trajectory", (K + 1) * ny, NULL, err)))
        return st;
    if (o->bda && ((st = vec(g, &u->g2, "unroll_g2", ny, NULL, err)) || (st = vec(g, &u->hx2, "hx2", nx, NULL, err)) ||
                   (st = vec(g, &u->hy2, "hy2", ny, NULL, err))))
        return st;
    if (o->truncate && ((st = vec(g, &u->vals, "ul_values", K, NULL, err)) ||
                        (st = vec(g, &u->ypt, "y_kstar", ny, NULL, err))))
        return st;
    return BLOC_OK;
}

static bloc_node_t *add(bloc_graph_t *g, const char *kernel, size_t n, bloc_error_t *err)
{
    return bloc_graph_add(g, BLOC_LIST_STEP, kernel, n, err);
}

/* One forward step k on store (first row `base`) from the point w. */
static int forward_step(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, int store, int base, int w, int k,
                        bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    double c1, c2;
    weights(o, k, &c1, &c2);
    int g2 = o->bda ? u->g2 : u->g1, st;
    if (o->bda && (st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_UL, u->x, w, u->gx, u->g1, err)))
        return st;
    if ((st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_LL, u->x, w, u->gx, g2, err)))
        return st;
    bloc_node_t *nd = add(g, "unrolled_forward", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, store); bloc_arg_int(nd, base); bloc_arg_vec(nd, w); bloc_arg_vec(nd, u->g1);
    bloc_arg_vec(nd, g2); bloc_arg_int(nd, k); bloc_arg_int(nd, (int)pb->ny); bloc_arg_real(nd, c1);
    bloc_arg_real(nd, c2); bloc_arg_real(nd, o->beta); bloc_arg_real(nd, pb->y_lo); bloc_arg_real(nd, pb->y_hi);
    bloc_arg_int(nd, k + 1 == o->K);
    bloc_node_cost(nd, 8.0 * (double)pb->ny, 6.0 * (double)pb->ny * g->rt->real_size);
    return BLOC_OK;
}

enum { UPDATE = 1, POINT = 2 };

/* The reverse kernel at step k (flags as in kernels/unrolled.cl). */
static int reverse_call(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, int store, int base, int k, int flags,
                        bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    double c1 = 0, c2 = 0;
    if (k < o->K)
        weights(o, k, &c1, &c2);
    size_t nx = pb->nx, ny = pb->ny;
    bloc_node_t *nd = add(g, "unrolled_reverse", nx > ny ? nx : ny, err);
    if (!nd)
        return err->status;
    int hx2 = o->bda ? u->hx2 : u->hx1, hy2 = o->bda ? u->hy2 : u->hy1;
    bloc_arg_vec(nd, store); bloc_arg_int(nd, base); bloc_arg_vec(nd, u->p); bloc_arg_vec(nd, u->adj);
    bloc_arg_vec(nd, u->pend); bloc_arg_vec(nd, u->hgx); bloc_arg_vec(nd, u->hx1); bloc_arg_vec(nd, u->hy1);
    bloc_arg_vec(nd, hx2); bloc_arg_vec(nd, hy2); bloc_arg_vec(nd, u->kstar); bloc_arg_int(nd, k);
    bloc_arg_int(nd, (int)nx); bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, c1); bloc_arg_real(nd, c2);
    bloc_arg_real(nd, o->beta); bloc_arg_real(nd, pb->y_lo); bloc_arg_real(nd, pb->y_hi); bloc_arg_int(nd, flags);
    bloc_node_cost(nd, 4.0 * (double)(nx + ny), (double)(4 * nx + 10 * ny) * g->rt->real_size);
    return BLOC_OK;
}

/* Reverse step k: the products at w_k (point p) of u = adj, then the update. */
static int reverse_step(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, int store, int base, int k, int flags,
                        bloc_error_t *err)
{
    int st;
    if (u->o.bda) {
        if ((st = bloc_hvp(&u->hvp, g, BLOC_LIST_STEP, BLOC_UL, u->x, u->p, u->adj, u->hx1, u->hy1, err)) ||
            (st = bloc_hvp(&u->hvp, g, BLOC_LIST_STEP, BLOC_LL, u->x, u->p, u->adj, u->hx2, u->hy2, err)))
            return st;
    } else if ((st = bloc_hvp(&u->hvp, g, BLOC_LIST_STEP, BLOC_LL, u->x, u->p, u->adj, u->hx1, u->hy1, err)))
        return st;
    return reverse_call(g, pb, u, store, base, k, flags, err);
}

static int start(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, int store, int slot, int store2, int slot2,
                 bloc_error_t *err)
{
    bloc_node_t *nd = add(g, "unrolled_start", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, u->init); bloc_arg_vec(nd, u->y); bloc_arg_vec(nd, store); bloc_arg_int(nd, slot);
    bloc_arg_vec(nd, store2); bloc_arg_int(nd, slot2); bloc_arg_int(nd, (int)pb->ny);
    return BLOC_OK;
}

/* k* = argmax on the device; with gather (all rows stored) y_k* into ypt. */
static int argmax(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, int store, int gather, bloc_error_t *err)
{
    size_t L = g->local_size, gl[2] = {L, 1}, lo[2] = {L, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, BLOC_LIST_STEP, "unrolled_argmax", gl, lo, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, u->vals); bloc_arg_int(nd, u->o.K); bloc_arg_vec(nd, u->kstar); bloc_arg_vec(nd, store);
    bloc_arg_int(nd, 0); bloc_arg_vec(nd, u->ypt); bloc_arg_int(nd, (int)pb->ny); bloc_arg_int(nd, gather);
    bloc_arg_local(nd, L); bloc_arg_local(nd, L);
    return BLOC_OK;
}

/* All rows stored: forward, truncation, reverse through k = K-1 .. K-T. */
static int build_stored(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    int K = o->K, kmin = K - o->T, st, pt = u->y;
    if ((st = start(g, pb, u, u->traj, 0, u->traj, 0, err)))
        return st;
    for (int k = 0; k < K; k++)
        if ((st = forward_step(g, pb, u, u->traj, 0, u->y, k, err)))
            return st;
    if (o->truncate) {
        if ((st = pb->desc->ul_rows(pb, g, BLOC_LIST_STEP, u->x, u->traj, 1, K, u->vals, 0, err)) ||
            (st = argmax(g, pb, u, u->traj, 1, err)))
            return st;
        pt = u->ypt;
    }
    if ((st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_UL, u->x, pt, u->hgx, u->adj, err)) ||
        (st = reverse_call(g, pb, u, u->traj, 0, K, UPDATE | (K - 1 >= kmin ? POINT : 0), err)))
        return st;
    for (int k = K - 1; k >= kmin; k--)
        if ((st = reverse_step(g, pb, u, u->traj, 0, k, UPDATE | (k - 1 >= kmin ? POINT : 0), err)))
            return st;
    return BLOC_OK;
}

/* y_k* from the checkpoints: restore checkpoint k* / m, then m - 1 masked steps. */
static int seek(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    int m = o->checkpoint, ny = (int)pb->ny, st;
    bloc_node_t *nd = add(g, "unrolled_seek_start", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, u->ckpt); bloc_arg_vec(nd, u->kstar); bloc_arg_int(nd, m); bloc_arg_vec(nd, u->ypt);
    bloc_arg_vec(nd, u->wre); bloc_arg_int(nd, ny); bloc_arg_real(nd, o->beta);
    for (int i = 0; i < m - 1; i++) {
        if ((st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_LL, u->x, u->wre, u->gx, u->g1, err)))
            return st;
        if (!(nd = add(g, "unrolled_seek_step", pb->ny, err)))
            return err->status;
        bloc_arg_vec(nd, u->ypt); bloc_arg_vec(nd, u->wre); bloc_arg_vec(nd, u->g1); bloc_arg_vec(nd, u->kstar);
        bloc_arg_int(nd, m); bloc_arg_int(nd, i); bloc_arg_int(nd, ny); bloc_arg_real(nd, o->s);
        bloc_arg_real(nd, o->beta); bloc_arg_real(nd, pb->y_lo); bloc_arg_real(nd, pb->y_hi);
    }
    return BLOC_OK;
}

/* Checkpoints every m-th iterate: segment j covers rows j m - 1 .. e,
 * e = min((j+1) m, K), in the segment buffer (base j m - 1). The forward
 * pass keeps checkpoints (and the UL values of each segment); the reverse
 * pass restores each segment, recomputes its rows and runs its steps. */
static int build_checkpointed(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_error_t *err)
{
    const bloc_unroll_opts_t *o = &u->o;
    int K = o->K, m = o->checkpoint, J = (K + m - 1) / m, kmin = K - o->T, st, pt = u->y;
    if ((st = start(g, pb, u, u->seg, 1, u->ckpt, 1, err)))
        return st;
    for (int j = 0; j < J; j++) {
        int base = j * m - 1, e = j * m + m < K ? j * m + m : K;
        for (int k = j * m; k < e; k++)
            if ((st = forward_step(g, pb, u, u->seg, base, u->y, k, err)))
                return st;
        if (o->truncate && (st = pb->desc->ul_rows(pb, g, BLOC_LIST_STEP, u->x, u->seg, 2, e - j * m, u->vals,
                                                   j * m, err)))
            return st;
        if (e == j * m + m && (e < K || o->truncate)) {
            bloc_node_t *nd = add(g, "unrolled_save", 2 * pb->ny, err);
            if (!nd)
                return err->status;
            bloc_arg_vec(nd, u->seg); bloc_arg_int(nd, e - 1 - base); bloc_arg_vec(nd, u->ckpt);
            bloc_arg_int(nd, j + 1); bloc_arg_int(nd, (int)pb->ny);
        }
    }
    if (o->truncate) {
        if ((st = argmax(g, pb, u, u->seg, 0, err)) || (st = seek(g, pb, u, err)))
            return st;
        pt = u->ypt;
    }
    if ((st = pb->desc->grad(pb, g, BLOC_LIST_STEP, BLOC_UL, u->x, pt, u->hgx, u->adj, err)))
        return st;
    for (int j = J - 1; j >= 0; j--) {
        int base = j * m - 1, e = j * m + m < K ? j * m + m : K, low = j * m > kmin ? j * m : kmin;
        if (low > e - 1)
            break;
        bloc_node_t *nd = add(g, "unrolled_restore", pb->ny, err);
        if (!nd)
            return err->status;
        bloc_arg_vec(nd, u->ckpt); bloc_arg_int(nd, j); bloc_arg_vec(nd, u->seg); bloc_arg_vec(nd, u->wre);
        bloc_arg_int(nd, (int)pb->ny); bloc_arg_real(nd, o->beta);
        /* rows j m + 1 .. e - 1 (and K in the last segment, for the mask at k*) */
        int top = j == J - 1 ? K : e - 1;
        for (int k = j * m; k < top; k++)
            if ((st = forward_step(g, pb, u, u->seg, base, u->wre, k, err)))
                return st;
        if (j == J - 1)
            st = reverse_call(g, pb, u, u->seg, base, K, UPDATE | POINT, err);
        else
            st = reverse_call(g, pb, u, u->seg, base, e, POINT, err);
        if (st)
            return st;
        for (int k = e - 1; k >= low; k--) {
            int point = k - 1 >= low ? POINT : 0;
            if ((st = reverse_step(g, pb, u, u->seg, base, k, UPDATE | point, err)))
                return st;
        }
    }
    return BLOC_OK;
}

int bloc_unroll_build(bloc_graph_t *g, bloc_problem_t *pb, const bloc_unroll_opts_t *o, bloc_unroll_t *u,
                      bloc_error_t *err)
{
    u->o = *o;
    if (u->o.checkpoint == 1)
        u->o.checkpoint = 0;
    int st = check(pb, &u->o, err);
    if (!st)
        st = bloc_hvp_init(&u->hvp, pb, o->hvp, o->who, err);
    if (!st)
        st = vectors(g, pb, u, err);
    if (st)
        return st;
    return u->o.checkpoint >= 2 ? build_checkpointed(g, pb, u, err) : build_stored(g, pb, u, err);
}

int bloc_unroll_ul_step(bloc_graph_t *g, bloc_problem_t *pb, bloc_unroll_t *u, bloc_coef_t ax, double az,
                        bloc_error_t *err)
{
    size_t nx = pb->nx, nz = u->o.learn_init ? pb->ny : 0;
    bloc_node_t *nd = add(g, "unrolled_ul_step", nx > nz ? nx : nz, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, u->x); bloc_arg_vec(nd, u->hgx); bloc_arg_int(nd, (int)nx); bloc_arg_coef(nd, ax);
    bloc_arg_real(nd, pb->x_lo); bloc_arg_real(nd, pb->x_hi); bloc_arg_vec(nd, u->init); bloc_arg_vec(nd, u->adj);
    bloc_arg_int(nd, (int)nz); bloc_arg_real(nd, az); bloc_arg_real(nd, pb->y_lo); bloc_arg_real(nd, pb->y_hi);
    return BLOC_OK;
}

int bloc_unroll_solver(bloc_graph_t *g, bloc_problem_t *pb, const bloc_unroll_opts_t *o, double alpha, double decay,
                       double az, bloc_error_t *err)
{
    bloc_unroll_t u;
    int st = bloc_unroll_build(g, pb, o, &u, err);
    if (st)
        return st;
    double sp[4] = {alpha, decay, 0, 0};
    int ax = bloc_graph_sched(g, "alpha_x", bloc_sched_decay, sp, err);
    if (ax < 0)
        return err->status;
    return bloc_unroll_ul_step(g, pb, &u, BLOC_SCHEDULED(ax), az, err);
}
