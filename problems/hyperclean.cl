#pragma OPENCL FP_CONTRACT OFF
/* hyperclean (data hyper-cleaning, shared/spec/problems.md), linear model.
 * Samples are the rows a_i of A (n x d, row-major, d a multiple of HC_VW),
 * labels t_i in 0 .. 9 stored as reals, K = 10 classes. The model
 * y = [W (K x d, row-major: class c at y[c d .. c d + d)), b (K)] gives the
 * logits z_i = W a_i + b. With sample weights w_i (sigma(x_i), 1 or the
 * clean mask):
 *   (1) CE_i  = logsumexp(z_i) - z_i[t_i]
 *   (2) f     = (1/n) sum_i w_i CE_i + (mu/2) ||W||^2       (LL, train split)
 *   (3) F     = (1/n) sum_i CE_i                             (UL, validation split)
 *   (4) R_i   = (w_i / n) (softmax(z_i) - e_{t_i})           (n x K)
 *   (5) grad_W = R' A + mu W,  grad_b = sum_i R_i
 *   (6) grad_{x_i} f = sigma(x_i) (1 - sigma(x_i)) CE_i / n  (learned weights; 0 otherwise)
 * Products use explicit fma on HC_VW-wide vectors (float16 / double8): the
 * summation order is fixed by the code, so results are the same bits on
 * every run. */

#define HC_K 10
#if BLOC_FP64
#define HC_VW 8
typedef double8 realv;
#define hc_vload vload8
#define hc_vstore vstore8
static real hc_hsum(realv v)
{
    double4 a = v.lo + v.hi;
    double2 b = a.lo + a.hi;
    return b.x + b.y;
}
#else
#define HC_VW 16
typedef float16 realv;
#define hc_vload vload16
#define hc_vstore vstore16
static real hc_hsum(realv v)
{
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
    return c.x + c.y;
}
#endif

/* weight modes (problems/hyperclean.c) and forward outputs */
#define HC_LEARNED 0
#define HC_UNIFORM 1
#define HC_ORACLE 2
#define HC_UNWEIGHTED 3 /* the UL: every w_i = 1 */
#define HC_OUT_R 1      /* R (4) */
#define HC_OUT_CE 2     /* w_i CE_i into ce[i] */
#define HC_OUT_GX 4     /* (6) into gx[i] */
#define HC_OUT_CORRECT 8 /* [argmax z_i == t_i] into ce[n + i] (ce holds 2n) */

static real hc_sigmoid(real v)
{
    return (real)1 / ((real)1 + exp(-v));
}

/* The head works on the K = 10 logits of a sample as one 16-lane vector
 * (lanes >= K hold -inf): one vector exp per sample instead of ten scalar
 * ones (a third of the forward kernel's time with scalar exp). */
#if BLOC_FP64
typedef double16 realh;
#else
typedef float16 realh;
#endif
#define HC_LANES 16

static real hc_hmax(realh v)
{
#if BLOC_FP64
    double8 a = fmax(v.lo, v.hi);
    double4 b = fmax(a.lo, a.hi);
    double2 c = fmax(b.lo, b.hi);
#else
    float8 a = fmax(v.lo, v.hi);
    float4 b = fmax(a.lo, a.hi);
    float2 c = fmax(b.lo, b.hi);
#endif
    return fmax(c.x, c.y);
}

static real hc_hsum16(realh v)
{
#if BLOC_FP64
    double8 a = v.lo + v.hi;
    double4 b = a.lo + a.hi;
    double2 c = b.lo + b.hi;
#else
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
#endif
    return c.x + c.y;
}

/* Softmax cross-entropy head of sample i: zs[0 .. K) = W a_i (bias not yet
 * added), zs[K .. 16) scratch. */
static void hc_head(int i, int n, real *zs, __global const real *bias, int mode, __global const real *wsrc,
                    __global const real *t, real inv_n, int flags, __global real *R, __global real *ce,
                    __global real *gx)
{
    int ti = (int)t[i];
    for (int c = 0; c < HC_LANES; c++)
        zs[c] = c < HC_K ? zs[c] + bias[c] : -INFINITY;
    realh z = vload16(0, zs);
    real m = hc_hmax(z);
    realh e = exp(z - m);
    real s = hc_hsum16(e);
    real cei = m + log(s) - zs[ti]; /* (1) */
    real w = mode == HC_LEARNED ? hc_sigmoid(wsrc[i]) : mode == HC_ORACLE ? wsrc[i] : (real)1;
    if (flags & HC_OUT_R) {
        real p[HC_LANES];
        vstore16(e / s, 0, p);
        p[ti] -= (real)1;
        for (int c = 0; c < HC_K; c++)
            R[i * HC_K + c] = w * inv_n * p[c]; /* (4) */
    }
    if (flags & HC_OUT_CE)
        ce[i] = w * cei;
    if (flags & HC_OUT_GX)
        gx[i] = mode == HC_LEARNED ? w * ((real)1 - w) * cei * inv_n : (real)0; /* (6) */
    if (flags & HC_OUT_CORRECT) {
        int arg = 0;
        while (zs[arg] != m)
            arg++;
        ce[n + i] = arg == ti ? (real)1 : (real)0;
    }
}

/* Forward pass and head of HC_ROWS = 4 samples (rows 4 gid .. 4 gid + 3) at
 * npts = 1 or 2 points y1, y2 sharing the weights: one pass over those rows
 * of A for both points. The K = 10 logits are computed in two halves of
 * HC_HALF = 5 classes: 4 x 5 vector accumulators, so each chunk of A and of
 * W loaded from cache serves 5 and 4 fmas (the tile that ran fastest on a
 * 2-core AVX-512 CPU, against 2 x 10 and 5 x 5). The rows stay in L1 between
 * the halves and points. Outputs of point p: R + p n K, ce + 2 p n and gx1
 * or gx2, as `flags` asks (vectors not named by flags are not touched).
 * Work items 0 .. ceil(n / 4). */
#define HC_ROWS 4
#define HC_HALF 5
__kernel void hc_forward(__global const real *A, int n, int d, __global const real *y1, __global const real *y2,
                         int npts, int mode, __global const real *wsrc, __global const real *t, real inv_n, int flags,
                         __global real *R, __global real *ce, __global real *gx1, __global real *gx2)
{
    int i0 = HC_ROWS * (int)get_global_id(0);
    if (i0 >= n)
        return;
    /* rows past n repeat the last row; their heads are skipped */
    __global const real *a0 = A + (size_t)i0 * (size_t)d;
    __global const real *a1 = A + (size_t)min(i0 + 1, n - 1) * (size_t)d;
    __global const real *a2 = A + (size_t)min(i0 + 2, n - 1) * (size_t)d;
    __global const real *a3 = A + (size_t)min(i0 + 3, n - 1) * (size_t)d;
    for (int p = 0; p < npts; p++) {
        __global const real *y = p ? y2 : y1;
        real z[HC_ROWS][HC_LANES];
        for (int h = 0; h < 2; h++) {
            __global const real *w = y + h * HC_HALF * d;
            realv s0[HC_HALF], s1[HC_HALF], s2[HC_HALF], s3[HC_HALF];
#pragma unroll
            for (int c = 0; c < HC_HALF; c++)
                s0[c] = s1[c] = s2[c] = s3[c] = (realv)0;
            for (int j = 0; j < d; j += HC_VW) {
                realv u0 = hc_vload(0, a0 + j), u1 = hc_vload(0, a1 + j);
                realv u2 = hc_vload(0, a2 + j), u3 = hc_vload(0, a3 + j);
#pragma unroll
                for (int c = 0; c < HC_HALF; c++) {
                    realv wv = hc_vload(0, w + c * d + j);
                    s0[c] = fma(u0, wv, s0[c]);
                    s1[c] = fma(u1, wv, s1[c]);
                    s2[c] = fma(u2, wv, s2[c]);
                    s3[c] = fma(u3, wv, s3[c]);
                }
            }
#pragma unroll
            for (int c = 0; c < HC_HALF; c++) {
                z[0][h * HC_HALF + c] = hc_hsum(s0[c]);
                z[1][h * HC_HALF + c] = hc_hsum(s1[c]);
                z[2][h * HC_HALF + c] = hc_hsum(s2[c]);
                z[3][h * HC_HALF + c] = hc_hsum(s3[c]);
            }
        }
        for (int r = 0; r < HC_ROWS && i0 + r < n; r++)
            hc_head(i0 + r, n, z[r], y + HC_K * d, mode, wsrc, t, inv_n, flags, R + (size_t)p * n * HC_K,
                    ce + (size_t)p * 2 * n, p ? gx2 : gx1);
    }
}

/* (5): gy = [R' A + mu W, sum_i R_i] with R = Rbuf + roff (n x K). Work
 * item q < nq = ceil(d / (2 HC_VW)) owns features [2 q HC_VW, 2 q HC_VW +
 * 2 HC_VW) of every class and adds the samples in index order; work item nq
 * sums the bias gradient. */
__kernel void hc_backward(__global const real *A, int n, int d, __global const real *Rbuf, int roff,
                          __global const real *y, real mu, __global real *gy)
{
    int q = get_global_id(0), nq = (d / HC_VW + 1) / 2;
    __global const real *R = Rbuf + roff;
    if (q > nq)
        return;
    if (q == nq) {
        for (int c = 0; c < HC_K; c++) {
            real s = 0;
            for (int i = 0; i < n; i++)
                s += R[i * HC_K + c];
            gy[HC_K * d + c] = s;
        }
        return;
    }
    int j0 = 2 * q * HC_VW, two = j0 + HC_VW < d, j1 = two ? j0 + HC_VW : j0;
    realv acc0[HC_K], acc1[HC_K];
    for (int c = 0; c < HC_K; c++)
        acc0[c] = acc1[c] = (realv)0;
    for (int i = 0; i < n; i++) {
        __global const real *a = A + (size_t)i * (size_t)d;
        realv u0 = hc_vload(0, a + j0), u1 = hc_vload(0, a + j1);
#pragma unroll
        for (int c = 0; c < HC_K; c++) {
            realv r = (realv)R[i * HC_K + c];
            acc0[c] = fma(u0, r, acc0[c]);
            acc1[c] = fma(u1, r, acc1[c]);
        }
    }
    for (int c = 0; c < HC_K; c++) {
        hc_vstore(acc0[c] + mu * hc_vload(0, y + c * d + j0), 0, gy + c * d + j0);
        if (two)
            hc_vstore(acc1[c] + mu * hc_vload(0, y + c * d + j1), 0, gy + c * d + j1);
    }
}

/* v <- value */
__kernel void hc_fill(__global real *v, int n, real value)
{
    int i = get_global_id(0);
    if (i < n)
        v[i] = value;
}

/* dst[0 .. m) <- src[first m .. first m + m): row `first` of a trajectory
 * of LL iterates (ul_rows) */
__kernel void hc_copy_row(__global const real *src, int first, __global real *dst, int m)
{
    int i = get_global_id(0);
    if (i < m)
        dst[i] = src[(size_t)first * m + i];
}

/* W .* W for ||W||^2 (the first m = K d entries of y) */
__kernel void hc_square(__global const real *y, __global real *t, int m)
{
    int i = get_global_id(0);
    if (i < m)
        t[i] = y[i] * y[i];
}

/* F1 terms, 4 rows of n: [x_i >= 0], [x_i >= 0 and clean_i], [x_i > median(x)],
 * [x_i > median(x) and clean_i]. x_i > median(x) iff at least ceil(n/2) of
 * the x_j are smaller than x_i (exact, ties included); O(n) per item. */
__kernel void hc_f1_terms(__global const real *x, __global const real *clean, int n, __global real *t)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    real xi = x[i];
    int below = 0;
    for (int j = 0; j < n; j++)
        below += x[j] < xi;
    real p0 = xi >= 0 ? (real)1 : (real)0, pm = below >= (n + 1) / 2 ? (real)1 : (real)0;
    t[i] = p0;
    t[n + i] = p0 * clean[i];
    t[2 * n + i] = pm;
    t[3 * n + i] = pm * clean[i];
}

/* One step of Nesterov's accelerated gradient (constant momentum) for the
 * refit, at the look-ahead point v with gradient g = grad f(v):
 * y+ = v - s g, v <- y+ + m (y+ - y), y <- y+. */
__kernel void hc_nag_step(__global real *y, __global real *v, __global const real *g, int n, real s, real m)
{
    int i = get_global_id(0);
    if (i < n) {
        real yn = v[i] - s * g[i];
        v[i] = yn + m * (yn - y[i]);
        y[i] = yn;
    }
}
