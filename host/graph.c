#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bloc_graph_init(bloc_graph_t *g, bloc_runtime_t *rt, size_t local_size, int reduce_groups)
{
    memset(g, 0, sizeof *g);
    g->rt = rt;
    g->local_size = local_size;
    g->reduce_groups = reduce_groups;
    g->period = 1;
}

void bloc_graph_release(bloc_graph_t *g)
{
    for (int l = 0; l < BLOC_NLISTS; l++) {
        for (int i = 0; i < g->nnodes[l]; i++)
            if (g->nodes[l][i].k)
                clReleaseKernel(g->nodes[l][i].k);
        free(g->nodes[l]);
        g->nodes[l] = NULL;
        g->nnodes[l] = g->cap[l] = 0;
    }
    for (int i = 0; i < g->nvecs; i++)
        if (g->vecs[i].mem)
            clReleaseMemObject(g->vecs[i].mem);
    g->nvecs = 0;
}

int bloc_graph_find_vec(const bloc_graph_t *g, const char *name)
{
    for (int i = 0; i < g->nvecs; i++)
        if (strcmp(g->vecs[i].name, name) == 0)
            return i;
    return -1;
}

int bloc_graph_scratch(bloc_graph_t *g, const char *name, size_t n, bloc_error_t *err)
{
    int v = bloc_graph_find_vec(g, name);
    if (v < 0)
        return bloc_graph_vec(g, name, n, NULL, err);
    if (g->vecs[v].n != n)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "scratch vector '%s' has %zu reals, asked for %zu", name,
                              g->vecs[v].n, n), -1;
    return v;
}

/* Host buffer in the device's real type, converted from doubles. */
static void *to_real(const bloc_runtime_t *rt, const double *in, size_t n)
{
    void *buf = calloc(n ? n : 1, rt->real_size);
    if (!buf || !in)
        return buf;
    if (rt->precision == BLOC_FP64)
        memcpy(buf, in, n * sizeof(double));
    else
        for (size_t i = 0; i < n; i++)
            ((float *)buf)[i] = (float)in[i];
    return buf;
}

int bloc_graph_vec(bloc_graph_t *g, const char *name, size_t n, const double *init, bloc_error_t *err)
{
    if (g->nvecs == BLOC_MAX_VECS)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "too many vectors in graph"), -1;
    if (bloc_graph_find_vec(g, name) >= 0)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "vector '%s' defined twice", name), -1;
    size_t bytes = (n ? n : 1) * g->rt->real_size;
    if (bytes > g->rt->dev.max_alloc)
        return bloc_error_set(err, BLOC_ERR_DEVICE,
                              "vector '%s' needs %zu bytes, over the device's max allocation of %llu", name,
                              bytes, (unsigned long long)g->rt->dev.max_alloc), -1;
    void *host = to_real(g->rt, init, n);
    if (!host)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory for vector '%s'", name), -1;
    cl_int rc;
    cl_mem mem = clCreateBuffer(g->rt->ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, host, &rc);
    free(host);
    if (rc != CL_SUCCESS)
        return bloc_error_set(err, BLOC_ERR_CL, "clCreateBuffer(%s, %zu bytes) failed: %s (%d)", name, bytes,
                              bloc_cl_error_name(rc), rc), -1;
    bloc_vec_t *v = &g->vecs[g->nvecs];
    snprintf(v->name, sizeof v->name, "%s", name);
    v->n = n;
    v->mem = mem;
    return g->nvecs++;
}

int bloc_graph_sched(bloc_graph_t *g, const char *name, bloc_sched_fn fn, const double p[4], bloc_error_t *err)
{
    if (g->nscheds == BLOC_MAX_SCHEDS)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "too many schedules in graph"), -1;
    bloc_sched_t *s = &g->scheds[g->nscheds];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->fn = fn;
    memcpy(s->p, p, sizeof s->p);
    return g->nscheds++;
}

void bloc_graph_period(bloc_graph_t *g, long period)
{
    g->period = period >= 1 ? period : 1;
}

bloc_node_t *bloc_graph_add2d(bloc_graph_t *g, bloc_list_t list, const char *kernel, const size_t global[2],
                              const size_t local[2], bloc_error_t *err)
{
    if (g->nnodes[list] == g->cap[list]) {
        int cap = g->cap[list] ? 2 * g->cap[list] : 16;
        bloc_node_t *nodes = realloc(g->nodes[list], (size_t)cap * sizeof *nodes);
        if (!nodes) {
            bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
            return NULL;
        }
        g->nodes[list] = nodes;
        g->cap[list] = cap;
    }
    bloc_node_t *nd = &g->nodes[list][g->nnodes[list]++];
    memset(nd, 0, sizeof *nd);
    snprintf(nd->kernel, sizeof nd->kernel, "%s", kernel);
    nd->dims = global[1] > 1 || local[1] > 1 ? 2 : 1;
    nd->global[0] = global[0];
    nd->global[1] = global[1] ? global[1] : 1;
    nd->local[0] = local[0];
    nd->local[1] = local[1] ? local[1] : 1;
    nd->period = g->period;
    return nd;
}

bloc_node_t *bloc_graph_add(bloc_graph_t *g, bloc_list_t list, const char *kernel, size_t n, bloc_error_t *err)
{
    size_t ls = g->local_size;
    size_t global[2] = {(n + ls - 1) / ls * ls, 1}, local[2] = {ls, 1};
    if (global[0] == 0)
        global[0] = ls;
    return bloc_graph_add2d(g, list, kernel, global, local, err);
}

static bloc_arg_t *next_arg(bloc_node_t *nd)
{
    if (nd->nargs == BLOC_MAX_ARGS) {
        fprintf(stderr, "bloc: internal error: node %s has too many arguments\n", nd->kernel);
        abort();
    }
    bloc_arg_t *a = &nd->args[nd->nargs++];
    memset(a, 0, sizeof *a);
    return a;
}

void bloc_arg_vec(bloc_node_t *nd, int vec) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_VEC; a->vec = vec; }
void bloc_arg_real(bloc_node_t *nd, double v) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_REAL; a->real = v; }
void bloc_arg_int(bloc_node_t *nd, int v) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_INT; a->i = v; }
void bloc_arg_sched(bloc_node_t *nd, int s) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_SCHED; a->sched = s; }
void bloc_arg_local(bloc_node_t *nd, size_t reals) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_LOCAL; a->local = reals; }
void bloc_arg_iter(bloc_node_t *nd) { bloc_arg_t *a = next_arg(nd); a->kind = BLOC_ARG_ITER; }

void bloc_arg_coef(bloc_node_t *nd, bloc_coef_t c)
{
    if (c.sched >= 0)
        bloc_arg_sched(nd, c.sched);
    else
        bloc_arg_real(nd, c.value);
}

void bloc_node_cost(bloc_node_t *nd, double flops, double bytes)
{
    nd->flops = flops;
    nd->bytes = bytes;
}

int bloc_graph_reduce_rows(bloc_graph_t *g, bloc_list_t list, int terms, int rows, size_t n, int scalars,
                           int offset, bloc_error_t *err)
{
    size_t G = (size_t)g->reduce_groups, L = g->local_size;
    size_t used = (n + L - 1) / L; /* groups that hold data */
    if (used < G)
        G = used ? used : 1;
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "partials_%zux%d", G, rows);
    int part = bloc_graph_scratch(g, name, G * (size_t)rows, err);
    if (part < 0)
        return err->status;
    size_t g1[2] = {G * L, (size_t)rows}, l1[2] = {L, 1};
    bloc_node_t *s1 = bloc_graph_add2d(g, list, "reduce_sum_stage1", g1, l1, err);
    if (!s1)
        return err->status;
    bloc_arg_vec(s1, terms);
    bloc_arg_int(s1, (int)n);
    bloc_arg_vec(s1, part);
    bloc_arg_local(s1, L);
    bloc_node_cost(s1, (double)n * rows, (double)(n + G) * rows * g->rt->real_size);
    size_t g2[2] = {L, (size_t)rows}, l2[2] = {L, 1};
    bloc_node_t *s2 = bloc_graph_add2d(g, list, "reduce_sum_stage2", g2, l2, err);
    if (!s2)
        return err->status;
    bloc_arg_vec(s2, part);
    bloc_arg_int(s2, (int)G);
    bloc_arg_vec(s2, scalars);
    bloc_arg_int(s2, offset);
    bloc_arg_local(s2, L);
    bloc_node_cost(s2, (double)G * rows, (double)(G + 1) * rows * g->rt->real_size);
    return BLOC_OK;
}

double bloc_graph_mean_launches(const bloc_graph_t *g, bloc_list_t list)
{
    double n = 0;
    for (int i = 0; i < g->nnodes[list]; i++)
        if (g->nodes[list][i].period != BLOC_PERIOD_ONCE)
            n += 1.0 / (double)g->nodes[list][i].period;
    return n;
}

size_t bloc_graph_device_bytes(const bloc_graph_t *g)
{
    size_t bytes = 0;
    for (int i = 0; i < g->nvecs; i++)
        bytes += (g->vecs[i].n ? g->vecs[i].n : 1) * g->rt->real_size;
    return bytes;
}

static cl_int set_real(bloc_graph_t *g, cl_kernel k, cl_uint idx, double v)
{
    if (g->rt->precision == BLOC_FP64)
        return clSetKernelArg(k, idx, sizeof(double), &v);
    float f = (float)v;
    return clSetKernelArg(k, idx, sizeof(float), &f);
}

static int set_static_args(bloc_graph_t *g, bloc_node_t *nd, bloc_error_t *err)
{
    for (int a = 0; a < nd->nargs; a++) {
        const bloc_arg_t *arg = &nd->args[a];
        cl_int rc = CL_SUCCESS;
        switch (arg->kind) {
        case BLOC_ARG_VEC: rc = clSetKernelArg(nd->k, (cl_uint)a, sizeof(cl_mem), &g->vecs[arg->vec].mem); break;
        case BLOC_ARG_REAL: rc = set_real(g, nd->k, (cl_uint)a, arg->real); break;
        case BLOC_ARG_INT: { cl_int v = arg->i; rc = clSetKernelArg(nd->k, (cl_uint)a, sizeof v, &v); break; }
        case BLOC_ARG_LOCAL: rc = clSetKernelArg(nd->k, (cl_uint)a, arg->local * g->rt->real_size, NULL); break;
        case BLOC_ARG_SCHED: /* per iteration */
        case BLOC_ARG_ITER: break;
        }
        if (rc != CL_SUCCESS)
            return bloc_error_set(err, BLOC_ERR_CL, "clSetKernelArg(%s, arg %d) failed: %s (%d)", nd->kernel, a,
                                  bloc_cl_error_name(rc), rc);
    }
    return BLOC_OK;
}

int bloc_graph_finalize(bloc_graph_t *g, bloc_error_t *err)
{
    for (int l = 0; l < BLOC_NLISTS; l++) {
        for (int i = 0; i < g->nnodes[l]; i++) {
            bloc_node_t *nd = &g->nodes[l][i];
            int st = bloc_runtime_kernel(g->rt, nd->kernel, &nd->k, err);
            if (!st)
                st = set_static_args(g, nd, err);
            if (st)
                return st;
        }
    }
    g->finalized = 1;
    return BLOC_OK;
}

/* Releases the first n events of a replay that failed part-way. */
static void drop_events(bloc_graph_t *g, cl_event *events, int n)
{
    if (!events || n == 0)
        return;
    clFinish(g->rt->queue);
    for (int i = 0; i < n; i++)
        if (events[i]) /* NULL: a node skipped by its period */
            clReleaseEvent(events[i]);
}

int bloc_graph_enqueue(bloc_graph_t *g, bloc_list_t list, long k, cl_event *events, bloc_error_t *err)
{
    for (int i = 0; i < g->nnodes[list]; i++) {
        bloc_node_t *nd = &g->nodes[list][i];
        if (k % nd->period != 0) {
            if (events)
                events[i] = NULL;
            continue;
        }
        for (int a = 0; a < nd->nargs; a++) {
            cl_int rc = CL_SUCCESS;
            if (nd->args[a].kind == BLOC_ARG_ITER) {
                cl_uint it = (cl_uint)k;
                rc = clSetKernelArg(nd->k, (cl_uint)a, sizeof it, &it);
            } else if (nd->args[a].kind == BLOC_ARG_SCHED) {
                const bloc_sched_t *s = &g->scheds[nd->args[a].sched];
                rc = set_real(g, nd->k, (cl_uint)a, s->fn(k, s->p));
            }
            if (rc != CL_SUCCESS) {
                drop_events(g, events, i);
                return bloc_error_set(err, BLOC_ERR_CL, "clSetKernelArg(%s, arg %d) failed: %s (%d)", nd->kernel,
                                      a, bloc_cl_error_name(rc), rc);
            }
        }
        cl_int rc = clEnqueueNDRangeKernel(g->rt->queue, nd->k, nd->dims, NULL, nd->global, nd->local, 0, NULL,
                                           events ? &events[i] : NULL);
        if (rc != CL_SUCCESS) {
            drop_events(g, events, i);
            return bloc_error_set(err, BLOC_ERR_CL, "clEnqueueNDRangeKernel(%s) failed: %s (%d)", nd->kernel,
                                  bloc_cl_error_name(rc), rc);
        }
    }
    return BLOC_OK;
}

int bloc_graph_read(bloc_graph_t *g, int vec, double *out, bloc_error_t *err)
{
    const bloc_vec_t *v = &g->vecs[vec];
    size_t rs = g->rt->real_size;
    void *buf = g->rt->precision == BLOC_FP64 ? (void *)out : malloc(v->n * rs + 1);
    if (!buf)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    cl_int rc = clEnqueueReadBuffer(g->rt->queue, v->mem, CL_TRUE, 0, v->n * rs, buf, 0, NULL, NULL);
    if (rc == CL_SUCCESS && buf != (void *)out)
        for (size_t i = 0; i < v->n; i++)
            out[i] = ((float *)buf)[i];
    if (buf != (void *)out)
        free(buf);
    if (rc != CL_SUCCESS)
        return bloc_error_set(err, BLOC_ERR_CL, "clEnqueueReadBuffer(%s) failed: %s (%d)", v->name,
                              bloc_cl_error_name(rc), rc);
    return BLOC_OK;
}

int bloc_graph_write(bloc_graph_t *g, int vec, const double *in, bloc_error_t *err)
{
    const bloc_vec_t *v = &g->vecs[vec];
    void *buf = to_real(g->rt, in, v->n);
    if (!buf)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    cl_int rc = clEnqueueWriteBuffer(g->rt->queue, v->mem, CL_TRUE, 0, v->n * g->rt->real_size, buf, 0, NULL, NULL);
    free(buf);
    if (rc != CL_SUCCESS)
        return bloc_error_set(err, BLOC_ERR_CL, "clEnqueueWriteBuffer(%s) failed: %s (%d)", v->name,
                              bloc_cl_error_name(rc), rc);
    return BLOC_OK;
}
