#include "firstorder.h"

#include <math.h>

int bloc_fo_vectors(bloc_graph_t *g, bloc_problem_t *pb, int theta_zero, bloc_fo_vecs_t *v, bloc_error_t *err)
{
    size_t nx = pb->nx, ny = pb->ny;
    struct { int *id; const char *name; size_t n; const double *init; } t[] = {
        {&v->x, BLOC_VEC_X, nx, pb->x0},   {&v->y, BLOC_VEC_Y, ny, pb->y0},
        {&v->theta, "theta", ny, theta_zero ? NULL : pb->y0},
        {&v->gxF, "gxF", nx, NULL},        {&v->gyF, "gyF", ny, NULL},
        {&v->gxf, "gxf_y", nx, NULL},      {&v->gyf, "gyf_y", ny, NULL},
        {&v->gxt, "gxf_theta", nx, NULL},  {&v->gyt, "gyf_theta", ny, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if ((*t[i].id = bloc_graph_vec(g, t[i].name, t[i].n, t[i].init, err)) < 0)
            return err->status;
    return BLOC_OK;
}

int bloc_fo_grad(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y, int gx, int gy,
                 bloc_error_t *err)
{
    return pb->desc->grad(pb, g, BLOC_LIST_STEP, level, x, y, gx, gy, err);
}

int bloc_fo_grad2_again(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y1, int y2, int gx1,
                        int gy1, int gx2, int gy2, bloc_error_t *err)
{
    pb->same_points = 1;
    int st = bloc_fo_grad2(g, pb, level, x, y1, y2, gx1, gy1, gx2, gy2, err);
    pb->same_points = 0;
    return st;
}

int bloc_fo_grad2(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y1, int y2, int gx1,
                  int gy1, int gx2, int gy2, bloc_error_t *err)
{
    if (pb->desc->grad2)
        return pb->desc->grad2(pb, g, BLOC_LIST_STEP, level, x, y1, y2, gx1, gy1, gx2, gy2, err);
    int pts[2][3] = {{y1, gx1, gy1}, {y2, gx2, gy2}};
    for (int p = 0; p < 2; p++) {
        int y = pts[p][0], gx = pts[p][1], gy = pts[p][2];
        if (y < 0 || (gx < 0 && gy < 0))
            continue;
        if ((gx < 0 && (gx = bloc_graph_scratch(g, "fo_scratch_x", pb->nx, err)) < 0) ||
            (gy < 0 && (gy = bloc_graph_scratch(g, "fo_scratch_y", pb->ny, err)) < 0))
            return err->status;
        int st = bloc_fo_grad(g, pb, level, x, y, gx, gy, err);
        if (st)
            return st;
    }
    return BLOC_OK;
}

int bloc_fo_prox(bloc_graph_t *g, bloc_problem_t *pb, int x, int v, double step, bloc_error_t *err)
{
    return pb->desc->prox ? pb->desc->prox(pb, g, BLOC_LIST_STEP, x, v, step, err) : BLOC_OK;
}

int bloc_fo_copy(bloc_graph_t *g, int src, int dst, size_t n, bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, BLOC_LIST_STEP, "vec_copy", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, src);
    bloc_arg_vec(nd, dst);
    bloc_arg_int(nd, (int)n);
    bloc_node_cost(nd, 0, 2.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_fo_step2(bloc_graph_t *g, int z, int u, int v, size_t n, double s, bloc_coef_t a, bloc_coef_t b,
                  double lo, double hi, bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, BLOC_LIST_STEP, "vec_step2", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, z); bloc_arg_vec(nd, u); bloc_arg_vec(nd, v); bloc_arg_int(nd, (int)n);
    bloc_arg_real(nd, s); bloc_arg_coef(nd, a); bloc_arg_coef(nd, b); bloc_arg_real(nd, lo); bloc_arg_real(nd, hi);
    bloc_node_cost(nd, 7.0 * (double)n, 4.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_fo_step_diff(bloc_graph_t *g, int z, int u, int v, int w, size_t n, double s, bloc_coef_t a,
                      bloc_coef_t b, double lo, double hi, bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, BLOC_LIST_STEP, "vec_step_diff", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, z); bloc_arg_vec(nd, u); bloc_arg_vec(nd, v); bloc_arg_vec(nd, w); bloc_arg_int(nd, (int)n);
    bloc_arg_real(nd, s); bloc_arg_coef(nd, a); bloc_arg_coef(nd, b); bloc_arg_real(nd, lo); bloc_arg_real(nd, hi);
    bloc_node_cost(nd, 8.0 * (double)n, 5.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_fo_inner_gd(bloc_graph_t *g, bloc_problem_t *pb, int x, int v, int gx, int gy, double s, int T,
                     bloc_error_t *err)
{
    for (int t = 0; t < T; t++) {
        int st = bloc_fo_grad(g, pb, BLOC_LL, x, v, gx, gy, err);
        if (!st)
            st = bloc_fo_step2(g, v, gy, gy, pb->ny, s, BLOC_FIXED(1), BLOC_FIXED(0), -HUGE_VAL, HUGE_VAL, err);
        if (!st)
            st = bloc_fo_prox(g, pb, x, v, s, err);
        if (st)
            return st;
    }
    return BLOC_OK;
}

double bloc_sched_power(long k, const double *p) { return p[0] * pow((double)(k + 1), p[1]); }
double bloc_sched_inv_power(long k, const double *p) { return 1.0 / (p[0] * pow((double)(k + 1), p[1])); }
double bloc_sched_linear(long k, const double *p) { return p[0] + p[1] * (double)k; }
double bloc_sched_inv_linear(long k, const double *p) { return 1.0 / (p[0] + p[1] * (double)k); }
