#pragma OPENCL FP_CONTRACT OFF
/* Kernels of the first-order baselines. */

/* BOME (Liu et al., NeurIPS 2022) step with its data-dependent weight:
 * lambda = max(eta_b ||grad q||^2 - grad F . grad q, 0) / ||grad q||^2
 * (0 when grad q = 0), from the dot products dots = [q.q over x, F.q over x,
 * q.q over y, F.q over y]; z <- Proj(z - xi (grad F + lambda grad q)). */
__kernel void bome_step(__global real *z, __global const real *gF, __global const real *gq, int n, real xi,
                        real eta_b, __global const real *dots, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n) {
        real qq = dots[0] + dots[2], Fq = dots[1] + dots[3];
        real lambda = qq > 0 ? fmax(eta_b * qq - Fq, (real)0) / qq : (real)0;
        z[i] = proj_box(z[i] - xi * (gF[i] + lambda * gq[i]), lo, hi);
    }
}
