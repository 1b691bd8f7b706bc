/* Kernel sources: embedded at build time (cmake/embed_sources.cmake), or
 * read from a source tree when BLOC_KERNEL_ROOT names one (development:
 * edit a .cl file and rerun without rebuilding). */
#ifndef BLOC_SOURCES_H
#define BLOC_SOURCES_H

#include <stddef.h>

#include "error.h"

typedef struct {
    const char *path;     /* repository path, e.g. "kernels/vec.cl" */
    const char *text;     /* NUL-terminated */
    size_t len;
    char sha256[65];      /* hex */
} bloc_source_t;

extern const bloc_source_t bloc_embedded_sources[];
extern const int bloc_embedded_nsources;

/* Looks a source up. With BLOC_KERNEL_ROOT set, reads ROOT/path from disk
 * into a malloc'd text (out->text must then be freed: *owned = 1) and
 * hashes it; otherwise returns the embedded copy. */
int bloc_source_get(const char *path, bloc_source_t *out, int *owned, bloc_error_t *err);

#endif
