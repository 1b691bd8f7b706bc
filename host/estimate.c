#include "estimate.h"

#include <math.h>
#include <stdlib.h>

int bloc_estimate(bloc_session_t *s, const double *x, const double *y, const double *exact, long warm, long samples,
                  bloc_estimate_t *out, bloc_error_t *err)
{
    int hgx = bloc_graph_find_vec(&s->g, "hgx");
    if (hgx < 0)
        return bloc_error_set(err, BLOC_ERR_PARAM, "estimate: the solver keeps no hypergradient estimate (vector hgx)");
    if (samples < 2)
        return bloc_error_set(err, BLOC_ERR_PARAM, "estimate: samples = %ld must be at least 2", samples);
    size_t nx = s->pb.nx;
    double *g = malloc(nx * sizeof *g), *mean = calloc(nx, sizeof *mean), *m2 = calloc(nx, sizeof *m2);
    double sq_err = 0;
    int st = !g || !mean || !m2 ? bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory") : BLOC_OK;
    for (long r = 0; r < warm + samples && !st; r++) {
        if ((st = bloc_graph_write(&s->g, s->x, x, err)) || (st = bloc_graph_write(&s->g, s->y, y, err)) ||
            (st = bloc_graph_enqueue(&s->g, BLOC_LIST_STEP, r + 1, NULL, err)) ||
            (st = bloc_graph_read(&s->g, hgx, g, err)))
            break;
        if (r < warm)
            continue;
        double n = (double)(r - warm + 1);
        for (size_t i = 0; i < nx; i++) { /* Welford's running mean and sum of squares */
            double d = g[i] - mean[i];
            mean[i] += d / n;
            m2[i] += d * (g[i] - mean[i]);
            sq_err += (g[i] - exact[i]) * (g[i] - exact[i]);
        }
    }
    if (!st) {
        double bias = 0, var = 0, nrm = 0;
        for (size_t i = 0; i < nx; i++) {
            bias += (mean[i] - exact[i]) * (mean[i] - exact[i]);
            var += m2[i] / (double)(samples - 1);
            nrm += exact[i] * exact[i];
        }
        out->samples = samples;
        out->norm_exact = sqrt(nrm);
        out->bias = sqrt(bias);
        out->variance = var;
        out->bias_stderr = sqrt(var / (double)samples);
        out->rmse = sqrt(sq_err / (double)samples);
    }
    free(g);
    free(mean);
    free(m2);
    return st;
}
