/* Divergence guard (host/guard.h): each check on synthetic log points, and
 * end to end: a blow-up stops `bloc run` with exit code 3, a message naming
 * the iteration, the variable and the last good values, the trajectory and
 * summary kept, and x and y of the last good log point saved as .npy. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "npy.h"
#include "support.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* values: F, f, one metric. */
static bloc_guard_t guard_with_start(double blowup, double F0)
{
    bloc_guard_t g;
    bloc_error_t err;
    cr_assert_eq(bloc_guard_init(&g, blowup, 3, 2, 3, &err), BLOC_OK);
    double v[3] = {F0, -1, 0}, x[2] = {1, 2}, y[3] = {3, 4, 5};
    cr_assert_eq(bloc_guard_check(&g, 0, v, x, y, &err), BLOC_OK, "%s", err.message);
    double v2[3] = {F0 / 2, -0.5, 0}, x2[2] = {1.5, 2.5}, y2[3] = {3.5, 4.5, 5.5};
    cr_assert_eq(bloc_guard_check(&g, 10, v2, x2, y2, &err), BLOC_OK, "%s", err.message);
    return g;
}

Test(guard, finite_points_become_last_good)
{
    bloc_guard_t g = guard_with_start(1e6, 8);
    cr_assert_eq(g.last_good_k, 10);
    cr_assert_eq(g.f_start, 8);
    cr_assert_eq(g.x_good[1], 2.5);
    cr_assert_eq(g.y_good[2], 5.5);
    bloc_guard_free(&g);
}

Test(guard, nonfinite_objective)
{
    bloc_guard_t g = guard_with_start(1e6, 8);
    bloc_error_t err;
    double v[3] = {NAN, -1, 0}, x[2] = {1, INFINITY}, y[3] = {0, 0, 0};
    cr_assert_eq(bloc_guard_check(&g, 20, v, x, y, &err), BLOC_ERR_DIVERGED);
    cr_assert_str_eq(err.message, "diverged at iteration 20: F = nan, f = -1; last finite values at iteration 10: "
                                  "F = 4, f = -0.5; non-finite entries: x[1] = inf");
    cr_assert_str_eq(g.variable, "F");
    cr_assert_eq(g.kind, BLOC_DIVERGED_NONFINITE);
    cr_assert_eq(g.last_good_k, 10, "the last good point stays");
    bloc_guard_free(&g);
}

Test(guard, nonfinite_state_with_finite_objective)
{
    bloc_guard_t g = guard_with_start(1e6, 8);
    bloc_error_t err;
    double v[3] = {1, 2, 0}, x[2] = {1, 2}, y[3] = {0, -INFINITY, NAN};
    cr_assert_eq(bloc_guard_check(&g, 30, v, x, y, &err), BLOC_ERR_DIVERGED);
    cr_assert_str_eq(err.message, "diverged at iteration 30: non-finite entries: y[1] = -inf (F = 1, f = 2); "
                                  "last finite values at iteration 10: F = 4, f = -0.5");
    cr_assert_str_eq(g.variable, "y[1]");
    bloc_guard_free(&g);
}

Test(guard, blowup_against_start)
{
    bloc_guard_t g = guard_with_start(100, 8); /* limit 100 * max(8, 1) = 800 */
    bloc_error_t err;
    double x[2] = {0, 0}, y[3] = {0, 0, 0};
    double ok[3] = {-800, 0, 0}, bad[3] = {-800.5, 0, 0};
    cr_assert_eq(bloc_guard_check(&g, 40, ok, x, y, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(bloc_guard_check(&g, 50, bad, x, y, &err), BLOC_ERR_DIVERGED);
    cr_assert_str_eq(err.message, "diverged at iteration 50: objective blow-up: |F| = 800.5 exceeds "
                                  "divergence.blowup = 100 times max(|F_0|, 1) = 8; last good values at "
                                  "iteration 40: F = -800, f = 0");
    cr_assert_eq(g.kind, BLOC_DIVERGED_BLOWUP);
    bloc_guard_free(&g);
}

/* max(|F_0|, 1): a start at F_0 = 0 does not make every F a blow-up; 0 = off. */
Test(guard, blowup_reference_and_off)
{
    bloc_guard_t g = guard_with_start(10, 0);
    bloc_error_t err;
    double x[2] = {0, 0}, y[3] = {0, 0, 0}, v[3] = {9.5, 0, 0}, big[3] = {1e300, 0, 0};
    cr_assert_eq(bloc_guard_check(&g, 20, v, x, y, &err), BLOC_OK, "%s", err.message);
    bloc_guard_free(&g);
    g = guard_with_start(0, 1);
    cr_assert_eq(bloc_guard_check(&g, 20, big, x, y, &err), BLOC_OK, "blowup 0 is off");
    bloc_guard_free(&g);
}

Test(guard, nonfinite_start)
{
    bloc_guard_t g;
    bloc_error_t err;
    cr_assert_eq(bloc_guard_init(&g, 1e6, 2, 1, 1, &err), BLOC_OK);
    double v[2] = {INFINITY, 0}, x[1] = {0}, y[1] = {0};
    cr_assert_eq(bloc_guard_check(&g, 0, v, x, y, &err), BLOC_ERR_DIVERGED);
    cr_assert_str_eq(err.message, "diverged at iteration 0: F = inf, f = 0; no good log point before it");
    bloc_guard_free(&g);
}

/* MEHA's code variant with c0 = 2 on toy_nonconvex_1d: F = 80 at the start,
 * 1.1e28 at iteration 100 (NaN at 200, see test_solvers.c). */
#define DIVERGING "run '" BLOC_TEST_DIR "/../configs/meha_toy_nonconvex_1d.yaml' --set solver.variant=code " \
                  "--set solver.c0=2 --set iterations=300 --set log_every=100 --progress none"

Test(guard, blowup_stops_run_and_keeps_state)
{
    char dir[1024], args[2048], out[16384], path[1200];
    bloc_test_tmpdir("blowup", dir, sizeof dir);
    snprintf(args, sizeof args, DIVERGING " --out '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 3, "%s", out);
    char expect[4096];
    snprintf(expect, sizeof expect,
             "diverged at iteration 100: objective blow-up: |F| = 1.14062859e+28 exceeds divergence.blowup = 1e+06 "
             "times max(|F_0|, 1) = 80; last good values at iteration 0: F = 80, f = -0.989358246; x and y of "
             "iteration 0 saved in %s/last_good_x.npy and %s/last_good_y.npy",
             dir, dir);
    cr_assert_not_null(strstr(out, expect), "%s", out);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *js = slurp(path);
    cr_assert_not_null(strstr(js, "\"status\": \"diverged\""), "%s", js);
    cr_assert_not_null(strstr(js, "\"divergence\": {\"iteration\": 100, \"reason\": \"blow-up\", \"variable\": \"F\", "
                                  "\"last_good_iteration\": 0, \"blowup\": 1000000}"),
                       "%s", js);
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    js = slurp(path);
    cr_assert(bloc_test_starts_with(js, "iteration,wall_s,F,f,x_rel_err,ll_residual\n0,"), "%s", js);
    cr_assert_not_null(strstr(js, "\n100,"), "the diverged row is kept:\n%s", js);
    bloc_npy_array_t a;
    bloc_error_t err;
    size_t one = 1;
    snprintf(path, sizeof path, "%s/last_good_x.npy", dir);
    cr_assert_eq(bloc_npy_read(path, 1, &one, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.data[0], -6, "x0 of the config");
    bloc_npy_free(&a);
    snprintf(path, sizeof path, "%s/last_good_y.npy", dir);
    cr_assert_eq(bloc_npy_read(path, 1, &one, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.data[0], 0, "y0 of the config");
    bloc_npy_free(&a);
}

/* The factor is configurable: with a looser one the same run goes on to the
 * NaN at iteration 200 and still saves the state of iteration 100. */
Test(guard, blowup_factor_is_configurable)
{
    char dir[1024], args[2048], out[16384];
    bloc_test_tmpdir("blowup2", dir, sizeof dir);
    snprintf(args, sizeof args, DIVERGING " --set divergence.blowup=1e30 --out '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 3, "%s", out);
    cr_assert_not_null(strstr(out, "diverged at iteration 200: F = nan, f = nan; last finite values at iteration 100: "
                                   "F = 1.14062859e+28"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "x and y of iteration 100 saved in "), "%s", out);
}
