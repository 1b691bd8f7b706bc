#include "guard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int bloc_guard_init(bloc_guard_t *g, double blowup, int nvalues, size_t nx, size_t ny, bloc_error_t *err)
{
    memset(g, 0, sizeof *g);
    g->blowup = blowup;
    g->nvalues = nvalues;
    g->last_good_k = -1;
    g->nx = nx;
    g->ny = ny;
    g->x_good = calloc(nx + 1, sizeof *g->x_good);
    g->y_good = calloc(ny + 1, sizeof *g->y_good);
    if (!g->x_good || !g->y_good) {
        bloc_guard_free(g);
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    }
    return BLOC_OK;
}

static void keep(bloc_guard_t *g, long k, const double *values, const double *x, const double *y)
{
    g->last_good_k = k;
    memcpy(g->last_good, values, (size_t)g->nvalues * sizeof *values);
    memcpy(g->x_good, x, g->nx * sizeof *x);
    memcpy(g->y_good, y, g->ny * sizeof *y);
}

void bloc_guard_resume(bloc_guard_t *g, double f_start, long k, const double *values, const double *x,
                       const double *y)
{
    g->f_start = f_start;
    keep(g, k, values, x, y);
}

/* Index of the first non-finite entry, or n. */
static size_t first_bad(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

/* "; last finite values at iteration K: F = .., f = .." or a note that
 * there is none. */
static void last_good_text(const bloc_guard_t *g, const char *label, char *buf, size_t size)
{
    if (g->last_good_k < 0)
        snprintf(buf, size, "; no good log point before it");
    else
        snprintf(buf, size, "; %s at iteration %ld: F = %.9g, f = %.9g", label, g->last_good_k,
                 g->last_good[BLOC_SLOT_F], g->last_good[BLOC_SLOT_LL]);
}

int bloc_guard_check(bloc_guard_t *g, long k, const double *values, const double *x, const double *y,
                     bloc_error_t *err)
{
    double F = values[BLOC_SLOT_F], f = values[BLOC_SLOT_LL];
    size_t bx = first_bad(x, g->nx), by = first_bad(y, g->ny);
    char last[256], entries[160] = "";
    g->k = k;
    if (bx < g->nx || by < g->ny) {
        size_t len = 0;
        if (bx < g->nx)
            len += (size_t)snprintf(entries, sizeof entries, "x[%zu] = %g", bx, x[bx]);
        if (by < g->ny)
            snprintf(entries + len, sizeof entries - len, "%sy[%zu] = %g", len ? ", " : "", by, y[by]);
    }
    if (!isfinite(F) || !isfinite(f)) {
        g->kind = BLOC_DIVERGED_NONFINITE;
        snprintf(g->variable, sizeof g->variable, "%s", !isfinite(F) ? "F" : "f");
        last_good_text(g, "last finite values", last, sizeof last);
        return bloc_error_set(err, BLOC_ERR_DIVERGED, "diverged at iteration %ld: F = %g, f = %g%s%s%s", k, F, f, last,
                              entries[0] ? "; non-finite entries: " : "", entries);
    }
    if (entries[0]) {
        g->kind = BLOC_DIVERGED_NONFINITE;
        if (bx < g->nx)
            snprintf(g->variable, sizeof g->variable, "x[%zu]", bx);
        else
            snprintf(g->variable, sizeof g->variable, "y[%zu]", by);
        last_good_text(g, "last finite values", last, sizeof last);
        return bloc_error_set(err, BLOC_ERR_DIVERGED, "diverged at iteration %ld: non-finite entries: %s (F = %.9g, "
                              "f = %.9g)%s", k, entries, F, f, last);
    }
    if (k == 0 && g->last_good_k < 0)
        g->f_start = F;
    double ref = fmax(fabs(g->f_start), 1.0);
    if (g->blowup > 0 && fabs(F) > g->blowup * ref) {
        g->kind = BLOC_DIVERGED_BLOWUP;
        snprintf(g->variable, sizeof g->variable, "F");
        last_good_text(g, "last good values", last, sizeof last);
        return bloc_error_set(err, BLOC_ERR_DIVERGED,
                              "diverged at iteration %ld: objective blow-up: |F| = %.9g exceeds divergence.blowup = %g "
                              "times max(|F_0|, 1) = %.9g%s", k, fabs(F), g->blowup, ref, last);
    }
    keep(g, k, values, x, y);
    return BLOC_OK;
}

int bloc_guard_save(const bloc_guard_t *g, const char *dir, bloc_error_t *err)
{
    if (g->last_good_k < 0)
        return BLOC_OK;
    char px[1200], py[1200];
    snprintf(px, sizeof px, "%s/last_good_x.npy", dir);
    snprintf(py, sizeof py, "%s/last_good_y.npy", dir);
    bloc_error_t werr;
    if (bloc_npy_write(px, g->x_good, g->nx, &werr) || bloc_npy_write(py, g->y_good, g->ny, &werr)) {
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len, "; could not save the last good state: %s",
                 werr.message);
        return werr.status;
    }
    size_t len = strlen(err->message);
    snprintf(err->message + len, sizeof err->message - len,
             "; x and y of iteration %ld saved in %s and %s", g->last_good_k, px, py);
    return BLOC_OK;
}

void bloc_guard_free(bloc_guard_t *g)
{
    free(g->x_good);
    free(g->y_good);
    g->x_good = g->y_good = NULL;
}
