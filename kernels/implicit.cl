#pragma OPENCL FP_CONTRACT OFF
/* The implicit family's vector updates (host/solvers/implicit.h,
 * shared/spec/algorithms.md). All 1-D over n items, bounds-checked; device
 * scalars (norms, CG's r.r and p.Ap) come from fixed-shape reductions.
 * Needs kernels/rng.cl before it (TTSA's truncation draw). */

/* y <- y - step g (an SGD step on the LL variable) */
__kernel void implicit_sgd(__global real *y, __global const real *g, int n, real step)
{
    int i = get_global_id(0);
    if (i < n)
        y[i] = y[i] - step * g[i];
}

/* z <- z - nu (H z - b): one SGD step on the linear system H z = grad_y F */
__kernel void implicit_z_step(__global real *z, __global const real *hz, __global const real *b, int n, real nu)
{
    int i = get_global_id(0);
    if (i < n)
        z[i] = z[i] - nu * (hz[i] - b[i]);
}

/* dst <- c src (dst may be src) */
__kernel void implicit_scale(__global real *dst, __global const real *src, int n, real c)
{
    int i = get_global_id(0);
    if (i < n)
        dst[i] = c * src[i];
}

/* Neumann term: p <- p - alpha H p (hp = H p), v <- v + p */
__kernel void implicit_neumann_term(__global real *p, __global const real *hp, __global real *v, int n, real alpha)
{
    int i = get_global_id(0);
    if (i < n) {
        real q = p[i] - alpha * hp[i];
        p[i] = q;
        v[i] = v[i] + q;
    }
}

/* Random truncation (TTSA): factor i of the product, p <- p - alpha H p,
 * applied only when i <= q (q = trunc[0], drawn on the device). */
__kernel void implicit_trunc_term(__global real *p, __global const real *hp, int n, real alpha,
                                  __global const real *trunc, int i)
{
    int j = get_global_id(0);
    if (j < n && (real)i <= trunc[0])
        p[j] = p[j] - alpha * hp[j];
}

/* trunc[0] <- q uniform in {0, .., Q - 1}: draw 0 of (seed, stream, iteration). */
__kernel void implicit_draw_trunc(__global real *trunc, uint k0, uint k1, uint stream, uint iter, int Q)
{
    if (get_global_id(0) == 0)
        trunc[0] = (real)rng_index(k0, k1, stream, iter, 0u, (uint)Q);
}

/* t <- a .* b (terms of a dot product for reduce_rows) */
__kernel void implicit_prod(__global const real *a, __global const real *b, __global real *t, int n)
{
    int i = get_global_id(0);
    if (i < n)
        t[i] = a[i] * b[i];
}

/* CG start: r <- b - hv (hv = H v of the warm start; b alone from zero), p <- r */
__kernel void implicit_cg_init(__global real *r, __global real *p, __global const real *b, __global const real *hv,
                               int n, int warm)
{
    int i = get_global_id(0);
    if (i < n) {
        real ri = warm ? b[i] - hv[i] : b[i];
        r[i] = ri;
        p[i] = ri;
    }
}

/* CG step, first half: alpha = r.r / p.Ap (s[rs], s[pap]); 0 when either is
 * not positive (converged, or H not positive definite along p):
 * v <- v + alpha p, r <- r - alpha Ap. */
__kernel void implicit_cg_step(__global real *v, __global real *r, __global const real *p, __global const real *ap,
                               __global const real *s, int rs, int pap, int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real a = s[rs] > 0 && s[pap] > 0 ? s[rs] / s[pap] : (real)0;
        v[i] = v[i] + a * p[i];
        r[i] = r[i] - a * ap[i];
    }
}

/* CG step, second half: beta = s[rs_new] / s[rs] (0 when s[rs] = 0), p <- r + beta p. */
__kernel void implicit_cg_dir(__global real *p, __global const real *r, __global const real *s, int rs, int rs_new,
                              int n)
{
    int i = get_global_id(0);
    if (i < n) {
        real b = s[rs] > 0 ? s[rs_new] / s[rs] : (real)0;
        p[i] = r[i] + b * p[i];
    }
}

/* hgx <- gxF - hx: the implicit hypergradient grad_x F - H_xy f v */
__kernel void implicit_hypergrad(__global real *hgx, __global const real *gxF, __global const real *hx, int n)
{
    int i = get_global_id(0);
    if (i < n)
        hgx[i] = gxF[i] - hx[i];
}

/* m <- beta m + (1 - beta) d, t <- m .* m (terms of ||m||^2) */
__kernel void implicit_momentum(__global real *m, __global const real *d, __global real *t, int n, real beta)
{
    int i = get_global_id(0);
    if (i < n) {
        real q = beta * m[i] + (1 - beta) * d[i];
        m[i] = q;
        t[i] = q * q;
    }
}

/* x <- Proj_[lo,hi](x - eta d) */
__kernel void implicit_x_step(__global real *x, __global const real *d, int n, real eta, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n)
        x[i] = proj_box(x[i] - eta * d[i], lo, hi);
}

/* Normalized step x <- Proj_[lo,hi](x - eta m / ||m||), ||m||^2 = s[k] from
 * a device reduction; no step when m = 0. */
__kernel void implicit_normalized_step(__global real *x, __global const real *m, __global const real *s, int k, int n,
                                       real eta, real lo, real hi)
{
    int i = get_global_id(0);
    if (i < n) {
        real nrm = sqrt(s[k]);
        if (nrm > 0)
            x[i] = proj_box(x[i] - eta * (m[i] / nrm), lo, hi);
    }
}
