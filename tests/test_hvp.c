/* Hessian-vector products (host/hvp.h): every problem's exact HVP kernels
 * against a host double reference, and the exact products against the
 * central difference of the gradient oracle on every problem that has
 * exact ones. */
#include "kernel_fixture.h"

#include <stdio.h>
#include <string.h>

#include "hvp.h"
#include "problem.h"

/* A problem with its default parameters and dimension n. */
static void make_problem(bloc_problem_t *pb, double *params, const char *name, int n)
{
    const bloc_problem_desc_t *d = bloc_problem_find(name);
    cr_assert_not_null(d, "problem %s", name);
    for (int i = 0; i < d->nparams; i++)
        params[i] = d->params[i].def;
    params[bloc_param_find(d->params, d->nparams, "n")] = n;
    bloc_error_t err;
    cr_assert_eq(bloc_problem_create(pb, d, params, 0, &err), BLOC_OK, "%s", err.message);
}

/* Host reference of (H_xy v, H_yy v) at (x, y) (problem.h), in double. */
static void ref_hvp(const char *name, bloc_level_t level, int n, const double *x, const double *y, const double *v,
                    double *hx, double *hy)
{
    int ul = level == BLOC_UL;
    for (int i = 0; i < n; i++) {
        if (!strcmp(name, "toy_nonconvex_1d")) { /* F = (x-2)^2 + (y-4)^2, f = sin(x + y - 2) */
            double h = -sin(x[i] + y[i] - 2) * v[i];
            hx[i] = ul ? 0 : h;
            hy[i] = ul ? 2 * v[i] : h;
        } else if (!strcmp(name, "toy_merely_convex")) { /* y = (y1, y2), v = (v1, v2) */
            hx[i] = ul ? -v[n + i] : -v[i];
            hy[i] = v[i];
            hy[n + i] = ul ? v[n + i] : 0;
        } else if (!strcmp(name, "sparse_1000d")) { /* F = sum y; smooth f = 1/2 ||y - a||^2 */
            hx[i] = 0;
            hy[i] = ul ? 0 : v[i];
        } else { /* toy_iaptt_1d: F = x + x y, f = -sin(x y) */
            double s = sin(x[i] * y[i]), c = cos(x[i] * y[i]);
            hx[i] = ul ? v[i] : (-c + x[i] * y[i] * s) * v[i];
            hy[i] = ul ? 0 : x[i] * x[i] * s * v[i];
        }
    }
}

typedef struct {
    const char *name;
    int n, ym;                 /* nx = n, ny = ym n */
    double xlo, xhi, ylo, yhi; /* ranges of the random points */
} problem_case_t;

/* sparse_1000d: y away from 0, where grad_x phi = |y| is smooth in y. */
static const problem_case_t cases[] = {
    {"toy_nonconvex_1d", 37, 1, -6, 6, -6, 6},
    {"toy_merely_convex", 37, 2, -2, 2, -2, 2},
    {"sparse_1000d", 37, 1, 0, 1, 0.5, 1.5},
    {"toy_iaptt_1d", 37, 1, 1, 10, -2, 2},
};
#define NCASES (sizeof cases / sizeof *cases)

static const bloc_precision_t precisions[] = {BLOC_FP32, BLOC_FP64};

/* Each exact HVP kernel against the host reference (tolerance of
 * kernel_fixture.h: 1e-5 in fp32, 1e-12 in fp64, relative + absolute). */
Test(hvp, exact_kernels_vs_host)
{
    for (int pi = 0; pi < 2; pi++) {
        kfix_t fs, *f = &fs;
        kfix_init(f, precisions[pi], 64, 32);
        for (size_t c = 0; c < NCASES; c++) {
            const problem_case_t *pc = &cases[c];
            int n = pc->n, ny = pc->ym * n;
            bloc_problem_t pb;
            double params[BLOC_MAX_PARAMS];
            make_problem(&pb, params, pc->name, n);
            cr_assert_not_null(pb.desc->hvp, "%s has exact HVPs", pc->name);
            for (int level = 0; level < 2; level++) {
                bloc_graph_release(&f->g);
                bloc_graph_init(&f->g, &f->rt, 64, 32);
                double *x = kfix_random(f, (size_t)n, pc->xlo, pc->xhi, 10 + (unsigned)c);
                double *y = kfix_random(f, (size_t)ny, pc->ylo, pc->yhi, 20 + (unsigned)c);
                double *v = kfix_random(f, (size_t)ny, -1.5, 1.5, 30 + (unsigned)c);
                double rx[64], ry[128];
                int vx = kfix_vec(f, "x", (size_t)n, x), vy = kfix_vec(f, "y", (size_t)ny, y);
                int vv = kfix_vec(f, "v", (size_t)ny, v), hx = kfix_vec(f, "hx", (size_t)n, NULL);
                int hy = kfix_vec(f, "hy", (size_t)ny, NULL);
                cr_assert_eq(pb.desc->hvp(&pb, &f->g, BLOC_LIST_STEP, (bloc_level_t)level, vx, vy, vv, hx, hy, &f->err),
                             BLOC_OK, "%s", f->err.message);
                kfix_run(f, 0);
                double *ox = kfix_read(f, hx), *oy = kfix_read(f, hy);
                ref_hvp(pc->name, (bloc_level_t)level, n, x, y, v, rx, ry);
                char what[96];
                snprintf(what, sizeof what, "%s H_xy %s", pc->name, level ? "f" : "F");
                kfix_check(f, what, ox, rx, (size_t)n);
                snprintf(what, sizeof what, "%s H_yy %s", pc->name, level ? "f" : "F");
                kfix_check(f, what, oy, ry, (size_t)ny);
                free(x); free(y); free(v); free(ox); free(oy);
            }
            bloc_problem_destroy(&pb);
        }
        kfix_fini(f);
    }
}

/* Exact vs central difference at random points: |fd - exact| <= tol *
 * max(1, max |exact|) per vector, tol = 1e-6 in fp64 (the difference's
 * error is ~1e-10 relative: truncation h^2 |f'''| / 6 with h ~ 5e-6, rounding
 * u |grad| / h), 1e-3 in fp32 (h ~ 4e-3). On sparse_1000d only H_yy is
 * compared: the difference also sees g's part of grad_x phi = |y|, so its
 * H_xy v is sign(y) v (checked) where the exact hook gives f's 0. */
Test(hvp, exact_vs_central_difference)
{
    for (int pi = 0; pi < 2; pi++) {
        kfix_t fs, *f = &fs;
        kfix_init(f, precisions[pi], 64, 32);
        double tol = f->rt.precision == BLOC_FP64 ? 1e-6 : 1e-3;
        for (size_t c = 0; c < NCASES; c++) {
            const problem_case_t *pc = &cases[c];
            int n = pc->n, ny = pc->ym * n;
            bloc_problem_t pb;
            double params[BLOC_MAX_PARAMS];
            make_problem(&pb, params, pc->name, n);
            for (int level = 0; level < 2; level++) {
                bloc_graph_release(&f->g);
                bloc_graph_init(&f->g, &f->rt, 64, 32);
                double *x = kfix_random(f, (size_t)n, pc->xlo, pc->xhi, 40 + (unsigned)c);
                double *y = kfix_random(f, (size_t)ny, pc->ylo, pc->yhi, 50 + (unsigned)c);
                double *v = kfix_random(f, (size_t)ny, -1.5, 1.5, 60 + (unsigned)c);
                int vx = kfix_vec(f, "x", (size_t)n, x), vy = kfix_vec(f, "y", (size_t)ny, y);
                int vv = kfix_vec(f, "v", (size_t)ny, v);
                int ex = kfix_vec(f, "ex", (size_t)n, NULL), ey = kfix_vec(f, "ey", (size_t)ny, NULL);
                int dx = kfix_vec(f, "dx", (size_t)n, NULL), dy = kfix_vec(f, "dy", (size_t)ny, NULL);
                bloc_hvp_t exact, fd;
                cr_assert_eq(bloc_hvp_init(&exact, &pb, BLOC_HVP_EXACT, "test", &f->err), BLOC_OK);
                cr_assert_eq(bloc_hvp_init(&fd, &pb, BLOC_HVP_FD, "test", &f->err), BLOC_OK);
                cr_assert(exact.exact && !fd.exact);
                cr_assert_eq(bloc_hvp(&exact, &f->g, BLOC_LIST_STEP, (bloc_level_t)level, vx, vy, vv, ex, ey, &f->err),
                             BLOC_OK, "%s", f->err.message);
                cr_assert_eq(bloc_hvp(&fd, &f->g, BLOC_LIST_STEP, (bloc_level_t)level, vx, vy, vv, dx, dy, &f->err),
                             BLOC_OK, "%s", f->err.message);
                kfix_run(f, 0);
                double *oex = kfix_read(f, ex), *oey = kfix_read(f, ey), *odx = kfix_read(f, dx), *ody = kfix_read(f, dy);
                double scale = 1;
                for (int i = 0; i < n; i++)
                    scale = fmax(scale, fabs(oex[i]));
                for (int i = 0; i < ny; i++)
                    scale = fmax(scale, fabs(oey[i]));
                int sparse = !strcmp(pc->name, "sparse_1000d");
                for (int i = 0; i < ny; i++)
                    cr_assert(fabs(ody[i] - oey[i]) <= tol * scale, "%s level %s H_yy[%d]: fd %.17g, exact %.17g",
                              pc->name, level ? "LL" : "UL", i, ody[i], oey[i]);
                for (int i = 0; i < n; i++) {
                    double want = sparse && level == BLOC_LL ? copysign(1.0, y[i]) * v[i] : oex[i];
                    cr_assert(fabs(odx[i] - want) <= tol * scale, "%s level %s H_xy[%d]: fd %.17g, want %.17g",
                              pc->name, level ? "LL" : "UL", i, odx[i], want);
                }
                free(x); free(y); free(v); free(oex); free(oey); free(odx); free(ody);
            }
            bloc_problem_destroy(&pb);
        }
        kfix_fini(f);
    }
}

/* v = 0 gives 0 from the difference (eps = 0 is not divided by). */
Test(hvp, central_difference_of_zero_vector)
{
    kfix_t fs, *f = &fs;
    kfix_init(f, BLOC_FP64, 64, 32);
    bloc_problem_t pb;
    double params[BLOC_MAX_PARAMS];
    make_problem(&pb, params, "toy_iaptt_1d", 5);
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {-1, 0, 1, 2, -2}, z[5] = {0};
    int vx = kfix_vec(f, "x", 5, x), vy = kfix_vec(f, "y", 5, y), vv = kfix_vec(f, "v", 5, z);
    double ones[5] = {7, 7, 7, 7, 7};
    int hx = kfix_vec(f, "hx", 5, ones), hy = kfix_vec(f, "hy", 5, ones);
    bloc_hvp_t fd;
    cr_assert_eq(bloc_hvp_init(&fd, &pb, BLOC_HVP_FD, "test", &f->err), BLOC_OK);
    cr_assert_eq(bloc_hvp(&fd, &f->g, BLOC_LIST_STEP, BLOC_LL, vx, vy, vv, hx, hy, &f->err), BLOC_OK);
    kfix_run(f, 0);
    double *ox = kfix_read(f, hx), *oy = kfix_read(f, hy);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(ox[i], 0.0);
        cr_assert_eq(oy[i], 0.0);
    }
    free(ox); free(oy);
    bloc_problem_destroy(&pb);
    kfix_fini(f);
}

/* auto picks the exact hook; exact without one is a clear parameter error;
 * auto without one falls back to the difference. */
Test(hvp, mode_selection)
{
    bloc_problem_t pb;
    double params[BLOC_MAX_PARAMS];
    make_problem(&pb, params, "toy_iaptt_1d", 1);
    bloc_hvp_t h;
    bloc_error_t err;
    cr_assert_eq(bloc_hvp_init(&h, &pb, BLOC_HVP_AUTO, "rhg", &err), BLOC_OK);
    cr_assert(h.exact);
    bloc_problem_desc_t no_hvp = *pb.desc;
    no_hvp.hvp = NULL;
    pb.desc = &no_hvp;
    cr_assert_eq(bloc_hvp_init(&h, &pb, BLOC_HVP_AUTO, "rhg", &err), BLOC_OK);
    cr_assert(!h.exact);
    cr_assert_eq(bloc_hvp_init(&h, &pb, BLOC_HVP_EXACT, "rhg", &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message,
                     "rhg: hvp: exact, but problem toy_iaptt_1d has no exact Hessian-vector products (use auto or fd)");
    pb.desc = bloc_problem_find("toy_iaptt_1d");
    bloc_problem_destroy(&pb);
}
