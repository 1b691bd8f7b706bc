/* Run configuration: loaded from YAML (libyaml document API) and amended by
 * `--set key.path=value` overrides through the same table-driven setter.
 * Errors read `file:line:col: message`, followed by the source line and a
 * caret under the column; their status is BLOC_ERR_CONFIG (exit code 2).
 *
 * Schema (docs/user-guide.md):
 *   problem:   { name: <registered problem>, <its parameters>... }   required
 *   solver:    { name: <registered solver>,  <its parameters>... }   required
 *   device:    string  ("" = default device: first GPU, else CPU)    optional
 *   precision: fp32 | fp64                                  default fp32
 *   iterations: integer >= 1                                required
 *   log_every:  integer >= 1                                default 100
 *   seed:       integer >= 0                                default 0
 *   output:     string (directory)                          default "results/<config stem>"
 *   reduction:  { groups: 1..1024, local_size: 1..1024 (power of two) }
 *                                                           default 32, 64
 *   compare:    { tol_fp32: > 0, tol_fp64: > 0 }            default 1e-3, 1e-9
 *   checkpoint_every: integer >= 0, a multiple of log_every (0 = none)  default 0
 *   divergence: { blowup: >= 0 (0 = off) }                 default 1e6
 */
#ifndef BLOC_CONFIG_H
#define BLOC_CONFIG_H

#include "error.h"
#include "param.h"

struct bloc_problem_desc;
struct bloc_solver_desc;

typedef enum { BLOC_FP32 = 0, BLOC_FP64 = 1 } bloc_precision_t;

typedef struct {
    char path[1024];                 /* config file as given */
    const struct bloc_problem_desc *problem;
    double problem_params[BLOC_MAX_PARAMS];   /* in the problem's table order */
    const struct bloc_solver_desc *solver;
    double solver_params[BLOC_MAX_PARAMS];    /* in the solver's table order */
    char device[256];
    bloc_precision_t precision;
    long iterations;
    long log_every;
    unsigned long seed;
    char output[1024];
    int reduce_groups;
    int local_size;
    double compare_tol_fp32;  /* bloc compare: agreement tolerance for pairs involving fp32 */
    double compare_tol_fp64;  /* ... and for fp64 pairs */
    long checkpoint_every;    /* write DIR/checkpoint.bin every this many iterations (0: never) */
    double divergence_blowup; /* stop when |F| > blowup max(|F_0|, 1) at a log point (0: never) */
} bloc_config_t;

/* Loads and validates a config file. On failure err->status is
 * BLOC_ERR_CONFIG (or BLOC_ERR_IO when the file cannot be read). */
int bloc_config_load(bloc_config_t *cfg, const char *path, bloc_error_t *err);

/* Same as bloc_config_load on len bytes already in memory (need not be
 * NUL-terminated); name stands for the file in messages and in cfg->path
 * (the default output directory derives from it). */
int bloc_config_parse(bloc_config_t *cfg, const char *name, const unsigned char *data, size_t len,
                      bloc_error_t *err);

/* Applies one override "key.path=value" (e.g. "solver.alpha=0.2",
 * "iterations=500", "problem.n=100") with the same type and range checks as
 * the file. Errors read `--set key.path=value: message`. */
int bloc_config_set(bloc_config_t *cfg, const char *assignment, bloc_error_t *err);

const char *bloc_precision_name(bloc_precision_t p);

#endif
