/* Divergence guard of the run loop, applied at every log point:
 * - F or f not finite,
 * - x or y holding a NaN or an infinity (first offending entry named),
 * - objective blow-up: |F| > blowup * max(|F_0|, 1) (config
 *   divergence.blowup, 0 = off; F_0 is F at iteration 0).
 * A failed check is BLOC_ERR_DIVERGED (exit code 3) with a message naming
 * the iteration, the variable and the last good values. The guard keeps x
 * and y of the last good log point, to be saved next to the trajectory. */
#ifndef BLOC_GUARD_H
#define BLOC_GUARD_H

#include <stddef.h>

#include "error.h"
#include "problem.h"

typedef enum { BLOC_DIVERGED_NONE = 0, BLOC_DIVERGED_NONFINITE, BLOC_DIVERGED_BLOWUP } bloc_diverged_t;

typedef struct {
    double blowup;               /* 0: no blow-up check */
    double f_start;              /* F at iteration 0 */
    int nvalues;                 /* F, f, metrics */
    long last_good_k;            /* -1 before the first good log point */
    double last_good[2 + BLOC_MAX_METRICS];
    size_t nx, ny;
    double *x_good, *y_good;     /* x and y at last_good_k */
    /* set by a failed check */
    bloc_diverged_t kind;
    long k;
    char variable[64];           /* "F", "f", "x[3]", "y[0]" */
} bloc_guard_t;

int bloc_guard_init(bloc_guard_t *g, double blowup, int nvalues, size_t nx, size_t ny, bloc_error_t *err);

/* Resumes from a good state: F_0, the values at iteration k, x and y. */
void bloc_guard_resume(bloc_guard_t *g, double f_start, long k, const double *values, const double *x,
                       const double *y);

/* Checks the log point of iteration k (k = 0 sets F_0). On success the
 * point becomes the last good one; otherwise BLOC_ERR_DIVERGED with err set. */
int bloc_guard_check(bloc_guard_t *g, long k, const double *values, const double *x, const double *y,
                     bloc_error_t *err);

/* Writes DIR/last_good_x.npy and DIR/last_good_y.npy (the state of the last
 * good log point) and appends their names to err's message. */
int bloc_guard_save(const bloc_guard_t *g, const char *dir, bloc_error_t *err);

void bloc_guard_free(bloc_guard_t *g);

#endif
