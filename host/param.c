#include "param.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int bloc_param_find(const bloc_param_spec_t *table, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

int bloc_param_choice(const bloc_param_spec_t *spec, const char *word, size_t len)
{
    for (int i = 0; spec->choices && spec->choices[i]; i++)
        if (strlen(spec->choices[i]) == len && memcmp(spec->choices[i], word, len) == 0)
            return i;
    return -1;
}

static void fmt_bound(char *buf, size_t size, double v)
{
    if (isinf(v))
        snprintf(buf, size, "%sinf", v < 0 ? "-" : "");
    else
        snprintf(buf, size, "%.17g", v);
}

int bloc_param_in_range(const bloc_param_spec_t *s, double v, char *msg, size_t msg_size)
{
    int lo_ok = (s->flags & BLOC_PARAM_LO_OPEN) ? v > s->lo : v >= s->lo;
    int hi_ok = (s->flags & BLOC_PARAM_HI_OPEN) ? v < s->hi : v <= s->hi;
    if (isfinite(v) && lo_ok && hi_ok)
        return 1;
    if (msg) {
        char lo[32], hi[32];
        fmt_bound(lo, sizeof lo, s->lo);
        fmt_bound(hi, sizeof hi, s->hi);
        /* an infinite bound is never attained: print it open */
        int lo_open = (s->flags & BLOC_PARAM_LO_OPEN) || isinf(s->lo);
        int hi_open = (s->flags & BLOC_PARAM_HI_OPEN) || isinf(s->hi);
        snprintf(msg, msg_size, "must be in %c%s, %s%c", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    }
    return 0;
}
