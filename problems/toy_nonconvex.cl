#pragma OPENCL FP_CONTRACT OFF
/* toy_nonconvex (MEHA paper), per coordinate:
 * F = (x - 2)^2 + (y - 4)^2,  f = sin(x + y - 2). */

__kernel void toy_nonconvex_grad_F(__global const real *x, __global const real *y, __global real *gx,
                                   __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = 2 * (x[i] - 2);
        gy[i] = 2 * (y[i] - 4);
    }
}

__kernel void toy_nonconvex_grad_f(__global const real *x, __global const real *y, __global real *gx,
                                   __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real c = cos(x[i] + y[i] - 2);
        gx[i] = c;
        gy[i] = c;
    }
}

/* Rows of terms (each n long): F, f, (x - x*)^2, (sin(x + y - 2) + 1)^2. */
__kernel void toy_nonconvex_terms(__global const real *x, __global const real *y, __global real *t, int n)
{
    const real xstar = (real)2.35619449019234492885; /* 3 pi / 4 */
    int i = get_global_id(0);
    if (i < n) {
        real s = sin(x[i] + y[i] - 2);
        real dx = x[i] - xstar;
        t[i] = (x[i] - 2) * (x[i] - 2) + (y[i] - 4) * (y[i] - 4);
        t[n + i] = s;
        t[2 * n + i] = dx * dx;
        t[3 * n + i] = (s + 1) * (s + 1);
    }
}
