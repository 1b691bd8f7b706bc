/* Prepended to every bloc program. BLOC_FP64 (0/1) comes from the build
 * options; `real` is the working precision of every vector. */
#pragma OPENCL FP_CONTRACT OFF
#if BLOC_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#else
typedef float real;
#endif
