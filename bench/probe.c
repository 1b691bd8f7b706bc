#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "program_cache.h"
#include "sha256.h"

#define PROBE_VERSION "bloc peak probe v1"
#define DRAM_BYTES ((size_t)256 << 20)
#define L3_BYTES ((size_t)16 << 20)
#define FMA_ITERS 4096
#define REPEATS 9

/* Bandwidth: each work item sums `per` vectors, either a contiguous block
 * (CPU-friendly) or interleaved with stride = global size (clpeak's GPU
 * pattern). FMA: x = fma(x, m, c) on 8 independent chains, or on one chain
 * (latency-bound; the shape of clpeak's kernel). */
static const char *probe_src =
    "__kernel void bw16_block(__global const float16 *in, int per, __global float *out)\n"
    "{\n"
    "    size_t g = get_global_id(0);\n"
    "    __global const float16 *p = in + g * (size_t)per;\n"
    "    float16 s0 = 0, s1 = 0;\n"
    "    for (int k = 0; k < per; k += 2) { s0 += p[k]; s1 += p[k + 1]; }\n"
    "    float16 s = s0 + s1;\n"
    "    out[g] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 + s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;\n"
    "}\n"
    "__kernel void bw8_block(__global const float8 *in, int per, __global float *out)\n"
    "{\n"
    "    size_t g = get_global_id(0);\n"
    "    __global const float8 *p = in + g * (size_t)per;\n"
    "    float8 s0 = 0, s1 = 0;\n"
    "    for (int k = 0; k < per; k += 2) { s0 += p[k]; s1 += p[k + 1]; }\n"
    "    float8 s = s0 + s1;\n"
    "    out[g] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;\n"
    "}\n"
    "__kernel void bw16_strided(__global const float16 *in, int per, __global float *out)\n"
    "{\n"
    "    size_t g = get_global_id(0), G = get_global_size(0);\n"
    "    float16 s = 0;\n"
    "    for (int k = 0; k < per; k++) s += in[g + k * G];\n"
    "    out[g] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 + s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;\n"
    "}\n"
    "#define CHAINS(T) T x0 = (T)(get_global_id(0)), x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3, x4 = x0 + 4, x5 = x0 + 5, x6 = x0 + 6, x7 = x0 + 7\n"
    "#define STEP8 x0 = fma(x0, m, c); x1 = fma(x1, m, c); x2 = fma(x2, m, c); x3 = fma(x3, m, c); \\\n"
    "              x4 = fma(x4, m, c); x5 = fma(x5, m, c); x6 = fma(x6, m, c); x7 = fma(x7, m, c)\n"
    "__kernel void fma16x8(__global float *out, float m, float c, int iters)\n"
    "{\n"
    "    CHAINS(float16);\n"
    "    for (int k = 0; k < iters; k++) { STEP8; }\n"
    "    float16 s = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;\n"
    "    out[get_global_id(0)] = s.s0 + s.sf;\n"
    "}\n"
    "__kernel void fma8x8(__global float *out, float m, float c, int iters)\n"
    "{\n"
    "    CHAINS(float8);\n"
    "    for (int k = 0; k < iters; k++) { STEP8; }\n"
    "    float8 s = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;\n"
    "    out[get_global_id(0)] = s.s0 + s.s7;\n"
    "}\n"
    "__kernel void fma16x1(__global float *out, float m, float c, int iters)\n"
    "{\n"
    "    float16 x = (float16)(get_global_id(0));\n"
    "    for (int k = 0; k < 8 * iters; k++) x = fma(x, m, c);\n"
    "    out[get_global_id(0)] = x.s0 + x.sf;\n"
    "}\n"
    "__kernel void empty(__global float *out) { }\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Best (minimum) profiled time in seconds of REPEATS launches after one warm-up. */
static int time_kernel(bloc_runtime_t *rt, cl_kernel k, size_t global, size_t local, double *best, bloc_error_t *err)
{
    double t[REPEATS + 1];
    for (int r = 0; r <= REPEATS; r++) {
        cl_event ev;
        cl_int rc = clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &global, &local, 0, NULL, &ev);
        if (rc != CL_SUCCESS)
            return bloc_cl_fail(err, "clEnqueueNDRangeKernel", rc);
        clWaitForEvents(1, &ev);
        cl_ulong a = 0, b = 0;
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
        clReleaseEvent(ev);
        t[r] = 1e-9 * (double)(b - a);
    }
    qsort(t + 1, REPEATS, sizeof *t, cmp_double);
    *best = t[1];
    return BLOC_OK;
}

static int measure(bloc_runtime_t *rt, bloc_peaks_t *pk, bloc_error_t *err)
{
    cl_int rc;
    cl_program prog = clCreateProgramWithSource(rt->ctx, 1, &probe_src, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateProgramWithSource", rc);
    if ((rc = clBuildProgram(prog, 1, &rt->dev.device, "-cl-std=CL1.2", NULL, NULL)) != CL_SUCCESS) {
        clReleaseProgram(prog);
        return bloc_cl_fail(err, "clBuildProgram (probe)", rc);
    }
    size_t gsz = 4096;
    cl_mem in = clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, DRAM_BYTES, NULL, &rc);
    cl_mem out = rc == CL_SUCCESS ? clCreateBuffer(rt->ctx, CL_MEM_READ_WRITE, gsz * sizeof(float), NULL, &rc) : NULL;
    int st = rc == CL_SUCCESS ? BLOC_OK : bloc_cl_fail(err, "clCreateBuffer", rc);
    float zero = 0;
    if (!st && (rc = clEnqueueFillBuffer(rt->queue, in, &zero, sizeof zero, 0, DRAM_BYTES, 0, NULL, NULL)) != CL_SUCCESS)
        st = bloc_cl_fail(err, "clEnqueueFillBuffer", rc);
    /* bandwidth: best over the variants, at two buffer sizes */
    const char *bw_kernels[] = {"bw16_block", "bw8_block", "bw16_strided"};
    const int vec_bytes[] = {64, 32, 64};
    size_t sizes[2] = {DRAM_BYTES, L3_BYTES};
    double *bw[2] = {&pk->bw_dram, &pk->bw_l3};
    for (int s = 0; s < 2 && !st; s++) {
        *bw[s] = 0;
        for (int v = 0; v < 3 && !st; v++) {
            size_t groups = 256;
            int per = (int)(sizes[s] / (size_t)vec_bytes[v] / groups);
            cl_kernel k = clCreateKernel(prog, bw_kernels[v], &rc);
            if (rc != CL_SUCCESS) {
                st = bloc_cl_fail(err, "clCreateKernel", rc);
                break;
            }
            clSetKernelArg(k, 0, sizeof in, &in);
            clSetKernelArg(k, 1, sizeof per, &per);
            clSetKernelArg(k, 2, sizeof out, &out);
            double t;
            if (!(st = time_kernel(rt, k, groups, 16, &t, err)) && sizes[s] / t * 1e-9 > *bw[s])
                *bw[s] = (double)sizes[s] / t * 1e-9;
            clReleaseKernel(k);
        }
    }
    /* FMA throughput */
    const char *fma_kernels[] = {"fma16x8", "fma8x8", "fma16x1"};
    const int lanes[] = {16, 8, 16};
    pk->fma_peak = pk->fma_chain = 0;
    for (int v = 0; v < 3 && !st; v++) {
        cl_kernel k = clCreateKernel(prog, fma_kernels[v], &rc);
        if (rc != CL_SUCCESS) {
            st = bloc_cl_fail(err, "clCreateKernel", rc);
            break;
        }
        float m = 0.999f, c = 0.001f;
        int iters = FMA_ITERS;
        size_t global = 256;
        clSetKernelArg(k, 0, sizeof out, &out);
        clSetKernelArg(k, 1, sizeof m, &m);
        clSetKernelArg(k, 2, sizeof c, &c);
        clSetKernelArg(k, 3, sizeof iters, &iters);
        double t;
        if (!(st = time_kernel(rt, k, global, 16, &t, err))) {
            double gf = 2.0 * 8 * lanes[v] * (double)iters * (double)global / t * 1e-9;
            if (v == 2)
                pk->fma_chain = gf;
            else if (gf > pk->fma_peak)
                pk->fma_peak = gf;
        }
        clReleaseKernel(k);
    }
    /* launch latency: wall time of enqueue + finish of an empty kernel */
    cl_kernel k = st ? NULL : clCreateKernel(prog, "empty", &rc);
    if (k) {
        clSetKernelArg(k, 0, sizeof out, &out);
        double t[51];
        size_t one = 1;
        for (int r = 0; r < 51; r++) {
            double t0 = now_s();
            clEnqueueNDRangeKernel(rt->queue, k, 1, NULL, &one, &one, 0, NULL, NULL);
            clFinish(rt->queue);
            t[r] = now_s() - t0;
        }
        qsort(t + 1, 50, sizeof *t, cmp_double);
        pk->launch_us = 1e6 * t[25];
        clReleaseKernel(k);
    }
    if (out)
        clReleaseMemObject(out);
    if (in)
        clReleaseMemObject(in);
    clReleaseProgram(prog);
    return st;
}

int bloc_probe_peaks(bloc_runtime_t *rt, int fresh, bloc_peaks_t *out, bloc_error_t *err)
{
    char key[2048], hex[65], path[1200];
    snprintf(key, sizeof key, "%s\n%s\n%s\n%s\n%s\n%s\n", PROBE_VERSION, rt->dev.platform_name,
             rt->dev.platform_version, rt->dev.device_name, rt->dev.device_version, rt->dev.driver_version);
    bloc_sha256_t s;
    bloc_sha256_init(&s);
    bloc_sha256_update(&s, key, strlen(key));
    bloc_sha256_hex(&s, hex);
    memset(out, 0, sizeof *out);
    int cached = bloc_cache_file(hex, path, sizeof path);
    unsigned char *bin = NULL;
    size_t len = 0;
    if (cached && !fresh && bloc_cache_load(path, key, &bin, &len)) {
        int ok = len == sizeof *out;
        if (ok)
            memcpy(out, bin, sizeof *out);
        free(bin);
        if (ok) {
            out->from_cache = 1;
            return BLOC_OK;
        }
    }
    int st = measure(rt, out, err);
    if (!st && cached && bloc_cache_store(path, key, (const unsigned char *)out, sizeof *out) != 0)
        fprintf(stderr, "warning: could not cache the probe result in %s\n", path);
    return st;
}
