#pragma OPENCL FP_CONTRACT OFF
/* sparse_regression (Lasso hyperparameters, as in the MEHA paper's study):
 * LL f = 1/(2m) ||A y - b||^2 on train, g = sum_j x_j |y_j| (x >= 0: per-feature
 * weights), UL F = 1/(2 m_val) ||A_val y - b_val||^2. Matrices row-major,
 * needs kernels/linalg.cl (linalg_row_dot, linalg_col_dot). */

/* r <- A y - b, A m x d; work items 0 .. m. */
__kernel void sreg_residual(__global const real *A, __global const real *b, __global const real *y,
                            __global real *r, int m, int d)
{
    int i = get_global_id(0);
    if (i < m)
        r[i] = linalg_row_dot(A, i, d, y) - b[i];
}

/* gy <- A' r / m; gx <- |y| (level LL, grad_x g) or 0 (level UL). */
__kernel void sreg_grad(__global const real *A, __global const real *r, __global const real *y,
                        __global real *gx, __global real *gy, int m, int d, int level_ll)
{
    int j = get_global_id(0);
    if (j < d) {
        gy[j] = linalg_col_dot(A, j, m, d, r) / (real)m;
        gx[j] = level_ll ? fabs(y[j]) : (real)0;
    }
}

/* t <- r .* r */
__kernel void sreg_square(__global const real *r, __global real *t, int m)
{
    int i = get_global_id(0);
    if (i < m)
        t[i] = r[i] * r[i];
}

/* Rows over features: x_j |y_j|; [y_j != 0]; [y_j != 0 and w*_j != 0]. */
__kernel void sreg_support(__global const real *x, __global const real *y, __global const real *wstar,
                           __global real *t, int d)
{
    int j = get_global_id(0);
    if (j < d) {
        t[j] = x[j] * fabs(y[j]);
        t[d + j] = y[j] != 0 ? (real)1 : (real)0;
        t[2 * d + j] = y[j] != 0 && wstar[j] != 0 ? (real)1 : (real)0;
    }
}
