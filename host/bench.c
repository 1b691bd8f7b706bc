#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "config.h"
#include "graph_report.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "selection.h"
#include "session.h"
#include "solver.h"
#include "timing.h"

#define MAX_DEVICES 16
#define MAX_SETS 16

typedef struct {
    char config[512];
    char metric[64];
    double target;         /* NAN: none */
    char sets[MAX_SETS][256];
    int nsets;
} entry_t;

/* One suite line: CONFIG [METRIC<TARGET] [key.path=value ...]. 1 = entry, 0 = blank. */
static int parse_entry(char *line, entry_t *e, const char *suite, int lineno, bloc_error_t *err)
{
    memset(e, 0, sizeof *e);
    e->target = NAN;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
    if (!tok)
        return 0;
    snprintf(e->config, sizeof e->config, "%s", tok);
    while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
        char *lt = strchr(tok, '<'), *end;
        if (lt) {
            *lt = '\0';
            snprintf(e->metric, sizeof e->metric, "%s", tok);
            e->target = strtod(lt + 1, &end);
            if (end == lt + 1 || *end)
                return -bloc_error_set(err, BLOC_ERR_CONFIG, "%s:%d: bad target '%s<%s' (write METRIC<NUMBER)", suite,
                                       lineno, tok, lt + 1);
        } else if (strchr(tok, '=') && e->nsets < MAX_SETS) {
            snprintf(e->sets[e->nsets++], sizeof e->sets[0], "%s", tok);
        } else {
            return -bloc_error_set(err, BLOC_ERR_CONFIG, "%s:%d: unexpected '%s' (expected METRIC<TARGET or key=value)",
                                   suite, lineno, tok);
        }
    }
    return 1;
}

/* Start-up seconds of a child `bloc run` (1 iteration), read from its summary. */
static double child_startup(const bloc_bench_options_t *o, const entry_t *e, const char *dev, const char *prec,
                            const char *dir, const char *cache_env)
{
    char cmd[16384];
    int n = snprintf(cmd, sizeof cmd, "%s '%s' run '%s' --device '%s' --set precision=%s --set iterations=1 "
                     "--set log_every=1 --out '%s' --progress none", cache_env, o->bloc_exe, e->config, dev, prec, dir);
    for (int i = 0; i < e->nsets && n < (int)sizeof cmd; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --set '%s'", e->sets[i]);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " >/dev/null 2>&1");
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        return NAN;
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    const char *p = strstr(buf, "\"startup_seconds\": ");
    return p ? strtod(p + 19, NULL) : NAN;
}

typedef struct {
    double t0;
    int slot;            /* metric slot, -1: none */
    double target;
    long hit_k;
    double hit_t;
} target_state_t;

static int on_log(void *user, long k, const double *values, const double *x, size_t nx, const double *y, size_t ny)
{
    (void)x; (void)nx; (void)y; (void)ny;
    target_state_t *s = user;
    double t = bloc_now_s();
    if (k == 0)
        s->t0 = t;
    if (s->slot >= 0 && s->hit_k < 0 && values[s->slot] < s->target) {
        s->hit_k = k;
        s->hit_t = t - s->t0;
    }
    return 0;
}

typedef struct {
    double wall_med, wall_lo, wall_hi, dev_med, dev_lo, dev_hi;
    double *node_time; /* median device time per launch, one per node (malloc'd) */
} timing_t;

/* Warm-up then `repeats` timed blocks of `iters` iterations with an event per launch. */
static int time_steps(bloc_session_t *s, int repeats, int iters, timing_t *t, bloc_error_t *err)
{
    int nn = s->g.nnodes[BLOC_LIST_STEP], st = BLOC_OK;
    t->node_time = calloc((size_t)(nn ? nn : 1), sizeof *t->node_time);
    cl_event *ev = malloc((size_t)iters * (size_t)(nn ? nn : 1) * sizeof *ev);
    double *wall = malloc((size_t)repeats * sizeof *wall), *dev = malloc((size_t)repeats * sizeof *dev);
    double *node = malloc((size_t)repeats * (size_t)(nn ? nn : 1) * sizeof *node);
    double vals[2 + BLOC_MAX_METRICS];
    long k = 0;
    if (!t->node_time || !ev || !wall || !dev || !node) {
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* warm-up: every (kernel, local size) of both lists compiled and run */
    for (int w = 0; w < 2 && !st; w++)
        st = bloc_graph_enqueue(&s->g, BLOC_LIST_STEP, k++, NULL, err);
    if (!st)
        st = bloc_session_evaluate(s, k, vals, err);
    for (int r = 0; r < repeats && !st; r++) {
        double t0 = bloc_now_s();
        for (int i = 0; i < iters && !st; i++)
            st = bloc_graph_enqueue(&s->g, BLOC_LIST_STEP, k++, ev + (size_t)i * (size_t)nn, err);
        clFinish(s->rt.queue);
        wall[r] = (bloc_now_s() - t0) / iters;
        double busy = 0;
        for (int j = 0; j < nn; j++)
            node[r * nn + j] = 0;
        for (int i = 0; i < iters; i++)
            for (int j = 0; j < nn; j++) {
                cl_event e = ev[(size_t)i * (size_t)nn + (size_t)j];
                if (!e) /* skipped by its period */
                    continue;
                cl_ulong a = 0, b = 0;
                clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
                clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
                clReleaseEvent(e);
                double d = b > a ? 1e-9 * (double)(b - a) : 0;
                busy += d;
                node[r * nn + j] += d / iters;
            }
        dev[r] = busy / iters;
    }
    if (!st) {
        bloc_stats(wall, repeats, &t->wall_med, &t->wall_lo, &t->wall_hi);
        bloc_stats(dev, repeats, &t->dev_med, &t->dev_lo, &t->dev_hi);
        double *col = malloc((size_t)repeats * sizeof *col), lo, hi;
        for (int j = 0; j < nn && col; j++) {
            for (int r = 0; r < repeats; r++)
                col[r] = node[r * nn + j];
            bloc_stats(col, repeats, &t->node_time[j], &lo, &hi);
        }
        free(col);
    }
out:
    free(ev);
    free(wall);
    free(dev);
    free(node);
    return st;
}

/* Roofline bound of one launch or iteration: bw is the bandwidth the
 * graph's working set sees (cached or DRAM, bloc_peaks_bandwidth). */
static double bound(double flops, double bytes, double bw, const bloc_peaks_t *pk, bloc_precision_t p)
{
    double peak = p == BLOC_FP64 ? pk->flops_dp : pk->flops_sp;
    return fmax(bytes / bw, peak > 0 ? flops / peak : 0);
}

/* One (entry, device, precision) measurement; appends rows to the files. */
static int bench_one(const bloc_bench_options_t *o, const entry_t *e, const bloc_device_info_t *d, bloc_precision_t p,
                     FILE *csv, FILE *ncsv, FILE *js, int *first_json, FILE *report, bloc_error_t *err)
{
    bloc_config_t cfg;
    int st = bloc_config_load(&cfg, e->config, err);
    for (int i = 0; i < e->nsets && !st; i++)
        st = bloc_config_set(&cfg, e->sets[i], err);
    if (st)
        return st;
    snprintf(cfg.device, sizeof cfg.device, "%d:%d", d->platform_index, d->device_index);
    cfg.precision = p;
    const char *pn = bloc_precision_name(p);
    char base[1200], dir[1300];
    snprintf(base, sizeof base, "%s/runs/%s-%s-%d_%d-%s", o->out_dir, cfg.solver->name, cfg.problem->name,
             d->platform_index, d->device_index, pn);

    /* start-up: cold (fresh bloc and PoCL caches) then warm (same caches) */
    char env[4000];
    snprintf(dir, sizeof dir, "%s/startup", base);
    snprintf(env, sizeof env, "rm -rf '%s/cache' && BLOC_CACHE_DIR='%s/cache' POCL_CACHE_DIR='%s/cache/pocl'", base,
             base, base);
    double cold = child_startup(o, e, cfg.device, pn, dir, env);
    snprintf(env, sizeof env, "BLOC_CACHE_DIR='%s/cache' POCL_CACHE_DIR='%s/cache/pocl'", base, base);
    double warm = child_startup(o, e, cfg.device, pn, dir, env);

    /* time per iteration */
    bloc_session_t s;
    timing_t t;
    bloc_peaks_t pk;
    memset(&t, 0, sizeof t);
    int iters = o->iters > 0 ? o->iters : (int)(cfg.iterations < 200 ? cfg.iterations : 200);
    st = bloc_session_open(&s, &cfg, err);
    if (!st)
        st = bloc_probe(&s.rt, o->force_probe, &pk, err);
    if (!st)
        st = time_steps(&s, o->repeats, iters, &t, err);
    if (st) {
        free(t.node_time);
        bloc_session_close(&s);
        return st;
    }
    double flops, bytes;
    bloc_graph_cost(&s.g, BLOC_LIST_STEP, &flops, &bytes);
    double peak = p == BLOC_FP64 ? pk.flops_dp : pk.flops_sp;
    double bw = bloc_peaks_bandwidth(&pk, (double)bloc_graph_device_bytes(&s.g));
    double mean_launches = bloc_graph_mean_launches(&s.g, BLOC_LIST_STEP); /* per iteration k >= 1 */
    int launches = (int)lround(mean_launches);
    double roof = bound(flops, bytes, bw, &pk, p), launch_bound = mean_launches * pk.launch_s;
    for (int j = 0; j < s.g.nnodes[BLOC_LIST_STEP]; j++) {
        const bloc_node_t *nd = &s.g.nodes[BLOC_LIST_STEP][j];
        if (nd->period == BLOC_PERIOD_ONCE) /* start-up work, not an iteration's */
            continue;
        double tj = t.node_time[j], bj = bound(nd->flops, nd->bytes, bw, &pk, p);
        fprintf(ncsv, "%s,%s,%s,%s,%d,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", cfg.problem->name, cfg.solver->name,
                d->device_name, pn, j, nd->kernel, nd->flops, nd->bytes, tj, tj > 0 ? nd->bytes / tj / 1e9 : 0,
                tj > 0 ? 100 * nd->bytes / tj / bw : 0, bj, bj > 0 ? tj / bj : 0);
    }
    free(t.node_time);

    /* time to target from a full run */
    target_state_t ts = {.slot = -1, .hit_k = -1, .target = e->target};
    for (int m = 0; m < cfg.problem->nmetrics && e->metric[0]; m++)
        if (!strcmp(cfg.problem->metric_names[m], e->metric))
            ts.slot = BLOC_SLOT_METRIC0 + m;
    if (e->metric[0] && ts.slot < 0) {
        bloc_session_close(&s);
        return bloc_error_set(err, BLOC_ERR_CONFIG, "%s: problem %s has no metric '%s'", e->config, cfg.problem->name,
                              e->metric);
    }
    snprintf(dir, sizeof dir, "%s/full", base);
    bloc_run_options_t ro = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir, .on_log = on_log, .user = &ts};
    bloc_run_result_t res;
    bloc_error_t rerr;
    int rs = bloc_run(&cfg, &ro, &res, &rerr);

    char overrides[1024] = "";
    for (int i = 0; i < e->nsets; i++)
        snprintf(overrides + strlen(overrides), sizeof overrides - strlen(overrides), "%s%s", i ? " " : "", e->sets[i]);
    fprintf(csv, "%s,\"%s\",%s,%s,\"%s\",\"%s %s\",%s,%d,%d,", e->config, overrides, cfg.problem->name,
            cfg.solver->name, d->device_name, d->platform_name, d->driver_version, pn, launches, iters);
    fprintf(csv, "%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,", t.wall_med, t.wall_lo, t.wall_hi, t.dev_med, t.dev_lo, t.dev_hi);
    fprintf(csv, "%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,", flops, bytes, bytes / t.dev_med / 1e9, flops / t.dev_med / 1e9,
            100 * bytes / t.dev_med / bw, peak > 0 ? 100 * flops / t.dev_med / peak : 0, roof);
    fprintf(csv, "%s,%.6g,%ld,%.6g,%.6g,%.6g,%s\n", e->metric, e->metric[0] ? e->target : NAN, ts.hit_k,
            ts.hit_k >= 0 ? ts.hit_t : NAN, cold, warm, rs == BLOC_OK ? "ok" : "failed");
    fprintf(js, "%s\n  {\"config\": ", *first_json ? "" : ",");
    *first_json = 0;
    bloc_json_string(js, e->config);
    fprintf(js, ", \"problem\": \"%s\", \"solver\": \"%s\", \"precision\": \"%s\", \"device\": ", cfg.problem->name,
            cfg.solver->name, pn);
    bloc_json_string(js, d->device_name);
    fprintf(js, ", \"platform\": ");
    bloc_json_string(js, d->platform_name);
    fprintf(js, ", \"driver\": ");
    bloc_json_string(js, d->driver_version);
    fprintf(js, ",\n   \"peaks\": {\"bandwidth_gbs\": %.4g, \"bandwidth_cached_gbs\": %.4g, \"cache_bytes\": %.6g, "
                "\"gflops_sp\": %.4g, \"gflops_dp\": %.4g, \"launch_us\": %.4g, \"from_cache\": %s},\n"
                "   \"working_set_bytes\": %.6g, \"roofline_bandwidth_gbs\": %.4g,\n",
            pk.bandwidth / 1e9, pk.bandwidth_cached / 1e9, pk.cache_bytes, pk.flops_sp / 1e9, pk.flops_dp / 1e9,
            1e6 * pk.launch_s, pk.from_cache ? "true" : "false", (double)bloc_graph_device_bytes(&s.g), bw / 1e9);
    fprintf(js, "   \"per_iteration\": {\"launches\": %d, \"flops\": %.6g, \"bytes\": %.6g, \"wall_s\": {\"median\": %.6g, "
                "\"min\": %.6g, \"max\": %.6g}, \"device_s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}, "
                "\"roofline_bound_s\": %.6g, \"launch_bound_s\": %.6g},\n",
            launches, flops, bytes, t.wall_med, t.wall_lo, t.wall_hi, t.dev_med, t.dev_lo, t.dev_hi,
            roof, launch_bound);
    fprintf(js, "   \"repeats\": %d, \"iterations_per_repeat\": %d, \"startup_s\": {\"cold\": %.6g, \"warm\": %.6g},\n",
            o->repeats, iters, cold, warm);
    fprintf(js, "   \"target\": {\"metric\": \"%s\", \"value\": %.6g, \"iterations\": %ld, \"seconds\": %.6g}, "
                "\"full_run\": {\"status\": \"%s\", \"iterations\": %ld, \"loop_s\": %.6g}}",
            e->metric, e->metric[0] ? e->target : 0, ts.hit_k, ts.hit_k >= 0 ? ts.hit_t : -1,
            rs == BLOC_OK ? "ok" : "failed", res.iterations, res.wall_seconds);
    fprintf(report, "%-8s %-18s %-28.28s %-4s %9.1f %9.1f %8.2f %8.2f %8.1f%% %9.2f %7.2f %7.3f %8s\n", cfg.solver->name,
            cfg.problem->name, d->device_name, pn, 1e6 * t.wall_med, 1e6 * t.dev_med, bytes / t.dev_med / 1e9,
            flops / t.dev_med / 1e9, 100 * bytes / t.dev_med / bw, t.dev_med / fmax(roof, 1e-12), cold, warm,
            ts.hit_k >= 0 ? "hit" : e->metric[0] ? "missed" : "-");
    fflush(report);
    bloc_session_close(&s);
    return BLOC_OK;
}

int bloc_bench(const bloc_bench_options_t *o, FILE *report, bloc_error_t *err)
{
    FILE *suite = fopen(o->suite, "r");
    if (!suite)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot open suite file", o->suite);
    int st = bloc_mkdir_p(o->out_dir, err);
    char path[1200];
    FILE *csv = NULL, *ncsv = NULL, *js = NULL;
    if (!st) {
        snprintf(path, sizeof path, "%s/bench.csv", o->out_dir);
        csv = fopen(path, "w");
        snprintf(path, sizeof path, "%s/nodes.csv", o->out_dir);
        ncsv = fopen(path, "w");
        snprintf(path, sizeof path, "%s/bench.json", o->out_dir);
        js = fopen(path, "w");
        if (!csv || !ncsv || !js)
            st = bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write results", o->out_dir);
    }
    if (st)
        goto out;
    fprintf(csv, "config,overrides,problem,solver,device,driver,precision,launches,iters_per_repeat,wall_s_median,wall_s_min,"
                 "wall_s_max,device_s_median,device_s_min,device_s_max,flops,bytes,gbs,gflops,pct_bandwidth,pct_peak,"
                 "roofline_bound_s,target_metric,target,target_iterations,target_seconds,startup_cold_s,startup_warm_s,status\n");
    fprintf(ncsv, "problem,solver,device,precision,node,kernel,flops,bytes,device_s,gbs,pct_bandwidth,bound_s,"
                  "ratio_to_bound\n");
    fprintf(js, "{\"suite\": ");
    bloc_json_string(js, o->suite);
    fprintf(js, ", \"repeats\": %d, \"runs\": [", o->repeats);
    fprintf(report, "%-8s %-18s %-28s %-4s %9s %9s %8s %8s %9s %9s %7s %7s %8s\n", "solver", "problem", "device", "prec",
            "wall us", "dev us", "GB/s", "GFLOP/s", "%bw", "x bound", "cold s", "warm s", "target");
    char line[4096];
    int lineno = 0, first = 1;
    while (!st && fgets(line, sizeof line, suite)) {
        entry_t e;
        int r = parse_entry(line, &e, o->suite, ++lineno, err);
        if (r < 0) {
            st = -r;
            break;
        }
        if (r == 0)
            continue;
        bloc_config_t cfg;
        if ((st = bloc_config_load(&cfg, e.config, err)))
            break;
        bloc_device_info_t devs[MAX_DEVICES];
        bloc_precision_t precs[2];
        int nd, np;
        if ((st = bloc_select_devices(o->devices, cfg.device, devs, MAX_DEVICES, &nd, err)) ||
            (st = bloc_select_precisions(o->precisions, cfg.precision, precs, &np, err)))
            break;
        for (int d = 0; d < nd && !st; d++)
            for (int q = 0; q < np && !st; q++) {
                if (precs[q] == BLOC_FP64 && !devs[d].has_fp64)
                    continue;
                st = bench_one(o, &e, &devs[d], precs[q], csv, ncsv, js, &first, report, err);
            }
    }
    fprintf(js, "\n]}\n");
out:
    fclose(suite);
    if (csv) fclose(csv);
    if (ncsv) fclose(ncsv);
    if (js) fclose(js);
    return st;
}
