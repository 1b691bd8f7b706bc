/* Result files: trajectory.csv (streamed, one row per log point) and
 * summary.json (written once, atomically: temp file + fsync + rename). */
#ifndef BLOC_REPORT_H
#define BLOC_REPORT_H

#include <stdio.h>

#include "config.h"
#include "error.h"
#include "run.h"
#include "runtime.h"

int bloc_mkdir_p(const char *dir, bloc_error_t *err);

/* Opens DIR/trajectory.csv and writes the header. */
int bloc_trajectory_open(FILE **f, const char *dir, const bloc_run_result_t *res, bloc_error_t *err);
int bloc_trajectory_row(FILE *f, long k, double wall, const double *values, int nmetrics, bloc_error_t *err);

/* Reopens DIR/trajectory.csv for appending after cutting it back to its
 * first `bytes` bytes (the rows up to a checkpoint; later rows are dropped
 * and written again). */
int bloc_trajectory_resume(FILE **f, const char *dir, long bytes, bloc_error_t *err);

/* Forces the rows written so far to disk (before a checkpoint names them). */
int bloc_trajectory_sync(FILE *f, bloc_error_t *err);

int bloc_summary_write(const char *dir, const bloc_config_t *cfg, const bloc_runtime_t *rt,
                       const bloc_run_result_t *res, int profiled, const char *status, bloc_error_t *err);

/* JSON string literal with escapes. */
void bloc_json_string(FILE *f, const char *s);

#endif
