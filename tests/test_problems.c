/* Problem parameter validation beyond per-key ranges: exact messages and
 * exit code 2 from the CLI, nothing run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static void check_cli(const char *config, const char *sets, const char *want)
{
    char args[2048], out[16384], first[1024];
    snprintf(args, sizeof args, "run '%s/../configs/%s' --progress none --out /tmp/bloc-never %s", BLOC_TEST_DIR,
             config, sets);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, want);
}

Test(problem_params, infeasible_box)
{
    check_cli("meha_toy_nonconvex_1d.yaml", "--set problem.x_lo=2 --set problem.x_hi=1",
              "toy_nonconvex_1d: infeasible box: x_lo = 2 > x_hi = 1");
}

Test(problem_params, start_outside_box)
{
    check_cli("meha_toy_nonconvex_1d.yaml", "--set problem.x_lo=0",
              "toy_nonconvex_1d: start x0[0] = -6 lies outside the box [0, inf]");
}

Test(problem_params, negative_dimension)
{
    check_cli("meha_toy_nonconvex_1d.yaml", "--set problem.n=-3", "--set problem.n=-3: must be in [1, 100000000], got '-3'");
}

Test(problem_params, sparse_start_outside_its_box)
{
    check_cli("meha_sparse_1000d.yaml", "--set problem.x0=1.5", "--set problem.x0=1.5: must be in [0, 1], got '1.5'");
}

#include "graph.h"
#include "problem.h"

/* The weighted l1 prox is only a prox for non-negative weights: a problem
 * whose UL box admits x < 0, or a negative step, is rejected before any
 * kernel is queued. */
Test(problem_params, weighted_l1_rejects_negative_weights)
{
    bloc_problem_t pb;
    bloc_error_t err;
    const bloc_problem_desc_t *desc = bloc_problem_find("sparse_1000d");
    double params[3] = {4, 0.5, 1};
    cr_assert_eq(bloc_problem_create(&pb, desc, params, 0, &err), BLOC_OK, "%s", err.message);
    bloc_graph_t g;
    memset(&g, 0, sizeof g); /* no node may be added: a NULL runtime would crash */
    pb.x_lo = -1;
    cr_assert_eq(bloc_prox_weighted_l1(&pb, &g, BLOC_LIST_STEP, 0, 1, 0.5, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message, "sparse_1000d: weighted l1 prox needs non-negative weights, but the UL box allows x >= -1");
    pb.x_lo = 0;
    cr_assert_eq(bloc_prox_weighted_l1(&pb, &g, BLOC_LIST_STEP, 0, 1, -0.5, &err), BLOC_ERR_PARAM);
    cr_assert_str_eq(err.message, "sparse_1000d: prox step -0.5 must be non-negative");
    cr_assert_eq(g.nnodes[BLOC_LIST_STEP], 0);
    bloc_problem_destroy(&pb);
}
