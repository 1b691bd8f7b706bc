#pragma OPENCL FP_CONTRACT OFF
/* Central-difference Hessian-vector products from the gradient oracle
 * (shared/spec/algorithms.md, host/hvp.h):
 *   [grad(x, y + eps v) - grad(x, y - eps v)] / (2 eps) = (H_xy v, H_yy v).
 * norms = [||v||^2, ||y||^2] (device sums). The step has length
 * h = eps ||v|| = c (1 + ||y|| / sqrt(ny)), c = cube root of the unit
 * roundoff (set on the host), so eps = h / ||v||, and 0 when v = 0. */

static real hvp_fd_eps(__global const real *norms, int ny, real c)
{
    real vn = sqrt(norms[0]);
    return vn > 0 ? c * (1 + sqrt(norms[1] / (real)ny)) / vn : (real)0;
}

/* yp <- y + eps v, ym <- y - eps v */
__kernel void hvp_fd_points(__global const real *y, __global const real *v, __global real *yp, __global real *ym,
                            __global const real *norms, int ny, real c)
{
    int i = get_global_id(0);
    if (i < ny) {
        real e = hvp_fd_eps(norms, ny, c);
        yp[i] = y[i] + e * v[i];
        ym[i] = y[i] - e * v[i];
    }
}

/* (hx, hy) <- (grad(yp) - grad(ym)) / (2 eps), or 0 when v = 0; over max(nx, ny) items. */
__kernel void hvp_fd_combine(__global const real *gxp, __global const real *gyp, __global const real *gxm,
                             __global const real *gym, __global real *hx, __global real *hy,
                             __global const real *norms, int nx, int ny, real c)
{
    int i = get_global_id(0);
    real e = hvp_fd_eps(norms, ny, c);
    if (i < nx)
        hx[i] = e > 0 ? (gxp[i] - gxm[i]) / (2 * e) : (real)0;
    if (i < ny)
        hy[i] = e > 0 ? (gyp[i] - gym[i]) / (2 * e) : (real)0;
}
