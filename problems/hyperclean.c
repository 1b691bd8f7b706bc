/* hyperclean: data hyper-cleaning on Fashion-MNIST (shared/spec/problems.md),
 * LL model `model: linear` 784 -> 10 (convex) or `model: mlp` 784 -> hidden
 * -> 10 (nonconvex, as in IAPTT-GM; problems/mlp.h). From the 60000
 * training images (pixels / 255): a seeded disjoint draw of n_train /
 * n_val / n_test samples, a fraction `corruption` of the
 * train labels changed to a different random class (recorded). x in
 * R^n_train holds one weight logit per train sample:
 *   LL  f(x, y) = (1/n) sum_i w_i CE(y; a_i, noisy_i) + (mu/2) ||W||^2,  w_i = sigma(x_i)
 *   UL  F(y)    = mean CE on validation
 * where W is the weight matrix (linear) or both layers' weight matrices
 * W1, W2 (mlp); biases are not penalized. The linear model starts from
 * y = 0, the mlp from a seeded draw (bloc_mlp_init_y).
 * `weights: uniform` (w_i = 1) and `weights: oracle` (w_i = 1 on the clean
 * samples, 0 on the corrupted) give the naive and oracle reference models,
 * e.g. with the LL-only solver ll_prox_gd. Kernels and equations:
 * problems/hyperclean.cl (linear) and problems/mlp.cl. No exact
 * Hessian-vector products: the solvers that need them difference the
 * gradient (host/hvp.h).
 *
 * Metrics at every log point: validation and test accuracy of y, the F1 of
 * "x_i >= 0 means clean" and of "x_i > median(x) means clean" against the
 * recorded corruption (clean is the positive class), and, when
 * refit_steps > 0, the validation and test accuracy of the refit: the LL
 * solved again from y = 0 with the current weights by refit_steps steps of
 * Nesterov's accelerated gradient (the cleaning itself, without the fit to
 * validation that single-loop methods put into y); the mlp's refit starts
 * from its y0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "problem.h"
#include "mlp.h"
#include "softmax.h"

#define K BLOC_FMNIST_CLASSES

enum { P_NTR, P_NVAL, P_NTE, P_RHO, P_MU, P_WEIGHTS, P_X0, P_REFIT, P_REFIT_STEP, P_REFIT_MOM, P_MODEL, P_HIDDEN,
       P_ACT, NPARAMS };
enum { LINEAR, MLP };
enum { OUT_R = BLOC_SM_OUT_R, OUT_CE = BLOC_SM_OUT_CE, OUT_GX = BLOC_SM_OUT_GX, OUT_CORRECT = BLOC_SM_OUT_CORRECT };
static const char *const weight_words[] = {"learned", "uniform", "oracle", NULL};
static const char *const model_words[] = {"linear", "mlp", NULL};
/* ReLU by default: the usual two-layer network. The IAPTT-GM code
 * (vis-opt-group/IAPTT-GM, experiment/Data_hyper_cleaning.py, `nonconvex`)
 * stacks Linear(784, 300) and Linear(300, 10) with no activation between
 * them: `activation: identity` reproduces that model. */
static const char *const act_words[] = {"relu", "identity", NULL};
static const bloc_param_spec_t params[NPARAMS] = {
    [P_NTR] = {"n_train", BLOC_PARAM_INT, 5000, 1, 60000, 0, "train samples (LL; x has one entry per sample)"},
    [P_NVAL] = {"n_val", BLOC_PARAM_INT, 5000, 1, 60000, 0, "validation samples (UL)"},
    [P_NTE] = {"n_test", BLOC_PARAM_INT, 10000, 1, 60000, 0, "test samples (metrics only)"},
    [P_RHO] = {"corruption", BLOC_PARAM_REAL, 0.5, 0, 1, 0, "fraction of train labels changed to another class"},
    [P_MU] = {"mu", BLOC_PARAM_REAL, 1e-3, 0, HUGE_VAL, 0, "LL ridge (mu/2)||W||^2"},
    [P_WEIGHTS] = {"weights", BLOC_PARAM_CHOICE, BLOC_SM_LEARNED, 0, 2, 0,
                   "learned: sigma(x_i); uniform: 1 (naive model); oracle: 1 on clean samples, 0 on corrupted",
                   weight_words},
    [P_X0] = {"x0", BLOC_PARAM_REAL, 0, -HUGE_VAL, HUGE_VAL, 0, "start value of every x_i"},
    [P_REFIT] = {"refit_steps", BLOC_PARAM_INT, 0, 0, 100000, 0,
                 "accelerated gradient steps of the refit at each log point (0: no refit)"},
    [P_REFIT_STEP] = {"refit_step", BLOC_PARAM_REAL, 0.05, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "refit step size"},
    [P_REFIT_MOM] = {"refit_momentum", BLOC_PARAM_REAL, 0.97, 0, 1, BLOC_PARAM_HI_OPEN, "refit momentum"},
    [P_MODEL] = {"model", BLOC_PARAM_CHOICE, LINEAR, 0, 1, 0,
                 "LL model: linear 784 -> 10, or mlp 784 -> hidden -> 10", model_words},
    [P_HIDDEN] = {"hidden", BLOC_PARAM_INT, 300, 1, 4096, 0, "hidden units of model mlp"},
    [P_ACT] = {"activation", BLOC_PARAM_CHOICE, BLOC_MLP_RELU, 0, 1, 0, "hidden activation of model mlp",
               act_words},
};

static const char *const metrics[] = {"val_acc", "test_acc", "f1", "f1_median", "refit_val_acc", "refit_test_acc"};

enum { TR = BLOC_FMNIST_TRAIN, VAL = BLOC_FMNIST_VAL, TE = BLOC_FMNIST_TEST, NSPLITS = BLOC_FMNIST_SPLITS };

typedef struct {
    size_t n[NSPLITS], d, ncorrupt;
    bloc_fmnist_t data; /* host data; setup uploads and frees the images */
    bloc_sm_split_t split[NSPLITS]; /* device data vectors per split */
    int vterms[NSPLITS], vR[NSPLITS];
    int vclean, vce2, vwsq, vf1, vyr, vv, vg, vrow;
    int is_mlp;
    bloc_mlp_t mlp;
    size_t nw;                      /* weights under the ridge: the first nw entries of y */
    int vhid[NSPLITS], vD, vy0;     /* mlp: hidden rows (two points on train), (M4) scratch, y0 */
    /* linear model: the points whose P (7) the last LL grad2 call left in
     * vR[TR] (slot 0, 1; -1: none), for a call with pb->same_points */
    int P_pts[2];
} hc_t;

/* ---- loading */

static void destroy(bloc_problem_t *pb)
{
    hc_t *h = pb->data;
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
    if (p[P_MODEL] != MLP && (p[P_HIDDEN] != params[P_HIDDEN].def || p[P_ACT] != params[P_ACT].def))
        return bloc_error_set(err, BLOC_ERR_PARAM, "hyperclean: hidden and activation apply to model mlp only "
                                                   "(model is linear)");
    hc_t *h = calloc(1, sizeof *h);
    if (!h)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    pb->data = h;
    int st = bloc_fmnist_load("hyperclean", pb->seed, n, p[P_RHO], &h->data, err);
    if (st)
        return st;
    h->d = h->data.d;
    for (int s = 0; s < NSPLITS; s++)
        h->n[s] = n[s];
    h->ncorrupt = h->data.ncorrupt;
    h->is_mlp = p[P_MODEL] == MLP;
    h->P_pts[0] = h->P_pts[1] = -1;
    h->mlp.H = (int)p[P_HIDDEN];
    h->mlp.act = (int)p[P_ACT];
    pb->nx = n[TR];
    pb->ny = h->is_mlp ? bloc_mlp_ny(h->d, (size_t)h->mlp.H) : K * h->d + K;
    h->nw = h->is_mlp ? bloc_mlp_nweights(h->d, (size_t)h->mlp.H) : K * h->d;
    pb->x0 = bloc_fill(pb->nx, p[P_X0]);
    pb->y0 = bloc_fill(pb->ny, 0);
    if (!pb->x0 || !pb->y0)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    if (h->is_mlp)
        bloc_mlp_init_y(pb->y0, h->d, (size_t)h->mlp.H, pb->seed);
    return BLOC_OK;
}

static int setup(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    hc_t *h = pb->data;
    size_t ntr = h->n[TR];
    int st = bloc_sm_splits(g, "hc", &h->data, h->n, 2, h->split, h->vterms, h->vR, err);
    if (st)
        return st;
    struct { int *id; const char *name; size_t n; const double *init; } v[] = {
        {&h->vclean, "hc_clean", ntr, h->data.clean}, {&h->vce2, "hc_ce_scratch", ntr, NULL},
        {&h->vwsq, "hc_wsq", h->nw, NULL},
        {&h->vf1, "hc_f1_terms", 4 * ntr, NULL}, {&h->vyr, "hc_refit_y", pb->ny, NULL},
        {&h->vv, "hc_refit_v", pb->ny, NULL},    {&h->vg, "hc_refit_g", pb->ny, NULL},
        {&h->vrow, "hc_row", pb->ny, NULL}};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
        if ((*v[k].id = bloc_graph_vec(g, v[k].name, v[k].n, v[k].init, err)) < 0)
            return err->status;
    if (!h->is_mlp)
        return BLOC_OK;
    static const char *const names[NSPLITS] = {"train", "val", "test"};
    char nm[BLOC_NAME_LEN];
    size_t H = (size_t)h->mlp.H;
    for (int s = 0; s < NSPLITS; s++) {
        snprintf(nm, sizeof nm, "hc_hidden_%s", names[s]);
        if ((h->vhid[s] = bloc_graph_vec(g, nm, (s == TR ? 2 : 1) * h->n[s] * H, NULL, err)) < 0)
            return err->status;
    }
    if ((h->vD = bloc_graph_vec(g, "hc_hidden_grad", (ntr > h->n[VAL] ? ntr : h->n[VAL]) * H, NULL, err)) < 0 ||
        (h->vy0 = bloc_graph_vec(g, "hc_y0", pb->ny, pb->y0, err)) < 0)
        return err->status;
    return BLOC_OK;
}

/* ---- oracle nodes (problems/softmax.h) */

static int weight_mode(const bloc_problem_t *pb, int split)
{
    return split == TR ? (int)pb->params[P_WEIGHTS] : BLOC_SM_UNWEIGHTED;
}

/* The forward pass of either model at y1 (and y2 >= 0), outputs of y2 at
 * R + n K, ce + 2 n and gx2 (the mlp's hidden rows of y2 at n H). */
static int forward(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int x, int y1, int y2,
                   int flags, int R, int ce, int gx1, int gx2, bloc_error_t *err)
{
    hc_t *h = pb->data;
    int mode = weight_mode(pb, split), wsrc = mode == BLOC_SM_ORACLE ? h->vclean : x;
    const bloc_sm_split_t *s = &h->split[split];
    if (!h->is_mlp)
        return bloc_sm_forward(g, list, s, y1, y2, mode, wsrc, flags, R, ce, gx1, gx2, err);
    int st = bloc_mlp_forward(g, list, s, &h->mlp, y1, h->vhid[split], 0, mode, wsrc, flags, R, 0, ce, 0, gx1, err);
    if (!st && y2 >= 0)
        st = bloc_mlp_forward(g, list, s, &h->mlp, y2, h->vhid[split], s->n * h->mlp.H, mode, wsrc, flags, R, s->n * K,
                              ce, 2 * s->n, gx2, err);
    return st;
}

/* mlp: gy <- grad_y at y of the split's objective from R (4) of point
 * `slot` (0: y1, 1: y2) at R + slot n K and the forward's hidden rows of
 * that point, ridge mu */
static int backward(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int R, int slot, int y,
                    double mu, int gy, bloc_error_t *err)
{
    hc_t *h = pb->data;
    const bloc_sm_split_t *s = &h->split[split];
    return bloc_mlp_backward(g, list, s, &h->mlp, R, slot * s->n * K, h->vhid[split], slot * s->n * h->mlp.H, h->vD,
                             y, mu, gy, err);
}

/* The gradients (5) on the train split at the npts points whose P (7) and
 * (mlp) hidden rows the last forward left, with the weights of now: the
 * linear model's one pass over A for both points (bloc_sm_backward), or
 * the mlp's R = (w_i / n) P (hc_weigh) and one backward per point. */
static int backward_from_P(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int npts, const int ys[2],
                           const int gys[2], bloc_error_t *err)
{
    hc_t *h = pb->data;
    int mode = weight_mode(pb, TR), wsrc = mode == BLOC_SM_ORACLE ? h->vclean : x;
    if (!h->is_mlp)
        return bloc_sm_backward(g, list, &h->split[TR], npts, h->vR[TR], mode, wsrc, ys, pb->params[P_MU], gys, err);
    int R = bloc_graph_scratch(g, "hc_mlp_Rw", (size_t)npts * h->n[TR] * K, err);
    if (R < 0)
        return err->status;
    int st = bloc_sm_weigh(g, list, &h->split[TR], npts, h->vR[TR], mode, wsrc, R, err);
    for (int p = 0; p < npts && !st; p++)
        st = backward(pb, g, list, TR, R, p, ys[p], pb->params[P_MU], gys[p], err);
    return st;
}

/* The gradient (5) at (x, y) on a split in one pass (softmax.h), gx (6)
 * with it when gx >= 0. */
static int fused(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int x, int y, int gx, double mu,
                 int gy, bloc_error_t *err)
{
    hc_t *h = pb->data;
    int mode = weight_mode(pb, split);
    return bloc_sm_grad(g, list, &h->split[split], y, mode, mode == BLOC_SM_ORACLE ? h->vclean : x,
                        gx >= 0 ? OUT_GX : 0, h->vce2, gx >= 0 ? gx : h->vce2, mu, gy, err);
}

/* gy <- the gradient (5) at (x, y) on a split, gx (6) with it when gx >= 0:
 * the linear model's fused pass, or the mlp's forward and backward passes */
static int gradient(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int x, int y, int gx,
                    double mu, int gy, bloc_error_t *err)
{
    hc_t *h = pb->data;
    if (!h->is_mlp)
        return fused(pb, g, list, split, x, y, gx, mu, gy, err);
    int dummy = h->vce2; /* n_train reals nobody reads */
    int st = forward(pb, g, list, split, x, y, -1, OUT_R | (gx >= 0 ? OUT_GX : 0), h->vR[split], dummy,
                     gx >= 0 ? gx : dummy, dummy, err);
    return st ? st : backward(pb, g, list, split, h->vR[split], 0, y, mu, gy, err);
}

/* The UL F depends on y only: grad_x F = 0; grad_y F from the validation split. */
static int grad_ul(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int gx, int gy,
                   bloc_error_t *err)
{
    int st = gx >= 0 ? bloc_sm_fill(g, list, gx, pb->nx, 0, err) : BLOC_OK;
    return !st && gy >= 0 ? gradient(pb, g, list, VAL, x, y, -1, 0, gy, err) : st;
}

/* grad2 hook (problem.h): at (x, y1) and (x, y2), any output -1 = not
 * needed. A point whose gy is asked for gets the fused gradient (gx with
 * it); the points that need gx only share one forward pass, which also
 * leaves their P (7) in vR[TR] (and the mlp's hidden rows in vhid[TR]). A
 * call with pb->same_points at those points asking for gy only reuses
 * them: the gradient (5) at the new x without a forward pass
 * (backward_from_P). */
static int grad2(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y1, int y2,
                 int gx1, int gy1, int gx2, int gy2, bloc_error_t *err)
{
    hc_t *h = pb->data;
    int st = BLOC_OK;
    if (level == BLOC_UL) {
        st = grad_ul(pb, g, list, x, y1, gx1, gy1, err);
        return !st && y2 >= 0 ? grad_ul(pb, g, list, x, y2, gx2, gy2, err) : st;
    }
    int kept[2] = {h->P_pts[0], h->P_pts[1]};
    h->P_pts[0] = h->P_pts[1] = -1;
    if (pb->same_points && gx1 < 0 && gx2 < 0 && gy1 >= 0 && y1 == kept[0] && (y2 < 0 || y2 == kept[1])) {
        int ys[2] = {y1, y2}, gys[2] = {gy1, gy2};
        return backward_from_P(pb, g, list, x, y2 >= 0 && gy2 >= 0 ? 2 : 1, ys, gys, err);
    }
    int pts[2][3] = {{y1, gx1, gy1}, {y2, gx2, gy2}}, only_gx[2], nf = 0;
    int dummy = h->vce2; /* n reals nobody reads */
    for (int p = 0; p < 2 && !st; p++) {
        int y = pts[p][0], gx = pts[p][1], gy = pts[p][2];
        if (y >= 0 && gy >= 0)
            st = gradient(pb, g, list, TR, x, y, gx, pb->params[P_MU], gy, err);
        else if (y >= 0 && gx >= 0)
            only_gx[nf++] = p;
    }
    if (st || nf == 0)
        return st;
    int a = only_gx[0], b = only_gx[nf - 1];
    h->P_pts[0] = pts[a][0];
    h->P_pts[1] = nf == 2 ? pts[b][0] : -1;
    return forward(pb, g, list, TR, x, pts[a][0], nf == 2 ? pts[b][0] : -1, OUT_GX | BLOC_SM_OUT_P, h->vR[TR], dummy,
                   pts[a][1], nf == 2 ? pts[b][1] : dummy, err);
}

static int grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gx,
                int gy, bloc_error_t *err)
{
    return grad2(pb, g, list, level, x, y, -1, gx, gy, -1, -1, err);
}

/* ul_rows hook (problem.h): vals[offset + r] <- n_val F(x, y_r) for the
 * rows first .. first + rows of traj, one validation pass (3) per row, for
 * the pessimistic truncation of the unrolled family (an argmax: the
 * positive factor n_val does not change it). */
static int ul_rows(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int traj, int first, int rows,
                   int vals, int offset, bloc_error_t *err)
{
    hc_t *h = pb->data;
    size_t nval = h->n[VAL];
    for (int r = 0; r < rows; r++) {
        bloc_node_t *nd = bloc_graph_add(g, list, "hc_copy_row", pb->ny, err);
        if (!nd)
            return err->status;
        bloc_arg_vec(nd, traj); bloc_arg_int(nd, first + r); bloc_arg_vec(nd, h->vrow); bloc_arg_int(nd, (int)pb->ny);
        bloc_node_cost(nd, 0, 2.0 * (double)pb->ny * g->rt->real_size);
        int st = forward(pb, g, list, VAL, x, h->vrow, -1, OUT_CE, h->vR[VAL], h->vterms[VAL], h->vce2, h->vce2, err);
        if (!st)
            st = bloc_graph_reduce_rows(g, list, h->vterms[VAL], 1, nval, vals, offset + r, err);
        if (st)
            return st;
    }
    return BLOC_OK;
}

/* ---- evaluation. raw: [0] sum w_i CE_i (train), [1] ||W||^2, [2, 3] sum CE
 * and correct (validation), [4, 5] the same on test, [6 .. 9] F1 sums
 * (hc_f1_terms rows), [10 .. 13] validation and test (CE, correct) of the
 * refit. */

/* ce and correct rows of a split at y, reduced into scalars[off], [off + 1] */
static int accuracy(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int split, int x, int y, int scalars,
                    int off, bloc_error_t *err)
{
    hc_t *h = pb->data;
    int st = forward(pb, g, list, split, x, y, -1, OUT_CE | OUT_CORRECT, h->vR[split], h->vterms[split],
                     h->vce2, h->vce2, err);
    return st ? st : bloc_graph_reduce_rows(g, list, h->vterms[split], 2, h->n[split], scalars, off, err);
}

/* dst <- the mlp's y0 */
static int copy_y0(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int dst, bloc_error_t *err)
{
    hc_t *h = pb->data;
    bloc_node_t *nd = bloc_graph_add(g, list, "hc_copy_row", pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, h->vy0); bloc_arg_int(nd, 0); bloc_arg_vec(nd, dst); bloc_arg_int(nd, (int)pb->ny);
    bloc_node_cost(nd, 0, 2.0 * (double)pb->ny * g->rt->real_size);
    return BLOC_OK;
}

/* y_r <- refit_steps accelerated gradient steps on f(x, .) from 0 (linear)
 * or y0 (mlp) */
static int refit(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, bloc_error_t *err)
{
    hc_t *h = pb->data;
    int steps = (int)pb->params[P_REFIT], st = BLOC_OK;
    for (int k = 0; k < 2 && !st; k++) {
        int v = k ? h->vv : h->vyr;
        st = h->is_mlp ? copy_y0(pb, g, list, v, err) : bloc_sm_fill(g, list, v, pb->ny, 0, err);
    }
    for (int k = 0; !st && k < steps; k++) {
        if ((st = gradient(pb, g, list, TR, x, h->vv, -1, pb->params[P_MU], h->vg, err)))
            return st;
        if ((st = bloc_sm_nag_step(g, list, h->vyr, h->vv, h->vg, pb->ny, pb->params[P_REFIT_STEP],
                                   pb->params[P_REFIT_MOM], err)))
            return st;
    }
    return st;
}

static int eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars, bloc_error_t *err)
{
    hc_t *h = pb->data;
    size_t ntr = h->n[TR];
    int st = forward(pb, g, list, TR, x, y, -1, OUT_CE, h->vR[TR], h->vce2, h->vce2, h->vce2, err);
    if (!st)
        st = bloc_graph_reduce_rows(g, list, h->vce2, 1, ntr, scalars, 0, err);
    bloc_node_t *nd = st ? NULL : bloc_graph_add(g, list, "hc_square", h->nw, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, y); bloc_arg_vec(nd, h->vwsq); bloc_arg_int(nd, (int)h->nw);
    if ((st = bloc_graph_reduce_rows(g, list, h->vwsq, 1, h->nw, scalars, 1, err)) ||
        (st = accuracy(pb, g, list, VAL, x, y, scalars, 2, err)) ||
        (st = accuracy(pb, g, list, TE, x, y, scalars, 4, err)))
        return st;
    if (!(nd = bloc_graph_add(g, list, "hc_f1_terms", ntr, err)))
        return err->status;
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, h->vclean); bloc_arg_int(nd, (int)ntr); bloc_arg_vec(nd, h->vf1);
    if ((st = bloc_graph_reduce_rows(g, list, h->vf1, 4, ntr, scalars, 6, err)))
        return st;
    if (pb->params[P_REFIT] > 0 &&
        ((st = refit(pb, g, list, x, err)) || (st = accuracy(pb, g, list, VAL, x, h->vyr, scalars, 10, err)) ||
         (st = accuracy(pb, g, list, TE, x, h->vyr, scalars, 12, err))))
        return st;
    return BLOC_OK;
}

static double f1_score(double predicted, double true_positive, double positives)
{
    return predicted + positives > 0 ? 2.0 * true_positive / (predicted + positives) : 0.0;
}

static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    const hc_t *h = pb->data;
    double ntr = (double)h->n[TR], nval = (double)h->n[VAL], nte = (double)h->n[TE];
    double nclean = ntr - (double)h->ncorrupt;
    double *m = out + BLOC_SLOT_METRIC0;
    out[BLOC_SLOT_F] = raw[2] / nval;                                   /* (3) */
    out[BLOC_SLOT_LL] = raw[0] / ntr + 0.5 * pb->params[P_MU] * raw[1]; /* (2) */
    m[0] = raw[3] / nval;
    m[1] = raw[5] / nte;
    m[2] = f1_score(raw[6], raw[7], nclean);
    m[3] = f1_score(raw[8], raw[9], nclean);
    m[4] = pb->params[P_REFIT] > 0 ? raw[11] / nval : NAN;
    m[5] = pb->params[P_REFIT] > 0 ? raw[13] / nte : NAN;
}

static const char *const kernel_libs[] = {"problems/hyperclean.cl"}; /* built before mlp.cl, which calls into it */

const bloc_problem_desc_t bloc_problem_hyperclean = {
    .name = "hyperclean",
    .summary = "data hyper-cleaning on Fashion-MNIST: sample weights sigma(x_i), linear or two-layer softmax LL, "
               "validation CE UL",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/mlp.cl",
    .kernel_libs = kernel_libs,
    .nkernel_libs = 1,
    .metric_names = metrics,
    .nmetrics = 6,
    .nraw = 14,
    .init = init,
    .setup = setup,
    .grad = grad,
    .grad2 = grad2,
    .ul_rows = ul_rows,
    .eval = eval,
    .finish = finish,
    .destroy = destroy,
};
