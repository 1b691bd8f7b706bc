/* quadratic: a bilevel problem with quadratic levels and a closed-form
 * hypergradient (definitions, generator and .npy layout in quadratic.h).
 * The host builds the instance in double (seeded or from .npy) and A^-1 by
 * Cholesky; the device evaluates gradients and metrics with dense
 * mat-vecs (kernels/linalg.cl, problems/quadratic.cl). */
#include "quadratic.h"
#include "rng.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

/* The generator must give the same bits on every machine, so no a * b + c
 * may become a fused multiply-add: GCC in ISO C mode (-std=c11, as CMake
 * sets it) never contracts; clang contracts unless told. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define MAX_DIM 4096
#define SYM_TOL 1e-6   /* symmetry tolerance, relative to the largest entry */
#define PSD_TOL 1e-9   /* AF + PSD_TOL ny max(1, max|AF|) I must factor */
#define MAX_COND 1e10  /* largest L / mu of a generated A */

enum { P_DIM_X, P_DIM_Y, P_MU, P_L, P_X0, P_Y0, P_NPY, P_BATCH, P_SAMPLES, P_NOISE, P_DATA_SEED, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_DIM_X] = {"dim_x", BLOC_PARAM_INT, 20, 1, MAX_DIM, 0, "dimension of x"},
    [P_DIM_Y] = {"dim_y", BLOC_PARAM_INT, 20, 1, MAX_DIM, 0, "dimension of y"},
    [P_MU] = {"mu", BLOC_PARAM_REAL, 0.5, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "smallest eigenvalue of A (generator)"},
    [P_L] = {"L", BLOC_PARAM_REAL, 5, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "largest eigenvalue of A (generator)"},
    [P_X0] = {"x0", BLOC_PARAM_REAL, 0, -HUGE_VAL, HUGE_VAL, 0, "start value of every x_i"},
    [P_Y0] = {"y0", BLOC_PARAM_REAL, 0, -HUGE_VAL, HUGE_VAL, 0, "start value of every y_j"},
    [P_NPY] = {"npy", BLOC_PARAM_INT, 0, 0, 1, 0, "1: read the matrices from $BLOC_DATA_DIR/*.npy"},
    [P_BATCH] = {"batch", BLOC_PARAM_INT, 0, 0, 1e6, 0, "minibatch size of stochastic oracles (0: full batch)"},
    [P_SAMPLES] = {"samples", BLOC_PARAM_INT, 1000, 2, 1e6, 0, "samples of the stochastic mode (even)"},
    [P_NOISE] = {"noise", BLOC_PARAM_REAL, 0.5, 0, 1, BLOC_PARAM_HI_OPEN, "amplitude of the sample terms"},
    [P_DATA_SEED] = {"data_seed", BLOC_PARAM_INT, -1, -1, 2147483647, 0,
                     "seed of the instance and its samples (-1: the config seed)"},
};

static const char *const metrics[] = {"hypergrad_sq", "ll_dist_sq"};

/* ---- seeded generator (quadratic.h) */

/* out (n x n) = scale G G', G n x k; computed on i <= j and mirrored. */
static void gram(const double *G, size_t n, size_t k, double scale, double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < k; l++)
                s += G[i * k + l] * G[j * k + l];
            out[i * n + j] = out[j * n + i] = scale * s;
        }
}

/* Q (n x n) orthogonal with G = Q R: Householder reflections H_k applied to
 * R (= G on entry, overwritten) from the left, accumulated as Q = H_0 H_1 ... */
static void householder_q(double *R, size_t n, double *Q, double *v)
{
    for (size_t i = 0; i < n * n; i++)
        Q[i] = i % (n + 1) == 0;
    for (size_t k = 0; k + 1 < n; k++) {
        double norm = 0, vv = 0;
        for (size_t i = k; i < n; i++)
            norm += R[i * n + k] * R[i * n + k];
        norm = sqrt(norm);
        for (size_t i = k; i < n; i++)
            v[i] = R[i * n + k];
        v[k] += R[k * n + k] >= 0 ? norm : -norm; /* v = x + sign(x_k) ||x|| e_k */
        for (size_t i = k; i < n; i++)
            vv += v[i] * v[i];
        if (vv == 0)
            continue;
        for (size_t j = k; j < n; j++) { /* R <- (I - 2 v v' / v'v) R */
            double s = 0;
            for (size_t i = k; i < n; i++)
                s += v[i] * R[i * n + j];
            for (size_t i = k; i < n; i++)
                R[i * n + j] -= 2 * s / vv * v[i];
        }
        for (size_t i = 0; i < n; i++) { /* Q <- Q (I - 2 v v' / v'v) */
            double s = 0;
            for (size_t l = k; l < n; l++)
                s += Q[i * n + l] * v[l];
            for (size_t l = k; l < n; l++)
                Q[i * n + l] -= 2 * s / vv * v[l];
        }
    }
}

/* A = Q diag(e) Q', exactly symmetric. */
static void spectral(const double *Q, const double *e, size_t n, double *A)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += Q[i * n + k] * e[k] * Q[j * n + k];
            A[i * n + j] = A[j * n + i] = s;
        }
}

/* ---- Cholesky and the inverse */

/* A = Lc Lc' (lower). Returns -1 with the failing pivot when A is not
 * numerically positive definite. */
static int cholesky(const double *A, size_t n, double shift, double *Lc, size_t *piv, double *pval)
{
    memset(Lc, 0, n * n * sizeof *Lc);
    for (size_t j = 0; j < n; j++) {
        double d = A[j * n + j] + shift;
        for (size_t k = 0; k < j; k++)
            d -= Lc[j * n + k] * Lc[j * n + k];
        if (!(d > 0)) {
            *piv = j;
            *pval = d;
            return -1;
        }
        Lc[j * n + j] = sqrt(d);
        for (size_t i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (size_t k = 0; k < j; k++)
                s -= Lc[i * n + k] * Lc[j * n + k];
            Lc[i * n + j] = s / Lc[j * n + j];
        }
    }
    return 0;
}

/* Ainv = Lc^-T Lc^-1 from the Cholesky factor; W is n x n scratch (Lc^-1). */
static void inverse_from_cholesky(const double *Lc, size_t n, double *W, double *Ainv)
{
    memset(W, 0, n * n * sizeof *W);
    for (size_t c = 0; c < n; c++) { /* column c of Lc^-1 by forward substitution */
        W[c * n + c] = 1 / Lc[c * n + c];
        for (size_t i = c + 1; i < n; i++) {
            double s = 0;
            for (size_t k = c; k < i; k++)
                s += Lc[i * n + k] * W[k * n + c];
            W[i * n + c] = -s / Lc[i * n + i];
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double s = 0;
            for (size_t k = j; k < n; k++)
                s += W[k * n + i] * W[k * n + j];
            Ainv[i * n + j] = Ainv[j * n + i] = s;
        }
}

/* ---- instances */

void bloc_quadratic_free(bloc_quadratic_t *q)
{
    double **m[] = {&q->A, &q->C, &q->a, &q->B, &q->b, &q->AF, &q->CF, &q->aF, &q->BF, &q->bF, &q->Ainv};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        free(*m[i]);
        *m[i] = NULL;
    }
}

static int alloc_instance(bloc_quadratic_t *q, size_t nx, size_t ny, bloc_error_t *err)
{
    memset(q, 0, sizeof *q);
    q->nx = nx;
    q->ny = ny;
    q->A = calloc(ny * ny, sizeof(double));
    q->C = calloc(nx * ny, sizeof(double));
    q->a = calloc(ny, sizeof(double));
    q->B = calloc(nx * nx, sizeof(double));
    q->b = calloc(nx, sizeof(double));
    q->AF = calloc(ny * ny, sizeof(double));
    q->CF = calloc(nx * ny, sizeof(double));
    q->aF = calloc(ny, sizeof(double));
    q->BF = calloc(nx * nx, sizeof(double));
    q->bF = calloc(nx, sizeof(double));
    q->Ainv = calloc(ny * ny, sizeof(double));
    if (q->A && q->C && q->a && q->B && q->b && q->AF && q->CF && q->aF && q->BF && q->bF && q->Ainv)
        return BLOC_OK;
    bloc_quadratic_free(q);
    return bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory for dim_x = %zu, dim_y = %zu", nx, ny);
}

/* Ainv from A; what names A in messages ("A.npy" path or "generated"). */
static int invert_A(bloc_quadratic_t *q, const char *path, bloc_error_t *err)
{
    size_t n = q->ny, piv = 0;
    double pval = 0;
    double *Lc = malloc(n * n * sizeof *Lc), *W = malloc(n * n * sizeof *W);
    int st = BLOC_OK;
    if (!Lc || !W)
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory for dim_y = %zu", n);
    else if (cholesky(q->A, n, 0, Lc, &piv, &pval))
        st = path ? bloc_error_set(err, BLOC_ERR_DATA,
                                   "%s: not positive definite (Cholesky pivot %zu is %.6g): A must be symmetric "
                                   "positive definite", path, piv, pval)
                  : bloc_error_set(err, BLOC_ERR_PARAM,
                                   "quadratic: the generated A is not numerically positive definite (Cholesky "
                                   "pivot %zu is %.6g): lower the condition number L / mu", piv, pval);
    else
        inverse_from_cholesky(Lc, n, W, q->Ainv);
    free(Lc);
    free(W);
    return st;
}

int bloc_quadratic_generate(bloc_quadratic_t *q, size_t nx, size_t ny, double mu, double L, unsigned long seed,
                            bloc_error_t *err)
{
    int st = alloc_instance(q, nx, ny, err);
    if (st)
        return st;
    size_t n = nx + ny;
    double *G = malloc(n * n * sizeof *G), *Q = malloc(ny * ny * sizeof *Q), *w = malloc(n * sizeof *w);
    double *H = malloc(n * n * sizeof *H);
    if (!G || !Q || !w || !H) {
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory for dim_x = %zu, dim_y = %zu", nx, ny);
        goto out;
    }
    bloc_rng_t r;
    /* A = Q diag(e) Q', e spread evenly over [mu, L] */
    r = bloc_rng_stream(seed, 0);
    bloc_rng_fill_normal(&r, G, ny * ny, 1);
    householder_q(G, ny, Q, w);
    for (size_t k = 0; k < ny; k++)
        w[k] = ny > 1 ? mu + (L - mu) * (double)k / (double)(ny - 1) : mu;
    spectral(Q, w, ny, q->A);
    r = bloc_rng_stream(seed, 1);
    bloc_rng_fill_normal(&r, q->C, nx * ny, 1 / sqrt((double)n));
    r = bloc_rng_stream(seed, 2);
    bloc_rng_fill_normal(&r, q->a, ny, 1);
    r = bloc_rng_stream(seed, 3);
    bloc_rng_fill_normal(&r, G, nx * nx, 1);
    gram(G, nx, nx, 1 / (double)nx, q->B);
    r = bloc_rng_stream(seed, 4);
    bloc_rng_fill_normal(&r, q->b, nx, 1);
    /* UL: H = G G' / n over (x, y); BF = H_xx + I, CF = H_xy, AF = H_yy */
    r = bloc_rng_stream(seed, 5);
    bloc_rng_fill_normal(&r, G, n * n, 1);
    gram(G, n, n, 1 / (double)n, H);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double h = H[i * n + j];
            if (i < nx && j < nx)
                q->BF[i * nx + j] = h + (i == j);
            else if (i < nx)
                q->CF[i * ny + (j - nx)] = h;
            else if (j >= nx)
                q->AF[(i - nx) * ny + (j - nx)] = h;
        }
    r = bloc_rng_stream(seed, 6);
    bloc_rng_fill_normal(&r, q->aF, ny, 1);
    r = bloc_rng_stream(seed, 7);
    bloc_rng_fill_normal(&r, q->bF, nx, 1);
    st = invert_A(q, NULL, err);
out:
    free(G);
    free(Q);
    free(w);
    free(H);
    if (st)
        bloc_quadratic_free(q);
    return st;
}

/* ---- stochastic mode (quadratic.h) */

void bloc_quadratic_noise_free(bloc_quadratic_noise_t *z)
{
    free(z->sf);
    free(z->sF);
    z->sf = z->sF = NULL;
}

int bloc_quadratic_noise(bloc_quadratic_noise_t *z, const bloc_quadratic_t *q, size_t n, double noise,
                         unsigned long seed, bloc_error_t *err)
{
    size_t nx = q->nx, ny = q->ny, wf = 1 + ny, wF = nx + ny;
    z->n = n;
    z->sf = malloc(n * wf * sizeof *z->sf);
    z->sF = malloc(n * wF * sizeof *z->sF);
    if (!z->sf || !z->sF) {
        bloc_quadratic_noise_free(z);
        return bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory for %zu samples", n);
    }
    bloc_rng_t rr = bloc_rng_stream(seed, 8), rd = bloc_rng_stream(seed, 9);
    bloc_rng_t rdF = bloc_rng_stream(seed, 10), reF = bloc_rng_stream(seed, 11);
    for (size_t j = 0; j + 1 < n; j += 2) {
        double *f0 = z->sf + j * wf, *f1 = f0 + wf, *F0 = z->sF + j * wF, *F1 = F0 + wF;
        f0[0] = noise * (2 * bloc_rng_uniform(&rr) - 1);
        bloc_rng_fill_normal(&rd, f0 + 1, ny, noise);
        bloc_rng_fill_normal(&reF, F0, nx, noise);
        bloc_rng_fill_normal(&rdF, F0 + nx, ny, noise);
        for (size_t c = 0; c < wf; c++) /* antithetic partner: the pair's mean is 0 */
            f1[c] = -f0[c];
        for (size_t c = 0; c < wF; c++)
            F1[c] = -F0[c];
    }
    return BLOC_OK;
}

/* ---- exact solution on the host */

void bloc_quadratic_ystar(const bloc_quadratic_t *q, const double *x, double *ystar)
{
    size_t nx = q->nx, ny = q->ny;
    for (size_t i = 0; i < ny; i++) {
        double s = 0;
        for (size_t j = 0; j < ny; j++) {
            double r = q->a[j];
            for (size_t k = 0; k < nx; k++)
                r += q->C[k * ny + j] * x[k];
            s += q->Ainv[i * ny + j] * r;
        }
        ystar[i] = -s;
    }
}

void bloc_quadratic_hypergrad(const bloc_quadratic_t *q, const double *x, double *out)
{
    size_t nx = q->nx, ny = q->ny;
    double *ys = malloc(ny * sizeof *ys), *gy = malloc(ny * sizeof *gy), *w = malloc(ny * sizeof *w);
    if (!ys || !gy || !w) {
        for (size_t i = 0; i < nx; i++)
            out[i] = NAN;
        goto out;
    }
    bloc_quadratic_ystar(q, x, ys);
    for (size_t j = 0; j < ny; j++) { /* grad_y F = AF y* + CF'x + aF */
        double s = q->aF[j];
        for (size_t k = 0; k < ny; k++)
            s += q->AF[j * ny + k] * ys[k];
        for (size_t k = 0; k < nx; k++)
            s += q->CF[k * ny + j] * x[k];
        gy[j] = s;
    }
    for (size_t j = 0; j < ny; j++) {
        double s = 0;
        for (size_t k = 0; k < ny; k++)
            s += q->Ainv[j * ny + k] * gy[k];
        w[j] = s;
    }
    for (size_t i = 0; i < nx; i++) { /* grad_x F - C w, grad_x F = CF y* + BF x + bF */
        double s = q->bF[i];
        for (size_t k = 0; k < ny; k++)
            s += q->CF[i * ny + k] * ys[k] - q->C[i * ny + k] * w[k];
        for (size_t k = 0; k < nx; k++)
            s += q->BF[i * nx + k] * x[k];
        out[i] = s;
    }
out:
    free(ys);
    free(gy);
    free(w);
}

/* ---- .npy instances */

/* Checks M (n x n) symmetric to SYM_TOL max|M| and replaces it by its
 * symmetric part. */
static int symmetrize(double *M, size_t n, const char *path, bloc_error_t *err)
{
    double big = 0;
    for (size_t i = 0; i < n * n; i++)
        big = fmax(big, fabs(M[i]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double u = M[i * n + j], l = M[j * n + i];
            if (fabs(u - l) > SYM_TOL * big)
                return bloc_error_set(err, BLOC_ERR_DATA,
                                      "%s: not symmetric: element (%zu, %zu) is %.9g but (%zu, %zu) is %.9g", path,
                                      i, j, u, j, i, l);
            M[i * n + j] = M[j * n + i] = 0.5 * (u + l);
        }
    return BLOC_OK;
}

/* AF + tau I must factor, tau = PSD_TOL ny max(1, max|AF|). */
static int check_psd(const double *M, size_t n, const char *path, bloc_error_t *err)
{
    double big = 1, pval = 0;
    size_t piv = 0;
    for (size_t i = 0; i < n * n; i++)
        big = fmax(big, fabs(M[i]));
    double tau = PSD_TOL * (double)n * big;
    double *Lc = malloc(n * n * sizeof *Lc);
    if (!Lc)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory for dim_y = %zu", n);
    int bad = cholesky(M, n, tau, Lc, &piv, &pval);
    free(Lc);
    if (bad)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: not positive semidefinite (Cholesky of AF + %.3g I fails at pivot %zu): AF must "
                              "be symmetric positive semidefinite", path, tau, piv);
    return BLOC_OK;
}

int bloc_quadratic_load(bloc_quadratic_t *q, size_t nx, size_t ny, const char *dir, bloc_error_t *err)
{
    int st = alloc_instance(q, nx, ny, err);
    if (st)
        return st;
    struct {
        const char *file;
        double *dst;
        size_t rows, cols; /* cols 0: a vector */
    } files[] = {
        {"A.npy", q->A, ny, ny},   {"C.npy", q->C, nx, ny},   {"a.npy", q->a, ny, 0},
        {"B.npy", q->B, nx, nx},   {"b.npy", q->b, nx, 0},    {"AF.npy", q->AF, ny, ny},
        {"CF.npy", q->CF, nx, ny}, {"aF.npy", q->aF, ny, 0},  {"BF.npy", q->BF, nx, nx},
        {"bF.npy", q->bF, nx, 0},
    };
    char path[4096];
    for (size_t f = 0; f < sizeof files / sizeof *files && !st; f++) {
        size_t shape[2] = {files[f].rows, files[f].cols};
        int ndim = files[f].cols ? 2 : 1;
        bloc_npy_array_t arr;
        snprintf(path, sizeof path, "%s/%s", dir, files[f].file);
        if ((st = bloc_npy_read(path, ndim, shape, &arr, err)))
            break;
        memcpy(files[f].dst, arr.data, arr.count * sizeof *arr.data);
        bloc_npy_free(&arr);
        if (ndim == 2 && files[f].rows == files[f].cols && files[f].dst != q->C && files[f].dst != q->CF)
            st = symmetrize(files[f].dst, files[f].rows, path, err);
        if (!st && files[f].dst == q->A)
            st = invert_A(q, path, err);
        if (!st && files[f].dst == q->AF)
            st = check_psd(q->AF, ny, path, err);
    }
    if (st)
        bloc_quadratic_free(q);
    return st;
}

/* ---- the problem descriptor */

typedef struct {
    bloc_quadratic_t q;
    bloc_quadratic_noise_t z;  /* stochastic mode only */
    int f[5], F[5];   /* device A, C, a, B, b of the LL f and of the UL F */
    int Ainv;
    int sf, sF, mean; /* sample terms and their batch means (stochastic mode) */
} priv_t;

const bloc_quadratic_t *bloc_quadratic_instance(const bloc_problem_t *pb)
{
    return pb->data ? &((const priv_t *)pb->data)->q : NULL;
}

const bloc_quadratic_noise_t *bloc_quadratic_samples(const bloc_problem_t *pb)
{
    const priv_t *pv = pb->data;
    return pv && pv->z.sf ? &pv->z : NULL;
}

/* The table's ranges again: the config loader checks them, direct callers
 * (tests, future front ends) may not. */
static int check_params(const double *p, bloc_error_t *err)
{
    char range[128];
    for (int i = 0; i < NPARAMS; i++) {
        if (!bloc_param_in_range(&params[i], p[i], range, sizeof range))
            return bloc_error_set(err, BLOC_ERR_PARAM, "quadratic: %s = %g %s", params[i].name, p[i], range);
        if (params[i].type == BLOC_PARAM_INT && p[i] != floor(p[i]))
            return bloc_error_set(err, BLOC_ERR_PARAM, "quadratic: %s = %g must be an integer", params[i].name, p[i]);
    }
    if (p[P_NPY] == 0 && p[P_MU] > p[P_L])
        return bloc_error_set(err, BLOC_ERR_PARAM, "quadratic: mu = %g exceeds L = %g (the eigenvalues of A lie in "
                              "[mu, L])", p[P_MU], p[P_L]);
    if ((long)p[P_SAMPLES] % 2)
        return bloc_error_set(err, BLOC_ERR_PARAM, "quadratic: samples = %g must be even (antithetic pairs)",
                              p[P_SAMPLES]);
    if (p[P_NPY] == 0 && p[P_L] > MAX_COND * p[P_MU])
        return bloc_error_set(err, BLOC_ERR_PARAM, "quadratic: L / mu = %g exceeds %g: A^-1 would not be accurate "
                              "in double precision", p[P_L] / p[P_MU], MAX_COND);
    return BLOC_OK;
}

static int init(bloc_problem_t *pb, bloc_error_t *err)
{
    const double *p = pb->params;
    int st = check_params(p, err);
    if (st)
        return st;
    priv_t *pv = calloc(1, sizeof *pv);
    if (!pv)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "quadratic: out of memory");
    pb->data = pv;
    pv->sf = pv->sF = pv->mean = -1;
    unsigned long data_seed = p[P_DATA_SEED] >= 0 ? (unsigned long)p[P_DATA_SEED] : pb->seed;
    pb->nx = (size_t)p[P_DIM_X];
    pb->ny = (size_t)p[P_DIM_Y];
    if (p[P_NPY] == 1) {
        const char *dir = getenv("BLOC_DATA_DIR");
        if (!dir || !*dir)
            return bloc_error_set(err, BLOC_ERR_PARAM,
                                  "quadratic: npy = 1 reads A.npy, C.npy, a.npy, B.npy, b.npy, AF.npy, CF.npy, "
                                  "aF.npy, BF.npy and bF.npy from the directory in the environment variable "
                                  "BLOC_DATA_DIR, which is not set");
        st = bloc_quadratic_load(&pv->q, pb->nx, pb->ny, dir, err);
    } else {
        st = bloc_quadratic_generate(&pv->q, pb->nx, pb->ny, p[P_MU], p[P_L], data_seed, err);
    }
    if (!st && p[P_BATCH] > 0) {
        pb->batch = (size_t)p[P_BATCH];
        pb->nsamples[BLOC_UL] = pb->nsamples[BLOC_LL] = (size_t)p[P_SAMPLES];
        st = bloc_quadratic_noise(&pv->z, &pv->q, (size_t)p[P_SAMPLES], p[P_NOISE], data_seed, err);
    }
    if (st)
        return st;
    return bloc_problem_start(pb, pb->nx, pb->ny, p[P_X0], p[P_Y0], err);
}

static void destroy(bloc_problem_t *pb)
{
    priv_t *pv = pb->data;
    if (pv) {
        bloc_quadratic_free(&pv->q);
        bloc_quadratic_noise_free(&pv->z);
        free(pv);
    }
    pb->data = NULL;
}

/* Uploads A, C, a, B, b of one level as vectors PREFIX_A ... */
static int upload(bloc_graph_t *g, const char *prefix, const double *const m[5], size_t nx, size_t ny, int ids[5],
                  bloc_error_t *err)
{
    static const char *const names[5] = {"A", "C", "a", "B", "b"};
    const size_t sizes[5] = {ny * ny, nx * ny, ny, nx * nx, nx};
    char name[BLOC_NAME_LEN];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "%s_%s", prefix, names[i]);
        if ((ids[i] = bloc_graph_vec(g, name, sizes[i], m[i], err)) < 0)
            return err->status;
    }
    return BLOC_OK;
}

static int setup(bloc_problem_t *pb, bloc_graph_t *g, bloc_error_t *err)
{
    priv_t *pv = pb->data;
    const bloc_quadratic_t *q = &pv->q;
    const double *const f[5] = {q->A, q->C, q->a, q->B, q->b};
    const double *const F[5] = {q->AF, q->CF, q->aF, q->BF, q->bF};
    int st = upload(g, "quad_f", f, q->nx, q->ny, pv->f, err);
    if (!st)
        st = upload(g, "quad_F", F, q->nx, q->ny, pv->F, err);
    if (!st && (pv->Ainv = bloc_graph_vec(g, "quad_Ainv", q->ny * q->ny, q->Ainv, err)) < 0)
        st = err->status;
    if (!st && pv->z.sf) {
        size_t n = pv->z.n, nx = q->nx, ny = q->ny;
        if ((pv->sf = bloc_graph_vec(g, "quad_samples_f", n * (1 + ny), pv->z.sf, err)) < 0 ||
            (pv->sF = bloc_graph_vec(g, "quad_samples_F", n * (nx + ny), pv->z.sF, err)) < 0 ||
            (pv->mean = bloc_graph_vec(g, "quad_batch_mean", nx + ny, NULL, err)) < 0)
            st = err->status;
    }
    return st;
}

static void arg_level(bloc_node_t *nd, const int m[5])
{
    for (int i = 0; i < 5; i++)
        bloc_arg_vec(nd, m[i]);
}

/* mean <- the batch means of the level's sample terms over pb->sample[level]:
 * (mean s, mean d) for f, (mean eF, mean dF) for F. */
static int batch_mean(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    size_t width = level == BLOC_UL ? pb->nx + pb->ny : 1 + pb->ny;
    bloc_node_t *nd = bloc_graph_add(g, list, "quadratic_batch_mean", width, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, level == BLOC_UL ? pv->sF : pv->sf); bloc_arg_int(nd, (int)width);
    bloc_arg_vec(nd, pb->sample[level]); bloc_arg_int(nd, (int)pb->batch); bloc_arg_vec(nd, pv->mean);
    bloc_node_cost(nd, (double)(width * pb->batch), (double)(width * (pb->batch + 1)) * (double)g->rt->real_size);
    return BLOC_OK;
}

/* (gx, gy) <- (C y + B x + b, A y + C'x + a) of level F or f: one launch,
 * or with a minibatch its mean and the batch gradient (quadratic.h). */
static int grad(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int gx,
                int gy, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    double nx = (double)pb->nx, ny = (double)pb->ny;
    int batch = pb->sample[level] >= 0, st;
    if (batch && (st = batch_mean(pb, g, list, level, err)))
        return st;
    bloc_node_t *nd = bloc_graph_add(g, list, batch ? "quadratic_grad_batch" : "quadratic_grad", pb->nx + pb->ny, err);
    if (!nd)
        return err->status;
    arg_level(nd, level == BLOC_UL ? pv->F : pv->f);
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, y); bloc_arg_vec(nd, gx); bloc_arg_vec(nd, gy);
    bloc_arg_int(nd, (int)pb->nx); bloc_arg_int(nd, (int)pb->ny);
    if (batch) {
        bloc_arg_vec(nd, pv->mean);
        bloc_arg_int(nd, level == BLOC_LL);
    }
    bloc_node_cost(nd, 2 * (2 * nx * ny + nx * nx + ny * ny) + 2 * (nx + ny),
                   (2 * nx * ny + nx * nx + ny * ny + 3 * (nx + ny)) * (double)g->rt->real_size);
    return BLOC_OK;
}

/* Exact products: (hx, hy) = (C v, A v) of f, (CF v, AF v) of F; a minibatch
 * of f scales both by 1 + mean s. */
static int hvp(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, bloc_level_t level, int x, int y, int v,
               int hx, int hy, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    int batch = level == BLOC_LL && pb->sample[level] >= 0, st;
    if (batch && (st = batch_mean(pb, g, list, level, err)))
        return st;
    const int *m = level == BLOC_UL ? pv->F : pv->f;
    double nx = (double)pb->nx, ny = (double)pb->ny;
    bloc_node_t *nd = bloc_graph_add(g, list, "quadratic_hvp", pb->nx + pb->ny, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, m[0]); bloc_arg_vec(nd, m[1]); bloc_arg_vec(nd, v); bloc_arg_vec(nd, hx); bloc_arg_vec(nd, hy);
    bloc_arg_int(nd, (int)pb->nx); bloc_arg_int(nd, (int)pb->ny);
    bloc_arg_vec(nd, batch ? pv->mean : v); bloc_arg_int(nd, batch);
    bloc_node_cost(nd, 2 * (nx * ny + ny * ny), (nx * ny + ny * ny + 2 * (nx + ny)) * (double)g->rt->real_size);
    return BLOC_OK;
}

/* y <- alpha op(M) x + beta y, M rows x cols. */
static int gemv(bloc_graph_t *g, bloc_list_t list, int trans, int M, size_t rows, size_t cols, int x, int y,
                double alpha, double beta, bloc_error_t *err)
{
    size_t out = trans ? cols : rows;
    bloc_node_t *nd = bloc_graph_add(g, list, trans ? "linalg_gemv_t" : "linalg_gemv_n", out, err);
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, M); bloc_arg_int(nd, (int)rows); bloc_arg_int(nd, (int)cols);
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, y); bloc_arg_real(nd, alpha); bloc_arg_real(nd, beta);
    bloc_node_cost(nd, 2.0 * (double)rows * (double)cols,
                   ((double)rows * (double)cols + (double)(rows + 2 * cols)) * (double)g->rt->real_size);
    return BLOC_OK;
}

static int value_terms(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, const int m[5], int x, int y,
                       int terms, int row, bloc_error_t *err)
{
    bloc_node_t *nd = bloc_graph_add(g, list, "quadratic_value_terms", pb->nx + pb->ny, err);
    if (!nd)
        return err->status;
    arg_level(nd, m);
    bloc_arg_vec(nd, x); bloc_arg_vec(nd, y); bloc_arg_vec(nd, terms); bloc_arg_int(nd, row);
    bloc_arg_int(nd, (int)pb->nx); bloc_arg_int(nd, (int)pb->ny);
    return BLOC_OK;
}

/* raw: F(x, y), f(x, y), ||grad h(x)||^2, ||y - y*(x)||^2 with
 *   r = C'x + a,  y* = -Ainv r,  (gx, gy) = grad F(x, y*),
 *   grad h = gx - C (Ainv gy). */
static int eval(bloc_problem_t *pb, bloc_graph_t *g, bloc_list_t list, int x, int y, int scalars, bloc_error_t *err)
{
    const priv_t *pv = pb->data;
    size_t nx = pb->nx, ny = pb->ny;
    int r = bloc_graph_scratch(g, "quad_r", ny, err), ys = r < 0 ? -1 : bloc_graph_scratch(g, "quad_ystar", ny, err);
    int gx = ys < 0 ? -1 : bloc_graph_scratch(g, "quad_hypergrad", nx, err);
    int gy = gx < 0 ? -1 : bloc_graph_scratch(g, "quad_gyF", ny, err);
    int w = gy < 0 ? -1 : bloc_graph_scratch(g, "quad_w", ny, err);
    int terms = w < 0 ? -1 : bloc_graph_scratch(g, "quad_terms", 4 * (nx + ny), err);
    if (terms < 0)
        return err->status;
    bloc_node_t *nd = bloc_graph_add(g, list, "vec_copy", ny, err); /* r <- a */
    if (!nd)
        return err->status;
    bloc_arg_vec(nd, pv->f[2]); bloc_arg_vec(nd, r); bloc_arg_int(nd, (int)ny);
    int st;
    if ((st = gemv(g, list, 1, pv->f[1], nx, ny, x, r, 1, 1, err)) ||      /* r += C'x */
        (st = gemv(g, list, 0, pv->Ainv, ny, ny, r, ys, -1, 0, err)) ||   /* y* = -Ainv r */
        (st = grad(pb, g, list, BLOC_UL, x, ys, gx, gy, err)) ||          /* grad F(x, y*) */
        (st = gemv(g, list, 0, pv->Ainv, ny, ny, gy, w, 1, 0, err)) ||    /* w = Ainv gy */
        (st = gemv(g, list, 0, pv->f[1], nx, ny, w, gx, -1, 1, err)) ||   /* gx -= C w */
        (st = value_terms(pb, g, list, pv->F, x, y, terms, 0, err)) ||
        (st = value_terms(pb, g, list, pv->f, x, y, terms, 1, err)))
        return st;
    if (!(nd = bloc_graph_add(g, list, "quadratic_metric_terms", nx + ny, err)))
        return err->status;
    bloc_arg_vec(nd, gx); bloc_arg_vec(nd, y); bloc_arg_vec(nd, ys); bloc_arg_vec(nd, terms);
    bloc_arg_int(nd, (int)nx); bloc_arg_int(nd, (int)ny);
    return bloc_graph_reduce_rows(g, list, terms, 4, nx + ny, scalars, 0, err);
}

static void finish(const bloc_problem_t *pb, const double *raw, double *out)
{
    out[BLOC_SLOT_F] = raw[0];
    out[BLOC_SLOT_LL] = raw[1];
    out[BLOC_SLOT_METRIC0] = raw[2];
    out[BLOC_SLOT_METRIC0 + 1] = raw[3];
}

static const char *const libs[] = {"kernels/linalg.cl"};

const bloc_problem_desc_t bloc_problem_quadratic = {
    .name = "quadratic",
    .summary = "f = 1/2 y'Ay + x'Cy + a'y + 1/2 x'Bx + b'x (A SPD), F alike; exact hypergradient",
    .params = params,
    .nparams = NPARAMS,
    .kernel_source = "problems/quadratic.cl",
    .kernel_libs = libs,
    .nkernel_libs = 1,
    .metric_names = metrics,
    .nmetrics = 2,
    .nraw = 4,
    .init = init,
    .setup = setup,
    .grad = grad,
    .hvp = hvp,
    .eval = eval,
    .finish = finish,
    .destroy = destroy,
};
