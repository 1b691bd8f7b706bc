/* LL only: proximal gradient descent on phi(x0, .) with x held at its start
 * value, y <- prox_{s g(x,.)}(y - s grad_y f(x, y)). The building block of a
 * grid search over a hyperparameter (one run per grid value, set through the
 * problem's x0), run by the same engine as the bilevel methods. */
#include <math.h>

#include "firstorder.h"

enum { P_STEP, NPARAMS };
static const bloc_param_spec_t params[NPARAMS] = {
    [P_STEP] = {"step", BLOC_PARAM_REAL, 0.1, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN, "step size (<= 1/L of grad_y f)"},
};

static int build(bloc_graph_t *g, bloc_problem_t *pb, const double *p, bloc_error_t *err)
{
    bloc_fo_vecs_t v;
    int st = bloc_fo_vectors(g, pb, 0, &v, err);
    if (st)
        return st;
    return bloc_fo_inner_gd(g, pb, v.x, v.y, v.gxf, v.gyf, p[P_STEP], 1, err);
}

const bloc_solver_desc_t bloc_solver_ll_prox_gd = {
    .name = "ll_prox_gd",
    .summary = "LL only: proximal gradient on y with x fixed (grid searches)",
    .params = params,
    .nparams = NPARAMS,
    .build = build,
};
