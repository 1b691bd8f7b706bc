/* bloc_estimators: bias and variance of an implicit solver's hypergradient
 * estimator on the quadratic problem (host/estimate.h), at the problem's
 * start x0 with y = y*(x0), against the exact hypergradient computed on
 * the host in double.
 *
 *   bloc_estimators CONFIG [--set key=value ...] [--warm W] [--samples R]
 *
 * Prints one tab-separated line: solver, batch, R, ||g*||, bias / ||g*||,
 * its standard error / ||g*||, sqrt(variance) / ||g*||, rmse / ||g*||. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../problems/quadratic.h"
#include "config.h"
#include "estimate.h"
#include "session.h"
#include "solver.h"

static int usage(void)
{
    fprintf(stderr, "usage: bloc_estimators CONFIG [--set key=value ...] [--warm W] [--samples R]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    bloc_config_t cfg;
    bloc_error_t err;
    long warm = 200, samples = 1000;
    if (bloc_config_load(&cfg, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.message);
        return bloc_exit_code(err.status);
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (bloc_config_set(&cfg, argv[++i], &err)) {
                fprintf(stderr, "%s\n", err.message);
                return 2;
            }
        } else if (!strcmp(argv[i], "--warm") && i + 1 < argc)
            warm = atol(argv[++i]);
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc)
            samples = atol(argv[++i]);
        else
            return usage();
    }
    if (strcmp(cfg.problem->name, "quadratic") != 0) {
        fprintf(stderr, "bloc_estimators: needs the quadratic problem (exact hypergradient), not %s\n",
                cfg.problem->name);
        return 2;
    }
    bloc_session_t s;
    int st = bloc_session_open(&s, &cfg, &err);
    const bloc_quadratic_t *q = st ? NULL : bloc_quadratic_instance(&s.pb);
    double *ys = q ? malloc(q->ny * sizeof *ys) : NULL, *g = q ? malloc(q->nx * sizeof *g) : NULL;
    bloc_estimate_t e;
    if (!st && (!ys || !g))
        st = bloc_error_set(&err, BLOC_ERR_NOMEM, "out of memory");
    if (!st) {
        bloc_quadratic_ystar(q, s.pb.x0, ys);
        bloc_quadratic_hypergrad(q, s.pb.x0, g);
        st = bloc_estimate(&s, s.pb.x0, ys, g, warm, samples, &e, &err);
    }
    if (st)
        fprintf(stderr, "bloc_estimators: %s\n", err.message);
    else
        printf("%s\t%zu\t%ld\t%.6g\t%.3e\t%.1e\t%.3e\t%.3e\n", cfg.solver->name, s.pb.batch, e.samples, e.norm_exact,
               e.bias / e.norm_exact, e.bias_stderr / e.norm_exact, sqrt(e.variance) / e.norm_exact,
               e.rmse / e.norm_exact);
    free(ys);
    free(g);
    bloc_session_close(&s);
    return st ? bloc_exit_code(err.status) : 0;
}
