/* bloc command line: devices, list, run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "problem.h"
#include "run.h"
#include "runtime.h"
#include "solver.h"

static const char USAGE[] =
    "usage: bloc <command> [options]\n"
    "\n"
    "commands:\n"
    "  devices                     list OpenCL platforms and devices\n"
    "  list                        list problems and solvers with their parameters\n"
    "  run CONFIG [options]        run the bilevel solver described by a YAML config\n"
    "      --device D              device: name substring, P:D index, gpu, cpu (overrides config)\n"
    "      --set key.path=value    override a config value (repeatable), e.g. --set solver.alpha=0.2\n"
    "      --out DIR               output directory (overrides config 'output')\n"
    "      --progress MODE         auto (default: bar on a terminal), lines, none\n"
    "\n"
    "  --help, -h                  this text\n"
    "  --version                   version\n"
    "\n"
    "environment: BLOC_CACHE_DIR (program cache directory, 'off' to disable),\n"
    "             BLOC_KERNEL_ROOT (load .cl sources from this source tree instead of the embedded copies)\n"
    "exit codes: 0 ok, 1 runtime error, 2 usage or config error, 3 run diverged\n";

static int fail(const bloc_error_t *err)
{
    fprintf(stderr, "%s\n", err->message);
    return bloc_exit_code(err->status);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "bloc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see bloc --help)\n");
    return 2;
}

static void fmt_bytes(char *buf, size_t size, unsigned long long b)
{
    if (b >= (1ull << 30))
        snprintf(buf, size, "%.1f GiB", (double)b / (double)(1ull << 30));
    else
        snprintf(buf, size, "%.0f MiB", (double)b / (double)(1ull << 20));
}

static int cmd_devices(void)
{
    bloc_error_t err;
    bloc_device_info_t *list;
    int n;
    if (bloc_devices_list(&list, &n, &err))
        return fail(&err);
    bloc_device_info_t def;
    int have_def = bloc_device_select(NULL, &def, &err) == BLOC_OK;
    printf("%-5s %-4s %-12s %-40s %4s %10s %5s %-12s %s\n", "id", "", "type", "device", "CUs", "memory", "fp64",
           "OpenCL C", "platform / driver");
    for (int i = 0; i < n; i++) {
        const bloc_device_info_t *d = &list[i];
        char id[16], mem[32], clc[256];
        snprintf(id, sizeof id, "%d:%d", d->platform_index, d->device_index);
        fmt_bytes(mem, sizeof mem, d->global_mem);
        const char *v = strstr(d->opencl_c_version, "OpenCL C ");
        snprintf(clc, sizeof clc, "%s", v ? v + 9 : d->opencl_c_version);
        int is_def = have_def && def.platform_index == d->platform_index && def.device_index == d->device_index;
        printf("%-5s %-4s %-12s %-40.40s %4u %10s %5s %-12.12s %s / %s%s\n", id, is_def ? "*" : "",
               bloc_device_type_name(d->type), d->device_name, d->compute_units, mem, d->has_fp64 ? "yes" : "no",
               clc, d->platform_name, d->driver_version, d->is_simulator ? " (simulator)" : "");
    }
    printf("* = default device (first GPU, else first CPU; never a simulator)\n");
    free(list);
    return 0;
}

static void print_params(const bloc_param_spec_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        char def[32];
        const char *type = p[i].type == BLOC_PARAM_INT ? "int" : p[i].type == BLOC_PARAM_CHOICE ? "word" : "real";
        if (p[i].flags & BLOC_PARAM_REQUIRED)
            snprintf(def, sizeof def, "required");
        else if (p[i].type == BLOC_PARAM_CHOICE)
            snprintf(def, sizeof def, "default %s", p[i].choices[(int)p[i].def]);
        else
            snprintf(def, sizeof def, "default %g", p[i].def);
        printf("      %-10s %-4s %-16s %s\n", p[i].name, type, def, p[i].help);
    }
}

static int cmd_list(void)
{
    printf("problems:\n");
    for (int i = 0; bloc_problems[i]; i++) {
        printf("  %-20s %s\n", bloc_problems[i]->name, bloc_problems[i]->summary);
        print_params(bloc_problems[i]->params, bloc_problems[i]->nparams);
    }
    printf("solvers:\n");
    for (int i = 0; bloc_solvers[i]; i++) {
        printf("  %-20s %s\n", bloc_solvers[i]->name, bloc_solvers[i]->summary);
        print_params(bloc_solvers[i]->params, bloc_solvers[i]->nparams);
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *device = NULL;
    bloc_run_options_t opt = {BLOC_PROGRESS_AUTO, NULL};
    const char *sets[64];
    int nsets = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--device") || !strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--progress")) {
            if (!has_value)
                return usage_error("option %s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--device"))
                device = v;
            else if (!strcmp(a, "--out"))
                opt.out_dir = v;
            else if (!strcmp(a, "--set")) {
                if (nsets == 64)
                    return usage_error("too many --set options (%s)", "max 64");
                sets[nsets++] = v;
            } else if (!strcmp(v, "auto"))
                opt.progress = BLOC_PROGRESS_AUTO;
            else if (!strcmp(v, "lines"))
                opt.progress = BLOC_PROGRESS_LINES;
            else if (!strcmp(v, "none"))
                opt.progress = BLOC_PROGRESS_NONE;
            else
                return usage_error("--progress takes auto, lines or none, not '%s'", v);
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!path) {
            path = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!path)
        return usage_error("%s", "run needs a CONFIG file");
    bloc_config_t cfg;
    bloc_error_t err;
    if (bloc_config_load(&cfg, path, &err))
        return fail(&err);
    for (int i = 0; i < nsets; i++)
        if (bloc_config_set(&cfg, sets[i], &err))
            return fail(&err);
    if (device)
        snprintf(cfg.device, sizeof cfg.device, "%s", device);

    bloc_run_result_t res;
    int st = bloc_run(&cfg, &opt, &res, &err);
    if (st && st != BLOC_ERR_DIVERGED)
        return fail(&err);
    printf("%s on %s: %ld iterations, %s\n", cfg.solver->name, cfg.problem->name, res.iterations,
           bloc_precision_name(cfg.precision));
    printf("  F = %.9g  f = %.9g", res.values[BLOC_SLOT_F], res.values[BLOC_SLOT_LL]);
    for (int i = 0; i < res.nmetrics; i++)
        printf("  %s = %.4g", res.metric_names[i], res.values[BLOC_SLOT_METRIC0 + i]);
    printf("\n  time per iteration: %.1f us wall, %.1f us device (profiling events, %d launches)\n",
           1e6 * res.wall_per_iter, 1e6 * res.device_per_iter, res.launches_per_iter);
    printf("  device memory: %zu bytes in graph vectors\n", res.device_bytes);
    printf("  start-up %.3f s (program %s, %.3f s); results in %s/\n", res.startup_seconds,
           res.program_from_cache ? "from cache" : "compiled", res.build_seconds, res.out_dir);
    if (st)
        return fail(&err);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("bloc %s\n", BLOC_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "devices"))
        return argc == 2 ? cmd_devices() : usage_error("devices takes no arguments (%s)", argv[2]);
    if (!strcmp(cmd, "list"))
        return argc == 2 ? cmd_list() : usage_error("list takes no arguments (%s)", argv[2]);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", cmd);
}
