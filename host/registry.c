/* The problems and solvers this build knows, by config name. */
#include <string.h>

#include "problem.h"
#include "solver.h"

extern const bloc_problem_desc_t bloc_problem_toy_nonconvex;
extern const bloc_problem_desc_t bloc_problem_toy_merely_convex;
extern const bloc_problem_desc_t bloc_problem_sparse;
extern const bloc_problem_desc_t bloc_problem_quadratic;
extern const bloc_problem_desc_t bloc_problem_sparse_regression;
extern const bloc_problem_desc_t bloc_problem_toy_iaptt;
extern const bloc_problem_desc_t bloc_problem_hyperclean;
extern const bloc_problem_desc_t bloc_problem_l2reg;
extern const bloc_problem_desc_t bloc_problem_rnn_unbounded;
extern const bloc_solver_desc_t bloc_solver_meha;
extern const bloc_solver_desc_t bloc_solver_bome;
extern const bloc_solver_desc_t bloc_solver_vpbgd;
extern const bloc_solver_desc_t bloc_solver_f2sa;
extern const bloc_solver_desc_t bloc_solver_ll_prox_gd;
extern const bloc_solver_desc_t bloc_solver_iaptt;
extern const bloc_solver_desc_t bloc_solver_rhg;
extern const bloc_solver_desc_t bloc_solver_trhg;
extern const bloc_solver_desc_t bloc_solver_bda;
extern const bloc_solver_desc_t bloc_solver_borep;
extern const bloc_solver_desc_t bloc_solver_aid_cg;
extern const bloc_solver_desc_t bloc_solver_aid_neumann;
extern const bloc_solver_desc_t bloc_solver_soba;
extern const bloc_solver_desc_t bloc_solver_masoba;
extern const bloc_solver_desc_t bloc_solver_stocbio;
extern const bloc_solver_desc_t bloc_solver_ttsa;

const bloc_problem_desc_t *const bloc_problems[] = {
    &bloc_problem_toy_nonconvex,
    &bloc_problem_toy_merely_convex,
    &bloc_problem_sparse,
    &bloc_problem_quadratic,
    &bloc_problem_sparse_regression,
    &bloc_problem_toy_iaptt,
    &bloc_problem_hyperclean,
    &bloc_problem_l2reg,
    &bloc_problem_rnn_unbounded,
    NULL,
};

const bloc_solver_desc_t *const bloc_solvers[] = {
    &bloc_solver_meha,
    &bloc_solver_bome,
    &bloc_solver_vpbgd,
    &bloc_solver_f2sa,
    &bloc_solver_ll_prox_gd,
    &bloc_solver_iaptt,
    &bloc_solver_rhg,
    &bloc_solver_trhg,
    &bloc_solver_bda,
    &bloc_solver_borep,
    &bloc_solver_aid_cg,
    &bloc_solver_aid_neumann,
    &bloc_solver_soba,
    &bloc_solver_masoba,
    &bloc_solver_stocbio,
    &bloc_solver_ttsa,
    NULL,
};

const bloc_solver_desc_t *bloc_solver_find(const char *name)
{
    for (int i = 0; bloc_solvers[i]; i++)
        if (strcmp(bloc_solvers[i]->name, name) == 0)
            return bloc_solvers[i];
    return NULL;
}
