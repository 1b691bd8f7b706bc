/* Host clock and order statistics for timings. */
#ifndef BLOC_TIMING_H
#define BLOC_TIMING_H

/* Monotonic wall clock in seconds. */
double bloc_now_s(void);

/* Median, minimum and maximum of v[0 .. n) (n >= 1; sorts v). */
void bloc_stats(double *v, int n, double *median, double *min, double *max);

#endif
