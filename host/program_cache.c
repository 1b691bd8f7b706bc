#include "program_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MAGIC[8] = {'B', 'L', 'O', 'C', 'P', 'R', 'G', '1'};

static int mkdir_p(const char *dir)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return (mkdir(tmp, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

int bloc_cache_path(const char *name, char *path, size_t size)
{
    const char *env = getenv("BLOC_CACHE_DIR");
    char dir[900];
    if (env && strcmp(env, "off") == 0)
        return 0;
    if (env && *env)
        snprintf(dir, sizeof dir, "%s", env);
    else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
        snprintf(dir, sizeof dir, "%s/bloc", getenv("XDG_CACHE_HOME"));
    else if (getenv("HOME") && *getenv("HOME"))
        snprintf(dir, sizeof dir, "%s/.cache/bloc", getenv("HOME"));
    else
        return 0;
    if (mkdir_p(dir) != 0)
        return 0;
    snprintf(path, size, "%s/%s", dir, name);
    return 1;
}

int bloc_cache_file(const char *key_hash, char *path, size_t size)
{
    char name[80];
    snprintf(name, sizeof name, "%s.clbin", key_hash);
    return bloc_cache_path(name, path, size);
}

int bloc_cache_load(const char *path, const char *key, unsigned char **bin, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[8];
    uint64_t klen = 0, blen = 0;
    int hit = 0;
    char *k = NULL;
    unsigned char *b = NULL;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, MAGIC, 8) != 0)
        goto done;
    if (fread(&klen, sizeof klen, 1, f) != 1 || klen != strlen(key))
        goto done;
    k = malloc(klen + 1);
    if (!k || fread(k, 1, klen, f) != klen || memcmp(k, key, klen) != 0)
        goto done;
    if (fread(&blen, sizeof blen, 1, f) != 1 || blen == 0 || blen > ((uint64_t)1 << 32))
        goto done;
    b = malloc(blen);
    if (!b || fread(b, 1, blen, f) != blen || fgetc(f) != EOF)
        goto done;
    *bin = b;
    *len = blen;
    b = NULL;
    hit = 1;
done:
    free(k);
    free(b);
    fclose(f);
    return hit;
}

int bloc_cache_store(const char *path, const char *key, const unsigned char *bin, size_t len)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    uint64_t klen = strlen(key), blen = len;
    int ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&klen, sizeof klen, 1, f) == 1 &&
             fwrite(key, 1, klen, f) == klen && fwrite(&blen, sizeof blen, 1, f) == 1 &&
             fwrite(bin, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
