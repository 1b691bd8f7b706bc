#pragma OPENCL FP_CONTRACT OFF
/* Proximal maps and projections, applied in place. */

/* Projection on the box [lo, hi] (lo/hi may be -inf/+inf). */
static real proj_box(real v, real lo, real hi)
{
    return fmin(fmax(v, lo), hi);
}

__kernel void prox_box(__global real *v, int n, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n)
        v[i] = proj_box(v[i], lo, hi);
}
