/* OpenCL runtime: device enumeration and selection, context and profiling
 * queue, and the program built from embedded kernel sources (with an on-disk
 * binary cache, see program_cache.h). */
#ifndef BLOC_RUNTIME_H
#define BLOC_RUNTIME_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "cltrack.h" /* debug builds: counted and fault-injected OpenCL calls */

#include "config.h"
#include "error.h"

typedef struct {
    int platform_index, device_index;
    cl_platform_id platform;
    cl_device_id device;
    char platform_name[256];
    char platform_version[256];
    char device_name[256];
    char device_version[256];
    char driver_version[256];
    char opencl_c_version[256];
    cl_device_type type;
    cl_uint compute_units;
    cl_ulong global_mem;
    cl_ulong max_alloc;
    cl_ulong cache_size;      /* global memory cache (0 if none reported) */
    size_t max_work_group;
    int has_fp64;
    int is_simulator; /* Oclgrind: never chosen by default */
} bloc_device_info_t;

/* All devices of all platforms, in platform/device order. *out is malloc'd. */
int bloc_devices_list(bloc_device_info_t **out, int *count, bloc_error_t *err);

/* Picks one device. spec: NULL or "" = first GPU, else first CPU (never a
 * simulator); "gpu" | "cpu" | "accelerator" = first of that type;
 * "P:D" = platform P, device D; anything else = case-insensitive substring
 * of the device or platform name. */
int bloc_device_select(const char *spec, bloc_device_info_t *out, bloc_error_t *err);

const char *bloc_device_type_name(cl_device_type t);

typedef struct {
    bloc_device_info_t dev;
    cl_context ctx;
    cl_command_queue queue;      /* in-order, profiling enabled */
    bloc_precision_t precision;
    size_t real_size;            /* sizeof(float) or sizeof(double) */
    cl_program program;
    char build_options[512];
    char source_hash[65];        /* SHA-256 over the program's sources */
    int program_from_cache;      /* 1 if the binary came from the cache */
    double build_seconds;        /* wall time to get a built program */
    char cache_file[1024];       /* "" when caching is disabled */
} bloc_runtime_t;

/* Selects the device, checks precision support, creates context and queue. */
int bloc_runtime_create(bloc_runtime_t *rt, const char *device_spec,
                        bloc_precision_t precision, bloc_error_t *err);

/* Builds (or loads from cache) one program from the named sources, which are
 * concatenated in order after kernels/common.cl. Names are repository paths
 * such as "kernels/vec.cl" or "problems/toy_nonconvex.cl". */
int bloc_runtime_build(bloc_runtime_t *rt, const char *const *sources, int nsources,
                       bloc_error_t *err);

/* New kernel object from the built program. */
int bloc_runtime_kernel(bloc_runtime_t *rt, const char *name, cl_kernel *out,
                        bloc_error_t *err);

void bloc_runtime_release(bloc_runtime_t *rt);

/* Kernel time (sum of END - START) and span (last END - first START), in
 * seconds, of the n profiled events ev (NULL entries skipped: nodes left
 * out by their period); releases the events. */
void bloc_events_collect(cl_event *ev, size_t n, double *busy, double *span);

#endif
