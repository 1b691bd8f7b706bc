/* bloc command line: devices, list, run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "checkpoint.h"
#include "compare.h"
#include "config.h"
#include "graph_report.h"
#include "kernel_shape.h"
#include "problem.h"
#include "run.h"
#include "runtime.h"
#include "session.h"
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
    "  run --resume DIR [CONFIG] [options]\n"
    "                              continue the run whose checkpoint is DIR/checkpoint.bin (config key\n"
    "                              checkpoint_every); without CONFIG, the config file, --set options and\n"
    "                              device recorded in the checkpoint; refused if config or build differ\n"
    "  graph CONFIG [--device D] [--set k=v]\n"
    "                              print the iteration graph: vectors, kernel launches in order with their\n"
    "                              arguments, flops and bytes per node (from sizes)\n"
    "  compare CONFIG [options]    run one config on several devices/precisions and compare x, y, F\n"
    "      --devices all|LIST      devices (comma-separated specs as for --device; default: the config's)\n"
    "      --precision LIST        fp32, fp64 or fp32,fp64 (default: the config's)\n"
    "      --set key.path=value    as for run\n"
    "      --out DIR               results (default: <config output>/compare)\n"
    "  bench [SUITE] [options]     time each suite entry per device and precision (default suite\n"
    "                              bench/suites/default.txt): time per iteration (events, wall), roofline,\n"
    "                              time to target, start-up cold/warm\n"
    "      --devices all|LIST      as for compare (default: each config's device)\n"
    "      --precision LIST        as for compare\n"
    "      --repeats N             timed repeats (5)      --iters N   iterations per repeat (min(config, 200))\n"
    "      --probe                 re-measure the device peaks (cached per device)\n"
    "      --out DIR               results (results/bench)\n"
    "\n"
    "  --help, -h                  this text\n"
    "  --version                   version\n"
    "\n"
    "environment: BLOC_CACHE_DIR (program cache directory, 'off' to disable),\n"
    "             BLOC_KERNEL_ROOT (load .cl sources from this source tree instead of the embedded copies),\n"
    "             BLOC_KERNEL_SHAPE (cpu or gpu: the kernel shape of the passes over the data; default from\n"
    "             the device type),\n"
    "             BLOC_BUILD_LOG (1: print the compiler's log of each program built, warnings included)\n"
    "exit codes: 0 ok, 1 runtime error, 2 usage or config error (or a resume refused), 3 run diverged\n"
    "            (NaN/Inf in F, f, x or y, or |F| blow-up), 4 compare: runs differ\n";

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
    printf("%-5s %-4s %-12s %-40s %4s %10s %5s %-5s %-12s %s\n", "id", "", "type", "device", "CUs", "memory", "fp64",
           "shape", "OpenCL C", "platform / driver");
    for (int i = 0; i < n; i++) {
        const bloc_device_info_t *d = &list[i];
        char id[16], mem[32], clc[256];
        snprintf(id, sizeof id, "%d:%d", d->platform_index, d->device_index);
        fmt_bytes(mem, sizeof mem, d->global_mem);
        const char *v = strstr(d->opencl_c_version, "OpenCL C ");
        snprintf(clc, sizeof clc, "%s", v ? v + 9 : d->opencl_c_version);
        int is_def = have_def && def.platform_index == d->platform_index && def.device_index == d->device_index;
        bloc_shape_t shape;
        bloc_error_t shape_err;
        const char *sh = bloc_kernel_shape(d, &shape, &shape_err) ? "?" : bloc_shape_name(shape);
        printf("%-5s %-4s %-12s %-40.40s %4u %10s %5s %-5s %-12.12s %s / %s%s\n", id, is_def ? "*" : "",
               bloc_device_type_name(d->type), d->device_name, d->compute_units, mem, d->has_fp64 ? "yes" : "no",
               sh, clc, d->platform_name, d->driver_version, d->is_simulator ? " (simulator)" : "");
    }
    printf("* = default device (first GPU, else first CPU; never a simulator); shape = kernel shape "
           "(BLOC_KERNEL_SHAPE, user guide)\n");
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

/* Options of the commands that take a CONFIG. `allowed` lists the options
 * a command accepts (a string of option names separated by spaces). */
typedef struct {
    const char *path, *device, *out, *devices, *precisions, *resume;
    bloc_progress_mode_t progress;
    const char *sets[64];
    int nsets;
} cli_opts_t;

static int option_allowed(const char *allowed, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = strstr(allowed, opt); p; p = strstr(p + 1, opt))
        if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static int parse_opts(const char *cmd, int argc, char **argv, const char *allowed, cli_opts_t *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1]) {
            if (!option_allowed(allowed, a))
                return usage_error("unknown option '%s'", a);
            if (i + 1 >= argc)
                return usage_error("option %s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--device"))
                o->device = v;
            else if (!strcmp(a, "--out"))
                o->out = v;
            else if (!strcmp(a, "--devices"))
                o->devices = v;
            else if (!strcmp(a, "--precision"))
                o->precisions = v;
            else if (!strcmp(a, "--resume"))
                o->resume = v;
            else if (!strcmp(a, "--set")) {
                if (o->nsets == 64)
                    return usage_error("too many --set options (%s)", "max 64");
                o->sets[o->nsets++] = v;
            } else if (!strcmp(v, "auto"))
                o->progress = BLOC_PROGRESS_AUTO;
            else if (!strcmp(v, "lines"))
                o->progress = BLOC_PROGRESS_LINES;
            else if (!strcmp(v, "none"))
                o->progress = BLOC_PROGRESS_NONE;
            else
                return usage_error("--progress takes auto, lines or none, not '%s'", v);
        } else if (!o->path) {
            o->path = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!o->path && !o->resume) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s needs a CONFIG file", cmd);
        return usage_error("%s", msg);
    }
    return 0;
}

/* Config file + --set overrides + --device. */
static int load_config(const cli_opts_t *o, bloc_config_t *cfg)
{
    bloc_error_t err;
    if (bloc_config_load(cfg, o->path, &err))
        return fail(&err);
    for (int i = 0; i < o->nsets; i++)
        if (bloc_config_set(cfg, o->sets[i], &err))
            return fail(&err);
    if (o->device)
        snprintf(cfg->device, sizeof cfg->device, "%s", o->device);
    return 0;
}

/* `run --resume DIR` without CONFIG: the config path, device and --set
 * options recorded in DIR's checkpoint, then the command line's --set
 * options and --device. */
static int resume_options(cli_opts_t *o, bloc_checkpoint_t *c)
{
    bloc_error_t err;
    if (bloc_checkpoint_load(o->resume, c, &err))
        return fail(&err);
    if (c->nsets + o->nsets > 64)
        return usage_error("too many --set options (%s)", "max 64");
    for (int i = o->nsets - 1; i >= 0; i--)
        o->sets[i + c->nsets] = o->sets[i];
    for (int i = 0; i < c->nsets; i++)
        o->sets[i] = c->sets[i];
    o->nsets += c->nsets;
    o->path = c->config_path;
    if (!o->device)
        o->device = c->device;
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    cli_opts_t o;
    bloc_config_t cfg;
    static bloc_checkpoint_t ck; /* holds the strings o points to */
    int rc = parse_opts("run", argc, argv, "--device --set --out --progress --resume", &o);
    if (!rc && o.resume && o.out)
        return usage_error("--resume DIR continues in DIR: drop --out (%s)", o.out);
    if (!rc && o.resume && !o.path) {
        rc = resume_options(&o, &ck);
        bloc_checkpoint_free(&ck);
    }
    if (rc || (rc = load_config(&o, &cfg)))
        return rc;
    bloc_run_options_t opt = {.progress = o.progress, .out_dir = o.resume ? o.resume : o.out,
                              .resume = o.resume != NULL, .sets = o.sets, .nsets = o.nsets};
    bloc_run_result_t res;
    bloc_error_t err;
    int st = bloc_run(&cfg, &opt, &res, &err);
    if (st && st != BLOC_ERR_DIVERGED)
        return fail(&err);
    printf("%s on %s: %ld iterations, %s\n", cfg.solver->name, cfg.problem->name, res.iterations,
           bloc_precision_name(cfg.precision));
    printf("  F = %.9g  f = %.9g", res.values[BLOC_SLOT_F], res.values[BLOC_SLOT_LL]);
    for (int i = 0; i < res.nmetrics; i++)
        printf("  %s = %.4g", res.metric_names[i], res.values[BLOC_SLOT_METRIC0 + i]);
    printf("\n  time per iteration: %.1f us wall, %.1f us device (profiling events, %d launches); "
           "with the log points (%.3f s): %.1f us wall\n",
           1e6 * res.step_wall_per_iter, 1e6 * res.device_per_iter, res.launches_per_iter, res.log_seconds,
           1e6 * res.wall_per_iter);
    printf("  device memory: %zu bytes in graph vectors\n", res.device_bytes);
    printf("  start-up %.3f s (program %s, %.3f s); results in %s/\n", res.startup_seconds,
           res.program_from_cache ? "from cache" : "compiled", res.build_seconds, res.out_dir);
    if (res.resumed_from >= 0 || res.last_checkpoint >= 0) {
        char from[64] = "";
        if (res.resumed_from >= 0)
            snprintf(from, sizeof from, "resumed from iteration %ld; ", res.resumed_from);
        printf("  %slast checkpoint at iteration %ld\n", from, res.last_checkpoint);
    }
    if (st)
        return fail(&err);
    return 0;
}

static int cmd_graph(int argc, char **argv)
{
    cli_opts_t o;
    bloc_config_t cfg;
    int rc = parse_opts("graph", argc, argv, "--device --set", &o);
    if (rc || (rc = load_config(&o, &cfg)))
        return rc;
    bloc_session_t s;
    bloc_error_t err;
    int st = bloc_session_open(&s, &cfg, &err);
    if (!st) {
        printf("%s on %s (%s, device %s)\n", cfg.solver->name, cfg.problem->name, bloc_precision_name(cfg.precision),
               s.rt.dev.device_name);
        bloc_graph_print(stdout, &s.g);
    }
    bloc_session_close(&s);
    return st ? fail(&err) : 0;
}

static int cmd_compare(int argc, char **argv)
{
    cli_opts_t o;
    bloc_config_t cfg;
    int rc = parse_opts("compare", argc, argv, "--devices --precision --set --out", &o);
    if (rc || (rc = load_config(&o, &cfg)))
        return rc;
    char out[1100];
    snprintf(out, sizeof out, "%s%s", o.out ? o.out : cfg.output, o.out ? "" : "/compare");
    bloc_compare_options_t co = {.devices = o.devices, .precisions = o.precisions, .out_dir = out};
    bloc_error_t err;
    int disagree = 0;
    if (bloc_compare(&cfg, &co, stdout, &disagree, &err))
        return fail(&err);
    return disagree ? 4 : 0;
}

static int cmd_bench(int argc, char **argv)
{
    bloc_bench_options_t o = {.suite = "bench/suites/default.txt", .out_dir = "results/bench", .repeats = 5};
    int have_suite = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--probe")) {
            o.force_probe = 1;
            continue;
        }
        if (a[0] == '-' && a[1]) {
            if (!option_allowed("--devices --precision --out --repeats --iters", a))
                return usage_error("unknown option '%s'", a);
            if (i + 1 >= argc)
                return usage_error("option %s needs a value", a);
            const char *v = argv[++i];
            char *end;
            if (!strcmp(a, "--devices"))
                o.devices = v;
            else if (!strcmp(a, "--precision"))
                o.precisions = v;
            else if (!strcmp(a, "--out"))
                o.out_dir = v;
            else {
                long n = strtol(v, &end, 10);
                if (*end || n < 1 || n > 100000)
                    return usage_error("%s takes a whole number from 1 to 100000", a);
                if (!strcmp(a, "--repeats"))
                    o.repeats = (int)n;
                else
                    o.iters = (int)n;
            }
        } else if (!have_suite) {
            o.suite = a;
            have_suite = 1;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    o.bloc_exe = n > 0 ? exe : "bloc";
    bloc_error_t err;
    if (bloc_bench(&o, stdout, &err))
        return fail(&err);
    printf("results: %s/bench.csv, %s/nodes.csv, %s/bench.json\n", o.out_dir, o.out_dir, o.out_dir);
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
    if (!strcmp(cmd, "graph"))
        return cmd_graph(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench"))
        return cmd_bench(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", cmd);
}
