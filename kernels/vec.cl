#pragma OPENCL FP_CONTRACT OFF
/* Element-wise vector operations (1-D, bounds-checked). */

/* y <- x */
__kernel void vec_copy(__global const real *x, __global real *y, int n)
{
    int i = get_global_id(0);
    if (i < n)
        y[i] = x[i];
}

/* z <- a x + b y */
__kernel void vec_axpby(__global const real *x, __global const real *y, __global real *z, int n, real a,
                        real b)
{
    int i = get_global_id(0);
    if (i < n)
        z[i] = a * x[i] + b * y[i];
}

/* Fused first-order steps (require prox.cl for the box):
 * z <- Proj_[lo,hi]( z - s (a u + b v) ) */
__kernel void vec_step2(__global real *z, __global const real *u, __global const real *v, int n, real s, real a,
                        real b, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n)
        z[i] = proj_box(z[i] - s * (a * u[i] + b * v[i]), lo, hi);
}

/* z <- Proj_[lo,hi]( z - s (a u + b (v - w)) ): the x step of the value-function
 * methods, u = grad_x F(x, y), v - w = grad_x phi(x, y) - grad_x phi(x, theta). */
__kernel void vec_step_diff(__global real *z, __global const real *u, __global const real *v,
                            __global const real *w, int n, real s, real a, real b, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n)
        z[i] = proj_box(z[i] - s * (a * u[i] + b * (v[i] - w[i])), lo, hi);
}

/* Rows of products for dot products by reduce_rows: t = [a .* b ; c .* d]. */
__kernel void vec_dot_terms(__global const real *a, __global const real *b, __global const real *c,
                            __global const real *d, __global real *t, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        t[i] = a[i] * b[i];
        t[n + i] = c[i] * d[i];
    }
}
