/* OpenCL call tracking for debug builds: object counts and fault injection.
 *
 * In a normal build this header declares nothing and every OpenCL call goes
 * straight to the driver. With -DBLOC_DEBUG_COUNTS or -DBLOC_FAULTS (CMake
 * options of the same names) the calls bloc makes are redirected by macros
 * to thin wrappers in cltrack.c, which
 *
 * - BLOC_DEBUG_COUNTS: count the contexts, queues, programs, kernels,
 *   buffers and events created and released; at process exit any object
 *   still outstanding is reported on stderr and the exit status becomes
 *   BLOC_CLTRACK_LEAK_EXIT. BLOC_CL_COUNTS=1 in the environment also prints
 *   the per-call counts and the created/released totals at exit.
 * - BLOC_FAULTS: make the N-th call of a chosen function fail, driven by
 *   the environment: BLOC_FAULT=clCreateBuffer:3 (several: comma-separated,
 *   e.g. BLOC_FAULT=clBuildProgram:1,clEnqueueReadBuffer:2). The failing call
 *   does not reach the driver and returns a plausible error code
 *   (CL_MEM_OBJECT_ALLOCATION_FAILURE for clCreateBuffer, CL_BUILD_PROGRAM_FAILURE
 *   for clBuildProgram, CL_OUT_OF_RESOURCES for enqueues, ...); a line
 *   "bloc: fault injected: CALL call N returns CODE" goes to stderr.
 *
 * runtime.h includes this header after <CL/cl.h>, so every file that talks
 * to OpenCL through bloc's headers is covered. */
#ifndef BLOC_CLTRACK_H
#define BLOC_CLTRACK_H

#if defined(BLOC_DEBUG_COUNTS) || defined(BLOC_FAULTS)
#define BLOC_CLTRACK 1
#endif

/* Exit status of a process that ends with OpenCL objects outstanding. */
#define BLOC_CLTRACK_LEAK_EXIT 70

#ifdef BLOC_CLTRACK

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

/* Objects created minus objects released, over all kinds (0 when counts are off). */
long bloc_cltrack_outstanding(void);

/* Calls made so far to one wrapped function (by its OpenCL name), or -1. */
long bloc_cltrack_calls(const char *name);

typedef void(CL_CALLBACK *bloc_ctx_notify_fn)(const char *, const void *, size_t, void *);
typedef void(CL_CALLBACK *bloc_build_notify_fn)(cl_program, void *);

cl_int bloc_trk_clGetPlatformIDs(cl_uint n, cl_platform_id *p, cl_uint *np);
cl_context bloc_trk_clCreateContext(const cl_context_properties *props, cl_uint ndev, const cl_device_id *devs,
                                    bloc_ctx_notify_fn fn, void *user, cl_int *rc);
cl_command_queue bloc_trk_clCreateCommandQueue(cl_context ctx, cl_device_id dev, cl_command_queue_properties props,
                                               cl_int *rc);
cl_program bloc_trk_clCreateProgramWithSource(cl_context ctx, cl_uint n, const char **texts, const size_t *lens,
                                              cl_int *rc);
cl_program bloc_trk_clCreateProgramWithBinary(cl_context ctx, cl_uint ndev, const cl_device_id *devs,
                                              const size_t *lens, const unsigned char **bins, cl_int *status,
                                              cl_int *rc);
cl_int bloc_trk_clBuildProgram(cl_program prog, cl_uint ndev, const cl_device_id *devs, const char *options,
                               bloc_build_notify_fn fn, void *user);
cl_kernel bloc_trk_clCreateKernel(cl_program prog, const char *name, cl_int *rc);
cl_mem bloc_trk_clCreateBuffer(cl_context ctx, cl_mem_flags flags, size_t size, void *host, cl_int *rc);
cl_int bloc_trk_clSetKernelArg(cl_kernel k, cl_uint index, size_t size, const void *value);
cl_int bloc_trk_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *offset,
                                       const size_t *global, const size_t *local, cl_uint nwait,
                                       const cl_event *wait, cl_event *ev);
cl_int bloc_trk_clEnqueueReadBuffer(cl_command_queue q, cl_mem buf, cl_bool blocking, size_t offset, size_t size,
                                    void *ptr, cl_uint nwait, const cl_event *wait, cl_event *ev);
cl_int bloc_trk_clEnqueueWriteBuffer(cl_command_queue q, cl_mem buf, cl_bool blocking, size_t offset, size_t size,
                                     const void *ptr, cl_uint nwait, const cl_event *wait, cl_event *ev);
cl_int bloc_trk_clEnqueueFillBuffer(cl_command_queue q, cl_mem buf, const void *pattern, size_t psize,
                                    size_t offset, size_t size, cl_uint nwait, const cl_event *wait, cl_event *ev);
cl_int bloc_trk_clFinish(cl_command_queue q);
cl_int bloc_trk_clWaitForEvents(cl_uint n, const cl_event *evs);
cl_int bloc_trk_clReleaseContext(cl_context ctx);
cl_int bloc_trk_clReleaseCommandQueue(cl_command_queue q);
cl_int bloc_trk_clReleaseProgram(cl_program prog);
cl_int bloc_trk_clReleaseKernel(cl_kernel k);
cl_int bloc_trk_clReleaseMemObject(cl_mem m);
cl_int bloc_trk_clReleaseEvent(cl_event ev);

#ifndef BLOC_CLTRACK_IMPL
#define clGetPlatformIDs bloc_trk_clGetPlatformIDs
#define clCreateContext bloc_trk_clCreateContext
#define clCreateCommandQueue bloc_trk_clCreateCommandQueue
#define clCreateProgramWithSource bloc_trk_clCreateProgramWithSource
#define clCreateProgramWithBinary bloc_trk_clCreateProgramWithBinary
#define clBuildProgram bloc_trk_clBuildProgram
#define clCreateKernel bloc_trk_clCreateKernel
#define clCreateBuffer bloc_trk_clCreateBuffer
#define clSetKernelArg bloc_trk_clSetKernelArg
#define clEnqueueNDRangeKernel bloc_trk_clEnqueueNDRangeKernel
#define clEnqueueReadBuffer bloc_trk_clEnqueueReadBuffer
#define clEnqueueWriteBuffer bloc_trk_clEnqueueWriteBuffer
#define clEnqueueFillBuffer bloc_trk_clEnqueueFillBuffer
#define clFinish bloc_trk_clFinish
#define clWaitForEvents bloc_trk_clWaitForEvents
#define clReleaseContext bloc_trk_clReleaseContext
#define clReleaseCommandQueue bloc_trk_clReleaseCommandQueue
#define clReleaseProgram bloc_trk_clReleaseProgram
#define clReleaseKernel bloc_trk_clReleaseKernel
#define clReleaseMemObject bloc_trk_clReleaseMemObject
#define clReleaseEvent bloc_trk_clReleaseEvent
#endif

#endif /* BLOC_CLTRACK */
#endif
