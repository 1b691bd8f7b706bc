/* Time per MEHA iteration on hyperclean against its roofline bound.
 *
 *   bloc_bench_hyperclean [--config PATH] [--set key=value]... [--device D]
 *                         [--iters N] [--fresh-probe] [--no-clblast]
 *
 * Builds the run's iteration graph as `bloc run` does (config default
 * configs/meha_hyperclean.yaml), replays the step list N times with
 * profiling events and reports per kernel: median time, the flops and bytes
 * of the node cost model and the roofline bound max(bytes / bandwidth,
 * flops / peak) with peaks from the device probe (host/probe.c: read
 * bandwidth of a 256 MiB buffer, every matrix is read from memory, no
 * credit for caches; fma throughput in the run's precision). Wall time
 * per iteration: N iterations enqueued back to back, one clFinish (their
 * events give the kernel time and the device's idle time between
 * launches within it, per node in the table's last column: the mean idle
 * time before its launch). Then the
 * same forward and backward products through CLBlast (Sgemm on the same
 * buffers and queue), timed, checked against bloc's kernels and run twice
 * to see whether they give the same bits. The last line is JSON for
 * bench/hyperclean_roofline.sh. */
#include "runtime.h"

#include "clblast_gemm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "graph.h"
#include "probe.h"
#include "problem.h"
#include "session.h"
#include "solver.h"
#include "timing.h"


static int fail(const bloc_error_t *err)
{
    fprintf(stderr, "%s\n", err->message);
    return 1;
}

typedef struct {
    double fwd_s, bwd_s;     /* best of the timed calls */
    double fwd_err, bwd_err; /* max |clblast - bloc| / (1 + |bloc|) */
    int fwd_same_bits, bwd_same_bits;
    int ok;
} clblast_result_t;

static int read_all(bloc_graph_t *g, int v, double **out, bloc_error_t *err)
{
    *out = malloc((g->vecs[v].n + 1) * sizeof **out);
    return *out ? bloc_graph_read(g, v, *out, err) : BLOC_ERR_NOMEM;
}

/* Forward Z = A W' (n x K) and backward G = R' A (K x d) of the train split
 * through CLBlast, against hc_forward's logits (recomputed here on the host
 * from the device's A and y, in double) and the product R' A in double. */
static int clblast_compare(bloc_graph_t *g, const bloc_problem_t *pb, int reps, clblast_result_t *res,
                           bloc_error_t *err)
{
    memset(res, 0, sizeof *res);
    int vA = bloc_graph_find_vec(g, "hc_A_train"), vy = bloc_graph_find_vec(g, "y"),
        vR = bloc_graph_find_vec(g, "hc_R_train");
    if (vA < 0 || vy < 0 || vR < 0)
        return BLOC_OK; /* not hyperclean */
    size_t K = 10, ny = pb->ny, d = ny / K - 1, n = pb->nx;
    int fp64 = g->rt->precision == BLOC_FP64;
    int vZ = bloc_graph_vec(g, "cb_Z", 2 * n * K, NULL, err), vG = bloc_graph_vec(g, "cb_G", 2 * K * d, NULL, err);
    if (vZ < 0 || vG < 0)
        return err->status;
    /* random y and R so the products are not trivial */
    double *yv = malloc(ny * sizeof *yv), *rv = malloc(n * K * sizeof *rv);
    for (size_t i = 0; i < ny; i++)
        yv[i] = 0.01 * (double)((i * 7919) % 201) - 1.0;
    for (size_t i = 0; i < n * K; i++)
        rv[i] = 1e-4 * ((double)((i * 104729) % 2001) - 1000.0);
    int st = bloc_graph_write(g, vy, yv, err);
    if (!st)
        st = bloc_graph_write(g, vR, rv, err);
    free(yv);
    free(rv);
    if (st)
        return st;
    cl_mem A = g->vecs[vA].mem, Y = g->vecs[vy].mem, R = g->vecs[vR].mem, Z = g->vecs[vZ].mem, G = g->vecs[vG].mem;
    clblast_result_t r = {0};
    r.fwd_s = bloc_clblast_gemm_seconds(g->rt, fp64, CLBlastTransposeNo, CLBlastTransposeYes, n, K, d, A, d, Y, d, Z,
                                        K, reps);
    r.bwd_s = bloc_clblast_gemm_seconds(g->rt, fp64, CLBlastTransposeYes, CLBlastTransposeNo, K, d, n, R, K, A, d, G,
                                        d, reps);
    if (isnan(r.fwd_s) || isnan(r.bwd_s))
        return BLOC_OK;
    double *z1, *g1, *a, *y, *rr;
    if ((st = read_all(g, vZ, &z1, err)) || (st = read_all(g, vG, &g1, err)))
        return st;
    /* second run into the other half: same bits? */
    size_t zs = n * K, gs = K * d;
    if (bloc_clblast_gemm(g->rt, fp64, CLBlastTransposeNo, CLBlastTransposeYes, n, K, d, A, d, Y, d, Z, zs, K) ||
        bloc_clblast_gemm(g->rt, fp64, CLBlastTransposeYes, CLBlastTransposeNo, K, d, n, R, K, A, d, G, gs, d)) {
        free(z1);
        free(g1);
        return BLOC_OK;
    }
    double *z2, *g2;
    if ((st = read_all(g, vZ, &z2, err)) || (st = read_all(g, vG, &g2, err)) || (st = read_all(g, vA, &a, err)) ||
        (st = read_all(g, vy, &y, err)) || (st = read_all(g, vR, &rr, err)))
        return st;
    r.fwd_same_bits = memcmp(z1, z2 + zs, zs * sizeof *z1) == 0;
    r.bwd_same_bits = memcmp(g1, g2 + gs, gs * sizeof *g1) == 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < K; c++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += a[i * d + j] * y[c * d + j];
            double e = fabs(z1[i * K + c] - s) / (1 + fabs(s));
            r.fwd_err = e > r.fwd_err ? e : r.fwd_err;
        }
    for (size_t c = 0; c < K; c++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += rr[i * K + c] * a[i * d + j];
            double e = fabs(g1[c * d + j] - s) / (1 + fabs(s));
            r.bwd_err = e > r.bwd_err ? e : r.bwd_err;
        }
    r.ok = 1;
    *res = r;
    free(z1); free(z2); free(g1); free(g2); free(a); free(y); free(rr);
    return BLOC_OK;
}

/* gap[i]: mean over the iters iterations of the device's idle time before
 * node i, from the end of the command launched before it (events of the
 * back-to-back pass, nn per iteration, NULL for nodes not launched) */
static void launch_gaps(cl_event *ev, int nn, int iters, double *gap)
{
    cl_ulong prev_end = 0;
    for (int i = 0; i < nn; i++)
        gap[i] = 0;
    for (int k = 0; k < iters; k++)
        for (int i = 0; i < nn; i++) {
            cl_event e = ev[(size_t)k * nn + i];
            if (!e)
                continue;
            cl_ulong a = 0, b = 0;
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
            if (prev_end && a > prev_end)
                gap[i] += 1e-9 * (double)(a - prev_end) / iters;
            prev_end = b;
        }
}

int main(int argc, char **argv)
{
    const char *path = "configs/meha_hyperclean.yaml", *device = NULL;
    const char *sets[64];
    int nsets = 0, iters = 20, fresh = 0, use_clblast = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--config") && more)
            path = argv[++i];
        else if (!strcmp(a, "--set") && more && nsets < 64)
            sets[nsets++] = argv[++i];
        else if (!strcmp(a, "--device") && more)
            device = argv[++i];
        else if (!strcmp(a, "--iters") && more)
            iters = atoi(argv[++i]);
        else if (!strcmp(a, "--fresh-probe"))
            fresh = 1;
        else if (!strcmp(a, "--no-clblast"))
            use_clblast = 0;
        else {
            fprintf(stderr, "usage: %s [--config PATH] [--set key=value]... [--device D] [--iters N] "
                            "[--fresh-probe] [--no-clblast]\n", argv[0]);
            return 2;
        }
    }
    if (iters < 3)
        iters = 3;
    bloc_config_t cfg;
    bloc_error_t err;
    if (bloc_config_load(&cfg, path, &err))
        return fail(&err);
    for (int i = 0; i < nsets; i++)
        if (bloc_config_set(&cfg, sets[i], &err))
            return fail(&err);
    if (device)
        snprintf(cfg.device, sizeof cfg.device, "%s", device);
    /* the graph as `bloc run` builds it (host/session.h): only the step
     * list is timed */
    bloc_session_t s;
    double t0 = bloc_now_s();
    if (bloc_session_open(&s, &cfg, &err))
        return fail(&err);
    double t_build = bloc_now_s() - t0;
    bloc_runtime_t *rt = &s.rt;
    bloc_graph_t *g = &s.g;
    bloc_peaks_t pk;
    if (bloc_probe(rt, fresh, &pk, &err))
        return fail(&err);
    int fp64 = cfg.precision == BLOC_FP64;
    double bw_gbs = 1e-9 * pk.bandwidth, bw_cached_gbs = 1e-9 * pk.bandwidth_cached;
    double peak_gflops = 1e-9 * (fp64 ? pk.flops_dp : pk.flops_sp), chain_gflops = 1e-9 * pk.flops_sp_chain;
    printf("device: %s (%s, driver %s)\n", rt->dev.device_name, rt->dev.platform_name, rt->dev.driver_version);
    printf("probe%s: read bandwidth %.1f GB/s (%zu MiB buffer), %.1f GB/s (%.0f MiB, half the reported cache); "
           "%s fma %.1f GFLOP/s (8 chains; fp32 on 1 chain, clpeak's shape: %.1f); launch %.1f us alone, %.1f us "
           "in a burst\n",
           pk.from_cache ? " (cached)" : "", bw_gbs, BLOC_PROBE_DRAM_BYTES >> 20, bw_cached_gbs,
           pk.cache_bytes / 2 / (1 << 20), fp64 ? "fp64" : "fp32", peak_gflops, chain_gflops,
           1e6 * pk.launch_single_s, 1e6 * pk.launch_s);
    printf("%s on %s, %s: graph built in %.2f s, %.0f launches per iteration\n", cfg.solver->name, cfg.problem->name,
           bloc_precision_name(cfg.precision), t_build, bloc_graph_mean_launches(g, BLOC_LIST_STEP));
    int nn = g->nnodes[BLOC_LIST_STEP];
    /* warm-up: PoCL compiles each (kernel, local size) on first launch; and
     * the first back-to-back pass after a few iterations ran about 10%
     * slower than the next ones on the EPYC, so a whole pass goes first */
    int warm = 3 + iters;
    for (int k = 0; k < warm; k++)
        if (bloc_graph_enqueue(g, BLOC_LIST_STEP, k, NULL, &err))
            return fail(&err);
    clFinish(rt->queue);
    /* wall time: iters iterations back to back; their events split it into
     * kernel time and the device's idle time between launches */
    cl_event *wev = calloc((size_t)nn * (size_t)iters, sizeof *wev);
    double w0 = bloc_now_s();
    for (int k = 0; k < iters; k++)
        if (bloc_graph_enqueue(g, BLOC_LIST_STEP, warm + k, wev + (size_t)k * nn, &err))
            return fail(&err);
    clFinish(rt->queue);
    double wall = (bloc_now_s() - w0) / iters, wall_busy, wall_span;
    double *gap = malloc((size_t)(nn ? nn : 1) * sizeof *gap);
    launch_gaps(wev, nn, iters, gap);
    bloc_events_collect(wev, (size_t)nn * (size_t)iters, &wall_busy, &wall_span);
    free(wev);
    /* in-order queue: the span is the kernels plus the gaps between them */
    double wall_idle = (wall_span - wall_busy) / iters;
    wall_busy /= iters;
    /* per node: profiled iterations */
    double *t = malloc((size_t)nn * (size_t)iters * sizeof *t), *it = malloc((size_t)iters * sizeof *it);
    cl_event *ev = malloc((size_t)nn * sizeof *ev);
    for (int k = 0; k < iters; k++) {
        if (bloc_graph_enqueue(g, BLOC_LIST_STEP, warm + iters + k, ev, &err))
            return fail(&err);
        clFinish(rt->queue);
        it[k] = 0;
        for (int i = 0; i < nn; i++) {
            cl_ulong a = 0, b = 0;
            t[(size_t)i * iters + k] = 0;
            if (!ev[i]) /* a node of iteration 0 only */
                continue;
            clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
            clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
            clReleaseEvent(ev[i]);
            t[(size_t)i * iters + k] = 1e-9 * (double)(b - a);
            it[k] += t[(size_t)i * iters + k];
        }
    }
    double bw = pk.bandwidth, peak = fp64 ? pk.flops_dp : pk.flops_sp;
    double sum_t = 0, sum_bound = 0, sum_f = 0, sum_b = 0;
    printf("\n%-4s %-20s %10s %10s %10s %10s %10s %7s %8s\n", "node", "kernel", "MFLOP", "MB", "median us", "best us",
           "bound us", "ratio", "idle us");
    for (int i = 0; i < nn; i++) {
        const bloc_node_t *nd = &g->nodes[BLOC_LIST_STEP][i];
        if (nd->period == BLOC_PERIOD_ONCE) /* not part of iterations k >= 1 */
            continue;
        double med, best, worst;
        bloc_stats(t + (size_t)i * iters, iters, &med, &best, &worst);
        double bound = fmax(nd->bytes / bw, nd->flops / peak);
        sum_t += med;
        sum_bound += bound;
        sum_f += nd->flops;
        sum_b += nd->bytes;
        printf("%-4d %-20s %10.2f %10.2f %10.1f %10.1f %10.1f %7.2f %8.1f\n", i, nd->kernel, nd->flops * 1e-6,
               nd->bytes * 1e-6, 1e6 * med, 1e6 * best, 1e6 * bound, bound > 0 ? med / bound : 0.0, 1e6 * gap[i]);
    }
    double med_it, best_it, worst_it;
    bloc_stats(it, iters, &med_it, &best_it, &worst_it);
    double whole = fmax(sum_b / bw, sum_f / peak);
    printf("\nper iteration: %.1f MFLOP, %.1f MB; roofline bound %.2f ms (sum over kernels of max(bytes/bw, "
           "flops/peak); whole iteration max(...) = %.2f ms)\n", sum_f * 1e-6, sum_b * 1e-6, 1e3 * sum_bound,
           1e3 * whole);
    printf("device time per iteration: median %.2f ms, best %.2f ms (sum of kernel times; sum of the per-kernel "
           "medians %.2f ms); wall %.2f ms (%d iterations back to back: kernels %.2f ms, device idle between "
           "launches %.2f ms)\n", 1e3 * med_it, 1e3 * best_it, 1e3 * sum_t, 1e3 * wall, iters, 1e3 * wall_busy,
           1e3 * wall_idle);
    printf("ratio to the bound: %.2fx (median device), %.2fx (best device), %.2fx (wall)\n", med_it / sum_bound,
           best_it / sum_bound, wall / sum_bound);
    clblast_result_t cb = {0};
    if (use_clblast && clblast_compare(g, &s.pb, 5, &cb, &err))
        return fail(&err);
    if (cb.ok)
        printf("CLBlast %s (untuned database on this device): forward A W' %.2f ms, backward R' A %.2f ms; max "
               "relative error vs double %.1e / %.1e; same bits run to run: %s / %s\n",
               cfg.precision == BLOC_FP64 ? "Dgemm" : "Sgemm", 1e3 * cb.fwd_s, 1e3 * cb.bwd_s, cb.fwd_err,
               cb.bwd_err, cb.fwd_same_bits ? "yes" : "no", cb.bwd_same_bits ? "yes" : "no");
    printf("{\"device\": \"%s\", \"iters\": %d, \"launches\": %.0f, \"mflop\": %.3f, \"mbytes\": %.3f, "
           "\"bound_ms\": %.4f, \"device_median_ms\": %.4f, \"device_best_ms\": %.4f, \"wall_ms\": %.4f, "
           "\"wall_kernels_ms\": %.4f, \"wall_idle_ms\": %.4f, \"bw_gbs\": %.2f, \"bw_l3_gbs\": %.2f, "
           "\"fma_gflops\": %.2f, \"fma_chain_gflops\": %.2f, "
           "\"clblast_fwd_ms\": %.4f, \"clblast_bwd_ms\": %.4f}\n",
           rt->dev.device_name, iters, bloc_graph_mean_launches(g, BLOC_LIST_STEP), sum_f * 1e-6, sum_b * 1e-6,
           1e3 * sum_bound, 1e3 * med_it, 1e3 * best_it,
           1e3 * wall, 1e3 * wall_busy, 1e3 * wall_idle, bw_gbs, bw_cached_gbs, peak_gflops, chain_gflops,
           cb.ok ? 1e3 * cb.fwd_s : -1.0, cb.ok ? 1e3 * cb.bwd_s : -1.0);
    free(t);
    free(it);
    free(ev);
    free(gap);
    bloc_session_close(&s);
    return 0;
}
