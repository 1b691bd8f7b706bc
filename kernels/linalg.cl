#pragma OPENCL FP_CONTRACT OFF
/* Dense matrix-vector products on row-major matrices, one work item per
 * output element. Each dot product adds its terms in index order, so a
 * result does not depend on the launch shape: the same bits on every run.
 * Sized for the small dense blocks of the synthetic problems (n up to a few
 * thousand); large products belong to CLBlast. */

/* (M x)_i = sum_j M[i, j] x[j], M with `cols` columns. */
static real linalg_row_dot(__global const real *M, int i, int cols, __global const real *x)
{
    __global const real *m = M + (size_t)i * (size_t)cols;
    real s = 0;
    for (int j = 0; j < cols; j++)
        s += m[j] * x[j];
    return s;
}

/* (M' x)_j = sum_i M[i, j] x[i], M rows x cols. */
static real linalg_col_dot(__global const real *M, int j, int rows, int cols, __global const real *x)
{
    real s = 0;
    for (int i = 0; i < rows; i++)
        s += M[(size_t)i * (size_t)cols + j] * x[i];
    return s;
}

/* alpha s + beta y; beta = 0 does not read y (BLAS convention: y may hold
 * anything, NaN included). */
static real linalg_axpby(real alpha, real s, real beta, __global const real *y)
{
    return beta == 0 ? alpha * s : alpha * s + beta * *y;
}

/* y <- alpha M x + beta y; M rows x cols, x of length cols, y of length
 * rows (not aliasing x); work items 0 .. rows. */
__kernel void linalg_gemv_n(__global const real *M, int rows, int cols, __global const real *x,
                            __global real *y, real alpha, real beta)
{
    int i = get_global_id(0);
    if (i < rows)
        y[i] = linalg_axpby(alpha, linalg_row_dot(M, i, cols, x), beta, y + i);
}

/* y <- alpha M' x + beta y; M rows x cols, x of length rows, y of length
 * cols (not aliasing x); work items 0 .. cols. */
__kernel void linalg_gemv_t(__global const real *M, int rows, int cols, __global const real *x,
                            __global real *y, real alpha, real beta)
{
    int j = get_global_id(0);
    if (j < cols)
        y[j] = linalg_axpby(alpha, linalg_col_dot(M, j, rows, cols, x), beta, y + j);
}
