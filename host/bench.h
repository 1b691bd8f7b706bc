/* bloc bench: for each (config, device, precision) of a suite, measures
 *  - start-up cold (empty bloc and PoCL program caches) and warm, each in a
 *    child `bloc run` process (caches are per process state),
 *  - time per iteration from profiling events and from the wall clock:
 *    median and spread over repeats of a fixed number of iterations, after a
 *    warm-up replay that compiles every (kernel, local size),
 *  - time and iterations to a target accuracy from a full run,
 *  - achieved GB/s and GFLOP/s per node and per iteration from the graph's
 *    cost model, against the device's measured peaks (probe.h): the
 *    roofline bound max(bytes / bandwidth, flops / peak).
 * Suite file: one entry per line, `CONFIG [METRIC<TARGET] [key.path=value ...]`,
 * '#' starts a comment. Results: DIR/bench.csv, DIR/nodes.csv, DIR/bench.json. */
#ifndef BLOC_BENCH_H
#define BLOC_BENCH_H

#include <stdio.h>

#include "error.h"

typedef struct {
    const char *suite;       /* suite file */
    const char *devices;     /* "all", a list of device specs, or NULL (default device) */
    const char *precisions;  /* "fp32", "fp64", "fp32,fp64"; NULL: each config's */
    const char *out_dir;
    const char *bloc_exe;    /* the bloc binary, for the start-up child runs */
    int repeats;             /* timed repeats */
    int iters;               /* iterations per repeat */
    int force_probe;         /* re-measure device peaks */
} bloc_bench_options_t;

int bloc_bench(const bloc_bench_options_t *opt, FILE *report, bloc_error_t *err);

#endif
