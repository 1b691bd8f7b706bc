/* The unrolled family (host/solvers/unrolled.h): hypergradients against
 * central differences of the unrolled objective computed on the host,
 * checkpointed against stored trajectories, the argmax kernel, IAPTT-GM's
 * bar on toy_iaptt_1d, and parameter errors. */
#include "kernel_fixture.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "problem.h"
#include "run.h"
#include "solver.h"
#include "solvers/unrolled.h"
#include "support.h"

#define MAXN 8
#define MAXK 64

/* ---- host reference of the LL dynamics and L, in double --------------- */

typedef struct {
    const char *problem;
    int n, ym;                     /* nx = n, ny = ym n */
    int K, T;
    double s, beta;                /* gradient steps */
    int bda;
    double su, sl, mu0, mu_decay;  /* aggregated steps */
    double lo, hi;                 /* LL box */
} ref_t;

/* grad_y of F (level UL) or f (level LL) */
static void ref_grad_y(const ref_t *r, int ul, const double *x, const double *y, double *gy)
{
    int n = r->n;
    for (int i = 0; i < n; i++) {
        if (!strcmp(r->problem, "toy_iaptt_1d"))
            gy[i] = ul ? x[i] : -x[i] * cos(x[i] * y[i]);
        else if (!strcmp(r->problem, "toy_nonconvex_1d"))
            gy[i] = ul ? 2 * (y[i] - 4) : cos(x[i] + y[i] - 2);
        else { /* toy_merely_convex */
            gy[i] = ul ? y[i] - 1 : y[i] - x[i];
            gy[n + i] = ul ? y[n + i] - x[i] : 0;
        }
    }
}

static double ref_F(const ref_t *r, const double *x, const double *y)
{
    double F = 0;
    int n = r->n;
    for (int i = 0; i < n; i++) {
        if (!strcmp(r->problem, "toy_iaptt_1d"))
            F += x[i] + x[i] * y[i];
        else if (!strcmp(r->problem, "toy_nonconvex_1d"))
            F += (x[i] - 2) * (x[i] - 2) + (y[i] - 4) * (y[i] - 4);
        else
            F += 0.5 * (x[i] - y[n + i]) * (x[i] - y[n + i]) + 0.5 * (y[i] - 1) * (y[i] - 1);
    }
    return F;
}

/* L = F(x, y_k*) after the forward pass from y_0 = z, the steps
 * k < K - T taken at xf (the frozen x of T-RHG's objective; x when NULL).
 * kstar > 0 fixes k*; kstar = 0: k* = argmax_k F(x, y_k) (first on ties),
 * returned through *kout; kstar < 0: k* = K. */
static double ref_L(const ref_t *r, const double *x, const double *z, const double *xf, int kstar, int *kout);

/* 1 when some coordinate sits on a bound of the LL box at a row k < K and
 * leaves it later: only then does the Jacobian of Proj_Y inside the
 * trajectory (not just at y_k*) change the hypergradient. */
static int bounced;

static double ref_L(const ref_t *r, const double *x, const double *z, const double *xf, int kstar, int *kout)
{
    int ny = r->ym * r->n;
    double rows[MAXK + 1][2 * MAXN], w[2 * MAXN], g1[2 * MAXN], g2[2 * MAXN];
    memcpy(rows[0], z, (size_t)ny * sizeof *z);
    memcpy(w, z, (size_t)ny * sizeof *z);
    for (int k = 0; k < r->K; k++) {
        const double *xk = xf && k < r->K - r->T ? xf : x;
        double c1 = r->s, c2 = 0;
        if (r->bda) {
            double mu = r->mu0 * pow(r->mu_decay, k);
            c1 = mu * r->su;
            c2 = (1 - mu) * r->sl;
            ref_grad_y(r, 1, xk, w, g1);
            ref_grad_y(r, 0, xk, w, g2);
        } else {
            ref_grad_y(r, 0, xk, w, g1);
            memset(g2, 0, sizeof g2);
        }
        for (int i = 0; i < ny; i++) {
            double yn = fmin(fmax(w[i] - (c1 * g1[i] + c2 * g2[i]), r->lo), r->hi);
            w[i] = k + 1 == r->K ? yn : yn + r->beta * (yn - rows[k][i]);
            rows[k + 1][i] = yn;
        }
    }
    for (int i = 0; i < ny; i++)
        for (int k = 1; k < r->K; k++)
            if ((rows[k][i] == r->lo || rows[k][i] == r->hi) && rows[k + 1][i] != rows[k][i])
                bounced = 1;
    if (kstar == 0) {
        double best = -INFINITY;
        for (int k = 1; k <= r->K; k++)
            if (ref_F(r, x, rows[k]) > best) {
                best = ref_F(r, x, rows[k]);
                kstar = k;
            }
    } else if (kstar < 0)
        kstar = r->K;
    if (kout)
        *kout = kstar;
    return ref_F(r, x, rows[kstar]);
}

/* ---- one outer iteration on the device --------------------------------- */

typedef struct {
    bloc_runtime_t rt;
    bloc_problem_t pb;
    bloc_graph_t g;
    double pp[BLOC_MAX_PARAMS], sp[BLOC_MAX_PARAMS];
    const bloc_solver_desc_t *sd;
    bloc_error_t err;
} dev_t;

static void set_param(const bloc_param_spec_t *t, int n, double *v, const char *name, double value)
{
    int i = bloc_param_find(t, n, name);
    cr_assert_geq(i, 0, "no parameter %s", name);
    v[i] = value;
}

/* Problem r->problem (dimension r->n, start y0 inside the box), solver
 * `solver` with the reference's K, T, steps; checkpoint m, hvp mode. */
static void dev_open(dev_t *d, const ref_t *r, const char *solver, int m, bloc_hvp_mode_t hvp)
{
    cr_assert_eq(bloc_runtime_create(&d->rt, getenv("BLOC_TEST_DEVICE"), BLOC_FP64, &d->err), BLOC_OK, "%s",
                 d->err.message);
    cr_assert_eq(bloc_runtime_build(&d->rt, kfix_sources, (int)(sizeof kfix_sources / sizeof *kfix_sources), &d->err),
                 BLOC_OK, "%s", d->err.message);
    const bloc_problem_desc_t *pd = bloc_problem_find(r->problem);
    d->sd = bloc_solver_find(solver);
    cr_assert(pd && d->sd);
    for (int i = 0; i < pd->nparams; i++)
        d->pp[i] = pd->params[i].def;
    set_param(pd->params, pd->nparams, d->pp, "n", r->n);
    if (!strcmp(r->problem, "toy_iaptt_1d")) {
        set_param(pd->params, pd->nparams, d->pp, "y0", 0);
        set_param(pd->params, pd->nparams, d->pp, "y_lo", r->lo);
        set_param(pd->params, pd->nparams, d->pp, "y_hi", r->hi);
    }
    cr_assert_eq(bloc_problem_create(&d->pb, pd, d->pp, 0, &d->err), BLOC_OK, "%s", d->err.message);
    const bloc_solver_desc_t *s = d->sd;
    for (int i = 0; i < s->nparams; i++)
        d->sp[i] = s->params[i].def;
    set_param(s->params, s->nparams, d->sp, "K", r->K);
    set_param(s->params, s->nparams, d->sp, "checkpoint", m);
    set_param(s->params, s->nparams, d->sp, "hvp", hvp);
    if (r->bda) {
        set_param(s->params, s->nparams, d->sp, "s_u", r->su);
        set_param(s->params, s->nparams, d->sp, "s_l", r->sl);
        set_param(s->params, s->nparams, d->sp, "mu0", r->mu0);
        set_param(s->params, s->nparams, d->sp, "mu_decay", r->mu_decay);
    } else
        set_param(s->params, s->nparams, d->sp, "s", r->s);
    if (!strcmp(solver, "iaptt"))
        set_param(s->params, s->nparams, d->sp, "momentum", r->beta);
    if (!strcmp(solver, "trhg"))
        set_param(s->params, s->nparams, d->sp, "T", r->T);
    bloc_graph_init(&d->g, &d->rt, 64, 32);
    cr_assert_eq(s->build(&d->g, &d->pb, d->sp, &d->err), BLOC_OK, "%s", d->err.message);
    cr_assert_eq(bloc_graph_finalize(&d->g, &d->err), BLOC_OK, "%s", d->err.message);
}

static void dev_close(dev_t *d)
{
    bloc_graph_release(&d->g);
    bloc_problem_destroy(&d->pb);
    bloc_runtime_release(&d->rt);
}

static int dev_vec(dev_t *d, const char *name)
{
    int v = bloc_graph_find_vec(&d->g, name);
    cr_assert_geq(v, 0, "no vector %s", name);
    return v;
}

/* Writes x and y_0, runs one iteration, reads dL/dx, dL/dy_0 and k*. */
static void dev_step(dev_t *d, const double *x, const double *z, double *hgx, double *adj, int *kstar)
{
    int vz = bloc_graph_find_vec(&d->g, "z");
    if (vz < 0)
        vz = dev_vec(d, "y_init");
    cr_assert_eq(bloc_graph_write(&d->g, dev_vec(d, "x"), x, &d->err), BLOC_OK);
    cr_assert_eq(bloc_graph_write(&d->g, vz, z, &d->err), BLOC_OK);
    cr_assert_eq(bloc_graph_enqueue(&d->g, BLOC_LIST_STEP, 0, NULL, &d->err), BLOC_OK, "%s", d->err.message);
    cr_assert_eq(bloc_graph_read(&d->g, dev_vec(d, "hgx"), hgx, &d->err), BLOC_OK);
    cr_assert_eq(bloc_graph_read(&d->g, dev_vec(d, "adj"), adj, &d->err), BLOC_OK);
    double ks;
    cr_assert_eq(bloc_graph_read(&d->g, dev_vec(d, "kstar"), &ks, &d->err), BLOC_OK);
    *kstar = (int)ks;
}

/* ---- hypergradient vs central differences ------------------------------ */

/* Central differences of L with step h = 1e-5 max(1, |v_i|) and k* fixed at
 * the device's k*: truncation h^2 |L'''| / 6 and rounding 1e-16 |L| / h are
 * both below 1e-8 of the gradient on these problems, so the relative error
 * bound ||device - fd||_inf <= 1e-6 ||fd||_inf leaves a wide margin.
 * which = 0: derivative in x; 1: in y_0 = z. */
static void fd_grad(const ref_t *r, const double *x, const double *z, int frozen, int kstar, int which, double *out)
{
    int n = which ? r->ym * r->n : r->n;
    double xp[2 * MAXN], zp[2 * MAXN];
    for (int i = 0; i < n; i++) {
        double v = which ? z[i] : x[i], h = 1e-5 * fmax(1, fabs(v)), Lp, Lm;
        for (int sgn = 0; sgn < 2; sgn++) {
            memcpy(xp, x, (size_t)r->n * sizeof *x);
            memcpy(zp, z, (size_t)(r->ym * r->n) * sizeof *z);
            (which ? zp : xp)[i] = v + (sgn ? -h : h);
            double L = ref_L(r, xp, zp, frozen ? x : NULL, kstar, NULL);
            if (sgn)
                Lm = L;
            else
                Lp = L;
        }
        out[i] = (Lp - Lm) / (2 * h);
    }
}

static void check_close(const char *what, const double *dev, const double *fd, int n, double rtol)
{
    double scale = 0, diff = 0;
    for (int i = 0; i < n; i++) {
        scale = fmax(scale, fabs(fd[i]));
        diff = fmax(diff, fabs(dev[i] - fd[i]));
    }
    cr_assert_gt(scale, 1e-3, "%s: gradient too small for a relative check", what);
    for (int i = 0; i < n; i++)
        cr_assert(diff <= rtol * scale, "%s[%d]: device %.17g, reference %.17g (max diff %.3g, scale %.3g)", what, i,
                  dev[i], fd[i], diff, scale);
}

/* One case: the device's hypergradient at (x, z) against central
 * differences of the unrolled objective (k* fixed; earlier steps frozen for
 * T-RHG). Returns k* so a case can require an interior truncation. */
static int check_hypergradient(const ref_t *r, const char *solver, bloc_hvp_mode_t hvp, const double *x,
                               const double *z)
{
    dev_t d;
    dev_open(&d, r, solver, 0, hvp);
    double hgx[MAXN], adj[2 * MAXN], fx[MAXN], fz[2 * MAXN], h2[MAXN], a2[2 * MAXN];
    int kstar, kref, k2;
    dev_step(&d, x, z, h2, a2, &k2); /* a second replay must not see state left by the first */
    dev_step(&d, x, z, hgx, adj, &kstar);
    cr_assert(k2 == kstar && !memcmp(h2, hgx, (size_t)r->n * sizeof *hgx) &&
              !memcmp(a2, adj, (size_t)(r->ym * r->n) * sizeof *adj), "%s: a repeated iteration differs", solver);
    int truncate = !strcmp(solver, "iaptt"), frozen = !strcmp(solver, "trhg");
    ref_L(r, x, z, NULL, truncate ? 0 : -1, &kref);
    cr_assert_eq(kstar, kref, "%s: device k* %d, host k* %d", solver, kstar, kref);
    fd_grad(r, x, z, frozen, kstar, 0, fx);
    char what[128];
    snprintf(what, sizeof what, "%s on %s: dL/dx", solver, r->problem);
    check_close(what, hgx, fx, r->n, 1e-6);
    if (truncate) {
        fd_grad(r, x, z, 0, kstar, 1, fz);
        snprintf(what, sizeof what, "%s on %s: dL/dz", solver, r->problem);
        check_close(what, adj, fz, r->ym * r->n, 1e-6);
    }
    dev_close(&d);
    return kstar;
}

/* toy_iaptt_1d, n = 3, K = 12, s = 0.05: coordinate 0 starts at the upper
 * bound and stays there (the clamp's zero Jacobian), the others move
 * freely; k* = 3 (interior), so the truncation matters. */
static const ref_t iaptt_toy = {"toy_iaptt_1d", 3, 1, 12, 12, 0.05, 0, 0, 0, 0, 0, 0, -2, 2};
static const double iaptt_x[3] = {1.3, 4.0, 8.0}, iaptt_z[3] = {2.0, 0.5, -1.2};

Test(hypergradient, iaptt_toy_iaptt_truncated_and_clamped)
{
    int ks = check_hypergradient(&iaptt_toy, "iaptt", BLOC_HVP_EXACT, iaptt_x, iaptt_z);
    cr_assert(ks > 1 && ks < iaptt_toy.K, "k* = %d should be interior", ks);
}

/* Nesterov steps in a narrow LL box [-2, 1]: the first coordinate hits a
 * bound and leaves it again, the second stays inside. Every pre-projection
 * value keeps 0.1 from the bounds, so L is smooth within the differences'
 * steps (a value near a bound would make L's higher derivatives explode). */
Test(hypergradient, iaptt_nesterov_box_bounces)
{
    ref_t r = {"toy_iaptt_1d", 2, 1, 12, 12, 0.3, 0.9, 0, 0, 0, 0, 0, -2, 1};
    double x[2] = {3.5, 2.0}, z[2] = {-0.5, 0.3};
    bounced = 0;
    check_hypergradient(&r, "iaptt", BLOC_HVP_EXACT, x, z);
    cr_assert(bounced, "the case should leave a bound inside the trajectory");
}

/* BDA in the box [-0.3, 2]: grad_y F = x drives y onto the lower bound
 * while mu_k is large, then f's steps pull it off again (margins 0.1 as above). */
Test(hypergradient, bda_box_bounces)
{
    ref_t r = {"toy_iaptt_1d", 2, 1, 12, 12, 0, 0, 1, 0.5, 0.3, 1.0, 0.6, -0.3, 2};
    double x[2] = {3.0, 2.5}, z[2] = {0.0, 0.5};
    bounced = 0;
    check_hypergradient(&r, "bda", BLOC_HVP_EXACT, x, z);
    cr_assert(bounced, "the case should leave a bound inside the trajectory");
}

Test(hypergradient, iaptt_nesterov_toy_nonconvex)
{
    ref_t r = {"toy_nonconvex_1d", 2, 1, 10, 10, 0.3, 0.9, 0, 0, 0, 0, 0, -HUGE_VAL, HUGE_VAL};
    double x[2] = {1.0, 2.5}, z[2] = {3.0, 4.5};
    check_hypergradient(&r, "iaptt", BLOC_HVP_EXACT, x, z);
}

Test(hypergradient, iaptt_toy_merely_convex)
{
    ref_t r = {"toy_merely_convex", 3, 2, 8, 8, 0.4, 0, 0, 0, 0, 0, 0, -HUGE_VAL, HUGE_VAL};
    double x[3] = {0.3, -0.7, 1.4}, z[6] = {0.1, 0.2, -0.3, 0.9, -1.1, 0.5};
    check_hypergradient(&r, "iaptt", BLOC_HVP_EXACT, x, z);
}

Test(hypergradient, rhg_toy_iaptt_clamped)
{
    ref_t r = {"toy_iaptt_1d", 2, 1, 15, 15, 0.05, 0, 0, 0, 0, 0, 0, -2, 2};
    double x[2] = {2.2, 6.5}, z[2] = {1.9, -0.4};
    check_hypergradient(&r, "rhg", BLOC_HVP_EXACT, x, z);
}

/* The same hypergradient from central-difference HVPs (hvp: fd). */
Test(hypergradient, rhg_toy_nonconvex_exact_and_fd_hvp)
{
    ref_t r = {"toy_nonconvex_1d", 2, 1, 10, 10, 0.5, 0, 0, 0, 0, 0, 0, -HUGE_VAL, HUGE_VAL};
    double x[2] = {0.5, 2.0}, z[2] = {4.0, 3.0};
    check_hypergradient(&r, "rhg", BLOC_HVP_EXACT, x, z);
    check_hypergradient(&r, "rhg", BLOC_HVP_FD, x, z);
}

/* T-RHG: the derivative of L with the first K - T steps held at the base x. */
Test(hypergradient, trhg_toy_nonconvex_last_3_of_10)
{
    ref_t r = {"toy_nonconvex_1d", 2, 1, 10, 3, 0.5, 0, 0, 0, 0, 0, 0, -HUGE_VAL, HUGE_VAL};
    double x[2] = {0.5, 2.0}, z[2] = {4.0, 3.0};
    check_hypergradient(&r, "trhg", BLOC_HVP_EXACT, x, z);
}

Test(hypergradient, bda_toy_merely_convex)
{
    ref_t r = {"toy_merely_convex", 3, 2, 10, 10, 0, 0, 1, 0.5, 0.5, 0.6, 0.8, -HUGE_VAL, HUGE_VAL};
    double x[3] = {0.3, -0.7, 1.4}, z[6] = {0.1, 0.2, -0.3, 0.9, -1.1, 0.5};
    check_hypergradient(&r, "bda", BLOC_HVP_EXACT, x, z);
}

Test(hypergradient, bda_toy_iaptt_clamped_fd_hvp)
{
    ref_t r = {"toy_iaptt_1d", 2, 1, 10, 10, 0, 0, 1, 0.05, 0.05, 0.5, 0.9, -2, 2};
    double x[2] = {2.2, 6.5}, z[2] = {1.9, -0.4};
    check_hypergradient(&r, "bda", BLOC_HVP_EXACT, x, z);
    check_hypergradient(&r, "bda", BLOC_HVP_FD, x, z);
}

/* ---- checkpointed vs stored trajectories ------------------------------- */

/* Same hypergradient within 1e-6 relative (in fact bit for bit: the
 * segments are recomputed by the same kernels from the same values). */
static void check_checkpoint(const ref_t *r, const char *solver, int m, const double *x, const double *z)
{
    double hs[MAXN], as[2 * MAXN], hc[MAXN], ac[2 * MAXN];
    int ks, kc, ny = r->ym * r->n;
    dev_t d;
    dev_open(&d, r, solver, 0, BLOC_HVP_AUTO);
    size_t bytes_stored = bloc_graph_device_bytes(&d.g);
    dev_step(&d, x, z, hs, as, &ks);
    dev_close(&d);
    dev_open(&d, r, solver, m, BLOC_HVP_AUTO);
    size_t bytes_ckpt = bloc_graph_device_bytes(&d.g);
    dev_step(&d, x, z, hc, ac, &kc);
    dev_close(&d);
    cr_assert_eq(ks, kc, "%s m = %d: k* %d stored, %d checkpointed", solver, m, ks, kc);
    if (3 * m <= r->K) /* segment (m + 2 rows) + checkpoints (2 (K/m + 1) rows) < K + 1 rows */
        cr_assert_lt(bytes_ckpt, bytes_stored, "%s m = %d: checkpointing should use less memory", solver, m);
    char what[96];
    snprintf(what, sizeof what, "%s m = %d: dL/dx", solver, m);
    check_close(what, hc, hs, r->n, 1e-6);
    if (!strcmp(solver, "iaptt")) {
        snprintf(what, sizeof what, "%s m = %d: dL/dz", solver, m);
        check_close(what, ac, as, ny, 1e-6);
    }
}

Test(checkpoint, iaptt_nesterov_truncated_K23)
{
    ref_t r = {"toy_iaptt_1d", 3, 1, 23, 23, 0.03, 0.9, 0, 0, 0, 0, 0, -2, 2};
    double x[3] = {1.3, 4.0, 8.0}, z[3] = {2.0, 0.5, -1.2};
    for (int m = 2; m <= 23; m += 3) /* segments of every length, partial last segment */
        check_checkpoint(&r, "iaptt", m, x, z);
    check_checkpoint(&iaptt_toy, "iaptt", 4, iaptt_x, iaptt_z); /* K multiple of m, interior k* */
    ref_t b = {"toy_iaptt_1d", 2, 1, 12, 12, 0.3, 0.9, 0, 0, 0, 0, 0, -2, 1}; /* bounces off the box */
    double bx[2] = {3.5, 2.0}, bz[2] = {-0.5, 0.3};
    check_checkpoint(&b, "iaptt", 5, bx, bz);
}

Test(checkpoint, rhg_trhg_bda)
{
    ref_t r = {"toy_nonconvex_1d", 2, 1, 23, 23, 0.5, 0, 0, 0, 0, 0, 0, -HUGE_VAL, HUGE_VAL};
    double x[2] = {0.5, 2.0}, z[2] = {4.0, 3.0};
    check_checkpoint(&r, "rhg", 5, x, z);
    r.T = 7;
    check_checkpoint(&r, "trhg", 3, x, z);
    check_checkpoint(&r, "trhg", 8, x, z);
    ref_t b = {"toy_merely_convex", 3, 2, 17, 17, 0, 0, 1, 0.5, 0.5, 0.6, 0.8, -HUGE_VAL, HUGE_VAL};
    double bx[3] = {0.3, -0.7, 1.4}, bz[6] = {0.1, 0.2, -0.3, 0.9, -1.1, 0.5};
    check_checkpoint(&b, "bda", 6, bx, bz);
}

/* ---- the argmax kernel ------------------------------------------------- */

static void check_argmax(kfix_t *f, int K, int n, const double *vals, int want)
{
    bloc_graph_release(&f->g);
    bloc_graph_init(&f->g, &f->rt, 64, 32);
    double *store = kfix_random(f, (size_t)(K + 1) * n, -3, 3, (unsigned)K);
    int vv = kfix_vec(f, "vals", (size_t)K, vals), vk = kfix_vec(f, "kstar", 1, NULL);
    int vs = kfix_vec(f, "store", (size_t)(K + 1) * n, store), vp = kfix_vec(f, "ypt", (size_t)n, NULL);
    size_t gl[2] = {64, 1};
    bloc_node_t *nd = bloc_graph_add2d(&f->g, BLOC_LIST_STEP, "unrolled_argmax", gl, gl, &f->err);
    cr_assert_not_null(nd);
    bloc_arg_vec(nd, vv); bloc_arg_int(nd, K); bloc_arg_vec(nd, vk); bloc_arg_vec(nd, vs); bloc_arg_int(nd, 0);
    bloc_arg_vec(nd, vp); bloc_arg_int(nd, n); bloc_arg_int(nd, 1); bloc_arg_local(nd, 64); bloc_arg_local(nd, 64);
    kfix_run(f, 0);
    double *ks = kfix_read(f, vk), *yp = kfix_read(f, vp);
    cr_assert_eq((int)ks[0], want, "K = %d: k* %g, want %d", K, ks[0], want);
    kfix_check(f, "gathered row", yp, store + (size_t)want * n, (size_t)n);
    free(ks); free(yp); free(store);
}

/* Host rule: k* = 1 + first index of the maximum, NaN never wins, K when no
 * value exceeds -inf; checked on long (K > work-group size) and short lists. */
Test(kernels, unrolled_argmax_vs_host)
{
    static const bloc_precision_t precisions[] = {BLOC_FP32, BLOC_FP64};
    for (int pi = 0; pi < 2; pi++) {
        kfix_t fs, *f = &fs;
        kfix_init(f, precisions[pi], 64, 32);
        int K = 1000;
        double *vals = kfix_random(f, (size_t)K, -1, 1, 77);
        vals[50] = NAN;
        vals[700] = vals[100] = 5; /* tie: the first wins */
        int host = 0;
        for (int j = 1; j < K; j++)
            if (vals[j] > vals[host] || isnan(vals[host]))
                host = j;
        cr_assert_eq(host, 100);
        check_argmax(f, K, 3, vals, host + 1);
        vals[999] = 6; /* last element */
        check_argmax(f, K, 3, vals, 1000);
        double few[5] = {0.5, 2, NAN, 2, -1};
        check_argmax(f, 5, 2, few, 2);
        double none[3] = {NAN, -INFINITY, NAN};
        check_argmax(f, 3, 2, none, 3);
        free(vals);
        kfix_fini(f);
    }
}

/* ---- IAPTT-GM on toy_iaptt_1d ------------------------------------------ */

static void run_config(const char *name, const char *const *sets, int nsets, bloc_run_result_t *res)
{
    char path[1024], dir[1024];
    bloc_config_t cfg;
    bloc_error_t err;
    snprintf(path, sizeof path, "%s/../configs/%s", BLOC_TEST_DIR, name);
    cr_assert_eq(bloc_config_load(&cfg, path, &err), BLOC_OK, "%s", err.message);
    for (int i = 0; i < nsets; i++)
        cr_assert_eq(bloc_config_set(&cfg, sets[i], &err), BLOC_OK, "%s", err.message);
    const char *dev = getenv("BLOC_TEST_DEVICE");
    if (dev)
        snprintf(cfg.device, sizeof cfg.device, "%s", dev);
    bloc_test_tmpdir(name, dir, sizeof dir);
    bloc_run_options_t opt = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir};
    cr_assert_eq(bloc_run(&cfg, &opt, res, &err), BLOC_OK, "%s", err.message);
}

/* Bar (issue 4): |x - x*| < 0.01, x* = 2.75 pi, from x0 = 1, z0 = 2 (the
 * published code ends 0.06 to 0.09 away with a constant step). */
Test(iaptt, reaches_bar_on_toy_iaptt_1d)
{
    bloc_run_result_t r;
    run_config("iaptt_toy_iaptt_1d.yaml", NULL, 0, &r);
    cr_assert_lt(r.values[BLOC_SLOT_METRIC0], 0.01, "x_err %g", r.values[BLOC_SLOT_METRIC0]);
    cr_assert_lt(r.values[BLOC_SLOT_METRIC0 + 1], 1e-3, "ll_gap %g", r.values[BLOC_SLOT_METRIC0 + 1]);
}

/* With the published constant step the run reproduces the published
 * oscillation: x = 8.7260 after 500 iterations (shared/spec/problems.md). */
Test(iaptt, constant_step_matches_published_figure)
{
    bloc_run_result_t r;
    const char *sets[] = {"solver.decay=0", "iterations=500", "log_every=500"};
    run_config("iaptt_toy_iaptt_1d.yaml", sets, 3, &r);
    double x = -r.values[BLOC_SLOT_F]; /* F = x (1 + y) = -x at y = -2 */
    cr_assert_lt(fabs(x - 8.7260), 1e-4, "x %.6f", x);
}

/* ---- parameter errors --------------------------------------------------- */

static void check_cli(const char *config, const char *sets, const char *want)
{
    char args[2048], out[16384], first[1024];
    snprintf(args, sizeof args, "run '%s' --progress none --out /tmp/bloc-never %s", config, sets);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, want);
}

#define CONFIG(name) BLOC_TEST_DIR "/../configs/" name

Test(unrolled_params, clear_errors)
{
    check_cli(CONFIG("trhg_toy_nonconvex_1d.yaml"), "--set solver.T=50 --set solver.K=20",
              "trhg: T = 50 must be in [1, K] (K = 20)");
    check_cli(CONFIG("rhg_toy_nonconvex_1d.yaml"), "--set solver.checkpoint=30 --set solver.K=20",
              "rhg: checkpoint = 30 must be at most K = 20 (0 or 1: keep all)");
    check_cli(CONFIG("iaptt_toy_iaptt_1d.yaml"), "--set solver.momentum=1",
              "--set solver.momentum=1: must be in [0, 1), got '1'");
    check_cli(CONFIG("iaptt_toy_iaptt_1d.yaml"), "--set solver.hvp=exactly",
              "--set solver.hvp=exactly: expected one of auto, exact, fd, got 'exactly'");
    check_cli(CONFIG("iaptt_toy_iaptt_1d.yaml"), "--set problem.y_lo=3",
              "toy_iaptt_1d: infeasible LL box: y_lo = 3 > y_hi = 2");
    check_cli(CONFIG("iaptt_toy_iaptt_1d.yaml"), "--set problem.y_hi=1",
              "toy_iaptt_1d: start y0[0] = 2 lies outside the LL box [-2, 1]");
    char dir[1024], path[1100];
    bloc_test_tmpdir("rhg-sparse", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/rhg_sparse.yaml", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("problem: {name: sparse_1000d, n: 10}\nsolver: {name: rhg}\niterations: 1\n", fp);
    fclose(fp);
    check_cli(path, "", "rhg: problem sparse_1000d has a nonsmooth LL term g (prox); the unrolled solvers "
                        "differentiate smooth LL steps only");
}

/* Truncation on a problem without batched UL values. */
Test(unrolled_params, truncation_needs_ul_rows)
{
    bloc_runtime_t rt;
    bloc_error_t err;
    cr_assert_eq(bloc_runtime_create(&rt, getenv("BLOC_TEST_DEVICE"), BLOC_FP32, &err), BLOC_OK, "%s", err.message);
    bloc_problem_desc_t desc = *bloc_problem_find("toy_iaptt_1d");
    desc.ul_rows = NULL;
    double pp[BLOC_MAX_PARAMS];
    for (int i = 0; i < desc.nparams; i++)
        pp[i] = desc.params[i].def;
    bloc_problem_t pb;
    cr_assert_eq(bloc_problem_create(&pb, &desc, pp, 0, &err), BLOC_OK);
    bloc_graph_t g;
    bloc_graph_init(&g, &rt, 64, 32);
    bloc_unroll_opts_t o = {.who = "iaptt", .K = 4, .T = 4, .truncate = 1, .learn_init = 1, .s = 0.1};
    bloc_unroll_t u;
    cr_assert_eq(bloc_unroll_build(&g, &pb, &o, &u, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message,
                     "iaptt: pessimistic truncation needs batched UL values, which problem toy_iaptt_1d does not offer");
    bloc_graph_release(&g);
    bloc_problem_destroy(&pb);
    bloc_runtime_release(&rt);
}
