#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "solver.h"

#define MAGIC_LINE "BLOC-CHECKPOINT 1\n"
#define SUM_LEN 64 /* trailer: SHA-256 of the rest, in hex */
#define MAX_FILE_BYTES ((size_t)1 << 36) /* 64 GiB: anything larger is damaged */

/* ------------------------------------------------------------------------ */
/* Hashes                                                                   */

static void hash_printf(bloc_sha256_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hash_printf(bloc_sha256_t *h, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    bloc_sha256_update(h, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void hash_params(bloc_sha256_t *h, const char *what, const char *name, const bloc_param_spec_t *spec, int n,
                        const double *v)
{
    hash_printf(h, "%s %s\n", what, name);
    for (int i = 0; i < n; i++)
        hash_printf(h, "  %s %a\n", spec[i].name, v[i]);
}

void bloc_checkpoint_config_hash(const bloc_config_t *cfg, char out[65])
{
    bloc_sha256_t h;
    bloc_sha256_init(&h);
    hash_printf(&h, "bloc config v1\n");
    hash_params(&h, "problem", cfg->problem->name, cfg->problem->params, cfg->problem->nparams, cfg->problem_params);
    hash_params(&h, "solver", cfg->solver->name, cfg->solver->params, cfg->solver->nparams, cfg->solver_params);
    hash_printf(&h, "precision %s\niterations %ld\nlog_every %ld\nseed %lu\nreduction %d %d\ndivergence %a\n",
                bloc_precision_name(cfg->precision), cfg->iterations, cfg->log_every, cfg->seed, cfg->reduce_groups,
                cfg->local_size, cfg->divergence_blowup);
    bloc_sha256_hex(&h, out);
}

void bloc_checkpoint_build_hash(const bloc_runtime_t *rt, char out[65])
{
    bloc_sha256_t h;
    bloc_sha256_init(&h);
    hash_printf(&h, "bloc build v1\nversion %s\nsources %s\noptions %s\n", BLOC_VERSION, rt->source_hash,
                rt->build_options);
    hash_printf(&h, "platform %s | %s\n", rt->dev.platform_name, rt->dev.platform_version);
    hash_printf(&h, "device %s | %s\ndriver %s\n", rt->dev.device_name, rt->dev.device_version,
                rt->dev.driver_version);
    bloc_sha256_hex(&h, out);
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

/* A file being written with a running SHA-256 of its bytes. */
typedef struct {
    FILE *f;
    bloc_sha256_t h;
    int ok;
} out_t;

static void put(out_t *o, const void *p, size_t n)
{
    if (o->ok && fwrite(p, 1, n, o->f) != n)
        o->ok = 0;
    bloc_sha256_update(&o->h, p, n);
}

static void put_line(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_line(out_t *o, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        o->ok = 0;
    else
        put(o, buf, (size_t)n);
}

static int has_newline(const char *s) { return strchr(s, '\n') != NULL || strchr(s, '\r') != NULL; }

static void put_header(out_t *o, const bloc_checkpoint_t *c, const bloc_graph_t *g)
{
    put(o, MAGIC_LINE, strlen(MAGIC_LINE));
    put_line(o, "bloc_version %s\n", BLOC_VERSION);
    put_line(o, "config_hash %s\nbuild_hash %s\n", c->config_hash, c->build_hash);
    put_line(o, "config_path %s\ndevice %s\n", c->config_path, c->device);
    for (int i = 0; i < c->nsets; i++)
        put_line(o, "set %s\n", c->sets[i]);
    put_line(o, "iteration %ld\nwall %a\ntrajectory_bytes %ld\nf_start %a\n", c->iteration, c->wall,
             c->trajectory_bytes, c->f_start);
    put_line(o, "values %d", c->nvalues);
    for (int i = 0; i < c->nvalues; i++)
        put_line(o, " %a", c->values[i]);
    put_line(o, "\nprecision %s\n", bloc_precision_name(g->rt->precision));
    for (int i = 0; i < g->nvecs; i++)
        put_line(o, "vec %s %zu\n", g->vecs[i].name, g->vecs[i].n);
    put_line(o, "end\n");
}

/* Appends every vector's elements in the run's precision. */
static int put_vectors(out_t *o, bloc_graph_t *g, bloc_error_t *err)
{
    size_t most = 1;
    for (int i = 0; i < g->nvecs; i++)
        if (g->vecs[i].n > most)
            most = g->vecs[i].n;
    double *buf = malloc(most * sizeof *buf);
    float *fbuf = g->rt->precision == BLOC_FP32 ? malloc(most * sizeof *fbuf) : NULL;
    if (!buf || (g->rt->precision == BLOC_FP32 && !fbuf)) {
        free(buf);
        free(fbuf);
        return bloc_error_set(err, BLOC_ERR_NOMEM, "checkpoint: out of memory");
    }
    int st = BLOC_OK;
    for (int i = 0; i < g->nvecs && !st; i++) {
        size_t n = g->vecs[i].n;
        if ((st = bloc_graph_read(g, i, buf, err)))
            break;
        if (fbuf) {
            for (size_t j = 0; j < n; j++)
                fbuf[j] = (float)buf[j]; /* exact: the values came from floats */
            put(o, fbuf, n * sizeof *fbuf);
        } else {
            put(o, buf, n * sizeof *buf);
        }
    }
    free(buf);
    free(fbuf);
    return st;
}

/* fsync of a directory, so a rename inside it is durable. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int bloc_checkpoint_write(const char *dir, const bloc_checkpoint_t *c, bloc_graph_t *g, bloc_error_t *err)
{
    if (has_newline(c->config_path) || has_newline(c->device))
        return bloc_error_set(err, BLOC_ERR_IO, "checkpoint: config path or device name contains a line break");
    for (int i = 0; i < c->nsets; i++)
        if (has_newline(c->sets[i]))
            return bloc_error_set(err, BLOC_ERR_IO, "checkpoint: --set %s contains a line break", c->sets[i]);
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    out_t o = {.f = fopen(tmp, "wb"), .ok = 1};
    if (!o.f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    bloc_sha256_init(&o.h);
    put_header(&o, c, g);
    int st = put_vectors(&o, g, err);
    if (!st) {
        char hex[65];
        bloc_sha256_hex(&o.h, hex);
        if (o.ok && fwrite(hex, 1, 64, o.f) != 64)
            o.ok = 0;
    }
    int saved = errno;
    int ok = o.ok && fflush(o.f) == 0 && fsync(fileno(o.f)) == 0;
    if (!ok)
        saved = errno;
    ok = fclose(o.f) == 0 && ok;
    if (!st && (!ok || rename(tmp, path) != 0)) {
        if (ok)
            saved = errno;
        st = bloc_error_set(err, BLOC_ERR_IO, "%s: write failed: %s", path, strerror(saved));
    }
    if (st) {
        unlink(tmp);
        return st;
    }
    sync_dir(dir);
    return BLOC_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

static int damaged(bloc_error_t *err, const char *path, const char *what, int line)
{
    if (line > 0)
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: damaged checkpoint: header line %d: %s", path, line, what);
    return bloc_error_set(err, BLOC_ERR_DATA, "%s: damaged checkpoint: %s", path, what);
}

static int slurp(const char *path, unsigned char **buf, size_t *size, bloc_error_t *err)
{
    *buf = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0 || (unsigned long)len > MAX_FILE_BYTES) {
        fclose(f);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: cannot read its size", path);
    }
    unsigned char *b = malloc((size_t)len + 1);
    if (!b) {
        fclose(f);
        return bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = fread(b, 1, (size_t)len, f);
    fclose(f);
    if (got != (size_t)len) {
        free(b);
        return bloc_error_set(err, BLOC_ERR_IO, "%s: read error", path);
    }
    b[len] = '\0';
    *buf = b;
    *size = (size_t)len;
    return BLOC_OK;
}

static int parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

static int parse_double(const char *s, double *v, const char **rest)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s)
        return 0;
    if (rest)
        *rest = end;
    else if (*end)
        return 0;
    return 1;
}

static void copy_str(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src); }

/* One "key value" line (NUL-terminated, no newline) into c; 0 if bad. */
static int header_line(bloc_checkpoint_t *c, char *line)
{
    char *sp = strchr(line, ' ');
    if (!sp)
        return 0;
    *sp = '\0';
    const char *key = line, *val = sp + 1;
    long l;
    if (!strcmp(key, "bloc_version"))
        return 1;
    if (!strcmp(key, "config_hash"))
        return strlen(val) == 64 && (copy_str(c->config_hash, sizeof c->config_hash, val), 1);
    if (!strcmp(key, "build_hash"))
        return strlen(val) == 64 && (copy_str(c->build_hash, sizeof c->build_hash, val), 1);
    if (!strcmp(key, "config_path"))
        return copy_str(c->config_path, sizeof c->config_path, val), 1;
    if (!strcmp(key, "device"))
        return copy_str(c->device, sizeof c->device, val), 1;
    if (!strcmp(key, "set")) {
        if (c->nsets == BLOC_CKPT_MAX_SETS)
            return 0;
        copy_str(c->sets[c->nsets++], BLOC_CKPT_SET_LEN, val);
        return 1;
    }
    if (!strcmp(key, "iteration"))
        return parse_long(val, &c->iteration) && c->iteration >= 0;
    if (!strcmp(key, "trajectory_bytes"))
        return parse_long(val, &c->trajectory_bytes) && c->trajectory_bytes >= 0;
    if (!strcmp(key, "wall"))
        return parse_double(val, &c->wall, NULL);
    if (!strcmp(key, "f_start"))
        return parse_double(val, &c->f_start, NULL);
    if (!strcmp(key, "precision")) {
        c->precision = !strcmp(val, "fp64") ? BLOC_FP64 : !strcmp(val, "fp32") ? BLOC_FP32 : -1;
        return c->precision >= 0;
    }
    if (!strcmp(key, "values")) {
        char *end;
        l = strtol(val, &end, 10);
        if (end == val || l < 0 || l > 2 + BLOC_MAX_METRICS)
            return 0;
        c->nvalues = (int)l;
        const char *p = end;
        for (int i = 0; i < c->nvalues; i++)
            if (!parse_double(p, &c->values[i], &p))
                return 0;
        return *p == '\0';
    }
    if (!strcmp(key, "vec")) {
        const char *sp2 = strchr(val, ' ');
        if (!sp2 || c->nvecs == BLOC_MAX_VECS || (size_t)(sp2 - val) >= BLOC_NAME_LEN || sp2 == val)
            return 0;
        if (!parse_long(sp2 + 1, &l) || l < 0)
            return 0;
        memcpy(c->vec_names[c->nvecs], val, (size_t)(sp2 - val));
        c->vec_names[c->nvecs][sp2 - val] = '\0';
        c->vec_n[c->nvecs++] = (size_t)l;
        return 1;
    }
    return 0;
}

int bloc_checkpoint_load(const char *dir, bloc_checkpoint_t *c, bloc_error_t *err)
{
    memset(c, 0, sizeof *c);
    c->precision = -1;
    char path[1200];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    unsigned char *buf;
    size_t size;
    int st = slurp(path, &buf, &size, err);
    if (st)
        return st;
    size_t ml = strlen(MAGIC_LINE);
    if (size < ml || memcmp(buf, MAGIC_LINE, ml) != 0) {
        free(buf);
        return bloc_error_set(err, BLOC_ERR_DATA, "%s: not a bloc checkpoint (no '%.17s' line)", path, MAGIC_LINE);
    }
    if (size < ml + SUM_LEN) {
        free(buf);
        return damaged(err, path, "too short", 0);
    }
    bloc_sha256_t h;
    char hex[65];
    bloc_sha256_init(&h);
    bloc_sha256_update(&h, buf, size - SUM_LEN);
    bloc_sha256_hex(&h, hex);
    if (memcmp(hex, buf + size - SUM_LEN, SUM_LEN) != 0) {
        free(buf);
        return damaged(err, path, "checksum mismatch (truncated or modified file)", 0);
    }
    /* header lines up to "end" */
    size_t pos = ml;
    int line_no = 1, ended = 0;
    while (!ended && !st) {
        line_no++;
        unsigned char *nl = memchr(buf + pos, '\n', size - SUM_LEN - pos);
        if (!nl) {
            st = damaged(err, path, "header without an 'end' line", 0);
            break;
        }
        *nl = '\0';
        char *line = (char *)buf + pos;
        pos = (size_t)(nl - buf) + 1;
        if (!strcmp(line, "end"))
            ended = 1;
        else if (!header_line(c, line))
            st = damaged(err, path, "unreadable", line_no);
    }
    size_t rs = c->precision == BLOC_FP64 ? sizeof(double) : sizeof(float), need = 0;
    for (int i = 0; !st && i < c->nvecs; i++) {
        if (c->vec_n[i] > MAX_FILE_BYTES / rs)
            st = damaged(err, path, "vector size out of range", 0);
        else
            need += c->vec_n[i] * rs;
    }
    if (!st && (c->precision < 0 || c->config_hash[0] == '\0' || c->build_hash[0] == '\0' || c->nvalues < 2))
        st = damaged(err, path, "header misses precision, hashes or values", 0);
    if (!st && need != size - SUM_LEN - pos)
        st = damaged(err, path, "data size does not match the header", 0);
    if (!st) {
        c->data = malloc(need ? need : 1);
        if (!c->data)
            st = bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory", path);
        else {
            memcpy(c->data, buf + pos, need);
            c->data_bytes = need;
        }
    }
    free(buf);
    return st;
}

int bloc_checkpoint_restore(const bloc_checkpoint_t *c, bloc_graph_t *g, bloc_error_t *err)
{
    if (c->precision != (int)g->rt->precision)
        return bloc_error_set(err, BLOC_ERR_DATA, "checkpoint holds %s vectors, the run is %s",
                              bloc_precision_name((bloc_precision_t)c->precision),
                              bloc_precision_name(g->rt->precision));
    if (c->nvecs != g->nvecs)
        return bloc_error_set(err, BLOC_ERR_DATA, "checkpoint holds %d vectors, the run's graph has %d", c->nvecs,
                              g->nvecs);
    size_t most = 1;
    for (int i = 0; i < g->nvecs; i++) {
        if (strcmp(c->vec_names[i], g->vecs[i].name) != 0 || c->vec_n[i] != g->vecs[i].n)
            return bloc_error_set(err, BLOC_ERR_DATA, "checkpoint vector %d is '%s' (%zu), the graph's is '%s' (%zu)",
                                  i, c->vec_names[i], c->vec_n[i], g->vecs[i].name, g->vecs[i].n);
        if (c->vec_n[i] > most)
            most = c->vec_n[i];
    }
    double *buf = malloc(most * sizeof *buf);
    if (!buf)
        return bloc_error_set(err, BLOC_ERR_NOMEM, "checkpoint: out of memory");
    const unsigned char *p = c->data;
    int st = BLOC_OK;
    for (int i = 0; i < g->nvecs && !st; i++) {
        size_t n = c->vec_n[i];
        if (c->precision == BLOC_FP64) {
            memcpy(buf, p, n * sizeof(double));
            p += n * sizeof(double);
        } else {
            for (size_t j = 0; j < n; j++, p += sizeof(float)) {
                float v;
                memcpy(&v, p, sizeof v);
                buf[j] = v;
            }
        }
        st = bloc_graph_write(g, i, buf, err);
    }
    free(buf);
    return st;
}

void bloc_checkpoint_free(bloc_checkpoint_t *c)
{
    free(c->data);
    c->data = NULL;
    c->data_bytes = 0;
}

void bloc_checkpoint_remove_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    const char *prefix = "checkpoint.bin.tmp.";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}
