/* Problem descriptors: sizes, start point, UL and LL boxes, parameter table, and the
 * oracles a solver composes into its graph. Every oracle appends kernel
 * launches to a graph list; nothing is computed on the host. */
#ifndef BLOC_PROBLEM_H
#define BLOC_PROBLEM_H

#include "graph.h"
#include "param.h"

#include <math.h>

typedef enum { BLOC_UL = 0, BLOC_LL = 1 } bloc_level_t;

#define BLOC_MAX_METRICS 8
/* Scalar slots written by eval + finish: F, f (the LL objective phi), then
 * the problem's metrics in metric_names order. */
#define BLOC_SLOT_F 0
#define BLOC_SLOT_LL 1
#define BLOC_SLOT_METRIC0 2

typedef struct bloc_problem bloc_problem_t;

typedef struct bloc_problem_desc {
    const char *name;
    const char *summary;
    const bloc_param_spec_t *params;
    int nparams;
    const char *kernel_source;      /* e.g. "problems/toy_nonconvex.cl" */
    /* Shared kernel files kernel_source calls into (e.g. "kernels/linalg.cl"),
     * built before it; NULL/0 when none. */
    const char *const *kernel_libs;
    int nkernel_libs;
    const char *kernel_prefix;      /* element-wise problems: kernel name prefix */
    double grad_flops_per_item;     /* element-wise problems: cost model */
    const char *const *metric_names;
    int nmetrics;
    int nraw;                       /* scalars the eval nodes write */
    /* Reads pb->params; sets nx, ny, x0, y0 (malloc'd), x_lo, x_hi. */
    int (*init)(bloc_problem_t *pb, bloc_error_t *err);
    /* Creates the problem's data vectors in the graph (may be NULL). */
    int (*setup)(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err);
    /* (gx, gy) <- gradient of F (level UL) or of the LL objective (level LL)
     * at (x, y). For level LL, gx is grad_x phi = grad_x (f + g) (g's part
     * where g depends smoothly on x, e.g. |y_i| for g = sum x_i |y_i|) and gy
     * is grad_y f only: the nonsmooth g enters y through prox. */
    int (*grad)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level,
                int x, int y, int gx, int gy, bloc_error_t *err);
    /* Optional (NULL: solvers call grad): the gradients of one level at
     * two points sharing x, (x, y1) and (x, y2), in one pass over the
     * problem's data where it can (y2 = -1: (x, y1) only). Any of gx1, gy1,
     * gx2, gy2 may be -1: that output is not needed and the work only it
     * needs is skipped. Solvers reach it through bloc_fo_grad2. With
     * pb->same_points set, the problem may reuse work of its previous call
     * of this level that depends on the points alone (not on x). */
    int (*grad2)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y1,
                 int y2, int gx1, int gy1, int gx2, int gy2, bloc_error_t *err);
    /* v <- prox_{step g(x, .)}(v), in place; NULL when the LL has no
     * nonsmooth term g. */
    int (*prox)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int v, double step,
                bloc_error_t *err);
    /* Exact Hessian-vector products of f (level LL) or F (level UL) at (x, y):
     * hy <- H_yy v = d/dy (grad_y . v) (ny long), hx <- H_xy v = d/dx (grad_y . v)
     * (nx long). For an LL with a nonsmooth g they are f's alone. NULL when
     * the problem has none: host/hvp.h then differences the gradient oracle. */
    int (*hvp)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y,
               int v, int hx, int hy, bloc_error_t *err);
    /* Optional cheaper forms for solvers that need only the y parts (the
     * implicit family's LL steps and linear-system steps); NULL: the
     * callers use grad / hvp (or its difference) with a scratch x part.
     * gy <- grad_y of F (UL) or f (LL); hy <- H_yy v. */
    int (*grad_y)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gy,
                  bloc_error_t *err);
    int (*hvp_yy)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v,
                  int hy, bloc_error_t *err);
    /* Batched UL values along an LL trajectory: vals[offset + r] <- c F(x, y_r)
     * for r < rows, where y_r is row first + r (rows of ny reals) of vector
     * traj and c > 0 a constant of the problem (1, or e.g. the sample count
     * of a mean: the pessimistic truncation needs only the argmax). NULL
     * when not offered (pessimistic truncation needs it). */
    int (*ul_rows)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int traj, int first, int rows,
                   int vals, int offset, bloc_error_t *err);
    /* raw scalars[0 .. nraw) <- sums from which finish derives F, f, metrics. */
    int (*eval)(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y,
                int scalars, bloc_error_t *err);
    /* out[0 .. 2 + nmetrics) from raw[0 .. nraw), in double on the host. */
    void (*finish)(const bloc_problem_t *pb, const double *raw, double *out);
    void (*destroy)(bloc_problem_t *pb);
} bloc_problem_desc_t;

struct bloc_problem {
    const bloc_problem_desc_t *desc;
    const double *params;   /* config values, desc->params order */
    unsigned long seed;     /* config seed, for problems that draw data */
    size_t nx, ny;
    double *x0, *y0;
    double x_lo, x_hi;      /* UL box (Proj_X); +-HUGE_VAL when unconstrained */
    double y_lo, y_hi;      /* LL box (Proj_Y), same on every coordinate; +-HUGE_VAL when none */
    /* Minibatches (host/minibatch.h). A problem whose objectives are means
     * over samples sets nsamples[BLOC_UL] (validation) and nsamples[BLOC_LL]
     * (training) and batch (its `batch` parameter; 0 = full batch,
     * deterministic). sample[level] is the vector of `batch` sample indices
     * (as reals) the next oracle calls of that level average over, or -1 for
     * the full mean: set by the stochastic solvers around their calls, -1
     * everywhere else (the eval list always sees the full objectives). */
    size_t batch;
    size_t nsamples[2];
    int sample[2];
    /* Set by a solver around one grad2 call (bloc_fo_grad2_again), 0
     * everywhere else: y1 and y2 hold the values they had at the previous
     * grad2 call of the same level (only x may have changed since), so a
     * problem whose work at a point does not depend on x (hyperclean's
     * logits) may reuse it instead of a pass over its data. */
    int same_points;
    void *data;             /* problem-private */
};

/* Generic oracles for element-wise problems (desc->kernel_prefix):
 * kernels PREFIX_grad_F / PREFIX_grad_f (x, y, gx, gy, n) and
 * PREFIX_terms (x, y, terms, n) writing nraw rows of nx terms, summed by the
 * fixed-shape reduction into scalars[0 .. nraw). */
int bloc_elementwise_grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x,
                          int y, int gx, int gy, bloc_error_t *err);
int bloc_elementwise_eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars,
                          bloc_error_t *err);
/* Kernels PREFIX_hvp_F / PREFIX_hvp_f (x, y, v, hx, hy, n) over nx items. */
int bloc_elementwise_hvp(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y,
                         int v, int hx, int hy, bloc_error_t *err);
/* Kernel PREFIX_F_rows (x, traj, first, t, n) over (nx, rows) items writing
 * t[r * nx + i] = the i-th term of F(x, y_{first + r}), then one reduction
 * with `rows` rows. */
int bloc_elementwise_ul_rows(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int traj, int first,
                             int rows, int vals, int offset, bloc_error_t *err);
/* The oracle hooks of an element-wise problem, for its descriptor. */
#define BLOC_ELEMENTWISE_ORACLES                                                                                    \
    .grad = bloc_elementwise_grad, .hvp = bloc_elementwise_hvp, .ul_rows = bloc_elementwise_ul_rows,                \
    .eval = bloc_elementwise_eval

/* prox hook for g(x, y) = sum_i x_i |y_i| (weights = the UL variable, ny = nx):
 * soft-threshold at step * x_i. BLOC_ERR_PARAM when the UL box admits
 * negative weights or the step is negative. */
int bloc_prox_weighted_l1(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int v, double step,
                          bloc_error_t *err);

/* Sets the UL box after checking lo <= hi and that x0 (if set) lies in it;
 * BLOC_ERR_PARAM otherwise. */
int bloc_problem_box(bloc_problem_t *pb, double lo, double hi, bloc_error_t *err);

/* Sets the LL box after checking lo <= hi and that y0 (if set) lies in it;
 * BLOC_ERR_PARAM otherwise. */
int bloc_problem_ybox(bloc_problem_t *pb, double lo, double hi, bloc_error_t *err);

/* Sets nx, ny and start vectors filled with x0 and y0 (BLOC_ERR_NOMEM naming
 * the problem when they cannot be allocated). */
int bloc_problem_start(bloc_problem_t *pb, size_t nx, size_t ny, double x0, double y0, bloc_error_t *err);

/* malloc'd array of n copies of v (NULL when out of memory). */
double *bloc_fill(size_t n, double v);

const bloc_problem_desc_t *bloc_problem_find(const char *name);
/* NULL-terminated registry. */
extern const bloc_problem_desc_t *const bloc_problems[];

int bloc_problem_create(bloc_problem_t *pb, const bloc_problem_desc_t *desc,
                        const double *params, unsigned long seed, bloc_error_t *err);
void bloc_problem_destroy(bloc_problem_t *pb);

#endif
