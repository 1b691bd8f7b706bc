#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "program_cache.h"
#include "sha256.h"
#include "timing.h"

#define REPEATS 5

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

static int probe_flops(bloc_runtime_t *rt, double *flops, double *launch, bloc_error_t *err)
{
    const int iters = 1024;
    size_t local = 64, global = (size_t)rt->dev.compute_units * 64 * local;
    cl_int rc;
    cl_mem out = clCreateBuffer(rt->ctx, CL_MEM_WRITE_ONLY, global * rt->real_size, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    cl_kernel k;
    int st = bloc_runtime_kernel(rt, "probe_mad", &k, err);
    if (!st) {
        double a64 = 0.999999;
        float a32 = 0.999999f;
        clSetKernelArg(k, 0, sizeof out, &out);
        clSetKernelArg(k, 1, sizeof iters, &iters);
        if (rt->precision == BLOC_FP64)
            clSetKernelArg(k, 2, sizeof a64, &a64);
        else
            clSetKernelArg(k, 2, sizeof a32, &a32);
        double t;
        st = time_kernel(rt, k, global, local, &t, err);
        if (!st)
            *flops = (double)global * iters * 4 * 8 * 2 / t;
        if (!st && launch) { /* amortized cost of one small launch in a burst of 64, then finish */
            int one = 1;
            clSetKernelArg(k, 1, sizeof one, &one);
            double samples[9], lo, hi;
            for (int i = 0; i < 9; i++) {
                double t0 = bloc_now_s();
                for (int j = 0; j < 64; j++)
                    clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &local, &local, 0, NULL, NULL);
                clFinish(rt->queue);
                samples[i] = (bloc_now_s() - t0) / 64;
            }
            bloc_stats(samples, 9, launch, &lo, &hi);
        }
        clReleaseKernel(k);
    }
    clReleaseMemObject(out);
    return st;
}

/* Copy bandwidth with two buffers of `bytes` each. */
static int probe_bandwidth(bloc_runtime_t *rt, size_t bytes, double *bw, bloc_error_t *err)
{
    if (bytes > rt->dev.max_alloc / 2)
        bytes = (size_t)(rt->dev.max_alloc / 2) & ~(size_t)0xffff;
    cl_int rc;
    cl_mem a = clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    cl_mem b = clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, bytes, NULL, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseMemObject(a);
        return bloc_cl_fail(err, "clCreateBuffer(probe)", rc);
    }
    float zero = 0;
    clEnqueueFillBuffer(rt->queue, a, &zero, sizeof zero, 0, bytes, 0, NULL, NULL);
    cl_kernel k;
    int st = bloc_runtime_kernel(rt, "probe_copy", &k, err);
    if (!st) {
        clSetKernelArg(k, 0, sizeof a, &a);
        clSetKernelArg(k, 1, sizeof b, &b);
        double t;
        st = time_kernel(rt, k, bytes / 16, 64, &t, err);
        for (int r = 0; !st && r < 20 && t < 1e-3; r++) { /* small buffers: best of more launches */
            double t2;
            st = time_kernel(rt, k, bytes / 16, 64, &t2, err);
            t = t2 < t ? t2 : t;
        }
        if (!st)
            *bw = 2.0 * (double)bytes / t;
        clReleaseKernel(k);
    }
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    return st;
}

static void cache_name(const bloc_device_info_t *d, char *name, size_t size)
{
    char key[1400], hex[65];
    snprintf(key, sizeof key, "probe v3\n%s | %s\n%s | %s\n%s\n", d->platform_name, d->platform_version, d->device_name,
             d->device_version, d->driver_version);
    bloc_sha256_t s;
    bloc_sha256_init(&s);
    bloc_sha256_update(&s, key, strlen(key));
    bloc_sha256_hex(&s, hex);
    snprintf(name, size, "probe-%.16s.txt", hex);
}

static const char *const probe_src[] = {"kernels/probe.cl"};

/* Peaks measured with a runtime of the given precision on rt's device. */
static int measure(const bloc_runtime_t *rt, bloc_precision_t prec, bloc_peaks_t *bw, double *flops, double *launch,
                   bloc_error_t *err)
{
    char spec[32];
    bloc_runtime_t r;
    snprintf(spec, sizeof spec, "%d:%d", rt->dev.platform_index, rt->dev.device_index);
    int st = bloc_runtime_create(&r, spec, prec, err);
    if (!st)
        st = bloc_runtime_build(&r, probe_src, 1, err);
    if (!st && bw)
        st = probe_bandwidth(&r, (size_t)256 << 20, &bw->bandwidth, err);
    if (!st && bw && bw->cache_bytes >= 1 << 16) /* two buffers in half the cache */
        st = probe_bandwidth(&r, ((size_t)bw->cache_bytes / 4) & ~(size_t)0xffff, &bw->bandwidth_cached, err);
    if (!st)
        st = probe_flops(&r, flops, launch, err);
    bloc_runtime_release(&r);
    return st;
}

int bloc_probe(bloc_runtime_t *rt, int force, bloc_peaks_t *pk, bloc_error_t *err)
{
    memset(pk, 0, sizeof *pk);
    char name[64], path[1100];
    cache_name(&rt->dev, name, sizeof name);
    int cached = bloc_cache_path(name, path, sizeof path);
    if (cached && !force) {
        FILE *f = fopen(path, "r");
        if (f) {
            int n = fscanf(f, "bandwidth %lf cached %lf cache_bytes %lf flops_sp %lf flops_dp %lf launch %lf",
                           &pk->bandwidth, &pk->bandwidth_cached, &pk->cache_bytes, &pk->flops_sp, &pk->flops_dp,
                           &pk->launch_s);
            fclose(f);
            if (n == 6 && pk->bandwidth > 0 && pk->flops_sp > 0) {
                pk->from_cache = 1;
                return BLOC_OK;
            }
        }
    }
    pk->cache_bytes = (double)rt->dev.cache_size;
    int st = measure(rt, BLOC_FP32, pk, &pk->flops_sp, &pk->launch_s, err);
    if (!st && rt->dev.has_fp64)
        st = measure(rt, BLOC_FP64, NULL, &pk->flops_dp, NULL, err);
    if (st)
        return st;
    if (cached) { /* temp + rename: never a half-written cache entry */
        char tmp[1200];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)clock());
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "bandwidth %.6g cached %.6g cache_bytes %.6g flops_sp %.6g flops_dp %.6g launch %.6g\n",
                    pk->bandwidth, pk->bandwidth_cached, pk->cache_bytes, pk->flops_sp, pk->flops_dp, pk->launch_s);
            if (fclose(f) != 0 || rename(tmp, path) != 0)
                remove(tmp);
        }
    }
    return BLOC_OK;
}

double bloc_peaks_bandwidth(const bloc_peaks_t *pk, double bytes)
{
    return pk->bandwidth_cached > 0 && bytes <= pk->cache_bytes / 2 ? pk->bandwidth_cached : pk->bandwidth;
}
