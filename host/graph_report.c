#include "graph_report.h"

void bloc_graph_cost(const bloc_graph_t *g, bloc_list_t list, double *flops, double *bytes)
{
    *flops = *bytes = 0;
    for (int i = 0; i < g->nnodes[list]; i++) {
        long period = g->nodes[list][i].period;
        if (period == BLOC_PERIOD_ONCE)
            continue;
        *flops += g->nodes[list][i].flops / (double)period;
        *bytes += g->nodes[list][i].bytes / (double)period;
    }
}

static void print_arg(FILE *f, const bloc_graph_t *g, const bloc_arg_t *a)
{
    switch (a->kind) {
    case BLOC_ARG_VEC: fprintf(f, "%s", g->vecs[a->vec].name); break;
    case BLOC_ARG_REAL: fprintf(f, "%g", a->real); break;
    case BLOC_ARG_INT: fprintf(f, "%d", a->i); break;
    case BLOC_ARG_SCHED: fprintf(f, "<%s>", g->scheds[a->sched].name); break;
    case BLOC_ARG_LOCAL: fprintf(f, "local[%zu]", a->local); break;
    case BLOC_ARG_ITER: fprintf(f, "<k>"); break;
    }
}

static void print_list(FILE *f, const bloc_graph_t *g, bloc_list_t list, const char *title)
{
    double flops, bytes;
    bloc_graph_cost(g, list, &flops, &bytes);
    fprintf(f, "%s: %d launches; per iteration after the first, %.4g launches, %.4g flop, %.4g bytes\n", title,
            g->nnodes[list], bloc_graph_mean_launches(g, list), flops, bytes);
    fprintf(f, "  %3s  %-26s %-13s %11s %11s  %s\n", "#", "kernel", "global/local", "flop", "bytes", "arguments");
    for (int i = 0; i < g->nnodes[list]; i++) {
        const bloc_node_t *nd = &g->nodes[list][i];
        char shape[48];
        if (nd->dims == 2)
            snprintf(shape, sizeof shape, "%zux%zu/%zu", nd->global[0], nd->global[1], nd->local[0]);
        else
            snprintf(shape, sizeof shape, "%zu/%zu", nd->global[0], nd->local[0]);
        fprintf(f, "  %3d  %-26s %-13s %11.4g %11.4g  ", i, nd->kernel, shape, nd->flops, nd->bytes);
        if (nd->period == BLOC_PERIOD_ONCE)
            fputs("[k = 0 only] ", f);
        else if (nd->period > 1)
            fprintf(f, "[k %% %ld = 0] ", nd->period);
        for (int a = 0; a < nd->nargs; a++) {
            if (a)
                fputs(", ", f);
            print_arg(f, g, &nd->args[a]);
        }
        fputc('\n', f);
    }
}

void bloc_graph_print(FILE *f, const bloc_graph_t *g)
{
    fprintf(f, "vectors (%s): %d, %.4g bytes on the device\n", g->rt->precision == BLOC_FP64 ? "fp64" : "fp32",
            g->nvecs, (double)bloc_graph_device_bytes(g));
    for (int i = 0; i < g->nvecs; i++)
        fprintf(f, "  %-20s %10zu\n", g->vecs[i].name, g->vecs[i].n);
    if (g->nscheds) {
        fprintf(f, "schedules (host values per iteration, shown <name>):");
        for (int i = 0; i < g->nscheds; i++)
            fprintf(f, " %s", g->scheds[i].name);
        fputc('\n', f);
    }
    print_list(f, g, BLOC_LIST_STEP, "step (one iteration)");
    print_list(f, g, BLOC_LIST_EVAL, "eval (each log point)");
    fprintf(f, "cost model: flops and bytes per launch come from sizes (not measured); 0 where a node states none\n");
    fprintf(f, "<k> = the iteration (device random counters); [k %% P = 0] = a node that runs every P-th iteration\n");
}
