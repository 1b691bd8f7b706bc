/* The quadratic problem: linalg kernels and the problem's oracles against a
 * host double reference (fp32 and fp64), the seeded generator, .npy
 * instances through BLOC_DATA_DIR, MEHA from configs/meha_quadratic.yaml,
 * and the parameter errors. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../problems/quadratic.h"
#include "config.h"
#include "kernel_fixture.h"
#include "npy.h"
#include "run.h"
#include "support.h"

extern const bloc_problem_desc_t bloc_problem_quadratic;

/* The program a MEHA run on this problem builds (host/run.c order), so the
 * kernel tests and the runs share one cached binary per precision. */
static const char *const sources[] = {"kernels/vec.cl",    "kernels/reduce.cl", "kernels/prox.cl",
                                      "kernels/envelope.cl", "kernels/linalg.cl", "problems/quadratic.cl"};
#define NSOURCES (int)(sizeof sources / sizeof *sources)
static const bloc_precision_t precisions[] = {BLOC_FP32, BLOC_FP64};
#define FOR_PRECISIONS(f) \
    for (int pi_ = 0; pi_ < 2; pi_++) \
        for (kfix_t f##_s, *f = &f##_s; f; kfix_fini(f), f = NULL) \
            if (kfix_init_with(f, precisions[pi_], 64, 32, sources, NSOURCES), 1)

/* unit roundoff of the device precision */
static double unit(const kfix_t *f)
{
    return f->rt.precision == BLOC_FP64 ? 0x1p-53 : 0x1p-24;
}

/* ---- linalg kernels.
 * Tolerance: a length-n dot product with every product and sum rounded
 * (FP_CONTRACT OFF) is within n u sum_j |M_ij x_j| of the exact value
 * (u = unit roundoff); alpha *, beta * and the final + add 3 u more, so
 * |dev - ref| <= (n + 3) u (|alpha| sum_j |M_ij x_j| + |beta y_i|), the
 * reference computed in double from the same rounded inputs. */

static void check_gemv(int trans, double alpha, double beta)
{
    const int rows = 37, cols = 23; /* not multiples of the local size */
    FOR_PRECISIONS(f) {
        int nout = trans ? cols : rows, nin = trans ? rows : cols;
        double *M = kfix_random(f, (size_t)(rows * cols), -2, 2, 21), *x = kfix_random(f, (size_t)nin, -3, 3, 22);
        double *y = kfix_random(f, (size_t)nout, -1, 1, 23);
        double a = kfix_round(f, alpha), b = kfix_round(f, beta);
        if (beta == 0)
            for (int i = 0; i < nout; i++)
                y[i] = NAN; /* beta = 0 must not read y */
        int vM = kfix_vec(f, "M", (size_t)(rows * cols), M), vx = kfix_vec(f, "x", (size_t)nin, x);
        int vy = kfix_vec(f, "y", (size_t)nout, y);
        bloc_node_t *nd = kfix_node(f, trans ? "linalg_gemv_t" : "linalg_gemv_n", (size_t)nout);
        bloc_arg_vec(nd, vM); bloc_arg_int(nd, rows); bloc_arg_int(nd, cols); bloc_arg_vec(nd, vx);
        bloc_arg_vec(nd, vy); bloc_arg_real(nd, a); bloc_arg_real(nd, b);
        kfix_run(f, 0);
        double *out = kfix_read(f, vy);
        for (int i = 0; i < nout; i++) {
            double s = 0, mag = 0;
            for (int k = 0; k < nin; k++) {
                double m = trans ? M[k * cols + i] : M[i * cols + k];
                s += m * x[k];
                mag += fabs(m * x[k]);
            }
            double ref = a * s + (b == 0 ? 0 : b * y[i]);
            double tol = (nin + 3) * unit(f) * (fabs(a) * mag + (b == 0 ? 0 : fabs(b * y[i])));
            cr_assert(fabs(out[i] - ref) <= tol, "%s %s y[%d]: device %.17g, reference %.17g, tol %.3g",
                      trans ? "gemv_t" : "gemv_n", f->rt.precision == BLOC_FP64 ? "fp64" : "fp32", i, out[i], ref,
                      tol);
        }
        free(M); free(x); free(y); free(out);
    }
}

Test(linalg, gemv_n) { check_gemv(0, 0.7, -1.3); }
Test(linalg, gemv_t) { check_gemv(1, -1.1, 0.6); }
Test(linalg, gemv_n_beta0_ignores_y) { check_gemv(0, -1, 0); }
Test(linalg, gemv_t_beta0_ignores_y) { check_gemv(1, 2.5, 0); }

/* ---- the problem on a small seeded instance (nx != ny catches index mix-ups) */

#define NX 7
#define NY 5

static void make_params(double *p, double dim_x, double dim_y, double mu, double L, double npy)
{
    const bloc_problem_desc_t *d = &bloc_problem_quadratic;
    for (int i = 0; i < d->nparams; i++)
        p[i] = d->params[i].def;
    p[bloc_param_find(d->params, d->nparams, "dim_x")] = dim_x;
    p[bloc_param_find(d->params, d->nparams, "dim_y")] = dim_y;
    p[bloc_param_find(d->params, d->nparams, "mu")] = mu;
    p[bloc_param_find(d->params, d->nparams, "L")] = L;
    p[bloc_param_find(d->params, d->nparams, "npy")] = npy;
}

static void create(bloc_problem_t *pb, double *p, size_t nx, size_t ny, unsigned long seed)
{
    bloc_error_t err;
    make_params(p, (double)nx, (double)ny, 0.5, 5, 0);
    cr_assert_eq(bloc_problem_create(pb, &bloc_problem_quadratic, p, seed, &err), BLOC_OK, "%s", err.message);
}

/* Copy of a matrix rounded to the device precision. */
static double *rounded(const kfix_t *f, const double *m, size_t n)
{
    double *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = kfix_round(f, m[i]);
    return r;
}

/* grad_x Q = C y + B x + b, grad_y Q = A y + C'x + a in double, with the
 * magnitudes sum |terms| for the tolerance. */
static void host_grad(const double *A, const double *C, const double *a, const double *B, const double *b,
                      const double *x, const double *y, size_t nx, size_t ny, double *gx, double *gy, double *mx,
                      double *my)
{
    for (size_t i = 0; i < nx; i++) {
        gx[i] = b[i];
        mx[i] = fabs(b[i]);
        for (size_t j = 0; j < ny; j++) {
            gx[i] += C[i * ny + j] * y[j];
            mx[i] += fabs(C[i * ny + j] * y[j]);
        }
        for (size_t k = 0; k < nx; k++) {
            gx[i] += B[i * nx + k] * x[k];
            mx[i] += fabs(B[i * nx + k] * x[k]);
        }
    }
    for (size_t j = 0; j < ny; j++) {
        gy[j] = a[j];
        my[j] = fabs(a[j]);
        for (size_t k = 0; k < ny; k++) {
            gy[j] += A[j * ny + k] * y[k];
            my[j] += fabs(A[j * ny + k] * y[k]);
        }
        for (size_t i = 0; i < nx; i++) {
            gy[j] += C[i * ny + j] * x[i];
            my[j] += fabs(C[i * ny + j] * x[i]);
        }
    }
}

/* Q(x, y) = 1/2 y'Ay + x'Cy + a'y + 1/2 x'Bx + b'x and sum of |terms|. */
static double host_value(const double *A, const double *C, const double *a, const double *B, const double *b,
                         const double *x, const double *y, size_t nx, size_t ny, double *mag)
{
    double v = 0;
    *mag = 0;
    for (size_t j = 0; j < ny; j++)
        for (size_t k = 0; k < ny; k++) {
            v += 0.5 * y[j] * A[j * ny + k] * y[k];
            *mag += fabs(0.5 * y[j] * A[j * ny + k] * y[k]);
        }
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) {
            v += x[i] * C[i * ny + j] * y[j];
            *mag += fabs(x[i] * C[i * ny + j] * y[j]);
        }
    for (size_t i = 0; i < nx; i++)
        for (size_t k = 0; k < nx; k++) {
            v += 0.5 * x[i] * B[i * nx + k] * x[k];
            *mag += fabs(0.5 * x[i] * B[i * nx + k] * x[k]);
        }
    for (size_t j = 0; j < ny; j++) {
        v += a[j] * y[j];
        *mag += fabs(a[j] * y[j]);
    }
    for (size_t i = 0; i < nx; i++) {
        v += b[i] * x[i];
        *mag += fabs(b[i] * x[i]);
    }
    return v;
}

/* Solves A z = r (n x n) by Gaussian elimination with partial pivoting:
 * a reference independent of the problem's Cholesky inverse. */
static void solve(const double *A, const double *r, size_t n, double *z)
{
    double *M = malloc(n * (n + 1) * sizeof *M);
    for (size_t i = 0; i < n; i++) {
        memcpy(M + i * (n + 1), A + i * n, n * sizeof *M);
        M[i * (n + 1) + n] = r[i];
    }
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        for (size_t i = k + 1; i < n; i++)
            if (fabs(M[i * (n + 1) + k]) > fabs(M[p * (n + 1) + k]))
                p = i;
        for (size_t j = 0; j <= n; j++) {
            double t = M[k * (n + 1) + j];
            M[k * (n + 1) + j] = M[p * (n + 1) + j];
            M[p * (n + 1) + j] = t;
        }
        for (size_t i = k + 1; i < n; i++) {
            double l = M[i * (n + 1) + k] / M[k * (n + 1) + k];
            for (size_t j = k; j <= n; j++)
                M[i * (n + 1) + j] -= l * M[k * (n + 1) + j];
        }
    }
    for (size_t i = n; i-- > 0;) {
        double s = M[i * (n + 1) + n];
        for (size_t j = i + 1; j < n; j++)
            s -= M[i * (n + 1) + j] * z[j];
        z[i] = s / M[i * (n + 1) + i];
    }
    free(M);
}

/* y* = -A^-1 (C'x + a) (n <= 64). */
static void host_ystar(const bloc_quadratic_t *q, const double *x, double *ys)
{
    double r[64];
    for (size_t j = 0; j < q->ny; j++) {
        r[j] = -q->a[j];
        for (size_t i = 0; i < q->nx; i++)
            r[j] -= q->C[i * q->ny + j] * x[i];
    }
    solve(q->A, r, q->ny, ys);
}

/* grad h = grad_x F(x, y*) - C A^-1 grad_y F(x, y*); ys <- y*. */
static void host_hypergrad(const bloc_quadratic_t *q, const double *x, double *hg, double *ys)
{
    size_t nx = q->nx, ny = q->ny;
    double gy[64], v[64], mx[64], my[64];
    host_ystar(q, x, ys);
    host_grad(q->AF, q->CF, q->aF, q->BF, q->bF, x, ys, nx, ny, hg, gy, mx, my);
    solve(q->A, gy, ny, v);
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            hg[i] -= q->C[i * ny + j] * v[j];
}

/* Reference metrics ||grad h(x)||^2 and ||y - y*(x)||^2. */
static void host_metrics(const bloc_quadratic_t *q, const double *x, const double *y, double *hg_sq, double *dist_sq)
{
    double hg[64], ys[64];
    host_hypergrad(q, x, hg, ys);
    *hg_sq = *dist_sq = 0;
    for (size_t i = 0; i < q->nx; i++)
        *hg_sq += hg[i] * hg[i];
    for (size_t j = 0; j < q->ny; j++)
        *dist_sq += (y[j] - ys[j]) * (y[j] - ys[j]);
}

/* The closed form itself: grad h against central differences of
 * h(x) = F(x, y*(x)), exact for a quadratic up to rounding
 * (~ 1e-16 |h| / step with step 1e-3). */
Test(quadratic, hypergradient_formula_vs_finite_differences)
{
    bloc_quadratic_t q;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&q, NX, NY, 0.5, 5, 6, &err), BLOC_OK, "%s", err.message);
    double x[NX], hg[NX], ys[NY], mag;
    for (int i = 0; i < NX; i++)
        x[i] = 0.3 * i - 1;
    host_hypergrad(&q, x, hg, ys);
    for (int i = 0; i < NX; i++) {
        const double step = 1e-3;
        double xp[NX], h[2];
        for (int s = 0; s < 2; s++) {
            memcpy(xp, x, sizeof xp);
            xp[i] += s ? -step : step;
            host_ystar(&q, xp, ys);
            h[s] = host_value(q.AF, q.CF, q.aF, q.BF, q.bF, xp, ys, NX, NY, &mag);
        }
        double fd = (h[0] - h[1]) / (2 * step);
        cr_assert(fabs(fd - hg[i]) < 1e-8 * (1 + fabs(hg[i])), "grad h[%d]: closed form %.17g, differences %.17g",
                  i, hg[i], fd);
    }
    bloc_quadratic_free(&q);
}

/* Gradients of F and f: same per-element bound as the gemv test, with
 * n = nx + ny products per element. */
Test(quadratic, gradients_vs_host_double)
{
    FOR_PRECISIONS(f) {
        bloc_problem_t pb;
        double p[BLOC_MAX_PARAMS];
        create(&pb, p, NX, NY, 3);
        const bloc_quadratic_t *q = bloc_quadratic_instance(&pb);
        cr_assert_eq(pb.desc->setup(&pb, &f->g, &f->err), BLOC_OK, "%s", f->err.message);
        double *x = kfix_random(f, NX, -2, 2, 31), *y = kfix_random(f, NY, -2, 2, 32);
        int vx = kfix_vec(f, "x", NX, x), vy = kfix_vec(f, "y", NY, y);
        int g[4];
        for (int k = 0; k < 4; k++) {
            char name[8];
            snprintf(name, sizeof name, "g%d", k);
            g[k] = kfix_vec(f, name, k % 2 ? NY : NX, NULL);
        }
        cr_assert_eq(pb.desc->grad(&pb, &f->g, BLOC_LIST_STEP, BLOC_UL, vx, vy, g[0], g[1], &f->err), BLOC_OK);
        cr_assert_eq(pb.desc->grad(&pb, &f->g, BLOC_LIST_STEP, BLOC_LL, vx, vy, g[2], g[3], &f->err), BLOC_OK);
        kfix_run(f, 0);
        for (int level = 0; level < 2; level++) {
            const double *src[5] = {q->AF, q->CF, q->aF, q->BF, q->bF};
            const double *lls[5] = {q->A, q->C, q->a, q->B, q->b};
            const double *const *m = level ? lls : src;
            const size_t sz[5] = {NY * NY, NX * NY, NY, NX * NX, NX};
            double *r[5], gx[NX], gy[NY], mx[NX], my[NY];
            for (int k = 0; k < 5; k++)
                r[k] = rounded(f, m[k], sz[k]);
            host_grad(r[0], r[1], r[2], r[3], r[4], x, y, NX, NY, gx, gy, mx, my);
            double *dx = kfix_read(f, g[2 * level]), *dy = kfix_read(f, g[2 * level + 1]);
            for (int i = 0; i < NX; i++)
                cr_assert(fabs(dx[i] - gx[i]) <= (NX + NY + 2) * unit(f) * mx[i], "%s gx[%d]: %.17g vs %.17g",
                          level ? "f" : "F", i, dx[i], gx[i]);
            for (int j = 0; j < NY; j++)
                cr_assert(fabs(dy[j] - gy[j]) <= (NX + NY + 2) * unit(f) * my[j], "%s gy[%d]: %.17g vs %.17g",
                          level ? "f" : "F", j, dy[j], gy[j]);
            for (int k = 0; k < 5; k++)
                free(r[k]);
            free(dx); free(dy);
        }
        free(x); free(y);
        bloc_problem_destroy(&pb);
    }
}

/* F, f and the metrics from the eval list.
 * F, f: the terms and the fixed-shape sum round at most (2 (nx + ny) + 8) u
 * relative to sum |terms| (products, the dot products and the tree).
 * Metrics: the device holds A^-1 rounded from the double inverse and the
 * data rounded to the device precision, so the error grows with the
 * condition number kappa = L / mu = 10 of A, met twice (y* and A^-1 grad_y F):
 * relative 4 kappa^2 (nx + ny) u = 2.9e-4 in fp32, 5.3e-13 in fp64
 * (measured on this instance: 1.6e-7 and 8e-16). */
Test(quadratic, values_and_metrics_vs_host_double)
{
    FOR_PRECISIONS(f) {
        bloc_problem_t pb;
        double p[BLOC_MAX_PARAMS];
        create(&pb, p, NX, NY, 4);
        const bloc_quadratic_t *q = bloc_quadratic_instance(&pb);
        cr_assert_eq(pb.desc->setup(&pb, &f->g, &f->err), BLOC_OK, "%s", f->err.message);
        double *x = kfix_random(f, NX, -2, 2, 41), *y = kfix_random(f, NY, -2, 2, 42);
        int vx = kfix_vec(f, "x", NX, x), vy = kfix_vec(f, "y", NY, y);
        int vs = kfix_vec(f, "scalars", 4, NULL);
        cr_assert_eq(pb.desc->eval(&pb, &f->g, BLOC_LIST_EVAL, vx, vy, vs, &f->err), BLOC_OK, "%s", f->err.message);
        cr_assert_eq(bloc_graph_finalize(&f->g, &f->err), BLOC_OK, "%s", f->err.message);
        cr_assert_eq(bloc_graph_enqueue(&f->g, BLOC_LIST_EVAL, 0, NULL, &f->err), BLOC_OK, "%s", f->err.message);
        double *raw = kfix_read(f, vs), out[4];
        pb.desc->finish(&pb, raw, out);

        const size_t sz[10] = {NY * NY, NX * NY, NY, NX * NX, NX, NY * NY, NX * NY, NY, NX * NX, NX};
        const double *m[10] = {q->AF, q->CF, q->aF, q->BF, q->bF, q->A, q->C, q->a, q->B, q->b};
        double *r[10], magF, magf;
        for (int k = 0; k < 10; k++)
            r[k] = rounded(f, m[k], sz[k]);
        double F = host_value(r[0], r[1], r[2], r[3], r[4], x, y, NX, NY, &magF);
        double fv = host_value(r[5], r[6], r[7], r[8], r[9], x, y, NX, NY, &magf);
        double hg, dist;
        host_metrics(q, x, y, &hg, &dist);
        double tv = (2 * (NX + NY) + 8) * unit(f), tm = 4 * 10 * 10 * (NX + NY) * unit(f);
        const char *pr = f->rt.precision == BLOC_FP64 ? "fp64" : "fp32";
        cr_assert(fabs(out[0] - F) <= tv * magF, "%s F: %.17g vs %.17g", pr, out[0], F);
        cr_assert(fabs(out[1] - fv) <= tv * magf, "%s f: %.17g vs %.17g", pr, out[1], fv);
        cr_assert(fabs(out[2] - hg) <= tm * hg, "%s hypergrad_sq: %.17g vs %.17g", pr, out[2], hg);
        cr_assert(fabs(out[3] - dist) <= tm * dist, "%s ll_dist_sq: %.17g vs %.17g", pr, out[3], dist);
        cr_assert_gt(hg, 1e-2, "test point too close to the optimum for a relative check");
        for (int k = 0; k < 10; k++)
            free(r[k]);
        free(raw); free(x); free(y);
        bloc_problem_destroy(&pb);
    }
}

/* At y = y*(x) the LL distance is zero up to rounding, and at the x where
 * grad h vanishes so is the hypergradient: solve for both on the host. */
Test(quadratic, metrics_vanish_at_the_solution)
{
    kfix_t fs, *f = &fs;
    kfix_init_with(f, BLOC_FP64, 64, 32, sources, NSOURCES);
    bloc_problem_t pb;
    double p[BLOC_MAX_PARAMS];
    create(&pb, p, NX, NY, 5);
    const bloc_quadratic_t *q = bloc_quadratic_instance(&pb);
    /* h(x) = F(x, J x + c), J = -A^-1 C', c = -A^-1 a: grad h = 0 is the
     * linear system (BF + CF J + J'CF' + J'AF J) x = -(bF + CF c + J'(AF c + aF)). */
    double J[NY * NX], c[NY], col[NY], rhs[NY];
    for (int i = 0; i < NX; i++) {
        for (int j = 0; j < NY; j++)
            rhs[j] = -q->C[i * NY + j];
        solve(q->A, rhs, NY, col);
        for (int j = 0; j < NY; j++)
            J[j * NX + i] = col[j];
    }
    for (int j = 0; j < NY; j++)
        rhs[j] = -q->a[j];
    solve(q->A, rhs, NY, c);
    double H[NX * NX], g[NX], xs[NX], ys[NY];
    for (int i = 0; i < NX; i++) {
        for (int k = 0; k < NX; k++) {
            double s = q->BF[i * NX + k];
            for (int j = 0; j < NY; j++) {
                s += q->CF[i * NY + j] * J[j * NX + k] + J[j * NX + i] * q->CF[k * NY + j];
                for (int l = 0; l < NY; l++)
                    s += J[j * NX + i] * q->AF[j * NY + l] * J[l * NX + k];
            }
            H[i * NX + k] = s;
        }
        double s = q->bF[i];
        for (int j = 0; j < NY; j++) {
            double t = q->aF[j];
            for (int l = 0; l < NY; l++)
                t += q->AF[j * NY + l] * c[l];
            s += q->CF[i * NY + j] * c[j] + J[j * NX + i] * t;
        }
        g[i] = -s;
    }
    solve(H, g, NX, xs);
    for (int j = 0; j < NY; j++) {
        ys[j] = c[j];
        for (int i = 0; i < NX; i++)
            ys[j] += J[j * NX + i] * xs[i];
    }
    cr_assert_eq(pb.desc->setup(&pb, &f->g, &f->err), BLOC_OK, "%s", f->err.message);
    int vx = kfix_vec(f, "x", NX, xs), vy = kfix_vec(f, "y", NY, ys), vs = kfix_vec(f, "scalars", 4, NULL);
    cr_assert_eq(pb.desc->eval(&pb, &f->g, BLOC_LIST_EVAL, vx, vy, vs, &f->err), BLOC_OK);
    cr_assert_eq(bloc_graph_finalize(&f->g, &f->err), BLOC_OK, "%s", f->err.message);
    cr_assert_eq(bloc_graph_enqueue(&f->g, BLOC_LIST_EVAL, 0, NULL, &f->err), BLOC_OK);
    double *raw = kfix_read(f, vs);
    cr_assert_lt(raw[2], 1e-24, "hypergrad_sq at x* = %g", raw[2]);
    cr_assert_lt(raw[3], 1e-24, "ll_dist_sq at y*(x*) = %g", raw[3]);
    free(raw);
    bloc_problem_destroy(&pb);
    kfix_fini(f);
}

/* ---- the generator */

static int same_instance(const bloc_quadratic_t *p, const bloc_quadratic_t *q)
{
    size_t nx = p->nx, ny = p->ny;
    return !memcmp(p->A, q->A, ny * ny * 8) && !memcmp(p->C, q->C, nx * ny * 8) && !memcmp(p->a, q->a, ny * 8) &&
           !memcmp(p->B, q->B, nx * nx * 8) && !memcmp(p->b, q->b, nx * 8) && !memcmp(p->AF, q->AF, ny * ny * 8) &&
           !memcmp(p->CF, q->CF, nx * ny * 8) && !memcmp(p->aF, q->aF, ny * 8) &&
           !memcmp(p->BF, q->BF, nx * nx * 8) && !memcmp(p->bF, q->bF, nx * 8);
}

Test(quadratic, generator_deterministic)
{
    bloc_quadratic_t p, q, r;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&p, NX, NY, 0.5, 5, 7, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(bloc_quadratic_generate(&q, NX, NY, 0.5, 5, 7, &err), BLOC_OK);
    cr_assert_eq(bloc_quadratic_generate(&r, NX, NY, 0.5, 5, 8, &err), BLOC_OK);
    cr_assert(same_instance(&p, &q), "same seed, different matrices");
    cr_assert_eq(memcmp(p.Ainv, q.Ainv, NY * NY * 8), 0);
    /* a different seed changes every matrix and vector */
    cr_assert(memcmp(p.A, r.A, NY * NY * 8) && memcmp(p.C, r.C, NX * NY * 8) && memcmp(p.a, r.a, NY * 8) &&
              memcmp(p.B, r.B, NX * NX * 8) && memcmp(p.b, r.b, NX * 8) && memcmp(p.AF, r.AF, NY * NY * 8) &&
              memcmp(p.CF, r.CF, NX * NY * 8) && memcmp(p.aF, r.aF, NY * 8) && memcmp(p.BF, r.BF, NX * NX * 8) &&
              memcmp(p.bF, r.bF, NX * 8), "seed 8 repeats part of seed 7");
    bloc_quadratic_free(&p);
    bloc_quadratic_free(&q);
    bloc_quadratic_free(&r);
}

/* Pinned draws: the generator uses integer arithmetic, IEEE + - * / and
 * sqrt only, so these bits hold on every machine; a change here changes
 * every published quadratic instance. */
/* seed 0, dim_x = dim_y = 20, mu = 0.5, L = 5 (configs/meha_quadratic.yaml) */
#define PIN_A0 0x1.bb35e2b84da94p+1
#define PIN_A399 0x1.50a4f09310be8p+1
#define PIN_C0 -0x1.a9c308c0dfb2ep-4
#define PIN_a19 -0x1.c06f5ac4acc3p-1
#define PIN_B21 0x1.08626bf84d1d8p+0
#define PIN_AF5 0x1.c81729c3849dap-5
#define PIN_CF7 0x1.3402acdce1304p-3
#define PIN_bF0 -0x1.4ebb477c6e64p-3

Test(quadratic, generator_pinned_values)
{
    bloc_quadratic_t q;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&q, 20, 20, 0.5, 5, 0, &err), BLOC_OK, "%s", err.message);
    const struct {
        const char *what;
        double got, want;
    } pins[] = {
        {"A[0]", q.A[0], PIN_A0},   {"A[399]", q.A[399], PIN_A399}, {"C[0]", q.C[0], PIN_C0},
        {"a[19]", q.a[19], PIN_a19}, {"B[21]", q.B[21], PIN_B21},  {"AF[5]", q.AF[5], PIN_AF5},
        {"CF[7]", q.CF[7], PIN_CF7}, {"bF[0]", q.bF[0], PIN_bF0},
    };
    for (size_t i = 0; i < sizeof pins / sizeof *pins; i++)
        cr_assert_eq(pins[i].got, pins[i].want, "%s = %a, pinned %a", pins[i].what, pins[i].got, pins[i].want);
    bloc_quadratic_free(&q);
}

/* A symmetric with spectrum {mu + (L - mu) k / (ny - 1)}: checked through
 * trace and Frobenius norm (sum e_k, sum e_k^2), A Ainv = I, and AF PSD,
 * BF - I PSD on random directions. */
Test(quadratic, generator_spectrum)
{
    const size_t ny = 12, nx = 9;
    const double mu = 0.25, L = 8;
    bloc_quadratic_t q;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&q, nx, ny, mu, L, 11, &err), BLOC_OK, "%s", err.message);
    double tr = 0, fro = 0, etr = 0, efro = 0;
    for (size_t k = 0; k < ny; k++) {
        double e = mu + (L - mu) * (double)k / (double)(ny - 1);
        etr += e;
        efro += e * e;
        tr += q.A[k * ny + k];
    }
    for (size_t i = 0; i < ny; i++)
        for (size_t j = 0; j < ny; j++) {
            fro += q.A[i * ny + j] * q.A[i * ny + j];
            cr_assert_eq(q.A[i * ny + j], q.A[j * ny + i], "A not exactly symmetric");
            double s = 0;
            for (size_t k = 0; k < ny; k++)
                s += q.A[i * ny + k] * q.Ainv[k * ny + j];
            cr_assert(fabs(s - (i == j)) < 1e-12, "(A Ainv)[%zu][%zu] = %.17g", i, j, s);
        }
    cr_assert(fabs(tr - etr) < 1e-12 * etr, "trace %.17g, sum of eigenvalues %.17g", tr, etr);
    cr_assert(fabs(fro - efro) < 1e-12 * efro, "||A||_F^2 %.17g, sum of squares %.17g", fro, efro);
    uint64_t s = 12345;
    for (int t = 0; t < 50; t++) {
        double v[32], w[32], qa = 0, qb = 0;
        for (size_t i = 0; i < ny || i < nx; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            v[i] = (double)(s >> 11) * 0x1p-53 - 0.5;
            w[i] = (double)(s & 0xffff) / 65536.0 - 0.5;
        }
        for (size_t i = 0; i < ny; i++)
            for (size_t j = 0; j < ny; j++)
                qa += v[i] * q.AF[i * ny + j] * v[j];
        for (size_t i = 0; i < nx; i++)
            for (size_t j = 0; j < nx; j++)
                qb += w[i] * (q.BF[i * nx + j] - (i == j)) * w[j];
        cr_assert_geq(qa, -1e-12, "v'AF v = %g", qa);
        cr_assert_geq(qb, -1e-12, "w'(BF - I) w = %g", qb);
    }
    bloc_quadratic_free(&q);
}

/* ---- .npy instances */

static void write_npy(const char *dir, const char *name, const char *descr, int ndim, size_t r, size_t c,
                      const double *v)
{
    char path[1200], dict[128], head[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (ndim == 2)
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }", descr, r, c);
    else
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }", descr, r);
    size_t hl = strlen(dict) + 1;
    while ((10 + hl) % 64)
        hl++;
    memset(head, ' ', sizeof head);
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = (char)(hl & 0xff);
    head[9] = (char)(hl >> 8);
    memcpy(head + 10, dict, strlen(dict));
    head[10 + hl - 1] = '\n';
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    fwrite(head, 1, 10 + hl, f);
    size_t n = ndim == 2 ? r * c : r;
    for (size_t i = 0; i < n; i++) {
        if (descr[2] == '8') {
            fwrite(&v[i], 8, 1, f); /* little-endian hosts only (x86, arm64) */
        } else {
            float x = (float)v[i];
            fwrite(&x, 4, 1, f);
        }
    }
    fclose(f);
}

/* Writes instance q as the ten .npy files (all in descr). */
static void write_instance(const char *dir, const bloc_quadratic_t *q, const char *descr)
{
    size_t nx = q->nx, ny = q->ny;
    write_npy(dir, "A.npy", descr, 2, ny, ny, q->A);
    write_npy(dir, "C.npy", descr, 2, nx, ny, q->C);
    write_npy(dir, "a.npy", descr, 1, ny, 0, q->a);
    write_npy(dir, "B.npy", descr, 2, nx, nx, q->B);
    write_npy(dir, "b.npy", descr, 1, nx, 0, q->b);
    write_npy(dir, "AF.npy", descr, 2, ny, ny, q->AF);
    write_npy(dir, "CF.npy", descr, 2, nx, ny, q->CF);
    write_npy(dir, "aF.npy", descr, 1, ny, 0, q->aF);
    write_npy(dir, "BF.npy", descr, 2, nx, nx, q->BF);
    write_npy(dir, "bF.npy", descr, 1, nx, 0, q->bF);
}

static int create_npy(bloc_problem_t *pb, size_t nx, size_t ny, bloc_error_t *err)
{
    double p[BLOC_MAX_PARAMS];
    make_params(p, (double)nx, (double)ny, 0.5, 5, 1);
    return bloc_problem_create(pb, &bloc_problem_quadratic, p, 0, err);
}

Test(quadratic, npy_instance_f8_and_f4)
{
    char dir[1024];
    bloc_test_tmpdir("quadratic-npy", dir, sizeof dir);
    setenv("BLOC_DATA_DIR", dir, 1);
    bloc_quadratic_t g;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&g, NX, NY, 0.5, 5, 9, &err), BLOC_OK);
    const char *descrs[2] = {"<f8", "<f4"};
    for (int d = 0; d < 2; d++) {
        write_instance(dir, &g, descrs[d]);
        bloc_problem_t pb;
        cr_assert_eq(create_npy(&pb, NX, NY, &err), BLOC_OK, "%s", err.message);
        const bloc_quadratic_t *q = bloc_quadratic_instance(&pb);
        if (d == 0) {
            cr_assert(same_instance(q, &g), "f8 files do not give back the generated instance");
            cr_assert_eq(memcmp(q->Ainv, g.Ainv, NY * NY * 8), 0);
        } else {
            for (size_t i = 0; i < NX * NY; i++)
                cr_assert_eq(q->C[i], (double)(float)g.C[i]);
            for (size_t i = 0; i < NY; i++)
                cr_assert_eq(q->aF[i], (double)(float)g.aF[i]);
        }
        bloc_problem_destroy(&pb);
    }
    bloc_quadratic_free(&g);
}

static void run_config(const char *override1, const char *override2, bloc_run_result_t *res, double *start)
{
    char path[1024], dir[1024], csv[1100];
    bloc_config_t cfg;
    bloc_error_t err;
    snprintf(path, sizeof path, "%s/../configs/meha_quadratic.yaml", BLOC_TEST_DIR);
    cr_assert_eq(bloc_config_load(&cfg, path, &err), BLOC_OK, "%s", err.message);
    if (override1)
        cr_assert_eq(bloc_config_set(&cfg, override1, &err), BLOC_OK, "%s", err.message);
    if (override2)
        cr_assert_eq(bloc_config_set(&cfg, override2, &err), BLOC_OK, "%s", err.message);
    const char *dev = getenv("BLOC_TEST_DEVICE");
    if (dev)
        snprintf(cfg.device, sizeof cfg.device, "%s", dev);
    bloc_test_tmpdir("meha_quadratic", dir, sizeof dir);
    bloc_run_options_t opt = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir};
    cr_assert_eq(bloc_run(&cfg, &opt, res, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(res->iterations, cfg.iterations);
    cr_assert_str_eq(res->metric_names[0], "hypergrad_sq");
    /* trajectory row 0: iteration,wall_s,F,f,hypergrad_sq,ll_dist_sq */
    snprintf(csv, sizeof csv, "%s/trajectory.csv", dir);
    FILE *f = fopen(csv, "r");
    cr_assert_not_null(f);
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "iteration,wall_s,F,f,hypergrad_sq,ll_dist_sq\n");
    double it, wall, F, fv;
    cr_assert_eq(fscanf(f, "%lf,%lf,%lf,%lf,%lf", &it, &wall, &F, &fv, start), 5);
    fclose(f);
}

/* The bar of this problem: MEHA from the shipped config drives
 * ||grad h(x)||^2 down by at least 1e4 from the start point. */
Test(meha, quadratic_hypergradient_fp32)
{
    bloc_run_result_t r;
    double start;
    run_config(NULL, NULL, &r, &start);
    double end = r.values[2];
    cr_assert_gt(start, 1, "start hypergrad_sq %g", start);
    cr_assert_lt(end, start / 1e4, "hypergrad_sq %g -> %g (factor %g)", start, end, start / end);
    cr_assert_lt(r.values[3], 1e-3, "ll_dist_sq %g", r.values[3]);
}

Test(meha, quadratic_hypergradient_fp64)
{
    bloc_run_result_t r;
    double start;
    run_config("precision=fp64", NULL, &r, &start);
    cr_assert_lt(r.values[2], start / 1e4, "hypergrad_sq %g -> %g", start, r.values[2]);
}

/* The same instance from .npy files (f8) runs bit for bit like the
 * generated one. */
Test(meha, quadratic_npy_matches_generated)
{
    char dir[1024];
    bloc_test_tmpdir("quadratic-npy-run", dir, sizeof dir);
    bloc_quadratic_t g;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&g, 20, 20, 0.5, 5, 0, &err), BLOC_OK);
    write_instance(dir, &g, "<f8");
    bloc_quadratic_free(&g);
    setenv("BLOC_DATA_DIR", dir, 1);
    bloc_run_result_t a, b;
    double sa, sb;
    run_config("iterations=300", NULL, &a, &sa);
    run_config("iterations=300", "problem.npy=1", &b, &sb);
    cr_assert_eq(sa, sb);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(a.values[i], b.values[i], "value %d: generated %.17g, npy %.17g", i, a.values[i], b.values[i]);
}

/* ---- parameter and data errors, exact messages */

static void expect_param_error(double dim_x, double dim_y, double mu, double L, int status, const char *msg)
{
    bloc_problem_t pb;
    bloc_error_t err;
    double p[BLOC_MAX_PARAMS];
    make_params(p, dim_x, dim_y, mu, L, 0);
    cr_assert_eq(bloc_problem_create(&pb, &bloc_problem_quadratic, p, 0, &err), status, "%s", err.message);
    cr_assert_str_eq(err.message, msg);
}

Test(quadratic, bad_parameters)
{
    expect_param_error(0, 5, 0.5, 5, BLOC_ERR_PARAM, "quadratic: dim_x = 0 must be in [1, 4096]");
    expect_param_error(5, -3, 0.5, 5, BLOC_ERR_PARAM, "quadratic: dim_y = -3 must be in [1, 4096]");
    expect_param_error(5, 2.5, 0.5, 5, BLOC_ERR_PARAM, "quadratic: dim_y = 2.5 must be an integer");
    expect_param_error(5, 5, 0, 5, BLOC_ERR_PARAM, "quadratic: mu = 0 must be in (0, inf)");
    expect_param_error(5, 5, -1, 5, BLOC_ERR_PARAM, "quadratic: mu = -1 must be in (0, inf)");
    expect_param_error(5, 5, 6, 5, BLOC_ERR_PARAM,
                       "quadratic: mu = 6 exceeds L = 5 (the eigenvalues of A lie in [mu, L])");
    expect_param_error(5, 5, 1e-11, 1, BLOC_ERR_PARAM,
                       "quadratic: L / mu = 1e+11 exceeds 1e+10: A^-1 would not be accurate in double precision");
}

/* The config loader applies the table ranges first, with its own message. */
Test(quadratic, bad_parameters_in_config)
{
    char path[1024];
    bloc_config_t cfg;
    bloc_error_t err;
    snprintf(path, sizeof path, "%s/../configs/meha_quadratic.yaml", BLOC_TEST_DIR);
    cr_assert_eq(bloc_config_load(&cfg, path, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(bloc_config_set(&cfg, "problem.dim_x=0", &err), BLOC_ERR_CONFIG);
    cr_assert_str_eq(err.message, "--set problem.dim_x=0: must be in [1, 4096], got '0'");
    cr_assert_eq(bloc_config_set(&cfg, "problem.mu=0", &err), BLOC_ERR_CONFIG);
    cr_assert_str_eq(err.message, "--set problem.mu=0: must be in (0, inf), got '0'");
    cr_assert_eq(bloc_config_set(&cfg, "problem.npy=2", &err), BLOC_ERR_CONFIG);
    cr_assert_str_eq(err.message, "--set problem.npy=2: must be in [0, 1], got '2'");
}

Test(quadratic, npy_without_data_dir)
{
    unsetenv("BLOC_DATA_DIR");
    bloc_problem_t pb;
    bloc_error_t err;
    cr_assert_eq(create_npy(&pb, NX, NY, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message, "quadratic: npy = 1 reads A.npy, C.npy, a.npy, B.npy, b.npy, AF.npy, CF.npy, "
                                  "aF.npy, BF.npy and bF.npy from the directory in the environment variable "
                                  "BLOC_DATA_DIR, which is not set");
}

/* Writes a good 2 x 3 instance (nx = 3, ny = 2), lets edit() spoil one
 * file, and expects status and message (after "DIR/"). */
static void expect_npy_error(void (*edit)(const char *dir), int status, const char *msg)
{
    char dir[1024], want[2048];
    static int k;
    char tag[32];
    snprintf(tag, sizeof tag, "quadratic-bad%d", k++);
    bloc_test_tmpdir(tag, dir, sizeof dir);
    bloc_quadratic_t g;
    bloc_error_t err;
    cr_assert_eq(bloc_quadratic_generate(&g, 3, 2, 1, 2, 1, &err), BLOC_OK);
    write_instance(dir, &g, "<f8");
    bloc_quadratic_free(&g);
    edit(dir);
    setenv("BLOC_DATA_DIR", dir, 1);
    bloc_problem_t pb;
    cr_assert_eq(create_npy(&pb, 3, 2, &err), status, "%s", err.message);
    snprintf(want, sizeof want, "%s/%s", dir, msg);
    cr_assert_str_eq(err.message, want);
}

static void not_pd(const char *dir)
{
    double A[4] = {1, 2, 2, 1}; /* eigenvalues 3 and -1 */
    write_npy(dir, "A.npy", "<f8", 2, 2, 2, A);
}
static void not_symmetric(const char *dir)
{
    double A[4] = {2, 1, 1.5, 2};
    write_npy(dir, "A.npy", "<f4", 2, 2, 2, A);
}
static void af_not_psd(const char *dir)
{
    double AF[4] = {1, 0, 0, -0.5};
    write_npy(dir, "AF.npy", "<f8", 2, 2, 2, AF);
}
static void c_transposed(const char *dir)
{
    double C[6] = {0};
    write_npy(dir, "C.npy", "<f8", 2, 2, 3, C);
}
static void b_wrong_length(const char *dir)
{
    double b[4] = {0};
    write_npy(dir, "bF.npy", "<f8", 1, 4, 0, b);
}
static void a_int(const char *dir)
{
    double v[2] = {0};
    write_npy(dir, "a.npy", "<i8", 1, 2, 0, v);
}
static void no_b(const char *dir)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/B.npy", dir);
    cr_assert_eq(remove(p), 0);
}

Test(quadratic, npy_bad_data)
{
    expect_npy_error(not_pd, BLOC_ERR_DATA,
                     "A.npy: not positive definite (Cholesky pivot 1 is -3): A must be symmetric positive definite");
    expect_npy_error(not_symmetric, BLOC_ERR_DATA, "A.npy: not symmetric: element (0, 1) is 1 but (1, 0) is 1.5");
    expect_npy_error(af_not_psd, BLOC_ERR_DATA,
                     "AF.npy: not positive semidefinite (Cholesky of AF + 2e-09 I fails at pivot 1): AF must be "
                     "symmetric positive semidefinite");
    expect_npy_error(c_transposed, BLOC_ERR_DATA, "C.npy: shape (2, 3) but the problem needs (3, 2)");
    expect_npy_error(b_wrong_length, BLOC_ERR_DATA, "bF.npy: shape (4,) but the problem needs (3,)");
    expect_npy_error(a_int, BLOC_ERR_DATA, "a.npy: dtype '<i8' not supported (expected '<f8' or '<f4')");
    expect_npy_error(no_b, BLOC_ERR_IO, "B.npy: cannot open: No such file or directory");
}
