#pragma OPENCL FP_CONTRACT OFF
/* Device peak probes (in the manner of clpeak): global-memory bandwidth by a
 * vectorized copy, arithmetic throughput by independent chains of mad on
 * 8-wide vectors. Not part of any solver. */

/* dst <- src over n float4 (16-byte) elements: 32 bytes moved per item. */
__kernel void probe_copy(__global const float4 *src, __global float4 *dst)
{
    size_t i = get_global_id(0);
    dst[i] = src[i];
}

/* 4 independent chains of `iters` mad on real8: 2 * 8 * 4 flop per step. */
__kernel void probe_mad(__global real *out, int iters, real a)
{
    size_t i = get_global_id(0);
#if BLOC_FP64
    typedef double8 real8;
#else
    typedef float8 real8;
#endif
    real8 x0 = (real8)((real)i), x1 = x0 + (real)1, x2 = x0 + (real)2, x3 = x0 + (real)3;
    real8 b = (real8)(a);
    for (int k = 0; k < iters; k++) {
        x0 = mad(x0, b, x1);
        x1 = mad(x1, b, x2);
        x2 = mad(x2, b, x3);
        x3 = mad(x3, b, x0);
    }
    real8 s = x0 + x1 + x2 + x3;
    out[i] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;
}
