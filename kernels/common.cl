/* Prepended to every bloc program. BLOC_FP64 (0/1) comes from the build
 * options; `real` is the working precision of every vector. */
#pragma OPENCL FP_CONTRACT OFF
#if BLOC_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#else
typedef float real;
#endif

/* BLOC_CPU and BLOC_GPU (0/1, from the build options: the device is a CPU,
 * a GPU; both 0 on a simulator) gate hints that only one kind of compiler
 * takes. The sums are the same with or without them.
 * - BLOC_UNROLL_8: partial unrolling of a loop whose trip count is known at
 *   run time only (the loads of 8 steps in flight together on a GPU); a CPU
 *   compiler that vectorizes across work items cannot honour it and says
 *   so in the build log.
 * - BLOC_PREFETCH(p): fetch the cache line at p ahead of its use, without
 *   waiting for it (the prefetch instruction, locality 2: prefetcht1, to
 *   the outer caches, leaving L1 to the data in use; on a 2-core EPYC it
 *   took 10% to 20% more off the passes than prefetcht0). PoCL's
 *   prefetch() does nothing, so it is clang's builtin; Oclgrind cannot
 *   run that.
 * - BLOC_SCALAR_LOOP: keep the next loop scalar. A strided copy otherwise
 *   becomes gathers or scatters, one element at a time on a CPU (a scatter
 *   of R took 8% of hc_forward on the EPYC). */
#if BLOC_CPU
#define BLOC_SCALAR_LOOP _Pragma("clang loop vectorize(disable)")
#else
#define BLOC_SCALAR_LOOP
#endif
#if BLOC_GPU
#define BLOC_UNROLL_8 _Pragma("unroll 8")
#else
#define BLOC_UNROLL_8
#endif
#if BLOC_CPU && defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
#define BLOC_PREFETCH(p) __builtin_prefetch(p, 0, 2)
#endif
#endif
#ifndef BLOC_PREFETCH
#define BLOC_PREFETCH(p) ((void)0)
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
