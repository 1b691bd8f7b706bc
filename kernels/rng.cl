#pragma OPENCL FP_CONTRACT OFF
/* Counter-based random numbers on the device: Philox4x32-10 (Salmon et
 * al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the same
 * function as host/philox.c. A draw is keyed by
 *   key     = (seed mod 2^32, seed / 2^32)            (the config seed)
 *   counter = (draw, iteration, stream, 0)
 * so any draw is reproducible without state: a run replays the same bits
 * and every device draws the same indices (integer arithmetic only).
 * Streams are the oracle roles of host/minibatch.h.
 *
 * A sample index below n takes the first two output words as the 64-bit
 * u = w0 + 2^32 w1 and returns floor(u n / 2^64) (Lemire's multiply-shift,
 * without rejection: the bias is below n / 2^64). Indices are stored as
 * reals (exact below 2^24 in fp32; the host checks n). */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Ten rounds on counter c with key (k0, k1); the key is bumped by the Weyl
 * constants between rounds. */
static uint4 philox4x32_10(uint4 c, uint k0, uint k1)
{
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint hi0 = mul_hi(PHILOX_M0, c.x), lo0 = PHILOX_M0 * c.x;
        uint hi1 = mul_hi(PHILOX_M1, c.z), lo1 = PHILOX_M1 * c.z;
        c = (uint4)(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
    }
    return c;
}

/* Index in [0, n) of draw `draw` (n > 0). */
static uint rng_index(uint k0, uint k1, uint stream, uint iter, uint draw, uint n)
{
    uint4 w = philox4x32_10((uint4)(draw, iter, stream, 0u), k0, k1);
    ulong u = (ulong)w.x | ((ulong)w.y << 32);
    return (uint)mul_hi(u, (ulong)n);
}

/* idx[b] <- index of draw draw0 + b, b < batch: one minibatch of sample
 * indices in [0, n), drawn with replacement. */
__kernel void rng_batch(__global real *idx, int batch, int n, uint k0, uint k1, uint stream, uint iter, uint draw0)
{
    int b = get_global_id(0);
    if (b < batch)
        idx[b] = (real)rng_index(k0, k1, stream, iter, draw0 + (uint)b, (uint)n);
}

/* The raw output words of counters (draw0 + i, iter, stream, 0), i < count,
 * as reals (tests: exact in fp64). */
__kernel void rng_words(__global real *out, int count, uint k0, uint k1, uint stream, uint iter, uint draw0,
                        uint c3)
{
    int i = get_global_id(0);
    if (i < count) {
        uint4 w = philox4x32_10((uint4)(draw0 + (uint)i, iter, stream, c3), k0, k1);
        out[4 * i] = (real)w.x;
        out[4 * i + 1] = (real)w.y;
        out[4 * i + 2] = (real)w.z;
        out[4 * i + 3] = (real)w.w;
    }
}
