/* Minibatches drawn on the device. Every stochastic oracle call of a
 * solver draws its sample indices from the counter-based generator of
 * kernels/rng.cl, keyed by (config seed, stream, iteration, draw):
 *   stream    = the oracle role below (independent streams per role),
 *   iteration = the outer iteration k of the replay,
 *   draw      = call * batch + b, call = the role's call number within the
 *               iteration (e.g. the n-th of N LL steps), b < batch,
 * so a run replays bit for bit on a device, the indices are the same on
 * every device, and no state is carried between iterations. Sampling is
 * with replacement. When the problem runs full batch (batch 0) nothing is
 * drawn and the oracles see the full means. */
#ifndef BLOC_MINIBATCH_H
#define BLOC_MINIBATCH_H

#include "problem.h"

typedef enum {
    BLOC_ROLE_LL_GRAD = 0,  /* LL gradient steps on y (xi) */
    BLOC_ROLE_UL_GRAD = 1,  /* UL gradients grad F (zeta) */
    BLOC_ROLE_HVP_SYSTEM = 2, /* H_yy f in the linear system / Neumann series / CG (xi) */
    BLOC_ROLE_HVP_CROSS = 3,  /* H_xy f in the hypergradient (xi') */
    BLOC_ROLE_REFINE = 4,   /* BO-REP's initialization refinement */
    BLOC_ROLE_TRUNCATION = 5, /* TTSA's random truncation level (one draw per iteration) */
    BLOC_NROLES
} bloc_role_t;

/* Level of the samples a role draws (UL: validation, LL: training). */
bloc_level_t bloc_role_level(bloc_role_t role);

/* Appends to `list` the draw of minibatch `call` of `role` for the current
 * iteration into the role's index vector (made on first use) and makes it
 * pb->sample[level] for the next oracle calls. Nothing when pb->batch is 0.
 * BLOC_ERR_PARAM when the problem has no samples at that level or too many
 * for exact indices in the working precision (2^24 in fp32). */
int bloc_minibatch_draw(bloc_graph_t *g, bloc_problem_t *pb, bloc_list_t list, bloc_role_t role, int call,
                        bloc_error_t *err);

/* Back to full means at both levels. */
void bloc_minibatch_clear(bloc_problem_t *pb);

/* 1 when the problem runs on minibatches. */
int bloc_minibatch_on(const bloc_problem_t *pb);

#endif
