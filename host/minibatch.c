#include "minibatch.h"

#include <stdint.h>
#include <stdio.h>

static const char *const role_names[BLOC_NROLES] = {"ll_grad", "ul_grad", "hvp_system", "hvp_cross", "refine",
                                                    "truncation"};

bloc_level_t bloc_role_level(bloc_role_t role)
{
    return role == BLOC_ROLE_UL_GRAD ? BLOC_UL : BLOC_LL;
}

int bloc_minibatch_on(const bloc_problem_t *pb)
{
    return pb->batch > 0;
}

void bloc_minibatch_clear(bloc_problem_t *pb)
{
    pb->sample[BLOC_UL] = pb->sample[BLOC_LL] = -1;
}

int bloc_minibatch_draw(bloc_graph_t *g, bloc_problem_t *pb, bloc_list_t list, bloc_role_t role, int call,
                        bloc_error_t *err)
{
    if (!pb->batch)
        return BLOC_OK;
    bloc_level_t level = bloc_role_level(role);
    size_t n = pb->nsamples[level];
    if (n == 0)
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: batch = %zu, but the problem has no %s samples to draw",
                              pb->desc->name, pb->batch, level == BLOC_UL ? "UL" : "LL");
    double exact = g->rt->precision == BLOC_FP64 ? 0x1p53 : 0x1p24;
    if ((double)n > exact || n > UINT32_MAX)
        return bloc_error_set(err, BLOC_ERR_PARAM, "%s: %zu samples are too many for exact indices in %s",
                              pb->desc->name, n, g->rt->precision == BLOC_FP64 ? "fp64" : "fp32");
    char name[BLOC_NAME_LEN];
    snprintf(name, sizeof name, "batch_%s", role_names[role]);
    int idx = bloc_graph_scratch(g, name, pb->batch, err);
    if (idx < 0)
        return err->status;
    bloc_node_t *nd = bloc_graph_add(g, list, "rng_batch", pb->batch, err);
    if (!nd)
        return err->status;
    uint64_t seed = (uint64_t)pb->seed;
    bloc_arg_vec(nd, idx);
    bloc_arg_int(nd, (int)pb->batch);
    bloc_arg_int(nd, (int)n);
    bloc_arg_int(nd, (int)(uint32_t)seed);        /* key word 0 (bits as a uint) */
    bloc_arg_int(nd, (int)(uint32_t)(seed >> 32)); /* key word 1 */
    bloc_arg_int(nd, (int)role);
    bloc_arg_iter(nd);
    bloc_arg_int(nd, (int)(uint32_t)((uint32_t)call * (uint32_t)pb->batch));
    pb->sample[level] = idx;
    return BLOC_OK;
}
