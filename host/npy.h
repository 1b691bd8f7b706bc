/* Reader for NumPy .npy files: format versions 1.0, 2.0 and 3.0, dtypes
 * '<f8' and '<f4' (returned as doubles), C order, 1 or 2 dims.
 *
 * Layout (numpy.lib.format): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (little-endian uint16 in 1.0, uint32 in
 * 2.0 and 3.0), the header (a Python dict literal such as
 * {'descr': '<f8', 'fortran_order': False, 'shape': (5, 4), } padded with
 * spaces and ended by a newline), then the raw data.
 *
 * Everything is validated; errors are BLOC_ERR_DATA (BLOC_ERR_IO when the
 * file cannot be read) with messages that name the file and, for byte-level
 * faults, the file offset:
 *   A.npy: offset 128: truncated data: expected 200 bytes, found 96 */
#ifndef BLOC_NPY_H
#define BLOC_NPY_H

#include <stddef.h>

#include "error.h"

#define BLOC_NPY_MAX_DIMS 2

typedef struct {
    int ndim;                         /* 1 or 2 */
    size_t shape[BLOC_NPY_MAX_DIMS];
    size_t count;                     /* product of the shape */
    double *data;                     /* malloc'd, C (row-major) order */
} bloc_npy_array_t;

/* Parses an in-memory .npy image of size bytes; name is used in messages.
 * If ndim > 0 the array must have exactly that shape (shape[0 .. ndim)).
 * On success out->data is malloc'd (release with bloc_npy_free); on failure
 * out is left empty. */
int bloc_npy_parse(const char *name, const unsigned char *buf, size_t size, int ndim, const size_t *shape,
                   bloc_npy_array_t *out, bloc_error_t *err);

/* Reads the file at path and parses it as above; messages name the path. */
int bloc_npy_read(const char *path, int ndim, const size_t *shape, bloc_npy_array_t *out, bloc_error_t *err);

void bloc_npy_free(bloc_npy_array_t *a);

/* Writes n doubles as a 1-D '<f8' .npy file (format 1.0), atomically:
 * temporary file, fsync, rename. BLOC_ERR_IO on failure. */
int bloc_npy_write(const char *path, const double *data, size_t n, bloc_error_t *err);

#endif
