#include "build_log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long bloc_text_newlines(const char *text)
{
    long n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

long bloc_text_lines(const char *text)
{
    size_t len = strlen(text);
    return bloc_text_newlines(text) + (len > 0 && text[len - 1] != '\n');
}

/* At p, `<word>:LINE:`: sets *line and *end (the ':' after LINE) and
 * returns 1; else 0. At most 9 digits, so LINE fits a long. */
static int parse_position(const char *p, long *line, const char **end)
{
    if (*p++ != '<')
        return 0;
    const char *w = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == w || p[0] != '>' || p[1] != ':')
        return 0;
    p += 2;
    long v = 0;
    int digits = 0;
    for (; isdigit((unsigned char)*p) && digits < 10; p++, digits++)
        v = 10 * v + (*p - '0');
    if (digits == 0 || digits > 9 || *p != ':')
        return 0;
    *line = v;
    *end = p;
    return 1;
}

static const bloc_log_source_t *find(const bloc_log_source_t *srcs, int n, long line)
{
    for (int i = 0; i < n; i++)
        if (line >= srcs[i].first && line < srcs[i].first + srcs[i].count)
            return &srcs[i];
    return NULL;
}

/* Appends len bytes to out (when non-NULL) at *at. */
static void put(char *out, size_t *at, const char *s, size_t len)
{
    if (out)
        memcpy(out + *at, s, len);
    *at += len;
}

/* Writes the mapped log into out, or only measures it when out is NULL;
 * returns its length (without the NUL). */
static size_t rewrite(const char *log, const bloc_log_source_t *srcs, int n, char *out)
{
    size_t at = 0;
    const char *p = log;
    while (*p) {
        long line;
        const char *end;
        const bloc_log_source_t *s;
        if (*p == '<' && parse_position(p, &line, &end) && (s = find(srcs, n, line))) {
            char num[32];
            int k = snprintf(num, sizeof num, ":%ld", line - s->first + 1);
            put(out, &at, s->name, strlen(s->name));
            put(out, &at, num, (size_t)k);
            p = end; /* the ':' after LINE and what follows are copied as they are */
        } else {
            put(out, &at, p, 1);
            p++;
        }
    }
    if (out)
        out[at] = '\0';
    return at;
}

char *bloc_build_log_map(const char *log, const bloc_log_source_t *srcs, int nsrcs)
{
    char *out = malloc(rewrite(log, srcs, nsrcs, NULL) + 1);
    if (out)
        rewrite(log, srcs, nsrcs, out);
    return out;
}
