/* Measured device peaks for rooflines: global-memory bandwidth (copy) and
 * fp32/fp64 multiply-add throughput, each the best of several timed
 * launches (profiling events). Cached per device and driver in the program
 * cache directory (probe-<hash>.txt); `bloc bench --probe` re-measures. */
#ifndef BLOC_PROBE_H
#define BLOC_PROBE_H

#include "runtime.h"

typedef struct {
    double bandwidth;   /* bytes / s, buffers far larger than the cache (DRAM) */
    double bandwidth_cached; /* bytes / s, buffers within the global memory cache */
    double cache_bytes; /* the device's reported global memory cache */
    double flops_sp;    /* flop / s, fp32 */
    double flops_dp;    /* flop / s, fp64 (0 without fp64) */
    double launch_s;    /* wall time per small launch in a burst (median of bursts of 64) */
    int from_cache;
} bloc_peaks_t;

/* Measures (or loads) the peaks of rt's device. */
int bloc_probe(bloc_runtime_t *rt, int force, bloc_peaks_t *pk, bloc_error_t *err);

/* The bandwidth a working set of `bytes` sees: cached when it fits the cache. */
double bloc_peaks_bandwidth(const bloc_peaks_t *pk, double bytes);

#endif
