/* hyperclean: kernels against a host double reference (fp32 and fp64), the
 * seeded draw (determinism, disjointness, corruption, bits pinned against
 * bench/peers/hyperclean_data.py), gradients against central differences of
 * the objectives in fp64 on a tiny subset, the grad2 hook against grad, the
 * metrics against a host reference, MEHA's cleaning on a 1000-sample subset
 * and the error messages. The problem-level tests need Fashion-MNIST
 * (dataset-fashion-mnist) and are skipped without it. */
#include "problem_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../problems/fmnist.h"
#include "../problems/softmax.h"
#include "config.h"
#include "idx.h"
#include "problem.h"
#include "run.h"
#include "solvers/firstorder.h"
#include "support.h"

#define K 10
extern const bloc_problem_desc_t bloc_problem_hyperclean;

static const char *const srcs[] = {"kernels/vec.cl", "kernels/reduce.cl", "kernels/prox.cl", "problems/hyperclean.cl"};
static const bloc_precision_t precs[] = {BLOC_FP32, BLOC_FP64};
enum { LEARNED, UNIFORM, ORACLE, UNWEIGHTED };
enum { OUT_R = 1, OUT_CE = 2, OUT_GX = 4, OUT_CORRECT = 8 };

/* ---- host reference of problems/hyperclean.cl, in double */

static double sigmoid(double v) { return 1 / (1 + exp(-v)); }

/* Head outputs of sample i at y (W K x d row-major, then b), equations (1),
 * (4), (6) of hyperclean.cl. */
static void ref_head(const double *A, int d, const double *y, int ti, double w, int learned, double inv_n,
                     const double *a, double *R, double *ce, double *gx, double *correct)
{
    (void)A;
    double z[K], m = -HUGE_VAL, s = 0;
    int arg = 0;
    for (int c = 0; c < K; c++) {
        z[c] = y[K * d + c];
        for (int j = 0; j < d; j++)
            z[c] += y[c * d + j] * a[j];
        if (z[c] > m) {
            m = z[c];
            arg = c;
        }
    }
    for (int c = 0; c < K; c++)
        s += exp(z[c] - m);
    double cei = m + log(s) - z[ti];
    for (int c = 0; c < K; c++)
        R[c] = w * inv_n * (exp(z[c] - m) / s - (c == ti));
    *ce = w * cei;
    *gx = learned ? w * (1 - w) * cei * inv_n : 0;
    *correct = arg == ti;
}

/* Kernel shapes (host/kernel_shape.h), forced through BLOC_KERNEL_SHAPE:
 * the kernel tests run both on this device. */
static const char *const shapes[] = {"cpu", "gpu"};

/* The forward pass (bloc_sm_forward: hc_forward in the CPU shape,
 * hc_forward_rows in the GPU shape) for n = 53 samples, d = 48, at one or
 * two points, every weight mode, all outputs. CPU shape: blocks of 32
 * (fp32) or 16 (fp64) samples, so the last block has a partial second
 * half (fp32: 5 samples) or a partial first half and an empty second one
 * (fp64); GPU shape: 4 samples per work-group, a partial last one.
 * Each logit is one dot product of length
 * 48 over O(1) data; exp and log are within a few ulps (OpenCL: <= 3 ulp),
 * so the fixture's tolerance holds (fp32 1e-5, fp64 1e-12, relative +
 * absolute). */
Test(hyperclean_kernels, forward)
{
    enum { N = 53, D = 48, NY = K * D + K };
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++)
        for (int mode = LEARNED; mode <= UNWEIGHTED; mode++)
            for (int npts = 1; npts <= 2; npts++) {
                kfix_t f;
                kfix_init_with(&f, precs[pi], 64, 32, srcs, 4);
                double *A = kfix_random(&f, N * D, 0, 1, 1), *y1 = kfix_random(&f, NY, -0.5, 0.5, 2);
                double *y2 = kfix_random(&f, NY, -0.5, 0.5, 3), *x = kfix_random(&f, N, -2, 2, 4);
                double t[N], clean[N];
                for (int i = 0; i < N; i++) {
                    t[i] = (i * 7) % K;
                    clean[i] = i % 3 != 0;
                }
                setenv("BLOC_KERNEL_SHAPE", shapes[sh], 1);
                bloc_sm_split_t sp;
                cr_assert_eq(bloc_sm_split_make(&f.g, "t", "s", A, t, N, D, &sp, &f.err), BLOC_OK, "%s", f.err.message);
                cr_assert_eq(sp.AT >= 0, sh == 0, "transposed blocks in the CPU shape only");
                int vy1 = kfix_vec(&f, "y1", NY, y1), vy2 = kfix_vec(&f, "y2", NY, y2);
                int vx = kfix_vec(&f, "x", N, x), vc = kfix_vec(&f, "clean", N, clean);
                int vR = kfix_vec(&f, "R", 2 * N * K, NULL), vce = kfix_vec(&f, "ce", 4 * N, NULL);
                int vg1 = kfix_vec(&f, "gx1", N, NULL), vg2 = kfix_vec(&f, "gx2", N, NULL);
                int st = bloc_sm_forward(&f.g, BLOC_LIST_STEP, &sp, vy1, npts == 2 ? vy2 : -1, mode,
                                         mode == ORACLE ? vc : vx, OUT_R | OUT_CE | OUT_GX | OUT_CORRECT, vR, vce,
                                         vg1, vg2, &f.err);
                unsetenv("BLOC_KERNEL_SHAPE");
                cr_assert_eq(st, BLOC_OK, "%s", f.err.message);
                cr_assert_str_eq(f.g.nodes[BLOC_LIST_STEP][0].kernel, sh ? "hc_forward_rows" : "hc_forward");
                kfix_run(&f, 0);
                double *R = kfix_read(&f, vR), *ce = kfix_read(&f, vce), *g[2] = {kfix_read(&f, vg1), kfix_read(&f, vg2)};
                for (int p = 0; p < npts; p++) {
                    double rR[N * K], rce[2 * N], rg[N];
                    for (int i = 0; i < N; i++) {
                        double w = mode == LEARNED ? sigmoid(x[i]) : mode == ORACLE ? clean[i] : 1;
                        ref_head(A, D, p ? y2 : y1, (int)t[i], w, mode == LEARNED, 1.0 / N, A + i * D, rR + i * K,
                                 rce + i, rg + i, rce + N + i);
                    }
                    kfix_check(&f, "R", R + p * N * K, rR, N * K);
                    kfix_check(&f, "ce and correct", ce + 2 * p * N, rce, 2 * N);
                    kfix_check(&f, "gx", g[p], rg, N);
                }
                free(A); free(y1); free(y2); free(x); free(R); free(ce); free(g[0]); free(g[1]);
                kfix_fini(&f);
            }
}

/* The CPU shape's forward needs the split's transposed blocks: a split
 * without them is refused with the exact message, before any launch. */
Test(hyperclean_kernels, forward_without_blocks_refused)
{
    kfix_t f;
    kfix_init_with(&f, BLOC_FP32, 64, 32, srcs, 4);
    int v = kfix_vec(&f, "v", 40, NULL);
    bloc_sm_split_t sp = {.A = v, .labels = v, .AT = -1, .n = 4, .d = 8};
    setenv("BLOC_KERNEL_SHAPE", "cpu", 1);
    int st = bloc_sm_forward(&f.g, BLOC_LIST_STEP, &sp, v, -1, UNIFORM, v, OUT_CE, v, v, v, v, &f.err);
    unsetenv("BLOC_KERNEL_SHAPE");
    cr_assert_eq(st, BLOC_ERR_INTERNAL);
    cr_assert_str_eq(f.err.message, "hc_forward: the split has no transposed blocks");
    cr_assert_eq(f.g.nnodes[BLOC_LIST_STEP], 0);
    kfix_fini(&f);
}

/* The gradient (5) with the head outputs, d = 48, every weight mode,
 * against the host reference of (4)-(6). CPU shape, hc_grad +
 * hc_grad_reduce with G groups: (n, G) = (13, 16): most groups empty (zero
 * partials); (301, 2): 152 rows per group, tiles of 16, 32, 64 and 40 rows
 * (the partial carried across tiles). GPU shape, bloc_sm_grad
 * (hc_forward_rows, hc_backward_rows over 64 row chunks,
 * hc_grad_reduce): n = 13 leaves most chunks empty, n = 301 has 5 rows
 * per chunk and a short last one. Sums of up to 301 products of O(1e-1)
 * values: within the fixture tolerance. The outputs must also be the
 * same bits on a second run. */
Test(hyperclean_kernels, fused_gradient)
{
    enum { D = 48, NY = K * D + K, NMAX = 301 };
    const int ns[2] = {13, 301}, gs[2] = {16, 2};
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++)
        for (int cs = 0; cs < 2; cs++)
            for (int mode = LEARNED; mode <= UNWEIGHTED; mode++) {
                int N = ns[cs], G = gs[cs];
                kfix_t f;
                kfix_init_with(&f, precs[pi], 64, 32, srcs, 4);
                double *A = kfix_random(&f, (size_t)N * D, 0, 1, 11), *y = kfix_random(&f, NY, -0.5, 0.5, 12);
                double *x = kfix_random(&f, N, -2, 2, 13), mu = kfix_round(&f, 0.3);
                double t[NMAX], clean[NMAX];
                for (int i = 0; i < N; i++) {
                    t[i] = (i * 7) % K;
                    clean[i] = i % 3 != 0;
                }
                int vA = kfix_vec(&f, "A", (size_t)N * D, A), vy = kfix_vec(&f, "y", NY, y);
                int vx = kfix_vec(&f, "x", N, x), vc = kfix_vec(&f, "clean", N, clean), vt = kfix_vec(&f, "t", N, t);
                int vce = kfix_vec(&f, "ce", N, NULL), vgx = kfix_vec(&f, "gx", N, NULL);
                int vP = kfix_vec(&f, "P", (size_t)G * NY, NULL), vg = kfix_vec(&f, "gy", NY, NULL);
                if (sh == 0) {
                    size_t global[2] = {(size_t)G, 1}, local[2] = {1, 1};
                    bloc_node_t *nd = bloc_graph_add2d(&f.g, BLOC_LIST_STEP, "hc_grad", global, local, &f.err);
                    cr_assert_not_null(nd);
                    bloc_arg_vec(nd, vA); bloc_arg_int(nd, N); bloc_arg_int(nd, D); bloc_arg_vec(nd, vy);
                    bloc_arg_int(nd, mode); bloc_arg_vec(nd, mode == ORACLE ? vc : vx); bloc_arg_vec(nd, vt);
                    bloc_arg_real(nd, 1.0 / N); bloc_arg_int(nd, OUT_CE | OUT_GX); bloc_arg_vec(nd, vce);
                    bloc_arg_vec(nd, vgx); bloc_arg_vec(nd, vP);
                    nd = kfix_node(&f, "hc_grad_reduce", NY);
                    bloc_arg_vec(nd, vP); bloc_arg_int(nd, G); bloc_arg_int(nd, NY);
                    bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vy);
                    bloc_arg_real(nd, mu); bloc_arg_vec(nd, vg); bloc_arg_vec(nd, vg);
                } else {
                    bloc_sm_split_t sp = {.A = vA, .labels = vt, .AT = -1, .n = N, .d = D};
                    setenv("BLOC_KERNEL_SHAPE", "gpu", 1);
                    int st = bloc_sm_grad(&f.g, BLOC_LIST_STEP, &sp, vy, mode, mode == ORACLE ? vc : vx,
                                          OUT_CE | OUT_GX, vce, vgx, mu, vg, &f.err);
                    unsetenv("BLOC_KERNEL_SHAPE");
                    cr_assert_eq(st, BLOC_OK, "%s", f.err.message);
                    cr_assert_str_eq(f.g.nodes[BLOC_LIST_STEP][1].kernel, "hc_backward_rows");
                }
                kfix_run(&f, 0);
                double *gy = kfix_read(&f, vg), *ce = kfix_read(&f, vce), *gx = kfix_read(&f, vgx);
                double *R = malloc((size_t)N * K * sizeof *R), rce[NMAX], rgx[NMAX], corr, ref[NY];
                for (int i = 0; i < N; i++) {
                    double w = mode == LEARNED ? sigmoid(x[i]) : mode == ORACLE ? clean[i] : 1;
                    ref_head(A, D, y, (int)t[i], w, mode == LEARNED, 1.0 / N, A + i * D, R + i * K, rce + i,
                             rgx + i, &corr);
                }
                for (int c = 0; c < K; c++) {
                    ref[K * D + c] = 0;
                    for (int i = 0; i < N; i++)
                        ref[K * D + c] += R[i * K + c];
                    for (int j = 0; j < D; j++) {
                        double s = 0;
                        for (int i = 0; i < N; i++)
                            s += R[i * K + c] * A[i * D + j];
                        ref[c * D + j] = s + mu * y[c * D + j];
                    }
                }
                kfix_check(&f, "gy", gy, ref, NY);
                kfix_check(&f, "ce", ce, rce, N);
                kfix_check(&f, "gx", gx, rgx, N);
                cr_assert_eq(bloc_graph_enqueue(&f.g, BLOC_LIST_STEP, 1, NULL, &f.err), BLOC_OK);
                clFinish(f.rt.queue);
                double *gy2 = kfix_read(&f, vg);
                cr_assert_eq(memcmp(gy, gy2, NY * sizeof *gy), 0, "second run: other bits");
                free(A); free(y); free(x); free(gy); free(gy2); free(ce); free(gx); free(R);
                kfix_fini(&f);
            }
}

/* The gradient (5) from P (7) at a new x (bloc_sm_backward): the forward
 * at y1 (and y2) with weights x writes P (BLOC_SM_OUT_P, checked against
 * the host's softmax(z_i) - e_t), then the backward weighs it by the
 * weights of another x and adds R' A + mu W and sum R per point. CPU
 * shape: the forward over 8 work items of consecutive blocks at n = 1100
 * (fp32: 35 blocks, seven items of 5, each prefetching its next block in
 * the last pass, and an empty eighth; fp64: 69 blocks, 9 per item), so P
 * checks the multi-block walk that the forward test's 2 to 4 blocks do
 * not reach; hc_backward over BLOC_SM_GROUPS = 8 work items, one pass for
 * both points; n = 13 leaves half the items empty, n = 1100 gives seven
 * 140 rows (tiles of 16, 32, 64 and 28) and the last 120. GPU shape:
 * hc_weigh, hc_backward_rows over 64 chunks per point.
 * Every weight mode, one and two points, fp32 and fp64, within the
 * fixture's tolerance of a double reference; a second run gives the same
 * bits. */
Test(hyperclean_kernels, backward_from_P)
{
    enum { D = 48, NY = K * D + K, NMAX = 1100 };
    const int ns[2] = {13, 1100};
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++)
        for (int cs = 0; cs < 2; cs++)
            for (int mode = LEARNED; mode <= UNWEIGHTED; mode++)
                for (int npts = 1; npts <= 2; npts++) {
                    int N = ns[cs];
                    kfix_t f;
                    kfix_init_with(&f, precs[pi], 64, 32, srcs, 4);
                    double *A = kfix_random(&f, (size_t)N * D, 0, 1, 31);
                    double *y[2] = {kfix_random(&f, NY, -0.5, 0.5, 32), kfix_random(&f, NY, -0.5, 0.5, 33)};
                    double *x = kfix_random(&f, N, -2, 2, 34), *x2 = kfix_random(&f, N, -3, 1, 35);
                    double mu = kfix_round(&f, 0.3), *t = malloc(NMAX * sizeof *t), *clean = malloc(NMAX * sizeof *t);
                    for (int i = 0; i < N; i++) {
                        t[i] = (i * 3) % K;
                        clean[i] = i % 4 != 1;
                    }
                    setenv("BLOC_KERNEL_SHAPE", shapes[sh], 1);
                    bloc_sm_split_t sp;
                    cr_assert_eq(bloc_sm_split_make(&f.g, "t", "s", A, t, N, D, &sp, &f.err), BLOC_OK, "%s",
                                 f.err.message);
                    int vy[2] = {kfix_vec(&f, "y1", NY, y[0]), kfix_vec(&f, "y2", NY, y[1])};
                    int vx = kfix_vec(&f, "x", N, x), vx2 = kfix_vec(&f, "x2", N, x2);
                    int vc = kfix_vec(&f, "clean", N, clean);
                    int vP = kfix_vec(&f, "P", 2 * (size_t)N * K, NULL), vce = kfix_vec(&f, "ce", 4 * (size_t)N, NULL);
                    int vgx = kfix_vec(&f, "gx", N, NULL);
                    int vg[2] = {kfix_vec(&f, "gy1", NY, NULL), kfix_vec(&f, "gy2", NY, NULL)};
                    int st = bloc_sm_forward(&f.g, BLOC_LIST_STEP, &sp, vy[0], npts == 2 ? vy[1] : -1, mode,
                                             mode == ORACLE ? vc : vx, BLOC_SM_OUT_P, vP, vce, vgx, vgx, &f.err);
                    if (!st)
                        st = bloc_sm_backward(&f.g, BLOC_LIST_STEP, &sp, npts, vP, mode, mode == ORACLE ? vc : vx2, vy,
                                              mu, vg, &f.err);
                    unsetenv("BLOC_KERNEL_SHAPE");
                    cr_assert_eq(st, BLOC_OK, "%s", f.err.message);
                    cr_assert_str_eq(f.g.nodes[BLOC_LIST_STEP][1].kernel, sh ? "hc_weigh" : "hc_backward");
                    kfix_run(&f, 0);
                    double *P = kfix_read(&f, vP), *ref = malloc(NY * sizeof *ref);
                    double *rP = malloc((size_t)N * K * sizeof *rP), ce, gx, corr;
                    for (int p = 0; p < npts; p++) {
                        double *gy = kfix_read(&f, vg[p]);
                        for (int i = 0; i < N; i++) /* P: the head at weight 1 and 1/n = 1 */
                            ref_head(A, D, y[p], (int)t[i], 1, 0, 1, A + i * D, rP + i * K, &ce, &gx, &corr);
                        kfix_check(&f, "P", P + (size_t)p * N * K, rP, (size_t)N * K);
                        for (int c = 0; c < K; c++) {
                            ref[K * D + c] = 0;
                            for (int j = 0; j < D; j++)
                                ref[c * D + j] = mu * y[p][c * D + j];
                        }
                        for (int i = 0; i < N; i++) {
                            double w = mode == LEARNED ? sigmoid(x2[i]) : mode == ORACLE ? clean[i] : 1;
                            for (int c = 0; c < K; c++) {
                                double r = w / N * rP[i * K + c]; /* (4) at the new weights */
                                ref[K * D + c] += r;
                                for (int j = 0; j < D; j++)
                                    ref[c * D + j] += r * A[i * D + j];
                            }
                        }
                        kfix_check(&f, "gy", gy, ref, NY);
                        cr_assert_eq(bloc_graph_enqueue(&f.g, BLOC_LIST_STEP, 1, NULL, &f.err), BLOC_OK);
                        clFinish(f.rt.queue);
                        double *again = kfix_read(&f, vg[p]);
                        cr_assert_eq(memcmp(gy, again, NY * sizeof *gy), 0, "second run: other bits");
                        free(gy); free(again);
                    }
                    free(A); free(y[0]); free(y[1]); free(x); free(x2); free(t); free(clean); free(P); free(ref);
                    free(rP);
                    kfix_fini(&f);
                }
}

/* F1 rows with ties: x > median(x) iff at least ceil(n/2) values are
 * smaller (exact, on the device's values). */
Test(hyperclean_kernels, f1_terms)
{
    enum { N = 9 };
    double x[N] = {0, -1, 2, 2, 0.5, -3, 2, 0, 1}, clean[N] = {1, 0, 1, 0, 1, 0, 1, 1, 0};
    for (int pi = 0; pi < 2; pi++) {
        kfix_t f;
        kfix_init_with(&f, precs[pi], 64, 32, srcs, 4);
        int vx = kfix_vec(&f, "x", N, x), vc = kfix_vec(&f, "c", N, clean), vt = kfix_vec(&f, "t", 4 * N, NULL);
        bloc_node_t *nd = kfix_node(&f, "hc_f1_terms", N);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vc); bloc_arg_int(nd, N); bloc_arg_vec(nd, vt);
        kfix_run(&f, 0);
        /* sorted: -3 -1 0 0 0.5 1 2 2 2, median 0.5: above it 1, 2, 2, 2 */
        double med = 0.5, ref[4 * N];
        for (int i = 0; i < N; i++) {
            ref[i] = x[i] >= 0;
            ref[N + i] = x[i] >= 0 && clean[i];
            ref[2 * N + i] = x[i] > med;
            ref[3 * N + i] = x[i] > med && clean[i];
        }
        double *t = kfix_read(&f, vt);
        kfix_check(&f, "f1 terms", t, ref, 4 * N);
        free(t);
        kfix_fini(&f);
    }
}

/* hc_nag_step, hc_square and hc_fill */
Test(hyperclean_kernels, elementwise)
{
    enum { N = 70 };
    for (int pi = 0; pi < 2; pi++) {
        kfix_t f;
        kfix_init_with(&f, precs[pi], 64, 32, srcs, 4);
        double *y = kfix_random(&f, N, -1, 1, 8), *v = kfix_random(&f, N, -1, 1, 9), *g = kfix_random(&f, N, -1, 1, 10);
        double s = kfix_round(&f, 0.05), m = kfix_round(&f, 0.9), ry[N], rv[N], rsq[N], rfill[N];
        for (int i = 0; i < N; i++) {
            double yn = v[i] - s * g[i];
            rv[i] = yn + m * (yn - y[i]);
            ry[i] = yn;
            rsq[i] = y[i] * y[i];
            rfill[i] = kfix_round(&f, 0.25);
        }
        int vy = kfix_vec(&f, "y", N, y), vv = kfix_vec(&f, "v", N, v), vg = kfix_vec(&f, "g", N, g);
        int vsq = kfix_vec(&f, "sq", N, NULL), vfill = kfix_vec(&f, "fill", N, NULL);
        bloc_node_t *nd = kfix_node(&f, "hc_square", N);
        bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vsq); bloc_arg_int(nd, N);
        nd = kfix_node(&f, "hc_nag_step", N);
        bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vv); bloc_arg_vec(nd, vg); bloc_arg_int(nd, N);
        bloc_arg_real(nd, 0.05); bloc_arg_real(nd, 0.9);
        nd = kfix_node(&f, "hc_fill", N);
        bloc_arg_vec(nd, vfill); bloc_arg_int(nd, N); bloc_arg_real(nd, 0.25);
        kfix_run(&f, 0);
        double *oy = kfix_read(&f, vy), *ov = kfix_read(&f, vv), *osq = kfix_read(&f, vsq), *ofill = kfix_read(&f, vfill);
        kfix_check(&f, "nag y", oy, ry, N);
        kfix_check(&f, "nag v", ov, rv, N);
        kfix_check(&f, "square", osq, rsq, N);
        kfix_check(&f, "fill", ofill, rfill, N);
        free(y); free(v); free(g); free(oy); free(ov); free(osq); free(ofill);
        kfix_fini(&f);
    }
}

/* ---- the draw */

/* Synthetic pool: determinism for a seed, a new draw for another seed,
 * disjoint indices, exactly floor(rho n + 1/2) corrupted labels, each
 * changed to a different class, the others kept. */
Test(hyperclean_draw, deterministic_and_well_formed)
{
    enum { POOL = 1000, NTR = 101, NVAL = 50, NTE = 60, NEED = NTR + NVAL + NTE };
    unsigned char labels[POOL], noisy[2][NTR], clean[2][NTR];
    size_t index[2][NEED];
    for (int k = 0; k < POOL; k++)
        labels[k] = (unsigned char)((k * 37) % K);
    size_t nc = bloc_fmnist_draw(5, POOL, labels, NTR, NVAL, NTE, 0.5, index[0], noisy[0], clean[0]);
    cr_assert_eq(nc, 51); /* floor(50.5 + 0.5) */
    cr_assert_eq(bloc_fmnist_draw(5, POOL, labels, NTR, NVAL, NTE, 0.5, index[1], noisy[1], clean[1]), nc);
    cr_assert_eq(memcmp(index[0], index[1], sizeof index[0]), 0, "same seed, different draw");
    cr_assert_eq(memcmp(noisy[0], noisy[1], NTR), 0);
    cr_assert_eq(memcmp(clean[0], clean[1], NTR), 0);
    char seen[POOL] = {0};
    size_t corrupted = 0;
    for (int i = 0; i < NEED; i++) {
        cr_assert_lt(index[0][i], POOL);
        cr_assert_eq(seen[index[0][i]], 0, "index %zu drawn twice", index[0][i]);
        seen[index[0][i]] = 1;
    }
    for (int i = 0; i < NTR; i++) {
        unsigned char truth = labels[index[0][i]];
        cr_assert_lt(noisy[0][i], K);
        if (clean[0][i])
            cr_assert_eq(noisy[0][i], truth);
        else {
            cr_assert_neq(noisy[0][i], truth, "corrupted label %d kept its class", i);
            corrupted++;
        }
    }
    cr_assert_eq(corrupted, nc);
    bloc_fmnist_draw(6, POOL, labels, NTR, NVAL, NTE, 0.5, index[1], noisy[1], clean[1]);
    cr_assert_neq(memcmp(index[0], index[1], sizeof index[0]), 0, "seeds 5 and 6 drew the same samples");
    cr_assert_eq(bloc_fmnist_draw(5, POOL, labels, NTR, NVAL, NTE, 0, index[1], noisy[1], clean[1]), 0);
    cr_assert_eq(bloc_fmnist_draw(5, POOL, labels, NTR, NVAL, NTE, 1, index[1], noisy[1], clean[1]), NTR);
}

/* Pinned on the Fashion-MNIST training labels, the same values as
 * bench/peers/hyperclean_data.py's replica prints: the peer sees bloc's data. */
Test(hyperclean_draw, pinned_on_fashion_mnist)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    char p[1024];
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", bloc_test_fmnist_dir());
    bloc_idx_t lab;
    bloc_error_t err;
    cr_assert_eq(bloc_idx_read_labels(p, K, &lab, &err), BLOC_OK, "%s", err.message);
    size_t *index = malloc(20000 * sizeof *index);
    unsigned char *noisy = malloc(5000), *clean = malloc(5000);
    cr_assert_eq(bloc_fmnist_draw(0, lab.count, lab.data, 5000, 5000, 10000, 0.5, index, noisy, clean), 2500);
    const size_t head[5] = {0, 57998, 48674, 32312, 28912}, mid[4] = {55741, 27581, 3056, 23594};
    const size_t tail[3] = {4099, 27725, 3976};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(index[i], head[i], "index[%d] = %zu", i, index[i]);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(index[4998 + i], mid[i], "index[%d] = %zu", 4998 + i, index[4998 + i]);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(index[19997 + i], tail[i], "index[%d] = %zu", 19997 + i, index[19997 + i]);
    /* the first corrupted train positions and their labels */
    const int pos[5] = {0, 3, 6, 11, 13}, truth[5] = {9, 2, 4, 2, 0}, now[5] = {5, 9, 7, 9, 5};
    for (int k = 0, i = 0; k < 5; i++)
        if (!clean[i]) {
            cr_assert_eq(i, pos[k]);
            cr_assert_eq(lab.data[index[i]], truth[k]);
            cr_assert_eq(noisy[i], now[k]);
            k++;
        }
    cr_assert_eq(bloc_fmnist_draw(7, lab.count, lab.data, 100, 50, 50, 0.3, index, noisy, clean), 30);
    const size_t head7[5] = {35591, 18617, 13583, 35604, 44679};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(index[i], head7[i], "seed 7: index[%d] = %zu", i, index[i]);
    free(index); free(noisy); free(clean);
    bloc_idx_free(&lab);
}

/* ---- the problem on a tiny subset, fp64 */

typedef pfix_t hcfix_t;

/* Problem with n_train = 12, n_val = 10, n_test = 9 (overrides name=value
 * pairs), vectors x, y, 4 gradient pairs and the eval list; not finalized. */
static void hcfix_init(hcfix_t *h, bloc_precision_t prec, const char *const *over, const double *vals, int nover)
{
    pfix_defaults(h, &bloc_problem_hyperclean);
    pfix_set(h, "n_train", 12);
    pfix_set(h, "n_val", 10);
    pfix_set(h, "n_test", 9);
    for (int i = 0; i < nover; i++)
        pfix_set(h, over[i], vals[i]);
    pfix_open(h, 3, prec, srcs, 4);
}

#define hcfix_fini pfix_close
#define hcfix_eval pfix_eval

/* Seeded x in [-2, 2] and y in [-0.05, 0.05]. */
static void random_point(hcfix_t *h, double *x, double *y)
{
    double *rx = kfix_random(&h->f, h->pb.nx, -2, 2, 21), *ry = kfix_random(&h->f, h->pb.ny, -0.05, 0.05, 22);
    memcpy(x, rx, h->pb.nx * sizeof *x);
    memcpy(y, ry, h->pb.ny * sizeof *y);
    free(rx);
    free(ry);
}

/* 40 coordinates: W entries of every class, the bias and x */
static size_t hc_coord(const pfix_t *h, int k, int *on_x)
{
    size_t dd = (h->pb.ny - K) / K;
    *on_x = k >= 30;
    return *on_x ? (size_t)(k - 30) : k < 20 ? (size_t)((k % K) * dd + (k * 97) % dd) : K * dd + (size_t)(k % K);
}

/* Central differences (step 1e-5, fp64: truncation ~1e-10 f''', roundoff
 * ~1e-11) of f and F against the oracles at 40 coordinates: W entries of
 * every class, the bias and x. Bound: |fd - grad| <= 1e-7 (1 + |grad|). */
Test(hyperclean_problem, gradients_match_finite_differences)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    hcfix_t h;
    hcfix_init(&h, BLOC_FP64, NULL, NULL, 0);
    double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
    random_point(&h, x, y);
    pfix_check_fd(&h, x, y, 40, hc_coord, 1e-5, 1e-7, "linear");
    free(x); free(y);
    hcfix_fini(&h);
}

/* grad2 at two points with every output gives the bits of grad at each
 * point (same kernels, same sums); grad_x phi alone comes from hc_forward,
 * whose logits add the features in another order: within tolerance. */
Test(hyperclean_problem, grad2_matches_grad)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    for (int pi = 0; pi < 2; pi++) {
        hcfix_t h;
        hcfix_init(&h, precs[pi], NULL, NULL, 0);
        int gxp, y2 = pfix_grad2_nodes(&h, &gxp);
        bloc_error_t *e = &h.f.err;
        double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
        random_point(&h, x, y);
        cr_assert_eq(bloc_graph_write(&h.f.g, h.x, x, e), BLOC_OK);
        cr_assert_eq(bloc_graph_write(&h.f.g, h.y, y, e), BLOC_OK);
        for (size_t i = 0; i < h.pb.ny; i++)
            y[i] = -0.5 * y[i] + 0.01;
        cr_assert_eq(bloc_graph_write(&h.f.g, y2, y, e), BLOC_OK);
        kfix_run(&h.f, 0);
        pfix_grad2_check(&h, gxp, 0);
        free(x); free(y);
        hcfix_fini(&h);
    }
}

/* MEHA's x step then y step: grad2 asks for grad_x phi only at (x, y),
 * (x, y2), x changes, then grad2 with pb.same_points asks for grad_y f at
 * the same points. The second call reuses the first's P: hc_backward
 * alone, no forward pass, and its gradients at the new x match grad's
 * within the fixture's tolerance (the logits added in another order).
 * Both kernel shapes: hc_backward (CPU) or hc_weigh + hc_backward_rows (GPU).
 * With the points swapped the reuse does not apply: fused gradients. */
Test(hyperclean_problem, grad2_again_reuses_the_forward)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    /* first kernel of the reuse and of the fallback, per shape */
    static const char *const reuse[] = {"hc_backward", "hc_weigh"}, *const fallback[] = {"hc_grad", "hc_forward_rows"};
    for (int sh = 0; sh < 2; sh++)
    for (int pi = 0; pi < 2; pi++) {
        hcfix_t h;
        setenv("BLOC_KERNEL_SHAPE", shapes[sh], 1);
        hcfix_init(&h, precs[pi], NULL, NULL, 0);
        bloc_graph_t *g = &h.f.g;
        int y2 = kfix_vec(&h.f, "y_two", h.pb.ny, NULL), xb = kfix_vec(&h.f, "x_b", h.pb.nx, NULL), first, swapped;
        pfix_reuse_nodes(&h, y2, xb, &first, &swapped);
        unsetenv("BLOC_KERNEL_SHAPE");
        cr_assert_str_eq(g->nodes[BLOC_LIST_STEP][first].kernel, reuse[sh], "%s shape", shapes[sh]);
        cr_assert_str_eq(g->nodes[BLOC_LIST_STEP][swapped].kernel, fallback[sh], "other points: no reuse (%s shape)",
                         shapes[sh]);
        double *x = malloc(h.pb.nx * sizeof *x), *y = malloc(h.pb.ny * sizeof *y);
        random_point(&h, x, y);
        pfix_reuse_run(&h, y2, xb, x, y);
        for (int k = 0; k < 2; k++) {
            double *reused = kfix_read(&h.f, h.gy[2 + k]), *fused = kfix_read(&h.f, h.gy[k]);
            kfix_check(&h.f, k ? "grad_y f at y2, reused" : "grad_y f at y, reused", reused, fused, h.pb.ny);
            free(reused); free(fused);
        }
        free(x); free(y);
        hcfix_fini(&h);
    }
}

/* F, f and the metrics against a host reference from the device's data. */
Test(hyperclean_problem, metrics_match_reference)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    const char *over[] = {"mu"};
    const double vals[] = {0.01};
    hcfix_t h;
    hcfix_init(&h, BLOC_FP64, over, vals, 1);
    kfix_run(&h.f, 0);
    size_t nx = h.pb.nx, ny = h.pb.ny, dd = (ny - K) / K;
    double *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
    random_point(&h, x, y);
    for (size_t i = 0; i < ny; i++)
        y[i] *= 20; /* accuracies away from chance */
    x[3] = 0; /* x >= 0 counts 0 as clean */
    cr_assert_eq(bloc_graph_write(&h.f.g, h.x, x, &h.f.err), BLOC_OK);
    cr_assert_eq(bloc_graph_write(&h.f.g, h.y, y, &h.f.err), BLOC_OK);
    double out[2 + BLOC_MAX_METRICS];
    hcfix_eval(&h, out);
    const char *split[3] = {"train", "val", "test"};
    double sum_ce[3], correct[3], sum_wce = 0, wsq = 0, nclean = 0, p0 = 0, tp0 = 0, pm = 0, tpm = 0;
    double *clean = kfix_read(&h.f, bloc_graph_find_vec(&h.f.g, "hc_clean"));
    size_t n[3];
    for (int s = 0; s < 3; s++) {
        char nm[64];
        snprintf(nm, sizeof nm, "hc_A_%s", split[s]);
        int vA = bloc_graph_find_vec(&h.f.g, nm);
        snprintf(nm, sizeof nm, "hc_labels_%s", split[s]);
        int vt = bloc_graph_find_vec(&h.f.g, nm);
        double *A = kfix_read(&h.f, vA), *t = kfix_read(&h.f, vt);
        n[s] = h.f.g.vecs[vt].n;
        sum_ce[s] = correct[s] = 0;
        for (size_t i = 0; i < n[s]; i++) {
            double R[K], ce, gx, ok, w = s == 0 ? sigmoid(x[i]) : 1;
            ref_head(A, (int)dd, y, (int)t[i], w, 0, 1, A + i * dd, R, &ce, &gx, &ok);
            sum_ce[s] += ce;
            correct[s] += ok;
        }
        free(A);
        free(t);
    }
    sum_wce = sum_ce[0];
    for (size_t i = 0; i < K * dd; i++)
        wsq += y[i] * y[i];
    for (size_t i = 0; i < nx; i++) {
        int below = 0;
        for (size_t j = 0; j < nx; j++)
            below += x[j] < x[i];
        nclean += clean[i];
        p0 += x[i] >= 0;
        tp0 += x[i] >= 0 && clean[i];
        pm += below >= (int)(nx + 1) / 2;
        tpm += below >= (int)(nx + 1) / 2 && clean[i];
    }
    double ref[8] = {sum_ce[1] / n[1], sum_wce / n[0] + 0.005 * wsq, correct[1] / n[1], correct[2] / n[2],
                     2 * tp0 / (p0 + nclean), 2 * tpm / (pm + nclean)};
    const char *names[6] = {"F", "f", "val_acc", "test_acc", "f1", "f1_median"};
    for (int k = 0; k < 6; k++)
        cr_assert(fabs(out[k] - ref[k]) <= 1e-12 * (1 + fabs(ref[k])), "%s: device %.17g, reference %.17g",
                  names[k], out[k], ref[k]);
    cr_assert_eq(nclean, 6.0, "12 train samples, 50%% corrupted");
    cr_assert(isnan(out[6]) && isnan(out[7]), "refit metrics without refit_steps");
    free(x); free(y); free(clean);
    hcfix_fini(&h);
}

/* ---- end to end */

/* MEHA from configs/meha_hyperclean.yaml on a 1000 / 1000 / 1000 subset,
 * 200 iterations, against the naive model (weights: uniform, the same
 * 300-step refit). Measured (seed 0, fp32, alpha 10000): F1 0.667 at the
 * start -> 0.909, refit test accuracy 0.773 against 0.482 for the naive
 * refit (oracle weights: 0.747). Bars: F1 > 0.85 and refit test accuracy
 * above the naive one by 0.15. */
Test(hyperclean_problem, meha_cleans_a_subset)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    const char *common[] = {"problem.n_train=1000", "problem.n_val=1000", "problem.n_test=1000",
                            "problem.refit_steps=300", "iterations=200", "log_every=200"};
    bloc_run_result_t meha, naive;
    bloc_test_run_config("meha_hyperclean", common, 6, &meha);
    const char *ref[] = {"problem.n_train=1000", "problem.n_val=1000",    "problem.n_test=1000",
                         "problem.refit_steps=300", "iterations=1",      "log_every=1",
                         "problem.weights=uniform"};
    bloc_test_run_config("meha_hyperclean", ref, 7, &naive);
    double *m = meha.values + BLOC_SLOT_METRIC0, *nv = naive.values + BLOC_SLOT_METRIC0;
    cr_assert_gt(m[2], 0.85, "F1 %g", m[2]);
    cr_assert_gt(m[5], nv[5] + 0.15, "refit test accuracy %g, naive %g", m[5], nv[5]);
}

/* Two runs of a config give the same bits (fixed summation orders). */
Test(hyperclean_problem, same_bits_run_to_run)
{
    if (!bloc_test_have_fmnist())
        cr_skip_test("Fashion-MNIST not installed");
    const char *sets[] = {"problem.n_train=500", "problem.n_val=500", "problem.n_test=500", "problem.refit_steps=20",
                          "iterations=30", "log_every=30"};
    bloc_run_result_t a, b;
    bloc_test_run_config("meha_hyperclean", sets, 6, &a);
    bloc_test_run_config("meha_hyperclean", sets, 6, &b);
    cr_assert_eq(memcmp(a.values, b.values, (2 + 6) * sizeof *a.values), 0, "F %.17g vs %.17g", a.values[0],
                 b.values[0]);
}

Test(hyperclean_problem, errors)
{
    char args[2048], out[8192], first[1024];
    snprintf(args, sizeof args,
             "run '%s/../configs/meha_hyperclean.yaml' --set problem.n_train=50000 --set problem.n_val=10000 "
             "--out /tmp/bloc-never --progress none", BLOC_TEST_DIR);
    if (bloc_test_have_fmnist()) {
        cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
        bloc_test_first_line(out, first, sizeof first);
        cr_assert_str_eq(first, "hyperclean: n_train + n_val + n_test = 70000 exceeds the 60000 training images");
    }
    snprintf(args, sizeof args,
             "run '%s/../configs/meha_hyperclean.yaml' --out /tmp/bloc-never --progress none", BLOC_TEST_DIR);
    char cmd[2300];
    snprintf(cmd, sizeof cmd, "env BLOC_FASHION_MNIST_DIR=/nonexistent '%s' %s 2>&1", BLOC_BIN, args);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    cr_assert_eq(WEXITSTATUS(pclose(p)), 1, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "/nonexistent/train-images-idx3-ubyte.gz: cannot open: No such file or directory "
                            "(bloc reads train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz from "
                            "$BLOC_FASHION_MNIST_DIR, default /usr/share/datasets/fashion-mnist: Debian package "
                            "dataset-fashion-mnist)");
}
