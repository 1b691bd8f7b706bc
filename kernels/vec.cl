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
