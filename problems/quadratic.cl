#pragma OPENCL FP_CONTRACT OFF
/* quadratic (benchmark bilevel suite), one form for both levels:
 *   Q(x, y) = 1/2 y'A y + x'C y + a'y + 1/2 x'B x + b'x,
 * A (ny x ny) and B (nx x nx) symmetric, C nx x ny, all row-major.
 *   grad_x Q = C y + B x + b,   grad_y Q = A y + C'x + a.
 * Uses linalg_row_dot / linalg_col_dot from kernels/linalg.cl. */

/* gx <- grad_x Q (work items 0 .. nx), gy <- grad_y Q (items nx .. nx + ny). */
__kernel void quadratic_grad(__global const real *A, __global const real *C, __global const real *a,
                             __global const real *B, __global const real *b, __global const real *x,
                             __global const real *y, __global real *gx, __global real *gy, int nx, int ny)
{
    int i = get_global_id(0);
    if (i < nx) {
        gx[i] = linalg_row_dot(C, i, ny, y) + linalg_row_dot(B, i, nx, x) + b[i];
    } else if (i < nx + ny) {
        int j = i - nx;
        gy[j] = linalg_row_dot(A, j, ny, y) + linalg_col_dot(C, j, nx, ny, x) + a[j];
    }
}

/* Row `row` of terms (rows of nx + ny) summing to Q(x, y):
 *   x_i (1/2 (B x)_i + b_i)               for i < nx,
 *   y_j (1/2 (A y)_j + (C'x)_j + a_j)     at nx + j. */
__kernel void quadratic_value_terms(__global const real *A, __global const real *C, __global const real *a,
                                    __global const real *B, __global const real *b, __global const real *x,
                                    __global const real *y, __global real *terms, int row, int nx, int ny)
{
    int i = get_global_id(0);
    __global real *t = terms + (size_t)row * (size_t)(nx + ny);
    if (i < nx) {
        t[i] = x[i] * ((real)0.5 * linalg_row_dot(B, i, nx, x) + b[i]);
    } else if (i < nx + ny) {
        int j = i - nx;
        t[i] = y[j] * ((real)0.5 * linalg_row_dot(A, j, ny, y) + linalg_col_dot(C, j, nx, ny, x) + a[j]);
    }
}

/* Rows 2 and 3 of terms: hg_i^2 (i < nx, zero after) and
 * (y_j - ystar_j)^2 (at nx + j, zero before). */
__kernel void quadratic_metric_terms(__global const real *hg, __global const real *y, __global const real *ystar,
                                     __global real *terms, int nx, int ny)
{
    int i = get_global_id(0), n = nx + ny;
    if (i < nx) {
        terms[2 * n + i] = hg[i] * hg[i];
        terms[3 * n + i] = 0;
    } else if (i < n) {
        real d = y[i - nx] - ystar[i - nx];
        terms[2 * n + i] = 0;
        terms[3 * n + i] = d * d;
    }
}

/* ---- stochastic mode (problems/quadratic.h) */

/* mean[c] <- (1/batch) sum_b terms[idx[b], c], c < width: the batch mean of
 * the sample terms (rows of `width`), added in batch order. */
__kernel void quadratic_batch_mean(__global const real *terms, int width, __global const real *idx, int batch,
                                   __global real *mean)
{
    int c = get_global_id(0);
    if (c >= width)
        return;
    real s = 0;
    for (int b = 0; b < batch; b++)
        s += terms[(size_t)idx[b] * (size_t)width + c];
    mean[c] = s / (real)batch;
}

/* Minibatch gradient. ll = 1 (f): mean = (mean s, mean d),
 *   gx = (1 + mean s) C y + B x + b,  gy = (1 + mean s)(A y + C'x) + a + mean d;
 * ll = 0 (F): mean = (mean eF, mean dF), gx = grad_x F + mean eF, gy = grad_y F + mean dF. */
__kernel void quadratic_grad_batch(__global const real *A, __global const real *C, __global const real *a,
                                   __global const real *B, __global const real *b, __global const real *x,
                                   __global const real *y, __global real *gx, __global real *gy, int nx, int ny,
                                   __global const real *mean, int ll)
{
    int i = get_global_id(0);
    if (i < nx) {
        if (ll)
            gx[i] = (1 + mean[0]) * linalg_row_dot(C, i, ny, y) + linalg_row_dot(B, i, nx, x) + b[i];
        else
            gx[i] = linalg_row_dot(C, i, ny, y) + linalg_row_dot(B, i, nx, x) + b[i] + mean[i];
    } else if (i < nx + ny) {
        int j = i - nx;
        real q = linalg_row_dot(A, j, ny, y) + linalg_col_dot(C, j, nx, ny, x);
        if (ll)
            gy[j] = (1 + mean[0]) * q + a[j] + mean[1 + j];
        else
            gy[j] = q + a[j] + mean[nx + j];
    }
}

/* Exact Hessian-vector products of one level: hx = C v (nx items), hy = A v
 * (items nx .. nx + ny); scaled = 1: both times 1 + mean[0] (a minibatch of f). */
__kernel void quadratic_hvp(__global const real *A, __global const real *C, __global const real *v,
                            __global real *hx, __global real *hy, int nx, int ny, __global const real *mean,
                            int scaled)
{
    int i = get_global_id(0);
    real c = scaled ? 1 + mean[0] : (real)1;
    if (i < nx)
        hx[i] = scaled ? c * linalg_row_dot(C, i, ny, v) : linalg_row_dot(C, i, ny, v);
    else if (i < nx + ny)
        hy[i - nx] = scaled ? c * linalg_row_dot(A, i - nx, ny, v) : linalg_row_dot(A, i - nx, ny, v);
}
