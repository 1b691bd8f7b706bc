#include "progress.h"

#include <stdio.h>
#include <unistd.h>

void bloc_progress_start(bloc_progress_t *p, int mode, long total, double now)
{
    p->tty = isatty(STDERR_FILENO);
    p->enabled = mode != 1;
    if (mode == 2)
        p->tty = 0;
    p->total = total;
    p->t0 = now;
    p->last = -1e30;
}

static void fmt_eta(char *buf, size_t size, double s)
{
    if (s >= 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%.0fs", s);
}

void bloc_progress_update(bloc_progress_t *p, long k, double F, double now, int final)
{
    if (!p->enabled)
        return;
    double min_gap = p->tty ? 0.1 : 5.0;
    if (!final && now - p->last < min_gap)
        return;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? (double)k / el : 0;
    char eta[32];
    fmt_eta(eta, sizeof eta, rate > 0 ? (double)(p->total - k) / rate : 0);
    if (p->tty) {
        int width = 24, fill = p->total ? (int)((double)width * (double)k / (double)p->total) : width;
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %3.0f%% it %ld/%ld  F %.6g  %.0f it/s  ETA %s   ", bar,
                p->total ? 100.0 * (double)k / (double)p->total : 100.0, k, p->total, F, rate, eta);
        if (final)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "it %ld/%ld  F %.6g  %.0f it/s  ETA %s\n", k, p->total, F, rate, eta);
    }
    fflush(stderr);
}
