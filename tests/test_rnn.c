/* rnn_unbounded (problems/rnn_unbounded.h): every device oracle (gradients
 * of F and f, grad_y, exact Hessian-vector products, on the full sets and
 * on a minibatch with repeated samples) against a host reference in double,
 * the gradients against central differences of the host objective, the
 * products against central differences of the host grad_y, the evaluation
 * (exact y*(x), h, ||grad h||^2) against a host Cholesky solve and central
 * differences of h, and the data draw. */
#include "kernel_fixture.h"

#include <stdio.h>
#include <string.h>

#include "problem.h"
#include "../problems/rnn_unbounded.h"

#define T BLOC_RNN_T
#define C BLOC_RNN_CLASSES
#define MAXH 8
#define NX (28 * MAXH + MAXH * MAXH + MAXH)
#define NY (C * MAXH)

/* ---- host reference in double ------------------------------------------ */

typedef struct {
    int H;
    double mu;              /* 0 for the UL */
    const double *img, *lab;
    const int *rows;        /* sample of each batch row */
    int nb;
} set_t;

static void ref_forward(int H, const double *x, const double *u, double *hs)
{
    const double *win = x, *wh = x + 28 * H, *bias = x + 28 * H + H * H;
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) {
            double a = bias[j];
            for (int p = 0; p < 28; p++)
                a += win[j * 28 + p] * u[t * 28 + p];
            if (t > 0)
                for (int k = 0; k < H; k++)
                    a += wh[j * H + k] * hs[(t - 1) * H + k];
            hs[t * H + j] = tanh(a);
        }
}

/* residual r = y'phi - t of one sample */
static void ref_resid(const set_t *s, const double *y, const double *phi, int label, double *r)
{
    for (int c = 0; c < C; c++) {
        double v = 0;
        for (int j = 0; j < s->H; j++)
            v += y[j * C + c] * phi[j];
        r[c] = v - (c == label);
    }
}

static double ref_value(const set_t *s, const double *x, const double *y)
{
    double hs[T * MAXH], r[C], v = 0;
    for (int b = 0; b < s->nb; b++) {
        int i = s->rows[b];
        ref_forward(s->H, x, s->img + (size_t)i * 784, hs);
        ref_resid(s, y, hs + (T - 1) * s->H, (int)s->lab[i], r);
        for (int c = 0; c < C; c++)
            v += 0.5 * r[c] * r[c] / s->nb;
    }
    for (int e = 0; e < C * s->H; e++)
        v += 0.5 * s->mu * y[e] * y[e];
    return v;
}

/* Backward through time of one sample with feature adjoint dphi, added to gx. */
static void ref_backprop(int H, const double *x, const double *u, const double *hs, const double *dphi, double *gx)
{
    const double *wh = x + 28 * H;
    double a[MAXH], d[MAXH];
    memcpy(a, dphi, (size_t)H * sizeof *a);
    for (int t = T - 1; t >= 0; t--) {
        for (int j = 0; j < H; j++)
            d[j] = a[j] * (1 - hs[t * H + j] * hs[t * H + j]);
        for (int j = 0; j < H; j++) {
            for (int p = 0; p < 28; p++)
                gx[j * 28 + p] += d[j] * u[t * 28 + p];
            if (t > 0)
                for (int k = 0; k < H; k++)
                    gx[28 * H + j * H + k] += d[j] * hs[(t - 1) * H + k];
            gx[28 * H + H * H + j] += d[j];
        }
        for (int k = 0; k < H; k++) {
            a[k] = 0;
            for (int j = 0; j < H; j++)
                a[k] += wh[j * H + k] * d[j];
        }
    }
}

/* (gx, gy) of the level's objective; with v: (hx, hy) = H v instead. */
static void ref_oracle(const set_t *s, const double *x, const double *y, const double *v, double *gx, double *gy)
{
    int H = s->H, nx = 28 * H + H * H + H;
    double hs[T * MAXH], r[C], pv[C], dphi[MAXH];
    memset(gx, 0, (size_t)nx * sizeof *gx);
    const double *w = v ? v : y;
    for (int e = 0; e < C * H; e++)
        gy[e] = 0;
    for (int b = 0; b < s->nb; b++) {
        int i = s->rows[b];
        const double *u = s->img + (size_t)i * 784;
        ref_forward(H, x, u, hs);
        const double *phi = hs + (T - 1) * H;
        ref_resid(s, y, phi, (int)s->lab[i], r);
        for (int c = 0; c < C; c++) {
            pv[c] = 0;
            for (int j = 0; j < H; j++)
                pv[c] += w[j * C + c] * phi[j];
        }
        for (int j = 0; j < H; j++) {
            for (int c = 0; c < C; c++)
                gy[j * C + c] += phi[j] * (v ? pv[c] : r[c]) / s->nb;
            double a = 0;
            for (int c = 0; c < C; c++)
                a += w[j * C + c] * r[c] + (v ? y[j * C + c] * pv[c] : 0);
            dphi[j] = a / s->nb;
        }
        ref_backprop(H, x, u, hs, dphi, gx);
    }
    for (int e = 0; e < C * H; e++)
        gy[e] += s->mu * w[e];
}

/* ---- the problem on the device ----------------------------------------- */

static const char *const sources[] = {"kernels/vec.cl", "kernels/reduce.cl", "problems/rnn_unbounded.cl"};

typedef struct {
    kfix_t f;
    bloc_problem_t pb;
    double params[BLOC_MAX_PARAMS];
    const bloc_rnn_data_t *d;
} rig_t;

static void set(const bloc_problem_desc_t *d, double *p, const char *name, double v)
{
    int i = bloc_param_find(d->params, d->nparams, name);
    cr_assert_geq(i, 0, "%s", name);
    p[i] = v;
}

static void rig_open(rig_t *r, bloc_precision_t prec, int H, int ntrain, int nval, double mu)
{
    kfix_init_with(&r->f, prec, 64, 32, sources, 3);
    const bloc_problem_desc_t *d = bloc_problem_find("rnn_unbounded");
    cr_assert_not_null(d);
    for (int i = 0; i < d->nparams; i++)
        r->params[i] = d->params[i].def;
    set(d, r->params, "hidden", H);
    set(d, r->params, "n_train", ntrain);
    set(d, r->params, "n_val", nval);
    set(d, r->params, "mu", mu);
    set(d, r->params, "scale_rec", 2.5); /* large recurrent weights: exploding-gradient regime */
    cr_assert_eq(bloc_problem_create(&r->pb, d, r->params, 3, &r->f.err), BLOC_OK, "%s", r->f.err.message);
    cr_assert_eq(d->setup(&r->pb, &r->f.g, &r->f.err), BLOC_OK, "%s", r->f.err.message);
    r->d = bloc_rnn_data(&r->pb);
}

static void rig_close(rig_t *r)
{
    bloc_problem_destroy(&r->pb);
    kfix_fini(&r->f);
}

static set_t level_set(const rig_t *r, bloc_level_t level, const int *rows, int nb)
{
    set_t s = {r->d->H, level == BLOC_LL ? r->d->mu : 0, r->d->img[level], r->d->label[level], rows, nb};
    return s;
}

/* Relative agreement: max |dev - ref| <= tol max(1e-3, max |ref|). */
static void close_to(const char *what, const double *dev, const double *ref, int n, double tol)
{
    double scale = 1e-3, diff = 0;
    int at = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(ref[i]));
    for (int i = 0; i < n; i++)
        if (fabs(dev[i] - ref[i]) > diff) {
            diff = fabs(dev[i] - ref[i]);
            at = i;
        }
    cr_assert(diff <= tol * scale, "%s[%d]: device %.17g, reference %.17g (max diff %.3g, scale %.3g)", what, at,
              dev[at], ref[at], diff, scale);
}

static double *seeded(const kfix_t *f, int n, double lo, double hi, unsigned seed)
{
    return kfix_random(f, (size_t)n, lo, hi, seed);
}

/* Every oracle of both levels, full sets and a minibatch with repeats,
 * in fp64 (tolerance 1e-10: tanh may differ from libm by a few ulps) and
 * fp32 (1e-4). */
static void check_oracles(bloc_precision_t prec)
{
    rig_t r;
    int H = 8;
    rig_open(&r, prec, H, 9, 7, 0.3);
    kfix_t *f = &r.f;
    int nx = (int)r.pb.nx, ny = (int)r.pb.ny;
    cr_assert_eq(nx, 28 * H + H * H + H);
    cr_assert_eq(ny, C * H);
    double tol = prec == BLOC_FP64 ? 1e-10 : 1e-4;
    double *x = malloc((size_t)nx * sizeof *x), *y = seeded(f, ny, -1, 1, 2), *v = seeded(f, ny, -1, 1, 3);
    for (int i = 0; i < nx; i++)
        x[i] = kfix_round(f, r.pb.x0[i] + 0.1 * sin(i));
    int vx = kfix_vec(f, "tx", (size_t)nx, x), vy = kfix_vec(f, "ty", (size_t)ny, y), vv = kfix_vec(f, "tv", (size_t)ny, v);
    static const double batch_rows[5] = {4, 0, 4, 6, 2};
    int vidx = kfix_vec(f, "tidx", 5, batch_rows);
    int out[2][8];
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 8; k++) {
            char name[32];
            snprintf(name, sizeof name, "out%d_%d", l, k);
            out[l][k] = kfix_vec(f, name, (size_t)(k % 2 ? ny : nx), NULL);
        }
    /* per level: full (grad, grad_y, hvp, hvp_yy) then batch (grad, hvp) */
    for (int l = 0; l < 2; l++) {
        bloc_level_t lev = (bloc_level_t)l;
        const bloc_problem_desc_t *d = r.pb.desc;
        r.pb.batch = 5;
        r.pb.sample[lev] = -1;
        cr_assert_eq(d->grad(&r.pb, &f->g, BLOC_LIST_STEP, lev, vx, vy, out[l][0], out[l][1], &f->err), BLOC_OK);
        cr_assert_eq(d->grad_y(&r.pb, &f->g, BLOC_LIST_STEP, lev, vx, vy, out[l][3], &f->err), BLOC_OK);
        cr_assert_eq(d->hvp(&r.pb, &f->g, BLOC_LIST_STEP, lev, vx, vy, vv, out[l][2], out[l][5], &f->err), BLOC_OK);
        cr_assert_eq(d->hvp_yy(&r.pb, &f->g, BLOC_LIST_STEP, lev, vx, vy, vv, out[l][7], &f->err), BLOC_OK);
        r.pb.sample[lev] = vidx;
        cr_assert_eq(d->grad(&r.pb, &f->g, BLOC_LIST_STEP, lev, vx, vy, out[l][4], out[l][6], &f->err), BLOC_OK);
        r.pb.sample[lev] = -1;
    }
    kfix_run(f, 0);
    for (int l = 0; l < 2; l++) {
        int all[16], rows[5] = {4, 0, 4, 6, 2};
        for (int i = 0; i < 16; i++)
            all[i] = i;
        set_t full = level_set(&r, (bloc_level_t)l, all, (int)r.d->n[l]), part = level_set(&r, (bloc_level_t)l, rows, 5);
        double gx[NX], gy[NY], hx[NX], hy[NY], bx[NX], by[NY];
        ref_oracle(&full, x, y, NULL, gx, gy);
        ref_oracle(&full, x, y, v, hx, hy);
        ref_oracle(&part, x, y, NULL, bx, by);
        struct { const char *what; int vec, n; const double *ref; } c[] = {
            {"grad_x", out[l][0], nx, gx}, {"grad_y", out[l][1], ny, gy},   {"grad_y hook", out[l][3], ny, gy},
            {"H_xy v", out[l][2], nx, hx}, {"H_yy v", out[l][5], ny, hy},   {"hvp_yy hook", out[l][7], ny, hy},
            {"batch grad_x", out[l][4], nx, bx}, {"batch grad_y", out[l][6], ny, by},
        };
        for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
            double *dev = kfix_read(f, c[k].vec);
            char what[96];
            snprintf(what, sizeof what, "%s %s (%s)", l ? "f" : "F", c[k].what, prec == BLOC_FP64 ? "fp64" : "fp32");
            close_to(what, dev, c[k].ref, c[k].n, tol);
            free(dev);
        }
    }
    free(x); free(y); free(v);
    rig_close(&r);
}

Test(rnn, oracles_vs_host_double_fp64) { check_oracles(BLOC_FP64); }
Test(rnn, oracles_vs_host_double_fp32) { check_oracles(BLOC_FP32); }

/* ---- finite differences (host, double) --------------------------------- */

/* The host reference's gradient against central differences of the host
 * objective on every coordinate, at weights large enough that the
 * recurrence's Jacobians are far from the identity. The device matches
 * the reference (test above), so the device gradients are held to the
 * definition of the derivative. Step h = 1e-7: these objectives are very
 * curved (the unbounded smoothness the problem is about: the truncation
 * error h^2 |f'''| / 6 measured 7e-5 at h = 1e-6 on a gradient of 50, and
 * fell as h^2), while rounding stays near 1e-16 |f| / h ~ 1e-9. */
Test(rnn, gradients_vs_finite_differences)
{
    rig_t r;
    int H = 8;
    rig_open(&r, BLOC_FP64, H, 6, 5, 0.3);
    int nx = (int)r.pb.nx, ny = (int)r.pb.ny, all[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    double *x = malloc((size_t)nx * sizeof *x), *y = kfix_random(&r.f, (size_t)ny, -1, 1, 9);
    for (int i = 0; i < nx; i++)
        x[i] = r.pb.x0[i] + 0.2 * cos(3.0 * i);
    for (int l = 0; l < 2; l++) {
        set_t s = level_set(&r, (bloc_level_t)l, all, (int)r.d->n[l]);
        double gx[NX], gy[NY], fx[NX], fy[NY], h = 1e-7;
        ref_oracle(&s, x, y, NULL, gx, gy);
        for (int i = 0; i < nx; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double vp = ref_value(&s, x, y);
            x[i] = keep - h;
            double vm = ref_value(&s, x, y);
            x[i] = keep;
            fx[i] = (vp - vm) / (2 * h);
        }
        for (int e = 0; e < ny; e++) {
            double keep = y[e];
            y[e] = keep + h;
            double vp = ref_value(&s, x, y);
            y[e] = keep - h;
            double vm = ref_value(&s, x, y);
            y[e] = keep;
            fy[e] = (vp - vm) / (2 * h);
        }
        close_to(l ? "f: grad_x vs differences" : "F: grad_x vs differences", gx, fx, nx, 1e-6);
        close_to(l ? "f: grad_y vs differences" : "F: grad_y vs differences", gy, fy, ny, 1e-6);
        /* the Hessian-vector products: central differences of grad_y . v in x and of grad_y in y */
        double *v = kfix_random(&r.f, (size_t)ny, -1, 1, 11 + (unsigned)l);
        double hx[NX], hy[NY], dx[NX], dy[NY], gp[NX], gyp[NY], gm[NX], gym[NY];
        ref_oracle(&s, x, y, v, hx, hy);
        for (int i = 0; i < nx; i++) {
            double keep = x[i], sp = 0, sm = 0;
            x[i] = keep + h;
            ref_oracle(&s, x, y, NULL, gp, gyp);
            x[i] = keep - h;
            ref_oracle(&s, x, y, NULL, gm, gym);
            x[i] = keep;
            for (int e = 0; e < ny; e++) {
                sp += gyp[e] * v[e];
                sm += gym[e] * v[e];
            }
            dx[i] = (sp - sm) / (2 * h);
        }
        double yp[NY], ym[NY];
        for (int e = 0; e < ny; e++) {
            yp[e] = y[e] + h * v[e];
            ym[e] = y[e] - h * v[e];
        }
        ref_oracle(&s, x, yp, NULL, gp, gyp);
        ref_oracle(&s, x, ym, NULL, gm, gym);
        for (int e = 0; e < ny; e++)
            dy[e] = (gyp[e] - gym[e]) / (2 * h);
        close_to(l ? "f: H_xy v vs differences" : "F: H_xy v vs differences", hx, dx, nx, 1e-6);
        close_to(l ? "f: H_yy v vs differences" : "F: H_yy v vs differences", hy, dy, ny, 1e-6);
        free(v);
    }
    free(x); free(y);
    rig_close(&r);
}

/* ---- evaluation --------------------------------------------------------- */

/* y*(x) = (Phi'Phi/n + mu I)^-1 Phi'T/n by a host Cholesky. */
static void ref_ystar(const rig_t *r, const double *x, double *ys)
{
    int H = r->d->H, n = (int)r->d->n[BLOC_LL];
    double S[MAXH * MAXH] = {0}, B[NY] = {0}, L[MAXH * MAXH] = {0}, hs[T * MAXH];
    for (int i = 0; i < n; i++) {
        ref_forward(H, x, r->d->img[BLOC_LL] + (size_t)i * 784, hs);
        const double *phi = hs + (T - 1) * H;
        for (int j = 0; j < H; j++) {
            for (int k = 0; k < H; k++)
                S[j * H + k] += phi[j] * phi[k] / n;
            B[j * C + (int)r->d->label[BLOC_LL][i]] += phi[j] / n;
        }
    }
    for (int j = 0; j < H; j++)
        S[j * H + j] += r->d->mu;
    for (int j = 0; j < H; j++)
        for (int i = j; i < H; i++) {
            double s = S[i * H + j];
            for (int k = 0; k < j; k++)
                s -= L[i * H + k] * L[j * H + k];
            L[i * H + j] = i == j ? sqrt(s) : s / L[j * H + j];
        }
    for (int c = 0; c < C; c++) {
        double w[MAXH];
        for (int i = 0; i < H; i++) {
            double s = B[i * C + c];
            for (int k = 0; k < i; k++)
                s -= L[i * H + k] * w[k];
            w[i] = s / L[i * H + i];
        }
        for (int i = H - 1; i >= 0; i--) {
            double s = w[i];
            for (int k = i + 1; k < H; k++)
                s -= L[k * H + i] * ys[k * C + c];
            ys[i * C + c] = s / L[i * H + i];
        }
    }
}

static double ref_h(const rig_t *r, const double *x)
{
    double ys[NY];
    int all[16];
    for (int i = 0; i < 16; i++)
        all[i] = i;
    ref_ystar(r, x, ys);
    set_t s = level_set(r, BLOC_UL, all, (int)r->d->n[BLOC_UL]);
    return ref_value(&s, x, ys);
}

/* The eval list: F, f, ||grad h||^2 (against central differences of the
 * host h(x) = F(x, y*(x)) on every coordinate), ||y - y*||^2, h, val_acc,
 * ||x||. */
Test(rnn, evaluation_vs_host)
{
    rig_t r;
    int H = 8;
    rig_open(&r, BLOC_FP64, H, 12, 9, 0.2);
    kfix_t *f = &r.f;
    int nx = (int)r.pb.nx, ny = (int)r.pb.ny, all[16];
    for (int i = 0; i < 16; i++)
        all[i] = i;
    double *x = malloc((size_t)nx * sizeof *x), *y = kfix_random(f, (size_t)ny, -0.5, 0.5, 21);
    for (int i = 0; i < nx; i++)
        x[i] = r.pb.x0[i] + 0.1 * sin(7.0 * i);
    int vx = kfix_vec(f, "ex", (size_t)nx, x), vy = kfix_vec(f, "ey", (size_t)ny, y);
    int sc = kfix_vec(f, "escalars", (size_t)r.pb.desc->nraw, NULL);
    cr_assert_eq(r.pb.desc->eval(&r.pb, &f->g, BLOC_LIST_STEP, vx, vy, sc, &f->err), BLOC_OK, "%s", f->err.message);
    kfix_run(f, 0);
    double *raw = kfix_read(f, sc), out[8];
    r.pb.desc->finish(&r.pb, raw, out);
    set_t tr = level_set(&r, BLOC_LL, all, (int)r.d->n[BLOC_LL]), va = level_set(&r, BLOC_UL, all, (int)r.d->n[BLOC_UL]);
    double ys[NY], dist = 0, hg = 0, hstep = 1e-6;
    ref_ystar(&r, x, ys);
    for (int e = 0; e < ny; e++)
        dist += (y[e] - ys[e]) * (y[e] - ys[e]);
    for (int i = 0; i < nx; i++) {
        double keep = x[i];
        x[i] = keep + hstep;
        double hp = ref_h(&r, x);
        x[i] = keep - hstep;
        double hm = ref_h(&r, x);
        x[i] = keep;
        hg += ((hp - hm) / (2 * hstep)) * ((hp - hm) / (2 * hstep));
    }
    double hs[T * MAXH], xnorm = 0;
    for (int i = 0; i < nx; i++)
        xnorm += x[i] * x[i];
    xnorm = sqrt(xnorm);
    int correct = 0;
    for (int i = 0; i < (int)r.d->n[BLOC_UL]; i++) {
        ref_forward(H, x, r.d->img[BLOC_UL] + (size_t)i * 784, hs);
        double sc_best = -INFINITY;
        int best = 0;
        for (int c = 0; c < C; c++) {
            double v = 0;
            for (int j = 0; j < H; j++)
                v += y[j * C + c] * hs[(T - 1) * H + j];
            if (v > sc_best) {
                sc_best = v;
                best = c;
            }
        }
        correct += best == (int)r.d->label[BLOC_UL][i];
    }
    struct { const char *what; double dev, ref, tol; } c[] = {
        {"F", out[BLOC_SLOT_F], ref_value(&va, x, y), 1e-12},
        {"f", out[BLOC_SLOT_LL], ref_value(&tr, x, y), 1e-12},
        {"hypergrad_sq (vs differences of h)", out[BLOC_SLOT_METRIC0], hg, 1e-6},
        {"ll_dist_sq", out[BLOC_SLOT_METRIC0 + 1], dist, 1e-9},
        {"h", out[BLOC_SLOT_METRIC0 + 2], ref_h(&r, x), 1e-10},
        {"val_acc", out[BLOC_SLOT_METRIC0 + 3], (double)correct / (double)r.d->n[BLOC_UL], 0},
        {"x_norm", out[BLOC_SLOT_METRIC0 + 4], xnorm, 1e-12},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++)
        cr_assert(fabs(c[k].dev - c[k].ref) <= c[k].tol * fmax(1, fabs(c[k].ref)), "%s: device %.17g, host %.17g",
                  c[k].what, c[k].dev, c[k].ref);
    cr_assert_gt(hg, 1e-6, "the hypergradient should not vanish at this point");
    free(raw); free(x); free(y);
    rig_close(&r);
}

/* ---- data and parameters ------------------------------------------------ */

Test(rnn, subsets_seeded_and_disjoint)
{
    const bloc_problem_desc_t *d = bloc_problem_find("rnn_unbounded");
    double p[BLOC_MAX_PARAMS];
    for (int i = 0; i < d->nparams; i++)
        p[i] = d->params[i].def;
    set(d, p, "n_train", 300);
    set(d, p, "n_val", 200);
    bloc_problem_t a, b, c;
    bloc_error_t err;
    cr_assert_eq(bloc_problem_create(&a, d, p, 5, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(bloc_problem_create(&b, d, p, 5, &err), BLOC_OK);
    set(d, p, "data_seed", 5);
    cr_assert_eq(bloc_problem_create(&c, d, p, 99, &err), BLOC_OK); /* data_seed overrides the config seed */
    const bloc_rnn_data_t *da = bloc_rnn_data(&a), *db = bloc_rnn_data(&b), *dc = bloc_rnn_data(&c);
    for (int l = 0; l < 2; l++) {
        cr_assert_eq(memcmp(da->img[l], db->img[l], da->n[l] * 784 * sizeof(double)), 0);
        cr_assert_eq(memcmp(da->img[l], dc->img[l], da->n[l] * 784 * sizeof(double)), 0);
        cr_assert_eq(memcmp(da->label[l], dc->label[l], da->n[l] * sizeof(double)), 0);
    }
    cr_assert_eq(memcmp(a.x0, c.x0, a.nx * sizeof(double)), 0);
    /* pixels in [0, 1]; no training image is also a validation image */
    int classes[10] = {0};
    for (size_t i = 0; i < da->n[BLOC_LL] * 784; i++)
        cr_assert(da->img[BLOC_LL][i] >= 0 && da->img[BLOC_LL][i] <= 1);
    for (size_t i = 0; i < da->n[BLOC_LL]; i++) {
        classes[(int)da->label[BLOC_LL][i]]++;
        for (size_t j = 0; j < da->n[BLOC_UL]; j++)
            cr_assert_neq(memcmp(da->img[BLOC_LL] + i * 784, da->img[BLOC_UL] + j * 784, 784 * sizeof(double)), 0,
                          "train %zu = val %zu", i, j);
    }
    for (int k = 0; k < 10; k++)
        cr_assert_gt(classes[k], 10, "class %d: %d of 300", k, classes[k]);
    cr_assert_eq(a.nsamples[BLOC_LL], 300);
    cr_assert_eq(a.nsamples[BLOC_UL], 200);
    bloc_problem_destroy(&a);
    bloc_problem_destroy(&b);
    bloc_problem_destroy(&c);
}

Test(rnn, bad_parameters)
{
    const bloc_problem_desc_t *d = bloc_problem_find("rnn_unbounded");
    double p[BLOC_MAX_PARAMS];
    for (int i = 0; i < d->nparams; i++)
        p[i] = d->params[i].def;
    bloc_problem_t pb;
    bloc_error_t err;
    set(d, p, "hidden", 30);
    cr_assert_eq(bloc_problem_create(&pb, d, p, 0, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message, "rnn_unbounded: hidden = 30 must be a multiple of 4");
    set(d, p, "hidden", 32);
    set(d, p, "n_train", 30000);
    set(d, p, "n_val", 30001);
    cr_assert_eq(bloc_problem_create(&pb, d, p, 0, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message, "rnn_unbounded: n_val = 30001 must be in [1, 30000]");
    set(d, p, "n_val", 30000);
    setenv("BLOC_FASHION_MNIST_DIR", "/nonexistent", 1);
    set(d, p, "n_train", 10);
    set(d, p, "n_val", 10);
    int st = bloc_problem_create(&pb, d, p, 0, &err);
    unsetenv("BLOC_FASHION_MNIST_DIR");
    cr_assert_eq(st, BLOC_ERR_IO, "%s", err.message);
    cr_assert(strstr(err.message, "/nonexistent/train-images-idx3-ubyte.gz"), "%s", err.message);
}
