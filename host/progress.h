/* Progress on stderr: a redrawn bar on a terminal (iteration, UL objective,
 * iterations/s, ETA), plain lines at most every few seconds otherwise. */
#ifndef BLOC_PROGRESS_H
#define BLOC_PROGRESS_H

typedef struct {
    int enabled, tty;
    long total;
    double t0, last;
} bloc_progress_t;

/* mode: 0 auto, 1 none, 2 lines (bloc_progress_mode_t). */
void bloc_progress_start(bloc_progress_t *p, int mode, long total, double now);
void bloc_progress_update(bloc_progress_t *p, long k, double F, double now, int final);

#endif
