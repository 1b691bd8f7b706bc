#pragma OPENCL FP_CONTRACT OFF
/* The unrolled family (IAPTT-GM, RHG, T-RHG, BDA; shared/spec/algorithms.md,
 * host/solvers/unrolled.h): forward LL steps stored on the device, the
 * pessimistic truncation k* = argmax_k F(x, y_k), and the adjoint recursion
 * back to y_0, all masked by k* read from device memory.
 *
 * A trajectory store holds rows of n reals; a store whose first row is
 * row `base` keeps row r at (r - base) * n (base = 0 for the full
 * trajectory, base = j m - 1 for checkpoint segment j). */

static size_t row_at(int r, int base, int n)
{
    return (size_t)(r - base) * (size_t)n;
}

/* Proj_Y's Jacobian is the identity where the box is inactive, 0 where a
 * bound is attained. */
static int inside(real v, real lo, real hi)
{
    return v > lo && v < hi;
}

/* y_0 = z: into w (the point the LL oracles see) and as row 0 at `slot` of
 * store and at `slot2` of store2 (the checkpoint copy; may repeat store). */
__kernel void unrolled_start(__global const real *z, __global real *w, __global real *store, int slot,
                             __global real *store2, int slot2, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real v = z[i];
        w[i] = v;
        store[(size_t)slot * n + i] = v;
        store2[(size_t)slot2 * n + i] = v;
    }
}

/* Forward LL step k:
 *   y_{k+1} = Proj_[lo,hi]( w_k - (c1 g1 + c2 g2) ), stored as row k + 1;
 *   w_{k+1} = y_{k+1} + beta (y_{k+1} - y_k)   (Nesterov point; y_{k+1} after the last step).
 * Gradient steps: g1 = g2 = grad_y f(x, w_k), c1 = s, c2 = 0.
 * BDA: g1 = grad_y F, c1 = mu_k s_u, g2 = grad_y f, c2 = (1 - mu_k) s_l, beta = 0. */
__kernel void unrolled_forward(__global real *store, int base, __global real *w, __global const real *g1,
                               __global const real *g2, int k, int n, real c1, real c2, real beta, real lo, real hi,
                               int last)
{
    int i = get_global_id(0);
    if (i < n) {
        real yk = store[row_at(k, base, n) + i];
        real ynew = proj_box(w[i] - (c1 * g1[i] + c2 * g2[i]), lo, hi);
        store[row_at(k + 1, base, n) + i] = ynew;
        w[i] = last ? ynew : ynew + beta * (ynew - yk);
    }
}

/* Reverse step k of the adjoint recursion, with k* = kstar[0]. Over max(nx, ny) items.
 * flags & 1 (update):
 *   k < k*:  (hx, hy) = c1 (H_xy, H_yy)_1 u + c2 (H_xy, H_yy)_2 u at w_k, u = adj:
 *              b = u - (c1 hy1 + c2 hy2);      hgx -= c1 hx1 + c2 hx2
 *              abar_k = pend + (k >= 1 ? 1 + beta : 1) b;   pend = -beta b   (w_k = y_k + beta (y_k - y_{k-1}))
 *              adj = mask(y_k) abar_k for k >= 1 (u_{k-1}, through Proj_Y), abar_0 = dL/dy_0 at k = 0
 *   k == k*: adj = mask(y_k*) adj (adj = grad_y F(x, y_k*) on entry), pend = 0
 *   k > k*:  nothing (steps after k* do not reach L = F(x, y_k*))
 * flags & 2 (point): p = w_{k-1} = y_{k-1} + beta (y_{k-1} - y_{k-2}), y_0 at k = 1:
 *   the point of the next products, bitwise as the forward pass made it. */
__kernel void unrolled_reverse(__global const real *store, int base, __global real *p, __global real *adj,
                               __global real *pend, __global real *hgx, __global const real *hx1,
                               __global const real *hy1, __global const real *hx2, __global const real *hy2,
                               __global const real *kstar, int k, int nx, int ny, real c1, real c2, real beta,
                               real lo, real hi, int flags)
{
    int i = get_global_id(0);
    int ks = (int)kstar[0];
    if (flags & 1) {
        if (k < ks) {
            if (i < nx)
                hgx[i] -= c1 * hx1[i] + c2 * hx2[i];
            if (i < ny) {
                real b = adj[i] - (c1 * hy1[i] + c2 * hy2[i]);
                real a = pend[i] + (k >= 1 ? 1 + beta : (real)1) * b;
                pend[i] = -beta * b;
                adj[i] = k == 0 || inside(store[row_at(k, base, ny) + i], lo, hi) ? a : (real)0;
            }
        } else if (k == ks && i < ny) {
            adj[i] = inside(store[row_at(k, base, ny) + i], lo, hi) ? adj[i] : (real)0;
            pend[i] = 0;
        }
    }
    if ((flags & 2) && k >= 1 && i < ny) {
        real y1 = store[row_at(k - 1, base, ny) + i];
        p[i] = k == 1 ? y1 : y1 + beta * (y1 - store[row_at(k - 2, base, ny) + i]);
    }
}

/* Pessimistic truncation: kstar[0] = 1 + argmax_{j < K} vals[j] with
 * vals[j] = F(x, y_{j+1}); the first index wins ties, NaN never wins (K when
 * no value exceeds -inf). With gather, ypt = row k* of store. One work group;
 * sv, si: local scratch of the group size (values and indices). */
__kernel void unrolled_argmax(__global const real *vals, int K, __global real *kstar, __global const real *store,
                              int base, __global real *ypt, int n, int gather, __local real *sv, __local real *si)
{
    int lid = get_local_id(0), L = get_local_size(0);
    real best = -INFINITY, bi = (real)(K - 1);
    for (int j = lid; j < K; j += L)
        if (vals[j] > best) {
            best = vals[j];
            bi = (real)j;
        }
    sv[lid] = best;
    si[lid] = bi;
    for (int h = L / 2; h > 0; h >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < h && (sv[lid + h] > sv[lid] || (sv[lid + h] == sv[lid] && si[lid + h] < si[lid]))) {
            sv[lid] = sv[lid + h];
            si[lid] = si[lid + h];
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    int ks = (int)si[0] + 1;
    if (lid == 0)
        kstar[0] = (real)ks;
    if (gather)
        for (int i = lid; i < n; i += L)
            ypt[i] = store[row_at(ks, base, n) + i];
}

/* Checkpoints (every m-th iterate): checkpoint j holds rows (j m - 1, j m)
 * at ckpt + 2 j n, the state a forward step needs (row j m - 1 only for the
 * Nesterov point; unused at j = 0). */

/* After forward segment j (rows j m - 1 .. e, e = (j + 1) m): checkpoint
 * j + 1 <- rows (e - 1, e), read from slots src, src + 1 of seg, which also
 * move to slots 0, 1 for the next segment (src >= 2: no overlap). Over 2n items. */
__kernel void unrolled_save(__global real *seg, int src, __global real *ckpt, int j, int n)
{
    int i = get_global_id(0);
    if (i < 2 * n) {
        real v = seg[(size_t)src * n + i];
        ckpt[(size_t)(2 * j) * n + i] = v;
        seg[i] = v;
    }
}

/* Restores checkpoint j into slots 0, 1 of seg (base j m - 1) and
 * w = w_{jm} = y_{jm} + beta (y_{jm} - y_{jm-1}) (y_0 at j = 0). */
__kernel void unrolled_restore(__global const real *ckpt, int j, __global real *seg, __global real *w, int n,
                               real beta)
{
    int i = get_global_id(0);
    if (i < n) {
        real y0 = ckpt[(size_t)(2 * j) * n + i], y1 = ckpt[(size_t)(2 * j + 1) * n + i];
        seg[i] = y0;
        seg[n + i] = y1;
        w[i] = j == 0 ? y1 : y1 + beta * (y1 - y0);
    }
}

/* Recomputing y_k* from the checkpoints (gradient steps): checkpoint
 * j = k* / m gives ycur = y_{jm} and w = w_{jm}; then seek step i
 * (0 <= i < m - 1) advances one step while jm + i < k*, exactly as
 * unrolled_forward does (c2 = 0). */
__kernel void unrolled_seek_start(__global const real *ckpt, __global const real *kstar, int m, __global real *ycur,
                                  __global real *w, int n, real beta)
{
    int i = get_global_id(0);
    if (i < n) {
        int j = (int)kstar[0] / m;
        real y0 = ckpt[(size_t)(2 * j) * n + i], y1 = ckpt[(size_t)(2 * j + 1) * n + i];
        ycur[i] = y1;
        w[i] = j == 0 ? y1 : y1 + beta * (y1 - y0);
    }
}

__kernel void unrolled_seek_step(__global real *ycur, __global real *w, __global const real *g,
                                 __global const real *kstar, int m, int step, int n, real s, real beta, real lo,
                                 real hi)
{
    int i = get_global_id(0);
    int ks = (int)kstar[0];
    if (i < n && step < ks % m) {
        real ynew = proj_box(w[i] - (s * g[i] + 0 * g[i]), lo, hi);
        w[i] = ynew + beta * (ynew - ycur[i]);
        ycur[i] = ynew;
    }
}

/* UL update: x <- Proj_[xlo,xhi](x - ax hgx); z <- Proj_[zlo,zhi](z - az gz)
 * (IAPTT-GM's learned initialization; nz = 0 when there is none). Over
 * max(nx, nz) items. */
__kernel void unrolled_ul_step(__global real *x, __global const real *hgx, int nx, real ax, real xlo, real xhi,
                               __global real *z, __global const real *gz, int nz, real az, real zlo, real zhi)
{
    int i = get_global_id(0);
    if (i < nx)
        x[i] = proj_box(x[i] - ax * hgx[i], xlo, xhi);
    if (i < nz)
        z[i] = proj_box(z[i] - az * gz[i], zlo, zhi);
}
