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
