/* A one-device fixture for kernel tests: a runtime with every kernel
 * source built, a graph to hold vectors and nodes, and host helpers that
 * round inputs to the device precision so the double reference sees the
 * same inputs as the kernel. */
#ifndef BLOC_KERNEL_FIXTURE_H
#define BLOC_KERNEL_FIXTURE_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "graph.h"

typedef struct {
    bloc_runtime_t rt;
    bloc_graph_t g;
    bloc_error_t err;
} kfix_t;

static const char *const kfix_sources[] = {
    "kernels/vec.cl", "kernels/reduce.cl", "kernels/prox.cl", "kernels/envelope.cl", "kernels/firstorder.cl",
    "kernels/hvp.cl", "kernels/unrolled.cl", "problems/toy_nonconvex.cl", "problems/toy_merely_convex.cl",
    "problems/sparse.cl", "problems/toy_iaptt.cl",
};

/* Runtime and program from the given sources (after kernels/common.cl). */
static inline void kfix_init_with(kfix_t *f, bloc_precision_t p, size_t local, int groups,
                                  const char *const *sources, int nsources)
{
    int st = bloc_runtime_create(&f->rt, getenv("BLOC_TEST_DEVICE"), p, &f->err);
    cr_assert_eq(st, BLOC_OK, "runtime: %s", f->err.message);
    st = bloc_runtime_build(&f->rt, sources, nsources, &f->err);
    cr_assert_eq(st, BLOC_OK, "build: %s", f->err.message);
    bloc_graph_init(&f->g, &f->rt, local, groups);
}

static inline void kfix_init(kfix_t *f, bloc_precision_t p, size_t local, int groups)
{
    kfix_init_with(f, p, local, groups, kfix_sources, (int)(sizeof kfix_sources / sizeof *kfix_sources));
}

static inline void kfix_fini(kfix_t *f)
{
    bloc_graph_release(&f->g);
    bloc_runtime_release(&f->rt);
}

/* Value as stored on the device. */
static inline double kfix_round(const kfix_t *f, double v)
{
    return f->rt.precision == BLOC_FP64 ? v : (double)(float)v;
}

/* Seeded uniform values in [lo, hi), rounded to the device precision. */
static inline double *kfix_random(const kfix_t *f, size_t n, double lo, double hi, unsigned seed)
{
    double *a = malloc(n * sizeof *a);
    unsigned long long s = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        a[i] = kfix_round(f, lo + (hi - lo) * (double)(s >> 11) / 9007199254740992.0);
    }
    return a;
}

static inline int kfix_vec(kfix_t *f, const char *name, size_t n, const double *init)
{
    int v = bloc_graph_vec(&f->g, name, n, init, &f->err);
    cr_assert_geq(v, 0, "vec %s: %s", name, f->err.message);
    return v;
}

static inline bloc_node_t *kfix_node(kfix_t *f, const char *kernel, size_t n)
{
    bloc_node_t *nd = bloc_graph_add(&f->g, BLOC_LIST_STEP, kernel, n, &f->err);
    cr_assert_not_null(nd, "%s", f->err.message);
    return nd;
}

/* Finalizes, runs the step list once (iteration k) and waits. */
static inline void kfix_run(kfix_t *f, long k)
{
    cr_assert_eq(bloc_graph_finalize(&f->g, &f->err), BLOC_OK, "%s", f->err.message);
    cr_assert_eq(bloc_graph_enqueue(&f->g, BLOC_LIST_STEP, k, NULL, &f->err), BLOC_OK, "%s", f->err.message);
    cr_assert_eq(clFinish(f->rt.queue), CL_SUCCESS);
}

static inline double *kfix_read(kfix_t *f, int v)
{
    double *out = malloc((f->g.vecs[v].n + 1) * sizeof *out);
    cr_assert_eq(bloc_graph_read(&f->g, v, out, &f->err), BLOC_OK, "%s", f->err.message);
    return out;
}

/* Element-wise tolerance: |dev - ref| <= rtol |ref| + atol with
 * fp32: rtol = atol = 1e-5 (a few ulps of float on O(1) data after a
 * handful of operations), fp64: rtol = atol = 1e-12. */
static inline void kfix_check(const kfix_t *f, const char *what, const double *dev, const double *ref, size_t n)
{
    double tol = f->rt.precision == BLOC_FP64 ? 1e-12 : 1e-5;
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(dev[i] - ref[i]) <= tol * fabs(ref[i]) + tol || (isinf(ref[i]) && dev[i] == ref[i]),
                  "%s[%zu] (%s): device %.17g, reference %.17g", what, i,
                  f->rt.precision == BLOC_FP64 ? "fp64" : "fp32", dev[i], ref[i]);
}

#endif
