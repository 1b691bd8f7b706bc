/* OpenCL call tracking (see cltrack.h): counts of created and released
 * objects, per-call counts, and injected faults. Compiled to nothing unless
 * BLOC_DEBUG_COUNTS or BLOC_FAULTS is defined. bloc's host code is single
 * threaded, so plain counters suffice. */
#define BLOC_CLTRACK_IMPL
#include "cltrack.h"

#ifdef BLOC_CLTRACK

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

enum { K_CONTEXT, K_QUEUE, K_PROGRAM, K_KERNEL, K_BUFFER, K_EVENT, NKINDS };
static const char *const kind_names[NKINDS] = {"context", "queue", "program", "kernel", "buffer", "event"};
static long created[NKINDS], released[NKINDS];

enum {
    C_GET_PLATFORMS, C_CREATE_CONTEXT, C_CREATE_QUEUE, C_CREATE_PROGRAM_SOURCE, C_CREATE_PROGRAM_BINARY,
    C_BUILD_PROGRAM, C_CREATE_KERNEL, C_CREATE_BUFFER, C_SET_KERNEL_ARG, C_ENQUEUE_KERNEL, C_ENQUEUE_READ,
    C_ENQUEUE_WRITE, C_ENQUEUE_FILL, C_FINISH, C_WAIT_EVENTS, C_RELEASE_CONTEXT, C_RELEASE_QUEUE,
    C_RELEASE_PROGRAM, C_RELEASE_KERNEL, C_RELEASE_MEM, C_RELEASE_EVENT, NCALLS
};

typedef struct {
    const char *name;
    cl_int fault_code; /* what an injected failure returns; CL_SUCCESS: never failed */
    long calls;
    long fail_at;      /* 1-based call number to fail, 0 = never */
} call_t;

static call_t calls[NCALLS] = {
    [C_GET_PLATFORMS] = {"clGetPlatformIDs", CL_OUT_OF_HOST_MEMORY, 0, 0},
    [C_CREATE_CONTEXT] = {"clCreateContext", CL_OUT_OF_HOST_MEMORY, 0, 0},
    [C_CREATE_QUEUE] = {"clCreateCommandQueue", CL_OUT_OF_RESOURCES, 0, 0},
    [C_CREATE_PROGRAM_SOURCE] = {"clCreateProgramWithSource", CL_OUT_OF_HOST_MEMORY, 0, 0},
    [C_CREATE_PROGRAM_BINARY] = {"clCreateProgramWithBinary", CL_INVALID_BINARY, 0, 0},
    [C_BUILD_PROGRAM] = {"clBuildProgram", CL_BUILD_PROGRAM_FAILURE, 0, 0},
    [C_CREATE_KERNEL] = {"clCreateKernel", CL_OUT_OF_HOST_MEMORY, 0, 0},
    [C_CREATE_BUFFER] = {"clCreateBuffer", CL_MEM_OBJECT_ALLOCATION_FAILURE, 0, 0},
    [C_SET_KERNEL_ARG] = {"clSetKernelArg", CL_OUT_OF_RESOURCES, 0, 0},
    [C_ENQUEUE_KERNEL] = {"clEnqueueNDRangeKernel", CL_OUT_OF_RESOURCES, 0, 0},
    [C_ENQUEUE_READ] = {"clEnqueueReadBuffer", CL_OUT_OF_RESOURCES, 0, 0},
    [C_ENQUEUE_WRITE] = {"clEnqueueWriteBuffer", CL_OUT_OF_RESOURCES, 0, 0},
    [C_ENQUEUE_FILL] = {"clEnqueueFillBuffer", CL_OUT_OF_RESOURCES, 0, 0},
    [C_FINISH] = {"clFinish", CL_OUT_OF_RESOURCES, 0, 0},
    [C_WAIT_EVENTS] = {"clWaitForEvents", CL_OUT_OF_RESOURCES, 0, 0},
    [C_RELEASE_CONTEXT] = {"clReleaseContext", CL_SUCCESS, 0, 0},
    [C_RELEASE_QUEUE] = {"clReleaseCommandQueue", CL_SUCCESS, 0, 0},
    [C_RELEASE_PROGRAM] = {"clReleaseProgram", CL_SUCCESS, 0, 0},
    [C_RELEASE_KERNEL] = {"clReleaseKernel", CL_SUCCESS, 0, 0},
    [C_RELEASE_MEM] = {"clReleaseMemObject", CL_SUCCESS, 0, 0},
    [C_RELEASE_EVENT] = {"clReleaseEvent", CL_SUCCESS, 0, 0},
};

static int initialized;

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

long bloc_cltrack_outstanding(void)
{
    long n = 0;
    for (int i = 0; i < NKINDS; i++)
        n += created[i] - released[i];
    return n;
}

long bloc_cltrack_calls(const char *name)
{
    for (int c = 0; c < NCALLS; c++)
        if (strcmp(calls[c].name, name) == 0)
            return calls[c].calls;
    return -1;
}

static void print_objects(const char *what)
{
    fprintf(stderr, "bloc: OpenCL objects %s (created/released):", what);
    for (int i = 0; i < NKINDS; i++)
        fprintf(stderr, " %s %ld/%ld", kind_names[i], created[i], released[i]);
    fprintf(stderr, "; outstanding %ld\n", bloc_cltrack_outstanding());
}

static void at_exit(void)
{
    if (env_flag("BLOC_CL_COUNTS")) {
        fprintf(stderr, "bloc: OpenCL calls:");
        for (int c = 0; c < NCALLS; c++)
            if (calls[c].calls)
                fprintf(stderr, " %s %ld", calls[c].name, calls[c].calls);
        fputc('\n', stderr);
        print_objects("at exit");
    }
#ifdef BLOC_DEBUG_COUNTS
    int leak = 0;
    for (int i = 0; i < NKINDS; i++)
        leak |= created[i] != released[i];
    if (leak) {
        print_objects("outstanding at exit");
        fflush(NULL);
        _exit(BLOC_CLTRACK_LEAK_EXIT);
    }
#endif
}

/* BLOC_FAULT=NAME:N[,NAME:N...]; a malformed value stops the process. */
static void parse_faults(const char *spec)
{
    const char *p = spec;
    while (*p) {
        const char *colon = strchr(p, ':');
        char *end;
        long n = colon ? strtol(colon + 1, &end, 10) : 0;
        int found = 0;
        if (colon && n >= 1 && (*end == ',' || *end == '\0')) {
            for (int c = 0; c < NCALLS; c++)
                if (calls[c].fault_code != CL_SUCCESS && strlen(calls[c].name) == (size_t)(colon - p) && !strncmp(calls[c].name, p, (size_t)(colon - p))) {
                    calls[c].fail_at = n;
                    found = 1;
                }
        }
        if (!found) {
            fprintf(stderr, "bloc: BLOC_FAULT='%s': expected CALL:N[,CALL:N...] with N >= 1 and CALL one of:", spec);
            for (int c = 0; c < NCALLS; c++)
                if (calls[c].fault_code != CL_SUCCESS)
                    fprintf(stderr, " %s", calls[c].name);
            fputc('\n', stderr);
            exit(2);
        }
        p = *end ? end + 1 : end;
    }
}

static void init(void)
{
    if (initialized)
        return;
    initialized = 1;
    const char *spec = getenv("BLOC_FAULT");
#ifdef BLOC_FAULTS
    if (spec && *spec)
        parse_faults(spec);
#else
    if (spec && *spec)
        fprintf(stderr, "bloc: BLOC_FAULT ignored: this build has no fault injection (-DBLOC_FAULTS=ON)\n");
#endif
    atexit(at_exit);
}

/* Counts call c; returns the code of an injected failure, or CL_SUCCESS. */
static cl_int enter(int c)
{
    init();
    call_t *k = &calls[c];
    k->calls++;
    if (k->fail_at > 0 && k->calls == k->fail_at) {
        fprintf(stderr, "bloc: fault injected: %s call %ld returns %s\n", k->name, k->calls,
                bloc_cl_error_name(k->fault_code));
        return k->fault_code;
    }
    return CL_SUCCESS;
}

static void set_rc(cl_int *rc, cl_int v)
{
    if (rc)
        *rc = v;
}

/* Counts an object of kind kd when the call that made it succeeded. */
static void made(int kd, cl_int rc)
{
    if (rc == CL_SUCCESS)
        created[kd]++;
}

static cl_int gone(int kd, cl_int rc)
{
    if (rc == CL_SUCCESS)
        released[kd]++;
    return rc;
}

cl_int bloc_trk_clGetPlatformIDs(cl_uint n, cl_platform_id *p, cl_uint *np)
{
    cl_int f = enter(C_GET_PLATFORMS);
    return f ? f : clGetPlatformIDs(n, p, np);
}

cl_context bloc_trk_clCreateContext(const cl_context_properties *props, cl_uint ndev, const cl_device_id *devs,
                                    bloc_ctx_notify_fn fn, void *user, cl_int *rc)
{
    cl_int f = enter(C_CREATE_CONTEXT), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_context c = clCreateContext(props, ndev, devs, fn, user, &r);
    made(K_CONTEXT, r);
    set_rc(rc, r);
    return c;
}

cl_command_queue bloc_trk_clCreateCommandQueue(cl_context ctx, cl_device_id dev, cl_command_queue_properties props,
                                               cl_int *rc)
{
    cl_int f = enter(C_CREATE_QUEUE), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_command_queue q = clCreateCommandQueue(ctx, dev, props, &r);
    made(K_QUEUE, r);
    set_rc(rc, r);
    return q;
}

cl_program bloc_trk_clCreateProgramWithSource(cl_context ctx, cl_uint n, const char **texts, const size_t *lens,
                                              cl_int *rc)
{
    cl_int f = enter(C_CREATE_PROGRAM_SOURCE), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_program p = clCreateProgramWithSource(ctx, n, texts, lens, &r);
    made(K_PROGRAM, r);
    set_rc(rc, r);
    return p;
}

cl_program bloc_trk_clCreateProgramWithBinary(cl_context ctx, cl_uint ndev, const cl_device_id *devs,
                                              const size_t *lens, const unsigned char **bins, cl_int *status,
                                              cl_int *rc)
{
    cl_int f = enter(C_CREATE_PROGRAM_BINARY), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_program p = clCreateProgramWithBinary(ctx, ndev, devs, lens, bins, status, &r);
    made(K_PROGRAM, r);
    set_rc(rc, r);
    return p;
}

cl_int bloc_trk_clBuildProgram(cl_program prog, cl_uint ndev, const cl_device_id *devs, const char *options,
                               bloc_build_notify_fn fn, void *user)
{
    cl_int f = enter(C_BUILD_PROGRAM);
    return f ? f : clBuildProgram(prog, ndev, devs, options, fn, user);
}

cl_kernel bloc_trk_clCreateKernel(cl_program prog, const char *name, cl_int *rc)
{
    cl_int f = enter(C_CREATE_KERNEL), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_kernel k = clCreateKernel(prog, name, &r);
    made(K_KERNEL, r);
    set_rc(rc, r);
    return k;
}

cl_mem bloc_trk_clCreateBuffer(cl_context ctx, cl_mem_flags flags, size_t size, void *host, cl_int *rc)
{
    cl_int f = enter(C_CREATE_BUFFER), r;
    if (f)
        return set_rc(rc, f), NULL;
    cl_mem m = clCreateBuffer(ctx, flags, size, host, &r);
    made(K_BUFFER, r);
    set_rc(rc, r);
    return m;
}

cl_int bloc_trk_clSetKernelArg(cl_kernel k, cl_uint index, size_t size, const void *value)
{
    cl_int f = enter(C_SET_KERNEL_ARG);
    return f ? f : clSetKernelArg(k, index, size, value);
}

/* An enqueue that returns an event creates one. */
static cl_int enqueued(cl_int rc, const cl_event *ev)
{
    if (ev)
        made(K_EVENT, rc);
    return rc;
}

cl_int bloc_trk_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *offset,
                                       const size_t *global, const size_t *local, cl_uint nwait,
                                       const cl_event *wait, cl_event *ev)
{
    cl_int f = enter(C_ENQUEUE_KERNEL);
    if (f)
        return f;
    return enqueued(clEnqueueNDRangeKernel(q, k, dims, offset, global, local, nwait, wait, ev), ev);
}

cl_int bloc_trk_clEnqueueReadBuffer(cl_command_queue q, cl_mem buf, cl_bool blocking, size_t offset, size_t size,
                                    void *ptr, cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    cl_int f = enter(C_ENQUEUE_READ);
    if (f)
        return f;
    return enqueued(clEnqueueReadBuffer(q, buf, blocking, offset, size, ptr, nwait, wait, ev), ev);
}

cl_int bloc_trk_clEnqueueWriteBuffer(cl_command_queue q, cl_mem buf, cl_bool blocking, size_t offset, size_t size,
                                     const void *ptr, cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    cl_int f = enter(C_ENQUEUE_WRITE);
    if (f)
        return f;
    return enqueued(clEnqueueWriteBuffer(q, buf, blocking, offset, size, ptr, nwait, wait, ev), ev);
}

cl_int bloc_trk_clEnqueueFillBuffer(cl_command_queue q, cl_mem buf, const void *pattern, size_t psize,
                                    size_t offset, size_t size, cl_uint nwait, const cl_event *wait, cl_event *ev)
{
    cl_int f = enter(C_ENQUEUE_FILL);
    if (f)
        return f;
    return enqueued(clEnqueueFillBuffer(q, buf, pattern, psize, offset, size, nwait, wait, ev), ev);
}

cl_int bloc_trk_clFinish(cl_command_queue q)
{
    cl_int f = enter(C_FINISH);
    return f ? f : clFinish(q);
}

cl_int bloc_trk_clWaitForEvents(cl_uint n, const cl_event *evs)
{
    cl_int f = enter(C_WAIT_EVENTS);
    return f ? f : clWaitForEvents(n, evs);
}

/* Releases are counted but never failed (their fault code is CL_SUCCESS):
 * a failing release cannot be handled by the caller. */
cl_int bloc_trk_clReleaseContext(cl_context ctx)
{
    enter(C_RELEASE_CONTEXT);
    return gone(K_CONTEXT, clReleaseContext(ctx));
}

cl_int bloc_trk_clReleaseCommandQueue(cl_command_queue q)
{
    enter(C_RELEASE_QUEUE);
    return gone(K_QUEUE, clReleaseCommandQueue(q));
}

cl_int bloc_trk_clReleaseProgram(cl_program prog)
{
    enter(C_RELEASE_PROGRAM);
    return gone(K_PROGRAM, clReleaseProgram(prog));
}

cl_int bloc_trk_clReleaseKernel(cl_kernel k)
{
    enter(C_RELEASE_KERNEL);
    return gone(K_KERNEL, clReleaseKernel(k));
}

cl_int bloc_trk_clReleaseMemObject(cl_mem m)
{
    enter(C_RELEASE_MEM);
    return gone(K_BUFFER, clReleaseMemObject(m));
}

cl_int bloc_trk_clReleaseEvent(cl_event ev)
{
    enter(C_RELEASE_EVENT);
    return gone(K_EVENT, clReleaseEvent(ev));
}

#else

/* ISO C forbids an empty translation unit. */
typedef int bloc_cltrack_unused_t;

#endif
