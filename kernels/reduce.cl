#pragma OPENCL FP_CONTRACT OFF
/* Fixed-shape sums: stage 1 runs G groups of L work items per row (global
 * size (G*L, rows)); work item t of group g adds elements g*L + t,
 * g*L + t + G*L, ... in order, then the group adds its L values by a tree in
 * local memory. Stage 2 (one group of L per row) adds the G partials the
 * same way (group_sum, common.cl). The order of additions depends only on (n, G, L): the same bits
 * on every run, and the same shape on every device. L must be a power of 2. */

__kernel void reduce_sum_stage1(__global const real *in, int n, __global real *partial, __local real *scratch)
{
    int lid = get_local_id(0), L = get_local_size(0);
    int grp = get_group_id(0), G = get_num_groups(0);
    int row = get_global_id(1);
    __global const real *x = in + (size_t)row * (size_t)n;
    real acc = 0;
    for (int i = grp * L + lid; i < n; i += G * L)
        acc += x[i];
    acc = group_sum(scratch, acc);
    if (lid == 0)
        partial[row * G + grp] = acc;
}

__kernel void reduce_sum_stage2(__global const real *partial, int G, __global real *out, int offset,
                                __local real *scratch)
{
    int lid = get_local_id(0), L = get_local_size(0);
    int row = get_global_id(1);
    real acc = 0;
    for (int j = lid; j < G; j += L)
        acc += partial[row * G + j];
    acc = group_sum(scratch, acc);
    if (lid == 0)
        out[offset + row] = acc;
}
