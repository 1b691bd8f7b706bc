/* Prepended to every bloc program. BLOC_FP64 (0/1) comes from the build
 * options; `real` is the working precision of every vector. */
#pragma OPENCL FP_CONTRACT OFF
#if BLOC_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#else
typedef float real;
#endif

/* BLOC_GPU (0/1, the device type, from the build options) gates hints only
 * a GPU compiler can honour: partial unrolling of a loop whose trip count
 * is known at run time only (a CPU compiler that vectorizes across work
 * items reports that it cannot, a warning in the build log). The sums are
 * the same either way. */
#if BLOC_GPU
#define BLOC_UNROLL_8 _Pragma("unroll 8")
#else
#define BLOC_UNROLL_8
#endif

/* Work-group sum and max of one value per work item, by a fixed tree in
 * local memory s[0 .. L) (L = local size, a power of two). Every work item
 * must call them (they contain barriers) and gets the result. */
static real group_sum(__local real *s, real v)
{
    int lid = get_local_id(0), L = get_local_size(0);
    s[lid] = v;
    for (int h = L / 2; h > 0; h >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < h)
            s[lid] += s[lid + h];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    real r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

static real group_max(__local real *s, real v)
{
    int lid = get_local_id(0), L = get_local_size(0);
    s[lid] = v;
    for (int h = L / 2; h > 0; h >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < h)
            s[lid] = fmax(s[lid], s[lid + h]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    real r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

/* Projection on the box [lo, hi] (lo/hi may be -inf/+inf). */
static real proj_box(real v, real lo, real hi)
{
    return fmin(fmax(v, lo), hi);
}

/* prox of t |.|: sign(v) max(|v| - t, 0). t = +inf gives 0, v = +-inf with
 * finite t stays +-inf. */
static real soft_threshold(real v, real t)
{
    real a = fabs(v) - t;
    return a > 0 ? copysign(a, v) : (real)0;
}
