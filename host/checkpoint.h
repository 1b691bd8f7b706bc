/* Checkpoints of a run: DIR/checkpoint.bin holds the full solver state
 * (every vector of the graph, in the run's precision), the iteration, the
 * guard state, what is needed to reload the config (path, device, --set
 * overrides) and two hashes: of the config (every key that changes the
 * trajectory) and of the build (bloc version, kernel sources, build options,
 * platform, device and driver). A resume with another config or on another
 * device or build is refused, so a resumed run continues bit for bit.
 *
 * File layout: a text header of "key value" lines between
 * "BLOC-CHECKPOINT 1" and "end" (numbers in C99 hex floats, exact), then
 * the vectors' elements (float or double, host byte order) in header
 * order, then the SHA-256 of everything before it (64 hex digits).
 * Written to a temporary file, fsync'd, renamed over the previous
 * checkpoint, directory fsync'd: a kill at any point leaves the previous
 * checkpoint or the new one, never a mix. */
#ifndef BLOC_CHECKPOINT_H
#define BLOC_CHECKPOINT_H

#include "config.h"
#include "graph.h"
#include "problem.h"

#define BLOC_CKPT_MAX_SETS 64
#define BLOC_CKPT_SET_LEN 256

typedef struct {
    char config_hash[65];
    char build_hash[65];
    char config_path[4096];      /* absolute */
    char device[256];            /* cfg->device of the run (after --device) */
    int nsets;
    char sets[BLOC_CKPT_MAX_SETS][BLOC_CKPT_SET_LEN];  /* --set overrides in order */
    long iteration;              /* iterations done */
    double wall;                 /* loop wall seconds so far */
    long trajectory_bytes;       /* length of trajectory.csv holding the rows up to iteration */
    double f_start;              /* F at iteration 0: the blow-up reference */
    int nvalues;
    double values[2 + BLOC_MAX_METRICS];  /* F, f, metrics at iteration */
    /* filled by bloc_checkpoint_load */
    int precision;               /* BLOC_FP32 | BLOC_FP64 of the stored elements */
    int nvecs;
    char vec_names[BLOC_MAX_VECS][BLOC_NAME_LEN];
    size_t vec_n[BLOC_MAX_VECS];
    unsigned char *data;         /* the elements, malloc'd */
    size_t data_bytes;
} bloc_checkpoint_t;

/* SHA-256 (hex) over the config keys that shape the trajectory: problem
 * and solver with their parameters, precision, iterations, log_every, seed,
 * reduction and divergence. Not: output, device spec (the build hash names
 * the device), compare tolerances, checkpoint_every. */
void bloc_checkpoint_config_hash(const bloc_config_t *cfg, char out[65]);

/* SHA-256 (hex) over bloc's version, the program's source hash and build
 * options, and the platform, device and driver names and versions. */
void bloc_checkpoint_build_hash(const bloc_runtime_t *rt, char out[65]);

/* Writes DIR/checkpoint.bin atomically from c's metadata and the current
 * contents of every vector of g (blocking reads). */
int bloc_checkpoint_write(const char *dir, const bloc_checkpoint_t *c, bloc_graph_t *g, bloc_error_t *err);

/* Reads and verifies DIR/checkpoint.bin (magic, checksum, header) into c
 * (release with bloc_checkpoint_free). BLOC_ERR_IO when it cannot be read,
 * BLOC_ERR_DATA when it is damaged. */
int bloc_checkpoint_load(const char *dir, bloc_checkpoint_t *c, bloc_error_t *err);

/* Writes the stored vectors into g's (same names, sizes and precision). */
int bloc_checkpoint_restore(const bloc_checkpoint_t *c, bloc_graph_t *g, bloc_error_t *err);

void bloc_checkpoint_free(bloc_checkpoint_t *c);

/* Removes DIR/checkpoint.bin.tmp.* left by a process killed while writing. */
void bloc_checkpoint_remove_temps(const char *dir);

#endif
