#include "softmax.h"

#include <stdio.h>
#include <stdlib.h>

#include "kernel_shape.h"

#define K BLOC_SM_CLASSES
#define ROWS_LANES 32 /* GPU shape: lanes per sample of hc_forward_rows (HC_RL) */
#define ROWS_GROUP 4  /* and samples per work-group (HC_RG) */
#define ROWS_CHUNKS 64 /* GPU shape: row chunks (partials) of hc_backward_rows */
#define ROWS_LOCAL 64  /* and its work-group size */

int bloc_sm_forward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int y1, int y2, int mode, int wsrc,
                    int flags, int R, int ce, int gx1, int gx2, bloc_error_t *err)
{
    int npts = y2 >= 0 ? 2 : 1;
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    int gpu = shape == BLOC_SHAPE_GPU;
    size_t bw = BLOC_SM_BLOCK(g->rt->real_size), blocks = ((size_t)s->n + bw - 1) / bw;
    size_t global[2] = {blocks < BLOC_SM_GROUPS ? blocks : BLOC_SM_GROUPS, 1}, local[2] = {1, 1};
    if (gpu) {
        global[0] = ((size_t)s->n + ROWS_GROUP - 1) / ROWS_GROUP * ROWS_GROUP * ROWS_LANES;
        local[0] = ROWS_GROUP * ROWS_LANES;
    } else if (s->AT < 0) {
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "hc_forward: the split has no transposed blocks");
    }
    bloc_node_t *nd = bloc_graph_add2d(g, list, gpu ? "hc_forward_rows" : "hc_forward", global, local, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, gpu ? s->A : s->AT); bloc_arg_int(nd, s->n); bloc_arg_int(nd, s->d); bloc_arg_vec(nd, y1);
    bloc_arg_vec(nd, npts == 2 ? y2 : y1); bloc_arg_int(nd, npts); bloc_arg_int(nd, mode); bloc_arg_vec(nd, wsrc);
    bloc_arg_vec(nd, s->labels); bloc_arg_real(nd, 1.0 / s->n); bloc_arg_int(nd, flags); bloc_arg_vec(nd, R);
    bloc_arg_vec(nd, ce); bloc_arg_vec(nd, gx1); bloc_arg_vec(nd, npts == 2 ? gx2 : gx1);
    /* 2 n d K flops per point for the product (+ about 40 per logit for the
     * head); A (AT with its zero padding in the CPU shape) read once, W and
     * the outputs per point */
    double n = s->n, d = s->d, rs = (double)g->rt->real_size, rows = gpu ? n : (double)(blocks * bw);
    bloc_node_cost(nd, npts * (2.0 * n * d * K + 40.0 * n * K), rs * (rows * d + npts * ((d + 1) * K + n * (K + 3))));
    return BLOC_OK;
}

/* gy[p] <- [sum of the G partials of point p (from P + p G m) + mu W_p, their
 * bias part] for the npts = 1 or 2 points y[p] (hc_grad_reduce, one
 * launch) */
static int sm_grad_reduce(bloc_graph_t *g, bloc_list_t list, int P, size_t G, size_t m, int npts, const int y[2],
                          double mu, const int gy[2], bloc_error_t *err)
{
    size_t ls = g->local_size, global[2] = {(m + ls - 1) / ls * ls, (size_t)npts}, local[2] = {ls, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, list, "hc_grad_reduce", global, local, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, P); bloc_arg_int(nd, (int)G); bloc_arg_int(nd, (int)m);
    bloc_arg_vec(nd, y[0]); bloc_arg_vec(nd, y[npts - 1]); bloc_arg_real(nd, mu);
    bloc_arg_vec(nd, gy[0]); bloc_arg_vec(nd, gy[npts - 1]);
    double md = (double)npts * (double)m;
    bloc_node_cost(nd, (double)G * md + 2.0 * md, (double)g->rt->real_size * ((double)G * md + 2.0 * md));
    return BLOC_OK;
}

/* R' A and sum R of npts points into the partials P (point p at p G m):
 * hc_backward over BLOC_SM_GROUPS work items (CPU shape; R holds P (7),
 * weighed in the kernel by `mode` from wsrc), one pass over A for all
 * points, or hc_backward_rows over ROWS_CHUNKS row chunks per point (GPU
 * shape; R holds R (4), mode and wsrc unused). Point p at R + p n K. */
static int sm_backward_node(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int gpu, int npts, int R,
                            int mode, int wsrc, int P, bloc_error_t *err)
{
    size_t m = (size_t)K * s->d + K, G = gpu ? ROWS_CHUNKS : BLOC_SM_GROUPS;
    size_t global[2] = {G, 1}, local[2] = {1, 1};
    if (gpu) {
        global[0] = ((size_t)s->d + 1 + ROWS_LOCAL - 1) / ROWS_LOCAL * ROWS_LOCAL;
        global[1] = G * (size_t)npts;
        local[0] = ROWS_LOCAL;
    }
    bloc_node_t *nd = bloc_graph_add2d(g, list, gpu ? "hc_backward_rows" : "hc_backward", global, local, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->A); bloc_arg_int(nd, s->n); bloc_arg_int(nd, s->d); bloc_arg_vec(nd, R);
    bloc_arg_int(nd, npts);
    if (!gpu) {
        bloc_arg_int(nd, mode); bloc_arg_vec(nd, wsrc); bloc_arg_real(nd, 1.0 / s->n);
    }
    bloc_arg_vec(nd, P);
    /* 2 n (d + 1) K flops per point; A read once (once per point in the GPU
     * shape, from cache after the first), R once, the partials written */
    double n = s->n, d = s->d;
    bloc_node_cost(nd, npts * 2.0 * n * (d + 1) * K,
                   (double)g->rt->real_size * (n * d + npts * (n * K + (double)G * (double)m)));
    return BLOC_OK;
}

/* The gradient (5) in the GPU shape: hc_forward_rows writes R to a scratch
 * vector (n K reals, a small fraction of A), hc_backward_rows adds R' A
 * over ROWS_CHUNKS row chunks, hc_grad_reduce adds the chunks in order. */
static int sm_grad_rows(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int y, int mode, int wsrc,
                        int flags, int ce, int gx, double mu, int gy, bloc_error_t *err)
{
    size_t m = (size_t)K * s->d + K, S = ROWS_CHUNKS;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "sm_R_%d", s->n);
    int R = bloc_graph_scratch(g, name, (size_t)s->n * K, err);
    snprintf(name, sizeof name, "sm_partials_%zu_%zu", m, S);
    int P = R < 0 ? -1 : bloc_graph_scratch(g, name, S * m, err);
    if (P < 0)
        return err->status;
    int st = bloc_sm_forward(g, list, s, y, -1, mode, wsrc, (flags & ~BLOC_SM_OUT_P) | BLOC_SM_OUT_R, R, ce, gx,
                             gx, err);
    if (st)
        return st;
    if ((st = sm_backward_node(g, list, s, 1, 1, R, -1, 0, P, err)))
        return st;
    return sm_grad_reduce(g, list, P, S, m, 1, (int[2]){y, y}, mu, (int[2]){gy, gy}, err);
}

int bloc_sm_grad(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int y, int mode, int wsrc, int flags,
                 int ce, int gx, double mu, int gy, bloc_error_t *err)
{
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    if (shape == BLOC_SHAPE_GPU)
        return sm_grad_rows(g, list, s, y, mode, wsrc, flags, ce, gx, mu, gy, err);
    /* partials: one scratch vector per size, shared by every call */
    size_t m = (size_t)K * s->d + K, G = BLOC_SM_GROUPS;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "sm_partials_%zu", m);
    int P = bloc_graph_scratch(g, name, G * m, err);
    if (P < 0)
        return err->status;
    size_t global[2] = {G, 1}, local[2] = {1, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, list, "hc_grad", global, local, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->A); bloc_arg_int(nd, s->n); bloc_arg_int(nd, s->d); bloc_arg_vec(nd, y);
    bloc_arg_int(nd, mode); bloc_arg_vec(nd, wsrc); bloc_arg_vec(nd, s->labels); bloc_arg_real(nd, 1.0 / s->n);
    bloc_arg_int(nd, flags & ~(BLOC_SM_OUT_R | BLOC_SM_OUT_P)); bloc_arg_vec(nd, ce); bloc_arg_vec(nd, gx);
    bloc_arg_vec(nd, P);
    /* forward and backward products 2 n d K each (+ about 40 per logit for
     * the head); A read once, y, labels and weights, one output per sample,
     * the partials written */
    double n = s->n, d = s->d, rs = (double)g->rt->real_size, md = (double)m;
    bloc_node_cost(nd, 4.0 * n * d * K + 40.0 * n * K, rs * (n * d + md + 3.0 * n + (double)G * md));
    return sm_grad_reduce(g, list, P, G, m, 1, (int[2]){y, y}, mu, (int[2]){gy, gy}, err);
}

int bloc_sm_backward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int npts, int Pv, int mode,
                     int wsrc, const int y[2], double mu, const int gy[2], bloc_error_t *err)
{
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    size_t m = (size_t)K * s->d + K, G = shape == BLOC_SHAPE_GPU ? ROWS_CHUNKS : BLOC_SM_GROUPS;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "sm_partials_%d_%d", (int)m, (int)G * npts);
    int P = bloc_graph_scratch(g, name, G * (size_t)npts * m, err);
    if (P < 0)
        return err->status;
    int st;
    if (shape == BLOC_SHAPE_GPU) {
        /* R = (w_i / n) P (hc_weigh), then hc_backward_rows */
        snprintf(name, sizeof name, "sm_Rw_%d_%d", s->n, npts);
        int R = bloc_graph_scratch(g, name, (size_t)s->n * K * (size_t)npts, err);
        if (R < 0 || (st = bloc_sm_weigh(g, list, s, npts, Pv, mode, wsrc, R, err)))
            return err->status;
        st = sm_backward_node(g, list, s, 1, npts, R, -1, 0, P, err);
    } else {
        st = sm_backward_node(g, list, s, 0, npts, Pv, mode, wsrc, P, err);
    }
    return st ? st : sm_grad_reduce(g, list, P, G, m, npts, y, mu, gy, err);
}

int bloc_sm_weigh(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, int npts, int P, int mode, int wsrc,
                  int R, bloc_error_t *err)
{
    size_t nk = (size_t)s->n * K * (size_t)npts;
    bloc_node_t *nd = bloc_graph_add(g, list, "hc_weigh", nk, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, P); bloc_arg_int(nd, s->n); bloc_arg_int(nd, npts); bloc_arg_int(nd, mode);
    bloc_arg_vec(nd, wsrc); bloc_arg_real(nd, 1.0 / s->n); bloc_arg_vec(nd, R);
    bloc_node_cost(nd, 2.0 * (double)nk + 4.0 * npts * s->n, (double)g->rt->real_size * (2.0 * (double)nk + s->n));
    return BLOC_OK;
}

int bloc_sm_fill(bloc_graph_t *g, bloc_list_t list, int v, size_t n, double value, bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, list, "hc_fill", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, v); bloc_arg_int(nd, (int)n); bloc_arg_real(nd, value);
    bloc_node_cost(nd, 0, (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_sm_nag_step(bloc_graph_t *g, bloc_list_t list, int y, int v, int gr, size_t n, double s, double m,
                     bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, list, "hc_nag_step", n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, y); bloc_arg_vec(nd, v); bloc_arg_vec(nd, gr); bloc_arg_int(nd, (int)n);
    bloc_arg_real(nd, s); bloc_arg_real(nd, m);
    bloc_node_cost(nd, 5.0 * (double)n, 5.0 * (double)n * g->rt->real_size);
    return BLOC_OK;
}

int bloc_sm_split_make(bloc_graph_t *g, const char *prefix, const char *name, const double *A,
                       const double *labels, int n, int d, bloc_sm_split_t *s, bloc_error_t *err)
{
    char nm[BLOC_NAME_LEN];
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    s->n = n;
    s->d = d;
    s->AT = -1;
    snprintf(nm, sizeof nm, "%s_A_%s", prefix, name);
    if ((s->A = bloc_graph_vec(g, nm, (size_t)n * d, A, err)) < 0)
        return err->status;
    snprintf(nm, sizeof nm, "%s_labels_%s", prefix, name);
    if ((s->labels = bloc_graph_vec(g, nm, (size_t)n, labels, err)) < 0)
        return err->status;
    if (shape == BLOC_SHAPE_GPU)
        return BLOC_OK;
    /* sample b bw + r, feature j at ((b d + j) bw + r); zeros past n */
    size_t bw = BLOC_SM_BLOCK(g->rt->real_size), len = ((size_t)n + bw - 1) / bw * bw * (size_t)d;
    double *at = calloc(len ? len : 1, sizeof *at);
    if (!at)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory for the transposed blocks of '%s'", name);
    for (size_t i = 0; i < (size_t)n; i++)
        for (size_t j = 0; j < (size_t)d; j++)
            at[((i / bw) * (size_t)d + j) * bw + i % bw] = A[i * (size_t)d + j];
    snprintf(nm, sizeof nm, "%s_AT_%s", prefix, name);
    s->AT = bloc_graph_vec(g, nm, len, at, err);
    free(at);
    return s->AT < 0 ? err->status : BLOC_OK;
}

int bloc_sm_splits(bloc_graph_t *g, const char *prefix, bloc_fmnist_t *data, const size_t n[BLOC_FMNIST_SPLITS],
                   int train_points, bloc_sm_split_t split[BLOC_FMNIST_SPLITS], int vterms[BLOC_FMNIST_SPLITS],
                   int vR[BLOC_FMNIST_SPLITS], bloc_error_t *err)
{
    static const char *const names[BLOC_FMNIST_SPLITS] = {"train", "val", "test"};
    char nm[BLOC_NAME_LEN];
    size_t d = data->d;
    for (int s = 0; s < BLOC_FMNIST_SPLITS; s++) {
        size_t pts = s == BLOC_FMNIST_TRAIN ? (size_t)train_points : 1;
        int st = bloc_sm_split_make(g, prefix, names[s], data->A[s], data->t[s], (int)n[s], (int)d, &split[s], err);
        if (st)
            return st;
        struct { int *id; const char *what; size_t len; } v[] = {
            {&vterms[s], "terms", 2 * n[s]}, {&vR[s], "R", pts * n[s] * K}};
        for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
            snprintf(nm, sizeof nm, "%s_%s_%s", prefix, v[k].what, names[s]);
            if ((*v[k].id = bloc_graph_vec(g, nm, v[k].len, NULL, err)) < 0)
                return err->status;
        }
        free(data->A[s]);
        data->A[s] = NULL;
    }
    return BLOC_OK;
}
