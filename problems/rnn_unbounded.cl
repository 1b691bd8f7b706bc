#pragma OPENCL FP_CONTRACT OFF
/* rnn_unbounded (problems/rnn_unbounded.h): a tanh RNN reads an image as
 * T = 28 rows u_t of 28 pixels, h_0 = 0, h_t = tanh(W_in u_t + W_h h_{t-1} + b),
 * features phi = h_T, and a ridge head y (H x 10, row-major) predicts the
 * one-hot targets: residuals r = y'phi - t.
 *
 * Layouts: x = [W_in (H x 28) | W_h (H x H) | b (H)] row-major; images of
 * 784 reals; hidden states hs[(b T + t) H + j] = h_{t+1}[j] of batch row b;
 * batch rows are samples idx[b] (use_idx = 1) or b (the full set).
 * Every sum runs in a fixed order (each output its own accumulator), so
 * results do not depend on the launch shape. */

#define RNN_T 28
#define RNN_P 28
#define RNN_PIX 784
#define RNN_C 10

static int rnn_sample(__global const real *idx, int use_idx, int b)
{
    return use_idx ? (int)idx[b] : b;
}

/* Forward pass in two kernels. rnn_input: the pre-activations' input part
 * hs[b, t, j] = b_j + sum_p W_in[j, p] u_t[p], one item per (b, t) and tile
 * of RNN_TILE units;
 * rnn_recur: one work item per sample row b adds sum_k W_h[j, k] h_{t-1}[k]
 * (t >= 2) and applies tanh, in place, step by step. Outputs in tiles of
 * RNN_TILE with one accumulator each (H is a multiple of RNN_TILE). */
#define RNN_TILE 4

__kernel void rnn_input(__global const real *x, __global const real *img, __global const real *idx, int use_idx,
                        int nb, int H, __global real *hs)
{
    int i = get_global_id(0), per = H / RNN_TILE;
    if (i >= nb * RNN_T * per)
        return;
    int j = (i % per) * RNN_TILE, bt = i / per, t = bt % RNN_T, b = bt / RNN_T;
    __global const real *u = img + (size_t)rnn_sample(idx, use_idx, b) * RNN_PIX + t * RNN_P;
    __global const real *w = x + (size_t)j * RNN_P;
    __global const real *bias = x + (size_t)RNN_P * H + (size_t)H * H + j;
    real a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    for (int p = 0; p < RNN_P; p++) {
        real up = u[p];
        a0 += w[p] * up;
        a1 += w[RNN_P + p] * up;
        a2 += w[2 * RNN_P + p] * up;
        a3 += w[3 * RNN_P + p] * up;
    }
    __global real *out = hs + (size_t)bt * H + j;
    out[0] = a0;
    out[1] = a1;
    out[2] = a2;
    out[3] = a3;
}

__kernel void rnn_recur(__global const real *x, int nb, int H, __global real *hs)
{
    int b = get_global_id(0);
    if (b >= nb)
        return;
    __global const real *wh = x + (size_t)RNN_P * H;
    for (int t = 0; t < RNN_T; t++) {
        __global real *ht = hs + ((size_t)b * RNN_T + t) * H;
        __global const real *hp = ht - H;
        for (int j = 0; j < H; j += RNN_TILE) {
            real a0 = ht[j], a1 = ht[j + 1], a2 = ht[j + 2], a3 = ht[j + 3];
            if (t > 0) {
                __global const real *w0 = wh + (size_t)j * H;
                for (int k = 0; k < H; k++) {
                    real hk = hp[k];
                    a0 += w0[k] * hk;
                    a1 += w0[H + k] * hk;
                    a2 += w0[2 * H + k] * hk;
                    a3 += w0[3 * H + k] * hk;
                }
            }
            ht[j] = tanh(a0);
            ht[j + 1] = tanh(a1);
            ht[j + 2] = tanh(a2);
            ht[j + 3] = tanh(a3);
        }
    }
}

/* out[b, c] = sum_j w[j, c] phi_b[j] - (targets ? [label_b == c] : 0), over
 * nb * 10 items: residuals (w = y, targets = 1) or projections v'phi. */
__kernel void rnn_project(__global const real *hs, __global const real *labels, __global const real *idx,
                          int use_idx, int nb, int H, __global const real *w, int targets, __global real *out)
{
    int i = get_global_id(0);
    if (i >= nb * RNN_C)
        return;
    int b = i / RNN_C, c = i % RNN_C;
    __global const real *phi = hs + ((size_t)b * RNN_T + RNN_T - 1) * H;
    real s = 0;
    for (int j = 0; j < H; j++)
        s += w[j * RNN_C + c] * phi[j];
    if (targets && (int)labels[rnn_sample(idx, use_idx, b)] == c)
        s -= 1;
    out[i] = s;
}

/* g[j, c] = (1/nb) sum_b phi_b[j] R[b, c] + mu w[j, c], over H * 10 items:
 * grad_y of the loss (R = residuals, w = y) or H_yy w (R = w'phi). */
__kernel void rnn_head_grad(__global const real *hs, int nb, int H, __global const real *R, __global const real *w,
                            real mu, __global real *g)
{
    int i = get_global_id(0);
    if (i >= H * RNN_C)
        return;
    int j = i / RNN_C, c = i % RNN_C;
    real s = 0;
    for (int b = 0; b < nb; b++)
        s += hs[((size_t)b * RNN_T + RNN_T - 1) * H + j] * R[b * RNN_C + c];
    g[i] = s / (real)nb + mu * w[i];
}

/* Adjoint of the features, dphi[b, j] = (1/nb) (sum_c A[j, c] R[b, c] +
 * [with_p] sum_c Y[j, c] P[b, c]), over nb * H items: the gradient
 * (A = y, R = residuals) or H_xy v (A = v, R = residuals at y, Y = y,
 * P = v'phi). */
__kernel void rnn_feature_adjoint(int nb, int H, __global const real *A, __global const real *R,
                                  __global const real *Y, __global const real *P, int with_p, __global real *dphi)
{
    int i = get_global_id(0);
    if (i >= nb * H)
        return;
    int b = i / H, j = i % H;
    real s = 0;
    for (int c = 0; c < RNN_C; c++)
        s += A[j * RNN_C + c] * R[b * RNN_C + c];
    if (with_p)
        for (int c = 0; c < RNN_C; c++)
            s += Y[j * RNN_C + c] * P[b * RNN_C + c];
    dphi[i] = s / (real)nb;
}

/* Backward through time, one work item per sample row b: from
 * a_T = dphi_b, delta_t = a_t (1 - h_t^2) (the adjoint of the
 * pre-activation, stored), a_{t-1} = W_h' delta_t (tiles of RNN_TILE). */
#define RNN_MAX_H 128

__kernel void rnn_backward(__global const real *x, __global const real *hs, __global const real *dphi, int nb, int H,
                           __global real *deltas)
{
    int b = get_global_id(0);
    if (b >= nb)
        return;
    __global const real *wh = x + (size_t)RNN_P * H;
    real a[RNN_MAX_H];
    for (int j = 0; j < H; j++)
        a[j] = dphi[(size_t)b * H + j];
    for (int t = RNN_T - 1; t >= 0; t--) {
        size_t at = ((size_t)b * RNN_T + t) * H;
        for (int j = 0; j < H; j++) {
            real h = hs[at + j];
            deltas[at + j] = a[j] * (1 - h * h);
        }
        if (t == 0)
            break;
        for (int j = 0; j < H; j += RNN_TILE) {
            real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int k = 0; k < H; k++) {
                real d = deltas[at + k];
                __global const real *w = wh + (size_t)k * H + j;
                s0 += w[0] * d;
                s1 += w[1] * d;
                s2 += w[2] * d;
                s3 += w[3] * d;
            }
            a[j] = s0;
            a[j + 1] = s1;
            a[j + 2] = s2;
            a[j + 3] = s3;
        }
    }
}

/* Weight gradient from the stored deltas, every entry summed over batch
 * rows b then time t in order; the matrix kernels compute a block of
 * RNN_TILE x RNN_TILE entries per work item (one accumulator each):
 *   rnn_grad_in:   dW_in[j, p] = sum delta_t[j] u_t[p]            (items H/4 * 28/4)
 *   rnn_grad_rec:  dW_h[j, k] = sum_{t >= 2} delta_t[j] h_{t-1}[k] (items H/4 * H/4)
 *   rnn_grad_bias: db[j] = sum delta_t[j]                          (items H) */
__kernel void rnn_grad_in(__global const real *img, __global const real *idx, int use_idx, int nb, int H,
                          __global const real *deltas, __global real *gx)
{
    int w = get_global_id(0), per = RNN_P / RNN_TILE;
    if (w >= (H / RNN_TILE) * per)
        return;
    int j = (w / per) * RNN_TILE, p = (w % per) * RNN_TILE;
    real s[RNN_TILE][RNN_TILE] = {{0}};
    for (int b = 0; b < nb; b++) {
        __global const real *u = img + (size_t)rnn_sample(idx, use_idx, b) * RNN_PIX + p;
        __global const real *d = deltas + (size_t)b * RNN_T * H + j;
        for (int t = 0; t < RNN_T; t++) {
            __global const real *dt = d + (size_t)t * H, *ut = u + t * RNN_P;
            for (int r = 0; r < RNN_TILE; r++)
                for (int c = 0; c < RNN_TILE; c++)
                    s[r][c] += dt[r] * ut[c];
        }
    }
    for (int r = 0; r < RNN_TILE; r++)
        for (int c = 0; c < RNN_TILE; c++)
            gx[(size_t)(j + r) * RNN_P + p + c] = s[r][c];
}

__kernel void rnn_grad_rec(int nb, int H, __global const real *hs, __global const real *deltas, __global real *gx)
{
    int w = get_global_id(0), per = H / RNN_TILE;
    if (w >= per * per)
        return;
    int j = (w / per) * RNN_TILE, k = (w % per) * RNN_TILE;
    real s[RNN_TILE][RNN_TILE] = {{0}};
    for (int b = 0; b < nb; b++) {
        __global const real *d = deltas + (size_t)b * RNN_T * H + j;
        __global const real *h = hs + (size_t)b * RNN_T * H + k;
        for (int t = 1; t < RNN_T; t++) {
            __global const real *dt = d + (size_t)t * H, *hp = h + (size_t)(t - 1) * H;
            for (int r = 0; r < RNN_TILE; r++)
                for (int c = 0; c < RNN_TILE; c++)
                    s[r][c] += dt[r] * hp[c];
        }
    }
    __global real *g = gx + (size_t)RNN_P * H;
    for (int r = 0; r < RNN_TILE; r++)
        for (int c = 0; c < RNN_TILE; c++)
            g[(size_t)(j + r) * H + k + c] = s[r][c];
}

__kernel void rnn_grad_bias(int nb, int H, __global const real *deltas, __global real *gx)
{
    int j = get_global_id(0);
    if (j >= H)
        return;
    real s = 0;
    for (int b = 0; b < nb; b++)
        for (int t = 0; t < RNN_T; t++)
            s += deltas[((size_t)b * RNN_T + t) * H + j];
    gx[(size_t)RNN_P * H + (size_t)H * H + j] = s;
}

/* ---- evaluation: exact y*(x) and the hypergradient */

/* S = (1/n) Phi'Phi + mu I (H x H) and B = (1/n) Phi'T (H x 10) over the
 * full set, items 0 .. H^2 (S) then H^2 .. H^2 + 10 H (B). */
__kernel void rnn_gram(__global const real *hs, __global const real *labels, int n, int H, real mu,
                       __global real *S, __global real *B)
{
    int i = get_global_id(0);
    if (i < H * H) {
        int j = i / H, k = i % H;
        real s = 0;
        for (int b = 0; b < n; b++) {
            __global const real *phi = hs + ((size_t)b * RNN_T + RNN_T - 1) * H;
            s += phi[j] * phi[k];
        }
        S[i] = s / (real)n + (j == k ? mu : (real)0);
    } else if (i < H * H + H * RNN_C) {
        int q = i - H * H, j = q / RNN_C, c = q % RNN_C;
        real s = 0;
        for (int b = 0; b < n; b++)
            if ((int)labels[b] == c)
                s += hs[((size_t)b * RNN_T + RNN_T - 1) * H + j];
        B[q] = s / (real)n;
    }
}

/* X = S^-1 B (S H x H symmetric positive definite, B and X H x 10) by
 * Cholesky S = L L' (L in work) and two triangular solves per column; one
 * work item (H is small). */
__kernel void rnn_chol_solve(__global const real *S, __global const real *B, __global real *X, int H,
                             __global real *L)
{
    if (get_global_id(0) != 0)
        return;
    for (int j = 0; j < H; j++) {
        real d = S[j * H + j];
        for (int k = 0; k < j; k++)
            d -= L[j * H + k] * L[j * H + k];
        real l = sqrt(d);
        L[j * H + j] = l;
        for (int i = j + 1; i < H; i++) {
            real s = S[i * H + j];
            for (int k = 0; k < j; k++)
                s -= L[i * H + k] * L[j * H + k];
            L[i * H + j] = s / l;
        }
    }
    for (int c = 0; c < RNN_C; c++) {
        for (int i = 0; i < H; i++) { /* L w = B[:, c] */
            real s = B[i * RNN_C + c];
            for (int k = 0; k < i; k++)
                s -= L[i * H + k] * X[k * RNN_C + c];
            X[i * RNN_C + c] = s / L[i * H + i];
        }
        for (int i = H - 1; i >= 0; i--) { /* L' x = w */
            real s = X[i * RNN_C + c];
            for (int k = i + 1; k < H; k++)
                s -= L[k * H + i] * X[k * RNN_C + c];
            X[i * RNN_C + c] = s / L[i * H + i];
        }
    }
}

/* Row `row` of terms (rows of len) = scale sum_c R[b, c]^2 at b < nb, 0 after. */
__kernel void rnn_sq_rows(__global const real *R, int nb, real scale, __global real *terms, int row, int len)
{
    int i = get_global_id(0);
    if (i >= len)
        return;
    real s = 0;
    if (i < nb)
        for (int c = 0; c < RNN_C; c++)
            s += R[i * RNN_C + c] * R[i * RNN_C + c];
    terms[(size_t)row * len + i] = scale * s;
}

/* terms[row, i] += scale w_i^2 for i < n (the ridge term). */
__kernel void rnn_sq_add(__global const real *w, int n, real scale, __global real *terms, int row, int len)
{
    int i = get_global_id(0);
    if (i < n)
        terms[(size_t)row * len + i] += scale * (w[i] * w[i]);
}

/* terms[row, i] = (a_i - b_i)^2 for i < n, 0 up to len. */
__kernel void rnn_diff_sq(__global const real *a, __global const real *b, int n, __global real *terms, int row,
                          int len)
{
    int i = get_global_id(0);
    if (i < len)
        terms[(size_t)row * len + i] = i < n ? (a[i] - b[i]) * (a[i] - b[i]) : (real)0;
}

/* terms[row, b] = 1 when the largest score of sample b (first on ties) is
 * its label, for b < nb; 0 up to len. */
__kernel void rnn_correct(__global const real *scores, __global const real *labels, int nb, __global real *terms,
                          int row, int len)
{
    int i = get_global_id(0);
    if (i >= len)
        return;
    real hit = 0;
    if (i < nb) {
        int best = 0;
        for (int c = 1; c < RNN_C; c++)
            if (scores[i * RNN_C + c] > scores[i * RNN_C + best])
                best = c;
        hit = best == (int)labels[i] ? (real)1 : (real)0;
    }
    terms[(size_t)row * len + i] = hit;
}

/* terms[row, i] = w_i^2 for i < n, 0 up to len. */
__kernel void rnn_sq_vec(__global const real *w, int n, __global real *terms, int row, int len)
{
    int i = get_global_id(0);
    if (i < len)
        terms[(size_t)row * len + i] = i < n ? w[i] * w[i] : (real)0;
}

/* out = a - b over n items */
__kernel void rnn_sub(__global const real *a, __global const real *b, __global real *out, int n)
{
    int i = get_global_id(0);
    if (i < n)
        out[i] = a[i] - b[i];
}
