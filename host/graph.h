/* The iteration graph: named device vectors, host-side scalar schedules and
 * two lists of kernel launches built once by a solver: `step` (one
 * iteration) and `eval` (objectives and metrics into the scalar vector, run
 * at log points only). The run loop replays them; nothing is read back
 * except the scalar vector at log points. */
#ifndef BLOC_GRAPH_H
#define BLOC_GRAPH_H

#include <limits.h>

#include "runtime.h"

#define BLOC_MAX_ARGS 24
#define BLOC_MAX_VECS 64
#define BLOC_MAX_SCHEDS 8
#define BLOC_NAME_LEN 48

typedef enum { BLOC_LIST_STEP = 0, BLOC_LIST_EVAL = 1, BLOC_NLISTS } bloc_list_t;

typedef enum { BLOC_ARG_VEC, BLOC_ARG_REAL, BLOC_ARG_INT, BLOC_ARG_SCHED, BLOC_ARG_LOCAL, BLOC_ARG_ITER } bloc_arg_kind_t;

typedef struct {
    bloc_arg_kind_t kind;
    int vec;          /* BLOC_ARG_VEC */
    double real;      /* BLOC_ARG_REAL */
    int i;            /* BLOC_ARG_INT */
    int sched;        /* BLOC_ARG_SCHED: schedule index, value set per iteration */
    size_t local;     /* BLOC_ARG_LOCAL: local memory elements of type real */
                      /* BLOC_ARG_ITER: the iteration k as a uint, set per replay */
} bloc_arg_t;

typedef struct {
    char kernel[BLOC_NAME_LEN];
    cl_kernel k;
    cl_uint dims;
    size_t global[2], local[2];
    int nargs;
    bloc_arg_t args[BLOC_MAX_ARGS];
    double flops, bytes;   /* per launch, from sizes (0 if not stated) */
    long period;           /* runs at iterations k with k % period == 0 (1: every iteration) */
} bloc_node_t;

typedef struct {
    char name[BLOC_NAME_LEN];
    size_t n;
    cl_mem mem;
} bloc_vec_t;

/* value = fn(k, p) at iteration k (0-based). */
typedef double (*bloc_sched_fn)(long k, const double *p);
typedef struct {
    char name[BLOC_NAME_LEN];
    bloc_sched_fn fn;
    double p[4];
} bloc_sched_t;

typedef struct {
    bloc_runtime_t *rt;
    size_t local_size;   /* work-group size of 1-D element-wise kernels */
    int reduce_groups;   /* fixed partial count of every reduction */
    bloc_vec_t vecs[BLOC_MAX_VECS];
    int nvecs;
    bloc_sched_t scheds[BLOC_MAX_SCHEDS];
    int nscheds;
    bloc_node_t *nodes[BLOC_NLISTS];
    int nnodes[BLOC_NLISTS], cap[BLOC_NLISTS];
    long period;         /* period given to the nodes appended next (bloc_graph_period) */
    int finalized;
} bloc_graph_t;

void bloc_graph_init(bloc_graph_t *g, bloc_runtime_t *rt, size_t local_size, int reduce_groups);
void bloc_graph_release(bloc_graph_t *g);

/* New device vector of n reals, filled from init (n doubles) or zeros.
 * Returns its id (>= 0) or -1 with err set. */
int bloc_graph_vec(bloc_graph_t *g, const char *name, size_t n, const double *init,
                   bloc_error_t *err);
int bloc_graph_find_vec(const bloc_graph_t *g, const char *name);
/* The scratch vector `name` of n reals (zeros), made on first use and
 * shared by every node that asks for it (the queue is in order). Returns
 * its id, or -1 with err set (BLOC_ERR_INTERNAL if it exists with another
 * size). */
int bloc_graph_scratch(bloc_graph_t *g, const char *name, size_t n, bloc_error_t *err);

int bloc_graph_sched(bloc_graph_t *g, const char *name, bloc_sched_fn fn, const double p[4],
                     bloc_error_t *err);

/* Nodes appended after this call run only at iterations k with
 * k % period == 0 (the replay skips them otherwise); period 1 (the
 * default) = every iteration, BLOC_PERIOD_ONCE = iteration 0 only. Used for
 * periodic inner loops (BO-REP's LL updates) and start-up work. */
#define BLOC_PERIOD_ONCE LONG_MAX
void bloc_graph_period(bloc_graph_t *g, long period);

/* Appends a launch of kernel over n work items (1-D, rounded up to the
 * graph's local size; kernels bounds-check). Arguments follow with the
 * bloc_arg_* calls. Returns NULL with err set on failure. */
bloc_node_t *bloc_graph_add(bloc_graph_t *g, bloc_list_t list, const char *kernel, size_t n,
                            bloc_error_t *err);
/* Same with explicit 2-D global and local sizes. */
bloc_node_t *bloc_graph_add2d(bloc_graph_t *g, bloc_list_t list, const char *kernel,
                              const size_t global[2], const size_t local[2], bloc_error_t *err);

/* A kernel coefficient that is either fixed or a schedule's value. */
typedef struct {
    int sched;     /* schedule index, or -1 */
    double value;  /* when sched < 0 */
} bloc_coef_t;
#define BLOC_FIXED(v) ((bloc_coef_t){-1, (v)})
#define BLOC_SCHEDULED(s) ((bloc_coef_t){(s), 0.0})

void bloc_arg_coef(bloc_node_t *nd, bloc_coef_t c);
void bloc_arg_vec(bloc_node_t *nd, int vec);
void bloc_arg_real(bloc_node_t *nd, double v);
void bloc_arg_int(bloc_node_t *nd, int v);
void bloc_arg_sched(bloc_node_t *nd, int sched);
void bloc_arg_local(bloc_node_t *nd, size_t reals);
/* The replay's iteration k as a kernel `uint` (k mod 2^32): counters of
 * the device random generator (kernels/rng.cl). */
void bloc_arg_iter(bloc_node_t *nd);
void bloc_node_cost(bloc_node_t *nd, double flops, double bytes);

/* Fixed-shape reduction (kernels/reduce.cl): sums each of the `rows` rows
 * of length n stored contiguously in vector `terms` into
 * scalars[offset + r]. The summation order depends only on n and the graph's
 * (reduce_groups, local_size), so results are bitwise reproducible. Short
 * rows launch only the ceil(n / local_size) groups that hold data (the sums
 * are the same: the other groups would add zeros). Calls with the same row
 * count share one scratch vector of partials (the queue is in order). */
int bloc_graph_reduce_rows(bloc_graph_t *g, bloc_list_t list, int terms, int rows, size_t n,
                           int scalars, int offset, bloc_error_t *err);

/* Mean launches per replay of a list over iterations k >= 1: every node
 * counts 1 / period, nodes of iteration 0 only count nothing. */
double bloc_graph_mean_launches(const bloc_graph_t *g, bloc_list_t list);

/* Bytes of device memory held by the graph's vectors (their sizes as
 * allocated, in the working precision). */
size_t bloc_graph_device_bytes(const bloc_graph_t *g);

/* Creates kernel objects and sets every static argument. */
int bloc_graph_finalize(bloc_graph_t *g, bloc_error_t *err);

/* Enqueues one replay of a list for iteration k. If events is non-NULL it
 * receives one profiling event per node (caller releases); nodes skipped by
 * their period get NULL. On failure the events of the nodes already enqueued
 * are released (after a clFinish). */
int bloc_graph_enqueue(bloc_graph_t *g, bloc_list_t list, long k, cl_event *events,
                       bloc_error_t *err);

/* Host <-> device copies of a whole vector as doubles (blocking). */
int bloc_graph_read(bloc_graph_t *g, int vec, double *out, bloc_error_t *err);
int bloc_graph_write(bloc_graph_t *g, int vec, const double *in, bloc_error_t *err);

#endif
