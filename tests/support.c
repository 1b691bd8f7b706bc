#include "support.h"

#include "runtime.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int bloc_test_run_cli(const char *args, char *out, size_t size)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1 </dev/null", BLOC_BIN, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    while (fgetc(p) != EOF) /* drain the rest so the child can exit */
        ;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void bloc_test_first_line(const char *text, char *line, size_t size)
{
    size_t n = strcspn(text, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(line, text, n);
    line[n] = '\0';
}

void bloc_test_tmpdir(const char *tag, char *dir, size_t size)
{
    snprintf(dir, size, "%s/test-tmp/%s-%ld", BLOC_BUILD_DIR, tag, (long)getpid());
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        abort();
}

int bloc_test_starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

char *bloc_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    fclose(f);
    if (!buf)
        abort();
    buf[n] = '\0';
    return buf;
}

void bloc_test_run_config(const char *name, const char *const *sets, int nsets, bloc_run_result_t *r)
{
    char path[1024], dir[1024];
    bloc_config_t cfg;
    bloc_error_t err;
    snprintf(path, sizeof path, "%s/../configs/%s.yaml", BLOC_TEST_DIR, name);
    cr_assert_eq(bloc_config_load(&cfg, path, &err), BLOC_OK, "%s", err.message);
    for (int i = 0; i < nsets; i++)
        cr_assert_eq(bloc_config_set(&cfg, sets[i], &err), BLOC_OK, "%s", err.message);
    bloc_test_tmpdir(name, dir, sizeof dir);
    bloc_run_options_t opt = {.progress = BLOC_PROGRESS_NONE, .out_dir = dir};
    cr_assert_eq(bloc_run(&cfg, &opt, r, &err), BLOC_OK, "%s: %s", name, err.message);
}

const char *bloc_test_fmnist_dir(void)
{
    const char *d = getenv("BLOC_FASHION_MNIST_DIR");
    return d && *d ? d : "/usr/share/datasets/fashion-mnist";
}

int bloc_test_have_fmnist(void)
{
    static const char *const files[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"};
    for (int k = 0; k < 2; k++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", bloc_test_fmnist_dir(), files[k]);
        FILE *f = fopen(p, "rb");
        if (!f)
            return 0;
        fclose(f);
    }
    return 1;
}

int bloc_test_have_device(const char *spec)
{
    bloc_device_info_t dev;
    bloc_error_t err;
    return bloc_device_select(spec, &dev, &err) == BLOC_OK;
}
