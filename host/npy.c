#include "npy.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define PARSE_MAX_DIMS 32           /* numpy's own limit (messages show them all) */
#define MAX_DIM ((size_t)1 << 40)   /* larger dims are certainly corrupt */
#define DESCR_LEN 48

/* ---- the header dict: {'descr': '<f8', 'fortran_order': False, 'shape': (5, 4), } */

typedef struct {
    const char *name;          /* file name for messages */
    const unsigned char *h;    /* header text */
    size_t n, pos;             /* its length, the cursor */
    size_t base;               /* file offset of h[0] */
    bloc_error_t *err;
} cursor_t;

typedef struct {
    int has_descr, has_fortran, has_shape;
    char descr[DESCR_LEN];
    int fortran;
    int ndim;
    size_t shape[PARSE_MAX_DIMS];
} header_t;

static int fail_at(cursor_t *c, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(cursor_t *c, size_t pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bloc_error_set(c->err, BLOC_ERR_DATA, "%s: offset %zu: bad header: %s", c->name, c->base + pos, msg);
}

static int peek(const cursor_t *c)
{
    return c->pos < c->n ? c->h[c->pos] : -1;
}

/* What is at the cursor, for messages: 'x', byte 0x93 or the end. */
static const char *found(const cursor_t *c, char *buf, size_t size)
{
    int ch = peek(c);
    if (ch < 0)
        snprintf(buf, size, "the end of the header");
    else if (ch >= 0x20 && ch < 0x7f)
        snprintf(buf, size, "'%c'", ch);
    else
        snprintf(buf, size, "byte 0x%02x", (unsigned)ch);
    return buf;
}

static int expected(cursor_t *c, const char *what)
{
    char f[32];
    return fail_at(c, c->pos, "expected %s, found %s", what, found(c, f, sizeof f));
}

static void skip_ws(cursor_t *c)
{
    while (peek(c) == ' ' || peek(c) == '\t' || peek(c) == '\n' || peek(c) == '\r')
        c->pos++;
}

static int is_word_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* A Python string literal in ' or " without escapes; copied (truncated)
 * into out. */
static int parse_string(cursor_t *c, char *out, size_t size)
{
    int q = peek(c);
    if (q != '\'' && q != '"')
        return expected(c, "a quoted string");
    size_t open = c->pos++, len = 0;
    for (;;) {
        int ch = peek(c);
        if (ch < 0 || ch == '\n')
            return fail_at(c, open, "unterminated string");
        if (ch == '\\')
            return fail_at(c, c->pos, "escape sequences in strings are not supported");
        if (ch < 0x20 || ch >= 0x7f)
            return fail_at(c, c->pos, "byte 0x%02x in a string", (unsigned)ch);
        c->pos++;
        if (ch == q)
            break;
        if (len + 1 < size)
            out[len++] = (char)ch;
    }
    out[len] = '\0';
    return BLOC_OK;
}

static int parse_bool(cursor_t *c, int *v)
{
    const char *words[2] = {"False", "True"};
    for (int b = 0; b < 2; b++) {
        size_t len = strlen(words[b]);
        if (c->n - c->pos >= len && memcmp(c->h + c->pos, words[b], len) == 0 &&
            !is_word_char(c->pos + len < c->n ? c->h[c->pos + len] : ' ')) {
            c->pos += len;
            *v = b;
            return BLOC_OK;
        }
    }
    return expected(c, "True or False");
}

/* A non-negative decimal integer (Python 2 files may add an 'L'). */
static int parse_dim(cursor_t *c, size_t *v)
{
    size_t start = c->pos, acc = 0;
    if (peek(c) < '0' || peek(c) > '9')
        return expected(c, "a non-negative integer");
    while (peek(c) >= '0' && peek(c) <= '9') {
        acc = acc * 10 + (size_t)(peek(c) - '0');
        if (acc > MAX_DIM)
            return fail_at(c, start, "dimension too large (more than 2^40)");
        c->pos++;
    }
    if (peek(c) == 'L')
        c->pos++;
    if (is_word_char(peek(c)))
        return expected(c, "',' or ')' after a dimension");
    *v = acc;
    return BLOC_OK;
}

/* (), (n,), (n, m), (n, m,) ...; (n) is an int in Python, not a tuple. */
static int parse_shape(cursor_t *c, header_t *hd)
{
    if (peek(c) != '(')
        return expected(c, "a tuple such as (5,) or (5, 4)");
    size_t open = c->pos++;
    hd->ndim = 0;
    int comma = 0; /* a comma followed the last dimension */
    for (;;) {
        skip_ws(c);
        if (peek(c) == ')') {
            if (hd->ndim == 1 && !comma)
                return fail_at(c, open, "shape (%zu) is not a tuple (write (%zu,))", hd->shape[0], hd->shape[0]);
            c->pos++;
            return BLOC_OK;
        }
        if (hd->ndim > 0 && !comma)
            return expected(c, "',' or ')' in the shape");
        if (hd->ndim == PARSE_MAX_DIMS)
            return fail_at(c, c->pos, "more than %d dims in the shape", PARSE_MAX_DIMS);
        int st = parse_dim(c, &hd->shape[hd->ndim]);
        if (st)
            return st;
        hd->ndim++;
        skip_ws(c);
        comma = peek(c) == ',';
        if (comma)
            c->pos++;
    }
}

/* One "key: value" entry. */
static int parse_entry(cursor_t *c, header_t *hd)
{
    char key[32];
    size_t at = c->pos;
    int st = parse_string(c, key, sizeof key);
    if (st)
        return st;
    int *seen = !strcmp(key, "descr") ? &hd->has_descr
              : !strcmp(key, "fortran_order") ? &hd->has_fortran
              : !strcmp(key, "shape") ? &hd->has_shape : NULL;
    if (!seen)
        return fail_at(c, at, "unknown key '%s' (expected 'descr', 'fortran_order' or 'shape')", key);
    if (*seen)
        return fail_at(c, at, "duplicate key '%s'", key);
    *seen = 1;
    skip_ws(c);
    if (peek(c) != ':')
        return expected(c, "':' after the key");
    c->pos++;
    skip_ws(c);
    if (seen == &hd->has_descr)
        return parse_string(c, hd->descr, sizeof hd->descr);
    if (seen == &hd->has_fortran)
        return parse_bool(c, &hd->fortran);
    return parse_shape(c, hd);
}

static int parse_header(cursor_t *c, header_t *hd)
{
    memset(hd, 0, sizeof *hd);
    skip_ws(c);
    if (peek(c) != '{')
        return expected(c, "'{'");
    c->pos++;
    skip_ws(c);
    while (peek(c) != '}') {
        int st = parse_entry(c, hd);
        if (st)
            return st;
        skip_ws(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_ws(c);
        } else if (peek(c) != '}') {
            return expected(c, "',' or '}' after a value");
        }
    }
    c->pos++;
    skip_ws(c);
    if (c->pos < c->n) {
        char f[32];
        return fail_at(c, c->pos, "%s after the closing '}'", found(c, f, sizeof f));
    }
    const char *missing = !hd->has_descr ? "descr" : !hd->has_fortran ? "fortran_order" : !hd->has_shape ? "shape" : NULL;
    if (missing)
        return fail_at(c, 0, "missing key '%s'", missing);
    return BLOC_OK;
}

/* ---- the fixed preamble and the data */

static void fmt_shape(char *buf, size_t size, const size_t *shape, int ndim)
{
    size_t len = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%zu", i ? ", " : "", shape[i]);
    if (len < size)
        snprintf(buf + len, size - len, ndim == 1 ? ",)" : ")");
}

static uint64_t read_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Element k as a double; '<f8' or '<f4' little-endian on any host. */
static double element(const unsigned char *p, size_t itemsize)
{
    if (itemsize == 8) {
        uint64_t u = read_le(p, 8);
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    uint32_t u = (uint32_t)read_le(p, 4);
    float f;
    memcpy(&f, &u, sizeof f);
    return (double)f;
}

/* Version and header length; *start = offset of the header text. */
static int parse_preamble(const char *name, const unsigned char *buf, size_t size, size_t *start, size_t *hlen,
                          bloc_error_t *err)
{
    if (size < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset 0: not a .npy file (it does not start with the magic string \\x93NUMPY)",
                              name);
    if (size < 8)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset 6: truncated header: the file ends before the format version (file size %zu)",
                              name, size);
    int major = buf[6], minor = buf[7];
    if (minor != 0 || major < 1 || major > 3)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset 6: format version %d.%d not supported (expected 1.0, 2.0 or 3.0)", name,
                              major, minor);
    int lenbytes = major == 1 ? 2 : 4;
    *start = 8 + (size_t)lenbytes;
    if (size < *start)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset 8: truncated header: the file ends before the %d-byte header length "
                              "(file size %zu)", name, lenbytes, size);
    *hlen = (size_t)read_le(buf + 8, lenbytes);
    if (*hlen > size - *start)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset 8: header length %zu exceeds the %zu bytes left in the file (file size %zu)",
                              name, *hlen, size - *start, size);
    return BLOC_OK;
}

/* dtype, order, dims and the caller's shape; *itemsize, *count out. */
static int check_header(const char *name, const header_t *hd, int ndim, const size_t *shape, size_t *itemsize,
                        size_t *count, bloc_error_t *err)
{
    char got[256], want[256];
    if (strcmp(hd->descr, "<f8") == 0)
        *itemsize = 8;
    else if (strcmp(hd->descr, "<f4") == 0)
        *itemsize = 4;
    else
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: dtype '%s' not supported (expected '<f8' or '<f4')", name,
                              hd->descr);
    if (hd->fortran)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: fortran_order True not supported: write the array in C order "
                              "(numpy.ascontiguousarray)", name);
    fmt_shape(got, sizeof got, hd->shape, hd->ndim);
    if (hd->ndim < 1 || hd->ndim > BLOC_NPY_MAX_DIMS)
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: shape %s has %d dims (expected 1 or 2)", name, got, hd->ndim);
    int match = ndim <= 0 || ndim == hd->ndim;
    for (int i = 0; match && ndim > 0 && i < ndim; i++)
        match = shape[i] == hd->shape[i];
    if (!match) {
        fmt_shape(want, sizeof want, shape, ndim);
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: shape %s but the problem needs %s", name, got, want);
    }
    *count = 1;
    for (int i = 0; i < hd->ndim; i++) {
        if (hd->shape[i] && *count > SIZE_MAX / 8 / hd->shape[i])
            return bloc_error_set(err, BLOC_ERR_DATA, "%s: shape %s is too large", name, got);
        *count *= hd->shape[i];
    }
    return BLOC_OK;
}

/* Element index k as "k" (1-D) or "(i, j)" (2-D) for messages. */
static void fmt_index(char *buf, size_t size, const bloc_npy_array_t *a, size_t k)
{
    if (a->ndim == 2 && a->shape[1])
        snprintf(buf, size, "(%zu, %zu)", k / a->shape[1], k % a->shape[1]);
    else
        snprintf(buf, size, "%zu", k);
}

static int decode(const char *name, const unsigned char *data, size_t off, size_t itemsize, bloc_npy_array_t *a,
                  bloc_error_t *err)
{
    a->data = malloc((a->count ? a->count : 1) * sizeof *a->data);
    if (!a->data)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory for %zu values", name, a->count);
    for (size_t k = 0; k < a->count; k++) {
        double v = element(data + k * itemsize, itemsize);
        if (!isfinite(v)) {
            char idx[64];
            fmt_index(idx, sizeof idx, a, k);
            free(a->data);
            a->data = NULL;
            return bloc_error_set(err, BLOC_ERR_DATA, "%s: offset %zu: element %s is not finite (%s)", name,
                                  off + k * itemsize, idx, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        }
        a->data[k] = v;
    }
    return BLOC_OK;
}

int bloc_npy_parse(const char *name, const unsigned char *buf, size_t size, int ndim, const size_t *shape,
                   bloc_npy_array_t *out, bloc_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t start = 0, hlen = 0, itemsize = 0, count = 0;
    int st = parse_preamble(name, buf, size, &start, &hlen, err);
    if (st)
        return st;
    header_t hd;
    cursor_t c = {name, buf + start, hlen, 0, start, err};
    if ((st = parse_header(&c, &hd)) || (st = check_header(name, &hd, ndim, shape, &itemsize, &count, err)))
        return st;
    size_t off = start + hlen, want = count * itemsize, have = size - off;
    if (have < want)
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: offset %zu: truncated data: expected %zu bytes, found %zu",
                              name, off, want, have);
    if (have > want)
        return bloc_error_set(err, BLOC_ERR_DATA,
                              "%s: offset %zu: %zu bytes after the end of the data (expected %zu bytes, found %zu)",
                              name, off + want, have - want, want, have);
    bloc_npy_array_t a = {hd.ndim, {hd.shape[0], hd.ndim > 1 ? hd.shape[1] : 0}, count, NULL};
    if ((st = decode(name, buf + off, off, itemsize, &a, err)))
        return st;
    *out = a;
    return BLOC_OK;
}

/* Whole file into a malloc'd buffer. */
static int slurp(const char *path, unsigned char **buf, size_t *size, bloc_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
        if (!nb)
            free(b);
        b = nb;
        cap *= 2;
    }
    int bad = !b || ferror(f);
    int e = errno;
    fclose(f);
    if (!b)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory reading the file", path);
    if (bad) {
        free(b);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: read error: %s", path, strerror(e));
    }
    *buf = b;
    *size = n;
    return BLOC_OK;
}

int bloc_npy_read(const char *path, int ndim, const size_t *shape, bloc_npy_array_t *out, bloc_error_t *err)
{
    memset(out, 0, sizeof *out);
    unsigned char *buf = NULL;
    size_t size = 0;
    int st = slurp(path, &buf, &size, err);
    if (st)
        return st;
    st = bloc_npy_parse(path, buf, size, ndim, shape, out, err);
    free(buf);
    return st;
}

void bloc_npy_free(bloc_npy_array_t *a)
{
    free(a->data);
    a->data = NULL;
}

int bloc_npy_write(const char *path, const double *data, size_t n, bloc_error_t *err)
{
    /* header: magic, version 1.0, length, dict padded with spaces to a
     * multiple of 64 bytes with the newline (numpy's alignment) */
    char dict[128];
    int dl = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }", n);
    size_t total = MAGIC_LEN + 4 + (size_t)dl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)dl + pad + 1;
    unsigned char pre[MAGIC_LEN + 4];
    memcpy(pre, MAGIC, MAGIC_LEN);
    pre[MAGIC_LEN] = 1;
    pre[MAGIC_LEN + 1] = 0;
    pre[MAGIC_LEN + 2] = (unsigned char)(hlen & 0xff);
    pre[MAGIC_LEN + 3] = (unsigned char)(hlen >> 8);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    int ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(dict, 1, (size_t)dl, f) == (size_t)dl;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && fwrite(data, sizeof *data, n, f) == n; /* x86/ARM hosts: little-endian */
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        e = ok ? errno : e;
        unlink(tmp);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return BLOC_OK;
}
