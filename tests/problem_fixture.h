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

#endif
