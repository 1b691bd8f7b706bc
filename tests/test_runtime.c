/* Runtime: SHA-256, kernel sources, program cache, device selection and
 * OpenCL error reporting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_shape.h"
#include "program_cache.h"
#include "runtime.h"
#include "sha256.h"
#include "sources.h"
#include "support.h"

static void sha(const char *msg, char hex[65])
{
    bloc_sha256_t s;
    bloc_sha256_init(&s);
    bloc_sha256_update(&s, msg, strlen(msg));
    bloc_sha256_hex(&s, hex);
}

/* FIPS 180-4 test vectors. */
Test(sha256, known_vectors)
{
    char h[65];
    sha("", h);
    cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha("abc", h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
    cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* The runtime hash of a source read through BLOC_KERNEL_ROOT equals the
 * build-time (CMake) hash of the embedded copy. */
Test(sources, kernel_root_matches_embedded)
{
    bloc_source_t emb, disk;
    int owned;
    bloc_error_t err;
    cr_assert_eq(bloc_source_get("kernels/reduce.cl", &emb, &owned, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(owned, 0);
    setenv("BLOC_KERNEL_ROOT", BLOC_TEST_DIR "/..", 1);
    cr_assert_eq(bloc_source_get("kernels/reduce.cl", &disk, &owned, &err), BLOC_OK, "%s", err.message);
    unsetenv("BLOC_KERNEL_ROOT");
    cr_assert_eq(owned, 1);
    cr_assert_str_eq(disk.sha256, emb.sha256);
    cr_assert_eq(disk.len, emb.len);
    cr_assert_eq(memcmp(disk.text, emb.text, emb.len), 0);
    free((char *)disk.text);
    cr_assert_eq(bloc_source_get("kernels/nope.cl", &emb, &owned, &err), BLOC_ERR_INTERNAL);
    cr_assert_str_eq(err.message, "kernel source kernels/nope.cl is not embedded in this build");
}

static const char *const srcs[] = {"kernels/vec.cl"};

static int build(const char *cache_dir, bloc_runtime_t *rt, bloc_error_t *err)
{
    setenv("BLOC_CACHE_DIR", cache_dir, 1);
    int st = bloc_runtime_create(rt, getenv("BLOC_TEST_DEVICE"), BLOC_FP32, err);
    cr_assert_eq(st, BLOC_OK, "%s", err->message);
    return bloc_runtime_build(rt, srcs, 1, err);
}

/* Cold build writes the cache, warm build loads it, a corrupt entry is a
 * miss that rebuilds and rewrites, and the kernels of a cached program run. */
Test(cache, cold_warm_corrupt)
{
    char dir[1024];
    bloc_test_tmpdir("cache", dir, sizeof dir);
    bloc_runtime_t rt;
    bloc_error_t err;
    cr_assert_eq(build(dir, &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 0);
    cr_assert(strstr(rt.cache_file, dir) == rt.cache_file, "cache file %s not in %s", rt.cache_file, dir);
    char file[1024];
    snprintf(file, sizeof file, "%s", rt.cache_file);
    bloc_runtime_release(&rt);

    cr_assert_eq(build(dir, &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 1);
    cl_kernel k;
    cr_assert_eq(bloc_runtime_kernel(&rt, "vec_axpby", &k, &err), BLOC_OK, "%s", err.message);
    clReleaseKernel(k);
    bloc_runtime_release(&rt);

    FILE *f = fopen(file, "r+b"); /* flip bytes inside the stored key */
    cr_assert_not_null(f);
    fseek(f, 20, SEEK_SET);
    fputs("XXXX", f);
    fclose(f);
    cr_assert_eq(build(dir, &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 0, "corrupt cache entry was used");
    bloc_runtime_release(&rt);
    cr_assert_eq(build(dir, &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 1, "rebuilt entry not rewritten");
    bloc_runtime_release(&rt);

    f = fopen(file, "r+b"); /* truncate */
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), 100), 0);
    fclose(f);
    cr_assert_eq(build(dir, &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 0, "truncated cache entry was used");
    bloc_runtime_release(&rt);
}

Test(cache, disabled)
{
    bloc_runtime_t rt;
    bloc_error_t err;
    cr_assert_eq(build("off", &rt, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(rt.program_from_cache, 0);
    cr_assert_str_eq(rt.cache_file, "");
    bloc_runtime_release(&rt);
}

/* A fresh kernel root (BLOC_KERNEL_ROOT set to it, path in dir): the
 * project's kernels/common.cl and a kernels/vec.cl holding vec_cl. */
static void kernel_root(const char *tag, const char *vec_cl, char *dir, size_t size)
{
    char cmd[4096], path[1100];
    bloc_test_tmpdir(tag, dir, size);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/kernels' && cp '%s/../kernels/common.cl' '%s/kernels/'", dir,
             BLOC_TEST_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/kernels/vec.cl", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(vec_cl, f);
    cr_assert_eq(fclose(f), 0);
    setenv("BLOC_KERNEL_ROOT", dir, 1);
}

/* A kernel that does not compile: BLOC_ERR_BUILD naming the call, the code,
 * the options and the log, which points at the file and line. */
Test(runtime, build_failure_reports_log)
{
    char dir[1024];
    kernel_root("badkernel", "__kernel void vec_copy(__global real *x) {\n  x[0] = undefined_name;\n}\n", dir,
                sizeof dir);
    bloc_runtime_t rt;
    bloc_error_t err;
    int st = build("off", &rt, &err);
    unsetenv("BLOC_KERNEL_ROOT");
    cr_assert_eq(st, BLOC_ERR_BUILD);
    cr_assert(bloc_test_starts_with(err.message, "clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11) on "), "%s", err.message);
    char opts[128]; /* BLOC_CPU, BLOC_GPU: the kind of device, neither for a simulator */
    int cpu = !rt.dev.is_simulator && (rt.dev.type & CL_DEVICE_TYPE_CPU);
    int gpu = !rt.dev.is_simulator && !cpu && (rt.dev.type & CL_DEVICE_TYPE_GPU);
    snprintf(opts, sizeof opts, "\nbuild options: -cl-std=CL1.2 -DBLOC_FP64=0 -DBLOC_CPU=%d -DBLOC_GPU=%d\nbuild log:\n",
             cpu != 0, gpu != 0);
    cr_assert_not_null(strstr(err.message, opts), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "kernels/vec.cl:2:"), "log does not locate the error: %s", err.message);
    cr_assert_not_null(strstr(err.message, "undefined_name"), "%s", err.message);
    bloc_runtime_release(&rt);
}

/* Builds the program of a kernel root whose vec.cl has a #warning, with
 * BLOC_BUILD_LOG set to want; stderr of the build in out. */
static void build_with_warning(const char *want, char *out, size_t size)
{
    /* a source of its own each time: a driver's own program cache (NVIDIA's)
     * would otherwise return the binary without the log */
    static int nbuild;
    char dir[1024], src[256], path[1100];
    snprintf(src, sizeof src,
             "#warning bloc build log probe %ld.%d\n__kernel void vec_copy(__global real *x) { x[0] = 1; }\n",
             (long)getpid(), nbuild++);
    kernel_root("warnkernel", src, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    setenv("BLOC_BUILD_LOG", want, 1);
    fflush(stderr);
    int saved = dup(2);
    cr_assert(saved >= 0 && freopen(path, "w", stderr) != NULL);
    bloc_runtime_t rt;
    bloc_error_t err;
    int st = build("off", &rt, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    unsetenv("BLOC_KERNEL_ROOT");
    unsetenv("BLOC_BUILD_LOG");
    cr_assert_eq(st, BLOC_OK, "%s", err.message);
    bloc_runtime_release(&rt);
    char *text = bloc_test_slurp(path);
    snprintf(out, size, "%s", text);
    free(text);
}

/* BLOC_BUILD_LOG=1 shows the log of a build that succeeds, positions
 * mapped to the file; with 0, bloc writes nothing. */
Test(runtime, build_log_on_request)
{
    char out[8192];
    build_with_warning("1", out, sizeof out);
    /* (a driver may write its own lines, PoCL's "1 warning generated.") */
    cr_assert_not_null(strstr(out, "build log of the program on "), "%s", out);
    cr_assert_not_null(strstr(out, "(options -cl-std=CL1.2 -DBLOC_FP64=0 -DBLOC_CPU="), "%s", out);
    cr_assert_not_null(strstr(out, "kernels/vec.cl:1:"), "log does not locate the warning: %s", out);
    cr_assert_not_null(strstr(out, "bloc build log probe"), "%s", out);
    build_with_warning("0", out, sizeof out);
    cr_assert_null(strstr(out, "build log"), "%s", out);
    cr_assert_null(strstr(out, "probe"), "%s", out);
}

Test(runtime, unknown_kernel_name)
{
    bloc_runtime_t rt;
    bloc_error_t err;
    cr_assert_eq(build("off", &rt, &err), BLOC_OK, "%s", err.message);
    cl_kernel k;
    cr_assert_eq(bloc_runtime_kernel(&rt, "no_such_kernel", &k, &err), BLOC_ERR_CL);
    cr_assert_str_eq(err.message, "clCreateKernel(\"no_such_kernel\") failed: CL_INVALID_KERNEL_NAME (-46)");
    bloc_runtime_release(&rt);
}

Test(devices, selection)
{
    bloc_device_info_t d, d2;
    bloc_error_t err;
    cr_assert_eq(bloc_device_select(NULL, &d, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(d.is_simulator, 0, "default device must not be a simulator");
    char idx[32];
    snprintf(idx, sizeof idx, "%d:%d", d.platform_index, d.device_index);
    cr_assert_eq(bloc_device_select(idx, &d2, &err), BLOC_OK, "%s", err.message);
    cr_assert_str_eq(d2.device_name, d.device_name);
    cr_assert_eq(bloc_device_select(bloc_device_type_name(d.type), &d2, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(bloc_device_select("no-such-device-xyz", &d2, &err), BLOC_ERR_DEVICE);
    cr_assert(bloc_test_starts_with(err.message, "no OpenCL device matches 'no-such-device-xyz'; available:\n  "), "%s", err.message);
    cr_assert_eq(bloc_device_select("99:0", &d2, &err), BLOC_ERR_DEVICE);
    cr_assert(bloc_test_starts_with(err.message, "no OpenCL device matches '99:0'"), "%s", err.message);
}

/* CLI surface: help, version, devices, and usage errors exit 2. */
Test(cli, commands_and_usage_errors)
{
    char out[16384], first[512];
    cr_assert_eq(bloc_test_run_cli("--version", out, sizeof out), 0);
    cr_assert_str_eq(out, "bloc " BLOC_VERSION "\n");
    cr_assert_eq(bloc_test_run_cli("--help", out, sizeof out), 0);
    cr_assert(bloc_test_starts_with(out, "usage: bloc <command> [options]\n"));
    cr_assert_eq(bloc_test_run_cli("devices", out, sizeof out), 0);
    cr_assert_not_null(strstr(out, "* = default device"), "%s", out);
    cr_assert_not_null(strstr(out, " fp64 shape OpenCL C "), "%s", out);
    cr_assert_eq(bloc_test_run_cli("frobnicate", out, sizeof out), 2);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "bloc: unknown command 'frobnicate'");
    cr_assert_eq(bloc_test_run_cli("run", out, sizeof out), 2);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "bloc: run needs a CONFIG file");
    cr_assert_eq(bloc_test_run_cli("run x.yaml --bogus", out, sizeof out), 2);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "bloc: unknown option '--bogus'");
    cr_assert_eq(bloc_test_run_cli("run x.yaml --progress fancy", out, sizeof out), 2);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "bloc: --progress takes auto, lines or none, not 'fancy'");
}

/* A device that does not exist: clear message, exit 1, nothing run. */
Test(cli, run_on_missing_device)
{
    char out[16384], first[512], args[1024];
    snprintf(args, sizeof args, "run '%s/../configs/meha_toy_merely_convex.yaml' --device no-such-gpu --out /tmp/bloc-never",
             BLOC_TEST_DIR);
    cr_assert_eq(bloc_test_run_cli(args, out, sizeof out), 1);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "no OpenCL device matches 'no-such-gpu'; available:");
}

/* Kernel shape: from the device type, or forced by BLOC_KERNEL_SHAPE; a
 * bad value is refused before any work (exit 2, nothing written). */
Test(kernel_shape, from_device_type_and_environment)
{
    bloc_device_info_t cpu = {.type = CL_DEVICE_TYPE_CPU, .max_work_group = 4096};
    bloc_device_info_t gpu = {.type = CL_DEVICE_TYPE_GPU, .max_work_group = 1024};
    bloc_device_info_t acc = {.type = CL_DEVICE_TYPE_ACCELERATOR, .max_work_group = 256};
    bloc_device_info_t small = {.type = CL_DEVICE_TYPE_GPU, .max_work_group = 128, .device_name = "tiny"};
    bloc_shape_t s;
    bloc_error_t err;
    unsetenv("BLOC_KERNEL_SHAPE");
    cr_assert_eq(bloc_kernel_shape(&cpu, &s, &err), BLOC_OK);
    cr_assert_eq(s, BLOC_SHAPE_CPU);
    cr_assert_eq(bloc_kernel_shape(&gpu, &s, &err), BLOC_OK);
    cr_assert_eq(s, BLOC_SHAPE_GPU);
    cr_assert_eq(bloc_kernel_shape(&acc, &s, &err), BLOC_OK);
    cr_assert_eq(s, BLOC_SHAPE_GPU);
    cr_assert_eq(bloc_kernel_shape(&small, &s, &err), BLOC_OK);
    cr_assert_eq(s, BLOC_SHAPE_CPU, "a GPU without 256-item work-groups gets the CPU shape");
    setenv("BLOC_KERNEL_SHAPE", "gpu", 1);
    cr_assert_eq(bloc_kernel_shape(&small, &s, &err), BLOC_ERR_DEVICE);
    cr_assert_str_eq(err.message, "BLOC_KERNEL_SHAPE=gpu needs work-groups of 256 work items; device 'tiny' allows 128");
    cr_assert_eq(bloc_kernel_shape(&cpu, &s, &err), BLOC_OK);
    cr_assert_str_eq(bloc_shape_name(s), "gpu");
    setenv("BLOC_KERNEL_SHAPE", "cpu", 1);
    cr_assert_eq(bloc_kernel_shape(&gpu, &s, &err), BLOC_OK);
    cr_assert_str_eq(bloc_shape_name(s), "cpu");
    setenv("BLOC_KERNEL_SHAPE", "GPU", 1);
    cr_assert_eq(bloc_kernel_shape(&gpu, &s, &err), BLOC_ERR_USAGE);
    cr_assert_str_eq(err.message, "BLOC_KERNEL_SHAPE='GPU': expected cpu or gpu");

    char out[16384], first[512], args[4096], dir[1024];
    bloc_test_tmpdir("badshape", dir, sizeof dir);
    setenv("BLOC_KERNEL_SHAPE", "wide", 1);
    snprintf(args, sizeof args, "run '%s/../configs/meha_toy_merely_convex.yaml' --out '%s/run'", BLOC_TEST_DIR, dir);
    int rc = bloc_test_run_cli(args, out, sizeof out);
    unsetenv("BLOC_KERNEL_SHAPE");
    cr_assert_eq(rc, 2, "%s", out);
    bloc_test_first_line(out, first, sizeof first);
    cr_assert_str_eq(first, "BLOC_KERNEL_SHAPE='wide': expected cpu or gpu");
    snprintf(args, sizeof args, "%s/run", dir);
    cr_assert_neq(access(args, F_OK), 0, "an output directory was created");
}
