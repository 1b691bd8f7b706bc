#pragma OPENCL FP_CONTRACT OFF
/* toy_iaptt_1d (IAPTT-GM paper, nonconvex follower), per coordinate:
 * F = x + x y,  f = -sin(x y),  x in [1, 10], y in [-2, 2]. */

static real toy_iaptt_F(real x, real y)
{
    return x + x * y;
}

__kernel void toy_iaptt_grad_F(__global const real *x, __global const real *y, __global real *gx,
                               __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        gx[i] = 1 + y[i];
        gy[i] = x[i];
    }
}

/* grad f = -cos(x y) (y, x) */
__kernel void toy_iaptt_grad_f(__global const real *x, __global const real *y, __global real *gx,
                               __global real *gy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real c = cos(x[i] * y[i]);
        gx[i] = -y[i] * c;
        gy[i] = -x[i] * c;
    }
}

/* Hessian-vector products (problem.h). F: H_yy = 0, H_xy = d/dx (x) = 1. */
__kernel void toy_iaptt_hvp_F(__global const real *x, __global const real *y, __global const real *v,
                              __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        hx[i] = v[i];
        hy[i] = 0;
    }
}

/* f: grad_y f = -x cos(x y), so H_yy = x^2 sin(x y) and
 * H_xy = d/dx (-x cos(x y)) = -cos(x y) + x y sin(x y). */
__kernel void toy_iaptt_hvp_f(__global const real *x, __global const real *y, __global const real *v,
                              __global real *hx, __global real *hy, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real xi = x[i], yi = y[i], s = sin(xi * yi), c = cos(xi * yi);
        hx[i] = (-c + xi * yi * s) * v[i];
        hy[i] = xi * xi * s * v[i];
    }
}

/* Rows of terms (each n long): F, f, (x - x*)^2, 1 - sin(x y) (= f - min f). */
__kernel void toy_iaptt_terms(__global const real *x, __global const real *y, __global real *t, int n)
{
    const real xstar = (real)8.63937979737193140577; /* 2.75 pi */
    int i = get_global_id(0);
    if (i < n) {
        real s = sin(x[i] * y[i]), dx = x[i] - xstar;
        t[i] = toy_iaptt_F(x[i], y[i]);
        t[n + i] = -s;
        t[2 * n + i] = dx * dx;
        t[3 * n + i] = 1 - s;
    }
}

/* t[r n + i] = F term i at y = row first + r of traj (rows of n). */
__kernel void toy_iaptt_F_rows(__global const real *x, __global const real *traj, int first, __global real *t,
                               int n)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i < n)
        t[(size_t)r * n + i] = toy_iaptt_F(x[i], traj[(size_t)(first + r) * n + i]);
}
