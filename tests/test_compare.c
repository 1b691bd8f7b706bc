/* bloc compare and bloc graph. The cross-device test needs PoCL and the
 * Oclgrind ICD registered (scripts/install-deps.sh does it): a second,
 * independent OpenCL implementation next to PoCL; it skips without them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* toy_merely_convex uses only + - * /: PoCL and Oclgrind must give the same
 * bits in fp32 and in fp64 (fixed-shape reductions, FP_CONTRACT OFF), while
 * fp32 and fp64 differ by rounding but agree within tol_fp32. */
Test(compare, pocl_and_oclgrind_agree_bitwise)
{
    if (!bloc_test_have_device("pthread") || !bloc_test_have_device("oclgrind"))
        cr_skip_test("needs PoCL's CPU device (pthread) and Oclgrind");
    char dir[1024], args[2048], out[1 << 15];
    bloc_test_tmpdir("compare", dir, sizeof dir);
    snprintf(args, sizeof args,
             "compare '%s/../configs/meha_toy_merely_convex.yaml' --devices pthread,oclgrind --precision fp32,fp64 "
             "--set iterations=60 --set log_every=20 --out '%s'",
             BLOC_TEST_DIR, dir);
    int rc = bloc_test_run_cli(args, out, sizeof out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    char path[1100];
    snprintf(path, sizeof path, "%s/compare.json", dir);
    char *js = bloc_test_slurp(path);
    int pairs = 0, identical = 0;
    for (char *p = strstr(js, "\"a\": "); p; p = strstr(p + 1, "\"a\": "))
        pairs++;
    cr_assert_eq(pairs, 6, "4 runs give 6 pairs:\n%s", js);
    cr_assert_null(strstr(js, "\"verdict\": \"differ\""), "%s", js);
    /* the two cross-implementation pairs of equal precision are identical */
    for (char *p = strstr(js, "\"max\": {\"abs_x\": 0, \"rel_x\": 0, \"abs_y\": 0, \"rel_y\": 0, \"abs_F\": 0, \"rel_F\": 0}");
         p; p = strstr(p + 1, "\"max\": {\"abs_x\": 0, \"rel_x\": 0, \"abs_y\": 0, \"rel_y\": 0, \"abs_F\": 0, \"rel_F\": 0}"))
        identical++;
    cr_assert_eq(identical, 2, "expected the fp32 and fp64 cross-device pairs identical:\n%s", js);
    cr_assert_not_null(strstr(out, "agree (identical)"), "%s", out);
    free(js);
    /* one CSV per pair, a row per log point (0, 20, 40, 60) */
    snprintf(path, sizeof path, "%s/pairs", dir);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 6 && test $(cat '%s'/*.csv | wc -l) -eq 30", path, path);
    cr_assert_eq(system(cmd), 0, "pair CSVs");
}

/* A tolerance no pair can meet: the verdict says so and the exit code is 4. */
Test(compare, disagreement_exit_code)
{
    char dir[1024], args[2048], out[1 << 15];
    bloc_test_tmpdir("compare-differ", dir, sizeof dir);
    snprintf(args, sizeof args,
             "compare '%s/../configs/meha_toy_merely_convex.yaml' --precision fp32,fp64 --set iterations=20 "
             "--set log_every=10 --set compare.tol_fp32=1e-12 --out '%s'",
             BLOC_TEST_DIR, dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 4, "%s", out);
    cr_assert_not_null(strstr(out, "differ"), "%s", out);
    /* the start value 0.01 already rounds differently in fp32 */
    cr_assert_not_null(strstr(out, "it 0  differ"), "first divergence at the start point:\n%s", out);
}

Test(compare, bad_precision_list)
{
    char args[2048], out[4096], first[512];
    snprintf(args, sizeof args, "compare '%s/../configs/meha_toy_merely_convex.yaml' --precision fp16 --out /tmp/bloc-never",
             BLOC_TEST_DIR);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "bloc: --precision takes fp32, fp64 or fp32,fp64, not 'fp16'");
}

/* bloc graph lists the step nodes in order with arguments and costs. */
Test(graph, prints_nodes_in_order)
{
    char args[2048], out[1 << 15];
    snprintf(args, sizeof args, "graph '%s/../configs/meha_sparse_1000d.yaml'", BLOC_TEST_DIR);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 0, "%s", out);
    const char *order[] = {"step (one iteration): 12 launches; per iteration after the first, 11 launches",
                           "sparse_grad_f", "[k = 0 only]", "meha_theta_step", "prox_weighted_l1",
                           "meha_x_step", "meha_y_step", "prox_weighted_l1", "eval (each log point): 3 launches",
                           "sparse_terms", "reduce_sum_stage1", "reduce_sum_stage2"};
    const char *p = out;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        p = strstr(p, order[i]);
        cr_assert_not_null(p, "'%s' missing or out of order in:\n%s", order[i], out);
    }
    cr_assert_not_null(strstr(out, "x, gxF, gxf_y, gxf_theta, 1000, 1, <inv_c_k>, 0, 1"), "%s", out);
    cr_assert_not_null(strstr(out, "vectors (fp32): 14, 6.027e+04 bytes on the device"), "%s", out);
}

/* bloc bench on a one-entry suite: a CSV row with positive timings, the
 * target reached, per-node rows, and the peaks recorded. */
Test(bench, one_entry_suite)
{
    char dir[1024], suite[1100], args[4096], out[1 << 15], path[1200];
    bloc_test_tmpdir("bench", dir, sizeof dir);
    snprintf(suite, sizeof suite, "%s/suite.txt", dir);
    FILE *f = fopen(suite, "w");
    cr_assert_not_null(f);
    fprintf(f, "# test suite\n%s/../configs/meha_toy_merely_convex.yaml x_err<1e-3 iterations=200\n", BLOC_TEST_DIR);
    fclose(f);
    snprintf(args, sizeof args, "bench '%s' --repeats 3 --iters 20 --out '%s/out'", suite, dir);
    int rc = bloc_test_run_cli(args, out, sizeof out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "hit"), "target x_err<1e-3 not reached:\n%s", out);
    snprintf(path, sizeof path, "%s/out/bench.csv", dir);
    char *csv = bloc_test_slurp(path);
    char *row = strchr(csv, '\n');
    cr_assert_not_null(row);
    double v[6];
    char *p = strstr(row, ",9,20,"); /* launches, iterations per repeat */
    cr_assert_not_null(p, "%s", csv);
    cr_assert_eq(sscanf(p + 6, "%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6, "%s", csv);
    cr_assert(v[1] > 0 && v[1] <= v[0] && v[0] <= v[2], "wall min <= median <= max: %s", row);
    cr_assert(v[4] > 0 && v[4] <= v[3] && v[3] <= v[5], "device min <= median <= max: %s", row);
    free(csv);
    snprintf(path, sizeof path, "%s/out/nodes.csv", dir);
    csv = bloc_test_slurp(path);
    int lines = 0;
    for (char *c = csv; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 1 + 9, "header + one row per node:\n%s", csv);
    free(csv);
    snprintf(path, sizeof path, "%s/out/bench.json", dir);
    char *js = bloc_test_slurp(path);
    cr_assert_not_null(strstr(js, "\"bandwidth_gbs\": "), "%s", js);
    cr_assert_not_null(strstr(js, "\"startup_s\": {\"cold\": "), "%s", js);
    free(js);
}

Test(bench, bad_suite_line)
{
    char dir[1024], suite[1100], args[4096], out[4096], first[1024], want[1400];
    bloc_test_tmpdir("bench-bad", dir, sizeof dir);
    snprintf(suite, sizeof suite, "%s/suite.txt", dir);
    FILE *f = fopen(suite, "w");
    cr_assert_not_null(f);
    fprintf(f, "\n%s/../configs/meha_toy_merely_convex.yaml x_err<oops\n", BLOC_TEST_DIR);
    fclose(f);
    snprintf(args, sizeof args, "bench '%s' --out '%s/out'", suite, dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    if (strncmp(first, "solver ", 7) == 0) /* the table header precedes the error */
        bloc_test_first_line(strchr(out, '\n') + 1, first, sizeof first);
    snprintf(want, sizeof want, "%s:2: bad target 'x_err<oops' (write METRIC<NUMBER)", suite);
    cr_assert_str_eq(first, want);
}
