#pragma OPENCL FP_CONTRACT OFF
/* toy_merely_convex (MEHA paper): y = (y1, y2), both n long, stored as one
 * vector [y1; y2]. F = 1/2 ||x - y2||^2 + 1/2 ||y1 - 1||^2,
 * f = 1/2 ||y1||^2 - x . y1 (no y2: the LL is merely convex). */

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
        t[i] = (real)0.5 * (x[i] - y2) * (x[i] - y2) + (real)0.5 * (y1 - 1) * (y1 - 1);
        t[n + i] = (real)0.5 * y1 * y1 - x[i] * y1;
        t[2 * n + i] = (x[i] - 1) * (x[i] - 1);
        t[3 * n + i] = (y1 - 1) * (y1 - 1) + (y2 - 1) * (y2 - 1);
        t[4 * n + i] = (y1 - x[i]) * (y1 - x[i]);
    }
}
