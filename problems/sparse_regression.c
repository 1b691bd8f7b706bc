/* sparse_regression: Lasso hyperparameter learning as in the MEHA paper's
 * sparse-regression study, on seeded synthetic data:
 *   LL  min_y 1/(2 m) ||A y - b||^2 + sum_j x_j |y_j|      (train split)
 *   UL  min_x 1/(2 m_val) ||A_val y - b_val||^2,   x in [0, x_hi]^d
 * b = A w* + noise, w* with k non-zeros (+-U[0.5, 1.5]). Metrics: validation
 * and test MSE, number of non-zeros of y and the F1 score of its support
 * against w*'s. With x = lambda (1, ..., 1) fixed this is the Lasso, which
 * a grid search over lambda solves with the LL-only solver `ll_prox_gd`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "rng.h"

enum { P_D, P_MTR, P_MVAL, P_MTE, P_K, P_NOISE, P_X0, P_Y0, P_XHI, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_D] = {"d", BLOC_PARAM_INT, 200, 1, 100000, 0, "number of features"},
    [P_MTR] = {"m_train", BLOC_PARAM_INT, 100, 1, 1e6, 0, "training samples (LL)"},
    [P_MVAL] = {"m_val", BLOC_PARAM_INT, 100, 1, 1e6, 0, "validation samples (UL)"},
    [P_MTE] = {"m_test", BLOC_PARAM_INT, 1000, 1, 1e6, 0, "test samples (metric only)"},
    [P_K] = {"k", BLOC_PARAM_INT, 10, 0, 100000, 0, "non-zeros of the true coefficients"},
    [P_NOISE] = {"noise", BLOC_PARAM_REAL, 0.5, 0, HUGE_VAL, 0, "standard deviation of the label noise"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, 0, "start (or, for ll_prox_gd, fixed) weight of every feature"},
    [P_Y0] = {"y0", BLOC_PARAM_REAL, 0, -HUGE_VAL, HUGE_VAL, 0, "start value of every coefficient"},
    [P_XHI] = {"x_hi", BLOC_PARAM_REAL, 10, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "upper bound of the weights"},
};

static const char *const metrics[] = {"val_mse", "test_mse", "nnz", "support_f1"};

enum { TR, VAL, TE, NSPLITS };

typedef struct {
    size_t d, m[NSPLITS];
    double *A[NSPLITS], *b[NSPLITS], *wstar;
    int vA[NSPLITS], vb[NSPLITS], vr[NSPLITS], vt[NSPLITS], vw, vsupport;
} sreg_t;

static void destroy(bloc_problem_t *pb)
{
    sreg_t *s = pb->data;
    if (!s)
        return;
    for (int i = 0; i < NSPLITS; i++) {
        free(s->A[i]);
        free(s->b[i]);
    }
    free(s->wstar);
    free(s);
    pb->data = NULL;
}

/* w*: k distinct features (partial Fisher-Yates), values +-U[0.5, 1.5]. */
static void draw_wstar(sreg_t *s, size_t k, unsigned long seed)
{
    size_t *idx = malloc(s->d * sizeof *idx);
    bloc_rng_t r = bloc_rng_stream(seed, 0);
    for (size_t j = 0; j < s->d; j++)
        idx[j] = j;
    for (size_t j = 0; j < k; j++) {
        size_t pick = j + (size_t)bloc_rng_below(&r, s->d - j), t = idx[j];
        idx[j] = idx[pick];
        idx[pick] = t;
        double mag = 0.5 + bloc_rng_uniform(&r);
        s->wstar[idx[j]] = bloc_rng_uniform(&r) < 0.5 ? -mag : mag;
    }
    free(idx);
}

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    const double *p = pb->params;
    size_t d = (size_t)p[P_D], k = (size_t)p[P_K];
    if (k > d)
        return bloc_error_set(err, BLOC_ERR_PARAM, "sparse_regression: k = %zu non-zeros exceed d = %zu features", k, d);
    if (p[P_X0] > p[P_XHI])
        return bloc_error_set(err, BLOC_ERR_PARAM, "sparse_regression: start x0 = %g lies outside the box [0, %g]",
                              p[P_X0], p[P_XHI]);
    sreg_t *s = calloc(1, sizeof *s);
    if (!s)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    pb->data = s;
    s->d = d;
    s->m[TR] = (size_t)p[P_MTR];
    s->m[VAL] = (size_t)p[P_MVAL];
    s->m[TE] = (size_t)p[P_MTE];
    s->wstar = calloc(d, sizeof *s->wstar);
    for (int i = 0; i < NSPLITS; i++) {
        s->A[i] = malloc(s->m[i] * d * sizeof(double));
        s->b[i] = malloc(s->m[i] * sizeof(double));
    }
    for (int i = 0; i < NSPLITS; i++)
        if (!s->A[i] || !s->b[i] || !s->wstar)
            return bloc_error_set(err, BLOC_ERR_NOMEM, "sparse_regression: out of memory for the data");
    draw_wstar(s, k, pb->seed);
    for (int i = 0; i < NSPLITS; i++) {
        bloc_rng_t ra = bloc_rng_stream(pb->seed, 1 + i), rn = bloc_rng_stream(pb->seed, 4 + i);
        bloc_rng_fill_normal(&ra, s->A[i], s->m[i] * d, 1);
        for (size_t r = 0; r < s->m[i]; r++) {
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += s->A[i][r * d + j] * s->wstar[j];
            s->b[i][r] = dot + p[P_NOISE] * bloc_rng_normal(&rn);
        }
    }
    int st = bloc_problem_start(pb, d, d, p[P_X0], p[P_Y0], err);
    return st ? st : bloc_problem_box(pb, 0, p[P_XHI], err);
}

static int setup(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    sreg_t *s = pb->data;
    static const char *const names[NSPLITS] = {"train", "val", "test"};
    char nm[BLOC_NAME_LEN];
    for (int i = 0; i < NSPLITS; i++) {
        snprintf(nm, sizeof nm, "A_%s", names[i]);
        if ((s->vA[i] = bloc_graph_vec(g, nm, s->m[i] * s->d, s->A[i], err)) < 0)
            return err->status;
        snprintf(nm, sizeof nm, "b_%s", names[i]);
        if ((s->vb[i] = bloc_graph_vec(g, nm, s->m[i], s->b[i], err)) < 0)
            return err->status;
        snprintf(nm, sizeof nm, "r_%s", names[i]);
        if ((s->vr[i] = bloc_graph_vec(g, nm, s->m[i], NULL, err)) < 0)
            return err->status;
        snprintf(nm, sizeof nm, "sq_%s", names[i]);
        if ((s->vt[i] = bloc_graph_vec(g, nm, s->m[i], NULL, err)) < 0)
            return err->status;
    }
    if ((s->vw = bloc_graph_vec(g, "wstar", s->d, s->wstar, err)) < 0 ||
        (s->vsupport = bloc_graph_vec(g, "support_terms", 3 * s->d, NULL, err)) < 0)
        return err->status;
    return BLOC_OK;
}

/* r_split <- A_split y - b_split */
static int residual(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int y, bloc_error_t *err)
{
    sreg_t *s = pb->data;
    bloc_node_t *nd = bloc_graph_add(g, list, "sreg_residual", s->m[split], err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->vA[split]); bloc_arg_vec(nd, s->vb[split]); bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, s->vr[split]); bloc_arg_int(nd, (int)s->m[split]); bloc_arg_int(nd, (int)s->d);
    bloc_node_cost(nd, 2.0 * (double)(s->m[split] * s->d), (double)(s->m[split] * s->d) * g->rt->real_size);
    return BLOC_OK;
}

static int grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gx,
                int gy, bloc_error_t *err)
{
    sreg_t *s = pb->data;
    int split = level == BLOC_LL ? TR : VAL, st = residual(pb, g, list, split, y, err);
    if (st)
        return st;
    bloc_node_t *nd = bloc_graph_add(g, list, "sreg_grad", s->d, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, s->vA[split]); bloc_arg_vec(nd, s->vr[split]); bloc_arg_vec(nd, y);
    bloc_arg_vec(nd, gx); bloc_arg_vec(nd, gy); bloc_arg_int(nd, (int)s->m[split]); bloc_arg_int(nd, (int)s->d);
    bloc_arg_int(nd, level == BLOC_LL);
    bloc_node_cost(nd, 2.0 * (double)(s->m[split] * s->d), (double)(s->m[split] * s->d) * g->rt->real_size);
    return BLOC_OK;
}

/* raw: [0] sum r_val^2, [1] sum r_train^2, [2] sum x|y|, [3] nnz, [4] true positives, [5] sum r_test^2 */
static int eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars, bloc_error_t *err)
{
    sreg_t *s = pb->data;
    static const int split_slot[NSPLITS][2] = {{TR, 1}, {VAL, 0}, {TE, 5}};
    for (int i = 0; i < NSPLITS; i++) {
        int sp = split_slot[i][0], st = residual(pb, g, list, sp, y, err);
        if (st)
            return st;
        bloc_node_t *nd = bloc_graph_add(g, list, "sreg_square", s->m[sp], err);
        if (!nd)
            return err->status;
        bloc_arg_vec(nd, s->vr[sp]); bloc_arg_vec(nd, s->vt[sp]); bloc_arg_int(nd, (int)s->m[sp]);
        if ((st = bloc_graph_reduce_rows(g, list, s->vt[sp], 1, s->m[sp], scalars, split_slot[i][1], err)))
            return st;
    }
    bloc_node_t *nd = bloc_graph_add(g, list, "sreg_support", s->d, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, y); bloc_arg_vec(nd, s->vw); bloc_arg_vec(nd, s->vsupport);
    bloc_arg_int(nd, (int)s->d);
    return bloc_graph_reduce_rows(g, list, s->vsupport, 3, s->d, scalars, 2, err);
}

static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    const sreg_t *s = pb->data;
    double k = pb->params[P_K], nnz = raw[3], tp = raw[4];
    out[BLOC_SLOT_F] = raw[0] / (2.0 * (double)s->m[VAL]);
    out[BLOC_SLOT_LL] = raw[1] / (2.0 * (double)s->m[TR]) + raw[2];
    out[BLOC_SLOT_METRIC0] = raw[0] / (double)s->m[VAL];
    out[BLOC_SLOT_METRIC0 + 1] = raw[5] / (double)s->m[TE];
    out[BLOC_SLOT_METRIC0 + 2] = nnz;
    out[BLOC_SLOT_METRIC0 + 3] = nnz + k > 0 ? 2.0 * tp / (nnz + k) : 1.0;
}

static const char *const libs[] = {"kernels/linalg.cl"};

const bloc_problem_desc_t bloc_problem_sparse_regression = {
    .name = "sparse_regression",
    .summary = "Lasso weights: LL 1/2m||Ay-b||^2 + sum x_j|y_j|, UL validation error (seeded data)",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/sparse_regression.cl",
    .kernel_libs = libs,
    .nkernel_libs = 1,
    .metric_names = metrics,
    .nmetrics = 4,
    .nraw = 6,
    .init = init,
    .setup = setup,
    .grad = grad,
    .prox = bloc_prox_weighted_l1,
    .eval = eval,
    .finish = finish,
    .destroy = destroy,
};
