/* Run configuration loader, in the style of netplan's parse.c: the YAML
 * document (libyaml document API) is walked against tables of fields, and
 * every key, from the file or from `--set key.path=value`, goes through the
 * same lookup + setter code, so the checks cannot drift apart.
 *
 * Rules worth knowing (docs/user-guide.md describes the schema):
 * - Unknown keys and duplicate keys are errors (libyaml accepts duplicates;
 *   we check every mapping ourselves).
 * - `problem` and `solver` are mappings whose `name` selects the descriptor;
 *   `name` is handled first wherever it appears, then the other keys are
 *   checked against that descriptor's parameter table.
 * - Numbers must be plain (unquoted) scalars: `alpha: "0.1"` is a type error,
 *   so a quoted value is always a string. REAL takes any finite decimal
 *   number (strtod, no hex, nan or inf), INT takes decimal integers only
 *   (strtoll: `1.0` and `1e3` are not integers). Whole text must parse.
 * - `null`, `~` and an empty plain value count as "no value": an error for
 *   every key (no key of the schema is nullable).
 * - Anchors, aliases and explicit tags are rejected, as is a second YAML
 *   document. The document API drops anchors and tags, so a first event pass
 *   finds them (with exact marks) before the document is loaded; that pass
 *   also reports syntax errors. Configs are tiny, parsing twice costs nothing.
 * - Input is UTF-8 (a leading UTF-8 BOM is skipped); anything else is an
 *   "invalid input" error at the offending byte.
 *
 * Error messages: `FILE:LINE:COL: [PATH: ]MESSAGE`, then the source line and
 * a caret under the column (tabs in the source line are repeated in the
 * caret line so the caret stays aligned; long lines are shown as a window
 * around the column). `--set` errors read `--set ASSIGNMENT: MESSAGE`. */
#include "config.h"

#include "problem.h"
#include "solver.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CONFIG_MAX_BYTES ((size_t)16 << 20) /* larger files are surely not configs */
#define SHOW_COLUMNS 100                    /* source excerpt width, in characters */
#define SHOW_VALUE 40                       /* quoted values in messages, in characters */

/* ------------------------------------------------------------------------ */
/* Bounded string building                                                  */

typedef struct {
    char *buf;
    size_t size, len;
} sbuf_t;

static void sb_init(sbuf_t *b, char *buf, size_t size)
{
    b->buf = buf;
    b->size = size;
    b->len = 0;
    buf[0] = '\0';
}

/* Appends n bytes, all or nothing (so a UTF-8 sequence is never cut). */
static int sb_putn(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->size)
        return 0;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 1;
}

static int sb_puts(sbuf_t *b, const char *s) { return sb_putn(b, s, strlen(s)); }

/* ------------------------------------------------------------------------ */
/* Characters, as libyaml counts them                                        */

/* Length of the line break at p (libyaml's: CR LF, CR, LF, NEL, LS, PS), or 0. */
static size_t break_len(const unsigned char *p, const unsigned char *end)
{
    if (p >= end)
        return 0;
    if (p[0] == '\r')
        return end - p > 1 && p[1] == '\n' ? 2 : 1;
    if (p[0] == '\n')
        return 1;
    if (p[0] == 0xC2 && end - p > 1 && p[1] == 0x85)
        return 2;
    if (p[0] == 0xE2 && end - p > 2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        return 3;
    return 0;
}

/* Length of the character at p (p < end): a well-formed UTF-8 sequence, or
 * 1 with *valid = 0 for a byte that does not start one. */
static size_t char_len(const unsigned char *p, const unsigned char *end, int *valid)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    *valid = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        *valid = 0;
        return 1;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi) {
        *valid = 0;
        return 1;
    }
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) {
            *valid = 0;
            return 1;
        }
    return n;
}

/* Appends the character at *p for display and advances *p: control
 * characters and invalid bytes become '?', tabs stay tabs. Returns 0 when
 * the buffer is full. */
static int sb_put_char(sbuf_t *b, const unsigned char **p, const unsigned char *end)
{
    int valid;
    size_t n = char_len(*p, end, &valid);
    const unsigned char *c = *p;
    int printable = valid && (n > 1 ? !(c[0] == 0xC2 && c[1] < 0xA0) /* C1 controls */
                                    : (c[0] == '\t' || (c[0] >= 0x20 && c[0] != 0x7F)));
    int ok = printable ? sb_putn(b, (const char *)c, n) : sb_putn(b, "?", 1);
    if (ok)
        *p += n;
    return ok;
}

/* 'text' for messages: clipped, control characters and invalid UTF-8 shown as '?'. */
static const char *quoted(char *buf, size_t size, const char *text, size_t len)
{
    sbuf_t b;
    sb_init(&b, buf, size);
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    sb_puts(&b, "'");
    for (int i = 0; p < end && i < SHOW_VALUE; i++)
        if (!sb_put_char(&b, &p, end))
            break;
    if (p < end)
        sb_puts(&b, "...");
    sb_puts(&b, "'");
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

typedef struct {
    const char *file;         /* config path as given; NULL for --set */
    const char *assignment;   /* the --set text */
    const unsigned char *src; /* file contents (after the BOM) */
    size_t srclen;
    bloc_error_t *err;
} ctx_t;

/* The source line of mark and a caret line under its column. */
static void excerpt(const ctx_t *cx, yaml_mark_t mark, char *line, size_t lsize, char *caret,
                    size_t csize)
{
    const unsigned char *p = cx->src, *end = cx->src + cx->srclen;
    for (size_t l = 0; l < mark.line && p < end;) {
        size_t b = break_len(p, end);
        if (b) {
            p += b;
            l++;
        } else
            p++;
    }
    const unsigned char *eol = p;
    while (eol < end && !break_len(eol, end))
        eol++;

    /* show a window of SHOW_COLUMNS characters that keeps the column in view */
    size_t col = mark.column, first = 0;
    if (col > SHOW_COLUMNS - 20)
        first = col - (SHOW_COLUMNS - 20);
    sbuf_t lb, cb;
    sb_init(&lb, line, lsize);
    sb_init(&cb, caret, csize);
    if (first > 0) {
        sb_puts(&lb, "...");
        sb_puts(&cb, "   ");
    }
    int valid;
    size_t i = 0;
    for (; p < eol && i < first + SHOW_COLUMNS; i++) {
        int tab = *p == '\t';
        if (i < first) {
            p += char_len(p, eol, &valid);
            continue;
        }
        if (i < col)
            sb_puts(&cb, tab ? "\t" : " ");
        if (!sb_put_char(&lb, &p, eol))
            break;
    }
    if (p < eol)
        sb_puts(&lb, "...");
    for (; i < col; i++) /* column past the end of the line */
        if (i >= first && !sb_puts(&cb, " "))
            break;
    sb_puts(&cb, "^");
}

static int vfail(const ctx_t *cx, yaml_mark_t mark, const char *path, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!cx->file)
        return bloc_error_set(cx->err, BLOC_ERR_CONFIG, "--set %s: %s", cx->assignment, msg);
    char line[4 * SHOW_COLUMNS + 16], caret[4 * SHOW_COLUMNS + 16];
    excerpt(cx, mark, line, sizeof line, caret, sizeof caret);
    int has_path = path && *path;
    return bloc_error_set(cx->err, BLOC_ERR_CONFIG, "%s:%lu:%lu: %s%s%s\n    %s\n    %s", cx->file,
                          (unsigned long)mark.line + 1, (unsigned long)mark.column + 1,
                          has_path ? path : "", has_path ? ": " : "", msg, line, caret);
}

/* Sets a BLOC_ERR_CONFIG error at mark, the message prefixed with "path: "
 * when path is not empty (file errors only: a --set names its path). */
__attribute__((format(printf, 4, 5))) static int fail(const ctx_t *cx, yaml_mark_t mark,
                                                      const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int st = vfail(cx, mark, path, fmt, ap);
    va_end(ap);
    return st;
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte
 * offset; count lines and characters up to it the way libyaml does. */
static yaml_mark_t mark_at_offset(const ctx_t *cx, size_t offset)
{
    yaml_mark_t m = {0, 0, 0};
    const unsigned char *p = cx->src, *end = cx->src + cx->srclen;
    const unsigned char *stop = cx->src + (offset < cx->srclen ? offset : cx->srclen);
    int valid;
    while (p < stop) {
        size_t b = break_len(p, end);
        if (b) {
            p += b;
            m.line++;
            m.column = 0;
        } else {
            p += char_len(p, end, &valid);
            m.column++;
        }
    }
    m.index = offset;
    return m;
}

static int parser_fail(const ctx_t *cx, const yaml_parser_t *parser)
{
    const char *problem = parser->problem ? parser->problem : "unknown error";
    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        return bloc_error_set(cx->err, BLOC_ERR_NOMEM, "%s: out of memory while parsing", cx->file);
    case YAML_READER_ERROR:
        return fail(cx, mark_at_offset(cx, parser->problem_offset), "", "invalid input: %s", problem);
    default:
        if (parser->context && parser->context_mark.line != parser->problem_mark.line)
            return fail(cx, parser->problem_mark, "", "syntax error: %s (%s at line %lu)", problem,
                        parser->context, (unsigned long)parser->context_mark.line + 1);
        return fail(cx, parser->problem_mark, "", "syntax error: %s", problem);
    }
}

/* ------------------------------------------------------------------------ */
/* The schema                                                               */

typedef enum {
    F_STRING,    /* char[size] at offset */
    F_PRECISION, /* bloc_precision_t at offset */
    F_LONG,      /* long at offset; spec: INT with range */
    F_ULONG,     /* unsigned long at offset; spec: INT with range */
    F_INT,       /* int at offset; spec: INT with range */
    F_PARAM,     /* problem/solver parameter (double); spec from the descriptor */
    F_NAME,      /* problem/solver `name`: selects the descriptor */
    F_PROBLEM,   /* mapping: name + the problem's parameters */
    F_SOLVER,    /* mapping: name + the solver's parameters */
    F_SECTION    /* mapping with a fixed sub-table */
} field_kind_t;

enum { CHECK_POW2 = 1u << 0 };

typedef struct field {
    const char *name;
    field_kind_t kind;
    size_t offset;
    size_t size;            /* F_STRING capacity */
    bloc_param_spec_t spec; /* numbers: type, default, range; flags: REQUIRED for any kind */
    unsigned check;         /* extra checks (CHECK_POW2) */
    const struct field *sub;
    int nsub;
} field_t;

#define CFG(member) offsetof(bloc_config_t, member)
#define INT_SPEC(nm, def_, lo_, hi_, flags_) \
    { .name = nm, .type = BLOC_PARAM_INT, .def = def_, .lo = lo_, .hi = hi_, .flags = flags_ }

static const field_t reduction_fields[] = {
    {.name = "groups", .kind = F_INT, .offset = CFG(reduce_groups),
     .spec = INT_SPEC("groups", 32, 1, 1024, 0)},
    {.name = "local_size", .kind = F_INT, .offset = CFG(local_size),
     .spec = INT_SPEC("local_size", 64, 1, 1024, 0), .check = CHECK_POW2},
};

#define REAL_SPEC(nm, def_, lo_, hi_, flags_) \
    { .name = nm, .type = BLOC_PARAM_REAL, .def = def_, .lo = lo_, .hi = hi_, .flags = flags_ }

/* Tolerances of `bloc compare`: a pair of runs agrees when the normwise
 * relative difference of x, y and F stays within the tolerance of the
 * pair's lower precision at every log point. */
static const field_t compare_fields[] = {
    {.name = "tol_fp32", .kind = F_PARAM, .offset = CFG(compare_tol_fp32),
     .spec = REAL_SPEC("tol_fp32", 1e-3, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN)},
    {.name = "tol_fp64", .kind = F_PARAM, .offset = CFG(compare_tol_fp64),
     .spec = REAL_SPEC("tol_fp64", 1e-9, 0, HUGE_VAL, BLOC_PARAM_LO_OPEN)},
};

/* Divergence guard of the run loop: stop when |F| exceeds blowup times
 * max(|F_0|, 1) at a log point (0 = off). NaN/Inf checks are always on. */
static const field_t divergence_fields[] = {
    {.name = "blowup", .kind = F_PARAM, .offset = CFG(divergence_blowup),
     .spec = REAL_SPEC("blowup", 1e6, 0, HUGE_VAL, 0)},
};

static const field_t top_fields[] = {
    {.name = "problem", .kind = F_PROBLEM, .spec = {.flags = BLOC_PARAM_REQUIRED}},
    {.name = "solver", .kind = F_SOLVER, .spec = {.flags = BLOC_PARAM_REQUIRED}},
    {.name = "device", .kind = F_STRING, .offset = CFG(device), .size = sizeof ((bloc_config_t *)0)->device},
    {.name = "precision", .kind = F_PRECISION, .offset = CFG(precision)},
    {.name = "iterations", .kind = F_LONG, .offset = CFG(iterations),
     .spec = INT_SPEC("iterations", 0, 1, HUGE_VAL, BLOC_PARAM_REQUIRED | BLOC_PARAM_HI_OPEN)},
    {.name = "log_every", .kind = F_LONG, .offset = CFG(log_every),
     .spec = INT_SPEC("log_every", 100, 1, HUGE_VAL, BLOC_PARAM_HI_OPEN)},
    {.name = "seed", .kind = F_ULONG, .offset = CFG(seed),
     .spec = INT_SPEC("seed", 0, 0, HUGE_VAL, BLOC_PARAM_HI_OPEN)},
    {.name = "output", .kind = F_STRING, .offset = CFG(output), .size = sizeof ((bloc_config_t *)0)->output},
    {.name = "reduction", .kind = F_SECTION, .sub = reduction_fields,
     .nsub = (int)(sizeof reduction_fields / sizeof reduction_fields[0])},
    {.name = "compare", .kind = F_SECTION, .sub = compare_fields,
     .nsub = (int)(sizeof compare_fields / sizeof compare_fields[0])},
    {.name = "checkpoint_every", .kind = F_LONG, .offset = CFG(checkpoint_every),
     .spec = INT_SPEC("checkpoint_every", 0, 0, HUGE_VAL, BLOC_PARAM_HI_OPEN)},
    {.name = "divergence", .kind = F_SECTION, .sub = divergence_fields,
     .nsub = (int)(sizeof divergence_fields / sizeof divergence_fields[0])},
};
#define NTOP ((int)(sizeof top_fields / sizeof top_fields[0]))

_Static_assert(sizeof top_fields / sizeof top_fields[0] <= BLOC_MAX_PARAMS, "seen[] size");

static const field_t name_field = {.name = "name", .kind = F_NAME, .spec = {.flags = BLOC_PARAM_REQUIRED}};

static int is_section(field_kind_t k) { return k == F_PROBLEM || k == F_SOLVER || k == F_SECTION; }

/* A key resolved to its field and storage. */
typedef struct {
    field_t f;    /* the table entry, or one made for a problem/solver parameter */
    void *target; /* where the value goes */
    int index;    /* index in its table (for required-key tracking); -1 for name */
} slot_t;

/* A scalar value: from a YAML node, or the text of a --set (plain). */
typedef struct {
    const char *text; /* NUL-terminated; may also contain NULs */
    size_t len;
    int plain;
    yaml_mark_t mark;
} scalar_t;

static int text_is(const char *text, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(text, s, len) == 0;
}

static int is_null(const scalar_t *v)
{
    return v->plain && (v->len == 0 || text_is(v->text, v->len, "~") || text_is(v->text, v->len, "null") ||
                        text_is(v->text, v->len, "Null") || text_is(v->text, v->len, "NULL"));
}

/* The descriptor-dependent part of a problem/solver section. */
typedef struct {
    const char *what; /* "problem" / "solver" */
    const char *name; /* selected descriptor's name, or NULL */
    const bloc_param_spec_t *params;
    int nparams;
    double *values;
} named_t;

static named_t named_section(bloc_config_t *cfg, field_kind_t kind)
{
    named_t n = {0};
    if (kind == F_PROBLEM) {
        n.what = "problem";
        n.values = cfg->problem_params;
        if (cfg->problem) {
            n.name = cfg->problem->name;
            n.params = cfg->problem->params;
            n.nparams = cfg->problem->nparams;
        }
    } else {
        n.what = "solver";
        n.values = cfg->solver_params;
        if (cfg->solver) {
            n.name = cfg->solver->name;
            n.params = cfg->solver->params;
            n.nparams = cfg->solver->nparams;
        }
    }
    if (n.nparams > BLOC_MAX_PARAMS) /* descriptor bug; never index past the arrays */
        n.nparams = BLOC_MAX_PARAMS;
    return n;
}

/* Finds key in section sec (NULL: the top level). Unknown keys are errors
 * listing the valid ones. */
static int lookup(const ctx_t *cx, bloc_config_t *cfg, const field_t *sec, const scalar_t *key,
                  const char *path, slot_t *out)
{
    char valid[1024], shown[4 * SHOW_VALUE + 8];
    sbuf_t vb;
    sb_init(&vb, valid, sizeof valid);
    int has_nul = memchr(key->text, '\0', key->len) != NULL;
    memset(out, 0, sizeof *out);

    if (!sec || sec->kind == F_SECTION) {
        const field_t *table = sec ? sec->sub : top_fields;
        int n = sec ? sec->nsub : NTOP;
        for (int i = 0; i < n; i++)
            if (!has_nul && text_is(key->text, key->len, table[i].name)) {
                out->f = table[i];
                out->target = (char *)cfg + table[i].offset;
                out->index = i;
                return BLOC_OK;
            }
        for (int i = 0; i < n; i++) {
            sb_puts(&vb, i ? ", " : "");
            sb_puts(&vb, table[i].name);
        }
        return fail(cx, key->mark, path, "unknown key %s (valid keys: %s)",
                    quoted(shown, sizeof shown, key->text, key->len), valid);
    }

    named_t ns = named_section(cfg, sec->kind);
    if (!has_nul && text_is(key->text, key->len, "name")) {
        out->f = name_field;
        out->index = -1;
        return BLOC_OK;
    }
    if (!ns.name)
        return fail(cx, key->mark, path, "no %s selected", ns.what);
    int i = has_nul ? -1 : bloc_param_find(ns.params, ns.nparams, key->text);
    if (i >= 0) {
        out->f.name = ns.params[i].name;
        out->f.kind = F_PARAM;
        out->f.spec = ns.params[i];
        out->target = &ns.values[i];
        out->index = i;
        return BLOC_OK;
    }
    sb_puts(&vb, "name");
    for (int k = 0; k < ns.nparams; k++) {
        sb_puts(&vb, ", ");
        sb_puts(&vb, ns.params[k].name);
    }
    return fail(cx, key->mark, path, "unknown key %s (valid keys for %s '%s': %s)",
                quoted(shown, sizeof shown, key->text, key->len), ns.what, ns.name, valid);
}

/* What a field expects, for type errors. */
static const char *expected(const field_t *f, const field_t *sec)
{
    switch (f->kind) {
    case F_STRING: return "a string";
    case F_PRECISION: return "fp32 or fp64";
    case F_NAME: return sec && sec->kind == F_PROBLEM ? "a problem name" : "a solver name";
    case F_PROBLEM:
    case F_SOLVER:
    case F_SECTION: return "a mapping";
    default:
        return f->spec.type == BLOC_PARAM_INT ? "an integer" : f->spec.type == BLOC_PARAM_CHOICE ? "a word" : "a number";
    }
}

static void store_number(const field_t *f, void *target, double d, long long i)
{
    switch (f->kind) {
    case F_LONG: *(long *)target = (long)i; break;
    case F_ULONG: *(unsigned long *)target = (unsigned long)i; break;
    case F_INT: *(int *)target = (int)i; break;
    case F_PARAM: *(double *)target = d; break;
    default: break;
    }
}

/* Parses a number for spec: *d always, *i too for INT. */
static int parse_number(const ctx_t *cx, const field_t *f, const scalar_t *v, const char *path,
                        double *d, long long *i)
{
    char shown[4 * SHOW_VALUE + 8];
    const char *what = expected(f, NULL);
    int is_int = f->spec.type == BLOC_PARAM_INT;
    if (is_null(v))
        return fail(cx, v->mark, path, "expected %s, got null", what);
    quoted(shown, sizeof shown, v->text, v->len);
    if (!v->plain)
        return fail(cx, v->mark, path, "expected %s, got the quoted string %s (write numbers unquoted)",
                    what, shown);
    /* the whole text, in C-locale decimal syntax only: no hex, nan, inf, blanks */
    const char *charset = is_int ? "+-0123456789" : "+-.0123456789eE";
    int syntax_ok = strspn(v->text, charset) == v->len;
    char *endp;
    errno = 0;
    if (is_int) {
        long long x = strtoll(v->text, &endp, 10);
        if (!syntax_ok || endp != v->text + v->len)
            return fail(cx, v->mark, path, "expected an integer, got %s", shown);
        if (errno == ERANGE)
            return fail(cx, v->mark, path, "integer out of range, got %s", shown);
        *i = x;
        *d = (double)x;
    } else {
        double x = strtod(v->text, &endp);
        int whole = endp == v->text + v->len;
        if (whole && !isfinite(x))
            return fail(cx, v->mark, path, "expected a finite number, got %s", shown);
        if (!syntax_ok || !whole)
            return fail(cx, v->mark, path, "expected a number, got %s", shown);
        *i = 0;
        *d = x;
    }
    return BLOC_OK;
}

/* Selects the problem/solver descriptor and resets its parameters to their defaults. */
static int set_name(const ctx_t *cx, bloc_config_t *cfg, field_kind_t kind, const scalar_t *v,
                    const char *path)
{
    char shown[4 * SHOW_VALUE + 8], reg[1024];
    const char *what = kind == F_PROBLEM ? "problem" : "solver";
    if (is_null(v))
        return fail(cx, v->mark, path, "expected a %s name, got null", what);
    int has_nul = memchr(v->text, '\0', v->len) != NULL;
    sbuf_t rb;
    sb_init(&rb, reg, sizeof reg);
    if (kind == F_PROBLEM) {
        cfg->problem = has_nul ? NULL : bloc_problem_find(v->text);
        for (int i = 0; bloc_problems[i]; i++) {
            sb_puts(&rb, i ? ", " : "");
            sb_puts(&rb, bloc_problems[i]->name);
        }
    } else {
        cfg->solver = has_nul ? NULL : bloc_solver_find(v->text);
        for (int i = 0; bloc_solvers[i]; i++) {
            sb_puts(&rb, i ? ", " : "");
            sb_puts(&rb, bloc_solvers[i]->name);
        }
    }
    named_t ns = named_section(cfg, kind);
    if (!ns.name)
        return fail(cx, v->mark, path, "unknown %s %s (registered: %s)", what,
                    quoted(shown, sizeof shown, v->text, v->len), reg);
    for (int i = 0; i < BLOC_MAX_PARAMS; i++)
        ns.values[i] = i < ns.nparams ? ns.params[i].def : 0.0;
    return BLOC_OK;
}

/* A CHOICE parameter: one of the spec's words; stores its index. */
static int set_choice(const ctx_t *cx, const field_t *f, void *target, const scalar_t *v, const char *path)
{
    char shown[4 * SHOW_VALUE + 8], words[512] = "";
    int idx = is_null(v) || memchr(v->text, '\0', v->len) ? -1 : bloc_param_choice(&f->spec, v->text, v->len);
    if (idx >= 0) {
        *(double *)target = idx;
        return BLOC_OK;
    }
    for (int i = 0; f->spec.choices[i]; i++) {
        if (i)
            strncat(words, ", ", sizeof words - strlen(words) - 1);
        strncat(words, f->spec.choices[i], sizeof words - strlen(words) - 1);
    }
    if (is_null(v))
        return fail(cx, v->mark, path, "expected one of %s, got null", words);
    return fail(cx, v->mark, path, "expected one of %s, got %s", words, quoted(shown, sizeof shown, v->text, v->len));
}

/* Sets one scalar key: the single setter behind the file and --set. */
static int set_scalar(const ctx_t *cx, bloc_config_t *cfg, const field_t *sec, const slot_t *s,
                      const scalar_t *v, const char *path)
{
    const field_t *f = &s->f;
    char shown[4 * SHOW_VALUE + 8];
    switch (f->kind) {
    case F_NAME:
        return set_name(cx, cfg, sec->kind, v, path);
    case F_STRING:
        if (is_null(v))
            return fail(cx, v->mark, path, "expected a string, got null");
        if (memchr(v->text, '\0', v->len))
            return fail(cx, v->mark, path, "NUL characters are not allowed");
        if (v->len >= f->size)
            return fail(cx, v->mark, path, "too long (at most %zu bytes)", f->size - 1);
        memcpy(s->target, v->text, v->len);
        ((char *)s->target)[v->len] = '\0';
        return BLOC_OK;
    case F_PRECISION:
        if (text_is(v->text, v->len, "fp32"))
            *(bloc_precision_t *)s->target = BLOC_FP32;
        else if (text_is(v->text, v->len, "fp64"))
            *(bloc_precision_t *)s->target = BLOC_FP64;
        else if (is_null(v))
            return fail(cx, v->mark, path, "expected fp32 or fp64, got null");
        else
            return fail(cx, v->mark, path, "expected fp32 or fp64, got %s",
                        quoted(shown, sizeof shown, v->text, v->len));
        return BLOC_OK;
    case F_PARAM:
        if (f->spec.type == BLOC_PARAM_CHOICE)
            return set_choice(cx, f, s->target, v, path);
        /* fall through */
    case F_LONG:
    case F_ULONG:
    case F_INT: {
        double d = 0;
        long long i = 0;
        char range[160];
        int st = parse_number(cx, f, v, path, &d, &i);
        if (st)
            return st;
        quoted(shown, sizeof shown, v->text, v->len);
        if (!bloc_param_in_range(&f->spec, d, range, sizeof range))
            return fail(cx, v->mark, path, "%s, got %s", range, shown);
        if ((f->check & CHECK_POW2) && (i & (i - 1)) != 0)
            return fail(cx, v->mark, path, "must be a power of two, got %s", shown);
        store_number(f, s->target, d, i);
        return BLOC_OK;
    }
    default:
        return bloc_error_set(cx->err, BLOC_ERR_INTERNAL, "config: bad field kind %d", (int)f->kind);
    }
}

/* ------------------------------------------------------------------------ */
/* The document walk                                                        */

static void describe(char *buf, size_t size, const yaml_node_t *node)
{
    if (node->type == YAML_MAPPING_NODE)
        snprintf(buf, size, "a mapping");
    else if (node->type == YAML_SEQUENCE_NODE)
        snprintf(buf, size, "a sequence");
    else {
        scalar_t v = {(const char *)node->data.scalar.value, node->data.scalar.length,
                      node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, node->start_mark};
        if (is_null(&v))
            snprintf(buf, size, "null");
        else
            quoted(buf, size, v.text, v.len);
    }
}

static scalar_t node_scalar(const yaml_node_t *node)
{
    scalar_t v = {(const char *)node->data.scalar.value, node->data.scalar.length,
                  node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, node->start_mark};
    return v;
}

/* Sets the key at slot s from a YAML node: a scalar, or a mapping for sections. */
/* Index of the pair of mapping `map` whose key is the scalar `key`; the
 * pair count when there is none. */
static size_t find_key(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t npairs = (size_t)(map->data.mapping.pairs.top - pairs);
    for (size_t i = 0; i < npairs; i++) {
        yaml_node_t *k = yaml_document_get_node(doc, pairs[i].key);
        if (k && k->type == YAML_SCALAR_NODE &&
            text_is((const char *)k->data.scalar.value, k->data.scalar.length, key))
            return i;
    }
    return npairs;
}

static int walk_mapping(const ctx_t *cx, bloc_config_t *cfg, yaml_document_t *doc, yaml_node_t *map,
                        const field_t *sec, const char *path);

static int set_node(const ctx_t *cx, bloc_config_t *cfg, yaml_document_t *doc, const field_t *sec,
                    const slot_t *s, yaml_node_t *value, const char *path)
{
    char got[4 * SHOW_VALUE + 8];
    if (is_section(s->f.kind))
        return walk_mapping(cx, cfg, doc, value, &s->f, path);
    if (value->type != YAML_SCALAR_NODE) {
        describe(got, sizeof got, value);
        return fail(cx, value->start_mark, path, "expected %s, got %s", expected(&s->f, sec), got);
    }
    scalar_t v = node_scalar(value);
    return set_scalar(cx, cfg, sec, s, &v, path);
}

static void join_path(char *buf, size_t size, const char *path, const char *key)
{
    snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
}

/* Walks a mapping against sec (NULL: the top level): rejects non-scalar,
 * duplicate and unknown keys, sets every value, then checks required keys. */
static int walk_mapping(const ctx_t *cx, bloc_config_t *cfg, yaml_document_t *doc, yaml_node_t *map,
                        const field_t *sec, const char *path)
{
    char got[4 * SHOW_VALUE + 8], shown[4 * SHOW_VALUE + 8], sub[256];
    unsigned char seen[BLOC_MAX_PARAMS] = {0};
    int st;

    if (map->type != YAML_MAPPING_NODE) {
        describe(got, sizeof got, map);
        return fail(cx, map->start_mark, path, "expected a mapping%s, got %s", sec ? "" : " at the top level",
                    got);
    }
    yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t npairs = (size_t)(map->data.mapping.pairs.top - pairs);
    int named = sec && (sec->kind == F_PROBLEM || sec->kind == F_SOLVER);

    /* the name selects the parameter table: handle it first, wherever it is */
    size_t name_pair = named ? find_key(doc, map, "name") : npairs;
    if (named) {
        if (name_pair == npairs)
            return fail(cx, map->start_mark, path, "missing required key 'name'");
        slot_t s = {.f = name_field, .index = -1};
        yaml_node_t *v = yaml_document_get_node(doc, pairs[name_pair].value);
        if (!v)
            return bloc_error_set(cx->err, BLOC_ERR_INTERNAL, "config: dangling YAML node");
        if ((st = set_node(cx, cfg, doc, sec, &s, v, path)))
            return st;
    }

    for (size_t i = 0; i < npairs; i++) {
        yaml_node_t *k = yaml_document_get_node(doc, pairs[i].key);
        yaml_node_t *v = yaml_document_get_node(doc, pairs[i].value);
        if (!k || !v)
            return bloc_error_set(cx->err, BLOC_ERR_INTERNAL, "config: dangling YAML node");
        if (k->type != YAML_SCALAR_NODE) {
            describe(got, sizeof got, k);
            return fail(cx, k->start_mark, path, "keys must be scalars, got %s", got);
        }
        scalar_t key = node_scalar(k);
        /* every earlier key passed lookup, so this loop stays short */
        for (size_t j = 0; j < i; j++) {
            yaml_node_t *kj = yaml_document_get_node(doc, pairs[j].key);
            if (kj && kj->type == YAML_SCALAR_NODE && kj->data.scalar.length == key.len &&
                memcmp(kj->data.scalar.value, key.text, key.len) == 0)
                return fail(cx, key.mark, path, "duplicate key %s (first given at line %lu)",
                            quoted(shown, sizeof shown, key.text, key.len),
                            (unsigned long)kj->start_mark.line + 1);
        }
        if (i == name_pair)
            continue;
        slot_t s;
        if ((st = lookup(cx, cfg, sec, &key, path, &s)))
            return st;
        join_path(sub, sizeof sub, path, s.f.name);
        if ((st = set_node(cx, cfg, doc, sec, &s, v, sub)))
            return st;
        if (s.index >= 0 && s.index < BLOC_MAX_PARAMS)
            seen[s.index] = 1;
    }

    /* required keys, in table order */
    if (named) {
        named_t ns = named_section(cfg, sec->kind);
        for (int i = 0; i < ns.nparams; i++)
            if ((ns.params[i].flags & BLOC_PARAM_REQUIRED) && !seen[i])
                return fail(cx, map->start_mark, path, "missing required key '%s'", ns.params[i].name);
    } else {
        const field_t *table = sec ? sec->sub : top_fields;
        int n = sec ? sec->nsub : NTOP;
        for (int i = 0; i < n && i < BLOC_MAX_PARAMS; i++)
            if ((table[i].spec.flags & BLOC_PARAM_REQUIRED) && !seen[i])
                return fail(cx, map->start_mark, path, "missing required key '%s'", table[i].name);
    }
    return BLOC_OK;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

static void node_props(const yaml_event_t *ev, const yaml_char_t **anchor, const yaml_char_t **tag)
{
    *anchor = *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        *anchor = ev->data.scalar.anchor;
        *tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        *anchor = ev->data.sequence_start.anchor;
        *tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        *anchor = ev->data.mapping_start.anchor;
        *tag = ev->data.mapping_start.tag;
    }
}

static void parser_open(yaml_parser_t *parser, const ctx_t *cx)
{
    yaml_parser_set_input_string(parser, cx->src, cx->srclen);
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING);
}

/* Event pass: syntax errors, anchors/aliases, tags, more than one document. */
static int check_events(const ctx_t *cx)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return bloc_error_set(cx->err, BLOC_ERR_NOMEM, "%s: out of memory", cx->file);
    parser_open(&parser, cx);
    int st = BLOC_OK, docs = 0, done = 0;
    while (!st && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parser_fail(cx, &parser);
            break;
        }
        const yaml_char_t *anchor, *tag;
        node_props(&ev, &anchor, &tag);
        if (ev.type == YAML_STREAM_END_EVENT)
            done = 1;
        else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            st = fail(cx, ev.start_mark, "", "expected a single YAML document, found another one");
        else if (ev.type == YAML_ALIAS_EVENT || anchor)
            st = fail(cx, ev.start_mark, "", "anchors and aliases are not supported");
        else if (tag)
            st = fail(cx, ev.start_mark, "", "tags are not supported");
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return st;
}

static int load_document(const ctx_t *cx, bloc_config_t *cfg)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return bloc_error_set(cx->err, BLOC_ERR_NOMEM, "%s: out of memory", cx->file);
    parser_open(&parser, cx);
    int st;
    if (!yaml_parser_load(&parser, &doc)) { /* the loader frees doc on failure */
        st = parser_fail(cx, &parser);
        yaml_parser_delete(&parser);
        return st;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        yaml_mark_t start = {0, 0, 0};
        st = fail(cx, start, "", "empty config (expected a mapping with problem, solver and iterations)");
    } else
        st = walk_mapping(cx, cfg, &doc, root, NULL, "");
    /* across keys: checkpoints are taken at log points (bloc_run checks
     * again after --set overrides, without a position) */
    if (!st && cfg->checkpoint_every % cfg->log_every != 0) {
        yaml_node_pair_t *pairs = root->data.mapping.pairs.start;
        size_t at = find_key(&doc, root, "checkpoint_every");
        yaml_node_t *v = pairs + at < root->data.mapping.pairs.top ? yaml_document_get_node(&doc, pairs[at].value)
                                                                    : NULL;
        st = fail(cx, v ? v->start_mark : root->start_mark, "checkpoint_every",
                  "%ld is not a multiple of log_every = %ld (checkpoints are taken at log points)",
                  cfg->checkpoint_every, cfg->log_every);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return st;
}

/* Defaults from the tables; output is "results/<config file stem>". */
static void set_defaults(bloc_config_t *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    for (int i = 0; i < NTOP; i++) {
        const field_t *f = &top_fields[i];
        const field_t *fs = f->kind == F_SECTION ? f->sub : f;
        int n = f->kind == F_SECTION ? f->nsub : 1;
        for (int k = 0; k < n; k++)
            store_number(&fs[k], (char *)cfg + fs[k].offset, fs[k].spec.def, (long long)fs[k].spec.def);
    }
    cfg->precision = BLOC_FP32;
    cfg->device[0] = '\0';
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(cfg->output, sizeof cfg->output, "results/%.*s", (int)(stem < 1000 ? stem : 1000), base);
}

/* Reads the whole file (at most CONFIG_MAX_BYTES + 1 bytes). */
static int read_file(const char *path, unsigned char **data, size_t *len, bloc_error_t *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 0, n = 0;
    unsigned char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 4096;
            if (ncap > CONFIG_MAX_BYTES + 1)
                ncap = CONFIG_MAX_BYTES + 1;
            unsigned char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n > CONFIG_MAX_BYTES)
            break;
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return bloc_error_set(err, BLOC_ERR_IO, "cannot read %s: %s", path, strerror(saved));
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return BLOC_OK;
}

/* Parses len bytes of config text named path; data need not be
 * NUL-terminated. */
static int parse(bloc_config_t *cfg, const char *path, const unsigned char *data, size_t len, bloc_error_t *err)
{
    set_defaults(cfg, path);
    size_t bom = len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
    ctx_t cx = {.file = path, .src = data + bom, .srclen = len - bom, .err = err};
    if (len > CONFIG_MAX_BYTES) {
        yaml_mark_t start = {0, 0, 0};
        return fail(&cx, start, "", "file too large for a config (over %zu bytes)", CONFIG_MAX_BYTES);
    }
    int st = check_events(&cx);
    if (!st)
        st = load_document(&cx, cfg);
    return st;
}

int bloc_config_load(bloc_config_t *cfg, const char *path, bloc_error_t *err)
{
    if (!cfg || !path)
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "bloc_config_load: NULL argument");
    if (err) {
        err->status = BLOC_OK;
        err->message[0] = '\0';
    }
    set_defaults(cfg, path);
    unsigned char *data;
    size_t len;
    int st = read_file(path, &data, &len, err);
    if (st)
        return st;
    st = parse(cfg, path, data, len, err);
    free(data);
    return st;
}

int bloc_config_parse(bloc_config_t *cfg, const char *name, const unsigned char *data, size_t len,
                      bloc_error_t *err)
{
    if (!cfg || !name || (!data && len))
        return bloc_error_set(err, BLOC_ERR_INTERNAL, "bloc_config_parse: NULL argument");
    if (err) {
        err->status = BLOC_OK;
        err->message[0] = '\0';
    }
    return parse(cfg, name, data ? data : (const unsigned char *)"", len, err);
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */

int bloc_config_set(bloc_config_t *cfg, const char *assignment, bloc_error_t *err)
{
    ctx_t cx = {.assignment = assignment ? assignment : "(null)", .err = err};
    yaml_mark_t nomark = {0, 0, 0};
    if (err) {
        err->status = BLOC_OK;
        err->message[0] = '\0';
    }
    const char *eq = assignment ? strchr(assignment, '=') : NULL;
    if (!cfg || !eq || eq == assignment)
        return fail(&cx, nomark, "", "expected key.path=value");

    /* the value is taken as a plain YAML scalar */
    scalar_t value = {eq + 1, strlen(eq + 1), 1, nomark};

    /* first component: a top-level key */
    const char *dot = memchr(assignment, '.', (size_t)(eq - assignment));
    const char *key_end = dot ? dot : eq;
    scalar_t key = {assignment, (size_t)(key_end - assignment), 1, nomark};
    char keybuf[256], shown[4 * SHOW_VALUE + 8];
    if (key.len >= sizeof keybuf)
        return fail(&cx, nomark, "", "unknown key %s", quoted(shown, sizeof shown, key.text, key.len));
    memcpy(keybuf, key.text, key.len);
    keybuf[key.len] = '\0';
    key.text = keybuf;
    slot_t top;
    int st = lookup(&cx, cfg, NULL, &key, "", &top);
    if (st)
        return st;
    if (!is_section(top.f.kind)) {
        if (dot)
            return fail(&cx, nomark, "", "'%s' has no sub-keys", top.f.name);
        return set_scalar(&cx, cfg, NULL, &top, &value, top.f.name);
    }
    if (!dot)
        return fail(&cx, nomark, "", "'%s' is a mapping: set one of its keys, e.g. %s.KEY=VALUE",
                    top.f.name, top.f.name);

    /* second component: the rest of the path, a key of that section */
    scalar_t subkey = {dot + 1, (size_t)(eq - dot - 1), 1, nomark};
    if (subkey.len >= sizeof keybuf)
        return fail(&cx, nomark, "", "unknown key %s", quoted(shown, sizeof shown, subkey.text, subkey.len));
    memcpy(keybuf, subkey.text, subkey.len);
    keybuf[subkey.len] = '\0';
    subkey.text = keybuf;
    slot_t s;
    if ((st = lookup(&cx, cfg, &top.f, &subkey, top.f.name, &s)))
        return st;
    if (s.f.kind == F_NAME)
        return fail(&cx, nomark, "", "%s.name cannot be overridden (choose the %s in the config file)",
                    top.f.name, top.f.name);
    return set_scalar(&cx, cfg, &top.f, &s, &value, "");
}

const char *bloc_precision_name(bloc_precision_t p)
{
    switch (p) {
    case BLOC_FP32: return "fp32";
    case BLOC_FP64: return "fp64";
    default: return "unknown";
    }
}
