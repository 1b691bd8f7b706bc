/* rnn_unbounded: definitions in rnn_unbounded.h, kernels in
 * rnn_unbounded.cl. Every oracle appends: a forward pass over the
 * level's samples (all, or the minibatch in pb->sample[level]), the head's
 * residuals, and for x-derivatives the feature adjoint, the backward pass
 * through time and the weight gradient. */
#include "rnn_unbounded.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "rng.h"

#define NTRAIN_IMAGES 60000
#define DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

enum { P_HIDDEN, P_NTRAIN, P_NVAL, P_MU, P_BATCH, P_SCALE_IN, P_SCALE_REC, P_DATA_SEED, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_HIDDEN] = {"hidden", BLOC_PARAM_INT, 32, 4, 128, 0, "hidden units H (a multiple of 4)"},
    [P_NTRAIN] = {"n_train", BLOC_PARAM_INT, 500, 1, 30000, 0, "training images (LL samples)"},
    [P_NVAL] = {"n_val", BLOC_PARAM_INT, 500, 1, 30000, 0, "validation images (UL samples)"},
    [P_MU] = {"mu", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "ridge weight (LL strong convexity)"},
    [P_BATCH] = {"batch", BLOC_PARAM_INT, 0, 0, 30000, 0, "minibatch size of stochastic oracles (0: full batch)"},
    [P_SCALE_IN] = {"scale_in", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, 0, "initial W_in: normals times scale_in / sqrt(28)"},
    [P_SCALE_REC] = {"scale_rec", BLOC_PARAM_REAL, 1, 0, HUGE_VAL, 0, "initial W_h: normals times scale_rec / sqrt(H)"},
    [P_DATA_SEED] = {"data_seed", BLOC_PARAM_INT, -1, -1, 2147483647, 0,
                     "seed of the subset and the start (-1: the config seed)"},
};

static const char *const metrics[] = {"hypergrad_sq", "ll_dist_sq", "h", "val_acc", "x_norm"};

typedef struct {
    bloc_rnn_data_t d;
    int img[2], lab[2], hs[2];      /* device data and hidden states per level */
    int resid, proj, dphi, deltas;  /* oracle scratch (sized for the larger set) */
    int S, B, ystar, gF, vstar, gh, hxe, chol, terms; /* evaluation */
    size_t len;                     /* row length of terms */
} priv_t;

const bloc_rnn_data_t *bloc_rnn_data(const bloc_problem_t *pb)
{
    return pb->data ? &((const priv_t *)pb->data)->d : NULL;
}

static int check_params(const double *p, bloc_error_t *err)
{
    char range[128];
    for (int i = 0; i < NPARAMS; i++) {
        if (!bloc_param_in_range(&params[i], p[i], range, sizeof range))
            return bloc_error_set(err, BLOC_ERR_PARAM, "rnn_unbounded: %s = %g %s", params[i].name, p[i], range);
        if (params[i].type == BLOC_PARAM_INT && p[i] != floor(p[i]))
            return bloc_error_set(err, BLOC_ERR_PARAM, "rnn_unbounded: %s = %g must be an integer", params[i].name,
                                  p[i]);
    }
    if ((int)p[P_HIDDEN] % 4)
        return bloc_error_set(err, BLOC_ERR_PARAM, "rnn_unbounded: hidden = %g must be a multiple of 4",
                              p[P_HIDDEN]);
    if (p[P_NTRAIN] + p[P_NVAL] > NTRAIN_IMAGES)
        return bloc_error_set(err, BLOC_ERR_PARAM, "rnn_unbounded: n_train + n_val = %g exceeds the %d images",
                              p[P_NTRAIN] + p[P_NVAL], NTRAIN_IMAGES);
    return BLOC_OK;
}

/* The seeded disjoint subsets: the first n_train + n_val entries of a
 * partial Fisher-Yates shuffle of 0 .. count-1. */
static int load(bloc_rnn_data_t *d, size_t ntrain, size_t nval, unsigned long seed, bloc_error_t *err)
{
    const char *dir = getenv("BLOC_FASHION_MNIST_DIR");
    char ipath[4096], lpath[4096];
    snprintf(ipath, sizeof ipath, "%s/train-images-idx3-ubyte.gz", dir && *dir ? dir : DEFAULT_DIR);
    snprintf(lpath, sizeof lpath, "%s/train-labels-idx1-ubyte.gz", dir && *dir ? dir : DEFAULT_DIR);
    bloc_idx_t im = {0}, lb = {0};
    int st = bloc_idx_read_images(ipath, &im, err);
    if (!st)
        st = bloc_idx_read_labels(lpath, BLOC_RNN_CLASSES, &lb, err);
    if (!st && (im.rows != 28 || im.cols != 28 || lb.count != im.count || im.count < ntrain + nval))
        st = bloc_error_set(err, BLOC_ERR_DATA,
                            "%s: expected at least %zu images of 28 x 28 with as many labels, found %zu of %zu x %zu "
                            "and %zu labels", ipath, ntrain + nval, im.count, im.rows, im.cols, lb.count);
    size_t *perm = st ? NULL : malloc(im.count * sizeof *perm);
    if (!st && !perm)
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "rnn_unbounded: out of memory");
    size_t n[2] = {nval, ntrain};
    for (int l = 0; l < 2 && !st; l++) {
        d->n[l] = n[l];
        d->img[l] = malloc(n[l] * BLOC_RNN_PIX * sizeof(double));
        d->label[l] = malloc(n[l] * sizeof(double));
        if (!d->img[l] || !d->label[l])
            st = bloc_error_set(err, BLOC_ERR_NOMEM, "rnn_unbounded: out of memory");
    }
    if (!st) {
        for (size_t i = 0; i < im.count; i++)
            perm[i] = i;
        bloc_rng_t r = bloc_rng_stream(seed, 0);
        for (size_t i = 0; i < ntrain + nval; i++) {
            size_t j = i + (size_t)bloc_rng_below(&r, im.count - i), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (size_t i = 0; i < ntrain + nval; i++) { /* training first, then validation */
            int l = i < ntrain ? BLOC_LL : BLOC_UL;
            size_t row = i < ntrain ? i : i - ntrain, src = perm[i];
            for (size_t p = 0; p < BLOC_RNN_PIX; p++)
                d->img[l][row * BLOC_RNN_PIX + p] = im.data[src * BLOC_RNN_PIX + p] / 255.0;
            d->label[l][row] = lb.data[src];
        }
    }
    free(perm);
    bloc_idx_free(&im);
    bloc_idx_free(&lb);
    return st;
}

static void destroy(bloc_problem_t *pb)
{
    priv_t *pv = pb->data;
    if (pv) {
        for (int l = 0; l < 2; l++) {
            free(pv->d.img[l]);
            free(pv->d.label[l]);
        }
        free(pv);
    }
    pb->data = NULL;
}

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    const double *p = pb->params;
    int st = check_params(p, err);
    if (st)
        return st;
    priv_t *pv = calloc(1, sizeof *pv);
    if (!pv)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "rnn_unbounded: out of memory");
    pb->data = pv;
    int H = (int)p[P_HIDDEN];
    unsigned long seed = p[P_DATA_SEED] >= 0 ? (unsigned long)p[P_DATA_SEED] : pb->seed;
    pv->d.H = H;
    pv->d.mu = p[P_MU];
    if ((st = load(&pv->d, (size_t)p[P_NTRAIN], (size_t)p[P_NVAL], seed, err)))
        return st;
    pb->nx = (size_t)(BLOC_RNN_T * H + H * H + H);
    pb->ny = (size_t)(BLOC_RNN_CLASSES * H);
    pb->x0 = calloc(pb->nx, sizeof *pb->x0);
    pb->y0 = calloc(pb->ny, sizeof *pb->y0);
    if (!pb->x0 || !pb->y0)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "rnn_unbounded: out of memory");
    bloc_rng_t r = bloc_rng_stream(seed, 1);
    bloc_rng_fill_normal(&r, pb->x0, (size_t)(BLOC_RNN_T * H), p[P_SCALE_IN] / sqrt((double)BLOC_RNN_T));
    bloc_rng_fill_normal(&r, pb->x0 + BLOC_RNN_T * H, (size_t)(H * H), p[P_SCALE_REC] / sqrt((double)H));
    pb->batch = (size_t)p[P_BATCH];
    pb->nsamples[BLOC_UL] = pv->d.n[BLOC_UL];
    pb->nsamples[BLOC_LL] = pv->d.n[BLOC_LL];
    return BLOC_OK;
}

static int vec(bloc_graph_t *g, int *id, const char *name, size_t n, const double *init_values, bloc_error_t *err)
{
    *id = bloc_graph_vec(g, name, n, init_values, err);
    return *id < 0 ? err->status : BLOC_OK;
}

static int setup(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    priv_t *pv = pb->data;
    const bloc_rnn_data_t *d = &pv->d;
    size_t H = (size_t)d->H, nmax = d->n[0] > d->n[1] ? d->n[0] : d->n[1], T = BLOC_RNN_T;
    size_t len = nmax > pb->nx ? nmax : pb->nx;
    pv->len = len > pb->ny ? len : pb->ny;
    int st;
    if ((st = vec(g, &pv->img[BLOC_UL], "rnn_img_val", d->n[BLOC_UL] * BLOC_RNN_PIX, d->img[BLOC_UL], err)) ||
        (st = vec(g, &pv->lab[BLOC_UL], "rnn_label_val", d->n[BLOC_UL], d->label[BLOC_UL], err)) ||
        (st = vec(g, &pv->img[BLOC_LL], "rnn_img_train", d->n[BLOC_LL] * BLOC_RNN_PIX, d->img[BLOC_LL], err)) ||
        (st = vec(g, &pv->lab[BLOC_LL], "rnn_label_train", d->n[BLOC_LL], d->label[BLOC_LL], err)) ||
        (st = vec(g, &pv->hs[BLOC_UL], "rnn_hs_val", d->n[BLOC_UL] * T * H, NULL, err)) ||
        (st = vec(g, &pv->hs[BLOC_LL], "rnn_hs_train", d->n[BLOC_LL] * T * H, NULL, err)) ||
        (st = vec(g, &pv->resid, "rnn_resid", nmax * BLOC_RNN_CLASSES, NULL, err)) ||
        (st = vec(g, &pv->proj, "rnn_proj", nmax * BLOC_RNN_CLASSES, NULL, err)) ||
        (st = vec(g, &pv->dphi, "rnn_dphi", nmax * H, NULL, err)) ||
        (st = vec(g, &pv->deltas, "rnn_deltas", nmax * T * H, NULL, err)))
        return st;
    pv->S = pv->terms = -1; /* evaluation vectors: made by eval */
    return BLOC_OK;
}

/* ---- oracle pieces */

typedef struct {
    int level, use_idx, idx, nb;
} rows_t;

/* The rows an oracle of `level` averages over: the minibatch in force or the full set. */
static rows_t rows_of(const bloc_problem_t *pb, bloc_level_t level)
{
    const priv_t *pv = pb->data;
    rows_t r = {level, pb->sample[level] >= 0, pb->sample[level], 0};
    r.nb = r.use_idx ? (int)pb->batch : (int)pv->d.n[level];
    if (!r.use_idx)
        r.idx = pv->lab[level]; /* any vector: not read */
    return r;
}

/* Per-sample kernels run in work-groups of 1 (each item is a whole sequence). */
static bloc_node_t *per_sample(bloc_graph_t *g, bloc_list_t list, const char *kernel, size_t n, bloc_error_t *err)
{
    size_t gl[2] = {n, 1}, lo[2] = {1, 1};
    return bloc_graph_add2d(g, list, kernel, gl, lo, err);
}

static int forward(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, const rows_t *r, int x, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    double H = pv->d.H, nb = r->nb, rs = (double)g->rt->real_size;
    bloc_node_t *nd = bloc_graph_add(g, list, "rnn_input", (size_t)r->nb * BLOC_RNN_T * (size_t)pv->d.H / 4, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, pv->img[r->level]); bloc_arg_vec(nd, r->idx); bloc_arg_int(nd, r->use_idx);
    bloc_arg_int(nd, r->nb); bloc_arg_int(nd, pv->d.H); bloc_arg_vec(nd, pv->hs[r->level]);
    bloc_node_cost(nd, 2.0 * 28 * BLOC_RNN_T * H * nb, (nb * BLOC_RNN_PIX + BLOC_RNN_T * H * nb) * rs);
    if (!(nd = per_sample(g, list, "rnn_recur", (size_t)r->nb, err)))
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_int(nd, r->nb); bloc_arg_int(nd, pv->d.H); bloc_arg_vec(nd, pv->hs[r->level]);
    bloc_node_cost(nd, 2.0 * (BLOC_RNN_T - 1) * H * H * nb, 2.0 * BLOC_RNN_T * H * nb * rs);
    return BLOC_OK;
}

static int project(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, const rows_t *r, int w, int targets,
                   int out, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    bloc_node_t *nd = bloc_graph_add(g, list, "rnn_project", (size_t)r->nb * BLOC_RNN_CLASSES, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, pv->hs[r->level]); bloc_arg_vec(nd, pv->lab[r->level]); bloc_arg_vec(nd, r->idx);
    bloc_arg_int(nd, r->use_idx); bloc_arg_int(nd, r->nb); bloc_arg_int(nd, pv->d.H); bloc_arg_vec(nd, w);
    bloc_arg_int(nd, targets); bloc_arg_vec(nd, out);
    return BLOC_OK;
}

/* out <- (1/nb) sum phi R' + mu w: grad_y (R = residuals) or H_yy w (R = w'phi). */
static int head_grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, const rows_t *r, int R, int w,
                     int out, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    bloc_node_t *nd = bloc_graph_add(g, list, "rnn_head_grad", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, pv->hs[r->level]); bloc_arg_int(nd, r->nb); bloc_arg_int(nd, pv->d.H); bloc_arg_vec(nd, R);
    bloc_arg_vec(nd, w); bloc_arg_real(nd, r->level == BLOC_LL ? pv->d.mu : 0.0); bloc_arg_vec(nd, out);
    return BLOC_OK;
}

/* gx <- the x-derivative whose feature adjoint is (1/nb)(A R + [Y P]):
 * feature adjoint, backward through time, weight gradient. */
static int backprop(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, const rows_t *r, int x, int A, int R, int Y,
                    int P, int gx, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    size_t H = (size_t)pv->d.H;
    bloc_node_t *nd = bloc_graph_add(g, list, "rnn_feature_adjoint", (size_t)r->nb * H, err);
    if (!nd)
        return err->status;
    bloc_arg_int(nd, r->nb); bloc_arg_int(nd, (int)H); bloc_arg_vec(nd, A); bloc_arg_vec(nd, R);
    bloc_arg_vec(nd, Y >= 0 ? Y : A); bloc_arg_vec(nd, P >= 0 ? P : R); bloc_arg_int(nd, Y >= 0);
    bloc_arg_vec(nd, pv->dphi);
    if (!(nd = per_sample(g, list, "rnn_backward", (size_t)r->nb, err)))
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, pv->hs[r->level]); bloc_arg_vec(nd, pv->dphi); bloc_arg_int(nd, r->nb);
    bloc_arg_int(nd, (int)H); bloc_arg_vec(nd, pv->deltas);
    double nb = r->nb, rs = (double)g->rt->real_size;
    bloc_node_cost(nd, 2.0 * BLOC_RNN_T * H * ((double)H + 2) * nb, 3.0 * BLOC_RNN_T * H * nb * rs);
    size_t gl[2] = {H / 4 * 7, 1}, lo[2] = {4, 1};
    gl[0] = (gl[0] + 3) / 4 * 4;
    if (!(nd = bloc_graph_add2d(g, list, "rnn_grad_in", gl, lo, err)))
        return err->status;
    bloc_arg_vec(nd, pv->img[r->level]); bloc_arg_vec(nd, r->idx); bloc_arg_int(nd, r->use_idx);
    bloc_arg_int(nd, r->nb); bloc_arg_int(nd, (int)H); bloc_arg_vec(nd, pv->deltas); bloc_arg_vec(nd, gx);
    bloc_node_cost(nd, 2.0 * BLOC_RNN_T * 28 * H * nb, (BLOC_RNN_T * H * nb + (double)BLOC_RNN_PIX * nb) * rs);
    gl[0] = ((H / 4) * (H / 4) + 3) / 4 * 4;
    if (!(nd = bloc_graph_add2d(g, list, "rnn_grad_rec", gl, lo, err)))
        return err->status;
    bloc_arg_int(nd, r->nb); bloc_arg_int(nd, (int)H); bloc_arg_vec(nd, pv->hs[r->level]);
    bloc_arg_vec(nd, pv->deltas); bloc_arg_vec(nd, gx);
    bloc_node_cost(nd, 2.0 * (BLOC_RNN_T - 1) * (double)(H * H) * nb, 2.0 * BLOC_RNN_T * H * nb * rs);
    if (!(nd = bloc_graph_add(g, list, "rnn_grad_bias", H, err)))
        return err->status;
    bloc_arg_int(nd, r->nb); bloc_arg_int(nd, (int)H); bloc_arg_vec(nd, pv->deltas); bloc_arg_vec(nd, gx);
    return BLOC_OK;
}

/* (gx, gy) <- grad of F (UL, validation) or f (LL, training, with the ridge). */
static int grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gx,
                int gy, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    rows_t r = rows_of(pb, level);
    int st;
    if ((st = forward(pb, g, list, &r, x, err)) || (st = project(pb, g, list, &r, y, 1, pv->resid, err)) ||
        (st = head_grad(pb, g, list, &r, pv->resid, y, gy, err)))
        return st;
    return backprop(pb, g, list, &r, x, y, pv->resid, -1, -1, gx, err);
}

static int grad_y(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gy,
                  bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    rows_t r = rows_of(pb, level);
    int st;
    if ((st = forward(pb, g, list, &r, x, err)) || (st = project(pb, g, list, &r, y, 1, pv->resid, err)))
        return st;
    return head_grad(pb, g, list, &r, pv->resid, y, gy, err);
}

/* hy = H_yy v = (1/nb) sum phi (v'phi)' + mu v;
 * hx = H_xy v: feature adjoint (1/nb)(v r + y (v'phi)). */
static int hvp(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v,
               int hx, int hy, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    rows_t r = rows_of(pb, level);
    int st;
    if ((st = forward(pb, g, list, &r, x, err)) || (st = project(pb, g, list, &r, y, 1, pv->resid, err)) ||
        (st = project(pb, g, list, &r, v, 0, pv->proj, err)) ||
        (st = head_grad(pb, g, list, &r, pv->proj, v, hy, err)))
        return st;
    return backprop(pb, g, list, &r, x, v, pv->resid, y, pv->proj, hx, err);
}

static int hvp_yy(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v,
                  int hy, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    rows_t r = rows_of(pb, level);
    int st;
    if ((st = forward(pb, g, list, &r, x, err)) || (st = project(pb, g, list, &r, v, 0, pv->proj, err)))
        return st;
    return head_grad(pb, g, list, &r, pv->proj, v, hy, err);
}

/* ---- evaluation */

enum { ROW_F, ROW_F_LL, ROW_HG, ROW_DIST, ROW_H, ROW_ACC, ROW_XN, NROWS };

static bloc_node_t *node(bloc_graph_t *g, bloc_list_t list, const char *k, size_t n, bloc_error_t *err)
{
    return bloc_graph_add(g, list, k, n, err);
}

static int eval_vectors(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    priv_t *pv = pb->data;
    size_t H = (size_t)pv->d.H;
    if (pv->terms >= 0)
        return BLOC_OK;
    int st;
    if ((st = vec(g, &pv->S, "rnn_S", H * H, NULL, err)) || (st = vec(g, &pv->B, "rnn_B", pb->ny, NULL, err)) ||
        (st = vec(g, &pv->ystar, "rnn_ystar", pb->ny, NULL, err)) || (st = vec(g, &pv->gF, "rnn_gyF", pb->ny, NULL, err)) ||
        (st = vec(g, &pv->vstar, "rnn_vstar", pb->ny, NULL, err)) || (st = vec(g, &pv->gh, "rnn_hypergrad", pb->nx, NULL, err)) ||
        (st = vec(g, &pv->hxe, "rnn_hxy", pb->nx, NULL, err)) || (st = vec(g, &pv->chol, "rnn_chol", H * H, NULL, err)) ||
        (st = vec(g, &pv->terms, "rnn_terms", NROWS * pv->len, NULL, err)))
        return st;
    return BLOC_OK;
}

static int chol_solve(priv_t *pv, bloc_graph_t *g, bloc_list_t list, int rhs, int out, bloc_error_t *err)
{
    size_t one[2] = {1, 1};
    bloc_node_t *nd = bloc_graph_add2d(g, list, "rnn_chol_solve", one, one, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, pv->S); bloc_arg_vec(nd, rhs); bloc_arg_vec(nd, out); bloc_arg_int(nd, pv->d.H);
    bloc_arg_vec(nd, pv->chol);
    return BLOC_OK;
}

static int sq_rows(priv_t *pv, bloc_graph_t *g, bloc_list_t list, int R, int nb, double scale, int row,
                   bloc_error_t *err)
{
    bloc_node_t *nd = node(g, list, "rnn_sq_rows", pv->len, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, R); bloc_arg_int(nd, nb); bloc_arg_real(nd, scale); bloc_arg_vec(nd, pv->terms);
    bloc_arg_int(nd, row); bloc_arg_int(nd, (int)pv->len);
    return BLOC_OK;
}

static int diff_sq(priv_t *pv, bloc_graph_t *g, bloc_list_t list, int a, int b, size_t n, int row, bloc_error_t *err)
{
    bloc_node_t *nd = node(g, list, "rnn_diff_sq", pv->len, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, a); bloc_arg_vec(nd, b); bloc_arg_int(nd, (int)n); bloc_arg_vec(nd, pv->terms);
    bloc_arg_int(nd, row); bloc_arg_int(nd, (int)pv->len);
    return BLOC_OK;
}

/* raw rows: F(x, y), f(x, y), ||grad h(x)||^2, ||y - y*||^2, h(x) = F(x, y*),
 * correct validation predictions of y, ||x||^2 (the weights' size: how far
 * a method has pushed the recurrence). */
static int eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars, bloc_error_t *err)
{
    priv_t *pv = pb->data;
    const bloc_rnn_data_t *d = &pv->d;
    int st = eval_vectors(pb, g, err);
    if (st)
        return st;
    rows_t tr = rows_of(pb, BLOC_LL), va = rows_of(pb, BLOC_UL);
    tr.use_idx = va.use_idx = 0; /* the full sets */
    tr.nb = (int)d->n[BLOC_LL];
    va.nb = (int)d->n[BLOC_UL];
    tr.idx = pv->lab[BLOC_LL];
    va.idx = pv->lab[BLOC_UL];
    int H = d->H, nt = tr.nb, nv = va.nb;
    /* y* = S^-1 B on the training features */
    if ((st = forward(pb, g, list, &tr, x, err)))
        return st;
    bloc_node_t *nd = node(g, list, "rnn_gram", (size_t)(H * H) + pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, pv->hs[BLOC_LL]); bloc_arg_vec(nd, pv->lab[BLOC_LL]); bloc_arg_int(nd, nt); bloc_arg_int(nd, H);
    bloc_arg_real(nd, d->mu); bloc_arg_vec(nd, pv->S); bloc_arg_vec(nd, pv->B);
    if ((st = chol_solve(pv, g, list, pv->B, pv->ystar, err)))
        return st;
    /* f(x, y): training residuals of y, ridge */
    if ((st = project(pb, g, list, &tr, y, 1, pv->resid, err)) ||
        (st = sq_rows(pv, g, list, pv->resid, nt, 0.5 / nt, ROW_F_LL, err)))
        return st;
    if (!(nd = node(g, list, "rnn_sq_add", pb->ny, err)))
        return err->status;
    bloc_arg_vec(nd, y); bloc_arg_int(nd, (int)pb->ny); bloc_arg_real(nd, 0.5 * d->mu); bloc_arg_vec(nd, pv->terms);
    bloc_arg_int(nd, ROW_F_LL); bloc_arg_int(nd, (int)pv->len);
    /* validation: F(x, y), accuracy of y, then at y*: h, grad_y F, grad_x F */
    if ((st = forward(pb, g, list, &va, x, err)) || (st = project(pb, g, list, &va, y, 1, pv->resid, err)) ||
        (st = sq_rows(pv, g, list, pv->resid, nv, 0.5 / nv, ROW_F, err)) ||
        (st = project(pb, g, list, &va, y, 0, pv->proj, err)))
        return st;
    if (!(nd = node(g, list, "rnn_correct", pv->len, err)))
        return err->status;
    bloc_arg_vec(nd, pv->proj); bloc_arg_vec(nd, pv->lab[BLOC_UL]); bloc_arg_int(nd, nv); bloc_arg_vec(nd, pv->terms);
    bloc_arg_int(nd, ROW_ACC); bloc_arg_int(nd, (int)pv->len);
    if ((st = project(pb, g, list, &va, pv->ystar, 1, pv->resid, err)) ||
        (st = sq_rows(pv, g, list, pv->resid, nv, 0.5 / nv, ROW_H, err)) ||
        (st = head_grad(pb, g, list, &va, pv->resid, pv->ystar, pv->gF, err)) ||
        (st = chol_solve(pv, g, list, pv->gF, pv->vstar, err)) ||
        (st = backprop(pb, g, list, &va, x, pv->ystar, pv->resid, -1, -1, pv->gh, err)))
        return st;
    /* H_xy f(x, y*) v* on the training set (its hidden states are still those of x) */
    if ((st = project(pb, g, list, &tr, pv->ystar, 1, pv->resid, err)) ||
        (st = project(pb, g, list, &tr, pv->vstar, 0, pv->proj, err)) ||
        (st = backprop(pb, g, list, &tr, x, pv->vstar, pv->resid, pv->ystar, pv->proj, pv->hxe, err)))
        return st;
    if (!(nd = node(g, list, "rnn_sub", pb->nx, err)))
        return err->status;
    bloc_arg_vec(nd, pv->gh); bloc_arg_vec(nd, pv->hxe); bloc_arg_vec(nd, pv->gh); bloc_arg_int(nd, (int)pb->nx);
    if (!(nd = node(g, list, "rnn_sq_vec", pv->len, err)))
        return err->status;
    bloc_arg_vec(nd, pv->gh); bloc_arg_int(nd, (int)pb->nx); bloc_arg_vec(nd, pv->terms); bloc_arg_int(nd, ROW_HG);
    bloc_arg_int(nd, (int)pv->len);
    if ((st = diff_sq(pv, g, list, y, pv->ystar, pb->ny, ROW_DIST, err)))
        return st;
    if (!(nd = node(g, list, "rnn_sq_vec", pv->len, err)))
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_int(nd, (int)pb->nx); bloc_arg_vec(nd, pv->terms); bloc_arg_int(nd, ROW_XN);
    bloc_arg_int(nd, (int)pv->len);
    return bloc_graph_reduce_rows(g, list, pv->terms, NROWS, pv->len, scalars, 0, err);
}

static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    const priv_t *pv = pb->data;
    out[BLOC_SLOT_F] = raw[ROW_F];
    out[BLOC_SLOT_LL] = raw[ROW_F_LL];
    out[BLOC_SLOT_METRIC0] = raw[ROW_HG];
    out[BLOC_SLOT_METRIC0 + 1] = raw[ROW_DIST];
    out[BLOC_SLOT_METRIC0 + 2] = raw[ROW_H];
    out[BLOC_SLOT_METRIC0 + 3] = raw[ROW_ACC] / (double)pv->d.n[BLOC_UL];
    out[BLOC_SLOT_METRIC0 + 4] = sqrt(raw[ROW_XN]);
}

const bloc_problem_desc_t bloc_problem_rnn_unbounded = {
    .name = "rnn_unbounded",
    .summary = "tanh RNN over Fashion-MNIST rows (x) with a ridge head (y); exact y*(x) and hypergradient",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/rnn_unbounded.cl",
    .metric_names = metrics,
    .nmetrics = 5,
    .nraw = NROWS,
    .init = init,
    .setup = setup,
    .grad = grad,
    .grad_y = grad_y,
    .hvp = hvp,
    .hvp_yy = hvp_yy,
    .eval = eval,
    .finish = finish,
    .destroy = destroy,
};
