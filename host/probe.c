#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program_cache.h"
#include "sha256.h"
#include "timing.h"

#define REPEATS 9
#define FMA_ITERS 4096 /* fma iterations per work item on a CPU (fewer on a GPU, see probe_fma) */
#define GROUP 16       /* work-group size of the probe launches on a CPU */
#define GROUP_GPU 128  /* and on other devices: whole warps / wavefronts */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Best device time over REPEATS launches (after one warm-up launch). */
static int time_kernel(bloc_runtime_t *rt, cl_kernel k, size_t global, size_t local, double *best, bloc_error_t *err)
{
    *best = 1e30;
    for (int r = 0; r <= REPEATS; r++) {
        cl_event ev;
        cl_int rc = clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &global, &local, 0, NULL, &ev);
        if (rc != CL_SUCCESS)
            return bloc_cl_fail(err, "clEnqueueNDRangeKernel(probe)", rc);
        clWaitForEvents(1, &ev);
        cl_ulong a = 0, b = 0;
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
        clReleaseEvent(ev);
        if (r > 0 && b > a && 1e-9 * (double)(b - a) < *best)
            *best = 1e-9 * (double)(b - a);
    }
    return BLOC_OK;
}

static size_t probe_group(const bloc_runtime_t *rt)
{
    return rt->dev.type & CL_DEVICE_TYPE_CPU ? GROUP : GROUP_GPU;
}

/* Work items of the probe launches: 256 on a CPU (a few work-groups per
 * core), 1024 per compute unit on a GPU to fill it; a multiple of the
 * work-group size. */
static size_t probe_items(const bloc_runtime_t *rt)
{
    size_t per_cu = rt->dev.type & CL_DEVICE_TYPE_CPU ? 0 : 1024;
    size_t n = per_cu * rt->dev.compute_units, grp = probe_group(rt);
    n = n > 256 ? n : 256;
    return (n + grp - 1) / grp * grp;
}

/* Read bandwidth of a buffer of `bytes` (fp32 runtime): best over the
 * blocked float16 / float8 and the interleaved float16 kernels. */
static int probe_read(bloc_runtime_t *rt, size_t bytes, double *bw, bloc_error_t *err)
{
    if (bytes > rt->dev.max_alloc)
        bytes = (size_t)rt->dev.max_alloc;
    size_t items = probe_items(rt), grp = probe_group(rt);
    /* A buffer smaller than 128 bytes per item (half of a GPU's small L2
     * against its many items) is read by fewer items. */
    if (bytes / 128 < items)
        items = bytes / 128 / grp * grp;
    if (items == 0)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "probe: a %zu-byte buffer is too small to time", bytes);
    bytes = bytes / (items * 128) * (items * 128); /* whole pairs of 64-byte vectors per item */
    cl_int rc;
    cl_mem in = clCreateBuffer(rt->ctx, CL_MEM_READ_ONLY, bytes, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    cl_mem out = clCreateBuffer(rt->ctx, CL_MEM_WRITE_ONLY, items * sizeof(float), NULL, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseMemObject(in);
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    }
    float zero = 0;
    int st = BLOC_OK;
    if ((rc = clEnqueueFillBuffer(rt->queue, in, &zero, sizeof zero, 0, bytes, 0, NULL, NULL)) != CL_SUCCESS)
        st = bloc_cl_fail(err, "clEnqueueFillBuffer(probe)", rc);
    static const char *const names[] = {"probe_read16", "probe_read8", "probe_read16_strided"};
    static const int vec_bytes[] = {64, 32, 64};
    *bw = 0;
    for (int v = 0; v < 3 && !st; v++) {
        cl_kernel k;
        if ((st = bloc_runtime_kernel(rt, names[v], &k, err)))
            break;
        int per = (int)(bytes / (size_t)vec_bytes[v] / items);
        clSetKernelArg(k, 0, sizeof in, &in);
        clSetKernelArg(k, 1, sizeof per, &per);
        clSetKernelArg(k, 2, sizeof out, &out);
        double t;
        if (!(st = time_kernel(rt, k, items, grp, &t, err)) && (double)bytes / t > *bw)
            *bw = (double)bytes / t;
        clReleaseKernel(k);
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    return st;
}

/* fma throughput in rt's precision: best of the 16- and 8-wide kernels
 * with 8 chains (*flops), and the one-chain kernel (*chain, if non-NULL). */
static int probe_fma(bloc_runtime_t *rt, double *flops, double *chain, bloc_error_t *err)
{
    size_t items = probe_items(rt);
    cl_int rc;
    cl_mem out = clCreateBuffer(rt->ctx, CL_MEM_WRITE_ONLY, items * rt->real_size, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    /* FMA_ITERS per item for 256 items (about a millisecond on a CPU);
     * with more items, proportionally fewer, at least 64 (tens of
     * milliseconds per launch on a large GPU) */
    int iters = (int)(FMA_ITERS * 256 / items);
    if (iters < 64)
        iters = 64;
    static const char *const names[] = {"probe_fma16", "probe_fma8", "probe_fma16_chain"};
    static const int lanes[] = {16, 8, 16};
    int st = BLOC_OK;
    *flops = 0;
    for (int v = 0; v < (chain ? 3 : 2) && !st; v++) {
        cl_kernel k;
        if ((st = bloc_runtime_kernel(rt, names[v], &k, err)))
            break;
        double m64 = 0.999, c64 = 0.001;
        float m32 = 0.999f, c32 = 0.001f;
        clSetKernelArg(k, 0, sizeof out, &out);
        if (rt->precision == BLOC_FP64) {
            clSetKernelArg(k, 1, sizeof m64, &m64);
            clSetKernelArg(k, 2, sizeof c64, &c64);
        } else {
            clSetKernelArg(k, 1, sizeof m32, &m32);
            clSetKernelArg(k, 2, sizeof c32, &c32);
        }
        clSetKernelArg(k, 3, sizeof iters, &iters);
        double t;
        if (!(st = time_kernel(rt, k, items, probe_group(rt), &t, err))) {
            double f = 2.0 * 8 * lanes[v] * (double)iters * (double)items / t;
            if (v == 2)
                *chain = f;
            else if (f > *flops)
                *flops = f;
        }
        clReleaseKernel(k);
    }
    clReleaseMemObject(out);
    return st;
}

/* Launch cost: the amortized wall time of one small launch in a burst of
 * 64 then a finish (median of 9 bursts), and of one launch alone, enqueue
 * to finish (median of 50). */
static int probe_launch(bloc_runtime_t *rt, double *burst, double *single, bloc_error_t *err)
{
    cl_int rc;
    cl_mem out = clCreateBuffer(rt->ctx, CL_MEM_WRITE_ONLY, GROUP * rt->real_size, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    cl_kernel k;
    int st = bloc_runtime_kernel(rt, "probe_empty", &k, err);
    if (!st) {
        size_t local = GROUP;
        clSetKernelArg(k, 0, sizeof out, &out);
        clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &local, &local, 0, NULL, NULL);
        clFinish(rt->queue);
        double samples[9], lo, hi, one[50];
        for (int i = 0; i < 9; i++) {
            double t0 = bloc_now_s();
            for (int j = 0; j < 64; j++)
                clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &local, &local, 0, NULL, NULL);
            clFinish(rt->queue);
            samples[i] = (bloc_now_s() - t0) / 64;
        }
        bloc_stats(samples, 9, burst, &lo, &hi);
        for (int i = 0; i < 50; i++) {
            double t0 = bloc_now_s();
            clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &local, &local, 0, NULL, NULL);
            clFinish(rt->queue);
            one[i] = bloc_now_s() - t0;
        }
        qsort(one, 50, sizeof *one, cmp_double);
        *single = 0.5 * (one[24] + one[25]);
        clReleaseKernel(k);
    }
    clReleaseMemObject(out);
    return st;
}

static void cache_name(const bloc_device_info_t *d, char *name, size_t size)
{
    char key[1400], hex[65];
    snprintf(key, sizeof key, "probe v5\n%s | %s\n%s | %s\n%s\n", d->platform_name, d->platform_version, d->device_name,
             d->device_version, d->driver_version);
    bloc_sha256_t s;
    bloc_sha256_init(&s);
    bloc_sha256_update(&s, key, strlen(key));
    bloc_sha256_hex(&s, hex);
    snprintf(name, size, "probe-%.16s.txt", hex);
}

static const char *const probe_src[] = {"kernels/probe.cl"};

/* Peaks measured with a runtime of the given precision on rt's device:
 * bandwidth, the one-chain fma and launch cost in fp32 only. */
static int measure(const bloc_runtime_t *rt, bloc_precision_t prec, bloc_peaks_t *pk, bloc_error_t *err)
{
    char spec[32];
    bloc_runtime_t r;
    snprintf(spec, sizeof spec, "%d:%d", rt->dev.platform_index, rt->dev.device_index);
    int st = bloc_runtime_create(&r, spec, prec, err), sp = prec == BLOC_FP32;
    if (!st)
        st = bloc_runtime_build(&r, probe_src, 1, err);
    if (!st && sp)
        st = probe_read(&r, BLOC_PROBE_DRAM_BYTES, &pk->bandwidth, err);
    if (!st && sp && pk->cache_bytes >= 1 << 16)
        st = probe_read(&r, (size_t)pk->cache_bytes / 2, &pk->bandwidth_cached, err);
    if (!st)
        st = probe_fma(&r, sp ? &pk->flops_sp : &pk->flops_dp, sp ? &pk->flops_sp_chain : NULL, err);
    if (!st && sp)
        st = probe_launch(&r, &pk->launch_s, &pk->launch_single_s, err);
    bloc_runtime_release(&r);
    return st;
}

#define CACHE_FORMAT                                                                                             \
    "bandwidth %lf cached %lf cache_bytes %lf flops_sp %lf flops_dp %lf flops_sp_chain %lf launch %lf "          \
    "launch_single %lf"

int bloc_probe(bloc_runtime_t *rt, int force, bloc_peaks_t *pk, bloc_error_t *err)
{
    memset(pk, 0, sizeof *pk);
    char name[64], path[1100];
    cache_name(&rt->dev, name, sizeof name);
    int cached = bloc_cache_path(name, path, sizeof path);
    if (cached && !force) {
        FILE *f = fopen(path, "r");
        if (f) {
            int n = fscanf(f, CACHE_FORMAT, &pk->bandwidth, &pk->bandwidth_cached, &pk->cache_bytes, &pk->flops_sp,
                           &pk->flops_dp, &pk->flops_sp_chain, &pk->launch_s, &pk->launch_single_s);
            fclose(f);
            if (n == 8 && pk->bandwidth > 0 && pk->flops_sp > 0) {
                pk->from_cache = 1;
                return BLOC_OK;
            }
            memset(pk, 0, sizeof *pk);
        }
    }
    pk->cache_bytes = (double)rt->dev.cache_size;
    int st = measure(rt, BLOC_FP32, pk, err);
    if (!st && rt->dev.has_fp64)
        st = measure(rt, BLOC_FP64, pk, err);
    if (st)
        return st;
    if (cached) { /* temp + rename: never a half-written cache entry */
        char tmp[1200];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f,
                    "bandwidth %.6g cached %.6g cache_bytes %.6g flops_sp %.6g flops_dp %.6g flops_sp_chain %.6g "
                    "launch %.6g launch_single %.6g\n",
                    pk->bandwidth, pk->bandwidth_cached, pk->cache_bytes, pk->flops_sp, pk->flops_dp,
                    pk->flops_sp_chain, pk->launch_s, pk->launch_single_s);
            if (fclose(f) != 0 || rename(tmp, path) != 0)
                remove(tmp);
        }
    }
    return BLOC_OK;
}

/* The cache's bandwidth for buffers within half of it, when it measured
 * higher than DRAM's (on a large GPU a buffer of half its reported cache
 * is read by too few work items to show the cache's bandwidth: 307 GB/s
 * against 2861 GB/s from DRAM on an H100). */
double bloc_peaks_bandwidth(const bloc_peaks_t *pk, double bytes)
{
    return pk->bandwidth_cached > pk->bandwidth && bytes <= pk->cache_bytes / 2 ? pk->bandwidth_cached
                                                                                : pk->bandwidth;
}
