#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const bloc_problem_desc_t *bloc_problem_find(const char *name)
{
    for (int i = 0; bloc_problems[i]; i++)
        if (strcmp(bloc_problems[i]->name, name) == 0)
            return bloc_problems[i];
    return NULL;
}

int bloc_problem_create(bloc_problem_t *pb, const bloc_problem_desc_t *desc, const double *params,
                        unsigned long seed, bloc_error_t *err)
{
    memset(pb, 0, sizeof *pb);
    pb->desc = desc;
    pb->params = params;
    pb->seed = seed;
    pb->x_lo = -HUGE_VAL;
    pb->x_hi = HUGE_VAL;
    pb->y_lo = -HUGE_VAL;
    pb->y_hi = HUGE_VAL;
    pb->sample[BLOC_UL] = pb->sample[BLOC_LL] = -1;
    int st = desc->init(pb, err);
    if (st)
        bloc_problem_destroy(pb);
    return st;
}

void bloc_problem_destroy(bloc_problem_t *pb)
{
    if (pb->desc && pb->desc->destroy)
        pb->desc->destroy(pb);
    free(pb->x0);
    free(pb->y0);
    pb->x0 = pb->y0 = NULL;
}

/* ---- element-wise problems: kernels <prefix>_grad_F, <prefix>_grad_f,
 * <prefix>_terms, each over nx work items with arguments (x, y, out..., n). */

int bloc_elementwise_grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x,
                          int y, int gx, int gy, bloc_error_t *err)
{
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "%s_grad_%s", pb->desc->kernel_prefix, level == BLOC_UL ? "F" : "f");
    bloc_node_t *nd = bloc_graph_add(g, list, name, pb->nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x);
    bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, gx);
    bloc_arg_vec(nd, gy);
    bloc_arg_int(nd, (int)pb->nx);
    bloc_node_cost(nd, pb->desc->grad_flops_per_item * (double)pb->nx,
                   2.0 * (double)(pb->nx + pb->ny) * g->rt->real_size);
    return BLOC_OK;
}

int bloc_elementwise_eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars,
                          bloc_error_t *err)
{
    int rows = pb->desc->nraw;
    int terms = bloc_graph_find_vec(g, "terms");
    if (terms < 0 && (terms = bloc_graph_vec(g, "terms", (size_t)rows * pb->nx, NULL, err)) < 0)
        return err->status;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "%s_terms", pb->desc->kernel_prefix);
    bloc_node_t *nd = bloc_graph_add(g, list, name, pb->nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x);
    bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, terms);
    bloc_arg_int(nd, (int)pb->nx);
    return bloc_graph_reduce_rows(g, list, terms, rows, pb->nx, scalars, 0, err);
}

int bloc_elementwise_hvp(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y,
                         int v, int hx, int hy, bloc_error_t *err)
{
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "%s_hvp_%s", pb->desc->kernel_prefix, level == BLOC_UL ? "F" : "f");
    bloc_node_t *nd = bloc_graph_add(g, list, name, pb->nx, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x);
    bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, v);
    bloc_arg_vec(nd, hx);
    bloc_arg_vec(nd, hy);
    bloc_arg_int(nd, (int)pb->nx);
    bloc_node_cost(nd, pb->desc->grad_flops_per_item * (double)pb->nx,
                   (double)(2 * pb->nx + 3 * pb->ny) * g->rt->real_size);
    return BLOC_OK;
}

int bloc_elementwise_ul_rows(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int traj, int first,
                             int rows, int vals, int offset, bloc_error_t *err)
{
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "ul_terms_%d", rows);
    int terms = bloc_graph_scratch(g, name, (size_t)rows * pb->nx, err);
    if (terms < 0)
        return err->status;
    snprintf(name, sizeof name, "%s_F_rows", pb->desc->kernel_prefix);
    size_t L = g->local_size;
    size_t global[2] = {(pb->nx + L - 1) / L * L, (size_t)rows}, local[2] = {L, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, list, name, global, local, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x);
    bloc_arg_vec(nd, traj);
    bloc_arg_int(nd, first);
    bloc_arg_vec(nd, terms);
    bloc_arg_int(nd, (int)pb->nx);
    bloc_node_cost(nd, pb->desc->grad_flops_per_item * (double)pb->nx * rows,
                   (double)(pb->nx + (pb->nx + pb->ny) * (size_t)rows) * g->rt->real_size);
    return bloc_graph_reduce_rows(g, list, terms, rows, pb->nx, vals, offset, err);
}

int bloc_problem_ybox(bloc_problem_t *pb, double lo, double hi, bloc_error_t *err)
{
    if (!(lo <= hi))
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: infeasible LL box: y_lo = %g > y_hi = %g", pb->desc->name, lo,
                              hi);
    pb->y_lo = lo;
    pb->y_hi = hi;
    for (size_t i = 0; pb->y0 && i < pb->ny; i++)
        if (pb->y0[i] < lo || pb->y0[i] > hi)
            return bloc_error_set(err, BLOC_ERR_PARAM, "%s: start y0[%zu] = %g lies outside the LL box [%g, %g]",
                                  pb->desc->name, i, pb->y0[i], lo, hi);
    return BLOC_OK;
}

int bloc_problem_box(bloc_problem_t *pb, double lo, double hi, bloc_error_t *err)
{
    if (!(lo <= hi))
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: infeasible box: x_lo = %g > x_hi = %g", pb->desc->name, lo, hi);
    pb->x_lo = lo;
    pb->x_hi = hi;
    for (size_t i = 0; pb->x0 && i < pb->nx; i++)
        if (pb->x0[i] < lo || pb->x0[i] > hi)
            return bloc_error_set(err, BLOC_ERR_PARAM, "%s: start x0[%zu] = %g lies outside the box [%g, %g]",
                                  pb->desc->name, i, pb->x0[i], lo, hi);
    return BLOC_OK;
}

int bloc_prox_weighted_l1(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int v, double step,
                          bloc_error_t *err)
{
    /* g = sum x_i |v_i| is convex only for x >= 0: the UL box must say so */
    if (!(pb->x_lo >= 0))
        return bloc_error_set(err, BLOC_ERR_PARAM,
                              "%s: weighted l1 prox needs non-negative weights, but the UL box allows x >= %g",
                              pb->desc->name, pb->x_lo);
    if (!(step >= 0))
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: prox step %g must be non-negative", pb->desc->name, step);
    bloc_node_t *nd = bloc_graph_add(g, list, "prox_weighted_l1", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, v);
    bloc_arg_vec(nd, x);
    bloc_arg_int(nd, (int)pb->ny);
    bloc_arg_real(nd, step);
    bloc_node_cost(nd, 3.0 * (double)pb->ny, 3.0 * (double)pb->ny * g->rt->real_size);
    return BLOC_OK;
}

int bloc_problem_start(bloc_problem_t *pb, size_t nx, size_t ny, double x0, double y0, bloc_error_t *err)
{
    pb->nx = nx;
    pb->ny = ny;
    pb->x0 = bloc_fill(nx, x0);
    pb->y0 = bloc_fill(ny, y0);
    if (!pb->x0 || !pb->y0)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory for the start point (nx = %zu, ny = %zu)",
                              pb->desc->name, nx, ny);
    return BLOC_OK;
}

double *bloc_fill(size_t n, double v)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    if (a)
        for (size_t i = 0; i < n; i++)
            a[i] = v;
    return a;
}
