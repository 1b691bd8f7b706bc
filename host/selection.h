/* Device and precision lists given on the command line (compare, bench). */
#ifndef BLOC_SELECTION_H
#define BLOC_SELECTION_H

#include "runtime.h"

/* "all" = every device of every platform (simulators included); else a
 * comma-separated list of specs as for --device (NULL: `fallback`, the
 * config's device). Duplicates are dropped; at most max devices. */
int bloc_select_devices(const char *list, const char *fallback, bloc_device_info_t *out, int max, int *n,
                        bloc_error_t *err);

/* "fp32", "fp64" or "fp32,fp64" (NULL: fallback). */
int bloc_select_precisions(const char *list, bloc_precision_t fallback, bloc_precision_t out[2], int *n,
                           bloc_error_t *err);

#endif
