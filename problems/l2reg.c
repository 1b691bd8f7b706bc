/* l2reg: hyperparameter optimization of per-feature regularization
 * (shared/spec/problems.md) on Fashion-MNIST: softmax regression y = (W, b)
 * on n_train samples with one ridge weight lambda_j = exp(x_j) per feature,
 *   LL  f(x, y) = (1/n) sum_i CE(W a_i + b, t_i) + (1/2) sum_j exp(x_j) ||W[:, j]||^2
 *   UL  F(y)    = mean CE on validation,   x in [x_lo, x_hi]^784.
 * The comparison is a grid search over one shared lambda (x = log lambda
 * (1, ..., 1) held fixed, ll_prox_gd; bench/l2reg_grid.sh). Data and
 * kernels: problems/fmnist.h, problems/softmax.h, problems/l2reg.cl.
 * Metrics: validation and test accuracy of y, the same of the refit (the LL
 * solved again from 0 with the current x by refit_steps accelerated
 * gradient steps, as in hyperclean) and the geometric mean of lambda. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "problem.h"
#include "softmax.h"

#define K BLOC_FMNIST_CLASSES

enum { P_NTR, P_NVAL, P_NTE, P_X0, P_XLO, P_XHI, P_REFIT, P_REFIT_STEP, P_REFIT_MOM, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_NTR] = {"n_train", BLOC_PARAM_INT, 1000, 1, 60000, 0, "train samples (LL)"},
    [P_NVAL] = {"n_val", BLOC_PARAM_INT, 1000, 1, 60000, 0, "validation samples (UL)"},
    [P_NTE] = {"n_test", BLOC_PARAM_INT, 10000, 1, 60000, 0, "test samples (metrics only)"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, -7, -HUGE_VAL, HUGE_VAL, 0, "start (ll_prox_gd: fixed) log lambda of every feature"},
    [P_XLO] = {"x_lo", BLOC_PARAM_REAL, -20, -HUGE_VAL, HUGE_VAL, 0, "lower bound of every x_j"},
    [P_XHI] = {"x_hi", BLOC_PARAM_REAL, 2, -HUGE_VAL, HUGE_VAL, 0,
               "upper bound of every x_j (lambda <= e^x_hi keeps the fixed LL steps stable)"},
    [P_REFIT] = {"refit_steps", BLOC_PARAM_INT, 0, 0, 100000, 0,
                 "accelerated gradient steps of the refit at each log point (0: no refit)"},
    [P_REFIT_STEP] = {"refit_step", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "refit step size"},
    [P_REFIT_MOM] = {"refit_momentum", BLOC_PARAM_REAL, 0.97, 0, 1, BLOC_PARAM_HI_OPEN, "refit momentum"},
};

static const char *const metrics[] = {"val_acc", "test_acc", "refit_val_acc", "refit_test_acc", "lambda_gmean"};

enum { TR = BLOC_FMNIST_TRAIN, VAL = BLOC_FMNIST_VAL, TE = BLOC_FMNIST_TEST, NSPLITS = BLOC_FMNIST_SPLITS };
enum { RIDGE_GY = 1, RIDGE_GX = 2 };

typedef struct {
    size_t n[NSPLITS], d;
    bloc_fmnist_t data;
    bloc_sm_split_t split[NSPLITS];
    int vterms[NSPLITS], vR[NSPLITS];
    int vscratch, vridge, vyr, vv, vg;
} l2_t;

static void destroy(bloc_problem_t *pb)
{
    l2_t *h = pb->data;
    if (!h)
        return;
    bloc_fmnist_free(&h->data);
    free(h);
    pb->data = NULL;
}

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    const double *p = pb->params;
    size_t n[NSPLITS] = {(size_t)p[P_NTR], (size_t)p[P_NVAL], (size_t)p[P_NTE]};
    l2_t *h = calloc(1, sizeof *h);
    if (!h)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    pb->data = h;
    int st = bloc_fmnist_load("l2reg", pb->seed, n, 0, &h->data, err);
    if (st)
        return st;
    h->d = h->data.d;
    memcpy(h->n, n, sizeof n);
    pb->nx = h->d;
    pb->ny = K * h->d + K;
    pb->x0 = bloc_fill(pb->nx, p[P_X0]);
    pb->y0 = bloc_fill(pb->ny, 0);
    if (!pb->x0 || !pb->y0)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    return bloc_problem_box(pb, p[P_XLO], p[P_XHI], err);
}

static int setup(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    l2_t *h = pb->data;
    int st = bloc_sm_splits(g, "l2", &h->data, h->n, 1, h->split, h->vterms, h->vR, err);
    if (st)
        return st;
    struct { int *id; const char *name; size_t n; } v[] = {
        {&h->vscratch, "l2_scratch", h->n[TR] > h->d ? h->n[TR] : h->d}, {&h->vridge, "l2_ridge_terms", h->d},
        {&h->vyr, "l2_refit_y", pb->ny}, {&h->vv, "l2_refit_v", pb->ny}, {&h->vg, "l2_refit_g", pb->ny}};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        if ((*v[k].id = bloc_graph_vec(g, v[k].name, v[k].n, NULL, err)) < 0)
            return err->status;
    return BLOC_OK;
}

/* l2_ridge: (8) into gy and/or (9) into gx */
static int ridge(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int gx, int gy, int flags,
                 bloc_error_t *err)
{
    l2_t *h = pb->data;
    bloc_node_t *nd = bloc_graph_add(g, list, "l2_ridge", h->d, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, y); bloc_arg_vec(nd, gx); bloc_arg_vec(nd, gy);
    bloc_arg_int(nd, (int)h->d); bloc_arg_int(nd, flags);
    bloc_node_cost(nd, 5.0 * K * (double)h->d, (2.0 * K + 2) * (double)h->d * g->rt->real_size);
    return BLOC_OK;
}

/* grad2 hook: any output -1 = not needed. grad_x f needs only the ridge
 * kernel (no pass over the data); grad_y f the fused gradient (one pass
 * over the data, softmax.h) at the points that need it, then the ridge. The UL F depends on
 * y only. */
static int grad2(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y1, int y2,
                 int gx1, int gy1, int gx2, int gy2, bloc_error_t *err)
{
    l2_t *h = pb->data;
    int pts[2][3] = {{y1, gx1, gy1}, {y2, gx2, gy2}}, st = BLOC_OK, scratch = h->vscratch;
    if (level == BLOC_UL) {
        for (int p = 0; p < 2 && !st; p++) {
            if (pts[p][0] < 0)
                continue;
            if (pts[p][1] >= 0)
                st = bloc_sm_fill(g, list, pts[p][1], pb->nx, 0, err);
            if (!st && pts[p][2] >= 0)
                st = bloc_sm_grad(g, list, &h->split[VAL], pts[p][0], BLOC_SM_UNWEIGHTED, scratch, 0, scratch, scratch,
                                  0, pts[p][2], err);
        }
        return st;
    }
    for (int p = 0; p < 2 && !st; p++) {
        int y = pts[p][0], gx = pts[p][1], gy = pts[p][2];
        if (y < 0 || (gx < 0 && gy < 0))
            continue;
        if (gy >= 0)
            st = bloc_sm_grad(g, list, &h->split[TR], y, BLOC_SM_UNWEIGHTED, scratch, 0, scratch, scratch, 0, gy, err);
        if (!st)
            st = ridge(pb, g, list, x, y, gx >= 0 ? gx : scratch, gy >= 0 ? gy : scratch,
                       (gx >= 0 ? RIDGE_GX : 0) | (gy >= 0 ? RIDGE_GY : 0), err);
    }
    return st;
}

static int grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gx,
                int gy, bloc_error_t *err)
{
    return grad2(pb, g, list, level, x, y, -1, gx, gy, -1, -1, err);
}

/* ---- evaluation. raw: [0] sum CE (train), [1] ridge, [2, 3] sum CE and
 * correct (validation), [4, 5] the same on test, [6] sum x, [7 .. 10]
 * validation and test (CE, correct) of the refit. */

static int accuracy(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int y, int scalars, int off,
                    bloc_error_t *err)
{
    l2_t *h = pb->data;
    int st = bloc_sm_forward(g, list, &h->split[split], y, -1, BLOC_SM_UNWEIGHTED, h->vscratch,
                             BLOC_SM_OUT_CE | BLOC_SM_OUT_CORRECT, h->vR[split], h->vterms[split], h->vscratch,
                             h->vscratch, err);
    return st ? st : bloc_graph_reduce_rows(g, list, h->vterms[split], 2, h->n[split], scalars, off, err);
}

static int refit(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, bloc_error_t *err)
{
    l2_t *h = pb->data;
    int st = bloc_sm_fill(g, list, h->vyr, pb->ny, 0, err);
    if (!st)
        st = bloc_sm_fill(g, list, h->vv, pb->ny, 0, err);
    for (int k = 0; !st && k < (int)pb->params[P_REFIT]; k++)
        if (!(st = grad(pb, g, list, BLOC_LL, x, h->vv, -1, h->vg, err)))
            st = bloc_sm_nag_step(g, list, h->vyr, h->vv, h->vg, pb->ny, pb->params[P_REFIT_STEP],
                                  pb->params[P_REFIT_MOM], err);
    return st;
}

static int eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars, bloc_error_t *err)
{
    l2_t *h = pb->data;
    int st = accuracy(pb, g, list, TR, y, scalars, 0, err); /* [0] = sum CE; [1] overwritten below */
    if ((st = st ? st : ridge(pb, g, list, x, y, h->vridge, h->vscratch, RIDGE_GX, err)) ||
        (st = bloc_graph_reduce_rows(g, list, h->vridge, 1, h->d, scalars, 1, err)) ||
        (st = accuracy(pb, g, list, VAL, y, scalars, 2, err)) || (st = accuracy(pb, g, list, TE, y, scalars, 4, err)) ||
        (st = bloc_graph_reduce_rows(g, list, x, 1, h->d, scalars, 6, err)))
        return st;
    if (pb->params[P_REFIT] > 0 &&
        ((st = refit(pb, g, list, x, err)) || (st = accuracy(pb, g, list, VAL, h->vyr, scalars, 7, err)) ||
         (st = accuracy(pb, g, list, TE, h->vyr, scalars, 9, err))))
        return st;
    return BLOC_OK;
}

static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    const l2_t *h = pb->data;
    double *m = out + BLOC_SLOT_METRIC0;
    out[BLOC_SLOT_F] = raw[2] / (double)h->n[VAL];
    out[BLOC_SLOT_LL] = raw[0] / (double)h->n[TR] + raw[1];
    m[0] = raw[3] / (double)h->n[VAL];
    m[1] = raw[5] / (double)h->n[TE];
    m[2] = pb->params[P_REFIT] > 0 ? raw[8] / (double)h->n[VAL] : NAN;
    m[3] = pb->params[P_REFIT] > 0 ? raw[10] / (double)h->n[TE] : NAN;
    m[4] = exp(raw[6] / (double)h->d);
}

static const char *const libs[] = {"problems/hyperclean.cl"};

const bloc_problem_desc_t bloc_problem_l2reg = {
    .name = "l2reg",
    .summary = "per-feature ridge exp(x_j) of softmax regression on Fashion-MNIST, UL validation CE",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/l2reg.cl",
    .kernel_libs = libs,
    .nkernel_libs = 1,
    .metric_names = metrics,
    .nmetrics = 5,
    .nraw = 11,
    .init = init,
    .setup = setup,
    .grad = grad,
    .grad2 = grad2,
    .eval = eval,
    .finish = finish,
    .destroy = destroy,
};
