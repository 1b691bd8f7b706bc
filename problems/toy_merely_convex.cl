#pragma OPENCL FP_CONTRACT OFF
/* toy_merely_convex (MEHA paper): y = (y1, y2), both n long, stored as one
 * vector [y1; y2]. F = 1/2 ||x - y2||^2 + 1/2 ||y1 - 1||^2,
 * f = 1/2 ||y1||^2 - x . y1 (no y2: the LL is merely convex). */

static real toy_merely_convex_F(real x, real y1, real y2)
{
    return (real)0.5 * (x - y2) * (x - y2) + (real)0.5 * (y1 - 1) * (y1 - 1);
}

__kernel void toy_merely_convex_grad_F(__global const real *x, __global const real *y, __global real *gx,
                                       __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = x[i] - y[n + i];
        gy[i] = y[i] - 1;
        gy[n + i] = y[n + i] - x[i];
    }
}

__kernel void toy_merely_convex_grad_f(__global const real *x, __global const real *y, __global real *gx,
                                       __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = -y[i];
        gy[i] = y[i] - x[i];
        gy[n + i] = 0;
    }
}

/* Rows: F, f, (x - 1)^2, (y1 - 1)^2 + (y2 - 1)^2, (y1 - x)^2 (y1*(x) = x). */
__kernel void toy_merely_convex_terms(__global const real *x, __global const real *y, __global real *t, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real y1 = y[i], y2 = y[n + i];
        t[i] = toy_merely_convex_F(x[i], y1, y2);
        t[n + i] = (real)0.5 * y1 * y1 - x[i] * y1;
        t[2 * n + i] = (x[i] - 1) * (x[i] - 1);
        t[3 * n + i] = (y1 - 1) * (y1 - 1) + (y2 - 1) * (y2 - 1);
        t[4 * n + i] = (y1 - x[i]) * (y1 - x[i]);
    }
}

/* Hessian-vector products (problem.h), v = (v1, v2):
 * F: H_yy v = (v1, v2), H_xy v = -v2;  f: H_yy v = (v1, 0), H_xy v = -v1. */
__kernel void toy_merely_convex_hvp_F(__global const real *x, __global const real *y, __global const real *v,
                                      __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = -v[n + i];
        hy[i] = v[i];
        hy[n + i] = v[n + i];
    }
}

__kernel void toy_merely_convex_hvp_f(__global const real *x, __global const real *y, __global const real *v,
                                      __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = -v[i];
        hy[i] = v[i];
        hy[n + i] = 0;
    }
}

/* t[r n + i] = F term i at y = row first + r of traj (rows of 2n). */
__kernel void toy_merely_convex_F_rows(__global const real *x, __global const real *traj, int first,
                                       __global real *t, int n)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i < n) {
        __global const real *y = traj + (size_t)(first + r) * 2 * n;
        t[(size_t)r * n + i] = toy_merely_convex_F(x[i], y[i], y[n + i]);
    }
}
