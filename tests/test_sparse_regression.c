/* sparse_regression: oracle kernels against a host double reference, and
 * MEHA's learned per-feature weights end to end. */
#include "kernel_fixture.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "run.h"
#include "support.h"

static const char *const srcs[] = {"kernels/linalg.cl", "problems/sparse_regression.cl"};
static const bloc_precision_t precs[] = {BLOC_FP32, BLOC_FP64};

/* Residual A y - b and gradient A' r / m (m = 37, d = 23: neither a
 * multiple of the local size). Each output is one dot product of length
 * <= 37 in index order: |error| <= 40 u sum |terms| with u the unit
 * roundoff; the fixture's 1e-5 (fp32) / 1e-12 (fp64) relative+absolute
 * tolerance covers it on this O(1) data. */
Test(sparse_regression, residual_and_gradient)
{
    enum { M = 37, D = 23 };
    for (int pi = 0; pi < 2; pi++) {
        kfix_t f;
        kfix_init_with(&f, precs[pi], 64, 32, srcs, 2);
        double *A = kfix_random(&f, M * D, -1, 1, 50), *b = kfix_random(&f, M, -1, 1, 51);
        double *y = kfix_random(&f, D, -1, 1, 52), rr[M], gx[D], gy[D];
        for (int i = 0; i < M; i++) {
            rr[i] = -b[i];
            for (int j = 0; j < D; j++)
                rr[i] += A[i * D + j] * y[j];
        }
        int vA = kfix_vec(&f, "A", M * D, A), vb = kfix_vec(&f, "b", M, b), vy = kfix_vec(&f, "y", D, y);
        int vr = kfix_vec(&f, "r", M, NULL), vgx = kfix_vec(&f, "gx", D, NULL), vgy = kfix_vec(&f, "gy", D, NULL);
        bloc_node_t *nd = kfix_node(&f, "sreg_residual", M);
        bloc_arg_vec(nd, vA); bloc_arg_vec(nd, vb); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vr);
        bloc_arg_int(nd, M); bloc_arg_int(nd, D);
        nd = kfix_node(&f, "sreg_grad", D);
        bloc_arg_vec(nd, vA); bloc_arg_vec(nd, vr); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vgx); bloc_arg_vec(nd, vgy);
        bloc_arg_int(nd, M); bloc_arg_int(nd, D); bloc_arg_int(nd, 1);
        kfix_run(&f, 0);
        double *r = kfix_read(&f, vr), *ogx = kfix_read(&f, vgx), *ogy = kfix_read(&f, vgy);
        kfix_check(&f, "residual", r, rr, M);
        for (int j = 0; j < D; j++) {
            gx[j] = fabs(y[j]);
            gy[j] = 0;
            for (int i = 0; i < M; i++)
                gy[j] += A[i * D + j] * r[i]; /* from the device residual: isolates the gradient kernel */
            gy[j] /= M;
        }
        kfix_check(&f, "grad_x phi", ogx, gx, D);
        kfix_check(&f, "grad_y f", ogy, gy, D);
        free(A); free(b); free(y); free(r); free(ogx); free(ogy);
        kfix_fini(&f);
    }
}

Test(sparse_regression, support_terms)
{
    enum { D = 50 };
    for (int pi = 0; pi < 2; pi++) {
        kfix_t f;
        kfix_init_with(&f, precs[pi], 64, 32, srcs, 2);
        double *x = kfix_random(&f, D, 0, 1, 53), *y = kfix_random(&f, D, -1, 1, 54), w[D], ref[3 * D];
        for (int j = 0; j < D; j++) {
            if (j % 3 == 0)
                y[j] = 0;
            w[j] = j % 4 == 0 ? 1.5 : 0;
            ref[j] = x[j] * fabs(y[j]);
            ref[D + j] = y[j] != 0;
            ref[2 * D + j] = y[j] != 0 && w[j] != 0;
        }
        int vx = kfix_vec(&f, "x", D, x), vy = kfix_vec(&f, "y", D, y), vw = kfix_vec(&f, "w", D, w);
        int vt = kfix_vec(&f, "t", 3 * D, NULL);
        bloc_node_t *nd = kfix_node(&f, "sreg_support", D);
        bloc_arg_vec(nd, vx); bloc_arg_vec(nd, vy); bloc_arg_vec(nd, vw); bloc_arg_vec(nd, vt); bloc_arg_int(nd, D);
        kfix_run(&f, 0);
        double *t = kfix_read(&f, vt);
        kfix_check(&f, "support terms", t, ref, 3 * D);
        free(x); free(y); free(t);
        kfix_fini(&f);
    }
}

/* MEHA from configs/meha_sparse_regression.yaml (seed 0): measured test MSE
 * 0.292 and support F1 0.645, against 0.434 / 0.286 for the best lambda of
 * a 20-point grid (bench/sparse_regression_grid.sh). Bars with margin:
 * test MSE < 0.35 (the noise floor is 0.25), F1 > 0.5. */
Test(sparse_regression, meha_learns_per_feature_weights)
{
    char path[1024], dir[1024];
    bloc_config_t cfg;
    bloc_error_t err;
    bloc_run_result_t r;
    snprintf(path, sizeof path, "%s/../configs/meha_sparse_regression.yaml", BLOC_TEST_DIR);
    cr_assert_eq(bloc_config_load(&cfg, path, &err), BLOC_OK, "%s", err.message);
    bloc_test_tmpdir("sreg", dir, sizeof dir);
    bloc_run_options_t opt = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir};
    cr_assert_eq(bloc_run(&cfg, &opt, &r, &err), BLOC_OK, "%s", err.message);
    cr_assert_lt(r.values[BLOC_SLOT_METRIC0 + 1], 0.35, "test_mse %g", r.values[BLOC_SLOT_METRIC0 + 1]);
    cr_assert_gt(r.values[BLOC_SLOT_METRIC0 + 3], 0.5, "support_f1 %g", r.values[BLOC_SLOT_METRIC0 + 3]);
}

Test(sparse_regression, bad_parameters)
{
    char args[2048], out[8192], first[1024];
    snprintf(args, sizeof args, "run '%s/../configs/meha_sparse_regression.yaml' --set problem.k=300 --out /tmp/bloc-never",
             BLOC_TEST_DIR);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "sparse_regression: k = 300 non-zeros exceed d = 200 features");
    snprintf(args, sizeof args, "run '%s/../configs/meha_sparse_regression.yaml' --set problem.x0=20 --out /tmp/bloc-never",
             BLOC_TEST_DIR);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "sparse_regression: start x0 = 20 lies outside the box [0, 10]");
}
