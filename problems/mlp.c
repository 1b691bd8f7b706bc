#include "mlp.h"

#include <math.h>
#include <stdio.h>

#include "kernel_shape.h"
#include "rng.h"

#define K BLOC_SM_CLASSES
#define ROWS 4       /* samples per work item of mlp_layer1 and mlp_head (MLP_ROWS) */
#define COLS 5       /* hidden units per work item of mlp_layer1 (MLP_COLS) */
#define BW 10        /* hidden units per work item of mlp_back_w1 (MLP_BW) */
#define L1_LOCAL 4   /* work-group sizes: a small fixed set (PoCL compiles one function per size) */
#define HEAD_LOCAL 16
#define W1_LOCAL 5
#define TILE 16       /* GPU shape: work-groups of TILE x TILE, 4 x 4 outputs each (MLP_T) */
#define TN_SPLITS 8   /* GPU shape: row chunks of the weight gradients (mlp_tn_partial) */
#define ROWS_GROUP 4  /* GPU shape: samples per work-group of mlp_head_rows (HC_RG) */
#define ROWS_LANES 32 /* and lanes per sample (HC_RL) */

size_t bloc_mlp_ny(size_t d, size_t H)
{
    return H * d + K * H + H + K;
}

size_t bloc_mlp_nweights(size_t d, size_t H)
{
    return H * d + K * H;
}

void bloc_mlp_init_y(double *y, size_t d, size_t H, unsigned long seed)
{
    bloc_rng_t r = bloc_rng_stream(seed, 3);
    double b1 = 1 / sqrt((double)d), b2 = 1 / sqrt((double)H);
    size_t w1 = H * d, w2 = w1 + K * H, bias1 = w2 + H, end = bias1 + K;
    for (size_t i = 0; i < end; i++) {
        double bound = i < w1 || (i >= w2 && i < bias1) ? b1 : b2;
        y[i] = bound * (2 * bloc_rng_uniform(&r) - 1);
    }
}

static size_t round_up(size_t n, size_t m)
{
    return (n + m - 1) / m * m;
}

/* HC_VW of the program: reals per vector (16 in fp32, 8 in fp64) */
static size_t vec_width(const bloc_graph_t *g)
{
    return g->rt->precision == BLOC_FP64 ? 8 : 16;
}

int bloc_mlp_forward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m, int y,
                     int hid, int hoff, int mode, int wsrc, int flags, int R, int roff, int ce, int ceoff, int gx,
                     bloc_error_t *err)
{
    double n = s->n, d = s->d, H = m->H, rs = (double)g->rt->real_size;
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    int gpu = shape == BLOC_SHAPE_GPU;
    size_t rows = ((size_t)s->n + ROWS - 1) / ROWS;
    size_t g1[2] = {round_up(((size_t)m->H + COLS - 1) / COLS, L1_LOCAL), rows}, l1[2] = {L1_LOCAL, 1};
    if (gpu) {
        /* output tiles of 64 x 64 per 16 x 16 work items (MLP_RT) */
        g1[0] = round_up((size_t)m->H, 4 * TILE) / 4, g1[1] = round_up((size_t)s->n, 4 * TILE) / 4;
        l1[0] = l1[1] = TILE;
    }
    bloc_node_t *nd = bloc_graph_add2d(g, list, gpu ? "mlp_layer1_tiled" : "mlp_layer1", g1, l1, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->A); bloc_arg_int(nd, s->n); bloc_arg_int(nd, s->d); bloc_arg_vec(nd, y);
    bloc_arg_int(nd, m->H); bloc_arg_int(nd, m->act); bloc_arg_vec(nd, hid); bloc_arg_int(nd, hoff);
    bloc_node_cost(nd, 2.0 * n * d * H + 2.0 * n * H, rs * (n * d + H * (d + 1) + n * H));
    size_t g2[2] = {round_up(rows, HEAD_LOCAL), 1}, l2[2] = {HEAD_LOCAL, 1};
    if (gpu) {
        g2[0] = round_up((size_t)s->n, ROWS_GROUP) * ROWS_LANES;
        l2[0] = ROWS_GROUP * ROWS_LANES;
    }
    if (!(nd = bloc_graph_add2d(g, list, gpu ? "mlp_head_rows" : "mlp_head", g2, l2, err)))
        return err->status;
    bloc_arg_vec(nd, hid); bloc_arg_int(nd, hoff); bloc_arg_int(nd, s->n); bloc_arg_int(nd, m->H);
    bloc_arg_vec(nd, y); bloc_arg_int(nd, s->d); bloc_arg_int(nd, mode); bloc_arg_vec(nd, wsrc);
    bloc_arg_vec(nd, s->labels); bloc_arg_real(nd, 1.0 / s->n); bloc_arg_int(nd, flags); bloc_arg_vec(nd, R);
    bloc_arg_int(nd, roff); bloc_arg_vec(nd, ce); bloc_arg_int(nd, ceoff); bloc_arg_vec(nd, gx);
    bloc_node_cost(nd, 2.0 * n * H * K + 40.0 * n * K, rs * (n * H + (H + 1) * K + n * (K + 3)));
    return BLOC_OK;
}

/* out[ooff + j] = sum_i X[xoff + i m + j], j < m (mlp_colsum; CPU shape mlp_colsum_vec) */
static int colsum(bloc_graph_t *g, bloc_list_t list, int X, int xoff, int n, int m, int out, int ooff,
                  bloc_error_t *err)
{
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    /* CPU shape: HC_VW columns per work item */
    size_t vw = vec_width(g), chunks = ((size_t)m + vw - 1) / vw;
    bloc_node_t *nd = shape == BLOC_SHAPE_GPU ? bloc_graph_add(g, list, "mlp_colsum", (size_t)m, err)
                                              : bloc_graph_add(g, list, "mlp_colsum_vec", chunks, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, X); bloc_arg_int(nd, xoff); bloc_arg_int(nd, n); bloc_arg_int(nd, m); bloc_arg_vec(nd, out);
    bloc_arg_int(nd, ooff);
    bloc_node_cost(nd, (double)n * m, (double)g->rt->real_size * ((double)n * m + m));
    return BLOC_OK;
}

/* (M4) D, then grad_b1 of (M5); each shape its kernels (one entry or one row of D per work item) */
static int back_hidden_and_b1(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m,
                              int R, int roff, int hid, int hoff, int D, int y, int gy, bloc_error_t *err)
{
    double n = s->n, H = m->H, rs = (double)g->rt->real_size;
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    /* GPU shape: one entry per work item, h along dimension 0 (coalesced);
     * CPU shape: one row of D per work item, in vectors */
    size_t ls = g->local_size, gl[2] = {round_up((size_t)m->H, ls), (size_t)s->n}, lo[2] = {ls, 1};
    bloc_node_t *nd = shape == BLOC_SHAPE_GPU ? bloc_graph_add2d(g, list, "mlp_back_hidden", gl, lo, err)
                                              : bloc_graph_add(g, list, "mlp_back_hidden_rows", (size_t)s->n, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, R); bloc_arg_int(nd, roff); bloc_arg_vec(nd, y); bloc_arg_int(nd, s->d);
    bloc_arg_int(nd, m->H); bloc_arg_vec(nd, hid); bloc_arg_int(nd, hoff); bloc_arg_int(nd, m->act);
    bloc_arg_int(nd, s->n); bloc_arg_vec(nd, D);
    bloc_node_cost(nd, 2.0 * n * H * K, rs * (2.0 * n * H + n * K + K * H));
    return colsum(g, list, D, 0, s->n, m->H, gy, (int)bloc_mlp_nweights((size_t)s->d, (size_t)m->H), err);
}

/* out = X' Y + mu reg at offset ooff of gy and y: partials over up to
 * TN_SPLITS row chunks of at least TILE rows (mlp_tn_partial, scratch
 * shared by every node of the same size), added in order (mlp_tn_reduce) */
static int tn_tiled(bloc_graph_t *g, bloc_list_t list, int X, int xoff, int p, int Y, int yoff, int q, int n, int y,
                    double mu, int gy, int ooff, bloc_error_t *err)
{
    size_t S = ((size_t)n + TILE - 1) / TILE, m = (size_t)p * (size_t)q;
    if (S > TN_SPLITS)
        S = TN_SPLITS;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "mlp_tn_partials_%zu_%zu", m, S);
    int P = bloc_graph_scratch(g, name, S * m, err);
    if (P < 0)
        return err->status;
    size_t gl[2] = {round_up((size_t)q, 4 * TILE) / 4, round_up((size_t)p, 4 * TILE) / 4 * S}, lo[2] = {TILE, TILE};
    bloc_node_t *nd = bloc_graph_add2d(g, list, "mlp_tn_partial", gl, lo, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, X); bloc_arg_int(nd, xoff); bloc_arg_int(nd, p); bloc_arg_vec(nd, Y); bloc_arg_int(nd, yoff);
    bloc_arg_int(nd, q); bloc_arg_int(nd, n); bloc_arg_int(nd, (int)S); bloc_arg_vec(nd, P);
    double dn = n, dm = (double)m, rs = (double)g->rt->real_size;
    bloc_node_cost(nd, 2.0 * dn * dm, rs * (dn * (p + q) + (double)S * dm));
    if (!(nd = bloc_graph_add(g, list, "mlp_tn_reduce", m, err)))
        return err->status;
    bloc_arg_vec(nd, P); bloc_arg_int(nd, (int)S); bloc_arg_int(nd, (int)m); bloc_arg_vec(nd, y); bloc_arg_real(nd, mu);
    bloc_arg_vec(nd, gy); bloc_arg_int(nd, ooff);
    bloc_node_cost(nd, (double)S * dm + 2.0 * dm, rs * ((double)S * dm + 2.0 * dm));
    return BLOC_OK;
}

/* The backward pass in the GPU shape: grad_W2 = R' h + mu W2 and grad_b2
 * (M3), D and grad_b1, grad_W1 = D' A + mu W1 (M5). */
static int mlp_backward_tiled(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m,
                              int R, int roff, int hid, int hoff, int D, int y, double mu, int gy, bloc_error_t *err)
{
    int H = m->H, w2 = H * s->d;
    int st = tn_tiled(g, list, R, roff, K, hid, hoff, H, s->n, y, mu, gy, w2, err);
    if (!st)
        st = colsum(g, list, R, roff, s->n, K, gy, w2 + K * H + H, err);
    if (!st)
        st = back_hidden_and_b1(g, list, s, m, R, roff, hid, hoff, D, y, gy, err);
    if (!st)
        st = tn_tiled(g, list, D, 0, H, s->A, 0, s->d, s->n, y, mu, gy, 0, err);
    return st;
}

int bloc_mlp_backward(bloc_graph_t *g, bloc_list_t list, const bloc_sm_split_t *s, const bloc_mlp_t *m, int R,
                      int roff, int hid, int hoff, int D, int y, double mu, int gy, bloc_error_t *err)
{
    double n = s->n, d = s->d, H = m->H, rs = (double)g->rt->real_size;
    bloc_shape_t shape;
    if (bloc_kernel_shape(&g->rt->dev, &shape, err))
        return err->status;
    if (shape == BLOC_SHAPE_GPU)
        return mlp_backward_tiled(g, list, s, m, R, roff, hid, hoff, D, y, mu, gy, err);
    size_t vw = vec_width(g), one[2] = {1, 1};
    /* (M3) */
    size_t gw2[2] = {((size_t)m->H + vw - 1) / vw + 1, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, list, "mlp_back_w2", gw2, one, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, R); bloc_arg_int(nd, roff); bloc_arg_vec(nd, hid); bloc_arg_int(nd, hoff);
    bloc_arg_int(nd, s->n); bloc_arg_int(nd, m->H); bloc_arg_vec(nd, y); bloc_arg_int(nd, s->d);
    bloc_arg_real(nd, mu); bloc_arg_vec(nd, gy);
    bloc_node_cost(nd, 2.0 * n * H * K + n * K, rs * (n * H + n * K + 2.0 * (H + 1) * K));
    int st = back_hidden_and_b1(g, list, s, m, R, roff, hid, hoff, D, y, gy, err);
    if (st)
        return st;
    /* 5 hidden blocks per group share the A columns they read (49 ms
     * against 79 ms for groups of 1 at n = 5000, H = 300: bench/mlp_gemm.c) */
    size_t gw1[2] = {round_up(((size_t)m->H + BW - 1) / BW, W1_LOCAL), ((size_t)s->d / vw + 1) / 2};
    size_t lw1[2] = {W1_LOCAL, 1};
    if (!(nd = bloc_graph_add2d(g, list, "mlp_back_w1", gw1, lw1, err)))
        return err->status;
    bloc_arg_vec(nd, s->A); bloc_arg_int(nd, s->n); bloc_arg_int(nd, s->d); bloc_arg_vec(nd, D);
    bloc_arg_int(nd, m->H); bloc_arg_vec(nd, y); bloc_arg_real(nd, mu); bloc_arg_vec(nd, gy);
    bloc_node_cost(nd, 2.0 * n * d * H + 2.0 * H * d, rs * (n * d + n * H + 2.0 * H * d));
    return BLOC_OK;
}
