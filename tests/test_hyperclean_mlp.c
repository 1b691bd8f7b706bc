/* hyperclean's two-layer model (problems/mlp.cl, problems/mlp.h): the
 * forward pass with its head and the backward pass against a host double
 * reference (fp32 and fp64, both activations), the seeded start point,
 * gradients against central differences of the objectives in fp64 on a
 * tiny subset, grad2 against grad, ul_rows against eval, a short MEHA run
 * and the parameter errors. The problem-level tests need Fashion-MNIST
 * (dataset-fashion-mnist) and are skipped without it. */
#include "problem_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../problems/mlp.h"
#include "config.h"
#include "problem.h"
#include "run.h"
#include "support.h"

#define K 10
extern const bloc_problem_desc_t bloc_problem_hyperclean;

static const char *const srcs[] = {"kernels/vec.cl", "kernels/reduce.cl", "kernels/prox.cl", "problems/hyperclean.cl",
                                   "problems/mlp.cl"};
static const bloc_precision_t precs[] = {BLOC_FP32, BLOC_FP64};
enum { LEARNED, UNIFORM, ORACLE, UNWEIGHTED };
enum { OUT_R = 1, OUT_CE = 2, OUT_GX = 4, OUT_CORRECT = 8 };

/* |dev - ref| <= tol (|ref| + 1) */
static void check(const char *what, const double *dev, const double *ref, size_t n, double tol, int fp64)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(dev[i] - ref[i]) <= tol * (fabs(ref[i]) + 1), "%s[%zu] (%s): device %.17g, reference %.17g",
                  what, i, fp64 ? "fp64" : "fp32", dev[i], ref[i]);
}

/* ---- host reference of (M1) .. (M5), in double */

typedef struct {
    int n, d, H, act;
} dims_t;

static double sigmoid(double v) { return 1 / (1 + exp(-v)); }

/* (M1), (M2) and the head: hid (n x H), R (n x K), ce and correct (2 n), gx */
static void ref_forward(const dims_t *m, const double *A, const double *y, const double *t, const double *w,
                        int learned, double *hid, double *R, double *ce, double *gx)
{
    int n = m->n, d = m->d, H = m->H;
    const double *W2 = y + (size_t)H * d, *b1 = W2 + K * H, *b2 = b1 + H;
    for (int i = 0; i < n; i++) {
        for (int h = 0; h < H; h++) {
            double s = b1[h];
            for (int j = 0; j < d; j++)
                s += y[(size_t)h * d + j] * A[(size_t)i * d + j];
            hid[i * H + h] = m->act == BLOC_MLP_RELU && s < 0 ? 0 : s;
        }
        double z[K], mx = -HUGE_VAL, se = 0;
        int arg = 0, ti = (int)t[i];
        for (int c = 0; c < K; c++) {
            z[c] = b2[c];
            for (int h = 0; h < H; h++)
                z[c] += W2[c * H + h] * hid[i * H + h];
            if (z[c] > mx) {
                mx = z[c];
                arg = c;
            }
        }
        for (int c = 0; c < K; c++)
            se += exp(z[c] - mx);
        double cei = mx + log(se) - z[ti];
        for (int c = 0; c < K; c++)
            R[i * K + c] = w[i] / n * (exp(z[c] - mx) / se - (c == ti));
        ce[i] = w[i] * cei;
        ce[n + i] = arg == ti;
        gx[i] = learned ? w[i] * (1 - w[i]) * cei / n : 0;
    }
}

/* (M3) .. (M5) */
static void ref_backward(const dims_t *m, const double *A, const double *y, const double *hid, const double *R,
                         double mu, double *gy)
{
    int n = m->n, d = m->d, H = m->H;
    size_t w2 = (size_t)H * d, b1 = w2 + K * H, b2 = b1 + H;
    double *D = calloc((size_t)n * H, sizeof *D);
    for (int c = 0; c < K; c++) {
        gy[b2 + c] = 0;
        for (int i = 0; i < n; i++)
            gy[b2 + c] += R[i * K + c];
        for (int h = 0; h < H; h++) {
            double s = 0;
            for (int i = 0; i < n; i++)
                s += R[i * K + c] * hid[i * H + h];
            gy[w2 + c * H + h] = s + mu * y[w2 + c * H + h];
        }
    }
    for (int i = 0; i < n; i++)
        for (int h = 0; h < H; h++) {
            double s = 0;
            for (int c = 0; c < K; c++)
                s += R[i * K + c] * y[w2 + c * H + h];
            D[i * H + h] = m->act == BLOC_MLP_RELU && !(hid[i * H + h] > 0) ? 0 : s;
        }
    for (int h = 0; h < H; h++) {
        gy[b1 + h] = 0;
        for (int i = 0; i < n; i++)
            gy[b1 + h] += D[i * H + h];
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int i = 0; i < n; i++)
                s += D[i * H + h] * A[(size_t)i * d + j];
            gy[(size_t)h * d + j] = s + mu * y[(size_t)h * d + j];
        }
    }
    free(D);
}

/* bloc_mlp_forward and bloc_mlp_backward on n = 67 samples (not a multiple
 * of the 4 rows per work item), d = 48, H = 21 hidden units (not a multiple
 * of the 5 and 10 of the tiles; a 16-wide chunk and a tail of 5 in fp32,
 * two 8-wide chunks and a tail in fp64), both activations, every weight
 * mode, the outputs at offsets (point 2 of a pair). Tolerance |dev - ref|
 * <= tol (|ref| + 1): fp64 1e-12; fp32 2e-5, for O(1) values after two
 * dot products of length 48 and 21, exp and log (a few ulps each, ~6e-8).
 * Both kernel shapes (host/kernel_shape.h): in the GPU shape the 64 x 64
 * output tiles of layer 1 (n spans two, the second padded; H one), the
 * weight gradients in 64 x 64 tiles over 5 row chunks of 16 samples (the
 * last one 3) added in order, and the 4 x 32 logits work-groups of the
 * head. */
Test(mlp_kernels, forward_and_backward_match_reference)
{
    enum { N = 67, D = 48, H = 21, NY = H * D + K * H + H + K };
    static const char *const shapes[] = {"cpu", "gpu"};
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++)
        for (int act = BLOC_MLP_RELU; act <= BLOC_MLP_IDENTITY; act++)
            for (int mode = LEARNED; mode <= UNWEIGHTED; mode++) {
                int fp64 = precs[pi] == BLOC_FP64;
                double tol = fp64 ? 1e-12 : 2e-5, mu = 0.3;
                kfix_t f;
                kfix_init_with(&f, precs[pi], 64, 32, srcs, 5);
                double *A = kfix_random(&f, N * D, 0, 1, 1), *y = kfix_random(&f, NY, -0.3, 0.3, 2);
                double *x = kfix_random(&f, N, -2, 2, 4), t[N], clean[N], w[N];
                for (int i = 0; i < N; i++) {
                    t[i] = (i * 7) % K;
                    clean[i] = i % 3 != 0;
                    w[i] = mode == LEARNED ? sigmoid(x[i]) : mode == ORACLE ? clean[i] : 1;
                }
                bloc_sm_split_t s = {.A = kfix_vec(&f, "A", N * D, A), .labels = kfix_vec(&f, "t", N, t), .AT = -1, .n = N, .d = D};
                bloc_mlp_t m = {H, act};
                int vy = kfix_vec(&f, "y", NY, y), vx = kfix_vec(&f, "x", N, x), vc = kfix_vec(&f, "clean", N, clean);
                int vhid = kfix_vec(&f, "hid", 2 * N * H, NULL), vR = kfix_vec(&f, "R", 2 * N * K, NULL);
                int vce = kfix_vec(&f, "ce", 4 * N, NULL), vgx = kfix_vec(&f, "gx", N, NULL);
                int vD = kfix_vec(&f, "D", N * H, NULL), vgy = kfix_vec(&f, "gy", NY, NULL);
                setenv("BLOC_KERNEL_SHAPE", shapes[sh], 1);
                int st = bloc_mlp_forward(&f.g, BLOC_LIST_STEP, &s, &m, vy, vhid, N * H, mode,
                                          mode == ORACLE ? vc : vx, OUT_R | OUT_CE | OUT_GX | OUT_CORRECT, vR, N * K,
                                          vce, 2 * N, vgx, &f.err);
                if (!st)
                    st = bloc_mlp_backward(&f.g, BLOC_LIST_STEP, &s, &m, vR, N * K, vhid, N * H, vD, vy, mu, vgy,
                                           &f.err);
                unsetenv("BLOC_KERNEL_SHAPE");
                cr_assert_eq(st, BLOC_OK, "%s", f.err.message);
                cr_assert_str_eq(f.g.nodes[BLOC_LIST_STEP][0].kernel, sh ? "mlp_layer1_tiled" : "mlp_layer1");
                kfix_run(&f, 0);
                double rhid[N * H], rR[N * K], rce[2 * N], rgx[N], rgy[NY];
                dims_t dm = {N, D, H, act};
                ref_forward(&dm, A, y, t, w, mode == LEARNED, rhid, rR, rce, rgx);
                double *hid = kfix_read(&f, vhid), *R = kfix_read(&f, vR), *ce = kfix_read(&f, vce);
                double *gx = kfix_read(&f, vgx), *gy = kfix_read(&f, vgy);
                /* the backward pass from the device's R and hidden rows: its own error only */
                ref_backward(&dm, A, y, hid + N * H, R + N * K, kfix_round(&f, mu), rgy);
                check("hidden", hid + N * H, rhid, N * H, tol, fp64);
                check("R", R + N * K, rR, N * K, tol, fp64);
                check("ce and correct", ce + 2 * N, rce, 2 * N, tol, fp64);
                check("gx", gx, rgx, N, tol, fp64);
                check("gy", gy, rgy, NY, tol, fp64);
                free(A); free(y); free(x); free(hid); free(R); free(ce); free(gx); free(gy);
                kfix_fini(&f);
            }
}

/* y0: reproducible, PyTorch's nn.Linear bounds per layer, no zero, a new
 * draw for a new seed. */
Test(mlp_init, seeded_and_bounded)
{
    enum { D = 784, H = 300 };
    size_t ny = bloc_mlp_ny(D, H), w2 = (size_t)H * D, b1 = w2 + K * H;
    cr_assert_eq(ny, 238510);
    cr_assert_eq(bloc_mlp_nweights(D, H), 238200);
    double *a = malloc(ny * sizeof *a), *b = malloc(ny * sizeof *b);
    bloc_mlp_init_y(a, D, H, 0);
    bloc_mlp_init_y(b, D, H, 0);
    cr_assert_eq(memcmp(a, b, ny * sizeof *a), 0, "same seed, different y0");
    double lim1 = 1 / sqrt(784.0), lim2 = 1 / sqrt(300.0), max1 = 0, max2 = 0;
    for (size_t i = 0; i < ny; i++) {
        int layer1 = i < w2 || (i >= b1 && i < b1 + H);
        cr_assert(a[i] != 0 && fabs(a[i]) < (layer1 ? lim1 : lim2), "y0[%zu] = %g", i, a[i]);
        if (layer1)
            max1 = fmax(max1, fabs(a[i]));
        else
            max2 = fmax(max2, fabs(a[i]));
    }
    cr_assert(max1 > 0.99 * lim1 && max2 > 0.99 * lim2, "y0 does not fill its ranges: %g %g", max1, max2);
    bloc_mlp_init_y(b, D, H, 1);
    cr_assert_neq(memcmp(a, b, ny * sizeof *a), 0, "seeds 0 and 1 gave the same y0");
    free(a);
    free(b);
}

/* ---- the problem on a tiny subset */

typedef pfix_t hcfix_t;

/* model mlp with `hidden` units and activation act, n_train = 12, n_val =
 * 10, n_test = 9, mu = 0.05 (a ridge large enough to show in the
 * differences); vectors x, y, 4 gradient pairs and the eval list; not
 * finalized. */
static void hcfix_init(hcfix_t *h, bloc_precision_t prec, int hidden, int act)
{
    pfix_defaults(h, &bloc_problem_hyperclean);
    pfix_set(h, "n_train", 12);
    pfix_set(h, "n_val", 10);
    pfix_set(h, "n_test", 9);
    pfix_set(h, "mu", 0.05);
    pfix_set(h, "model", 1);
    pfix_set(h, "hidden", hidden);
    pfix_set(h, "activation", act);
    pfix_open(h, 3, prec, srcs, 5);
    cr_assert_eq(h->pb.ny, bloc_mlp_ny(784, (size_t)hidden));
}

#define hcfix_fini pfix_close
#define hcfix_eval pfix_eval

/* x in [-2, 2]; y = y0 (the seeded start) plus a seeded perturbation of
 * +-0.02 so that the second layer is not at its start either. */
static void random_point(hcfix_t *h, double *x, double *y)
{
    double *rx = kfix_random(&h->f, h->pb.nx, -2, 2, 21), *ry = kfix_random(&h->f, h->pb.ny, -0.02, 0.02, 22);
    memcpy(x, rx, h->pb.nx * sizeof *x);
    for (size_t i = 0; i < h->pb.ny; i++)
        y[i] = h->pb.y0[i] + ry[i];
    free(rx);
    free(ry);
}

enum { FD_H = 7 };

/* 50 coordinates (H = FD_H): 0..19 W1 (pixels 300 .. 500, where the
 * images have ink), 20..29 W2, 30..34 b1, 35..39 b2, 40..49 x */
static size_t mlp_coord(const pfix_t *h, int k, int *on_x)
{
    (void)h;
    size_t H = FD_H, w2 = H * 784, b1 = w2 + K * H, b2 = b1 + H;
    *on_x = k >= 40;
    return k < 20 ? (size_t)(k % FD_H) * 784 + 300 + (size_t)(k * 37) % 200
           : k < 30 ? w2 + (size_t)(k * 13) % (K * H)
           : k < 35 ? b1 + (size_t)k % H
           : k < 40 ? b2 + (size_t)k % K
                    : (size_t)(k - 40);
}

/* Central differences (step 1e-5, fp64) of f and F against the oracles at
 * 50 coordinates: W1, W2, b1, b2 and x, for both activations (H = 7).
 * Bound |fd - grad| <= 1e-7 (1 + |grad|): truncation ~1e-10 f''', roundoff
 * ~1e-11, as for the linear model. A ReLU kink within 1e-5 of a
 * coordinate's path would break the bound; the seeded point has none. */
Test(mlp_problem, gradients_match_finite_differences)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    for (int act = BLOC_MLP_RELU; act <= BLOC_MLP_IDENTITY; act++) {
        hcfix_t h;
        hcfix_init(&h, BLOC_FP64, FD_H, act);
        double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
        random_point(&h, x, y);
        pfix_check_fd(&h, x, y, 50, mlp_coord, 1e-5, 1e-7, act == BLOC_MLP_RELU ? "relu" : "identity");
        free(x); free(y);
        hcfix_fini(&h);
    }
}

/* grad2 at two points (all outputs, and grad_x phi alone at the second)
 * gives the bits of grad at each point; ul_rows gives n_val F at each row
 * of a trajectory (the eval's F times n_val, same kernels and sums). */
Test(mlp_problem, grad2_and_ul_rows_match)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    for (int pi = 0; pi < 2; pi++) {
        hcfix_t h;
        hcfix_init(&h, precs[pi], 21, BLOC_MLP_RELU);
        const bloc_problem_desc_t *d = h.pb.desc;
        size_t ny = h.pb.ny;
        int gxp, y2 = pfix_grad2_nodes(&h, &gxp);
        int traj = kfix_vec(&h.f, "traj", 2 * ny, NULL), vals = kfix_vec(&h.f, "vals", 3, NULL);
        bloc_list_t L = BLOC_LIST_STEP;
        bloc_error_t *e = &h.f.err;
        cr_assert_eq(d->ul_rows(&h.pb, &h.f.g, L, h.x, traj, 0, 2, vals, 1, e), BLOC_OK, "%s", e->message);
        double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(2 * ny * sizeof *y);
        random_point(&h, x, y);
        cr_assert_eq(bloc_graph_write(&h.f.g, h.x, x, e), BLOC_OK);
        cr_assert_eq(bloc_graph_write(&h.f.g, h.y, y, e), BLOC_OK);
        for (size_t i = 0; i < ny; i++)
            y[ny + i] = -0.5 * y[i] + 0.01;
        cr_assert_eq(bloc_graph_write(&h.f.g, y2, y + ny, e), BLOC_OK);
        cr_assert_eq(bloc_graph_write(&h.f.g, traj, y, e), BLOC_OK);
        kfix_run(&h.f, 0);
        pfix_grad2_check(&h, gxp, 1);
        double *v = kfix_read(&h.f, vals), out[2 + BLOC_MAX_METRICS];
        for (int r = 0; r < 2; r++) {
            cr_assert_eq(bloc_graph_write(&h.f.g, h.y, y + r * ny, e), BLOC_OK);
            hcfix_eval(&h, out);
            cr_assert_eq(v[1 + r], 10 * out[BLOC_SLOT_F], "row %d: ul_rows %.17g, n_val F %.17g", r, v[1 + r],
                         10 * out[BLOC_SLOT_F]);
        }
        free(v); free(x); free(y);
        hcfix_fini(&h);
    }
}

/* MEHA's x step then y step, as for the linear model: grad2 asks for
 * grad_x phi only at (x, y), (x, y2), x changes, then grad2 with
 * pb.same_points asks for grad_y f at the same points. The second call
 * reuses the forward's P and hidden rows: R = (w_i / n) P (hc_weigh) and
 * the backward of each point, no forward pass. Its gradients at the new x
 * are the bits of the full gradients there (the swapped call, which does
 * not reuse: same forward kernels, R of the head's (w_i / n) p_c). Both
 * kernel shapes and precisions. */
Test(mlp_problem, grad2_again_reuses_the_forward)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    static const char *const shapes[] = {"cpu", "gpu"}, *const layer1[] = {"mlp_layer1", "mlp_layer1_tiled"};
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++) {
        hcfix_t h;
        setenv("BLOC_KERNEL_SHAPE", shapes[sh], 1);
        hcfix_init(&h, precs[pi], 21, BLOC_MLP_RELU);
        bloc_graph_t *g = &h.f.g;
        int y2 = kfix_vec(&h.f, "y_two", h.pb.ny, NULL), xb = kfix_vec(&h.f, "x_b", h.pb.nx, NULL), first, swapped;
        pfix_reuse_nodes(&h, y2, xb, &first, &swapped);
        unsetenv("BLOC_KERNEL_SHAPE");
        cr_assert_str_eq(g->nodes[BLOC_LIST_STEP][first].kernel, "hc_weigh", "%s shape", shapes[sh]);
        for (int i = first; i < swapped; i++)
            cr_assert_str_neq(g->nodes[BLOC_LIST_STEP][i].kernel, layer1[sh], "a forward pass in the reuse");
        cr_assert_str_eq(g->nodes[BLOC_LIST_STEP][swapped].kernel, layer1[sh], "other points: no reuse");
        double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
        random_point(&h, x, y);
        pfix_reuse_run(&h, y2, xb, x, y);
        for (int k = 0; k < 2; k++) {
            double *reused = kfix_read(&h.f, h.gy[2 + k]), *full = kfix_read(&h.f, h.gy[k]);
            cr_assert_eq(memcmp(reused, full, h.pb.ny * sizeof *full), 0, "grad_y f at point %d (%s shape, %s)",
                         k + 1, shapes[sh], pi ? "fp64" : "fp32");
            free(reused); free(full);
        }
        free(x); free(y);
        hcfix_fini(&h);
    }
}

/* ---- end to end */

/* MEHA from configs/meha_hyperclean_mlp.yaml on a 500 / 500 / 500 subset
 * with 50 hidden units, 20 iterations: the weights start cleaning (F1 of
 * x >= 0 from 2/3 at x = 0 to 0.888 measured, seed 0, fp32; bar 0.8), and
 * two runs give the same bits. */
Test(mlp_problem, meha_starts_cleaning_same_bits)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    const char *sets[] = {"problem.n_train=500", "problem.n_val=500", "problem.n_test=500", "problem.hidden=50",
                          "problem.refit_steps=10", "iterations=20", "log_every=20"};
    bloc_run_result_t a, b;
    bloc_test_run_config("meha_hyperclean_mlp", sets, 7, &a);
    bloc_test_run_config("meha_hyperclean_mlp", sets, 7, &b);
    cr_assert_gt(a.values[BLOC_SLOT_METRIC0 + 2], 0.8, "F1 %g", a.values[BLOC_SLOT_METRIC0 + 2]);
    cr_assert_eq(memcmp(a.values, b.values, (2 + 6) * sizeof *a.values), 0, "F %.17g vs %.17g", a.values[0],
                 b.values[0]);
}

Test(mlp_problem, errors)
{
    static const struct { const char *set, *first; } cases[] = {
        {"problem.model=cnn", "--set problem.model=cnn: expected one of linear, mlp, got 'cnn'"},
        {"problem.hidden=0", "--set problem.hidden=0: must be in [1, 4096], got '0'"},
        {"problem.hidden=4097", "--set problem.hidden=4097: must be in [1, 4096], got '4097'"},
        {"problem.hidden=2.5", "--set problem.hidden=2.5: expected an integer, got '2.5'"},
        {"problem.activation=tanh", "--set problem.activation=tanh: expected one of relu, identity, got 'tanh'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[2048], out[8192], first[1024];
        snprintf(args, sizeof args,
                 "run '%s/../configs/meha_hyperclean_mlp.yaml' --set %s --out /tmp/bloc-never --progress none",
                 BLOC_TEST_DIR, cases[k].set);
        cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
        bloc_test_first_line(out, first, sizeof first);
        cr_assert_str_eq(first, cases[k].first);
    }
    /* the mlp's parameters on the linear model: an error, not ignored */
    static const char *const on_linear[] = {"problem.hidden=500", "problem.activation=identity"};
    for (int k = 0; k < 2; k++) {
        char args[2048], out[8192], first[1024];
        snprintf(args, sizeof args, "run '%s/../configs/meha_hyperclean.yaml' --set %s --out /tmp/bloc-never "
                 "--progress none", BLOC_TEST_DIR, on_linear[k]);
        cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
        bloc_test_first_line(out, first, sizeof first);
        cr_assert_str_eq(first, "hyperclean: hidden and activation apply to model mlp only (model is linear)");
    }
}
