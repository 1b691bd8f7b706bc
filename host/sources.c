#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static int read_file(const char *path, char **text, size_t *len, bloc_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot open kernel source (BLOC_KERNEL_ROOT)", path);
    size_t cap = 1 << 14, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory", path);
    if (bad) {
        free(buf);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return BLOC_OK;
}

int bloc_source_get(const char *path, bloc_source_t *out, int *owned, bloc_error_t *err)
{
    *owned = 0;
    const char *root = getenv("BLOC_KERNEL_ROOT");
    if (root && *root) {
        char full[2048];
        char *text = NULL;
        size_t len = 0;
        snprintf(full, sizeof full, "%s/%s", root, path);
        int st = read_file(full, &text, &len, err);
        if (st)
            return st;
        bloc_sha256_t s;
        bloc_sha256_init(&s);
        bloc_sha256_update(&s, text, len);
        bloc_sha256_hex(&s, out->sha256);
        out->path = path;
        out->text = text;
        out->len = len;
        *owned = 1;
        return BLOC_OK;
    }
    for (int i = 0; i < bloc_embedded_nsources; i++) {
        if (strcmp(bloc_embedded_sources[i].path, path) == 0) {
            *out = bloc_embedded_sources[i];
            return BLOC_OK;
        }
    }
    return bloc_error_set(err, BLOC_ERR_INTERNAL, "kernel source %s is not embedded in this build", path);
}
