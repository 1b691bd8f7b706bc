#include "report.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_shape.h"
#include "problem.h"
#include "solver.h"

int bloc_mkdir_p(const char *dir, bloc_error_t *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot create directory: %s", tmp, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bloc_error_set(err, BLOC_ERR_IO, "%s: not a directory", dir);
    return BLOC_OK;
}

int bloc_trajectory_open(FILE **f, const char *dir, const bloc_run_result_t *res, bloc_error_t *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    *f = fopen(path, "w");
    if (!*f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    fprintf(*f, "iteration,wall_s,F,f");
    for (int i = 0; i < res->nmetrics; i++)
        fprintf(*f, ",%s", res->metric_names[i]);
    fputc('\n', *f);
    return BLOC_OK;
}

int bloc_trajectory_row(FILE *f, long k, double wall, const double *v, int nmetrics, bloc_error_t *err)
{
    fprintf(f, "%ld,%.6f", k, wall);
    for (int i = 0; i < 2 + nmetrics; i++)
        fprintf(f, ",%.17g", v[i]);
    fputc('\n', f);
    if (fflush(f) != 0 || ferror(f))
        return bloc_error_set(err, BLOC_ERR_IO, "trajectory.csv: write failed: %s", strerror(errno));
    return BLOC_OK;
}

int bloc_trajectory_resume(FILE **f, const char *dir, long bytes, bloc_error_t *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    *f = fopen(path, "r+");
    if (!*f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot reopen to resume: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(*f), &sb) != 0 || sb.st_size < bytes) {
        fclose(*f);
        *f = NULL;
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: shorter than the checkpoint says (%ld bytes): cannot resume",
                              path, bytes);
    }
    if (ftruncate(fileno(*f), (off_t)bytes) != 0 || fseek(*f, 0, SEEK_END) != 0) {
        int e = errno;
        fclose(*f);
        *f = NULL;
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot cut back to %ld bytes: %s", path, bytes, strerror(e));
    }
    return BLOC_OK;
}

int bloc_trajectory_sync(FILE *f, bloc_error_t *err)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        return bloc_error_set(err, BLOC_ERR_IO, "trajectory.csv: sync failed: %s", strerror(errno));
    return BLOC_OK;
}

void bloc_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

static void json_long_or_null(FILE *f, long v)
{
    if (v >= 0)
        fprintf(f, "%ld", v);
    else
        fputs("null", f);
}

static void json_params(FILE *f, const char *name, const bloc_param_spec_t *spec, int n, const double *v)
{
    fprintf(f, "{\"name\": ");
    bloc_json_string(f, name);
    for (int i = 0; i < n; i++) {
        fprintf(f, ", \"%s\": ", spec[i].name);
        if (spec[i].type == BLOC_PARAM_CHOICE)
            bloc_json_string(f, spec[i].choices[(int)v[i]]);
        else
            json_number(f, v[i]);
    }
    fputc('}', f);
}

int bloc_summary_write(const char *dir, const bloc_config_t *cfg, const bloc_runtime_t *rt,
                       const bloc_run_result_t *res, int profiled, const char *status, bloc_error_t *err)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    const bloc_device_info_t *d = &rt->dev;
    fprintf(f, "{\n  \"bloc_version\": \"%s\",\n  \"status\": ", BLOC_VERSION);
    bloc_json_string(f, status);
    fprintf(f, ",\n  \"config\": {\"file\": ");
    bloc_json_string(f, cfg->path);
    fprintf(f, ",\n    \"problem\": ");
    json_params(f, cfg->problem->name, cfg->problem->params, cfg->problem->nparams, cfg->problem_params);
    fprintf(f, ",\n    \"solver\": ");
    json_params(f, cfg->solver->name, cfg->solver->params, cfg->solver->nparams, cfg->solver_params);
    fprintf(f, ",\n    \"device\": ");
    bloc_json_string(f, cfg->device);
    fprintf(f, ", \"precision\": \"%s\", \"iterations\": %ld, \"log_every\": %ld, \"seed\": %lu,\n    \"output\": ",
            bloc_precision_name(cfg->precision), cfg->iterations, cfg->log_every, cfg->seed);
    bloc_json_string(f, res->out_dir);
    fprintf(f, ", \"reduction\": {\"groups\": %d, \"local_size\": %d}},\n", cfg->reduce_groups, cfg->local_size);
    fprintf(f, "  \"device\": {\"platform\": ");
    bloc_json_string(f, d->platform_name);
    fprintf(f, ", \"platform_version\": ");
    bloc_json_string(f, d->platform_version);
    fprintf(f, ",\n    \"name\": ");
    bloc_json_string(f, d->device_name);
    fprintf(f, ", \"version\": ");
    bloc_json_string(f, d->device_version);
    fprintf(f, ", \"driver\": ");
    bloc_json_string(f, d->driver_version);
    fprintf(f, ",\n    \"opencl_c\": ");
    bloc_json_string(f, d->opencl_c_version);
    fprintf(f, ", \"type\": \"%s\", \"compute_units\": %u, \"global_mem_bytes\": %llu, \"fp64\": %s},\n",
            bloc_device_type_name(d->type), d->compute_units, (unsigned long long)d->global_mem,
            d->has_fp64 ? "true" : "false");
    fprintf(f, "  \"build\": {\"options\": ");
    bloc_json_string(f, rt->build_options);
    bloc_shape_t shape;
    bloc_error_t shape_err;
    fprintf(f, ", \"kernel_shape\": \"%s\"",
            bloc_kernel_shape(&rt->dev, &shape, &shape_err) ? "invalid" : bloc_shape_name(shape));
    fprintf(f, ", \"sources_sha256\": \"%s\",\n    \"program_from_cache\": %s, \"build_seconds\": %.6f, \"cache_file\": ",
            rt->source_hash, rt->program_from_cache ? "true" : "false", rt->build_seconds);
    bloc_json_string(f, rt->cache_file);
    fprintf(f, "},\n  \"timing\": {\"startup_seconds\": %.6f, \"loop_wall_seconds\": %.6f, \"log_seconds\": %.6f,\n"
               "    \"wall_per_iteration_s\": %.9g, \"step_wall_per_iteration_s\": %.9g, \"device_per_iteration_s\": %.9g,\n"
               "    \"span_per_iteration_s\": %.9g, \"launches_per_iteration\": %d, \"profiled_iterations\": %d},\n",
            res->startup_seconds, res->wall_seconds, res->log_seconds, res->wall_per_iter, res->step_wall_per_iter,
            res->device_per_iter, res->span_per_iter, res->launches_per_iter, profiled);
    fprintf(f, "  \"device_bytes\": %zu,\n", res->device_bytes);
    fprintf(f, "  \"checkpoint\": {\"every\": %ld, \"last_iteration\": ", cfg->checkpoint_every);
    json_long_or_null(f, res->last_checkpoint);
    fprintf(f, ", \"resumed_from\": ");
    json_long_or_null(f, res->resumed_from);
    fprintf(f, "},\n");
    if (!strcmp(status, "diverged") && res->divergence.reason) {
        fprintf(f, "  \"divergence\": {\"iteration\": %ld, \"reason\": ", res->divergence.iteration);
        bloc_json_string(f, res->divergence.reason);
        fprintf(f, ", \"variable\": ");
        bloc_json_string(f, res->divergence.variable);
        fprintf(f, ", \"last_good_iteration\": ");
        json_long_or_null(f, res->divergence.last_good_iteration);
        fprintf(f, ", \"blowup\": ");
        json_number(f, cfg->divergence_blowup);
        fprintf(f, "},\n");
    }
    fprintf(f, "  \"final\": {\"iteration\": %ld, \"F\": ", res->iterations);
    json_number(f, res->values[BLOC_SLOT_F]);
    fprintf(f, ", \"f\": ");
    json_number(f, res->values[BLOC_SLOT_LL]);
    for (int i = 0; i < res->nmetrics; i++) {
        fprintf(f, ", \"%s\": ", res->metric_names[i]);
        json_number(f, res->values[BLOC_SLOT_METRIC0 + i]);
    }
    fprintf(f, "}\n}\n");
    int ok = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return BLOC_OK;
}
