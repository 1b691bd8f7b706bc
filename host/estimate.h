/* Bias and variance of a solver's hypergradient estimator, measured
 * against a known hypergradient (the implicit family's vector "hgx": the
 * estimate each iteration computes before its x step).
 *
 * Protocol: every replay starts from the same point (x, y) written to the
 * device, runs one step-list replay at iteration k = r + 1 (fresh minibatch
 * draws each time: they are keyed by the iteration) and reads hgx; the
 * solver's own state (z, momentum, CG's warm start) carries over between
 * replays, so after `warm` replays it is in the regime the method keeps at
 * that point. The next `samples` estimates give
 *   mean     m = (1/R) sum g_r
 *   bias     ||m - g*||                     (and its standard error sqrt(var / R))
 *   variance var = (1/(R-1)) sum ||g_r - m||^2  (trace of the covariance)
 *   rmse     sqrt((1/R) sum ||g_r - g*||^2).
 * Estimates of a chained state are correlated, so the standard error is a
 * lower bound there. */
#ifndef BLOC_ESTIMATE_H
#define BLOC_ESTIMATE_H

#include "session.h"

typedef struct {
    long samples;
    double norm_exact;   /* ||g*|| */
    double bias, bias_stderr, variance, rmse;
} bloc_estimate_t;

/* Runs the protocol on an open session. x (nx) and y (ny) are the point,
 * exact (nx) the true hypergradient at x. BLOC_ERR_PARAM when the solver
 * keeps no vector "hgx", or samples < 2. */
int bloc_estimate(bloc_session_t *s, const double *x, const double *y, const double *exact, long warm, long samples,
                  bloc_estimate_t *out, bloc_error_t *err);

#endif
