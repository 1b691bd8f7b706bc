/* Fuzz target: the IDX reader (host/idx.h, from the hyperclean branch). Its
 * entry points take a path, so the bytes go into an in-memory file
 * (memfd) read through /proc/self/fd. */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_targets.h"
#include "idx.h"

static int fd = -1;
static char path[64];

/* Puts the bytes in the memfd; 0 on failure. */
static int load(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("bloc-fuzz-idx", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return 0;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            return 0;
        done += (size_t)n;
    }
    return 1;
}

static void check(const bloc_idx_t *a, int labels, int nclasses)
{
    size_t n = a->count * a->rows * a->cols;
    if (a->count == 0 || a->rows == 0 || a->cols == 0 || !a->data || (labels && (a->rows != 1 || a->cols != 1)))
        abort();
    volatile unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels && a->data[i] >= nclasses)
            abort();
        sum += a->data[i];
    }
    (void)sum;
}

int bloc_fuzz_idx(const uint8_t *data, size_t size)
{
    if (!load(data, size))
        return 0;
    bloc_idx_t a;
    bloc_error_t err;
    if (bloc_idx_read_images(path, &a, &err) == BLOC_OK) {
        check(&a, 0, 0);
        bloc_idx_free(&a);
    }
    if (bloc_idx_read_labels(path, 10, &a, &err) == BLOC_OK) {
        check(&a, 1, 10);
        bloc_idx_free(&a);
    }
    return 0;
}

#ifdef BLOC_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bloc_fuzz_idx(data, size); }
#endif
