/* Parameter tables: problems and solvers describe their parameters with
 * these (netplan-style table-driven parsing), the config loader validates
 * against them and fills a plain array of doubles in table order. */
#ifndef BLOC_PARAM_H
#define BLOC_PARAM_H

#include <stddef.h>

#define BLOC_MAX_PARAMS 32

/* CHOICE: a word from `choices`; the stored value is its index. */
typedef enum { BLOC_PARAM_REAL, BLOC_PARAM_INT, BLOC_PARAM_CHOICE } bloc_param_type_t;

enum {
    BLOC_PARAM_REQUIRED = 1u << 0, /* no default: the config must give it */
    BLOC_PARAM_LO_OPEN = 1u << 1,  /* value must be > lo (default >= lo) */
    BLOC_PARAM_HI_OPEN = 1u << 2   /* value must be < hi (default <= hi) */
};

typedef struct {
    const char *name;
    bloc_param_type_t type;
    double def;      /* default when not required */
    double lo, hi;   /* range; use -HUGE_VAL / HUGE_VAL for none */
    unsigned flags;
    const char *help;
    const char *const *choices; /* CHOICE: NULL-terminated words */
} bloc_param_spec_t;

/* Index of word in spec->choices, or -1. */
int bloc_param_choice(const bloc_param_spec_t *spec, const char *word, size_t len);

/* Index of name in table, or -1. */
int bloc_param_find(const bloc_param_spec_t *table, int n, const char *name);

/* Range check; writes a message like "must be in (0, 1]" into msg on failure. */
int bloc_param_in_range(const bloc_param_spec_t *spec, double v, char *msg, size_t msg_size);

#endif
