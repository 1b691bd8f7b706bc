/* A fixture for the oracles of a problem with data (hyperclean, l2reg): the
 * problem from a parameter vector, a kernel fixture with the given sources,
 * the problem's data vectors, vectors x and y, four gradient pairs
 * (gx[k], gy[k]) and the eval list writing `scalars`; not finalized, so a
 * test appends its oracle nodes to the step list, then runs it. */
#ifndef BLOC_PROBLEM_FIXTURE_H
#define BLOC_PROBLEM_FIXTURE_H

#include "kernel_fixture.h"

#include <stdio.h>
#include <string.h>

#include "problem.h"
#include "solvers/firstorder.h"

typedef struct {
    kfix_t f;
    bloc_problem_t pb;
    const bloc_problem_desc_t *d;
    double p[BLOC_MAX_PARAMS];
    int x, y, gx[4], gy[4], scalars;
} pfix_t;

/* Every parameter at its default. */
static inline void pfix_defaults(pfix_t *h, const bloc_problem_desc_t *d)
{
    memset(h, 0, sizeof *h);
    h->d = d;
    for (int i = 0; i < d->nparams; i++)
        h->p[i] = d->params[i].def;
}

static inline void pfix_set(pfix_t *h, const char *name, double v)
{
    int i = bloc_param_find(h->d->params, h->d->nparams, name);
    cr_assert_geq(i, 0, "%s has no parameter %s", h->d->name, name);
    h->p[i] = v;
}

/* The problem from h->p with `seed`, the fixture and its vectors. */
static inline void pfix_open(pfix_t *h, unsigned long seed, bloc_precision_t prec, const char *const *srcs,
                             int nsrcs)
{
    bloc_error_t err;
    cr_assert_eq(bloc_problem_create(&h->pb, h->d, h->p, seed, &err), BLOC_OK, "%s", err.message);
    kfix_init_with(&h->f, prec, 64, 32, srcs, nsrcs);
    cr_assert_eq(h->d->setup(&h->pb, &h->f.g, &h->f.err), BLOC_OK, "%s", h->f.err.message);
    h->x = kfix_vec(&h->f, "x", h->pb.nx, NULL);
    h->y = kfix_vec(&h->f, "y", h->pb.ny, NULL);
    for (int k = 0; k < 4; k++) {
        char nm[16];
        snprintf(nm, sizeof nm, "gx%d", k);
        h->gx[k] = kfix_vec(&h->f, nm, h->pb.nx, NULL);
        snprintf(nm, sizeof nm, "gy%d", k);
        h->gy[k] = kfix_vec(&h->f, nm, h->pb.ny, NULL);
    }
    h->scalars = kfix_vec(&h->f, "scalars", (size_t)h->d->nraw, NULL);
    cr_assert_eq(h->d->eval(&h->pb, &h->f.g, BLOC_LIST_EVAL, h->x, h->y, h->scalars, &h->f.err), BLOC_OK, "%s",
                 h->f.err.message);
}

static inline void pfix_close(pfix_t *h)
{
    kfix_fini(&h->f);
    bloc_problem_destroy(&h->pb);
}

/* F, f and the metrics at the current device x and y. */
static inline void pfix_eval(pfix_t *h, double *out)
{
    double raw[32];
    cr_assert_eq(bloc_graph_enqueue(&h->f.g, BLOC_LIST_EVAL, 0, NULL, &h->f.err), BLOC_OK, "%s", h->f.err.message);
    cr_assert_eq(bloc_graph_read(&h->f.g, h->scalars, raw, &h->f.err), BLOC_OK);
    h->d->finish(&h->pb, raw, out);
}

/* Index of the k-th checked coordinate, in x when *on_x, else in y. */
typedef size_t (*pfix_coord_fn)(const pfix_t *h, int k, int *on_x);

/* Central differences (step eps) of f and F at n coordinates of (x, y)
 * against the LL and UL gradient oracles at (x, y), which it writes to the
 * device and runs (the step list must hold nothing else); F must not
 * depend on x, and a checked x gradient must not be zero (it would test
 * nothing). Bound: |fd - grad| <= tol (1 + |grad|). tag names the case. */
static inline void pfix_check_fd(pfix_t *h, double *x, double *y, int n, pfix_coord_fn coord, double eps,
                                 double tol, const char *tag)
{
    const bloc_problem_desc_t *d = h->d;
    bloc_error_t *e = &h->f.err;
    cr_assert_eq(d->grad(&h->pb, &h->f.g, BLOC_LIST_STEP, BLOC_LL, h->x, h->y, h->gx[0], h->gy[0], e), BLOC_OK);
    cr_assert_eq(d->grad(&h->pb, &h->f.g, BLOC_LIST_STEP, BLOC_UL, h->x, h->y, h->gx[1], h->gy[1], e), BLOC_OK);
    cr_assert_eq(bloc_graph_write(&h->f.g, h->x, x, e), BLOC_OK);
    cr_assert_eq(bloc_graph_write(&h->f.g, h->y, y, e), BLOC_OK);
    kfix_run(&h->f, 0);
    double *gxf = kfix_read(&h->f, h->gx[0]), *gyf = kfix_read(&h->f, h->gy[0]);
    double *gxF = kfix_read(&h->f, h->gx[1]), *gyF = kfix_read(&h->f, h->gy[1]);
    for (size_t i = 0; i < h->pb.nx; i++)
        cr_assert_eq(gxF[i], 0.0, "%s: grad_x F[%zu] = %g: F does not depend on x", tag, i, gxF[i]);
    double out[2][2 + BLOC_MAX_METRICS];
    for (int k = 0; k < n; k++) {
        int on_x = 0;
        size_t i = coord(h, k, &on_x);
        double *v = on_x ? x : y, keep = v[i];
        for (int s = 0; s < 2; s++) {
            v[i] = keep + (s ? -eps : eps);
            cr_assert_eq(bloc_graph_write(&h->f.g, on_x ? h->x : h->y, v, e), BLOC_OK);
            pfix_eval(h, out[s]);
        }
        v[i] = keep;
        cr_assert_eq(bloc_graph_write(&h->f.g, on_x ? h->x : h->y, v, e), BLOC_OK);
        double fd_f = (out[0][BLOC_SLOT_LL] - out[1][BLOC_SLOT_LL]) / (2 * eps);
        double fd_F = (out[0][BLOC_SLOT_F] - out[1][BLOC_SLOT_F]) / (2 * eps);
        double gf = on_x ? gxf[i] : gyf[i], gF = on_x ? 0 : gyF[i];
        const char *var = on_x ? "x" : "y";
        cr_assert(fabs(fd_f - gf) <= tol * (1 + fabs(gf)), "%s, %s[%zu]: grad f %.12g, difference %.12g", tag, var,
                  i, gf, fd_f);
        cr_assert(fabs(fd_F - gF) <= tol * (1 + fabs(gF)), "%s, %s[%zu]: grad F %.12g, difference %.12g", tag, var,
                  i, gF, fd_F);
        if (on_x)
            cr_assert_gt(fabs(gf), 1e-9, "%s, x[%zu]: a zero gradient tests nothing", tag, i);
    }
    free(gxf); free(gyf); free(gxF); free(gyF);
}

/* grad2 against grad: appends grad at (x, y) and (x, y2) into gx/gy[0, 1],
 * grad2 at both into gx/gy[2, 3] and grad2 with grad_x phi at y2 alone
 * into *gxp; y2 (a new vector) is returned. After the run,
 * pfix_grad2_check. */
static inline int pfix_grad2_nodes(pfix_t *h, int *gxp)
{
    const bloc_problem_desc_t *d = h->d;
    bloc_error_t *e = &h->f.err;
    bloc_list_t L = BLOC_LIST_STEP;
    int y2 = kfix_vec(&h->f, "y_two", h->pb.ny, NULL);
    *gxp = kfix_vec(&h->f, "gx_part", h->pb.nx, NULL);
    cr_assert_eq(d->grad(&h->pb, &h->f.g, L, BLOC_LL, h->x, h->y, h->gx[0], h->gy[0], e), BLOC_OK);
    cr_assert_eq(d->grad(&h->pb, &h->f.g, L, BLOC_LL, h->x, y2, h->gx[1], h->gy[1], e), BLOC_OK);
    cr_assert_eq(d->grad2(&h->pb, &h->f.g, L, BLOC_LL, h->x, h->y, y2, h->gx[2], h->gy[2], h->gx[3], h->gy[3], e),
                 BLOC_OK);
    cr_assert_eq(d->grad2(&h->pb, &h->f.g, L, BLOC_LL, h->x, h->y, y2, -1, -1, *gxp, -1, e), BLOC_OK);
    return y2;
}

/* Same kernels, same sums: grad2 gives the bits of grad at each point.
 * When only grad_x phi at the second point is asked for, the same bits
 * too if alone_bits, else within the fixture's tolerance (a problem whose
 * forward-only pass adds its products in another order: hyperclean's
 * hc_forward over transposed blocks). */
static inline void pfix_grad2_check(pfix_t *h, int gxp, int alone_bits)
{
    size_t nx = h->pb.nx, ny = h->pb.ny;
    for (int k = 0; k < 2; k++) {
        double *a = kfix_read(&h->f, h->gx[k]), *b = kfix_read(&h->f, h->gx[k + 2]);
        double *c = kfix_read(&h->f, h->gy[k]), *dd = kfix_read(&h->f, h->gy[k + 2]);
        cr_assert_eq(memcmp(a, b, nx * sizeof *a), 0, "grad_x phi at point %d", k + 1);
        cr_assert_eq(memcmp(c, dd, ny * sizeof *c), 0, "grad_y f at point %d", k + 1);
        if (k == 1) {
            double *p = kfix_read(&h->f, gxp);
            if (alone_bits)
                cr_assert_eq(memcmp(a, p, nx * sizeof *a), 0, "grad_x phi alone at point 2");
            else
                kfix_check(&h->f, "grad_x phi alone at point 2", p, a, nx);
            free(p);
        }
        free(a); free(b); free(c); free(dd);
    }
}

/* MEHA's reuse of a forward (a problem with pb.same_points support): grad2
 * asks for grad_x phi only at (x, y) and (x, y2) (into gx[2], gx[3]), x
 * changes (copied from xb), then grad2 with pb.same_points asks for
 * grad_y f at the same points (gy[2], gy[3]), then at the points swapped
 * (gy[1] at y2, gy[0] at y: no reuse, full gradients). *reuse and
 * *swapped: the index of the first node of the last two calls. */
static inline void pfix_reuse_nodes(pfix_t *h, int y2, int xb, int *reuse, int *swapped)
{
    const bloc_problem_desc_t *d = h->d;
    bloc_error_t *e = &h->f.err;
    bloc_graph_t *g = &h->f.g;
    bloc_list_t L = BLOC_LIST_STEP;
    cr_assert_eq(d->grad2(&h->pb, g, L, BLOC_LL, h->x, h->y, y2, h->gx[2], -1, h->gx[3], -1, e), BLOC_OK);
    cr_assert_eq(bloc_fo_copy(g, xb, h->x, h->pb.nx, e), BLOC_OK); /* x changes */
    *reuse = g->nnodes[L];
    h->pb.same_points = 1;
    cr_assert_eq(d->grad2(&h->pb, g, L, BLOC_LL, h->x, h->y, y2, -1, h->gy[2], -1, h->gy[3], e), BLOC_OK, "%s",
                 e->message);
    *swapped = g->nnodes[L];
    cr_assert_eq(d->grad2(&h->pb, g, L, BLOC_LL, h->x, y2, h->y, -1, h->gy[1], -1, h->gy[0], e), BLOC_OK);
    h->pb.same_points = 0;
}

/* Runs the nodes of pfix_reuse_nodes at x, y and, after x changes, at
 * xb = 1.5 - 0.5 x and y2 = -0.5 y + 0.01 (x and y are overwritten). */
static inline void pfix_reuse_run(pfix_t *h, int y2, int xb, double *x, double *y)
{
    bloc_error_t *e = &h->f.err;
    bloc_graph_t *g = &h->f.g;
    cr_assert_eq(bloc_graph_write(g, h->x, x, e), BLOC_OK);
    cr_assert_eq(bloc_graph_write(g, h->y, y, e), BLOC_OK);
    for (size_t i = 0; i < h->pb.nx; i++)
        x[i] = 1.5 - 0.5 * x[i];
    cr_assert_eq(bloc_graph_write(g, xb, x, e), BLOC_OK);
    for (size_t i = 0; i < h->pb.ny; i++)
        y[i] = -0.5 * y[i] + 0.01;
    cr_assert_eq(bloc_graph_write(g, y2, y, e), BLOC_OK);
    kfix_run(&h->f, 0);
}

#endif
