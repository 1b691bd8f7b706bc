/* The run loop: builds runtime, problem and graph from a config, replays
 * the step list, evaluates at log points (the only read-backs: F, f,
 * metrics, x and y), checks them with the divergence guard (guard.h),
 * shows progress, writes DIR/trajectory.csv and DIR/summary.json, and every
 * checkpoint_every iterations DIR/checkpoint.bin (checkpoint.h). */
#ifndef BLOC_RUN_H
#define BLOC_RUN_H

#include "config.h"
#include "problem.h"

typedef enum {
    BLOC_PROGRESS_AUTO = 0, /* bar on a terminal, periodic lines otherwise */
    BLOC_PROGRESS_NONE,
    BLOC_PROGRESS_LINES
} bloc_progress_mode_t;

/* Called at every log point (iteration 0 included) with F, f and the
 * metrics, and x and y read back from the device (the callback's reads are
 * the only extra transfers). A non-zero return (out of memory) stops the run. */
typedef int (*bloc_log_fn)(void *user, long k, const double *values, const double *x, size_t nx, const double *y,
                           size_t ny);

typedef struct {
    bloc_progress_mode_t progress;
    const char *out_dir;     /* NULL: cfg->output */
    bloc_log_fn on_log;      /* NULL: none */
    void *user;
    /* Continue from DIR/checkpoint.bin (DIR = out_dir, or cfg->output):
     * refused unless the checkpoint's config and build hashes match this
     * run's; trajectory.csv is cut back to the checkpoint's rows. */
    int resume;
    /* --set overrides of the run, recorded in checkpoints so that
     * `bloc run --resume DIR` can rebuild the config. */
    const char *const *sets;
    int nsets;
} bloc_run_options_t;

/* Why a run stopped with BLOC_ERR_DIVERGED (guard.h). */
typedef struct {
    long iteration;              /* the failing log point */
    long last_good_iteration;    /* -1: none */
    const char *reason;          /* "non-finite" | "blow-up" */
    char variable[64];           /* "F", "f", "x[3]", "y[0]" */
} bloc_divergence_t;

typedef struct {
    long iterations;
    double values[2 + BLOC_MAX_METRICS];  /* final F, f, metrics */
    const char *metric_names[BLOC_MAX_METRICS];
    int nmetrics;
    double wall_seconds;          /* iteration loop, evaluations included */
    double wall_per_iter;         /* loop wall time after the first iteration / the remaining iterations */
    double step_wall_per_iter;    /* the same without the log points' time: the iterations alone */
    double log_seconds;           /* log points after the first iteration: evaluation, trajectory, checkpoints */
    double device_per_iter;       /* median over sampled iterations of summed kernel time */
    double span_per_iter;         /* median of (last end - first start) over sampled iterations */
    double startup_seconds;       /* runtime create + program build + graph setup */
    double build_seconds;
    int program_from_cache;
    int launches_per_iter;        /* mean over iterations (periodic nodes count 1 / period) */
    size_t device_bytes;          /* device memory of the graph's vectors (bloc_graph_device_bytes) */
    long resumed_from;            /* iteration of the checkpoint the run resumed from, -1: none */
    long last_checkpoint;         /* iteration of the last checkpoint written, -1: none */
    bloc_divergence_t divergence; /* when the status is BLOC_ERR_DIVERGED */
    char out_dir[1024];
} bloc_run_result_t;

int bloc_run(const bloc_config_t *cfg, const bloc_run_options_t *opt, bloc_run_result_t *res, bloc_error_t *err);

#endif
