/* Machinery shared by the first-order (value-function) family: MEHA, BOME,
 * V-PBGD, F2SA and the LL-only proximal gradient. All of them need only
 * grad F, grad phi (grad_x phi, grad_y f) and prox g, composed here into
 * graph nodes on the step list. */
#ifndef BLOC_FIRSTORDER_H
#define BLOC_FIRSTORDER_H

#include "solver.h"

/* The vectors every method of the family uses. theta is the auxiliary LL
 * variable (MEHA's proximal point, BOME/V-PBGD's inner GD iterate, F2SA's w). */
typedef struct {
    int x, y, theta;
    int gxF, gyF;    /* grad F at (x, y) */
    int gxf, gyf;    /* grad phi at (x, y) */
    int gxt, gyt;    /* grad phi at (x, theta) */
} bloc_fo_vecs_t;

/* Creates the vectors; theta starts at y0, or at 0 when theta_zero. */
int bloc_fo_vectors(bloc_graph_t *g, bloc_problem_t *pb, int theta_zero, bloc_fo_vecs_t *v, bloc_error_t *err);

/* (gx, gy) <- gradient of F (BLOC_UL) or phi (BLOC_LL) at (x, y). */
int bloc_fo_grad(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y, int gx, int gy,
                 bloc_error_t *err);
/* Gradients of one level at (x, y1) and (x, y2) (y2 = -1: one point); any
 * output -1 = not needed. Uses the problem's grad2 hook (one pass over its
 * data, unneeded work skipped) when it has one, else grad per point, with
 * scratch vectors for the outputs not needed. */
int bloc_fo_grad2(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y1, int y2, int gx1,
                  int gy1, int gx2, int gy2, bloc_error_t *err);
/* bloc_fo_grad2 at the points of the previous bloc_fo_grad2 call of the
 * same level, which the caller guarantees unchanged since (x may have
 * changed): pb->same_points is set around the call, so the problem may
 * reuse its work there that does not depend on x. */
int bloc_fo_grad2_again(bloc_graph_t *g, bloc_problem_t *pb, bloc_level_t level, int x, int y1, int y2, int gx1,
                        int gy1, int gx2, int gy2, bloc_error_t *err);
/* v <- prox_{step g(x, .)}(v); nothing when the LL has no nonsmooth term. */
int bloc_fo_prox(bloc_graph_t *g, bloc_problem_t *pb, int x, int v, double step, bloc_error_t *err);
/* dst <- src */
int bloc_fo_copy(bloc_graph_t *g, int src, int dst, size_t n, bloc_error_t *err);
/* T proximal gradient steps on phi(x, .) from v, step s: v <- prox(v - s grad_y f(x, v)),
 * using (gx, gy) as scratch. */
int bloc_fo_inner_gd(bloc_graph_t *g, bloc_problem_t *pb, int x, int v, int gx, int gy, double s, int T,
                     bloc_error_t *err);
/* z <- Proj_[lo,hi](z - s (a u + b v)) */
int bloc_fo_step2(bloc_graph_t *g, int z, int u, int v, size_t n, double s, bloc_coef_t a, bloc_coef_t b,
                  double lo, double hi, bloc_error_t *err);
/* z <- Proj_[lo,hi](z - s (a u + b (v - w))) */
int bloc_fo_step_diff(bloc_graph_t *g, int z, int u, int v, int w, size_t n, double s, bloc_coef_t a,
                      bloc_coef_t b, double lo, double hi, bloc_error_t *err);

/* Schedules, p = {p0, p1}: power p0 (k+1)^p1, linear p0 + p1 k, and their inverses. */
double bloc_sched_power(long k, const double *p);
double bloc_sched_inv_power(long k, const double *p);
double bloc_sched_linear(long k, const double *p);
double bloc_sched_inv_linear(long k, const double *p);

#endif
