#pragma OPENCL FP_CONTRACT OFF
/* toy_nonconvex (MEHA paper), per coordinate:
 * F = (x - 2)^2 + (y - 4)^2,  f = sin(x + y - 2). */

static real toy_nonconvex_F(real x, real y)
{
    return (x - 2) * (x - 2) + (y - 4) * (y - 4);
}

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
        t[i] = toy_nonconvex_F(x[i], y[i]);
        t[n + i] = s;
        t[2 * n + i] = dx * dx;
        t[3 * n + i] = (s + 1) * (s + 1);
    }
}

/* Hessian-vector products (problem.h): H_yy F = 2, H_xy F = 0;
 * H_yy f = H_xy f = -sin(x + y - 2). */
__kernel void toy_nonconvex_hvp_F(__global const real *x, __global const real *y, __global const real *v,
                                  __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = 0;
        hy[i] = 2 * v[i];
    }
}

__kernel void toy_nonconvex_hvp_f(__global const real *x, __global const real *y, __global const real *v,
                                  __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real h = -sin(x[i] + y[i] - 2) * v[i];
        hx[i] = h;
        hy[i] = h;
    }
}

/* t[r n + i] = F term i at y = row first + r of traj (rows of n). */
__kernel void toy_nonconvex_F_rows(__global const real *x, __global const real *traj, int first, __global real *t,
                                   int n)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i < n)
        t[(size_t)r * n + i] = toy_nonconvex_F(x[i], traj[(size_t)(first + r) * n + i]);
}
