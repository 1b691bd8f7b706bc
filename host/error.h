/* Status codes and the error struct every bloc call fills (libyaml style:
 * functions return a status, the details go into a caller-owned struct). */
#ifndef BLOC_ERROR_H
#define BLOC_ERROR_H

#include <stddef.h>

typedef enum {
    BLOC_OK = 0,
    BLOC_ERR_USAGE,    /* bad command line */
    BLOC_ERR_CONFIG,   /* bad config file or --set override */
    BLOC_ERR_PARAM,    /* problem/solver parameters inconsistent */
    BLOC_ERR_DEVICE,   /* no such device, missing capability (fp64) */
    BLOC_ERR_CL,       /* an OpenCL call failed */
    BLOC_ERR_BUILD,    /* kernel program build failed (log in message) */
    BLOC_ERR_IO,       /* file system */
    BLOC_ERR_DATA,     /* malformed data file */
    BLOC_ERR_NOMEM,
    BLOC_ERR_DIVERGED, /* NaN/Inf in the objective: exit code 3 */
    BLOC_ERR_INTERNAL
} bloc_status_t;

typedef struct {
    bloc_status_t status;
    char message[8192];
} bloc_error_t;

/* Sets err (if non-NULL) and returns status, so callers can write
 * `return bloc_error_set(err, BLOC_ERR_IO, "cannot open %s", path);`. */
int bloc_error_set(bloc_error_t *err, bloc_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Process exit code for a status: 2 for usage/config/parameter errors, 3 for a
 * diverged run, 1 otherwise. */
int bloc_exit_code(bloc_status_t status);

/* Name of an OpenCL error code, e.g. "CL_OUT_OF_RESOURCES". */
const char *bloc_cl_error_name(int code);

/* Sets a BLOC_ERR_CL error naming the call and the code; returns BLOC_ERR_CL. */
int bloc_cl_fail(bloc_error_t *err, const char *call, int code);

#endif
