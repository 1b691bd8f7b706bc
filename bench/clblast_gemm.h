/* CLBlast's GEMM for the bench drivers that compare bloc's products with it
 * (bench/hyperclean_roofline.c, bench/mlp_gemm.c). */
#ifndef BLOC_BENCH_CLBLAST_GEMM_H
#define BLOC_BENCH_CLBLAST_GEMM_H

#include "runtime.h" /* before clblast_c.h: it sets the OpenCL version */

#include <clblast_c.h>

/* C[c_off ..] = op(A) op(B), row-major, m x n with inner size k, Sgemm or
 * Dgemm by fp64, on rt's queue; returns when the product is done. 0, or
 * the CLBlast status (printed on stderr). */
int bloc_clblast_gemm(bloc_runtime_t *rt, int fp64, CLBlastTranspose ta, CLBlastTranspose tb, size_t m, size_t n,
                      size_t k, cl_mem a, size_t lda, cl_mem b, size_t ldb, cl_mem c, size_t c_off, size_t ldc);

/* Best wall time in seconds of `reps` products after one untimed call
 * (kernel compile), clFinish to clFinish: CLBlast may enqueue several
 * kernels and its event is only the last one's. NAN on failure. */
double bloc_clblast_gemm_seconds(bloc_runtime_t *rt, int fp64, CLBlastTranspose ta, CLBlastTranspose tb, size_t m,
                                 size_t n, size_t k, cl_mem a, size_t lda, cl_mem b, size_t ldb, cl_mem c,
                                 size_t ldc, int reps);

#endif
