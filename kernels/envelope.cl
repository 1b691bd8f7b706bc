#pragma OPENCL FP_CONTRACT OFF
/* MEHA's fused updates (Liu et al., ICML 2024, Algorithm 1; see
 * shared/spec/algorithms.md). ick = 1 / c_k.  */

/* theta <- theta - eta * (grad_y f(x, theta) + (theta - y) / gamma) */
__kernel void meha_theta_step(__global real *theta, __global const real *y, __global const real *gy_theta,
                              int n, real eta, real gamma)
{
    int i = get_global_id(0);
    if (i < n)
        theta[i] = theta[i] - eta * (gy_theta[i] + (theta[i] - y[i]) / gamma);
}

/* x <- Proj_[lo,hi]( x - alpha * (ick grad_x F(x,y) + grad_x f(x,y) - grad_x f(x,theta)) ) */
__kernel void meha_x_step(__global real *x, __global const real *gxF, __global const real *gxf_y,
                          __global const real *gxf_theta, int n, real alpha, real ick, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n) {
        real d = ick * gxF[i] + gxf_y[i] - gxf_theta[i];
        x[i] = proj_box(x[i] - alpha * d, lo, hi);
    }
}

/* y <- y - beta * (ick grad_y F(x,y) + grad_y f(x,y) - (y - theta) / gamma) */
__kernel void meha_y_step(__global real *y, __global const real *theta, __global const real *gyF,
                          __global const real *gyf_y, int n, real beta, real ick, real gamma)
{
    int i = get_global_id(0);
    if (i < n) {
        real d = ick * gyF[i] + gyf_y[i] - (y[i] - theta[i]) / gamma;
        y[i] = y[i] - beta * d;
    }
}
