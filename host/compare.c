#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "report.h"
#include "run.h"
#include "selection.h"
#include "runtime.h"
#include "solver.h"

#define MAX_RUNS 16

typedef struct {
    char label[96];          /* "P:D-precision" */
    char device[256];
    char driver[256];
    bloc_precision_t prec;
    int ok;                  /* the run finished */
    char status[64];
    size_t nx, ny;
    long n, cap;             /* log points */
    long *k;
    double *F, *x, *y;
    double final[2 + BLOC_MAX_METRICS];
} trace_t;

typedef struct {
    double abs[3], rel[3];   /* x, y, F */
} diff_t;

static int grow(trace_t *t)
{
    long cap = t->cap ? 2 * t->cap : 64;
    long *k = realloc(t->k, (size_t)cap * sizeof *k);
    if (k) t->k = k;
    double *F = realloc(t->F, (size_t)cap * sizeof *F);
    if (F) t->F = F;
    double *x = realloc(t->x, (size_t)cap * t->nx * sizeof *x);
    if (x) t->x = x;
    double *y = realloc(t->y, (size_t)cap * t->ny * sizeof *y);
    if (y) t->y = y;
    if (!k || !F || !x || !y)
        return -1;
    t->cap = cap;
    return 0;
}

static int on_log(void *user, long k, const double *values, const double *x, size_t nx, const double *y, size_t ny)
{
    trace_t *t = user;
    t->nx = nx;
    t->ny = ny;
    if (t->n == t->cap && grow(t))
        return -1;
    t->k[t->n] = k;
    t->F[t->n] = values[BLOC_SLOT_F];
    memcpy(t->x + (size_t)t->n * nx, x, nx * sizeof *x);
    memcpy(t->y + (size_t)t->n * ny, y, ny * sizeof *y);
    t->n++;
    return 0;
}

static void trace_free(trace_t *t)
{
    free(t->k);
    free(t->F);
    free(t->x);
    free(t->y);
}

static double norm_inf_diff(const double *a, const double *b, size_t n, double *scale)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fmax(fabs(a[i]), fabs(b[i])));
    }
    *scale = s;
    return d;
}

/* Mixed relative/absolute: relative for magnitudes above 1, absolute below,
 * so values converging to 0 (F at an optimum) compare meaningfully. */
static double rel(double d, double scale)
{
    return d / fmax(scale, 1.0);
}

/* Differences of two traces at log point i (the same iteration in both). */
static diff_t diff_at(const trace_t *a, const trace_t *b, long i)
{
    diff_t d;
    double s;
    d.abs[0] = norm_inf_diff(a->x + (size_t)i * a->nx, b->x + (size_t)i * b->nx, a->nx, &s);
    d.rel[0] = rel(d.abs[0], s);
    d.abs[1] = norm_inf_diff(a->y + (size_t)i * a->ny, b->y + (size_t)i * b->ny, a->ny, &s);
    d.rel[1] = rel(d.abs[1], s);
    d.abs[2] = fabs(a->F[i] - b->F[i]);
    d.rel[2] = rel(d.abs[2], fmax(fabs(a->F[i]), fabs(b->F[i])));
    return d;
}

typedef struct {
    int a, b;
    double tol;
    diff_t max, last;
    long first_divergence; /* iteration, or -1 */
    int agree;
} pair_t;

static void compare_pair(const trace_t *ta, const trace_t *tb, double tol, pair_t *p, FILE *csv)
{
    memset(&p->max, 0, sizeof p->max);
    p->tol = tol;
    p->first_divergence = -1;
    long n = ta->n < tb->n ? ta->n : tb->n;
    if (csv)
        fprintf(csv, "iteration,abs_x,rel_x,abs_y,rel_y,abs_F,rel_F\n");
    for (long i = 0; i < n; i++) {
        diff_t d = diff_at(ta, tb, i);
        for (int c = 0; c < 3; c++) {
            p->max.abs[c] = fmax(p->max.abs[c], d.abs[c]);
            p->max.rel[c] = fmax(p->max.rel[c], d.rel[c]);
            if (p->first_divergence < 0 && !(d.rel[c] <= tol))
                p->first_divergence = ta->k[i];
        }
        p->last = d;
        if (csv)
            fprintf(csv, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", ta->k[i], d.abs[0], d.rel[0], d.abs[1],
                    d.rel[1], d.abs[2], d.rel[2]);
    }
    p->agree = n > 0 && ta->n == tb->n && p->first_divergence < 0;
}

static void json_diff(FILE *f, const char *name, const diff_t *d)
{
    fprintf(f, "\"%s\": {\"abs_x\": %.17g, \"rel_x\": %.17g, \"abs_y\": %.17g, \"rel_y\": %.17g, \"abs_F\": %.17g, "
               "\"rel_F\": %.17g}", name, d->abs[0], d->rel[0], d->abs[1], d->rel[1], d->abs[2], d->rel[2]);
}

static int write_json(const char *dir, const bloc_config_t *cfg, const trace_t *t, int nt, int ref, const pair_t *p,
                      int np, bloc_error_t *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/compare.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write", path);
    fprintf(f, "{\n  \"config\": ");
    bloc_json_string(f, cfg->path);
    fprintf(f, ",\n  \"problem\": \"%s\", \"solver\": \"%s\", \"iterations\": %ld, \"log_every\": %ld,\n",
            cfg->problem->name, cfg->solver->name, cfg->iterations, cfg->log_every);
    fprintf(f, "  \"tolerance\": {\"fp32\": %g, \"fp64\": %g},\n  \"reference\": \"%s\",\n  \"runs\": [\n",
            cfg->compare_tol_fp32, cfg->compare_tol_fp64, t[ref].label);
    for (int i = 0; i < nt; i++) {
        fprintf(f, "    {\"label\": \"%s\", \"device\": ", t[i].label);
        bloc_json_string(f, t[i].device);
        fprintf(f, ", \"driver\": ");
        bloc_json_string(f, t[i].driver);
        fprintf(f, ", \"precision\": \"%s\", \"status\": \"%s\", \"log_points\": %ld, \"final\": {\"F\": %.17g",
                bloc_precision_name(t[i].prec), t[i].status, t[i].n, t[i].final[0]);
        for (int m = 0; m < cfg->problem->nmetrics; m++)
            fprintf(f, ", \"%s\": %.17g", cfg->problem->metric_names[m], t[i].final[2 + m]);
        fprintf(f, "}}%s\n", i + 1 < nt ? "," : "");
    }
    fprintf(f, "  ],\n  \"pairs\": [\n");
    for (int i = 0; i < np; i++) {
        fprintf(f, "    {\"a\": \"%s\", \"b\": \"%s\", \"tolerance\": %g, \"verdict\": \"%s\", \"first_divergence\": ",
                t[p[i].a].label, t[p[i].b].label, p[i].tol, p[i].agree ? "agree" : "differ");
        if (p[i].first_divergence >= 0)
            fprintf(f, "%ld", p[i].first_divergence);
        else
            fputs("null", f);
        fputs(", ", f);
        json_diff(f, "max", &p[i].max);
        fputs(", ", f);
        json_diff(f, "final", &p[i].last);
        fputs(", \"final_metric_abs_diff\": {", f);
        for (int m = 0; m < cfg->problem->nmetrics; m++)
            fprintf(f, "%s\"%s\": %.17g", m ? ", " : "", cfg->problem->metric_names[m],
                    fabs(t[p[i].a].final[2 + m] - t[p[i].b].final[2 + m]));
        fprintf(f, "}}%s\n", i + 1 < np ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    return fclose(f) == 0 ? BLOC_OK : bloc_error_set(err, BLOC_ERR_IO, "%s: write failed", path);
}

int bloc_compare(const bloc_config_t *cfg, const bloc_compare_options_t *opt, FILE *report, int *disagree,
                 bloc_error_t *err)
{
    bloc_device_info_t devs[MAX_RUNS];
    bloc_precision_t precs[2];
    int nd, npr, st;
    *disagree = 0;
    if ((st = bloc_select_devices(opt->devices, cfg->device, devs, MAX_RUNS, &nd, err)) ||
        (st = bloc_select_precisions(opt->precisions, cfg->precision, precs, &npr, err)) || (st = bloc_mkdir_p(opt->out_dir, err)))
        return st;
    trace_t *t = calloc(MAX_RUNS * 2, sizeof *t);
    pair_t *pairs = calloc(MAX_RUNS * MAX_RUNS * 2, sizeof *pairs);
    if (!t || !pairs) {
        free(t);
        free(pairs);
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    }
    int nt = 0, np = 0, ref = -1;
    for (int d = 0; d < nd; d++) {
        for (int q = 0; q < npr; q++) {
            trace_t *tr = &t[nt];
            snprintf(tr->label, sizeof tr->label, "%d:%d-%s", devs[d].platform_index, devs[d].device_index,
                     bloc_precision_name(precs[q]));
            snprintf(tr->device, sizeof tr->device, "%s", devs[d].device_name);
            snprintf(tr->driver, sizeof tr->driver, "%s %s", devs[d].platform_name, devs[d].driver_version);
            tr->prec = precs[q];
            if (precs[q] == BLOC_FP64 && !devs[d].has_fp64) {
                fprintf(report, "skipped %s (%s): no fp64 on this device\n", tr->label, tr->device);
                continue;
            }
            bloc_config_t c = *cfg;
            snprintf(c.device, sizeof c.device, "%d:%d", devs[d].platform_index, devs[d].device_index);
            c.precision = precs[q];
            char dir[1200];
            snprintf(dir, sizeof dir, "%s/runs/%d_%d-%s", opt->out_dir, devs[d].platform_index, devs[d].device_index,
                     bloc_precision_name(precs[q]));
            bloc_run_options_t ro = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir, .on_log = on_log, .user = tr};
            bloc_run_result_t res;
            bloc_error_t rerr;
            fprintf(report, "running %s on %s ...\n", tr->label, tr->device);
            fflush(report);
            int rs = bloc_run(&c, &ro, &res, &rerr);
            memcpy(tr->final, res.values, sizeof tr->final);
            tr->ok = rs == BLOC_OK;
            snprintf(tr->status, sizeof tr->status, "%s", rs == BLOC_OK ? "ok" : rs == BLOC_ERR_DIVERGED ? "diverged" : "failed");
            if (rs && rs != BLOC_ERR_DIVERGED) {
                fprintf(report, "  %s failed: %s\n", tr->label, rerr.message);
                if (tr->n == 0) {
                    trace_free(tr);
                    memset(tr, 0, sizeof *tr);
                    continue;
                }
            }
            if (ref < 0 || (precs[q] == BLOC_FP64 && t[ref].prec != BLOC_FP64))
                ref = nt;
            nt++;
        }
    }
    if (nt == 0) {
        free(t);
        free(pairs);
        return bloc_error_set(err, BLOC_ERR_DEVICE, "compare: no run finished");
    }
    char pdir[1200];
    snprintf(pdir, sizeof pdir, "%s/pairs", opt->out_dir);
    if ((st = bloc_mkdir_p(pdir, err)))
        goto out;
    for (int a = 0; a < nt; a++) {
        for (int b = a + 1; b < nt; b++) {
            pair_t *p = &pairs[np++];
            p->a = a;
            p->b = b;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s__%s.csv", pdir, t[a].label, t[b].label);
            for (char *c = path + strlen(pdir) + 1; *c; c++)
                if (*c == ':')
                    *c = '_';
            FILE *csv = fopen(path, "w");
            double tol = t[a].prec == BLOC_FP64 && t[b].prec == BLOC_FP64 ? cfg->compare_tol_fp64 : cfg->compare_tol_fp32;
            compare_pair(&t[a], &t[b], tol, p, csv);
            if (csv)
                fclose(csv);
            *disagree += !p->agree;
        }
    }
    fprintf(report, "\n%s on %s, %ld iterations, log every %ld; reference %s (%s)\n", cfg->solver->name,
            cfg->problem->name, cfg->iterations, cfg->log_every, t[ref].label, t[ref].device);
    fprintf(report, "%-16s %-16s %9s %10s %10s %10s %10s %10s  %s\n", "run a", "run b", "tol", "max rel x", "max rel y",
            "max rel F", "final dx", "diverges", "verdict");
    for (int i = 0; i < np; i++) {
        const pair_t *p = &pairs[i];
        char dv[32];
        if (p->first_divergence >= 0)
            snprintf(dv, sizeof dv, "it %ld", p->first_divergence);
        else
            snprintf(dv, sizeof dv, "-");
        fprintf(report, "%-16s %-16s %9.1e %10.3e %10.3e %10.3e %10.3e %10s  %s%s\n", t[p->a].label, t[p->b].label,
                p->tol, p->max.rel[0], p->max.rel[1], p->max.rel[2], p->last.abs[0], dv,
                p->agree ? "agree" : "differ", p->max.rel[0] == 0 && p->max.rel[1] == 0 && p->max.rel[2] == 0 ? " (identical)" : "");
    }
    fprintf(report, "devices: ");
    for (int i = 0; i < nt; i++)
        fprintf(report, "%s%s = %s (%s)", i ? "; " : "", t[i].label, t[i].device, t[i].driver);
    fprintf(report, "\nfiles: %s/compare.json, %s/*.csv, %s/runs/\n", opt->out_dir, pdir, opt->out_dir);
    st = write_json(opt->out_dir, cfg, t, nt, ref, pairs, np, err);
out:
    for (int i = 0; i < nt; i++)
        trace_free(&t[i]);
    free(t);
    free(pairs);
    return st;
}
