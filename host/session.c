#include "session.h"

#include <string.h>

#include "solver.h"

#define MAX_SOURCES 16

/* Appends a kernel source once (a solver and a problem may share a
 * library); past MAX_SOURCES it counts on, so the caller can tell. */
static void add_source(const char **src, int *ns, const char *name)
{
    for (int i = 0; i < *ns && i < MAX_SOURCES; i++)
        if (strcmp(src[i], name) == 0)
            return;
    if (*ns < MAX_SOURCES)
        src[*ns] = name;
    (*ns)++;
}

int bloc_session_open(bloc_session_t *s, const bloc_config_t *cfg, bloc_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->x = s->y = s->scalars = -1;
    int st = bloc_runtime_create(&s->rt, cfg->device, cfg->precision, err);
    if (st)
        return st;
    if ((size_t)cfg->local_size > s->rt.dev.max_work_group)
        return bloc_error_set(err, BLOC_ERR_DEVICE, "reduction.local_size %d exceeds the device's maximum work-group size %zu",
                              cfg->local_size, s->rt.dev.max_work_group);
    if ((st = bloc_problem_create(&s->pb, cfg->problem, cfg->problem_params, cfg->seed, err)))
        return st;
    const char *src[MAX_SOURCES];
    int ns = 0;
    add_source(src, &ns, "kernels/vec.cl");
    add_source(src, &ns, "kernels/reduce.cl");
    add_source(src, &ns, "kernels/prox.cl");
    for (int i = 0; i < cfg->solver->nsources; i++)
        add_source(src, &ns, cfg->solver->sources[i]);
    for (int i = 0; i < cfg->problem->nkernel_libs; i++)
        add_source(src, &ns, cfg->problem->kernel_libs[i]);
    add_source(src, &ns, cfg->problem->kernel_source);
    if (ns > MAX_SOURCES)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "%s + %s need %d kernel sources, more than %d",
                              cfg->solver->name, cfg->problem->name, ns, MAX_SOURCES);
    if ((st = bloc_runtime_build(&s->rt, src, ns, err)))
        return st;
    bloc_graph_init(&s->g, &s->rt, (size_t)cfg->local_size, cfg->reduce_groups);
    if (cfg->problem->setup && (st = cfg->problem->setup(&s->pb, &s->g, err)))
        return st;
    if ((st = cfg->solver->build(&s->g, &s->pb, cfg->solver_params, err)))
        return st;
    s->x = bloc_graph_find_vec(&s->g, BLOC_VEC_X);
    s->y = bloc_graph_find_vec(&s->g, BLOC_VEC_Y);
    if (s->x < 0 || s->y < 0)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "solver %s did not define vectors x and y", cfg->solver->name);
    s->scalars = bloc_graph_vec(&s->g, "scalars", (size_t)cfg->problem->nraw, NULL, err);
    if (s->scalars < 0)
        return err->status;
    if ((st = cfg->problem->eval(&s->pb, &s->g, BLOC_LIST_EVAL, s->x, s->y, s->scalars, err)))
        return st;
    return bloc_graph_finalize(&s->g, err);
}

int bloc_session_evaluate(bloc_session_t *s, long k, double *values, bloc_error_t *err)
{
    double raw[64];
    int st = bloc_graph_enqueue(&s->g, BLOC_LIST_EVAL, k, NULL, err);
    if (!st)
        st = bloc_graph_read(&s->g, s->scalars, raw, err);
    if (!st)
        s->pb.desc->finish(&s->pb, raw, values);
    return st;
}

void bloc_session_close(bloc_session_t *s)
{
    bloc_graph_release(&s->g);
    bloc_problem_destroy(&s->pb);
    bloc_runtime_release(&s->rt);
}
