#include "hvp.h"

#include <math.h>
#include <stdio.h>

const char *const bloc_hvp_words[] = {"auto", "exact", "fd", NULL};

int bloc_hvp_init(bloc_hvp_t *h, bloc_problem_t *pb, bloc_hvp_mode_t mode, const char *who, bloc_error_t *err)
{
    h->pb = pb;
    h->exact = mode != BLOC_HVP_FD && pb->desc->hvp != NULL;
    h->yp = h->ym = h->gxp = h->gyp = h->gxm = h->gym = h->terms = h->norms = h->hx_unused = -1;
    if (mode == BLOC_HVP_EXACT && !pb->desc->hvp)
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: hvp: exact, but problem %s has no exact Hessian-vector products (use auto or fd)",
                              who, pb->desc->name);
    return BLOC_OK;
}

/* The scratch vectors of the central difference, shared by every call. */
static int fd_scratch(bloc_hvp_t *h, bloc_graph_t *g, bloc_error_t *err)
{
    if (h->norms >= 0)
        return BLOC_OK;
    size_t nx = h->pb->nx, ny = h->pb->ny;
    struct { int *id; const char *name; size_t n; } t[] = {
        {&h->yp, "hvp_yp", ny},   {&h->ym, "hvp_ym", ny},   {&h->gxp, "hvp_gxp", nx}, {&h->gyp, "hvp_gyp", ny},
        {&h->gxm, "hvp_gxm", nx}, {&h->gym, "hvp_gym", ny}, {&h->terms, "hvp_terms", 2 * ny},
        {&h->norms, "hvp_norms", 2},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if ((*t[i].id = bloc_graph_vec(g, t[i].name, t[i].n, NULL, err)) < 0)
            return err->status;
    return BLOC_OK;
}

int bloc_hvp(bloc_hvp_t *h, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v, int hx,
             int hy, bloc_error_t *err)
{
    bloc_problem_t *pb = h->pb;
    if (h->exact)
        return pb->desc->hvp(pb, g, list, level, x, y, v, hx, hy, err);
    int st = fd_scratch(h, g, err);
    if (st)
        return st;
    size_t nx = pb->nx, ny = pb->ny;
    double c = cbrt(g->rt->precision == BLOC_FP64 ? 0x1p-53 : 0x1p-24);
    /* norms = [v.v, y.y] */
    bloc_node_t *nd = bloc_graph_add(g, list, "vec_dot_terms", ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, v); bloc_arg_vec(nd, v); bloc_arg_vec(nd, y); bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, h->terms); bloc_arg_int(nd, (int)ny);
    if ((st = bloc_graph_reduce_rows(g, list, h->terms, 2, ny, h->norms, 0, err)))
        return st;
    if (!(nd = bloc_graph_add(g, list, "hvp_fd_points", ny, err)))
        return err->status;
    bloc_arg_vec(nd, y); bloc_arg_vec(nd, v); bloc_arg_vec(nd, h->yp); bloc_arg_vec(nd, h->ym);
    bloc_arg_vec(nd, h->norms); bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, c);
    /* both points share x: one pass over the data where the problem fuses them */
    if (pb->desc->grad2)
        st = pb->desc->grad2(pb, g, list, level, x, h->yp, h->ym, h->gxp, h->gyp, h->gxm, h->gym, err);
    else if (!(st = pb->desc->grad(pb, g, list, level, x, h->yp, h->gxp, h->gyp, err)))
        st = pb->desc->grad(pb, g, list, level, x, h->ym, h->gxm, h->gym, err);
    if (st)
        return st;
    if (!(nd = bloc_graph_add(g, list, "hvp_fd_combine", nx > ny ? nx : ny, err)))
        return err->status;
    bloc_arg_vec(nd, h->gxp); bloc_arg_vec(nd, h->gyp); bloc_arg_vec(nd, h->gxm); bloc_arg_vec(nd, h->gym);
    bloc_arg_vec(nd, hx); bloc_arg_vec(nd, hy); bloc_arg_vec(nd, h->norms); bloc_arg_int(nd, (int)nx);
    bloc_arg_int(nd, (int)ny); bloc_arg_real(nd, c);
    return BLOC_OK;
}

int bloc_hvp_yy(bloc_hvp_t *h, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v, int hy,
                bloc_error_t *err)
{
    bloc_problem_t *pb = h->pb;
    if (h->exact && pb->desc->hvp_yy)
        return pb->desc->hvp_yy(pb, g, list, level, x, y, v, hy, err);
    if (h->hx_unused < 0 && (h->hx_unused = bloc_graph_vec(g, "hvp_hx_unused", pb->nx, NULL, err)) < 0)
        return err->status;
    return bloc_hvp(h, g, list, level, x, y, v, h->hx_unused, hy, err);
}
