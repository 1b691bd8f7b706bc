/* A session: runtime on the selected device, the program its kernels need,
 * the problem and the solver's graph (step and eval lists), ready to replay.
 * `bloc run`, `bloc compare`, `bloc graph` and `bloc bench` all start here. */
#ifndef BLOC_SESSION_H
#define BLOC_SESSION_H

#include "config.h"
#include "graph.h"
#include "problem.h"
#include "runtime.h"

typedef struct {
    bloc_runtime_t rt;
    bloc_problem_t pb;
    bloc_graph_t g;
    int x, y, scalars;  /* vector ids */
} bloc_session_t;

/* Builds everything for cfg. On failure the session can still be closed. */
int bloc_session_open(bloc_session_t *s, const bloc_config_t *cfg, bloc_error_t *err);

/* Runs the eval list for iteration k and reads F, f and the metrics into
 * values[0 .. 2 + nmetrics) (a blocking read: also waits for the queue). */
int bloc_session_evaluate(bloc_session_t *s, long k, double *values, bloc_error_t *err);

void bloc_session_close(bloc_session_t *s);

#endif
