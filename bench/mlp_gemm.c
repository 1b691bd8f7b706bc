/* The two large products of hyperclean's two-layer model (problems/mlp.cl)
 * against CLBlast on the same device, buffers and queue:
 *   forward  hid = A W1'   (n x H, sum over d), mlp_layer1 vs Xgemm N,T
 *   backward G   = D' A    (H x d, sum over n), mlp_back_w1 vs Xgemm T,N
 * Best wall time (clFinish to clFinish: CLBlast may enqueue several
 * kernels and return the last one's event) of `reps` calls after one
 * untimed call (kernel compile),
 * for a few work-group shapes of bloc's kernels.
 *   bloc_bench_mlp_gemm [n] [H] [reps] [fp64]     (default 5000 300 5 fp32) */
#include "runtime.h"

#include "clblast_gemm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double event_seconds(cl_event ev)
{
    cl_ulong t0 = 0, t1 = 0;
    clWaitForEvents(1, &ev);
    clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
    clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    clReleaseEvent(ev);
    return 1e-9 * (double)(t1 - t0);
}

/* best time of reps replays of the graph's step list (one node) */
static double time_node(bloc_graph_t *g, int reps, bloc_error_t *err)
{
    double best = HUGE_VAL;
    for (int r = 0; r <= reps; r++) {
        cl_event ev[1];
        clFinish(g->rt->queue);
        double t0 = now();
        if (bloc_graph_enqueue(g, BLOC_LIST_STEP, 0, ev, err))
            return NAN;
        event_seconds(ev[0]);
        double s = now() - t0;
        if (r > 0 && s < best)
            best = s;
    }
    return best;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5000, H = argc > 2 ? atoi(argv[2]) : 300, reps = argc > 3 ? atoi(argv[3]) : 5;
    int fp64 = argc > 4 && !strcmp(argv[4], "fp64"), d = 784;
    bloc_runtime_t rt;
    bloc_error_t err;
    static const char *const srcs[] = {"problems/hyperclean.cl", "problems/mlp.cl"};
    if (bloc_runtime_create(&rt, getenv("BLOC_DEVICE"), fp64 ? BLOC_FP64 : BLOC_FP32, &err) ||
        bloc_runtime_build(&rt, srcs, 2, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    size_t ny = (size_t)H * d + 10 * (size_t)H + H + 10;
    double *A = malloc((size_t)n * d * sizeof *A), *y = malloc(ny * sizeof *y), *D = malloc((size_t)n * H * sizeof *D);
    for (size_t i = 0; i < (size_t)n * d; i++)
        A[i] = (double)((i * 2654435761u) % 256) / 255.0;
    for (size_t i = 0; i < ny; i++)
        y[i] = ((double)((i * 40503u) % 1000) - 500.0) * 1e-4;
    for (size_t i = 0; i < (size_t)n * H; i++)
        D[i] = ((double)((i * 69069u) % 1000) - 500.0) * 1e-6;
    printf("device: %s; n %d, d %d, H %d, %s; %.2f GFLOP per product\n", rt.dev.device_name, n, d, H,
           fp64 ? "fp64" : "fp32", 2e-9 * n * d * H);
    const size_t fl[] = {1, 4, 20, 60}, bl[] = {1, 5, 10, 30};
    for (size_t k = 0; k < sizeof fl / sizeof *fl + sizeof bl / sizeof *bl; k++) {
        bloc_graph_t g;
        bloc_graph_init(&g, &rt, 64, 32);
        int vA = bloc_graph_vec(&g, "A", (size_t)n * d, A, &err), vy = bloc_graph_vec(&g, "y", ny, y, &err);
        int vD = bloc_graph_vec(&g, "D", (size_t)n * H, D, &err), vh = bloc_graph_vec(&g, "hid", (size_t)n * H, NULL, &err);
        int vg = bloc_graph_vec(&g, "gy", ny, NULL, &err);
        int fwd = k < sizeof fl / sizeof *fl;
        size_t loc = fwd ? fl[k] : bl[k - sizeof fl / sizeof *fl];
        size_t g0 = fwd ? (size_t)(H + 4) / 5 : (size_t)(H + 9) / 10;
        size_t global[2] = {(g0 + loc - 1) / loc * loc, fwd ? (size_t)(n + 3) / 4 : (size_t)(d / (fp64 ? 8 : 16) + 1) / 2};
        size_t local[2] = {loc, 1};
        bloc_node_t *nd = bloc_graph_add2d(&g, BLOC_LIST_STEP, fwd ? "mlp_layer1" : "mlp_back_w1", global, local, &err);
        if (fwd) {
            bloc_arg_vec(nd, vA); bloc_arg_int(nd, n); bloc_arg_int(nd, d); bloc_arg_vec(nd, vy); bloc_arg_int(nd, H);
            bloc_arg_int(nd, 0); bloc_arg_vec(nd, vh); bloc_arg_int(nd, 0);
        } else {
            bloc_arg_vec(nd, vA); bloc_arg_int(nd, n); bloc_arg_int(nd, d); bloc_arg_vec(nd, vD); bloc_arg_int(nd, H);
            bloc_arg_vec(nd, vy); bloc_arg_real(nd, 0.0); bloc_arg_vec(nd, vg);
        }
        if (bloc_graph_finalize(&g, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double s = time_node(&g, reps, &err);
        printf("bloc %-12s local %2zu: %8.2f ms  %6.1f GFLOP/s\n", fwd ? "mlp_layer1" : "mlp_back_w1", loc, 1e3 * s,
               2e-9 * n * d * H / s);
        if (k == 0 || k == sizeof fl / sizeof *fl) {
            cl_mem mA = g.vecs[vA].mem, mW = g.vecs[vy].mem, mD = g.vecs[vD].mem;
            double c = fwd ? bloc_clblast_gemm_seconds(&rt, fp64, CLBlastTransposeNo, CLBlastTransposeYes, n, H, d, mA, d, mW, d,
                                       g.vecs[vh].mem, H, reps)
                           : bloc_clblast_gemm_seconds(&rt, fp64, CLBlastTransposeYes, CLBlastTransposeNo, H, d, n, mD, H, mA, d,
                                       g.vecs[vg].mem, d, reps);
            printf("CLBlast %s %s:       %8.2f ms  %6.1f GFLOP/s\n", fp64 ? "Dgemm" : "Sgemm", fwd ? "N,T" : "T,N",
                   1e3 * c, 2e-9 * n * d * H / c);
        }
        bloc_graph_release(&g);
    }
    free(A); free(y); free(D);
    bloc_runtime_release(&rt);
    return 0;
}
