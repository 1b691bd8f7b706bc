/* Solver descriptors. A solver builds the iteration graph from the
 * problem's oracles and the vector/envelope kernels; the run loop only
 * replays it. */
#ifndef BLOC_SOLVER_H
#define BLOC_SOLVER_H

#include "graph.h"
#include "param.h"
#include "problem.h"

/* Vectors every solver must create, named so the run loop finds them. */
#define BLOC_VEC_X "x"
#define BLOC_VEC_Y "y"

typedef struct bloc_solver_desc {
    const char *name;
    const char *summary;
    const bloc_param_spec_t *params;
    int nparams;
    /* Extra kernel sources the solver needs beyond the common set. */
    const char *const *sources;
    int nsources;
    /* Creates vectors (at least "x" and "y"), schedules and the step list. */
    int (*build)(bloc_graph_t *g, bloc_problem_t *pb, const double *params, bloc_error_t *err);
} bloc_solver_desc_t;

const bloc_solver_desc_t *bloc_solver_find(const char *name);
extern const bloc_solver_desc_t *const bloc_solvers[];

#endif
