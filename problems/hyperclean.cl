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
 *   (7) P_i   = softmax(z_i) - e_{t_i}, so R_i = (w_i / n) P_i: P depends on y
 *             alone, and a gradient at a new x reuses it (hc_weigh, hc_backward)
 * Products use explicit fma on HC_VW-wide vectors (float16 / double8): the
 * summation order is fixed by the code, so results are the same bits on
 * every run. */

#define HC_K 10
#if BLOC_FP64
#define HC_VW 8
typedef double8 realv;
typedef double8 realv_u __attribute__((aligned(8))); /* see realv_u below */
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
/* realv at any real-aligned address: a store through it is one vector
 * store (PoCL cut vstore16 to an address of unknown alignment in three) */
typedef float16 realv_u __attribute__((aligned(4)));
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
#define HC_OUT_P 16     /* P (7) into R instead of R (4) */

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
 * added), zs[K .. 16) scratch. With HC_OUT_R the K entries of R_i (4) go to
 * r (private: the caller stores them), with HC_OUT_P those of P_i (7); the
 * other outputs as flags asks. */
static void hc_head(int i, int n, real *zs, __global const real *bias, int mode, __global const real *wsrc,
                    __global const real *t, real inv_n, int flags, real *r, __global real *ce, __global real *gx)
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
    if (flags & (HC_OUT_R | HC_OUT_P)) {
        real p[HC_LANES], scale = flags & HC_OUT_P ? (real)1 : w * inv_n;
        vstore16(e / s, 0, p);
        p[ti] -= (real)1;
        for (int c = 0; c < HC_K; c++)
            r[c] = scale * p[c]; /* (4), or (7) with scale 1 */
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

/* Logits W a (bias not added) of HC_ROWS = 4 rows a0 .. a3 at y into
 * z[r][0 .. K). The K = 10 classes are computed in two halves of HC_HALF =
 * 5: 4 x 5 vector accumulators, so each chunk of A and of W loaded from
 * cache serves 5 and 4 fmas (the tile that ran fastest on a 2-core AVX-512
 * CPU, against 2 x 10 and 5 x 5). The rows stay in L1 between the halves.
 * Each logit adds its HC_VW-wide chunks in feature order, then the lanes by
 * a fixed tree (hc_hsum). */
#define HC_ROWS 4
#define HC_HALF 5
static inline void hc_logits4(__global const real *a0, __global const real *a1, __global const real *a2,
                              __global const real *a3, __global const real *y, int d, real z[HC_ROWS][HC_LANES])
{
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
}

/* The forward pass reads the samples from AT, a copy of A in blocks of
 * HC_BW = 2 HC_VW samples, transposed within each block: sample b HC_BW + s
 * has feature j at AT[(b d + j) HC_BW + s] (zeros past n; host:
 * bloc_sm_split_make). Lanes hold samples: the logits of a block are 2 K
 * vector accumulators, each feature adds one vector of A times the weight
 * w_c[j] broadcast, so a block streams W once for 2 HC_VW samples (the
 * tile of hc_logits4 streams half of W per 4 samples) and the head runs on
 * the lanes. Each logit adds its features in order. Meanwhile the 2
 * lines of feature j of block `next` are prefetched (`next` = ab: lines
 * already in cache, nothing to fetch). */
#define HC_BW (2 * HC_VW)
#define HC_LINE (64 / (int)sizeof(real)) /* reals per 64-byte cache line */
static void hc_block_logits(__global const real *ab, __global const real *y, int d, __global const real *next,
                            realv lo[HC_K], realv hi[HC_K])
{
#pragma unroll
    for (int c = 0; c < HC_K; c++)
        lo[c] = hi[c] = (realv)0;
    for (int j = 0; j < d; j++) {
        BLOC_PREFETCH(next + j * HC_BW); /* the 2 lines of feature j of block `next` */
        BLOC_PREFETCH(next + j * HC_BW + HC_LINE);
        realv u0 = hc_vload(0, ab + j * HC_BW), u1 = hc_vload(0, ab + j * HC_BW + HC_VW);
#pragma unroll
        for (int c = 0; c < HC_K; c++) {
            realv w = (realv)y[c * d + j];
            lo[c] = fma(u0, w, lo[c]);
            hi[c] = fma(u1, w, hi[c]);
        }
    }
}

/* v[l] for the lanes l < cnt of a vector, at dst[l * stride] */
static void hc_store_lanes(realv v, __global real *dst, int stride, int cnt)
{
    if (stride == 1 && cnt == HC_VW) {
        hc_vstore(v, 0, dst);
        return;
    }
    real a[HC_VW];
    hc_vstore(v, 0, a);
    BLOC_SCALAR_LOOP
    for (int l = 0; l < cnt; l++)
        dst[l * stride] = a[l];
}

/* src[l] into lane l for l < cnt, 0 past it */
static realv hc_load_lanes(__global const real *src, int cnt)
{
    if (cnt == HC_VW)
        return hc_vload(0, src);
    real a[HC_VW];
    for (int l = 0; l < HC_VW; l++)
        a[l] = l < cnt ? src[l] : (real)0;
    return hc_vload(0, a);
}

/* The sample weights w_i of the cnt (1 .. HC_VW) samples i0 .. i0 + cnt - 1,
 * one per lane (0 past cnt): sigma(x_i), the clean mask or 1 by `mode` */
static realv hc_weights_lanes(int i0, int cnt, int mode, __global const real *wsrc)
{
    if (mode == HC_LEARNED)
        return (realv)1 / ((realv)1 + exp(-hc_load_lanes(wsrc + i0, cnt)));
    if (mode == HC_ORACLE)
        return hc_load_lanes(wsrc + i0, cnt);
    return (realv)1;
}

/* The head (1), (4), (6) of the cnt (1 .. HC_VW) samples i0 .. i0 + cnt - 1,
 * one per lane, from their logits z[c] (bias not yet added): the softmax
 * adds exp(z_c - max) over c in order. With HC_OUT_R the K vectors of R_i
 * (4) go to r (the caller stores them), with HC_OUT_P those of P_i (7); the
 * other outputs as hc_head. */
static void hc_head_lanes(int i0, int cnt, int n, realv z[HC_K], __global const real *bias, int mode,
                          __global const real *wsrc, __global const real *t, real inv_n, int flags, realv r[HC_K],
                          __global real *ce, __global real *gx)
{
    realv tv = hc_load_lanes(t + i0, cnt), m, s = (realv)0, zt = (realv)0, e[HC_K];
#pragma unroll
    for (int c = 0; c < HC_K; c++)
        z[c] += (realv)bias[c];
    m = z[0];
#pragma unroll
    for (int c = 1; c < HC_K; c++)
        m = fmax(m, z[c]);
#pragma unroll
    for (int c = 0; c < HC_K; c++) {
        e[c] = exp(z[c] - m);
        s += e[c];
        zt = select(zt, z[c], isequal(tv, (realv)c));
    }
    realv cei = m + log(s) - zt; /* (1) */
    realv w = hc_weights_lanes(i0, cnt, mode, wsrc);
    if (flags & (HC_OUT_R | HC_OUT_P)) {
        realv scale = flags & HC_OUT_P ? (realv)1 : w * inv_n;
#pragma unroll
        for (int c = 0; c < HC_K; c++) {
            realv p = e[c] / s;
            r[c] = scale * select(p, p - (realv)1, isequal(tv, (realv)c)); /* (4), or (7) with scale 1 */
        }
    }
    if (flags & HC_OUT_CE)
        hc_store_lanes(w * cei, ce + i0, 1, cnt);
    if (flags & HC_OUT_GX)
        hc_store_lanes(mode == HC_LEARNED ? w * ((realv)1 - w) * cei * inv_n : (realv)0, gx + i0, 1, cnt); /* (6) */
    if (flags & HC_OUT_CORRECT) {
        realv arg = (realv)HC_K; /* the first class that attains the max */
#pragma unroll
        for (int c = HC_K - 1; c >= 0; c--)
            arg = select(arg, (realv)c, isequal(z[c], m));
        hc_store_lanes(select((realv)0, (realv)1, isequal(arg, tv)), ce + n + i0, 1, cnt);
    }
}

/* Forward pass and head of the blocks (samples b HC_BW .. + HC_BW - 1,
 * those < n) at npts = 1 or 2 points y1, y2 sharing the weights: each work
 * item of G (BLOC_SM_GROUPS) walks ceil(nb / G) consecutive blocks of the
 * nb; one pass over a block of AT per point (it stays in cache between
 * them), and the last pass prefetches the item's next block. A pass at the
 * first point reads its block from memory as fast as it computes (2 lines
 * per 20 fmas), faster than memory serves two cores; the prefetch moves
 * part of that reading into the pass that reads from cache (10% off the
 * two-point pass on the EPYC against one block per work item and no
 * prefetch). Outputs of point p: R + p n K, ce + 2 p n and gx1 or gx2, as
 * `flags` asks (vectors not named by flags are not touched). */
__kernel void hc_forward(__global const real *AT, int n, int d, __global const real *y1, __global const real *y2,
                         int npts, int mode, __global const real *wsrc, __global const real *t, real inv_n, int flags,
                         __global real *R, __global real *ce, __global real *gx1, __global real *gx2)
{
    int nb = (n + HC_BW - 1) / HC_BW, G = (int)get_global_size(0), per = (nb + G - 1) / G;
    int b0 = (int)get_global_id(0) * per, b1 = min(nb, b0 + per);
    for (int b = b0; b < b1; b++) {
        int i0 = b * HC_BW;
        __global const real *ab = AT + (size_t)b * (size_t)d * HC_BW;
        for (int p = 0; p < npts; p++) {
            __global const real *y = p ? y2 : y1;
            __global real *Rp = R + (size_t)p * n * HC_K, *cep = ce + (size_t)p * 2 * n, *gxp = p ? gx2 : gx1;
            realv z[2][HC_K], r[HC_K];
            /* the last pass over the block prefetches the item's next one */
            hc_block_logits(ab, y, d, p == npts - 1 && b + 1 < b1 ? ab + (size_t)d * HC_BW : ab, z[0], z[1]);
            for (int h = 0; h < 2; h++) {
                int ih = i0 + h * HC_VW, cnt = min(HC_VW, n - ih);
                if (cnt <= 0)
                    break;
                hc_head_lanes(ih, cnt, n, z[h], y + HC_K * d, mode, wsrc, t, inv_n, flags, r, cep, gxp);
                if (flags & (HC_OUT_R | HC_OUT_P))
                    for (int c = 0; c < HC_K; c++)
                        hc_store_lanes(r[c], Rp + (size_t)ih * HC_K + c, HC_K, cnt);
            }
        }
    }
}

/* The gradient (5) in one pass over A, forward and backward fused. Work
 * item g of G (one per work-group) owns the rows [g per, g per + per),
 * per = ceil(n / G) rounded up to HC_ROWS, and walks them in tiles
 * (hc_tile_rows): logits of the tile (hc_logits4), its head on HC_VW
 * samples at a time (hc_head_lanes; R_i kept in private memory, the
 * outputs of `flags` written as hc_forward does, except R and P), then
 * the tile's R' A and sum R added into its partial P[g] (K d + K reals)
 * while the tile is still in cache (hc_tile_backward). hc_grad_reduce
 * adds the G partials in order.
 * Every sum has a fixed order (rows in index order within a tile, tiles
 * in order, groups in order): the same bits on every run. */
#define HC_TILE 64
/* Rows of tile k of a work item of hc_grad or hc_backward: 16, 32, then
 * HC_TILE. A work item's first tile comes from memory with nothing to
 * overlap it; short first tiles start the prefetch of the next one sooner.
 * Where tiles end changes no sum: each accumulator goes on through the
 * partial, and a logit or head depends on its own row only. */
static int hc_tile_rows(int k)
{
    return min(HC_TILE, 16 << min(k, 2));
}

/* One step of a prefetch stream: the lines at *pf and, when lpi = 2, the
 * next one; *pf moves on lpi lines but not past `last` (where the stream
 * then stays: a line in cache costs nothing to prefetch again). A
 * pointer and a compare per step: the loop of line counters that this
 * replaced took 10% of hc_grad's time on the EPYC. */
static void hc_prefetch_step(__global const real **pf, int lpi, __global const real *last)
{
    BLOC_PREFETCH(*pf);
    BLOC_PREFETCH(*pf + (lpi > 1 ? HC_LINE : 0));
    __global const real *q = *pf + lpi * HC_LINE;
    *pf = q < last ? q : last;
}

/* The backward half of (5) over a tile of `rows` (<= HC_TILE) rows at A
 * (row-major, d per row) at npts = 1 or 2 points: R of (point p, class c,
 * row i) at Rt[(p K + c) rq + i ri] (hc_grad: class-major, ri = 1, rq =
 * HC_TILE; hc_backward: row-major, ri = 2 K, rq = 1; constants at both
 * calls, so the compiler folds them), the partial of point p at Pg + p
 * pstride (K d + K reals: R' A, then sum R; started from 0 when `first`,
 * else added to). One chunk of HC_VW features at a time, K vector
 * accumulators per point, rows in order: each row's chunk is loaded once
 * for both points, and each R value feeds one fma (its broadcast folded
 * into the fma). Meanwhile the nlines lines from next (the work item's
 * next tile) are prefetched, one or two per inner iteration
 * (hc_prefetch_step), so that the next tile is in cache when it starts;
 * with nlines = 0 the stream stays on `next`, a prefetch, which never
 * faults. */
static void hc_tile_backward(__global const real *A, int rows, int d, int npts, const real *Rt, int ri, int rq,
                             int first, __global real *Pg, size_t pstride, __global const real *next, int nlines)
{
    int iters = (d + HC_VW - 1) / HC_VW * rows, lpi = iters ? min(2, (nlines + iters - 1) / iters) : 0;
    __global const real *pf = next, *last = next + (size_t)max(nlines - 1, 0) * HC_LINE;
    __global real *P0 = Pg, *P1 = Pg + pstride;
    const real *R0 = Rt, *R1 = Rt + HC_K * rq;
    for (int j0 = 0; j0 < d; j0 += HC_VW) {
        realv acc0[HC_K], acc1[HC_K];
#pragma unroll
        for (int c = 0; c < HC_K; c++) {
            acc0[c] = first ? (realv)0 : hc_vload(0, P0 + c * d + j0);
            acc1[c] = first || npts < 2 ? (realv)0 : hc_vload(0, P1 + c * d + j0);
        }
        if (npts == 2) {
            for (int i = 0; i < rows; i++) {
                hc_prefetch_step(&pf, lpi, last);
                realv u = hc_vload(0, A + (size_t)i * (size_t)d + j0);
#pragma unroll
                for (int c = 0; c < HC_K; c++) {
                    acc0[c] = fma(u, (realv)R0[c * rq + i * ri], acc0[c]);
                    acc1[c] = fma(u, (realv)R1[c * rq + i * ri], acc1[c]);
                }
            }
        } else {
            for (int i = 0; i < rows; i++) {
                hc_prefetch_step(&pf, lpi, last);
                realv u = hc_vload(0, A + (size_t)i * (size_t)d + j0);
#pragma unroll
                for (int c = 0; c < HC_K; c++)
                    acc0[c] = fma(u, (realv)R0[c * rq + i * ri], acc0[c]);
            }
        }
#pragma unroll
        for (int c = 0; c < HC_K; c++)
            *(__global realv_u *)(P0 + c * d + j0) = acc0[c];
        if (npts == 2)
#pragma unroll
            for (int c = 0; c < HC_K; c++)
                *(__global realv_u *)(P1 + c * d + j0) = acc1[c];
    }
    /* sum R: sum q = (point p, class c) adds the rows in order; the npts K
     * sums go side by side (independent chains, not one after another) */
    real s[2 * HC_K];
    int nq = npts * HC_K;
    for (int q = 0; q < nq; q++)
        s[q] = first ? (real)0 : Pg[q / HC_K * pstride + HC_K * d + q % HC_K];
    if (npts == 2)
        for (int i = 0; i < rows; i++)
#pragma unroll
            for (int q = 0; q < 2 * HC_K; q++)
                s[q] += Rt[q * rq + i * ri];
    else
        for (int i = 0; i < rows; i++)
#pragma unroll
            for (int q = 0; q < HC_K; q++)
                s[q] += Rt[q * rq + i * ri];
    for (int q = 0; q < nq; q++)
        Pg[q / HC_K * pstride + HC_K * d + q % HC_K] = s[q];
}

__kernel void hc_grad(__global const real *A, int n, int d, __global const real *y, int mode,
                      __global const real *wsrc, __global const real *t, real inv_n, int flags, __global real *ce,
                      __global real *gx, __global real *P)
{
    int g = get_global_id(0), G = get_global_size(0), m = HC_K * d + HC_K;
    int per = ((n + G - 1) / G + HC_ROWS - 1) / HC_ROWS * HC_ROWS;
    int lo = min(n, g * per), hi = min(n, lo + per);
    __global real *Pg = P + (size_t)g * (size_t)m;
    real Rt[HC_K * HC_TILE]; /* logits, then R, of the tile: class c at Rt[c HC_TILE + row] */
    for (int j = 0; j < HC_K * HC_TILE; j++)
        Rt[j] = 0; /* lanes past the last tile's rows stay defined */
    if (lo >= hi)
        for (int j = 0; j < m; j++)
            Pg[j] = 0;
    for (int i0 = lo, k = 0; i0 < hi; i0 += hc_tile_rows(k++)) {
        int rows = min(hc_tile_rows(k), hi - i0), first = i0 == lo;
        for (int ib = 0; ib < rows; ib += HC_ROWS) {
            /* rows past the tile repeat its last row; the head skips their lanes */
            __global const real *a0 = A + (size_t)(i0 + ib) * (size_t)d;
            __global const real *a1 = A + (size_t)(i0 + min(ib + 1, rows - 1)) * (size_t)d;
            __global const real *a2 = A + (size_t)(i0 + min(ib + 2, rows - 1)) * (size_t)d;
            __global const real *a3 = A + (size_t)(i0 + min(ib + 3, rows - 1)) * (size_t)d;
            real z[HC_ROWS][HC_LANES];
            hc_logits4(a0, a1, a2, a3, y, d, z);
            for (int r = 0; r < HC_ROWS; r++)
                BLOC_SCALAR_LOOP
                for (int c = 0; c < HC_K; c++)
                    Rt[c * HC_TILE + ib + r] = z[r][c];
        }
        /* the head on HC_VW samples at a time */
        for (int v = 0; v < rows; v += HC_VW) {
            realv z[HC_K], r[HC_K];
            for (int c = 0; c < HC_K; c++)
                z[c] = hc_vload(0, Rt + c * HC_TILE + v);
            hc_head_lanes(i0 + v, min(HC_VW, rows - v), n, z, y + HC_K * d, mode, wsrc, t, inv_n,
                          (flags & ~HC_OUT_P) | HC_OUT_R, r, ce, gx);
            for (int c = 0; c < HC_K; c++)
                hc_vstore(r[c], 0, Rt + c * HC_TILE + v);
        }
        int nrows = min(hc_tile_rows(k + 1), hi - i0 - rows);
        hc_tile_backward(A + (size_t)i0 * (size_t)d, rows, d, 1, Rt, 1, HC_TILE, first, Pg, 0,
                         A + (size_t)(i0 + rows) * d, max(nrows, 0) * d / HC_LINE);
    }
}

/* gy_p = [sum_g P_p[g] + mu W_p, sum_g P_p[g] bias part] for the npts = 1
 * or 2 points p (y_p, gy_p: y1, gy1 and y2, gy2) over the G partials of
 * hc_grad or hc_backward (m = K d + K entries each, point p's from
 * P + p G m), g in order. One launch for both points: entry i along
 * dimension 0, the point along dimension 1, so that consecutive work
 * items read consecutive entries (one q / m, q % m per item made PoCL
 * gather them). */
__kernel void hc_grad_reduce(__global const real *P, int G, int m, __global const real *y1, __global const real *y2,
                             real mu, __global real *gy1, __global real *gy2)
{
    int i = get_global_id(0), p = get_global_id(1);
    if (i >= m)
        return;
    __global const real *y = p ? y2 : y1;
    __global real *gy = p ? gy2 : gy1;
    P += (size_t)p * G * m;
    real s = P[i];
    for (int g = 1; g < G; g++)
        s += P[(size_t)g * m + i];
    gy[i] = i < m - HC_K ? s + mu * y[i] : s;
}

/* The backward half of (5) alone, at npts = 1 or 2 points whose P (7) is
 * known (n K each, point p at Pin + p n K), with the weights `mode` of
 * now: R = (w_i / n) P (4). Rows cut as in hc_grad; each work item walks
 * its tiles (hc_tile_rows) and adds R' A and sum R of every point into
 * its partials (point p of item g at P + (p G + g)(K d + K)) with
 * hc_tile_backward: one pass over A for both points, each in hc_grad's
 * order.
 * hc_grad_reduce adds each point's G partials. */
__kernel void hc_backward(__global const real *A, int n, int d, __global const real *Pin, int npts, int mode,
                          __global const real *wsrc, real inv_n, __global real *P)
{
    int g = get_global_id(0), G = get_global_size(0), m = HC_K * d + HC_K;
    int per = ((n + G - 1) / G + HC_ROWS - 1) / HC_ROWS * HC_ROWS;
    int lo = min(n, g * per), hi = min(n, lo + per);
    size_t pstride = (size_t)G * (size_t)m;
    __global real *Pg = P + (size_t)g * (size_t)m;
    real Rt[HC_TILE * 2 * HC_K]; /* R of the tile, row-major: row i, point p, class c at Rt[i 2 K + p K + c] */
    if (lo >= hi)
        for (int p = 0; p < npts; p++)
            for (int j = 0; j < m; j++)
                Pg[p * pstride + j] = 0;
    for (int i0 = lo, k = 0; i0 < hi; i0 += hc_tile_rows(k++)) {
        int rows = min(hc_tile_rows(k), hi - i0);
        __global const real *at = A + (size_t)i0 * (size_t)d;
        /* P of the next tile's nrows rows, prefetched (the loads below
         * otherwise wait on memory); then R of this tile, a contiguous copy
         * per row */
        int nrows = min(hc_tile_rows(k + 1), hi - i0 - rows);
        for (int p = 0; p < npts; p++)
            for (int e = 0; e < nrows * HC_K; e += HC_LINE)
                BLOC_PREFETCH(Pin + ((size_t)p * n + i0 + rows) * HC_K + e);
        for (int v = 0; v < rows; v += HC_VW) {
            real wn[HC_VW]; /* w_i / n of HC_VW rows, the weights as the heads compute them */
            hc_vstore(hc_weights_lanes(i0 + v, min(HC_VW, rows - v), mode, wsrc) * inv_n, 0, wn);
            for (int i = v; i < min(rows, v + HC_VW); i++)
                for (int p = 0; p < npts; p++)
                    for (int c = 0; c < HC_K; c++)
                        Rt[i * 2 * HC_K + p * HC_K + c] =
                            wn[i - v] * Pin[((size_t)p * n + i0 + i) * HC_K + c]; /* (4) */
        }
        /* the first tile is read in order first, one real per line (it
         * comes from memory at the prefetchers' pace instead of as the
         * strided rows of each chunk pair ask for it); each next one is
         * prefetched while the one before is computed */
        if (i0 == lo)
            for (int e = 0; e < rows * d; e += HC_LINE)
                (void)((__global const volatile real *)at)[e];
        hc_tile_backward(at, rows, d, npts, Rt, 2 * HC_K, 1, i0 == lo, Pg, pstride, at + (size_t)rows * d,
                         max(nrows, 0) * d / HC_LINE);
    }
}

/* ---- The same passes in the GPU shape (host/kernel_shape.h): many short
 * work items. A work-group of HC_RG = 4 samples x HC_RL = 32 lanes
 * computes logits: lane l of sample a adds a[j] w_c[j] over the features
 * j = l, l + 32, ... (loads of the samples and weights coalesced across
 * the lanes), for the K logits at npts = 1 or 2 points w1, w2 (K rows of
 * length L each); the 32 lane sums of each logit are added in lane order
 * through local memory into zl[r][p K + c] (sample r of the group, point
 * p). Every work item of the group calls it (barriers). */
#define HC_RL 32
#define HC_RG 4
static void hc_rows_logits(__global const real *a, int L, __global const real *w1, __global const real *w2,
                           int npts, __local real (*part)[2 * HC_K][HC_RL], __local real (*zl)[2 * HC_K])
{
    int lane = (int)get_local_id(0) % HC_RL, r = (int)get_local_id(0) / HC_RL;
    real s1[HC_K], s2[HC_K];
#pragma unroll
    for (int c = 0; c < HC_K; c++)
        s1[c] = s2[c] = 0;
    /* unrolled: the loads of 8 steps in flight together (each step
     * otherwise waits a full memory latency) */
    BLOC_UNROLL_8
    for (int j = lane; j < L; j += HC_RL) {
        real aj = a[j];
#pragma unroll
        for (int c = 0; c < HC_K; c++)
            s1[c] = fma(aj, w1[c * L + j], s1[c]);
        if (npts == 2)
#pragma unroll
            for (int c = 0; c < HC_K; c++)
                s2[c] = fma(aj, w2[c * L + j], s2[c]);
    }
#pragma unroll
    for (int c = 0; c < HC_K; c++) {
        part[r][c][lane] = s1[c];
        part[r][HC_K + c][lane] = s2[c];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lane < npts * HC_K) {
        real z = part[r][lane][0];
        for (int l = 1; l < HC_RL; l++)
            z += part[r][lane][l];
        zl[r][lane] = z;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

/* hc_forward in the GPU shape: hc_rows_logits, then one lane per point
 * runs the head hc_head of its sample. Arguments, outputs and sample
 * weights as hc_forward; work-groups 0 .. ceil(n / 4). */
__kernel __attribute__((reqd_work_group_size(HC_RL * HC_RG, 1, 1))) void
hc_forward_rows(__global const real *A, int n, int d, __global const real *y1, __global const real *y2, int npts,
                int mode, __global const real *wsrc, __global const real *t, real inv_n, int flags,
                __global real *R, __global real *ce, __global real *gx1, __global real *gx2)
{
    __local real part[HC_RG][2 * HC_K][HC_RL];
    __local real zl[HC_RG][2 * HC_K];
    int lane = (int)get_local_id(0) % HC_RL, r = (int)get_local_id(0) / HC_RL;
    int i = (int)get_group_id(0) * HC_RG + r;
    /* rows past n repeat the last row (every item reaches the barriers);
     * their heads are skipped */
    hc_rows_logits(A + (size_t)min(i, n - 1) * (size_t)d, d, y1, y2, npts, part, zl);
    if (lane < npts && i < n) {
        int p = lane;
        real zs[HC_LANES], rr[HC_K];
        for (int c = 0; c < HC_K; c++)
            zs[c] = zl[r][p * HC_K + c];
        __global const real *y = p ? y2 : y1;
        hc_head(i, n, zs, y + HC_K * d, mode, wsrc, t, inv_n, flags, rr, ce + (size_t)p * 2 * n, p ? gx2 : gx1);
        if (flags & (HC_OUT_R | HC_OUT_P))
            for (int c = 0; c < HC_K; c++)
                R[(size_t)p * n * HC_K + (size_t)i * HC_K + c] = rr[c];
    }
}

/* R (4) from P (7) at the weights of now, R[q] = (w_i / n) P[q] over the
 * npts n K entries (npts points of n K; sample i = (q / K) mod n), for
 * hc_backward_rows (GPU shape) and the two-layer model's backward. */
__kernel void hc_weigh(__global const real *P, int n, int npts, int mode, __global const real *wsrc, real inv_n,
                       __global real *R)
{
    int q = get_global_id(0);
    if (q >= npts * n * HC_K)
        return;
    int i = q / HC_K % n;
    real w = mode == HC_LEARNED ? hc_sigmoid(wsrc[i]) : mode == HC_ORACLE ? wsrc[i] : (real)1;
    R[q] = w * inv_n * P[q];
}

/* The backward half of (5) in the GPU shape, at npts points (R of point p
 * at R + p n K): partial s of S = get_global_size(1) / npts per point, the
 * rows cut in S chunks of per = ceil(n / S): P[p S + s] (K d + K reals,
 * the layout of hc_grad's partials) = R' A and sum R over chunk s. Work
 * item (j, p S + s) owns feature j for j < d (loads of A coalesced across
 * j) and the bias for j = d (a constant feature 1); rows in index order.
 * hc_grad_reduce adds each point's S partials in order. */
__kernel void hc_backward_rows(__global const real *A, int n, int d, __global const real *R, int npts,
                               __global real *P)
{
    int j = (int)get_global_id(0), S = (int)get_global_size(1) / npts;
    int p = (int)get_global_id(1) / S, s = (int)get_global_id(1) % S;
    if (j > d)
        return;
    R += (size_t)p * n * HC_K;
    P += (size_t)p * S * (size_t)(HC_K * d + HC_K);
    int per = (n + S - 1) / S, lo = min(n, s * per), hi = min(n, lo + per);
    real acc[HC_K];
#pragma unroll
    for (int c = 0; c < HC_K; c++)
        acc[c] = 0;
    BLOC_UNROLL_8 /* the loads of 8 rows in flight together */
    for (int i = lo; i < hi; i++) {
        real a = j < d ? A[(size_t)i * (size_t)d + j] : (real)1;
#pragma unroll
        for (int c = 0; c < HC_K; c++)
            acc[c] = fma(a, R[(size_t)i * HC_K + c], acc[c]);
    }
    __global real *Ps = P + (size_t)s * (size_t)(HC_K * d + HC_K);
    for (int c = 0; c < HC_K; c++)
        Ps[j < d ? c * d + j : HC_K * d + c] = acc[c];
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
