/* Cross-device accuracy comparison: runs one config's iteration graph on
 * several devices and precisions, records x, y and F at every log point,
 * and compares every pair of runs and every run with the reference (the
 * fp64 run on the first device that has fp64, else the first run).
 *
 * Differences per log point: absolute ||a - b||_inf and scaled
 * ||a - b||_inf / max(||a||_inf, ||b||_inf, 1) for x and y, |Fa - Fb| and
 * |Fa - Fb| / max(|Fa|, |Fb|, 1) for F (relative above magnitude 1,
 * absolute below, so quantities converging to 0 compare meaningfully). A pair agrees when every relative
 * difference stays within the tolerance of its lower precision (config
 * compare.tol_fp32 / compare.tol_fp64); the first log point beyond it is the
 * divergence point. */
#ifndef BLOC_COMPARE_H
#define BLOC_COMPARE_H

#include <stdio.h>

#include "config.h"
#include "error.h"

typedef struct {
    const char *devices;     /* "all" or a comma-separated list of device specs; NULL: the config's device */
    const char *precisions;  /* comma-separated fp32/fp64; NULL: the config's precision */
    const char *out_dir;     /* per-run results, pair CSVs, compare.json */
} bloc_compare_options_t;

/* Runs and reports (a table on `report`, files under out_dir). *disagree
 * is set to the number of pairs that do not agree. */
int bloc_compare(const bloc_config_t *cfg, const bloc_compare_options_t *opt, FILE *report, int *disagree,
                 bloc_error_t *err);

#endif
