/* Measured device peaks for rooflines, in the manner of clpeak: read
 * bandwidth of a buffer far larger than any cache and of one inside the
 * reported global-memory cache, fp32/fp64 fma throughput with independent
 * chains, launch cost (kernels/probe.cl). Each figure is the best of
 * several timed launches (profiling events) over the kernel variants.
 * Cached per device and driver in the program cache directory
 * (probe-<hash>.txt); `bloc bench --probe` and bloc_bench_hyperclean
 * --fresh-probe re-measure. Used by `bloc bench` and by the roofline
 * drivers under bench/. */
#ifndef BLOC_PROBE_H
#define BLOC_PROBE_H

#include "runtime.h"

#define BLOC_PROBE_DRAM_BYTES ((size_t)256 << 20) /* the DRAM-sized buffer */

typedef struct {
    double bandwidth;        /* bytes / s, reading BLOC_PROBE_DRAM_BYTES (past every cache) */
    double bandwidth_cached; /* bytes / s, reading half the reported global memory cache */
    double cache_bytes;      /* the device's reported global memory cache */
    double flops_sp;         /* flop / s, fp32 fma, 8 independent chains per work item */
    double flops_dp;         /* flop / s, fp64 fma, the same (0 without fp64) */
    double flops_sp_chain;   /* flop / s, fp32 fma on one dependent chain (clpeak's kernel shape) */
    double launch_s;         /* wall time per small launch in a burst (median of bursts of 64) */
    double launch_single_s;  /* wall time of one empty launch, enqueue to finish (median) */
    int from_cache;
} bloc_peaks_t;

/* Measures (or loads from the cache unless force) the peaks of rt's device. */
int bloc_probe(bloc_runtime_t *rt, int force, bloc_peaks_t *pk, bloc_error_t *err);

/* The bandwidth a working set of `bytes` sees: cached when it fits the cache. */
double bloc_peaks_bandwidth(const bloc_peaks_t *pk, double bytes);

#endif
