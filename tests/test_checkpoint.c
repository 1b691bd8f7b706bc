/* Checkpoint and resume (host/checkpoint.h, `bloc run --resume DIR`):
 * - a run stopped after a checkpoint and resumed writes the same trajectory
 *   bits (every column but wall time) as an uninterrupted run, for solvers
 *   of every family and both precisions;
 * - a run killed by SIGKILL at a random point, twice, then resumed, does too;
 * - resumes on another config, from a damaged or missing checkpoint, and
 *   bad option combinations are refused with clear messages;
 * - a half-written trajectory row after the checkpoint is dropped. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "run.h"
#include "support.h"

#define CONFIGS BLOC_TEST_DIR "/../configs/"

/* Whole file, malloc'd, NUL-terminated; NULL if missing. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (size_t got; b && (got = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    cr_assert_not_null(b);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

/* trajectory.csv without its wall_s column (the second), for bitwise
 * comparison of every value column. */
static char *trajectory_values(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    char *t = read_all(path, NULL);
    cr_assert_not_null(t, "no %s", path);
    char *out = malloc(strlen(t) + 1), *o = out;
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "%s: a row without its newline: '%s'", path, line);
        char *c1 = memchr(line, ',', (size_t)(nl - line));
        char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(nl - c1 - 1)) : NULL;
        cr_assert(c1 && c2, "%s: short row", path);
        memcpy(o, line, (size_t)(c1 - line));
        o += c1 - line;
        memcpy(o, c2, (size_t)(nl + 1 - c2));
        o += nl + 1 - c2;
        line = nl + 1;
    }
    *o = '\0';
    free(t);
    return out;
}

static int count_rows(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n - 1;
}

/* ------------------------------------------------------------------------ */
/* Stopped and resumed through the library                                  */

typedef struct {
    long stop_at;
} stopper_t;

static int stop_cb(void *user, long k, const double *values, const double *x, size_t nx, const double *y, size_t ny)
{
    return k == ((stopper_t *)user)->stop_at;
}

static void load(const char *name, const char *const *sets, int nsets, bloc_config_t *cfg)
{
    char path[1024];
    bloc_error_t err;
    snprintf(path, sizeof path, CONFIGS "%s", name);
    cr_assert_eq(bloc_config_load(cfg, path, &err), BLOC_OK, "%s", err.message);
    for (int i = 0; i < nsets; i++)
        cr_assert_eq(bloc_config_set(cfg, sets[i], &err), BLOC_OK, "%s", err.message);
    const char *dev = getenv("BLOC_TEST_DEVICE");
    if (dev)
        snprintf(cfg->device, sizeof cfg->device, "%s", dev);
}

/* log_every L, checkpoint every 2 L, 8 L iterations; the interrupted run
 * stops at the log point 5 L (after the checkpoint of 4 L, before that of
 * 6 L) and is resumed. */
static void stop_and_resume(const char *config, const char *precision, long L)
{
    char sets[4][64];
    snprintf(sets[0], sizeof sets[0], "log_every=%ld", L);
    snprintf(sets[1], sizeof sets[1], "checkpoint_every=%ld", 2 * L);
    snprintf(sets[2], sizeof sets[2], "iterations=%ld", 8 * L);
    snprintf(sets[3], sizeof sets[3], "precision=%s", precision);
    const char *sp[4] = {sets[0], sets[1], sets[2], sets[3]};
    bloc_config_t cfg;
    load(config, sp, 4, &cfg);
    char ref[1024], dir[1024], tag[128];
    snprintf(tag, sizeof tag, "ckref-%s-%s", config, precision);
    bloc_test_tmpdir(tag, ref, sizeof ref);
    snprintf(tag, sizeof tag, "ckres-%s-%s", config, precision);
    bloc_test_tmpdir(tag, dir, sizeof dir);
    bloc_run_result_t a, b, c;
    bloc_error_t err;
    bloc_run_options_t o = {.progress = BLOC_PROGRESS_NONE, .out_dir = ref};
    cr_assert_eq(bloc_run(&cfg, &o, &a, &err), BLOC_OK, "%s: %s", config, err.message);
    cr_assert_eq(a.last_checkpoint, 8 * L);

    stopper_t stop = {5 * L};
    bloc_run_options_t o2 = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir, .on_log = stop_cb, .user = &stop};
    cr_assert_eq(bloc_run(&cfg, &o2, &b, &err), BLOC_ERR_NOMEM, "the callback stops the run");
    cr_assert_eq(b.last_checkpoint, 4 * L);

    bloc_run_options_t o3 = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir, .resume = 1};
    cr_assert_eq(bloc_run(&cfg, &o3, &c, &err), BLOC_OK, "%s: %s", config, err.message);
    cr_assert_eq(c.resumed_from, 4 * L);
    cr_assert_eq(c.iterations, 8 * L);
    char *ta = trajectory_values(ref), *tc = trajectory_values(dir);
    cr_assert_str_eq(tc, ta, "%s %s: resumed trajectory differs", config, precision);
    cr_assert_eq(count_rows(ta), 9);
    for (int i = 0; i < 2 + a.nmetrics; i++)
        cr_assert(memcmp(&a.values[i], &c.values[i], sizeof(double)) == 0, "%s: final value %d: %.17g vs %.17g",
                  config, i, a.values[i], c.values[i]);
    free(ta);
    free(tc);
}

Test(resume, meha_toy_nonconvex_fp32) { stop_and_resume("meha_toy_nonconvex_1d.yaml", "fp32", 100); }
Test(resume, meha_sparse_regression_fp32) { stop_and_resume("meha_sparse_regression.yaml", "fp32", 20); }
Test(resume, bome_quadratic_fp64) { stop_and_resume("bome_quadratic.yaml", "fp64", 20); }
Test(resume, f2sa_toy_merely_convex_fp32) { stop_and_resume("f2sa_toy_merely_convex.yaml", "fp32", 20); }
Test(resume, vpbgd_toy_nonconvex_fp64) { stop_and_resume("vpbgd_toy_nonconvex_1d.yaml", "fp64", 20); }
Test(resume, iaptt_toy_iaptt_fp64) { stop_and_resume("iaptt_toy_iaptt_1d.yaml", "fp64", 10); }
Test(resume, trhg_toy_nonconvex_fp64) { stop_and_resume("trhg_toy_nonconvex_1d.yaml", "fp64", 10); }

/* ------------------------------------------------------------------------ */
/* Killed and resumed through the command line                              */

/* Starts `bloc ARGS...` with output to log; returns its pid. */
static pid_t spawn(const char *log, const char *const *args)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        if (!f || dup2(fileno(stdout), 2) < 0)
            _exit(127);
        const char *argv[32] = {BLOC_BIN};
        int n = 1;
        for (; args[n - 1]; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(BLOC_BIN, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Iteration of DIR's checkpoint, -1 if there is none (yet). */
static long checkpoint_iteration(const char *dir)
{
    bloc_checkpoint_t c;
    bloc_error_t err;
    if (bloc_checkpoint_load(dir, &c, &err) != BLOC_OK)
        return -1;
    bloc_checkpoint_free(&c);
    return c.iteration;
}

/* Waits until DIR holds a checkpoint at or past iteration `target`, then a
 * random time in [0, 0.1) s (so the kill falls anywhere between two
 * checkpoints, a checkpoint write included), then SIGKILLs pid. Returns 1
 * if the process died of the signal, 0 if it had finished on its own. The
 * point is chosen by progress, not by time: run speeds differ by 4x between
 * an idle and a loaded machine. */
static int kill_at(pid_t pid, const char *dir, long target, unsigned *seed)
{
    double t0 = now_s();
    int status;
    while (checkpoint_iteration(dir) < target) {
        cr_assert_lt(now_s() - t0, 120, "no checkpoint at %ld after 120 s", target);
        if (waitpid(pid, &status, WNOHANG) == pid)
            return 0;
        sleep_s(0.002);
    }
    double delay = 0.1 * (double)rand_r(seed) / ((double)RAND_MAX + 1);
    sleep_s(delay);
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    int killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    cr_log_info("%s %.3f s after the checkpoint of iteration %ld", killed ? "killed" : "finished before the kill",
                delay, target);
    return killed;
}

/* 40000 MEHA iterations (1.5 to 5 s on the 2-core CPU, by load), a
 * checkpoint every 500: killed at a random point past a random checkpoint
 * (at most the one of 35000, so at least 5000 iterations remain), resumed
 * and killed again at a random later point, then resumed to the end. Same
 * value columns as an uninterrupted run; the checkpoint file is whole after
 * each kill. */
Test(resume, killed_twice_at_random_points, .timeout = 300)
{
    char ref[1024], dir[1024], log[1200], cfgpath[1024];
    bloc_test_tmpdir("killref", ref, sizeof ref);
    bloc_test_tmpdir("killed", dir, sizeof dir);
    snprintf(log, sizeof log, "%s.log", dir);
    snprintf(cfgpath, sizeof cfgpath, CONFIGS "meha_toy_nonconvex_1d.yaml");
    const char *dev = getenv("BLOC_TEST_DEVICE");
    const char *run_ref[] = {"run", cfgpath, "--set", "iterations=40000", "--set", "log_every=100", "--set",
                             "checkpoint_every=500", "--progress", "none", "--out", ref,
                             dev ? "--device" : NULL, dev, NULL};
    int status;
    pid_t pid = spawn(log, run_ref);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reference run failed: %s", read_all(log, NULL));

    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    cr_log_info("kill seed %u", seed);
    const char *run_dir[] = {"run", cfgpath, "--set", "iterations=40000", "--set", "log_every=100", "--set",
                             "checkpoint_every=500", "--progress", "none", "--out", dir,
                             dev ? "--device" : NULL, dev, NULL};
    const char *resume[] = {"run", "--resume", dir, "--progress", "none", NULL};
    for (int round = 0; round < 2; round++) {
        long before = checkpoint_iteration(dir), first = before < 0 ? 500 : before + 500;
        long target = first < 35000 ? first + 500 * (long)(rand_r(&seed) % ((35000 - first) / 500 + 1)) : first;
        pid = spawn(log, round == 0 ? run_dir : resume);
        int killed = kill_at(pid, dir, target, &seed);
        if (round == 0)
            cr_assert(killed, "the first run finished before the kill: %s", read_all(log, NULL));
        long at = checkpoint_iteration(dir);
        cr_assert_geq(at, target, "after the kill the checkpoint is whole and at least the target");
        cr_log_info("round %d: checkpoint at iteration %ld", round, at);
    }
    pid = spawn(log, resume);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    char *out = read_all(log, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "resume failed: %s", out);
    cr_assert_not_null(strstr(out, "resumed from iteration "), "%s", out);
    free(out);
    char *ta = trajectory_values(ref), *tb = trajectory_values(dir);
    cr_assert_str_eq(tb, ta, "killed and resumed trajectory differs");
    cr_assert_eq(count_rows(ta), 401);
    free(ta);
    free(tb);
}

/* ------------------------------------------------------------------------ */
/* Refusals and damaged files                                               */

#define SHORT_RUN "run '" CONFIGS "meha_toy_nonconvex_1d.yaml' --set iterations=400 --set log_every=100 " \
                  "--set checkpoint_every=200 --progress none"

static void short_run(const char *tag, char *dir, size_t size)
{
    char args[2048], out[8192];
    bloc_test_tmpdir(tag, dir, size);
    snprintf(args, sizeof args, SHORT_RUN " --out '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 0, "%s", out);
}

Test(resume, other_config_is_refused)
{
    char dir[1024], args[2048], out[8192];
    short_run("ckother", dir, sizeof dir);
    snprintf(args, sizeof args, SHORT_RUN " --set solver.alpha=0.2 --resume '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    char expect[1200];
    snprintf(expect, sizeof expect, "cannot resume from %s/checkpoint.bin: it was written for a different config", dir);
    cr_assert(bloc_test_starts_with(out, expect), "%s", out);
    /* the same config and options resume (here: nothing left to do) */
    snprintf(args, sizeof args, SHORT_RUN " --resume '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 0, "%s", out);
    cr_assert_not_null(strstr(out, "resumed from iteration 400"), "%s", out);
}

Test(resume, damaged_or_missing_checkpoint)
{
    char dir[1024], args[2048], out[8192], path[1200];
    short_run("ckdamaged", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    size_t len;
    char *bin = read_all(path, &len);
    cr_assert_not_null(bin);
    bin[len - 80] ^= 1; /* a bit of the vector data */
    FILE *f = fopen(path, "wb");
    fwrite(bin, 1, len, f);
    fclose(f);
    snprintf(args, sizeof args, "run --resume '%s'", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 1, "%s", out);
    char expect[1300];
    snprintf(expect, sizeof expect, "%s: damaged checkpoint: checksum mismatch (truncated or modified file)\n", path);
    cr_assert_str_eq(out, expect);
    f = fopen(path, "wb"); /* truncated */
    fwrite(bin, 1, len / 2, f);
    fclose(f);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 1, "%s", out);
    cr_assert_str_eq(out, expect);
    free(bin);
    unlink(path);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 1, "%s", out);
    snprintf(expect, sizeof expect, "%s: cannot open: No such file or directory\n", path);
    cr_assert_str_eq(out, expect);
}

Test(resume, option_errors)
{
    char args[2048], out[8192];
    snprintf(args, sizeof args, SHORT_RUN " --set checkpoint_every=150 --out /tmp/bloc-never");
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    cr_assert_str_eq(out, "checkpoint_every = 150 is not a multiple of log_every = 100 (checkpoints are taken at "
                          "log points)\n");
    snprintf(args, sizeof args, "run --resume /tmp/a --out /tmp/b");
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    cr_assert(bloc_test_starts_with(out, "bloc: --resume DIR continues in DIR: drop --out (/tmp/b)"), "%s", out);
    snprintf(args, sizeof args, "run --set iterations=5");
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 2, "%s", out);
    cr_assert(bloc_test_starts_with(out, "bloc: run needs a CONFIG file"), "%s", out);
}

/* Rows after the checkpoint, the last one cut in the middle as by a crash
 * mid-write, are dropped when the run resumes (here the checkpoint is the
 * last iteration: the resume only cuts the file back). */
Test(resume, partial_rows_are_dropped)
{
    char dir[1024], ref[1024], args[2048], out[8192], path[1200];
    short_run("ckpartial", dir, sizeof dir);
    short_run("ckpartialref", ref, sizeof ref);
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    FILE *f = fopen(path, "a");
    fputs("500,1.0,1,2,3,4\n600,1.1,1,2", f);
    fclose(f);
    snprintf(args, sizeof args, "run --resume '%s' --progress none", dir);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 0, "%s", out);
    char *ta = trajectory_values(ref), *tb = trajectory_values(dir);
    cr_assert_str_eq(tb, ta);
    free(ta);
    free(tb);
}
