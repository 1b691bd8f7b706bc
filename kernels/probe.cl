#pragma OPENCL FP_CONTRACT OFF
/* Device peak probes in the manner of clpeak (host/probe.c). Not part of
 * any solver.
 * Read bandwidth: each work item sums `per` vectors of 16 or 8 reals,
 * either a contiguous block (the CPU-friendly pattern) or interleaved with
 * stride = global size (clpeak's GPU pattern); the host takes the best.
 * Arithmetic: x = fma(x, m, c) on 8 independent chains of 16- or 8-wide
 * vectors per work item (enough independent work to hide the fma latency
 * on a CPU), and on one dependent chain (clpeak's kernel shape: on a CPU it
 * measures the latency, not the throughput). */
#if BLOC_FP64
typedef double16 pv16;
typedef double8 pv8;
#else
typedef float16 pv16;
typedef float8 pv8;
#endif

static real probe_sum16(pv16 s)
{
    pv8 a = s.lo + s.hi;
    return a.s0 + a.s1 + a.s2 + a.s3 + a.s4 + a.s5 + a.s6 + a.s7;
}

static real probe_sum8(pv8 s)
{
    return s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;
}

__kernel void probe_read16(__global const pv16 *in, int per, __global real *out)
{
    size_t g = get_global_id(0);
    __global const pv16 *p = in + g * (size_t)per;
    pv16 s0 = 0, s1 = 0;
    for (int k = 0; k < per; k += 2) {
        s0 += p[k];
        s1 += p[k + 1];
    }
    out[g] = probe_sum16(s0 + s1);
}

__kernel void probe_read8(__global const pv8 *in, int per, __global real *out)
{
    size_t g = get_global_id(0);
    __global const pv8 *p = in + g * (size_t)per;
    pv8 s0 = 0, s1 = 0;
    for (int k = 0; k < per; k += 2) {
        s0 += p[k];
        s1 += p[k + 1];
    }
    out[g] = probe_sum8(s0 + s1);
}

__kernel void probe_read16_strided(__global const pv16 *in, int per, __global real *out)
{
    size_t g = get_global_id(0), G = get_global_size(0);
    pv16 s = 0;
    for (int k = 0; k < per; k++)
        s += in[g + (size_t)k * G];
    out[g] = probe_sum16(s);
}

#define PROBE_CHAINS(T)                                                                                          \
    T x0 = (T)((real)get_global_id(0)), x1 = x0 + (real)1, x2 = x0 + (real)2, x3 = x0 + (real)3;                 \
    T x4 = x0 + (real)4, x5 = x0 + (real)5, x6 = x0 + (real)6, x7 = x0 + (real)7
#define PROBE_STEP8                                                                                              \
    x0 = fma(x0, m, c); x1 = fma(x1, m, c); x2 = fma(x2, m, c); x3 = fma(x3, m, c);                             \
    x4 = fma(x4, m, c); x5 = fma(x5, m, c); x6 = fma(x6, m, c); x7 = fma(x7, m, c)

/* 8 chains x iters fma on 16 lanes: 2 * 8 * 16 * iters flop per work item */
__kernel void probe_fma16(__global real *out, real m, real c, int iters)
{
    PROBE_CHAINS(pv16);
    for (int k = 0; k < iters; k++) {
        PROBE_STEP8;
    }
    out[get_global_id(0)] = probe_sum16(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7);
}

/* 8 chains x iters fma on 8 lanes: 2 * 8 * 8 * iters flop per work item */
__kernel void probe_fma8(__global real *out, real m, real c, int iters)
{
    PROBE_CHAINS(pv8);
    for (int k = 0; k < iters; k++) {
        PROBE_STEP8;
    }
    out[get_global_id(0)] = probe_sum8(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7);
}

/* one chain of 8 iters fma on 16 lanes: the same flops as probe_fma16 */
__kernel void probe_fma16_chain(__global real *out, real m, real c, int iters)
{
    pv16 x = (pv16)((real)get_global_id(0));
    for (int k = 0; k < 8 * iters; k++)
        x = fma(x, m, c);
    out[get_global_id(0)] = probe_sum16(x);
}

/* a launch that does almost nothing: one store per work item */
__kernel void probe_empty(__global real *out)
{
    out[get_global_id(0)] = (real)0;
}
