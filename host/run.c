#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "graph.h"
#include "guard.h"
#include "progress.h"
#include "report.h"
#include "runtime.h"
#include "session.h"
#include "solver.h"
#include "timing.h"


/* One run in progress. */
typedef struct {
    bloc_session_t *s;
    const bloc_config_t *cfg;
    const bloc_run_options_t *opt;
    bloc_run_result_t *res;
    FILE *traj;
    bloc_guard_t guard;
    double *xb, *yb;           /* x and y read back at log points */
    char config_hash[65], build_hash[65];
    char config_path[4096];    /* cfg->path, absolute */
} run_t;

/* Where the loop starts: iteration 0, or a checkpoint. */
typedef struct {
    long k0;        /* iterations done */
    double wall0;   /* loop wall seconds spent before */
} start_t;

/* A log point after `done` iterations: evaluates F, f and the metrics,
 * reads x and y back, writes the trajectory row and calls the caller's
 * callback. *t: the time after the evaluation. */
static int log_point(run_t *r, long done, double t0, double wall0, double *t, bloc_error_t *err)
{
    bloc_session_t *s = r->s;
    int st = bloc_session_evaluate(s, done, r->res->values, err);
    if (!st)
        st = bloc_graph_read(&s->g, s->x, r->xb, err);
    if (!st)
        st = bloc_graph_read(&s->g, s->y, r->yb, err);
    *t = bloc_now_s();
    if (!st)
        st = bloc_trajectory_row(r->traj, done, wall0 + (*t - t0), r->res->values, r->res->nmetrics, err);
    if (!st && r->opt && r->opt->on_log &&
        r->opt->on_log(r->opt->user, done, r->res->values, r->xb, s->pb.nx, r->yb, s->pb.ny))
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "run stopped by its log callback at iteration %ld", done);
    return st;
}

/* Divergence: the reason for summary.json, and x and y of the last good
 * log point next to the trajectory. */
static void diverged(run_t *r, bloc_error_t *err)
{
    bloc_divergence_t *d = &r->res->divergence;
    d->iteration = r->guard.k;
    d->last_good_iteration = r->guard.last_good_k;
    d->reason = r->guard.kind == BLOC_DIVERGED_BLOWUP ? "blow-up" : "non-finite";
    snprintf(d->variable, sizeof d->variable, "%s", r->guard.variable);
    bloc_guard_save(&r->guard, r->res->out_dir, err);
}

/* DIR/checkpoint.bin after `done` iterations (a good log point). */
static int checkpoint(run_t *r, long done, double wall, bloc_error_t *err)
{
    bloc_checkpoint_t *c = calloc(1, sizeof *c);
    if (!c)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    int st = bloc_trajectory_sync(r->traj, err);
    long bytes = ftell(r->traj);
    if (!st && bytes < 0)
        st = bloc_error_set(err, BLOC_ERR_IO, "%s/trajectory.csv: cannot tell its length", r->res->out_dir);
    if (!st) {
        memcpy(c->config_hash, r->config_hash, sizeof c->config_hash);
        memcpy(c->build_hash, r->build_hash, sizeof c->build_hash);
        snprintf(c->config_path, sizeof c->config_path, "%s", r->config_path);
        snprintf(c->device, sizeof c->device, "%s", r->cfg->device);
        for (int i = 0; r->opt && i < r->opt->nsets; i++)
            snprintf(c->sets[c->nsets++], BLOC_CKPT_SET_LEN, "%s", r->opt->sets[i]);
        c->iteration = done;
        c->wall = wall;
        c->trajectory_bytes = bytes;
        c->f_start = r->guard.f_start;
        c->nvalues = 2 + r->res->nmetrics;
        memcpy(c->values, r->res->values, (size_t)c->nvalues * sizeof *c->values);
        st = bloc_checkpoint_write(r->res->out_dir, c, &r->s->g, err);
    }
    if (!st)
        r->res->last_checkpoint = done;
    free(c);
    return st;
}

static int loop(run_t *r, const start_t *start, int *profiled, bloc_error_t *err)
{
    bloc_session_t *s = r->s;
    const bloc_config_t *cfg = r->cfg;
    bloc_run_result_t *res = r->res;
    int nn = s->g.nnodes[BLOC_LIST_STEP], st = BLOC_OK;
    long iters = cfg->iterations, every = cfg->log_every, ck_every = cfg->checkpoint_every, k0 = start->k0;
    long nsamples = (iters - k0) / every + 2;
    double *busy = malloc((size_t)nsamples * sizeof *busy), *span = malloc((size_t)nsamples * sizeof *span);
    cl_event *ev = malloc((size_t)(nn ? nn : 1) * sizeof *ev);
    int have_events = 0, ns = 0;
    double t0 = bloc_now_s(), t, log_s = 0; /* log_s: log points' time after the first iteration */
    if (!busy || !span || !ev) {
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
        goto out;
    }
    bloc_progress_t prog;
    double t_first = t0;
    bloc_progress_start(&prog, r->opt ? (int)r->opt->progress : 0, iters, t0);
    if (k0 == 0 && ((st = log_point(r, 0, t0, start->wall0, &t, err)) ||
                    (st = bloc_guard_check(&r->guard, 0, res->values, r->xb, r->yb, err)))) {
        if (st == BLOC_ERR_DIVERGED)
            diverged(r, err);
        goto out;
    }
    for (long k = k0; k < iters; k++) {
        long done = k + 1;
        int log_now = done % every == 0 || done == iters;
        /* Profile the iteration just before each log point: its events are
         * complete once the evaluation's blocking read returns. */
        int profile = k > k0 && log_now;
        if ((st = bloc_graph_enqueue(&s->g, BLOC_LIST_STEP, k, profile ? ev : NULL, err)))
            goto out;
        have_events = profile;
        if (k == k0) { /* first replay pays per-kernel JIT on some drivers: time it apart */
            cl_int rc = clFinish(s->rt.queue);
            if (rc != CL_SUCCESS) {
                st = bloc_cl_fail(err, "clFinish", rc);
                goto out;
            }
            t_first = bloc_now_s();
        }
        if (!log_now) {
            if (done % 256 == 0)
                clFlush(s->rt.queue);
            continue;
        }
        /* the log point's time (evaluation, files) is kept apart from the
         * iterations': their kernels finish first */
        cl_int rc = clFinish(s->rt.queue);
        if (rc != CL_SUCCESS) {
            st = bloc_cl_fail(err, "clFinish", rc);
            goto out;
        }
        double t_log = bloc_now_s();
        if ((st = log_point(r, done, t0, start->wall0, &t, err)))
            goto out;
        if (have_events) {
            bloc_events_collect(ev, (size_t)nn, &busy[ns], &span[ns]);
            ns++;
            have_events = 0;
        }
        res->iterations = done;
        bloc_progress_update(&prog, done, res->values[BLOC_SLOT_F], t, done == iters);
        if ((st = bloc_guard_check(&r->guard, done, res->values, r->xb, r->yb, err))) {
            diverged(r, err);
            goto out;
        }
        if (ck_every > 0 && done % ck_every == 0 && (st = checkpoint(r, done, start->wall0 + (t - t0), err)))
            goto out;
        log_s += bloc_now_s() - t_log;
    }
    double t_end = bloc_now_s();
    long timed = iters - k0;
    res->wall_seconds = t_end - t0;
    res->log_seconds = log_s;
    res->wall_per_iter = timed > 1 ? (t_end - t_first) / (double)(timed - 1) : t_end - t0;
    res->step_wall_per_iter = timed > 1 ? (t_end - t_first - log_s) / (double)(timed - 1) : res->wall_per_iter;
    double lo, hi;
    if (ns > 0) {
        bloc_stats(busy, ns, &res->device_per_iter, &lo, &hi);
        bloc_stats(span, ns, &res->span_per_iter, &lo, &hi);
    }
    *profiled = ns;
out:
    if (have_events) {
        clFinish(s->rt.queue);
        for (int i = 0; i < nn; i++)
            if (ev[i])
                clReleaseEvent(ev[i]);
    }
    if (st)
        res->wall_seconds = bloc_now_s() - t0;
    free(busy);
    free(span);
    free(ev);
    return st;
}

/* Loads the checkpoint of the output directory, checks that it belongs to
 * this config and build, puts its vectors on the device and reopens the
 * trajectory at its rows. */
static int resume(run_t *r, start_t *start, bloc_error_t *err)
{
    const char *dir = r->res->out_dir;
    bloc_checkpoint_t *c = calloc(1, sizeof *c);
    if (!c)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    int st = bloc_checkpoint_load(dir, c, err);
    if (!st && strcmp(c->config_hash, r->config_hash) != 0)
        st = bloc_error_set(err, BLOC_ERR_CONFIG,
                            "cannot resume from %s/checkpoint.bin: it was written for a different config (problem, "
                            "solver, their parameters, precision, iterations, log_every, seed, reduction or "
                            "divergence differ); resume with the config and --set options of the original run",
                            dir);
    if (!st && strcmp(c->build_hash, r->build_hash) != 0)
        st = bloc_error_set(err, BLOC_ERR_CONFIG,
                            "cannot resume from %s/checkpoint.bin: it was written by another bloc build or on "
                            "another device or driver than %s (%s); a resumed run must replay the same kernels "
                            "on the same device",
                            dir, r->s->rt.dev.device_name, r->s->rt.dev.driver_version);
    if (!st && (c->nvalues != 2 + r->res->nmetrics || c->iteration > r->cfg->iterations))
        st = bloc_error_set(err, BLOC_ERR_DATA, "%s/checkpoint.bin: iteration or values do not fit this run", dir);
    if (!st)
        st = bloc_checkpoint_restore(c, &r->s->g, err);
    if (!st)
        st = bloc_graph_read(&r->s->g, r->s->x, r->xb, err);
    if (!st)
        st = bloc_graph_read(&r->s->g, r->s->y, r->yb, err);
    if (!st)
        st = bloc_trajectory_resume(&r->traj, dir, c->trajectory_bytes, err);
    if (!st) {
        bloc_guard_resume(&r->guard, c->f_start, c->iteration, c->values, r->xb, r->yb);
        memcpy(r->res->values, c->values, (size_t)c->nvalues * sizeof *c->values);
        start->k0 = c->iteration;
        start->wall0 = c->wall;
        r->res->iterations = c->iteration;
        r->res->resumed_from = c->iteration;
        r->res->last_checkpoint = c->iteration;
        bloc_checkpoint_remove_temps(dir);
    }
    bloc_checkpoint_free(c);
    free(c);
    return st;
}

int bloc_run(const bloc_config_t *cfg, const bloc_run_options_t *opt, bloc_run_result_t *res, bloc_error_t *err)
{
    memset(res, 0, sizeof *res);
    res->resumed_from = res->last_checkpoint = -1;
    res->divergence.last_good_iteration = -1;
    bloc_session_t s;
    memset(&s, 0, sizeof s);
    double t0 = bloc_now_s();
    snprintf(res->out_dir, sizeof res->out_dir, "%s", opt && opt->out_dir ? opt->out_dir : cfg->output);
    res->nmetrics = cfg->problem->nmetrics;
    for (int i = 0; i < res->nmetrics; i++)
        res->metric_names[i] = cfg->problem->metric_names[i];
    if (cfg->checkpoint_every % cfg->log_every != 0)
        return bloc_error_set(err, BLOC_ERR_CONFIG,
                              "checkpoint_every = %ld is not a multiple of log_every = %ld (checkpoints are taken "
                              "at log points)", cfg->checkpoint_every, cfg->log_every);
    if (cfg->checkpoint_every > 0 && opt && opt->nsets > BLOC_CKPT_MAX_SETS)
        return bloc_error_set(err, BLOC_ERR_USAGE, "checkpoints record at most %d --set options", BLOC_CKPT_MAX_SETS);
    for (int i = 0; cfg->checkpoint_every > 0 && opt && i < opt->nsets; i++)
        if (strlen(opt->sets[i]) >= BLOC_CKPT_SET_LEN)
            return bloc_error_set(err, BLOC_ERR_USAGE, "checkpoints record --set options of at most %d characters",
                                  BLOC_CKPT_SET_LEN - 1);
    run_t r = {.s = &s, .cfg = cfg, .opt = opt, .res = res};
    char cwd[2048];
    if (cfg->path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(r.config_path, sizeof r.config_path, "%s/%s", cwd, cfg->path);
    else
        snprintf(r.config_path, sizeof r.config_path, "%s", cfg->path);
    int profiled = 0;
    int st = bloc_session_open(&s, cfg, err);
    if (!st)
        st = bloc_guard_init(&r.guard, cfg->divergence_blowup, 2 + res->nmetrics, s.pb.nx, s.pb.ny, err);
    if (!st) {
        r.xb = malloc((s.pb.nx + 1) * sizeof *r.xb);
        r.yb = malloc((s.pb.ny + 1) * sizeof *r.yb);
        if (!r.xb || !r.yb)
            st = bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    }
    if (!st)
        st = bloc_mkdir_p(res->out_dir, err);
    start_t start = {0, 0.0};
    if (!st) {
        bloc_checkpoint_config_hash(cfg, r.config_hash);
        bloc_checkpoint_build_hash(&s.rt, r.build_hash);
        if (opt && opt->resume)
            st = resume(&r, &start, err);
        else
            st = bloc_trajectory_open(&r.traj, res->out_dir, res, err);
    }
    if (!st) {
        res->startup_seconds = bloc_now_s() - t0;
        res->build_seconds = s.rt.build_seconds;
        res->program_from_cache = s.rt.program_from_cache;
        res->launches_per_iter = (int)lround(bloc_graph_mean_launches(&s.g, BLOC_LIST_STEP));
        res->device_bytes = bloc_graph_device_bytes(&s.g);
        st = loop(&r, &start, &profiled, err);
        bloc_error_t werr;
        const char *status = st == BLOC_OK ? "ok" : st == BLOC_ERR_DIVERGED ? "diverged" : "failed";
        if (bloc_summary_write(res->out_dir, cfg, &s.rt, res, profiled, status, &werr) && !st) {
            *err = werr;
            st = werr.status;
        }
    }
    if (r.traj && fclose(r.traj) != 0 && !st)
        st = bloc_error_set(err, BLOC_ERR_IO, "%s/trajectory.csv: close failed", res->out_dir);
    free(r.xb);
    free(r.yb);
    bloc_guard_free(&r.guard);
    bloc_session_close(&s);
    return st;
}
