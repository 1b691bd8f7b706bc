#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "progress.h"
#include "report.h"
#include "runtime.h"
#include "session.h"
#include "solver.h"


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Hands a log point to the caller's callback, with x and y read back. */
static int log_point(bloc_session_t *s, const bloc_run_options_t *opt, long k, const double *values, double *xb,
                     double *yb, bloc_error_t *err)
{
    if (!opt || !opt->on_log)
        return BLOC_OK;
    int st = bloc_graph_read(&s->g, s->x, xb, err);
    if (!st)
        st = bloc_graph_read(&s->g, s->y, yb, err);
    if (!st && opt->on_log(opt->user, k, values, xb, s->pb.nx, yb, s->pb.ny))
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "run stopped by its log callback at iteration %ld", k);
    return st;
}

/* Sums kernel time and span of one profiled iteration; releases events
 * (NULL for nodes skipped by their period). */
static void collect(cl_event *ev, int n, double *busy, double *span)
{
    cl_ulong first = 0, last = 0, total = 0;
    int seen = 0;
    for (int i = 0; i < n; i++) {
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

static int loop(bloc_session_t *s, const bloc_config_t *cfg, const bloc_run_options_t *opt, bloc_run_result_t *res,
                FILE *traj, int *profiled, bloc_error_t *err)
{
    int nn = s->g.nnodes[BLOC_LIST_STEP], nm = res->nmetrics, st = BLOC_OK;
    long iters = cfg->iterations, every = cfg->log_every;
    long nsamples = iters / every + 2;
    double *busy = malloc((size_t)nsamples * sizeof *busy), *span = malloc((size_t)nsamples * sizeof *span);
    int want_xy = opt && opt->on_log;
    double *xb = want_xy ? malloc((s->pb.nx + 1) * sizeof *xb) : NULL;
    double *yb = want_xy ? malloc((s->pb.ny + 1) * sizeof *yb) : NULL;
    cl_event *ev = malloc((size_t)(nn ? nn : 1) * sizeof *ev);
    double last_good[2 + BLOC_MAX_METRICS];
    long last_good_k = 0;
    int have_events = 0, ns = 0;
    double t0 = now_s();
    if (!busy || !span || !ev || (want_xy && (!xb || !yb))) {
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
        goto out;
    }
    bloc_progress_t prog;
    double t_first = 0;
    bloc_progress_start(&prog, opt ? (int)opt->progress : 0, iters, t0);
    if ((st = bloc_session_evaluate(s, 0, res->values, err)) || (st = bloc_trajectory_row(traj, 0, 0, res->values, nm, err)) ||
        (st = log_point(s, opt, 0, res->values, xb, yb, err)))
        goto out;
    memcpy(last_good, res->values, sizeof last_good);
    for (long k = 0; k < iters; k++) {
        long done = k + 1;
        int log_now = done % every == 0 || done == iters;
        /* Profile the iteration just before each log point: its events are
         * complete once the evaluation's blocking read returns. */
        int profile = k > 0 && log_now;
        if ((st = bloc_graph_enqueue(&s->g, BLOC_LIST_STEP, k, profile ? ev : NULL, err)))
            goto out;
        have_events = profile;
        if (k == 0) { /* first replay pays per-kernel JIT on some drivers: time it apart */
            clFinish(s->rt.queue);
            t_first = now_s();
        }
        if (!log_now) {
            if (done % 256 == 0)
                clFlush(s->rt.queue);
            continue;
        }
        if ((st = bloc_session_evaluate(s, done, res->values, err)))
            goto out;
        if (have_events) {
            collect(ev, nn, &busy[ns], &span[ns]);
            ns++;
            have_events = 0;
        }
        double t = now_s();
        if ((st = bloc_trajectory_row(traj, done, t - t0, res->values, nm, err)) ||
            (st = log_point(s, opt, done, res->values, xb, yb, err)))
            goto out;
        res->iterations = done;
        bloc_progress_update(&prog, done, res->values[BLOC_SLOT_F], t, done == iters);
        if (!isfinite(res->values[BLOC_SLOT_F]) || !isfinite(res->values[BLOC_SLOT_LL])) {
            st = bloc_error_set(err, BLOC_ERR_DIVERGED,
                                "diverged at iteration %ld: F = %g, f = %g; last finite values at iteration "
                                "%ld: F = %.9g, f = %.9g",
                                done, res->values[BLOC_SLOT_F], res->values[BLOC_SLOT_LL], last_good_k,
                                last_good[BLOC_SLOT_F], last_good[BLOC_SLOT_LL]);
            goto out;
        }
        memcpy(last_good, res->values, sizeof last_good);
        last_good_k = done;
    }
    double t_end = now_s();
    res->wall_seconds = t_end - t0;
    res->wall_per_iter = iters > 1 ? (t_end - t_first) / (double)(iters - 1) : t_end - t0;
    res->device_per_iter = median(busy, ns);
    res->span_per_iter = median(span, ns);
    *profiled = ns;
out:
    if (have_events) {
        clFinish(s->rt.queue);
        for (int i = 0; i < nn; i++)
            if (ev[i])
                clReleaseEvent(ev[i]);
    }
    if (st)
        res->wall_seconds = now_s() - t0;
    free(busy);
    free(span);
    free(ev);
    free(xb);
    free(yb);
    return st;
}

int bloc_run(const bloc_config_t *cfg, const bloc_run_options_t *opt, bloc_run_result_t *res, bloc_error_t *err)
{
    memset(res, 0, sizeof *res);
    bloc_session_t s;
    memset(&s, 0, sizeof s);
    double t0 = now_s();
    snprintf(res->out_dir, sizeof res->out_dir, "%s", opt && opt->out_dir ? opt->out_dir : cfg->output);
    res->nmetrics = cfg->problem->nmetrics;
    for (int i = 0; i < res->nmetrics; i++)
        res->metric_names[i] = cfg->problem->metric_names[i];
    FILE *traj = NULL;
    int profiled = 0;
    int st = bloc_session_open(&s, cfg, err);
    if (!st)
        st = bloc_mkdir_p(res->out_dir, err);
    if (!st)
        st = bloc_trajectory_open(&traj, res->out_dir, res, err);
    if (!st) {
        res->startup_seconds = now_s() - t0;
        res->build_seconds = s.rt.build_seconds;
        res->program_from_cache = s.rt.program_from_cache;
        res->launches_per_iter = (int)lround(bloc_graph_mean_launches(&s.g, BLOC_LIST_STEP));
        res->device_bytes = bloc_graph_device_bytes(&s.g);
        st = loop(&s, cfg, opt, res, traj, &profiled, err);
        bloc_error_t werr;
        const char *status = st == BLOC_OK ? "ok" : st == BLOC_ERR_DIVERGED ? "diverged" : "failed";
        if (bloc_summary_write(res->out_dir, cfg, &s.rt, res, profiled, status, &werr) && !st) {
            *err = werr;
            st = werr.status;
        }
    }
    if (traj && fclose(traj) != 0 && !st)
        st = bloc_error_set(err, BLOC_ERR_IO, "%s/trajectory.csv: close failed", res->out_dir);
    bloc_session_close(&s);
    return st;
}
