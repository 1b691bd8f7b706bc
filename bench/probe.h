/* Device peak probe in the manner of clpeak: global-memory read bandwidth
 * and fp32 FMA throughput measured by small OpenCL kernels on float8 and
 * float16 vectors; the best variant of each is the device's peak for the
 * roofline. Results are cached per device (platform, device and driver
 * versions) in the program-cache directory. */
#ifndef BLOC_BENCH_PROBE_H
#define BLOC_BENCH_PROBE_H

#include "runtime.h"

typedef struct {
    double bw_dram;      /* GB/s, reading a 256 MiB buffer (past every cache) */
    double bw_l3;        /* GB/s, reading a 16 MiB buffer (L3-sized on this CPU) */
    double fma_peak;     /* GFLOP/s, fp32 FMA with 8 independent float16 chains per work item */
    double fma_chain;    /* GFLOP/s, one dependent float16 chain per work item (clpeak's kernel shape) */
    double launch_us;    /* median enqueue-to-end of an empty kernel */
    int from_cache;
} bloc_peaks_t;

/* Measures (or loads from the cache unless fresh) the peaks of rt's device. */
int bloc_probe_peaks(bloc_runtime_t *rt, int fresh, bloc_peaks_t *out, bloc_error_t *err);

#endif
