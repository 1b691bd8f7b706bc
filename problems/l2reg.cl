#pragma OPENCL FP_CONTRACT OFF
/* l2reg (shared/spec/problems.md): softmax regression (the forward and
 * fused gradient kernels of problems/hyperclean.cl) with one ridge weight per
 * feature, lambda_j = exp(x_j):
 *   (7) f = (1/n) sum_i CE_i + (1/2) sum_j exp(x_j) sum_c W[c, j]^2
 *   (8) grad_{W[c, j]} of the ridge = exp(x_j) W[c, j]
 *   (9) grad_{x_j} f = (1/2) exp(x_j) sum_c W[c, j]^2
 * One work item per feature j < d: flags & 1: gy[c d + j] += (8) (after
 * hc_grad_reduce has written the data term); flags & 2: gx[j] = (9) (also the
 * ridge's terms of the objective). */
__kernel void l2_ridge(__global const real *x, __global const real *y, __global real *gx, __global real *gy, int d,
                       int flags)
{
    int j = get_global_id(0);
    if (j >= d)
        return;
    real e = exp(x[j]), s = 0;
    for (int c = 0; c < HC_K; c++) {
        real w = y[c * d + j];
        s += w * w;
        if (flags & 1)
            gy[c * d + j] += e * w;
    }
    if (flags & 2)
        gx[j] = (real)0.5 * e * s;
}
