/* Every kernel against a host double-precision reference, in fp32 and
 * fp64 (tolerances in kernel_fixture.h; reductions below). */
#include "kernel_fixture.h"

#include <string.h>

#define N 1000 /* not a multiple of the local size: bounds checks matter */

static const bloc_precision_t precisions[] = {BLOC_FP32, BLOC_FP64};
#define FOR_PRECISIONS(f) \
    for (int pi_ = 0; pi_ < 2; pi_++) \
        for (kfix_t f##_s, *f = &f##_s; f; kfix_fini(f), f = NULL) \
            if (kfix_init(f, precisions[pi_], 64, 32), 1)

Test(kernels, vec_copy)
{
    FOR_PRECISIONS(f) {
        double *x = kfix_random(f, N, -3, 3, 1);
        int vx = kfix_vec(f, "x", N, x), vy = kfix_vec(f, "y", N, NULL);
        bloc_node_t *nd = kfix_node(f, "vec_copy", N);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_int(nd, N);
        kfix_run(f, 0);
        double *y = kfix_read(f, vy);
        kfix_check(f, "y", y, x, N);
        free(x); free(y);
    }
}

/* Scratch vectors: made once (zeros), the same id for the same name and
 * size, an error for the same name with another size. */
Test(graph, scratch_shared_by_name_and_size)
{
    kfix_t f;
    kfix_init(&f, BLOC_FP32, 64, 32);
    int a = bloc_graph_scratch(&f.g, "s", 10, &f.err);
    cr_assert_geq(a, 0, "%s", f.err.message);
    cr_assert_eq(bloc_graph_scratch(&f.g, "s", 10, &f.err), a);
    cr_assert_eq(f.g.vecs[a].n, 10);
    double *v = kfix_read(&f, a);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(v[i], 0.0);
    free(v);
    cr_assert_eq(bloc_graph_scratch(&f.g, "s", 12, &f.err), -1);
    cr_assert_eq(f.err.status, BLOC_ERR_INTERNAL);
    cr_assert_str_eq(f.err.message, "scratch vector 's' has 10 reals, asked for 12");
    kfix_fini(&f);
}

Test(kernels, vec_axpby)
{
    FOR_PRECISIONS(f) {
        double *x = kfix_random(f, N, -3, 3, 2), *y = kfix_random(f, N, -3, 3, 3), ref[N];
        double a = kfix_round(f, 0.7), b = kfix_round(f, -1.3);
        for (int i = 0; i < N; i++)
            ref[i] = a * x[i] + b * y[i];
        int vx = kfix_vec(f, "x", N, x), vy = kfix_vec(f, "y", N, y), vz = kfix_vec(f, "z", N, NULL);
        bloc_node_t *nd = kfix_node(f, "vec_axpby", N);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vz); bloc_arg_int(nd, N);
        bloc_arg_real(nd, a); bloc_arg_real(nd, b);
        kfix_run(f, 0);
        double *z = kfix_read(f, vz);
        kfix_check(f, "z", z, ref, N);
        free(x); free(y); free(z);
    }
}

/* Reductions: summing n values in blocks of n/(G L) per work item, then two
 * trees of depth log2 L and log2 G, the rounding error is at most
 * (n/(G L) + log2 L + log2 G + 1) * u * sum |x_i| (u = unit roundoff). */
static void check_reduce(size_t n, int rows, size_t L, int G)
{
    FOR_PRECISIONS(f) {
        bloc_graph_release(&f->g);
        bloc_graph_init(&f->g, &f->rt, L, G);
        double *t = kfix_random(f, n * (size_t)rows, -1, 2, (unsigned)n);
        int vt = kfix_vec(f, "terms", n * (size_t)rows, t), vs = kfix_vec(f, "scalars", (size_t)rows + 2, NULL);
        cr_assert_eq(bloc_graph_reduce_rows(&f->g, BLOC_LIST_STEP, vt, rows, n, vs, 2, &f->err), BLOC_OK, "%s",
                     f->err.message);
        kfix_run(f, 0);
        double *s = kfix_read(f, vs);
        double u = f->rt.precision == BLOC_FP64 ? 0x1p-53 : 0x1p-24;
        double depth = ceil((double)n / (double)(L * (size_t)G)) + log2((double)L) + log2((double)G) + 1;
        for (int r = 0; r < rows; r++) {
            double ref = 0, mag = 0;
            for (size_t i = 0; i < n; i++) {
                ref += t[(size_t)r * n + i];
                mag += fabs(t[(size_t)r * n + i]);
            }
            cr_assert(fabs(s[2 + r] - ref) <= depth * u * mag, "n=%zu row %d: device %.17g, reference %.17g", n,
                      r, s[2 + r], ref);
        }
        cr_assert_eq(s[0], 0.0, "reduction wrote before its offset");
        cr_assert_eq(s[1], 0.0, "reduction wrote before its offset");
        /* Same shape, same bits: replay and compare exactly. */
        double first[8];
        memcpy(first, s, (size_t)(rows + 2) * sizeof *s);
        free(s);
        cr_assert_eq(bloc_graph_enqueue(&f->g, BLOC_LIST_STEP, 0, NULL, &f->err), BLOC_OK);
        s = kfix_read(f, vs);
        cr_assert_eq(memcmp(first, s, (size_t)(rows + 2) * sizeof *s), 0, "reduction not bitwise reproducible");
        free(s); free(t);
    }
}

Test(kernels, reduce_single_element) { check_reduce(1, 1, 64, 32); }
Test(kernels, reduce_rows_odd_size) { check_reduce(1000, 3, 64, 32); }
Test(kernels, reduce_large) { check_reduce(100003, 2, 64, 32); }
Test(kernels, reduce_other_shape) { check_reduce(5000, 4, 16, 7); }

Test(kernels, prox_box)
{
    FOR_PRECISIONS(f) {
        double v[8] = {-5, -1, -0.5, 0, 0.5, 1, 5, 0.25};
        v[6] = INFINITY;
        v[0] = -INFINITY;
        struct { double lo, hi; } boxes[] = {{-1, 1}, {-INFINITY, 0.3}, {0, INFINITY}, {-INFINITY, INFINITY}, {0.5, 0.5}};
        for (size_t b = 0; b < sizeof boxes / sizeof *boxes; b++) {
            bloc_graph_release(&f->g);
            bloc_graph_init(&f->g, &f->rt, 64, 32);
            int vv = kfix_vec(f, "v", 8, v);
            bloc_node_t *nd = kfix_node(f, "prox_box", 8);
            bloc_arg_vec(nd, vv); bloc_arg_int(nd, 8); bloc_arg_real(nd, boxes[b].lo); bloc_arg_real(nd, boxes[b].hi);
            kfix_run(f, 0);
            double *out = kfix_read(f, vv), ref[8];
            for (int i = 0; i < 8; i++)
                ref[i] = fmin(fmax(v[i], boxes[b].lo), boxes[b].hi);
            kfix_check(f, "prox_box", out, ref, 8);
            free(out);
        }
    }
}

static double sched_half(long k, const double *p) { return p[0] / (double)(k + 1); }

Test(kernels, meha_theta_step)
{
    FOR_PRECISIONS(f) {
        double *th = kfix_random(f, N, -2, 2, 4), *y = kfix_random(f, N, -2, 2, 5), *gy = kfix_random(f, N, -1, 1, 6);
        double eta = kfix_round(f, 0.05), gamma = kfix_round(f, 0.7), ref[N];
        for (int i = 0; i < N; i++) {
            double thv = th[i], yv = y[i], g = gy[i];
            ref[i] = thv - eta * (g + (thv - yv) / gamma);
        }
        int vth = kfix_vec(f, "theta", N, th), vy = kfix_vec(f, "y", N, y), vg = kfix_vec(f, "gy", N, gy);
        bloc_node_t *nd = kfix_node(f, "meha_theta_step", N);
        bloc_arg_vec(nd, vth); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vg); bloc_arg_int(nd, N);
        bloc_arg_real(nd, eta); bloc_arg_real(nd, gamma);
        kfix_run(f, 0);
        double *out = kfix_read(f, vth);
        kfix_check(f, "theta", out, ref, N);
        free(th); free(y); free(gy); free(out);
    }
}

Test(kernels, meha_x_step_with_box_and_schedule)
{
    FOR_PRECISIONS(f) {
        double *x = kfix_random(f, N, -1, 1, 7), *a = kfix_random(f, N, -3, 3, 8);
        double *b = kfix_random(f, N, -3, 3, 9), *c = kfix_random(f, N, -3, 3, 10), ref[N];
        double alpha = kfix_round(f, 0.3), lo = -0.8, hi = 0.9, p[4] = {2.0, 0, 0, 0};
        long k = 3; /* schedule value p0 / (k + 1) = 0.5 */
        double ick = kfix_round(f, sched_half(k, p));
        for (int i = 0; i < N; i++)
            ref[i] = fmin(fmax(x[i] - alpha * (ick * a[i] + b[i] - c[i]), lo), hi);
        int vx = kfix_vec(f, "x", N, x), va = kfix_vec(f, "a", N, a), vb = kfix_vec(f, "b", N, b);
        int vc = kfix_vec(f, "c", N, c);
        int s = bloc_graph_sched(&f->g, "half", sched_half, p, &f->err);
        bloc_node_t *nd = kfix_node(f, "meha_x_step", N);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, va); bloc_arg_vec(nd, vb); bloc_arg_vec(nd, vc);
        bloc_arg_int(nd, N); bloc_arg_real(nd, alpha); bloc_arg_sched(nd, s); bloc_arg_real(nd, lo);
        bloc_arg_real(nd, hi);
        kfix_run(f, k);
        double *out = kfix_read(f, vx);
        kfix_check(f, "x", out, ref, N);
        int clamped = 0;
        for (int i = 0; i < N; i++)
            clamped += out[i] == kfix_round(f, lo) || out[i] == kfix_round(f, hi);
        cr_assert_gt(clamped, 0, "test data never reaches the box");
        free(x); free(a); free(b); free(c); free(out);
    }
}

Test(kernels, meha_y_step)
{
    FOR_PRECISIONS(f) {
        double *y = kfix_random(f, N, -2, 2, 11), *th = kfix_random(f, N, -2, 2, 12);
        double *gF = kfix_random(f, N, -3, 3, 13), *gf = kfix_random(f, N, -3, 3, 14), ref[N];
        double beta = kfix_round(f, 0.1), ick = kfix_round(f, 0.25), gamma = kfix_round(f, 1.5);
        for (int i = 0; i < N; i++)
            ref[i] = y[i] - beta * (ick * gF[i] + gf[i] - (y[i] - th[i]) / gamma);
        int vy = kfix_vec(f, "y", N, y), vt = kfix_vec(f, "t", N, th), va = kfix_vec(f, "a", N, gF);
        int vb = kfix_vec(f, "b", N, gf);
        bloc_node_t *nd = kfix_node(f, "meha_y_step", N);
        bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vt); bloc_arg_vec(nd, va); bloc_arg_vec(nd, vb);
        bloc_arg_int(nd, N); bloc_arg_real(nd, beta); bloc_arg_real(nd, ick); bloc_arg_real(nd, gamma);
        kfix_run(f, 0);
        double *out = kfix_read(f, vy);
        kfix_check(f, "y", out, ref, N);
        free(y); free(th); free(gF); free(gf); free(out);
    }
}

/* Runs PREFIX_grad_F / _grad_f on (x, y) with nx = n, ny = ym * n. */
static void run_grad(kfix_t *f, const char *kernel, const double *x, const double *y, int n, int ym, double *gx,
                     double *gy)
{
    bloc_graph_release(&f->g);
    bloc_graph_init(&f->g, &f->rt, 64, 32);
    int vx = kfix_vec(f, "x", (size_t)n, x), vy = kfix_vec(f, "y", (size_t)(ym * n), y);
    int vgx = kfix_vec(f, "gx", (size_t)n, NULL), vgy = kfix_vec(f, "gy", (size_t)(ym * n), NULL);
    bloc_node_t *nd = kfix_node(f, kernel, (size_t)n);
    bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vgx); bloc_arg_vec(nd, vgy); bloc_arg_int(nd, n);
    kfix_run(f, 0);
    double *a = kfix_read(f, vgx), *b = kfix_read(f, vgy);
    memcpy(gx, a, (size_t)n * sizeof *gx);
    memcpy(gy, b, (size_t)(ym * n) * sizeof *gy);
    free(a); free(b);
}

static double *run_terms(kfix_t *f, const char *kernel, const double *x, const double *y, int n, int ym, int rows)
{
    bloc_graph_release(&f->g);
    bloc_graph_init(&f->g, &f->rt, 64, 32);
    int vx = kfix_vec(f, "x", (size_t)n, x), vy = kfix_vec(f, "y", (size_t)(ym * n), y);
    int vt = kfix_vec(f, "t", (size_t)(rows * n), NULL);
    bloc_node_t *nd = kfix_node(f, kernel, (size_t)n);
    bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vt); bloc_arg_int(nd, n);
    kfix_run(f, 0);
    return kfix_read(f, vt);
}

Test(kernels, toy_nonconvex_oracles)
{
    FOR_PRECISIONS(f) {
        double *x = kfix_random(f, N, -6, 6, 15), *y = kfix_random(f, N, -6, 6, 16);
        double gx[N], gy[N], rx[N], ry[N], rt[4 * N];
        run_grad(f, "toy_nonconvex_grad_F", x, y, N, 1, gx, gy);
        for (int i = 0; i < N; i++) { rx[i] = 2 * (x[i] - 2); ry[i] = 2 * (y[i] - 4); }
        kfix_check(f, "grad_x F", gx, rx, N);
        kfix_check(f, "grad_y F", gy, ry, N);
        run_grad(f, "toy_nonconvex_grad_f", x, y, N, 1, gx, gy);
        for (int i = 0; i < N; i++) rx[i] = ry[i] = cos(x[i] + y[i] - 2);
        kfix_check(f, "grad_x f", gx, rx, N);
        kfix_check(f, "grad_y f", gy, ry, N);
        double *t = run_terms(f, "toy_nonconvex_terms", x, y, N, 1, 4);
        for (int i = 0; i < N; i++) {
            double s = sin(x[i] + y[i] - 2), d = x[i] - 2.35619449019234492885;
            rt[i] = (x[i] - 2) * (x[i] - 2) + (y[i] - 4) * (y[i] - 4);
            rt[N + i] = s;
            rt[2 * N + i] = d * d;
            rt[3 * N + i] = (s + 1) * (s + 1);
        }
        kfix_check(f, "terms", t, rt, 4 * N);
        free(x); free(y); free(t);
    }
}

Test(kernels, toy_merely_convex_oracles)
{
    FOR_PRECISIONS(f) {
        double *x = kfix_random(f, N, -2, 2, 17), *y = kfix_random(f, 2 * N, -2, 2, 18);
        double gx[N], gy[2 * N], rx[N], ry[2 * N], rt[5 * N];
        const double *y1 = y, *y2 = y + N;
        run_grad(f, "toy_merely_convex_grad_F", x, y, N, 2, gx, gy);
        for (int i = 0; i < N; i++) { rx[i] = x[i] - y2[i]; ry[i] = y1[i] - 1; ry[N + i] = y2[i] - x[i]; }
        kfix_check(f, "grad_x F", gx, rx, N);
        kfix_check(f, "grad_y F", gy, ry, 2 * N);
        run_grad(f, "toy_merely_convex_grad_f", x, y, N, 2, gx, gy);
        for (int i = 0; i < N; i++) { rx[i] = -y1[i]; ry[i] = y1[i] - x[i]; ry[N + i] = 0; }
        kfix_check(f, "grad_x f", gx, rx, N);
        kfix_check(f, "grad_y f", gy, ry, 2 * N);
        double *t = run_terms(f, "toy_merely_convex_terms", x, y, N, 2, 5);
        for (int i = 0; i < N; i++) {
            rt[i] = 0.5 * (x[i] - y2[i]) * (x[i] - y2[i]) + 0.5 * (y1[i] - 1) * (y1[i] - 1);
            rt[N + i] = 0.5 * y1[i] * y1[i] - x[i] * y1[i];
            rt[2 * N + i] = (x[i] - 1) * (x[i] - 1);
            rt[3 * N + i] = (y1[i] - 1) * (y1[i] - 1) + (y2[i] - 1) * (y2[i] - 1);
            rt[4 * N + i] = (y1[i] - x[i]) * (y1[i] - x[i]);
        }
        kfix_check(f, "terms", t, rt, 5 * N);
        free(x); free(y); free(t);
    }
}

static double soft_ref(double v, double t)
{
    double a = fabs(v) - t;
    return a > 0 ? copysign(a, v) : 0.0;
}

Test(kernels, prox_l1_and_weighted_l1_edge_cases)
{
    FOR_PRECISIONS(f) {
        enum { M = 12 };
        double v[M] = {-3, -1, -0.5, 0, 0.5, 1, 3, 0.2, -0.2, 7, -7, 2};
        double w[M] = {0, 1, 2, 0.5, 0, 1, 0.1, 1, 1, 0, 0, 3};
        v[9] = INFINITY;   /* finite weight: stays +inf */
        v[10] = -INFINITY;
        w[11] = INFINITY;  /* infinite weight: 0 */
        double t = kfix_round(f, 0.75), ref[M];
        /* uniform */
        int vv = kfix_vec(f, "v", M, v);
        bloc_node_t *nd = kfix_node(f, "prox_l1", M);
        bloc_arg_vec(nd, vv); bloc_arg_int(nd, M); bloc_arg_real(nd, t);
        kfix_run(f, 0);
        double *out = kfix_read(f, vv);
        for (int i = 0; i < M; i++)
            ref[i] = soft_ref(v[i], t);
        kfix_check(f, "prox_l1", out, ref, M);
        free(out);
        /* weighted */
        bloc_graph_release(&f->g);
        bloc_graph_init(&f->g, &f->rt, 64, 32);
        vv = kfix_vec(f, "v", M, v);
        int vw = kfix_vec(f, "w", M, w);
        nd = kfix_node(f, "prox_weighted_l1", M);
        bloc_arg_vec(nd, vv); bloc_arg_vec(nd, vw); bloc_arg_int(nd, M); bloc_arg_real(nd, t);
        kfix_run(f, 0);
        out = kfix_read(f, vv);
        for (int i = 0; i < M; i++)
            ref[i] = soft_ref(v[i], t * w[i]);
        kfix_check(f, "prox_weighted_l1", out, ref, M);
        cr_assert_eq(out[11], 0.0, "infinite weight must give 0");
        cr_assert(isinf(out[9]) && out[9] > 0, "+inf with finite weight stays +inf");
        cr_assert_eq(out[0], -3.0, "zero weight is the identity");
        free(out);
    }
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Exact projection on {v >= 0, sum v = r} by sorting (Held et al.). */
static void simplex_ref(const double *v, int n, double r, double *out)
{
    double *u = malloc((size_t)n * sizeof *u), cum = 0, tau = 0;
    memcpy(u, v, (size_t)n * sizeof *u);
    qsort(u, (size_t)n, sizeof *u, cmp_desc);
    for (int j = 0; j < n; j++) {
        cum += u[j];
        double t = (cum - r) / (j + 1);
        if (u[j] - t > 0)
            tau = t;
    }
    for (int i = 0; i < n; i++)
        out[i] = fmax(v[i] - tau, 0);
    free(u);
}

static void check_simplex(int n, double r, unsigned seed, int ties)
{
    FOR_PRECISIONS(f) {
        double *v = kfix_random(f, (size_t)n, -2, 3, seed), *ref = malloc((size_t)n * sizeof *ref);
        if (ties)
            for (int i = 0; i < n; i++)
                v[i] = (i % 3) * 0.5;
        int vv = kfix_vec(f, "v", (size_t)n, v);
        size_t gl[2] = {64, 1}, lo[2] = {64, 1};
        bloc_node_t *nd = bloc_graph_add2d(&f->g, BLOC_LIST_STEP, "prox_simplex", gl, lo, &f->err);
        bloc_arg_vec(nd, vv); bloc_arg_int(nd, n); bloc_arg_real(nd, r); bloc_arg_local(nd, 64);
        kfix_run(f, 0);
        double *out = kfix_read(f, vv), sum = 0;
        simplex_ref(v, n, r, ref);
        kfix_check(f, "prox_simplex", out, ref, (size_t)n);
        for (int i = 0; i < n; i++) {
            cr_assert_geq(out[i], 0.0);
            sum += out[i];
        }
        double tol = f->rt.precision == BLOC_FP64 ? 1e-12 : 1e-5;
        cr_assert(fabs(sum - r) <= tol * (1 + r), "sum %.17g, radius %g", sum, r);
        free(v); free(ref); free(out);
    }
}

Test(kernels, prox_simplex_single) { check_simplex(1, 1.0, 20, 0); }
Test(kernels, prox_simplex_small) { check_simplex(5, 2.5, 21, 0); }
Test(kernels, prox_simplex_large) { check_simplex(1000, 1.0, 22, 0); }
Test(kernels, prox_simplex_ties) { check_simplex(100, 3.0, 23, 1); }

Test(kernels, vec_step2_and_step_diff)
{
    FOR_PRECISIONS(f) {
        double *z = kfix_random(f, N, -1, 1, 30), *u = kfix_random(f, N, -2, 2, 31);
        double *v = kfix_random(f, N, -2, 2, 32), *w = kfix_random(f, N, -2, 2, 33), r2[N], rd[N];
        double s = kfix_round(f, 0.4), a = kfix_round(f, 0.3), b = kfix_round(f, -1.7), lo = -0.9, hi = 0.8;
        for (int i = 0; i < N; i++) {
            r2[i] = fmin(fmax(z[i] - s * (a * u[i] + b * v[i]), lo), hi);
            rd[i] = fmin(fmax(z[i] - s * (a * u[i] + b * (v[i] - w[i])), lo), hi);
        }
        int vz = kfix_vec(f, "z", N, z), vz2 = kfix_vec(f, "z2", N, z), vu = kfix_vec(f, "u", N, u);
        int vv = kfix_vec(f, "v", N, v), vw = kfix_vec(f, "w", N, w);
        bloc_node_t *nd = kfix_node(f, "vec_step2", N);
        bloc_arg_vec(nd, vz); bloc_arg_vec(nd, vu); bloc_arg_vec(nd, vv); bloc_arg_int(nd, N);
        bloc_arg_real(nd, s); bloc_arg_real(nd, a); bloc_arg_real(nd, b); bloc_arg_real(nd, lo); bloc_arg_real(nd, hi);
        nd = kfix_node(f, "vec_step_diff", N);
        bloc_arg_vec(nd, vz2); bloc_arg_vec(nd, vu); bloc_arg_vec(nd, vv); bloc_arg_vec(nd, vw); bloc_arg_int(nd, N);
        bloc_arg_real(nd, s); bloc_arg_real(nd, a); bloc_arg_real(nd, b); bloc_arg_real(nd, lo); bloc_arg_real(nd, hi);
        kfix_run(f, 0);
        double *o2 = kfix_read(f, vz), *od = kfix_read(f, vz2);
        kfix_check(f, "vec_step2", o2, r2, N);
        kfix_check(f, "vec_step_diff", od, rd, N);
        free(z); free(u); free(v); free(w); free(o2); free(od);
    }
}

Test(kernels, vec_dot_terms)
{
    FOR_PRECISIONS(f) {
        double *a = kfix_random(f, N, -2, 2, 34), *b = kfix_random(f, N, -2, 2, 35);
        double *c = kfix_random(f, N, -2, 2, 36), *d = kfix_random(f, N, -2, 2, 37), ref[2 * N];
        for (int i = 0; i < N; i++) {
            ref[i] = a[i] * b[i];
            ref[N + i] = c[i] * d[i];
        }
        int va = kfix_vec(f, "a", N, a), vb = kfix_vec(f, "b", N, b), vc = kfix_vec(f, "c", N, c);
        int vd = kfix_vec(f, "d", N, d), vt = kfix_vec(f, "t", 2 * N, NULL);
        bloc_node_t *nd = kfix_node(f, "vec_dot_terms", N);
        bloc_arg_vec(nd, va); bloc_arg_vec(nd, vb); bloc_arg_vec(nd, vc); bloc_arg_vec(nd, vd); bloc_arg_vec(nd, vt);
        bloc_arg_int(nd, N);
        kfix_run(f, 0);
        double *t = kfix_read(f, vt);
        kfix_check(f, "dot terms", t, ref, 2 * N);
        free(a); free(b); free(c); free(d); free(t);
    }
}

/* BOME's step with lambda from device dot products, including the
 * lambda = 0 branches (grad q = 0; eta_b ||q||^2 < F.q). */
Test(kernels, bome_step)
{
    FOR_PRECISIONS(f) {
        double dots_cases[3][4] = {{2.0, -0.5, 1.0, 0.25}, {0, 0, 0, 0}, {1.0, 3.0, 0.5, 1.0}};
        for (int c = 0; c < 3; c++) {
            bloc_graph_release(&f->g);
            bloc_graph_init(&f->g, &f->rt, 64, 32);
            double *z = kfix_random(f, N, -1, 1, 40), *gF = kfix_random(f, N, -2, 2, 41);
            double *gq = kfix_random(f, N, -2, 2, 42), ref[N], *dots = dots_cases[c];
            double xi = kfix_round(f, 0.3), eb = kfix_round(f, 0.5);
            double qq = dots[0] + dots[2], Fq = dots[1] + dots[3];
            double lambda = qq > 0 ? fmax(eb * qq - Fq, 0) / qq : 0;
            lambda = kfix_round(f, lambda);
            for (int i = 0; i < N; i++)
                ref[i] = fmin(fmax(z[i] - xi * (gF[i] + lambda * gq[i]), -0.7), 0.7);
            int vz = kfix_vec(f, "z", N, z), vF = kfix_vec(f, "gF", N, gF), vq = kfix_vec(f, "gq", N, gq);
            int vd = kfix_vec(f, "dots", 4, dots);
            bloc_node_t *nd = kfix_node(f, "bome_step", N);
            bloc_arg_vec(nd, vz); bloc_arg_vec(nd, vF); bloc_arg_vec(nd, vq); bloc_arg_int(nd, N);
            bloc_arg_real(nd, xi); bloc_arg_real(nd, eb); bloc_arg_vec(nd, vd); bloc_arg_real(nd, -0.7);
            bloc_arg_real(nd, 0.7);
            kfix_run(f, 0);
            double *o = kfix_read(f, vz);
            kfix_check(f, "bome_step", o, ref, N);
            free(z); free(gF); free(gq); free(o);
        }
    }
}
