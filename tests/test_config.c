/* Config loader: good configs load with the expected values, every file in
 * configs/bad/ fails with its exact `file:line:col: message` both through
 * the library and through `bloc run`, --set goes through the same checks,
 * and no input (long lines, NULs, bad UTF-8, deep nesting, random
 * mutations) crashes the loader. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "problem.h"
#include "solver.h"
#include "support.h"

#define BAD_DIR BLOC_TEST_DIR "/configs/bad/"
#define GOOD_DIR BLOC_TEST_DIR "/configs/good/"

/* name: configs/bad/NAME.yaml; rest: the first line after the file name. */
#define BAD_CASES(X)                                                                                   \
    X(syntax, ":6:11: syntax error: did not find expected ',' or ']' (while parsing a flow sequence "    \
              "at line 5)")                                                                           \
    X(unterminated_quote, ":5:1: syntax error: found unexpected end of stream (while scanning a "      \
                          "quoted scalar at line 4)")                                                 \
    X(tab_indent, ":4:1: syntax error: found character that cannot start any token")                  \
    X(invalid_utf8, ":5:13: invalid input: invalid leading UTF-8 octet")                              \
    X(not_mapping, ":1:1: expected a mapping at the top level, got a sequence")                       \
    X(empty, ":1:1: empty config (expected a mapping with problem, solver and iterations)")           \
    X(two_documents, ":6:1: expected a single YAML document, found another one")                      \
    X(anchor, ":3:9: anchors and aliases are not supported")                                          \
    X(tag, ":5:13: tags are not supported")                                                           \
    X(unknown_key, ":5:1: unknown key 'iteratons' (valid keys: problem, solver, device, precision, "   \
                   "iterations, log_every, seed, output, reduction, compare, checkpoint_every, "      \
                   "divergence)")                                                               \
    X(unknown_solver_key, ":5:3: solver: unknown key 'alhpa' (valid keys for solver 'meha': name, "    \
                          "{MEHA_KEYS})")                                                             \
    X(unknown_problem_key, ":3:3: problem: unknown key 'm' (valid keys for problem "                   \
                           "'toy_nonconvex_1d': name, n, x0, y0, x_lo, x_hi)")                        \
    X(reduction_unknown_key, ":7:3: reduction: unknown key 'workers' (valid keys: groups, local_size)") \
    X(duplicate_key, ":7:1: duplicate key 'iterations' (first given at line 5)")                      \
    X(duplicate_param, ":6:3: solver: duplicate key 'alpha' (first given at line 4)")                 \
    X(duplicate_name, ":7:3: solver: duplicate key 'name' (first given at line 4)")                   \
    X(sequence_key, ":5:1: keys must be scalars, got a sequence")                                     \
    X(mapping_for_scalar, ":6:3: iterations: expected an integer, got a mapping")                     \
    X(mapping_for_output, ":6:9: output: expected a string, got a mapping")                           \
    X(sequence_for_string, ":5:9: device: expected a string, got a sequence")                         \
    X(scalar_for_mapping, ":3:9: solver: expected a mapping, got 'meha'")                             \
    X(null_value, ":6:8: solver.beta: expected a number, got null")                                   \
    X(null_solver_name, ":4:8: solver: expected a solver name, got null")                             \
    X(nul_in_string, ":6:9: device: NUL characters are not allowed")                                  \
    X(not_a_number, ":5:10: solver.alpha: expected a number, got 'fast'")                             \
    X(trailing_junk, ":5:8: solver.eta: expected a number, got '0.05x'")                              \
    X(nan, ":5:10: solver.alpha: expected a number, got '.nan'")                                      \
    X(inf, ":5:9: solver.beta: expected a finite number, got 'inf'")                                  \
    X(overflow, ":5:10: solver.gamma: expected a finite number, got '1e999'")                         \
    X(quoted_number, ":5:10: solver.alpha: expected a number, got the quoted string '0.1' (write "     \
                     "numbers unquoted)")                                                             \
    X(not_an_integer, ":5:13: iterations: expected an integer, got '1.5'")                            \
    X(int_param_exponent, ":3:6: problem.n: expected an integer, got '1e3'")                          \
    X(integer_overflow, ":5:13: iterations: integer out of range, got '99999999999999999999999'")     \
    X(out_of_range, ":5:6: solver.p: must be in [0, 0.5), got '0.5'")                                 \
    X(iterations_zero, ":5:13: iterations: must be in [1, inf), got '0'")                             \
    X(tab_before_value, ":5:13: iterations: must be in [1, inf), got '0'")                            \
    X(negative_seed, ":5:7: seed: must be in [0, inf), got '-1'")                                     \
    X(groups_range, ":7:11: reduction.groups: must be in [1, 1024], got '0'")                         \
    X(local_size_pow2, ":8:15: reduction.local_size: must be a power of two, got '48'")               \
    X(unknown_problem, ":2:9: problem: unknown problem 'toy_convex' (registered: {PROBLEMS})")         \
    X(unknown_solver, ":4:9: solver: unknown solver 'gd' (registered: {SOLVERS})")                    \
    X(bad_precision, ":5:12: precision: expected fp32 or fp64, got 'fp16'")                           \
    X(missing_iterations, ":1:1: missing required key 'iterations'")                                  \
    X(missing_solver, ":1:1: missing required key 'solver'")                                          \
    X(missing_solver_name, ":4:3: solver: missing required key 'name'")                               \
    X(checkpoint_not_multiple, ":7:19: checkpoint_every: 150 is not a multiple of log_every = 100 "       \
                               "(checkpoints are taken at log points)")

/* Expected messages name the registries and meha's parameters through
 * {PROBLEMS}, {SOLVERS} and {MEHA_KEYS}, expanded here from the registry,
 * so adding a problem or solver does not rewrite these expectations. */
static void expand(const char *in, char *out, size_t size)
{
    char problems[1024] = "", solvers[1024] = "", keys[1024] = "";
    for (int i = 0; bloc_problems[i]; i++)
        snprintf(problems + strlen(problems), sizeof problems - strlen(problems), "%s%s", i ? ", " : "",
                 bloc_problems[i]->name);
    for (int i = 0; bloc_solvers[i]; i++)
        snprintf(solvers + strlen(solvers), sizeof solvers - strlen(solvers), "%s%s", i ? ", " : "",
                 bloc_solvers[i]->name);
    const bloc_solver_desc_t *meha = bloc_solver_find("meha");
    for (int i = 0; i < meha->nparams; i++)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", i ? ", " : "", meha->params[i].name);
    const char *names[] = {"{PROBLEMS}", "{SOLVERS}", "{MEHA_KEYS}"}, *values[] = {problems, solvers, keys};
    size_t n = 0;
    while (*in && n + 1 < size) {
        int hit = 0;
        for (int k = 0; k < 3 && !hit; k++) {
            size_t len = strlen(names[k]);
            if (!strncmp(in, names[k], len)) {
                n += (size_t)snprintf(out + n, size - n, "%s", values[k]);
                in += len;
                hit = 1;
            }
        }
        if (!hit)
            out[n++] = *in++;
        if (n >= size)
            n = size - 1;
    }
    out[n] = '\0';
}

static int count_lines(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Loads configs/bad/NAME.yaml and runs `bloc run` on it: both must fail with
 * a config error whose first line is path + rest. */
static void check_bad(const char *name, const char *rest)
{
    char path[1024], want[4096], line[4096];
    snprintf(path, sizeof path, "%s%s.yaml", BAD_DIR, name);
    char rest_x[2048];
    expand(rest, rest_x, sizeof rest_x);
    snprintf(want, sizeof want, "%s%s", path, rest_x);

    bloc_config_t cfg;
    bloc_error_t err;
    memset(&err, 0, sizeof err);
    int st = bloc_config_load(&cfg, path, &err);
    cr_assert_eq(st, BLOC_ERR_CONFIG, "%s: status %d, message: %s", name, st, err.message);
    cr_assert_eq(err.status, BLOC_ERR_CONFIG);
    bloc_test_first_line(err.message, line, sizeof line);
    cr_assert_str_eq(line, want);
    /* message, source line, caret line */
    cr_assert_eq(count_lines(err.message), 3, "%s", err.message);
    const char *caret = strrchr(err.message, '\n') + 1;
    cr_assert_eq(strncmp(caret, "    ", 4), 0);
    cr_assert_eq(caret[strlen(caret) - 1], '^', "%s", err.message);

    char args[2048], out[16384];
    snprintf(args, sizeof args, "run '%s'", path);
    int rc = bloc_test_run_cli(args, out, sizeof out);
    bloc_test_first_line(out, line, sizeof line);
    cr_assert_eq(rc, 2, "bloc %s: exit %d, output: %s", args, rc, out);
    cr_assert_str_eq(line, want);
}

#define BAD_TEST(name, rest) \
    Test(config_bad, name) { check_bad(#name, rest); }
BAD_CASES(BAD_TEST)

#define BAD_NAME(name, rest) #name,
static const char *const bad_names[] = {BAD_CASES(BAD_NAME)};
#define NBAD (sizeof bad_names / sizeof bad_names[0])

Test(config_bad, every_file_has_a_case)
{
    DIR *d = opendir(BAD_DIR);
    cr_assert_not_null(d);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        files++;
        int found = 0;
        for (size_t i = 0; i < NBAD && !found; i++)
            found = strlen(bad_names[i]) == n - 5 && strncmp(bad_names[i], e->d_name, n - 5) == 0;
        cr_expect(found, "configs/bad/%s has no test case", e->d_name);
    }
    closedir(d);
    cr_assert_eq(files, NBAD);
    cr_assert_geq(NBAD, 12);
}

/* ---- full messages: source line and caret ---------------------------- */

static void load_bad(const char *path, bloc_error_t *err)
{
    bloc_config_t cfg;
    memset(err, 0, sizeof *err);
    cr_assert_eq(bloc_config_load(&cfg, path, err), BLOC_ERR_CONFIG, "%s", err->message);
}

Test(config_message, out_of_range_full)
{
    bloc_error_t err;
    load_bad(BAD_DIR "out_of_range.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "out_of_range.yaml:5:6: solver.p: must be in [0, 0.5), got '0.5'\n"
                                          "      p: 0.5\n"
                                          "         ^");
}

Test(config_message, unknown_key_full)
{
    bloc_error_t err;
    load_bad(BAD_DIR "unknown_key.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "unknown_key.yaml:5:1: unknown key 'iteratons' (valid keys: problem, "
                                          "solver, device, precision, iterations, log_every, seed, output, "
                                          "reduction, compare, checkpoint_every, divergence)\n"
                                          "    iteratons: 10\n"
                                          "    ^");
}

Test(config_message, tab_is_repeated_under_caret)
{
    bloc_error_t err;
    load_bad(BAD_DIR "tab_before_value.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "tab_before_value.yaml:5:13: iterations: must be in [1, inf), got '0'\n"
                                          "    iterations:\t0\n"
                                          "               \t^");
}

Test(config_message, invalid_utf8_shown_as_question_mark)
{
    bloc_error_t err;
    load_bad(BAD_DIR "invalid_utf8.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "invalid_utf8.yaml:5:13: invalid input: invalid leading UTF-8 octet\n"
                                          "    device: \"cpu?\"\n"
                                          "                ^");
}

Test(config_message, missing_key_points_at_mapping)
{
    bloc_error_t err;
    load_bad(BAD_DIR "missing_solver_name.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "missing_solver_name.yaml:4:3: solver: missing required key 'name'\n"
                                          "      alpha: 0.2\n"
                                          "      ^");
}

Test(config_message, empty_file_full)
{
    bloc_error_t err;
    load_bad(BAD_DIR "empty.yaml", &err);
    cr_assert_str_eq(err.message, BAD_DIR "empty.yaml:1:1: empty config (expected a mapping with problem, "
                                          "solver and iterations)\n"
                                          "    \n"
                                          "    ^");
}

/* ---- good configs ------------------------------------------------------ */

static void load_good(const char *name, bloc_config_t *cfg)
{
    char path[1024];
    bloc_error_t err;
    memset(&err, 0, sizeof err);
    snprintf(path, sizeof path, "%s%s.yaml", GOOD_DIR, name);
    int st = bloc_config_load(cfg, path, &err);
    cr_assert_eq(st, BLOC_OK, "%s: %s", name, err.message);
    cr_assert_str_eq(cfg->path, path);
}

Test(config_good, minimal_gets_defaults)
{
    bloc_config_t cfg;
    load_good("minimal", &cfg);
    cr_assert_not_null(cfg.problem);
    cr_assert_str_eq(cfg.problem->name, "toy_nonconvex_1d");
    cr_assert_eq(cfg.problem, bloc_problem_find("toy_nonconvex_1d"));
    cr_assert_not_null(cfg.solver);
    cr_assert_str_eq(cfg.solver->name, "meha");
    cr_assert_eq(cfg.iterations, 10);
    cr_assert_eq(cfg.precision, BLOC_FP32);
    cr_assert_eq(cfg.log_every, 100);
    cr_assert_eq(cfg.seed, 0);
    cr_assert_str_eq(cfg.device, "");
    cr_assert_str_eq(cfg.output, "results/minimal");
    cr_assert_eq(cfg.reduce_groups, 32);
    cr_assert_eq(cfg.local_size, 64);
    /* parameters: table defaults, in table order */
    double want_problem[] = {1, -6, 0, -HUGE_VAL, HUGE_VAL /* no box */};
    double want_solver[] = {0.1, 0.1, 0.05, 1, 2, 0.49, 0 /* variant: paper */};
    cr_assert_eq(cfg.problem->nparams, 5);
    cr_assert_eq(cfg.solver->nparams, 7);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(cfg.problem_params[i], want_problem[i], "problem param %d", i);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(cfg.solver_params[i], want_solver[i], "solver param %d", i);
}

Test(config_good, full_sets_every_key)
{
    bloc_config_t cfg;
    load_good("full", &cfg);
    cr_assert_str_eq(cfg.problem->name, "toy_nonconvex_1d");
    cr_assert_str_eq(cfg.solver->name, "meha");
    cr_assert_str_eq(cfg.device, "pocl:cpu");
    cr_assert_eq(cfg.precision, BLOC_FP64);
    cr_assert_eq(cfg.iterations, 5000);
    cr_assert_eq(cfg.log_every, 250);
    cr_assert_eq(cfg.seed, 42);
    cr_assert_str_eq(cfg.output, "out/full-run");
    cr_assert_eq(cfg.reduce_groups, 64);
    cr_assert_eq(cfg.local_size, 256);
    double want_problem[] = {1000, -3.5, 0};
    double want_solver[] = {0.2, 1e-2, 0.05, 3, 2, 0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(cfg.problem_params[i], want_problem[i], "problem param %d", i);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(cfg.solver_params[i], want_solver[i], "solver param %d", i);
}

Test(config_good, bom_crlf_flow_style)
{
    bloc_config_t cfg;
    load_good("bom_crlf_flow", &cfg);
    cr_assert_str_eq(cfg.problem->name, "toy_merely_convex");
    cr_assert_eq(cfg.problem_params[0], 10);
    cr_assert_eq(cfg.problem_params[1], -0.5);
    cr_assert_eq(cfg.solver_params[4], 4);
    cr_assert_eq(cfg.iterations, 3);
    cr_assert_eq(cfg.precision, BLOC_FP32);
    cr_assert_str_eq(cfg.output, "results/bom_crlf_flow");
}

Test(config_good, precision_names)
{
    cr_assert_str_eq(bloc_precision_name(BLOC_FP32), "fp32");
    cr_assert_str_eq(bloc_precision_name(BLOC_FP64), "fp64");
}

Test(config_good, missing_file_is_io_error)
{
    bloc_config_t cfg;
    bloc_error_t err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(bloc_config_load(&cfg, GOOD_DIR "no-such.yaml", &err), BLOC_ERR_IO);
    cr_assert_eq(err.status, BLOC_ERR_IO);
    cr_assert_str_eq(err.message, "cannot open " GOOD_DIR "no-such.yaml: No such file or directory");
    cr_assert_eq(bloc_config_load(&cfg, GOOD_DIR, &err), BLOC_ERR_IO, "%s", err.message);
}

/* ---- --set ------------------------------------------------------------- */

static void set_ok(bloc_config_t *cfg, const char *assignment)
{
    bloc_error_t err;
    memset(&err, 0, sizeof err);
    int st = bloc_config_set(cfg, assignment, &err);
    cr_assert_eq(st, BLOC_OK, "--set %s: %s", assignment, err.message);
}

static void set_fails(bloc_config_t *cfg, const char *assignment, const char *message)
{
    bloc_error_t err;
    memset(&err, 0, sizeof err);
    bloc_config_t before = *cfg;
    int st = bloc_config_set(cfg, assignment, &err);
    cr_assert_eq(st, BLOC_ERR_CONFIG, "--set %s: status %d", assignment, st);
    cr_assert_eq(err.status, BLOC_ERR_CONFIG);
    char want[4096];
    expand(message, want, sizeof want);
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(memcmp(&before, cfg, sizeof before), 0, "--set %s changed the config", assignment);
}

Test(config_set, values)
{
    bloc_config_t cfg;
    load_good("minimal", &cfg);
    set_ok(&cfg, "solver.alpha=0.2");
    set_ok(&cfg, "solver.p=0");
    set_ok(&cfg, "iterations=500");
    set_ok(&cfg, "problem.n=100");
    set_ok(&cfg, "problem.x0=-2.5e1");
    set_ok(&cfg, "reduction.local_size=128");
    set_ok(&cfg, "reduction.groups=1024");
    set_ok(&cfg, "device=cpu");
    set_ok(&cfg, "output=out/x=y");
    set_ok(&cfg, "precision=fp64");
    set_ok(&cfg, "seed=7");
    set_ok(&cfg, "log_every=5");
    cr_assert_eq(cfg.solver_params[0], 0.2);
    cr_assert_eq(cfg.solver_params[5], 0);
    cr_assert_eq(cfg.solver_params[1], 0.1); /* untouched */
    cr_assert_eq(cfg.iterations, 500);
    cr_assert_eq(cfg.problem_params[0], 100);
    cr_assert_eq(cfg.problem_params[1], -25);
    cr_assert_eq(cfg.local_size, 128);
    cr_assert_eq(cfg.reduce_groups, 1024);
    cr_assert_str_eq(cfg.device, "cpu");
    cr_assert_str_eq(cfg.output, "out/x=y");
    cr_assert_eq(cfg.precision, BLOC_FP64);
    cr_assert_eq(cfg.seed, 7);
    cr_assert_eq(cfg.log_every, 5);
}

/* A word-valued parameter stores the index of the word. */
Test(config_set, choice_parameter)
{
    bloc_config_t cfg;
    load_good("minimal", &cfg);
    int v = bloc_param_find(cfg.solver->params, cfg.solver->nparams, "variant");
    cr_assert_geq(v, 0);
    cr_assert_eq(cfg.solver_params[v], 0, "default is paper");
    set_ok(&cfg, "solver.variant=code");
    cr_assert_eq(cfg.solver_params[v], 1);
    set_ok(&cfg, "solver.variant=paper");
    cr_assert_eq(cfg.solver_params[v], 0);
}

Test(config_set, errors)
{
    bloc_config_t cfg;
    load_good("minimal", &cfg);
    set_fails(&cfg, "foo=1",
              "--set foo=1: unknown key 'foo' (valid keys: problem, solver, device, precision, iterations, "
              "log_every, seed, output, reduction, compare, checkpoint_every, divergence)");
    set_fails(&cfg, "solver.alhpa=1",
              "--set solver.alhpa=1: unknown key 'alhpa' (valid keys for solver 'meha': name, {MEHA_KEYS})");
    set_fails(&cfg, "solver.alpha.x=1",
              "--set solver.alpha.x=1: unknown key 'alpha.x' (valid keys for solver 'meha': name, {MEHA_KEYS})");
    set_fails(&cfg, "reduction.size=8",
              "--set reduction.size=8: unknown key 'size' (valid keys: groups, local_size)");
    set_fails(&cfg, "solver.alpha=abc", "--set solver.alpha=abc: expected a number, got 'abc'");
    set_fails(&cfg, "solver.alpha=0x10", "--set solver.alpha=0x10: expected a number, got '0x10'");
    set_fails(&cfg, "solver.alpha=nan", "--set solver.alpha=nan: expected a finite number, got 'nan'");
    set_fails(&cfg, "solver.alpha=", "--set solver.alpha=: expected a number, got null");
    set_fails(&cfg, "solver.alpha=-1", "--set solver.alpha=-1: must be in (0, inf), got '-1'");
    set_fails(&cfg, "solver.variant=fancy", "--set solver.variant=fancy: expected one of paper, code, got 'fancy'");
    set_fails(&cfg, "solver.variant=", "--set solver.variant=: expected one of paper, code, got null");
    set_fails(&cfg, "solver.p=0.5", "--set solver.p=0.5: must be in [0, 0.5), got '0.5'");
    set_fails(&cfg, "problem.n=0", "--set problem.n=0: must be in [1, 100000000], got '0'");
    set_fails(&cfg, "problem.n=2.5", "--set problem.n=2.5: expected an integer, got '2.5'");
    set_fails(&cfg, "iterations=1.5", "--set iterations=1.5: expected an integer, got '1.5'");
    set_fails(&cfg, "iterations= 5", "--set iterations= 5: expected an integer, got ' 5'");
    set_fails(&cfg, "reduction.local_size=48", "--set reduction.local_size=48: must be a power of two, got '48'");
    set_fails(&cfg, "precision=fp16", "--set precision=fp16: expected fp32 or fp64, got 'fp16'");
    set_fails(&cfg, "solver.name=other",
              "--set solver.name=other: solver.name cannot be overridden (choose the solver in the config file)");
    set_fails(&cfg, "problem.name=toy_merely_convex",
              "--set problem.name=toy_merely_convex: problem.name cannot be overridden (choose the problem in "
              "the config file)");
    set_fails(&cfg, "solver=meha", "--set solver=meha: 'solver' is a mapping: set one of its keys, e.g. "
                                   "solver.KEY=VALUE");
    set_fails(&cfg, "seed.x=1", "--set seed.x=1: 'seed' has no sub-keys");
    set_fails(&cfg, "iterations", "--set iterations: expected key.path=value");
    set_fails(&cfg, "=5", "--set =5: expected key.path=value");
}

/* One mechanism: a file error and the same --set error say the same thing. */
Test(config_set, same_message_as_file)
{
    bloc_config_t cfg;
    bloc_error_t ferr, serr;
    load_bad(BAD_DIR "out_of_range.yaml", &ferr);
    load_good("minimal", &cfg);
    memset(&serr, 0, sizeof serr);
    cr_assert_eq(bloc_config_set(&cfg, "solver.p=0.5", &serr), BLOC_ERR_CONFIG);
    char fline[1024];
    bloc_test_first_line(ferr.message, fline, sizeof fline);
    const char *fmsg = strstr(fline, "solver.p: ");
    const char *smsg = serr.message + strlen("--set solver.p=0.5: ");
    cr_assert_not_null(fmsg);
    cr_assert_str_eq(fmsg + strlen("solver.p: "), smsg);
}

/* ---- never crash: generated inputs -------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Loads path; the result must be OK or a well-formed config error. */
static int load_any(const char *path, bloc_error_t *err)
{
    bloc_config_t cfg;
    memset(err, 0, sizeof *err);
    int st = bloc_config_load(&cfg, path, err);
    if (st == BLOC_OK)
        return st;
    cr_assert_eq(st, BLOC_ERR_CONFIG, "status %d: %s", st, err->message);
    cr_assert_eq(strncmp(err->message, path, strlen(path)), 0, "%s", err->message);
    cr_assert_eq(err->message[strlen(path)], ':');
    cr_assert_eq(count_lines(err->message), 3, "%s", err->message);
    return st;
}

Test(config_robust, huge_line_is_windowed)
{
    char dir[1024], path[1200];
    bloc_test_tmpdir("config-huge", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/huge.yaml", dir);
    const char *head = "{problem: {name: toy_nonconvex_1d}, solver: {name: meha}, iterations: 10,";
    size_t pad = 200000;
    size_t len = strlen(head) + pad + 20;
    char *text = malloc(len);
    cr_assert_not_null(text);
    size_t n = (size_t)sprintf(text, "%s", head);
    memset(text + n, ' ', pad);
    n += pad;
    n += (size_t)sprintf(text + n, "seed: -1}\n");
    write_file(path, text, n);
    free(text);

    bloc_error_t err;
    load_any(path, &err);
    char want[1300];
    snprintf(want, sizeof want, "%s:1:%zu: seed: must be in [0, inf), got '-1'", path, strlen(head) + pad + 7);
    char line[1400];
    bloc_test_first_line(err.message, line, sizeof line);
    cr_assert_str_eq(line, want);
    /* the source line is a window around the column; the caret sits under '-1' */
    const char *src = strchr(err.message, '\n') + 1;
    const char *caret = strchr(src, '\n') + 1;
    cr_assert_lt(caret - src, 200, "%s", err.message);
    size_t col = strlen(caret) - 1;
    cr_assert_eq(strncmp(src + col, "-1}", 3), 0, "%s", err.message);
    cr_assert_eq(strncmp(src, "    ...", 7), 0);
}

Test(config_robust, huge_key)
{
    char dir[1024], path[1200];
    bloc_test_tmpdir("config-key", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/key.yaml", dir);
    size_t n = 100000;
    char *text = malloc(n + 8);
    cr_assert_not_null(text);
    memset(text, 'k', n);
    memcpy(text + n, ": 1\n", 4);
    write_file(path, text, n + 4);
    free(text);
    bloc_error_t err;
    load_any(path, &err);
    /* libyaml limits simple keys to 1024 characters */
    char want[1300], line[1400];
    snprintf(want, sizeof want, "%s:1:100001: syntax error: mapping values are not allowed in this context",
             path);
    bloc_test_first_line(err.message, line, sizeof line);
    cr_assert_str_eq(line, want);
    cr_assert_lt(strlen(err.message), strlen(want) + 300, "%s", err.message);
}

Test(config_robust, nul_and_control_bytes)
{
    char dir[1024], path[1200];
    bloc_test_tmpdir("config-nul", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/nul.yaml", dir);
    static const char text[] = "problem:\n  name: toy\0nonconvex\n";
    write_file(path, text, sizeof text - 1);
    bloc_error_t err;
    load_any(path, &err);
    char want[1300];
    snprintf(want, sizeof want,
             "%s:2:12: invalid input: control characters are not allowed\n"
             "      name: toy?nonconvex\n"
             "               ^",
             path);
    cr_assert_str_eq(err.message, want);
}

Test(config_robust, deep_nesting)
{
    char dir[1024], path[1200];
    bloc_test_tmpdir("config-deep", dir, sizeof dir);
    size_t depth = 20000;
    char *text = malloc(2 * depth + 32);
    cr_assert_not_null(text);
    size_t n = (size_t)sprintf(text, "iterations: ");
    memset(text + n, '[', depth);
    memset(text + n + depth, ']', depth);
    n += 2 * depth;
    text[n++] = '\n';
    snprintf(path, sizeof path, "%s/deep.yaml", dir);
    write_file(path, text, n);
    free(text);
    bloc_error_t err;
    load_any(path, &err);
    cr_assert_not_null(strstr(err.message, ":1:13: iterations: expected an integer, got a sequence"), "%s",
                       err.message);
}

Test(config_robust, random_mutations)
{
    char dir[1024], path[1200], src[1024];
    bloc_test_tmpdir("config-fuzz", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    snprintf(src, sizeof src, "%sfull.yaml", GOOD_DIR);
    FILE *f = fopen(src, "rb");
    cr_assert_not_null(f);
    unsigned char base[4096];
    size_t len = fread(base, 1, sizeof base, f);
    fclose(f);
    cr_assert_gt(len, 100);

    static const unsigned char alphabet[] = ":-[]{}&*!|>'\"#\t\n\r ,.0e9aZ\xff\xc3\x80\0";
    unsigned seed = 12345;
    int ok = 0, bad = 0;
    for (int iter = 0; iter < 1500; iter++) {
        unsigned char buf[4096];
        memcpy(buf, base, len);
        size_t n = len;
        int edits = 1 + rand_r(&seed) % 4;
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)rand_r(&seed) % n;
            if (rand_r(&seed) % 2)
                buf[at] = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
            else
                buf[at] = (unsigned char)rand_r(&seed);
        }
        if (rand_r(&seed) % 8 == 0)
            n = (size_t)rand_r(&seed) % n;
        write_file(path, buf, n);
        bloc_error_t err;
        if (load_any(path, &err) == BLOC_OK)
            ok++;
        else
            bad++;
    }
    /* both outcomes happen, so the test exercised the walker and the errors */
    cr_assert_gt(ok, 0);
    cr_assert_gt(bad, 0);
}
