#include "runtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build_log.h"
#include "kernel_shape.h"
#include "program_cache.h"
#include "sha256.h"
#include "sources.h"
#include "timing.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES 32

const char *bloc_device_type_name(cl_device_type t)
{
    if (t & CL_DEVICE_TYPE_GPU) return "gpu";
    if (t & CL_DEVICE_TYPE_CPU) return "cpu";
    if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
    return "other";
}

static void info_string(cl_device_id d, cl_device_info what, char *out, size_t size)
{
    if (clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS)
        snprintf(out, size, "?");
    out[size - 1] = '\0';
}

static void fill_info(bloc_device_info_t *di, cl_platform_id p, cl_device_id d, int pi, int dix)
{
    memset(di, 0, sizeof *di);
    di->platform_index = pi;
    di->device_index = dix;
    di->platform = p;
    di->device = d;
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof di->platform_name, di->platform_name, NULL))
        snprintf(di->platform_name, sizeof di->platform_name, "?");
    if (clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof di->platform_version, di->platform_version, NULL))
        snprintf(di->platform_version, sizeof di->platform_version, "?");
    info_string(d, CL_DEVICE_NAME, di->device_name, sizeof di->device_name);
    info_string(d, CL_DEVICE_VERSION, di->device_version, sizeof di->device_version);
    info_string(d, CL_DRIVER_VERSION, di->driver_version, sizeof di->driver_version);
    info_string(d, CL_DEVICE_OPENCL_C_VERSION, di->opencl_c_version, sizeof di->opencl_c_version);
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof di->type, &di->type, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof di->compute_units, &di->compute_units, NULL);
    clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof di->global_mem, &di->global_mem, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof di->max_alloc, &di->max_alloc, NULL);
    clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, sizeof di->cache_size, &di->cache_size, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof di->max_work_group, &di->max_work_group, NULL);
    cl_device_fp_config fp64 = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL) == CL_SUCCESS)
        di->has_fp64 = fp64 != 0;
    di->is_simulator = strstr(di->platform_name, "Oclgrind") != NULL;
}

int bloc_devices_list(bloc_device_info_t **out, int *count, bloc_error_t *err)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    *out = NULL;
    *count = 0;
    cl_int rc = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (rc == CL_SUCCESS && np == 0))
        return bloc_error_set(err, BLOC_ERR_DEVICE,
                              "no OpenCL platform found: install an OpenCL driver (e.g. pocl-opencl-icd) "
                              "and check /etc/OpenCL/vendors/*.icd");
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clGetPlatformIDs", rc);
    if (np > MAX_PLATFORMS)
        np = MAX_PLATFORMS;
    bloc_device_info_t *list = calloc(MAX_PLATFORMS * MAX_DEVICES, sizeof *list);
    if (!list)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    int n = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd) != CL_SUCCESS)
            continue; /* a platform without devices is not an error */
        if (nd > MAX_DEVICES)
            nd = MAX_DEVICES;
        for (cl_uint d = 0; d < nd; d++)
            fill_info(&list[n++], plats[p], devs[d], (int)p, (int)d);
    }
    if (n == 0) {
        free(list);
        return bloc_error_set(err, BLOC_ERR_DEVICE, "OpenCL platforms found, but no devices");
    }
    *out = list;
    *count = n;
    return BLOC_OK;
}

static int icontains(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return nl == 0;
}

int bloc_device_select(const char *spec, bloc_device_info_t *out, bloc_error_t *err)
{
    bloc_device_info_t *list;
    int n, st = bloc_devices_list(&list, &n, err);
    if (st)
        return st;
    int pick = -1, pi, di;
    char tail;
    if (!spec || !*spec) {
        for (int i = 0; i < n && pick < 0; i++)
            if ((list[i].type & CL_DEVICE_TYPE_GPU) && !list[i].is_simulator)
                pick = i;
        for (int i = 0; i < n && pick < 0; i++)
            if ((list[i].type & CL_DEVICE_TYPE_CPU) && !list[i].is_simulator)
                pick = i;
        for (int i = 0; i < n && pick < 0; i++)
            if (!list[i].is_simulator)
                pick = i;
    } else if (!strcmp(spec, "gpu") || !strcmp(spec, "cpu") || !strcmp(spec, "accelerator")) {
        for (int i = 0; i < n && pick < 0; i++)
            if (!strcmp(bloc_device_type_name(list[i].type), spec) && !list[i].is_simulator)
                pick = i;
    } else if (sscanf(spec, "%d:%d%c", &pi, &di, &tail) == 2) {
        for (int i = 0; i < n && pick < 0; i++)
            if (list[i].platform_index == pi && list[i].device_index == di)
                pick = i;
    } else {
        for (int i = 0; i < n && pick < 0; i++)
            if (icontains(list[i].device_name, spec) || icontains(list[i].platform_name, spec))
                pick = i;
    }
    if (pick < 0) {
        char names[2048] = "";
        size_t len = 0;
        for (int i = 0; i < n && len < sizeof names - 1; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s  %d:%d %s (%s, %s)",
                                    i ? "\n" : "", list[i].platform_index, list[i].device_index,
                                    list[i].device_name, bloc_device_type_name(list[i].type),
                                    list[i].platform_name);
        st = bloc_error_set(err, BLOC_ERR_DEVICE, "no OpenCL device matches '%s'; available:\n%s",
                            spec && *spec ? spec : "(default)", names);
    } else {
        *out = list[pick];
    }
    free(list);
    return st;
}

int bloc_runtime_create(bloc_runtime_t *rt, const char *device_spec, bloc_precision_t precision,
                        bloc_error_t *err)
{
    memset(rt, 0, sizeof *rt);
    int st = bloc_device_select(device_spec, &rt->dev, err);
    bloc_shape_t shape; /* BLOC_KERNEL_SHAPE checked before any work */
    if (!st)
        st = bloc_kernel_shape(&rt->dev, &shape, err);
    if (st)
        return st;
    rt->precision = precision;
    rt->real_size = precision == BLOC_FP64 ? sizeof(double) : sizeof(float);
    if (precision == BLOC_FP64 && !rt->dev.has_fp64)
        return bloc_error_set(err, BLOC_ERR_DEVICE,
                              "device '%s' does not support double precision (no cl_khr_fp64); "
                              "use precision: fp32",
                              rt->dev.device_name);
    cl_int rc;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)rt->dev.platform, 0};
    rt->ctx = clCreateContext(props, 1, &rt->dev.device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS)
        return bloc_cl_fail(err, "clCreateContext", rc);
    rt->queue = clCreateCommandQueue(rt->ctx, rt->dev.device, CL_QUEUE_PROFILING_ENABLE, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseContext(rt->ctx);
        rt->ctx = NULL;
        return bloc_cl_fail(err, "clCreateCommandQueue", rc);
    }
    return BLOC_OK;
}

/* The program's build log, its positions mapped to the sources' files and
 * lines where the compiler ignored #line (see build_log.h); malloc'd, NULL
 * when it cannot be had. */
static char *mapped_build_log(bloc_runtime_t *rt, cl_program prog, const bloc_log_source_t *srcs, int nsrcs)
{
    size_t len = 0;
    clGetProgramBuildInfo(prog, rt->dev.device, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
    char *log = malloc(len + 1);
    if (log && clGetProgramBuildInfo(prog, rt->dev.device, CL_PROGRAM_BUILD_LOG, len, log, NULL) == CL_SUCCESS)
        log[len] = '\0';
    else if (log)
        log[0] = '\0';
    char *mapped = log ? bloc_build_log_map(log, srcs, nsrcs) : NULL;
    if (mapped) {
        free(log);
        return mapped;
    }
    return log;
}

/* A failed build: the log in err. */
static int build_log(bloc_runtime_t *rt, cl_program prog, cl_int rc, const bloc_log_source_t *srcs,
                     int nsrcs, bloc_error_t *err)
{
    char *log = mapped_build_log(rt, prog, srcs, nsrcs);
    bloc_error_set(err, BLOC_ERR_BUILD, "clBuildProgram failed: %s (%d) on %s\nbuild options: %s\nbuild log:\n%s",
                   bloc_cl_error_name(rc), rc, rt->dev.device_name, rt->build_options, log ? log : "");
    free(log);
    return BLOC_ERR_BUILD;
}

/* A successful build with BLOC_BUILD_LOG set (not empty, not 0): the
 * compiler's log (warnings, remarks) on stderr, for kernel authors. */
static void show_build_log(bloc_runtime_t *rt, cl_program prog, const bloc_log_source_t *srcs, int nsrcs)
{
    const char *want = getenv("BLOC_BUILD_LOG");
    if (!want || !*want || !strcmp(want, "0"))
        return;
    char *log = mapped_build_log(rt, prog, srcs, nsrcs);
    const char *text = log ? log : "";
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    fprintf(stderr, "build log of the program on %s (options %s):\n%.*s%s", rt->dev.device_name, rt->build_options,
            (int)n, text, n ? "\n" : "(empty)\n");
    free(log);
}

/* Builds from a cached binary; returns the program or NULL (then rebuild). */
static cl_program from_cache(bloc_runtime_t *rt, const char *key)
{
    unsigned char *bin = NULL;
    size_t len = 0;
    if (!rt->cache_file[0] || !bloc_cache_load(rt->cache_file, key, &bin, &len))
        return NULL;
    cl_int rc, status;
    const unsigned char *bins[1] = {bin};
    cl_program prog = clCreateProgramWithBinary(rt->ctx, 1, &rt->dev.device, &len, bins, &status, &rc);
    free(bin);
    if (rc != CL_SUCCESS || status != CL_SUCCESS) {
        if (rc == CL_SUCCESS) /* created, but the binary was refused */
            clReleaseProgram(prog);
        return NULL;
    }
    if (clBuildProgram(prog, 1, &rt->dev.device, rt->build_options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(prog);
        return NULL;
    }
    return prog;
}

static void to_cache(bloc_runtime_t *rt, cl_program prog, const char *key)
{
    size_t len = 0;
    if (!rt->cache_file[0] ||
        clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || len == 0)
        return;
    unsigned char *bin = malloc(len);
    unsigned char *bins[1] = {bin};
    if (bin && clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS &&
        bloc_cache_store(rt->cache_file, key, bin, len) != 0)
        fprintf(stderr, "bloc: warning: could not write program cache %s\n", rt->cache_file);
    free(bin);
}

#define MAX_SOURCES 32

int bloc_runtime_build(bloc_runtime_t *rt, const char *const *names, int nnames, bloc_error_t *err)
{
    double t0 = bloc_now_s();
    if (nnames + 1 > MAX_SOURCES)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "too many kernel sources");
    bloc_source_t src[MAX_SOURCES];
    int owned[MAX_SOURCES] = {0};
    const char *texts[2 * MAX_SOURCES];
    char lines[MAX_SOURCES][256];
    bloc_log_source_t where[MAX_SOURCES]; /* each source's lines in the concatenation */
    long line = 1;                        /* line where the next string starts */
    int ns = 0, st = BLOC_OK;
    const char *all[MAX_SOURCES];
    all[0] = "kernels/common.cl";
    for (int i = 0; i < nnames; i++)
        all[i + 1] = names[i];

    bloc_sha256_t h;
    bloc_sha256_init(&h);
    for (ns = 0; ns < nnames + 1; ns++) {
        st = bloc_source_get(all[ns], &src[ns], &owned[ns], err);
        if (st)
            goto out;
        /* #line makes build-log positions name the right file; where[] does
         * it for compilers that ignore #line. */
        snprintf(lines[ns], sizeof lines[ns], "\n#line 1 \"%s\"\n", all[ns]);
        texts[2 * ns] = lines[ns];
        texts[2 * ns + 1] = src[ns].text;
        line += bloc_text_newlines(lines[ns]);
        where[ns] = (bloc_log_source_t){all[ns], line, bloc_text_lines(src[ns].text)};
        line += bloc_text_newlines(src[ns].text);
        bloc_sha256_update(&h, all[ns], strlen(all[ns]));
        bloc_sha256_update(&h, src[ns].sha256, 64);
    }
    bloc_sha256_hex(&h, rt->source_hash);
    /* BLOC_CPU, BLOC_GPU: the kind of device, for hints only its compilers
     * take (kernels/common.cl); a simulator is neither */
    int cpu = !rt->dev.is_simulator && (rt->dev.type & CL_DEVICE_TYPE_CPU) != 0;
    int gpu = !rt->dev.is_simulator && !cpu && (rt->dev.type & CL_DEVICE_TYPE_GPU) != 0;
    snprintf(rt->build_options, sizeof rt->build_options, "-cl-std=CL1.2 -DBLOC_FP64=%d -DBLOC_CPU=%d -DBLOC_GPU=%d",
             rt->precision == BLOC_FP64, cpu, gpu);

    char key[2048], key_hash[65];
    snprintf(key, sizeof key, "bloc program v1\nsources %s\noptions %s\nplatform %s | %s\ndevice %s | %s\ndriver %s\n",
             rt->source_hash, rt->build_options, rt->dev.platform_name, rt->dev.platform_version,
             rt->dev.device_name, rt->dev.device_version, rt->dev.driver_version);
    bloc_sha256_init(&h);
    bloc_sha256_update(&h, key, strlen(key));
    bloc_sha256_hex(&h, key_hash);
    if (!bloc_cache_file(key_hash, rt->cache_file, sizeof rt->cache_file))
        rt->cache_file[0] = '\0';

    rt->program = from_cache(rt, key);
    rt->program_from_cache = rt->program != NULL;
    if (!rt->program) {
        cl_int rc;
        rt->program = clCreateProgramWithSource(rt->ctx, (cl_uint)(2 * ns), texts, NULL, &rc);
        if (rc != CL_SUCCESS) {
            rt->program = NULL;
            st = bloc_cl_fail(err, "clCreateProgramWithSource", rc);
            goto out;
        }
        rc = clBuildProgram(rt->program, 1, &rt->dev.device, rt->build_options, NULL, NULL);
        if (rc != CL_SUCCESS) {
            st = build_log(rt, rt->program, rc, where, ns, err);
            clReleaseProgram(rt->program);
            rt->program = NULL;
            goto out;
        }
        show_build_log(rt, rt->program, where, ns);
        to_cache(rt, rt->program, key);
    }
    rt->build_seconds = bloc_now_s() - t0;
out:
    for (int i = 0; i < ns; i++)
        if (owned[i])
            free((char *)src[i].text);
    return st;
}

int bloc_runtime_kernel(bloc_runtime_t *rt, const char *name, cl_kernel *out, bloc_error_t *err)
{
    cl_int rc;
    *out = clCreateKernel(rt->program, name, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return bloc_error_set(err, BLOC_ERR_CL, "clCreateKernel(\"%s\") failed: %s (%d)", name,
                              bloc_cl_error_name(rc), rc);
    }
    return BLOC_OK;
}

void bloc_runtime_release(bloc_runtime_t *rt)
{
    if (rt->program)
        clReleaseProgram(rt->program);
    if (rt->queue)
        clReleaseCommandQueue(rt->queue);
    if (rt->ctx)
        clReleaseContext(rt->ctx);
    rt->program = NULL;
    rt->queue = NULL;
    rt->ctx = NULL;
}

void bloc_events_collect(cl_event *ev, size_t n, double *busy, double *span)
{
    cl_ulong first = 0, last = 0, total = 0;
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ev[i])
            continue;
        cl_ulong a = 0, b = 0;
        clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
        clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
        total += b > a ? b - a : 0;
        if (!seen++ || a < first)
            first = a;
        if (b > last)
            last = b;
        clReleaseEvent(ev[i]);
    }
    *busy = 1e-9 * (double)total;
    *span = 1e-9 * (double)(last - first);
}
