#pragma OPENCL FP_CONTRACT OFF
/* sparse_1000d (MEHA paper, nonsmooth LL): F = sum y_i, f = 1/2 ||y - a||^2,
 * g(x, y) = sum x_i |y_i|, a_i = +1/n for i < n/2, -1/n otherwise. */

static real sparse_a(int i, int n)
{
    return (i < n / 2 ? (real)1 : (real)-1) / (real)n;
}

__kernel void sparse_grad_F(__global const real *x, __global const real *y, __global real *gx, __global real *gy,
                            int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = 0;
        gy[i] = 1;
    }
}

/* (grad_x (f + g), grad_y f) = (|y|, y - a) */
__kernel void sparse_grad_f(__global const real *x, __global const real *y, __global real *gx, __global real *gy,
                            int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = fabs(y[i]);
        gy[i] = y[i] - sparse_a(i, n);
    }
}

/* Rows: F; f + g; (y - soft(a, x))^2; squared distance of x to the optimal
 * set {x_i >= 1/n on the first half, x_i = 0 on the second}. */
__kernel void sparse_terms(__global const real *x, __global const real *y, __global real *t, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real a = sparse_a(i, n), d = y[i] - a, r = y[i] - soft_threshold(a, x[i]);
        real e = i < n / 2 ? fmax((real)1 / (real)n - x[i], (real)0) : x[i];
        t[i] = y[i];
        t[n + i] = (real)0.5 * d * d + x[i] * fabs(y[i]);
        t[2 * n + i] = r * r;
        t[3 * n + i] = e * e;
    }
}

/* Hessian-vector products (problem.h): F = sum y is linear (all zero);
 * of the smooth f = 1/2 ||y - a||^2: H_yy v = v, H_xy v = 0 (g excluded). */
__kernel void sparse_hvp_F(__global const real *x, __global const real *y, __global const real *v,
                           __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = 0;
        hy[i] = 0;
    }
}

__kernel void sparse_hvp_f(__global const real *x, __global const real *y, __global const real *v,
                           __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = 0;
        hy[i] = v[i];
    }
}

/* t[r n + i] = y_i at row first + r of traj (F = sum y). */
__kernel void sparse_F_rows(__global const real *x, __global const real *traj, int first, __global real *t, int n)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i < n)
        t[(size_t)r * n + i] = traj[(size_t)(first + r) * n + i];
}
