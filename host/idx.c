#include "idx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_BYTES ((size_t)1 << 34) /* larger data is certainly corrupt */
#define INBUF ((size_t)1 << 16)

/* A gzip'd or plain file decompressed on demand by inflate, so that every
 * message can give the exact offset in the decompressed stream: the number
 * of bytes produced before the fault. */
typedef struct {
    const char *path;
    FILE *f;
    int gz;             /* gzip member(s) (magic 1f 8b), else plain bytes */
    z_stream zs;        /* next_in / avail_in: the unread input in `in` */
    unsigned char in[INBUF];
    int in_eof, done;
    size_t pos;
    bloc_error_t *err;
} reader_t;

static int stream_fail(reader_t *r, const char *msg)
{
    return bloc_error_set(r->err, BLOC_ERR_DATA, "%s: offset %zu (decompressed): corrupt gzip stream: %s", r->path,
                          r->pos, msg);
}

/* Refills the input buffer once it is empty. */
static int fill(reader_t *r)
{
    if (r->zs.avail_in > 0 || r->in_eof)
        return BLOC_OK;
    size_t k = fread(r->in, 1, INBUF, r->f);
    if (k < INBUF) {
        if (ferror(r->f))
            return bloc_error_set(r->err, BLOC_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
        r->in_eof = 1;
    }
    r->zs.next_in = r->in;
    r->zs.avail_in = (uInt)k;
    return BLOC_OK;
}

/* Reads up to n bytes into buf; *got = the bytes read, fewer only at the
 * end of the stream. A zlib fault (corrupt deflate data, bad CRC or length,
 * a gzip member cut short) is BLOC_ERR_DATA at the offset where it occurs.
 * Concatenated gzip members are read as one stream, as gzip does. */
static int read_some(reader_t *r, unsigned char *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n && !r->done) {
        int st = fill(r);
        if (st)
            return st;
        size_t want = n - *got < INBUF ? n - *got : INBUF;
        if (!r->gz) {
            if (r->zs.avail_in == 0) {
                r->done = 1;
                break;
            }
            size_t k = want < r->zs.avail_in ? want : r->zs.avail_in;
            memcpy(buf + *got, r->zs.next_in, k);
            r->zs.next_in += k;
            r->zs.avail_in -= (uInt)k;
            *got += k;
            r->pos += k;
            continue;
        }
        r->zs.next_out = buf + *got;
        r->zs.avail_out = (uInt)want;
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        size_t made = want - r->zs.avail_out;
        *got += made;
        r->pos += made;
        if (zr == Z_STREAM_END) {
            if ((st = fill(r)))
                return st;
            if (r->zs.avail_in == 0)
                r->done = 1;
            else if (inflateReset(&r->zs) != Z_OK)
                return stream_fail(r, "inflateReset failed");
        } else if (zr == Z_BUF_ERROR && r->zs.avail_in == 0 && r->in_eof) {
            return stream_fail(r, "unexpected end of file");
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return stream_fail(r, r->zs.msg ? r->zs.msg : zError(zr));
        }
    }
    return BLOC_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Magic, dimensions and exactly prod(dims) data bytes into out. */
static int read_idx(reader_t *r, uint32_t magic, const char *what, bloc_idx_t *out)
{
    int nd = (int)(magic & 0xff);
    unsigned char head[4 + 4 * 3];
    size_t got, dims[3] = {1, 1, 1}, bytes = 1;
    int st = read_some(r, head, 4, &got);
    if (st)
        return st;
    if (got < 4)
        return bloc_error_set(r->err, BLOC_ERR_DATA,
                              "%s: offset %zu (decompressed): truncated header: the stream ends before the 4-byte magic",
                              r->path, r->pos);
    if (be32(head) != magic)
        return bloc_error_set(r->err, BLOC_ERR_DATA,
                              "%s: offset 0 (decompressed): bad magic 0x%08x: expected 0x%08x (IDX %s, unsigned bytes, "
                              "%d dimension%s)", r->path, (unsigned)be32(head), (unsigned)magic, what, nd,
                              nd == 1 ? "" : "s");
    if ((st = read_some(r, head + 4, 4 * (size_t)nd, &got)))
        return st;
    if (got < 4 * (size_t)nd)
        return bloc_error_set(r->err, BLOC_ERR_DATA,
                              "%s: offset %zu (decompressed): truncated header: the stream ends inside the %d "
                              "dimension%s", r->path, r->pos, nd, nd == 1 ? "" : "s");
    for (int i = 0; i < nd; i++) {
        dims[i] = be32(head + 4 + 4 * i);
        if (dims[i] == 0)
            return bloc_error_set(r->err, BLOC_ERR_DATA, "%s: offset %d (decompressed): dimension %d is 0", r->path,
                                  4 + 4 * i, i);
        if (dims[i] > MAX_BYTES / bytes)
            return bloc_error_set(r->err, BLOC_ERR_DATA,
                                  "%s: offset %d (decompressed): dimensions too large (more than 2^34 bytes of data)",
                                  r->path, 4 + 4 * i);
        bytes *= dims[i];
    }
    size_t header = 4 + 4 * (size_t)nd;
    /* The buffer grows as the data arrives (doubling from 1 MiB), so a
     * header announcing more than the stream holds costs no more memory
     * than the stream itself. */
    size_t cap = bytes < ((size_t)1 << 20) ? bytes : (size_t)1 << 20;
    unsigned char *data = malloc(cap);
    got = 0;
    while (data) {
        size_t part;
        if ((st = read_some(r, data + got, cap - got, &part))) {
            free(data);
            return st;
        }
        got += part;
        if (got < cap || cap == bytes)
            break;
        size_t ncap = cap > bytes / 2 ? bytes : 2 * cap;
        unsigned char *grown = realloc(data, ncap);
        if (!grown)
            free(data);
        data = grown;
        cap = ncap;
    }
    if (!data)
        return bloc_error_set(r->err, BLOC_ERR_NOMEM, "%s: out of memory for %zu bytes", r->path, bytes);
    if (got < bytes) {
        free(data);
        return bloc_error_set(r->err, BLOC_ERR_DATA,
                              "%s: offset %zu (decompressed): truncated data: the header announces %zu %s (%zu bytes "
                              "after the %zu-byte header), the stream ends after %zu bytes", r->path, r->pos, dims[0],
                              what, bytes, header, got);
    }
    unsigned char extra;
    if ((st = read_some(r, &extra, 1, &got))) { /* also makes zlib check the gzip trailer */
        free(data);
        return st;
    }
    if (got) {
        free(data);
        return bloc_error_set(r->err, BLOC_ERR_DATA,
                              "%s: offset %zu (decompressed): unexpected data after the %zu %s the header announces",
                              r->path, header + bytes, dims[0], what);
    }
    out->count = dims[0];
    out->rows = dims[1];
    out->cols = dims[2];
    out->data = data;
    return BLOC_OK;
}

static int read_file(const char *path, uint32_t magic, const char *what, bloc_idx_t *out, bloc_error_t *err)
{
    memset(out, 0, sizeof *out);
    reader_t *r = calloc(1, sizeof *r);
    if (!r)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "out of memory");
    r->path = path;
    r->err = err;
    int st;
    if (!(r->f = fopen(path, "rb"))) {
        st = bloc_error_set(err, BLOC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    } else if (!(st = fill(r))) {
        r->gz = r->zs.avail_in >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
        if (r->gz && inflateInit2(&r->zs, 15 + 16) != Z_OK) /* 15 + 16: gzip wrapper, largest window */
            st = bloc_error_set(err, BLOC_ERR_NOMEM, "%s: inflateInit2 failed", path);
        else
            st = read_idx(r, magic, what, out);
        if (r->gz)
            inflateEnd(&r->zs);
    }
    if (r->f)
        fclose(r->f);
    free(r);
    return st;
}

int bloc_idx_read_images(const char *path, bloc_idx_t *out, bloc_error_t *err)
{
    return read_file(path, BLOC_IDX_MAGIC_IMAGES, "images", out, err);
}

int bloc_idx_read_labels(const char *path, int nclasses, bloc_idx_t *out, bloc_error_t *err)
{
    int st = read_file(path, BLOC_IDX_MAGIC_LABELS, "labels", out, err);
    for (size_t i = 0; !st && i < out->count; i++)
        if (out->data[i] >= nclasses) {
            st = bloc_error_set(err, BLOC_ERR_DATA,
                                "%s: offset %zu (decompressed): label %u of item %zu is out of range (expected 0 .. %d)",
                                path, 8 + i, (unsigned)out->data[i], i, nclasses - 1);
            bloc_idx_free(out);
        }
    return st;
}

void bloc_idx_free(bloc_idx_t *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
