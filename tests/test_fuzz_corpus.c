/* The fuzz targets in the ordinary test suite: every file of the seed
 * corpus (tests/fuzz/corpus/<target>/) and of the crash regressions
 * (tests/fuzz/regressions/<target>/, inputs that once crashed a target)
 * goes through the target's function, and the in-memory config entry used
 * by the config target behaves exactly like the file loader. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_targets.h"

#define FUZZ_DIR BLOC_TEST_DIR "/fuzz"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    for (size_t got; b && (got = fread(b + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    cr_assert_not_null(b);
    *len = n;
    return b;
}

/* Feeds every regular file of dir to fn; returns how many. */
static int replay(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        unsigned char *data = read_file(path, &len);
        cr_assert_eq(fn(data, len), 0, "%s", path);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void replay_target(const char *name, int (*fn)(const uint8_t *, size_t))
{
    char dir[1024];
    snprintf(dir, sizeof dir, FUZZ_DIR "/corpus/%s", name);
    int seeds = replay(dir, fn);
    cr_assert_gt(seeds, 0, "no seeds in %s", dir);
    snprintf(dir, sizeof dir, FUZZ_DIR "/regressions/%s", name);
    int regressions = replay(dir, fn);
    cr_log_info("%s: %d seeds, %d regressions", name, seeds, regressions);
}

Test(fuzz_corpus, config) { replay_target("config", bloc_fuzz_config); }
Test(fuzz_corpus, npy) { replay_target("npy", bloc_fuzz_npy); }
#ifdef BLOC_HAVE_IDX
Test(fuzz_corpus, idx) { replay_target("idx", bloc_fuzz_idx); }
#endif

/* bloc_config_parse(bytes of FILE, name FILE) = bloc_config_load(FILE):
 * same status, same message, same config, on every config seed. */
Test(fuzz_corpus, config_parse_matches_load)
{
    DIR *d = opendir(FUZZ_DIR "/corpus/config");
    cr_assert_not_null(d);
    struct dirent *e;
    int n = 0;
    static bloc_config_t a, b;
    static bloc_error_t ea, eb;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, FUZZ_DIR "/corpus/config/%s", e->d_name);
        size_t len;
        unsigned char *data = read_file(path, &len);
        int sa = bloc_config_load(&a, path, &ea);
        int sb = bloc_config_parse(&b, path, data, len, &eb);
        free(data);
        cr_assert_eq(sa, sb, "%s: status %d vs %d", path, sa, sb);
        if (sa)
            cr_assert_str_eq(eb.message, ea.message, "%s", path);
        else
            cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s: configs differ", path);
        n++;
    }
    closedir(d);
    cr_assert_gt(n, 60);
}
