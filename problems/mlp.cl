#pragma OPENCL FP_CONTRACT OFF
/* hyperclean (shared/spec/problems.md), two-layer model d -> H -> K
 * (problems/mlp.h). Built after problems/hyperclean.cl, whose vector types
 * (realv, HC_VW, hc_vload, hc_hsum) and softmax cross-entropy head hc_head
 * it reuses. Samples a_i are the rows of A (n x d, d a multiple of HC_VW);
 * y = [W1 (H x d), W2 (K x H), b1 (H), b2 (K)], all row-major. With the
 * activation s (ReLU, or the identity) and sample weights w_i:
 *   (M1) h_i   = s(W1 a_i + b1)                  (hid, n x H)
 *   (M2) z_i   = W2 h_i + b2, then the head (1) (4) (6) of hyperclean.cl:
 *               CE_i, R_i = (w_i / n)(softmax(z_i) - e_{t_i}), grad_{x_i} f
 *   (M3) grad_W2 = R' h + mu W2,  grad_b2 = sum_i R_i
 *   (M4) D_i   = (W2' R_i) .* s'(W1 a_i + b1)    (n x H; s' = [h_i > 0] for ReLU)
 *   (M5) grad_W1 = D' A + mu W1,  grad_b1 = sum_i D_i
 * Sums run in an order fixed by the code (fma over HC_VW-wide chunks, a
 * fixed tree for the lanes, then the tail, samples in index order), so
 * results are the same bits on every run. */

#define MLP_RELU 0
#define MLP_IDENTITY 1
#define MLP_ROWS 4 /* samples per work item of the dot-product tiles */
#define MLP_COLS 5 /* outputs per work item (the tile of hc_forward) */

/* z[r][c] = <a_r, w_c> over L entries for 4 rows a_r and the 5 rows
 * w_c = w + min(c, ncol - 1) wstride: HC_VW-wide fmas, then the tail of
 * L mod HC_VW scalar products. */
static void mlp_tile(__global const real *a0, __global const real *a1, __global const real *a2,
                     __global const real *a3, __global const real *w, int wstride, int ncol, int L,
                     real z[MLP_ROWS][MLP_COLS])
{
    __global const real *wc[MLP_COLS];
    realv s0[MLP_COLS], s1[MLP_COLS], s2[MLP_COLS], s3[MLP_COLS];
#pragma unroll
    for (int c = 0; c < MLP_COLS; c++) {
        wc[c] = w + (size_t)min(c, ncol - 1) * (size_t)wstride;
        s0[c] = s1[c] = s2[c] = s3[c] = (realv)0;
    }
    int Lv = L - L % HC_VW;
    for (int j = 0; j < Lv; j += HC_VW) {
        realv u0 = hc_vload(0, a0 + j), u1 = hc_vload(0, a1 + j);
        realv u2 = hc_vload(0, a2 + j), u3 = hc_vload(0, a3 + j);
#pragma unroll
        for (int c = 0; c < MLP_COLS; c++) {
            realv wv = hc_vload(0, wc[c] + j);
            s0[c] = fma(u0, wv, s0[c]);
            s1[c] = fma(u1, wv, s1[c]);
            s2[c] = fma(u2, wv, s2[c]);
            s3[c] = fma(u3, wv, s3[c]);
        }
    }
#pragma unroll
    for (int c = 0; c < MLP_COLS; c++) {
        z[0][c] = hc_hsum(s0[c]);
        z[1][c] = hc_hsum(s1[c]);
        z[2][c] = hc_hsum(s2[c]);
        z[3][c] = hc_hsum(s3[c]);
        for (int j = Lv; j < L; j++) {
            real wj = wc[c][j];
            z[0][c] = fma(a0[j], wj, z[0][c]);
            z[1][c] = fma(a1[j], wj, z[1][c]);
            z[2][c] = fma(a2[j], wj, z[2][c]);
            z[3][c] = fma(a3[j], wj, z[3][c]);
        }
    }
}

/* (M1): hid[hoff + i H + h] for samples 4 g1 .. 4 g1 + 3 and hidden units
 * 5 g0 .. 5 g0 + 4 (work items ceil(H / 5) x ceil(n / 4); rows and units
 * past the end repeat the last one and are not stored). A work group runs
 * along the hidden units of the same 4 samples, which stay in L1. */
__kernel void mlp_layer1(__global const real *A, int n, int d, __global const real *y, int H, int act,
                         __global real *hid, int hoff)
{
    int h0 = MLP_COLS * (int)get_global_id(0), i0 = MLP_ROWS * (int)get_global_id(1);
    if (h0 >= H || i0 >= n)
        return;
    __global const real *a[MLP_ROWS];
    for (int r = 0; r < MLP_ROWS; r++)
        a[r] = A + (size_t)min(i0 + r, n - 1) * (size_t)d;
    real z[MLP_ROWS][MLP_COLS];
    mlp_tile(a[0], a[1], a[2], a[3], y + (size_t)h0 * (size_t)d, d, H - h0, d, z);
    __global const real *b1 = y + (size_t)H * (size_t)d + (size_t)HC_K * H;
    for (int r = 0; r < MLP_ROWS && i0 + r < n; r++)
        for (int c = 0; c < MLP_COLS && h0 + c < H; c++) {
            real v = z[r][c] + b1[h0 + c];
            hid[hoff + (size_t)(i0 + r) * H + h0 + c] = act == MLP_RELU ? fmax(v, (real)0) : v;
        }
}

/* (M2) and the head of samples 4 g .. 4 g + 3 (work items ceil(n / 4)):
 * logits from the hidden rows at hoff, outputs R + roff, ce + ceoff, gx as
 * `flags` asks (hc_head). */
__kernel void mlp_head(__global const real *hid, int hoff, int n, int H, __global const real *y, int d, int mode,
                       __global const real *wsrc, __global const real *t, real inv_n, int flags, __global real *R,
                       int roff, __global real *ce, int ceoff, __global real *gx)
{
    int i0 = MLP_ROWS * (int)get_global_id(0);
    if (i0 >= n)
        return;
    __global const real *hr[MLP_ROWS];
    for (int r = 0; r < MLP_ROWS; r++)
        hr[r] = hid + hoff + (size_t)min(i0 + r, n - 1) * H;
    __global const real *W2 = y + (size_t)H * (size_t)d;
    real z[MLP_ROWS][HC_LANES], t5[MLP_ROWS][MLP_COLS];
    for (int hf = 0; hf < 2; hf++) {
        mlp_tile(hr[0], hr[1], hr[2], hr[3], W2 + hf * MLP_COLS * H, H, MLP_COLS, H, t5);
        for (int r = 0; r < MLP_ROWS; r++)
            for (int c = 0; c < MLP_COLS; c++)
                z[r][hf * MLP_COLS + c] = t5[r][c];
    }
    __global const real *b2 = W2 + (size_t)HC_K * H + H;
    for (int r = 0; r < MLP_ROWS && i0 + r < n; r++) {
        real rr[HC_K];
        hc_head(i0 + r, n, z[r], b2, mode, wsrc, t, inv_n, flags, rr, ce + ceoff, gx);
        if (flags & (HC_OUT_R | HC_OUT_P))
            for (int c = 0; c < HC_K; c++)
                R[roff + (size_t)(i0 + r) * HC_K + c] = rr[c];
    }
}

/* (M4) in the GPU shape: D[e] for e = i H + h < n H, from R + roff and the
 * hidden rows at hoff; hidden unit h along dimension 0 (consecutive work
 * items read consecutive entries of W2 and of the hidden rows), sample i
 * along dimension 1 */
__kernel void mlp_back_hidden(__global const real *R, int roff, __global const real *y, int d, int H,
                              __global const real *hid, int hoff, int act, int n, __global real *D)
{
    int h = get_global_id(0), i = get_global_id(1);
    if (h >= H || i >= n)
        return;
    int e = i * H + h;
    __global const real *W2 = y + (size_t)H * (size_t)d;
    __global const real *r = R + roff + (size_t)i * HC_K;
    real s = 0;
    for (int c = 0; c < HC_K; c++)
        s = fma(r[c], W2[c * H + h], s);
    D[e] = act == MLP_RELU && !(hid[hoff + e] > (real)0) ? (real)0 : s;
}

/* (M4) in the CPU shape: work item i < n writes row i of D, HC_VW hidden
 * units at a time, each entry the K fmas of mlp_back_hidden in the same
 * order (the same bits). One item per entry took 3.4 ms on the 2-core
 * EPYC for n = 5000, H = 300 (10x its bound; with h along dimension 0 as
 * well), most likely in PoCL's overhead per work-group (n H / 64 groups);
 * this kernel takes 0.75 to 1.0 ms. */
__kernel void mlp_back_hidden_rows(__global const real *R, int roff, __global const real *y, int d, int H,
                                   __global const real *hid, int hoff, int act, int n, __global real *D)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    __global const real *W2 = y + (size_t)H * (size_t)d, *r = R + roff + (size_t)i * HC_K;
    __global const real *hr = hid + hoff + (size_t)i * H;
    __global real *dr = D + (size_t)i * H;
    real rc[HC_K];
    for (int c = 0; c < HC_K; c++)
        rc[c] = r[c];
    for (int h0 = 0; h0 < H; h0 += HC_VW) {
        int cnt = min(HC_VW, H - h0);
        realv s = (realv)0;
#pragma unroll
        for (int c = 0; c < HC_K; c++)
            s = fma((realv)rc[c], hc_load_lanes(W2 + c * H + h0, cnt), s);
        if (act == MLP_RELU)
            s = select((realv)0, s, hc_load_lanes(hr + h0, cnt) > (realv)0);
        hc_store_lanes(s, dr + h0, 1, cnt);
    }
}

/* (M3): item q < ceil(H / HC_VW) owns hidden units [q HC_VW, q HC_VW +
 * HC_VW) of every class of grad_W2 (scalar lanes for the last, partial
 * chunk); item ceil(H / HC_VW) sums grad_b2. Samples in index order. */
__kernel void mlp_back_w2(__global const real *R, int roff, __global const real *hid, int hoff, int n, int H,
                          __global const real *y, int d, real mu, __global real *gy)
{
    int q = get_global_id(0), nq = (H + HC_VW - 1) / HC_VW, h0 = q * HC_VW;
    __global const real *r = R + roff;
    size_t w2 = (size_t)H * (size_t)d;
    if (q > nq)
        return;
    if (q == nq) {
        for (int c = 0; c < HC_K; c++) {
            real s = 0;
            for (int i = 0; i < n; i++)
                s += r[i * HC_K + c];
            gy[w2 + (size_t)HC_K * H + H + c] = s;
        }
        return;
    }
    if (h0 + HC_VW <= H) {
        realv acc[HC_K];
        for (int c = 0; c < HC_K; c++)
            acc[c] = (realv)0;
        for (int i = 0; i < n; i++) {
            realv u = hc_vload(0, hid + hoff + (size_t)i * H + h0);
#pragma unroll
            for (int c = 0; c < HC_K; c++)
                acc[c] = fma(u, (realv)r[i * HC_K + c], acc[c]);
        }
        for (int c = 0; c < HC_K; c++)
            hc_vstore(acc[c] + mu * hc_vload(0, y + w2 + c * H + h0), 0, gy + w2 + c * H + h0);
        return;
    }
    for (int h = h0; h < H; h++)
        for (int c = 0; c < HC_K; c++) {
            real s = 0;
            for (int i = 0; i < n; i++)
                s = fma(hid[hoff + (size_t)i * H + h], r[i * HC_K + c], s);
            gy[w2 + c * H + h] = s + mu * y[w2 + c * H + h];
        }
}

/* out[ooff + j] = sum_i D[doff + i m + j] for j < m, samples in index
 * order: grad_b1 of (M5) (and grad_b2 of (M3) in the GPU shape) */
__kernel void mlp_colsum(__global const real *D, int doff, int n, int m, __global real *out, int ooff)
{
    int j = get_global_id(0);
    if (j >= m)
        return;
    real s = 0;
    for (int i = 0; i < n; i++)
        s += D[doff + (size_t)i * m + j];
    out[ooff + j] = s;
}

/* mlp_colsum in the CPU shape: work item q owns columns [q HC_VW, q HC_VW
 * + HC_VW) of the first m, as one vector, samples in index order (the
 * same bits). One column per item walked D down a column, one cache line
 * per row and item. */
__kernel void mlp_colsum_vec(__global const real *D, int doff, int n, int m, __global real *out, int ooff)
{
    int j0 = get_global_id(0) * HC_VW;
    if (j0 >= m)
        return;
    int cnt = min(HC_VW, m - j0);
    realv s = (realv)0;
    for (int i = 0; i < n; i++)
        s += hc_load_lanes(D + doff + (size_t)i * m + j0, cnt);
    hc_store_lanes(s, out + ooff + j0, 1, cnt);
}

/* (M5) grad_W1 = D' A + mu W1: item (q, b) owns features [2 q HC_VW,
 * 2 q HC_VW + 2 HC_VW) (one chunk when d / HC_VW is odd and q is last) of
 * hidden units 10 b .. 10 b + 9 (the tile of hc_backward), samples in
 * index order. Work items ceil(d / (2 HC_VW)) x ceil(H / 10). */
#define MLP_BW 10
__kernel void mlp_back_w1(__global const real *A, int n, int d, __global const real *D, int H,
                          __global const real *y, real mu, __global real *gy)
{
    int q = get_global_id(1), nq = (d / HC_VW + 1) / 2, h0 = MLP_BW * (int)get_global_id(0);
    if (q >= nq || h0 >= H)
        return;
    int j0 = 2 * q * HC_VW, two = j0 + HC_VW < d, j1 = two ? j0 + HC_VW : j0;
    /* a last, partial block reads its units from hb = H - 10 on (H >= 10) */
    int hb = min(h0, max(H - MLP_BW, 0)), nb = min(MLP_BW, H);
    realv acc0[MLP_BW], acc1[MLP_BW];
    for (int c = 0; c < MLP_BW; c++)
        acc0[c] = acc1[c] = (realv)0;
    for (int i = 0; i < n; i++) {
        __global const real *a = A + (size_t)i * (size_t)d, *dr = D + (size_t)i * H + hb;
        realv u0 = hc_vload(0, a + j0), u1 = hc_vload(0, a + j1);
#pragma unroll
        for (int c = 0; c < MLP_BW; c++) {
            realv r = (realv)dr[min(c, nb - 1)];
            acc0[c] = fma(u0, r, acc0[c]);
            acc1[c] = fma(u1, r, acc1[c]);
        }
    }
    for (int c = h0 - hb; c < nb; c++) {
        size_t o = (size_t)(hb + c) * (size_t)d;
        hc_vstore(acc0[c] + mu * hc_vload(0, y + o + j0), 0, gy + o + j0);
        if (two)
            hc_vstore(acc1[c] + mu * hc_vload(0, y + o + j1), 0, gy + o + j1);
    }
}

/* ---- The GPU shape (host/kernel_shape.h). The products run in output
 * tiles of 64 x 64 per work-group of MLP_T x MLP_T = 16 x 16 work items,
 * each computing 4 x 4 outputs from operands staged in local memory 16
 * reduction steps at a time; each output adds its products in index order
 * (zero padding past the ends adds exact zeros), so it is the same bits on
 * every run. */
#define MLP_T 16

/* (M1): hid[hoff + i H + h] = s(<a_i, W1_h> + b1_h) in output tiles of
 * MLP_RT = 64 samples x 64 hidden units per work-group of 16 x 16: work
 * item (th, ti) computes the 4 x 4 outputs i = i0 + ti + 16 u,
 * h = h0 + th + 16 v (mlp_tile_4x4), the features staged MLP_T at a time. Work items (ceil(H / 64) 16,
 * ceil(n / 64) 16). */
#define MLP_RT 64
#define MLP_RB 4

/* acc[u][v] += X[k][ta + 16 u] Y[k][tb + 16 v] over the MLP_T staged
 * steps k, in order: the 4 x 4 outputs of one work item (16 fmas per 8
 * loads from local memory) */
static void mlp_tile_4x4(__local const real (*X)[MLP_RT + 1], __local const real (*Y)[MLP_RT + 1], int ta, int tb,
                         real acc[MLP_RB][MLP_RB])
{
    for (int k = 0; k < MLP_T; k++) {
        real xv[MLP_RB], yv[MLP_RB];
#pragma unroll
        for (int u = 0; u < MLP_RB; u++) {
            xv[u] = X[k][ta + MLP_T * u];
            yv[u] = Y[k][tb + MLP_T * u];
        }
#pragma unroll
        for (int u = 0; u < MLP_RB; u++)
#pragma unroll
            for (int v = 0; v < MLP_RB; v++)
                acc[u][v] = fma(xv[u], yv[v], acc[u][v]);
    }
}
__kernel __attribute__((reqd_work_group_size(MLP_T, MLP_T, 1))) void
mlp_layer1_tiled(__global const real *A, int n, int d, __global const real *y, int H, int act, __global real *hid,
                 int hoff)
{
    /* As[k][r] = A[i0 + r][j0 + k], Ws[k][r] = W1[h0 + r][j0 + k] */
    __local real As[MLP_T][MLP_RT + 1], Ws[MLP_T][MLP_RT + 1];
    int th = (int)get_local_id(0), ti = (int)get_local_id(1);
    int h0 = (int)get_group_id(0) * MLP_RT, i0 = (int)get_group_id(1) * MLP_RT;
    real acc[MLP_RB][MLP_RB] = {{0}};
    for (int j0 = 0; j0 < d; j0 += MLP_T) {
        int j = j0 + th;
#pragma unroll
        for (int m = 0; m < MLP_RB; m++) {
            int r = ti + MLP_T * m;
            As[th][r] = i0 + r < n && j < d ? A[(size_t)(i0 + r) * (size_t)d + j] : (real)0;
            Ws[th][r] = h0 + r < H && j < d ? y[(size_t)(h0 + r) * (size_t)d + j] : (real)0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        mlp_tile_4x4(As, Ws, ti, th, acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    __global const real *b1 = y + (size_t)H * (size_t)d + (size_t)HC_K * H;
#pragma unroll
    for (int u = 0; u < MLP_RB; u++)
#pragma unroll
        for (int v = 0; v < MLP_RB; v++) {
            int i = i0 + ti + MLP_T * u, h = h0 + th + MLP_T * v;
            if (i < n && h < H) {
                real val = acc[u][v] + b1[h];
                hid[hoff + (size_t)i * H + h] = act == MLP_RELU ? fmax(val, (real)0) : val;
            }
        }
}

/* The weight gradients (M3) and (M5), out = X' Y + mu reg, in two
 * kernels. mlp_tn_partial: partial s of S over the rows cut in S chunks
 * (a multiple of 16 rows each), P[s][a q + b] = sum over the chunk's rows
 * i of X[i][a] Y[i][b], X (n x p, at X + xoff) and Y (n x q, at Y + yoff)
 * row-major. Output tiles of 64 x 64 per 16 x 16 work items, 4 x 4 outputs
 * per item (a = a0 + ta + 16 u, b = b0 + tb + 16 v), 16 rows staged at a
 * time, rows in order. Work items (ceil(q / 64) 16, ceil(p / 64) S 16). */
__kernel __attribute__((reqd_work_group_size(MLP_T, MLP_T, 1))) void
mlp_tn_partial(__global const real *X, int xoff, int p, __global const real *Y, int yoff, int q, int n, int S,
               __global real *P)
{
    __local real Xs[MLP_T][MLP_RT + 1], Ys[MLP_T][MLP_RT + 1];
    int tb = (int)get_local_id(0), ta = (int)get_local_id(1);
    int na = (p + MLP_RT - 1) / MLP_RT, g1 = (int)get_group_id(1);
    int s = g1 / na, a0 = g1 % na * MLP_RT, b0 = (int)get_group_id(0) * MLP_RT;
    int per = ((n + S - 1) / S + MLP_T - 1) / MLP_T * MLP_T;
    int lo = min(n, s * per), hi = min(n, lo + per);
    real acc[MLP_RB][MLP_RB] = {{0}};
    for (int i0 = lo; i0 < hi; i0 += MLP_T) {
        int i = i0 + ta;
#pragma unroll
        for (int m = 0; m < MLP_RB; m++) {
            int c = tb + MLP_T * m;
            Xs[ta][c] = i < hi && a0 + c < p ? X[xoff + (size_t)i * p + a0 + c] : (real)0;
            Ys[ta][c] = i < hi && b0 + c < q ? Y[yoff + (size_t)i * q + b0 + c] : (real)0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        mlp_tile_4x4(Xs, Ys, ta, tb, acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    __global real *Ps = P + (size_t)s * p * q;
#pragma unroll
    for (int u = 0; u < MLP_RB; u++)
#pragma unroll
        for (int v = 0; v < MLP_RB; v++) {
            int a = a0 + ta + MLP_T * u, b = b0 + tb + MLP_T * v;
            if (a < p && b < q)
                Ps[(size_t)a * q + b] = acc[u][v];
        }
}

/* gy[ooff + e] = sum_s P[s][e] (s in order) + mu y[ooff + e], e < m = p q */
__kernel void mlp_tn_reduce(__global const real *P, int S, int m, __global const real *y, real mu,
                            __global real *gy, int ooff)
{
    int e = (int)get_global_id(0);
    if (e >= m)
        return;
    real acc = P[e];
    for (int s = 1; s < S; s++)
        acc += P[(size_t)s * m + e];
    gy[ooff + e] = acc + mu * y[ooff + e];
}

/* mlp_head in the GPU shape: the logits z_i = W2 h_i by hc_rows_logits
 * (hyperclean.cl; a work-group of 4 samples x 32 lanes over the hidden
 * units), then lane 0 of each sample runs the head. Arguments as
 * mlp_head; work-groups 0 .. ceil(n / 4). */
__kernel __attribute__((reqd_work_group_size(HC_RL * HC_RG, 1, 1))) void
mlp_head_rows(__global const real *hid, int hoff, int n, int H, __global const real *y, int d, int mode,
              __global const real *wsrc, __global const real *t, real inv_n, int flags, __global real *R, int roff,
              __global real *ce, int ceoff, __global real *gx)
{
    __local real part[HC_RG][2 * HC_K][HC_RL];
    __local real zl[HC_RG][2 * HC_K];
    int lane = (int)get_local_id(0) % HC_RL, r = (int)get_local_id(0) / HC_RL;
    int i = (int)get_group_id(0) * HC_RG + r;
    __global const real *W2 = y + (size_t)H * (size_t)d;
    hc_rows_logits(hid + hoff + (size_t)min(i, n - 1) * H, H, W2, W2, 1, part, zl);
    if (lane == 0 && i < n) {
        real zs[HC_LANES], rr[HC_K];
        for (int c = 0; c < HC_K; c++)
            zs[c] = zl[r][c];
        hc_head(i, n, zs, W2 + (size_t)HC_K * H + H, mode, wsrc, t, inv_n, flags, rr, ce + ceoff, gx);
        if (flags & (HC_OUT_R | HC_OUT_P))
            for (int c = 0; c < HC_K; c++)
                R[roff + (size_t)i * HC_K + c] = rr[c];
    }
}
