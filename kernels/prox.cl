#pragma OPENCL FP_CONTRACT OFF
/* Proximal maps and projections, applied in place. Weights and steps are
 * non-negative (checked on the host: problems reject negative weights).
 * proj_box and soft_threshold are in common.cl. */

__kernel void prox_box(__global real *v, int n, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n)
        v[i] = proj_box(v[i], lo, hi);
}

/* v <- prox of t lambda ||.||_1 (uniform weight lambda). */
__kernel void prox_l1(__global real *v, int n, real t)
{
    int i = get_global_id(0);
    if (i < n)
        v[i] = soft_threshold(v[i], t);
}

/* v <- prox of t sum_i w_i |v_i| (weights w >= 0, e.g. the UL variable). */
__kernel void prox_weighted_l1(__global real *v, __global const real *w, int n, real t)
{
    int i = get_global_id(0);
    if (i < n)
        v[i] = soft_threshold(v[i], t * w[i]);
}

/* Projection on the simplex {v >= 0, sum v = r}, one work group (global =
 * local size). The threshold tau with sum max(v_i - tau, 0) = r lies in
 * [max v - r, max v]; bisection narrows it to rounding (at most 200 steps,
 * stopping when the bracket no longer shrinks: the same on every work item),
 * then tau is recomputed exactly from the support {v_i > lo}. */
__kernel void prox_simplex(__global real *v, int n, real r, __local real *s)
{
    int lid = get_local_id(0), L = get_local_size(0);
    real m = -INFINITY;
    for (int i = lid; i < n; i += L)
        m = fmax(m, v[i]);
    real hi = group_max(s, m), lo = hi - r;
    for (int it = 0; it < 200; it++) {
        real mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        real excess = 0;
        for (int i = lid; i < n; i += L)
            excess += fmax(v[i] - mid, (real)0);
        if (group_sum(s, excess) > r)
            lo = mid;
        else
            hi = mid;
    }
    real sum = 0, cnt = 0;
    for (int i = lid; i < n; i += L)
        if (v[i] > lo) {
            sum += v[i];
            cnt += 1;
        }
    sum = group_sum(s, sum);
    cnt = group_sum(s, cnt);
    real tau = (sum - r) / cnt;
    for (int i = lid; i < n; i += L)
        v[i] = fmax(v[i] - tau, (real)0);
}
