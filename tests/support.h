/* Helpers shared by the Criterion suites. */
#ifndef BLOC_TEST_SUPPORT_H
#define BLOC_TEST_SUPPORT_H

#include <stddef.h>

#include "run.h"

/* Runs `BLOC_BIN args` through /bin/sh with stdout+stderr captured into out
 * (NUL-terminated, truncated to size). Returns the exit code, or -1 if the
 * process did not exit normally. */
int bloc_test_run_cli(const char *args, char *out, size_t size);

/* First line of text copied into line (without the newline). */
void bloc_test_first_line(const char *text, char *line, size_t size);

/* Whole file as a malloc'd NUL-terminated string (aborts the test if unreadable). */
char *bloc_test_slurp(const char *path);

/* 1 if text begins with prefix. */
int bloc_test_starts_with(const char *text, const char *prefix);

/* Fresh empty temporary directory under the build tree; path in dir. */
void bloc_test_tmpdir(const char *tag, char *dir, size_t size);

/* Fashion-MNIST for the data problems: $BLOC_FASHION_MNIST_DIR, default
 * /usr/share/datasets/fashion-mnist; 1 when its training images and
 * labels are there (the data tests skip otherwise). */
const char *bloc_test_fmnist_dir(void);
int bloc_test_have_fmnist(void);

/* 1 when bloc_device_select finds a device for spec (e.g. "pthread" for
 * PoCL's CPU device, "oclgrind"); cross-device tests skip otherwise, as on
 * a machine with only a vendor GPU driver. */
int bloc_test_have_device(const char *spec);

/* Runs configs/NAME.yaml with the `--set`-style overrides sets[0 .. nsets)
 * in a fresh temporary directory, progress off; the test fails on any
 * error. */
void bloc_test_run_config(const char *name, const char *const *sets, int nsets, bloc_run_result_t *r);

#endif
