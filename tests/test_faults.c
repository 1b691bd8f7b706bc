/* Fault injection and OpenCL object counts (host/cltrack.h), in a build
 * with -DBLOC_FAULTS=ON -DBLOC_DEBUG_COUNTS=ON (scripts/sanitize.sh makes
 * one, with ASan and UBSan); in other builds these tests are skipped.
 *
 * For each wrapped OpenCL call that can fail, a short `bloc run` is made to
 * fail at the call's first, middle and last use (counts from a clean run):
 * the process must exit with status 1 (no crash, no sanitizer report), print
 * an error naming the call and its code, and release every OpenCL object
 * (the counts build would exit with 70 otherwise). Failures the engine
 * recovers from by design (a cached binary the driver refuses) must not
 * fail the run. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "support.h"

#if !defined(BLOC_FAULTS) || !defined(BLOC_DEBUG_COUNTS)

Test(faults, need_a_fault_build)
{
    cr_skip_test("build with -DBLOC_FAULTS=ON -DBLOC_DEBUG_COUNTS=ON (scripts/sanitize.sh) to run these tests");
}

#else

#define CONFIG BLOC_TEST_DIR "/../configs/meha_toy_nonconvex_1d.yaml"
#define RUN_ARGS "run '" CONFIG "' --set iterations=20 --set log_every=5 --set checkpoint_every=10 --progress none"

static char out[1 << 16];

/* Runs `bloc args` with BLOC_CL_COUNTS=1 and, if env is not NULL, the
 * environment variable assignment env ("NAME=VALUE") for that run only. */
static int run_env(const char *env, const char *args)
{
    setenv("BLOC_CL_COUNTS", "1", 1);
    char name[64] = "";
    const char *eq = env ? strchr(env, '=') : NULL;
    if (eq) {
        snprintf(name, sizeof name, "%.*s", (int)(eq - env), env);
        setenv(name, eq + 1, 1);
    }
    int rc = bloc_test_run_cli(args, out, sizeof out);
    if (eq)
        unsetenv(name);
    return rc;
}

/* Calls made by a clean run, from the "bloc: OpenCL calls:" line. */
static long calls_of(const char *text, const char *call)
{
    const char *line = strstr(text, "bloc: OpenCL calls:");
    cr_assert_not_null(line, "no call counts in:\n%s", text);
    char key[80];
    snprintf(key, sizeof key, " %s ", call);
    const char *p = strstr(line, key);
    const char *nl = strchr(line, '\n');
    if (!p || (nl && p > nl))
        return 0;
    return strtol(p + strlen(key), NULL, 10);
}

static void no_crash_no_leak(const char *what)
{
    cr_assert_null(strstr(out, "AddressSanitizer"), "%s:\n%s", what, out);
    cr_assert_null(strstr(out, "LeakSanitizer"), "%s:\n%s", what, out);
    cr_assert_null(strstr(out, "runtime error"), "%s:\n%s", what, out);
    cr_assert_not_null(strstr(out, "; outstanding 0\n"), "%s: objects outstanding:\n%s", what, out);
}

/* The error message names the call and the injected code. */
static void names_call(const char *call, const char *code, const char *what)
{
    char injected[200], named[200];
    snprintf(injected, sizeof injected, "bloc: fault injected: %s call ", call);
    cr_assert_not_null(strstr(out, injected), "%s: no fault injected:\n%s", what, out);
    int found = 0;
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (bloc_test_starts_with(line, "bloc: "))
            continue;
        snprintf(named, sizeof named, "failed: %s (", code);
        const char *nl = strchr(line, '\n');
        const char *c = strstr(line, call), *f = strstr(line, named);
        if (c == line && f && (!nl || f < nl))
            found = 1;
    }
    cr_assert(found, "%s: no error line starting with %s and naming %s:\n%s", what, call, code, out);
}

typedef struct {
    const char *call, *code;
} fault_t;

static const fault_t faults[] = {
    {"clGetPlatformIDs", "CL_OUT_OF_HOST_MEMORY"},
    {"clCreateContext", "CL_OUT_OF_HOST_MEMORY"},
    {"clCreateCommandQueue", "CL_OUT_OF_RESOURCES"},
    {"clCreateProgramWithSource", "CL_OUT_OF_HOST_MEMORY"},
    {"clBuildProgram", "CL_BUILD_PROGRAM_FAILURE"},
    {"clCreateKernel", "CL_OUT_OF_HOST_MEMORY"},
    {"clCreateBuffer", "CL_MEM_OBJECT_ALLOCATION_FAILURE"},
    {"clSetKernelArg", "CL_OUT_OF_RESOURCES"},
    {"clEnqueueNDRangeKernel", "CL_OUT_OF_RESOURCES"},
    {"clEnqueueReadBuffer", "CL_OUT_OF_RESOURCES"},
    {"clFinish", "CL_OUT_OF_RESOURCES"},
};
#define NFAULTS (sizeof faults / sizeof faults[0])

/* Every call at its first, middle and last use in a run without the
 * program cache (so the build is the from-source one). */
Test(faults, each_call_first_middle_last, .timeout = 600)
{
    char dir[1024], args[2048], env[128], what[256];
    bloc_test_tmpdir("faults", dir, sizeof dir);
    setenv("BLOC_CACHE_DIR", "off", 1);
    snprintf(args, sizeof args, RUN_ARGS " --out '%s'", dir);
    cr_assert_eq(run_env(NULL, args), 0, "clean run:\n%s", out);
    no_crash_no_leak("clean run");
    char clean[sizeof out];
    memcpy(clean, out, sizeof out);
    int cases = 0;
    for (size_t i = 0; i < NFAULTS; i++) {
        long n = calls_of(clean, faults[i].call);
        cr_assert_gt(n, 0, "%s is not called by the clean run:\n%s", faults[i].call, clean);
        long at[3] = {1, (n + 1) / 2, n};
        for (int j = 0; j < 3; j++) {
            if (j > 0 && at[j] == at[j - 1])
                continue;
            snprintf(env, sizeof env, "BLOC_FAULT=%s:%ld", faults[i].call, at[j]);
            snprintf(what, sizeof what, "%s (of %ld calls)", env, n);
            int rc = run_env(env, args);
            cr_assert_eq(rc, 1, "%s: exit status %d:\n%s", what, rc, out);
            names_call(faults[i].call, faults[i].code, what);
            no_crash_no_leak(what);
            cr_log_info("%-45s exit 1, message names the call, 0 objects outstanding", what);
            cases++;
        }
    }
    cr_log_info("%d fault cases", cases);
}

/* With a warm program cache, a refused binary or a failed build from it is
 * a cache miss: the program is rebuilt from source and the run succeeds. */
Test(faults, cache_faults_fall_back_to_a_rebuild)
{
    char dir[1024], cache[1024], args[2048];
    bloc_test_tmpdir("faultcache", dir, sizeof dir);
    bloc_test_tmpdir("faultcache-cache", cache, sizeof cache);
    setenv("BLOC_CACHE_DIR", cache, 1);
    snprintf(args, sizeof args, RUN_ARGS " --out '%s'", dir);
    cr_assert_eq(run_env(NULL, args), 0, "%s", out); /* fills the cache */
    const char *cases[] = {"BLOC_FAULT=clCreateProgramWithBinary:1", "BLOC_FAULT=clBuildProgram:1"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(run_env(cases[i], args), 0, "%s:\n%s", cases[i], out);
        cr_assert_not_null(strstr(out, "(program compiled, "), "%s: rebuilt:\n%s", cases[i], out);
        no_crash_no_leak(cases[i]);
    }
    /* a failed build from source after the miss is an error */
    cr_assert_eq(run_env("BLOC_FAULT=clCreateProgramWithBinary:1,clBuildProgram:1", args), 1, "%s", out);
    names_call("clBuildProgram", "CL_BUILD_PROGRAM_FAILURE", "second build");
    no_crash_no_leak("second build");
}

/* A resume whose vector upload fails: exit 1, call named, nothing leaked,
 * the checkpoint left as it was (the next resume works). */
Test(faults, resume_upload)
{
    char dir[1024], args[2048];
    bloc_test_tmpdir("faultresume", dir, sizeof dir);
    setenv("BLOC_CACHE_DIR", "off", 1);
    snprintf(args, sizeof args, RUN_ARGS " --out '%s'", dir);
    cr_assert_eq(run_env(NULL, args), 0, "%s", out);
    snprintf(args, sizeof args, "run --resume '%s' --progress none", dir);
    cr_assert_eq(run_env("BLOC_FAULT=clEnqueueWriteBuffer:3", args), 1, "%s", out);
    names_call("clEnqueueWriteBuffer", "CL_OUT_OF_RESOURCES", "resume upload");
    no_crash_no_leak("resume upload");
    cr_assert_eq(run_env(NULL, args), 0, "%s", out);
}

/* The commands that open sessions release everything they create. */
Test(counts, commands_release_every_object, .timeout = 300)
{
    char dir[1024], args[2048];
    bloc_test_tmpdir("counts", dir, sizeof dir);
    setenv("BLOC_CACHE_DIR", BLOC_BUILD_DIR "/test-cache", 1);
    const char *cmds[] = {
        "run '" BLOC_TEST_DIR "/../configs/iaptt_toy_iaptt_1d.yaml' --set iterations=50 --progress none --out '%s'",
        "run '" BLOC_TEST_DIR "/../configs/meha_sparse_regression.yaml' --set iterations=50 --progress none --out '%s'",
        "graph '" BLOC_TEST_DIR "/../configs/bome_quadratic.yaml'",
        "compare '" BLOC_TEST_DIR "/../configs/meha_toy_merely_convex.yaml' --set iterations=20 --out '%s'",
        "devices",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, cmds[i], dir);
        int rc = run_env(NULL, args);
        cr_assert(rc == 0 || (i == 3 && rc == 4), "%s: exit %d\n%s", args, rc, out);
        if (i < 4)
            no_crash_no_leak(args);
    }
}

/* The check itself: a process that ends with a buffer outstanding exits
 * with status 70 and names it. */
Test(counts, a_leak_fails_the_process)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        bloc_runtime_t rt;
        bloc_error_t err;
        if (bloc_runtime_create(&rt, getenv("BLOC_TEST_DEVICE"), BLOC_FP32, &err))
            _exit(1);
        cl_int rc;
        cl_mem m = clCreateBuffer(rt.ctx, CL_MEM_READ_WRITE, 64, NULL, &rc);
        (void)m;
        bloc_runtime_release(&rt); /* the buffer stays */
        exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child crashed");
    cr_assert_eq(WEXITSTATUS(status), BLOC_CLTRACK_LEAK_EXIT);
}

#endif
