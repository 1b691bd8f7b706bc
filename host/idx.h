/* Reader for IDX files (the MNIST / Fashion-MNIST format), gzip'd or plain,
 * through zlib (gzread reads both).
 *
 * Layout: a big-endian 32-bit magic 0x000008DD (0x08 = unsigned bytes, DD =
 * the number of dimensions), DD big-endian 32-bit dimensions, then the
 * product of the dimensions in unsigned bytes and nothing after them.
 * Images are 0x00000803 [count, rows, cols]; labels 0x00000801 [count].
 *
 * Everything is validated: magic, non-zero dimensions, the exact data size
 * (a short stream is truncated, bytes after the data are an error), label
 * range, and the gzip stream itself (corrupt data, bad checksum, truncated
 * member). Errors are BLOC_ERR_DATA (BLOC_ERR_IO when the file cannot be
 * opened) with messages that name the file and, for byte-level faults, the
 * offset in the decompressed stream:
 *   train-labels-idx1-ubyte.gz: offset 4 (decompressed): truncated header: ... */
#ifndef BLOC_IDX_H
#define BLOC_IDX_H

#include <stddef.h>

#include "error.h"

#define BLOC_IDX_MAGIC_IMAGES 0x00000803u
#define BLOC_IDX_MAGIC_LABELS 0x00000801u

typedef struct {
    size_t count;          /* images or labels */
    size_t rows, cols;     /* images only (1 x 1 for labels) */
    unsigned char *data;   /* count * rows * cols bytes, malloc'd */
} bloc_idx_t;

/* An image file: magic 0x00000803, dims [count, rows, cols]. */
int bloc_idx_read_images(const char *path, bloc_idx_t *out, bloc_error_t *err);

/* A label file: magic 0x00000801, dim [count], every label < nclasses. */
int bloc_idx_read_labels(const char *path, int nclasses, bloc_idx_t *out, bloc_error_t *err);

void bloc_idx_free(bloc_idx_t *a);

#endif
