/* IDX reader: files the tests write themselves (gzip'd through zlib, or
 * plain), read back; every fault with its exact message, naming the file
 * and the offset in the decompressed stream. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"
#include "support.h"

static char dir[1024];

static void setup(void)
{
    bloc_test_tmpdir("idx", dir, sizeof dir);
}

TestSuite(idx, .init = setup);

/* Writes bytes to dir/name, gzip'd or plain; returns the path (static). */
static const char *write_file(const char *name, const unsigned char *bytes, size_t n, int gz)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, bytes, (unsigned)n), (int)n);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(bytes, 1, n, f), n);
        cr_assert_eq(fclose(f), 0);
    }
    return path;
}

static size_t put32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

/* IDX image file: count images of rows x cols, pixel k = k mod 251, plus
 * `extra` trailing bytes; the header may announce other dims. */
static size_t images(unsigned char *buf, unsigned count, unsigned rows, unsigned cols, size_t pixels)
{
    size_t n = put32(buf, BLOC_IDX_MAGIC_IMAGES);
    n += put32(buf + n, count);
    n += put32(buf + n, rows);
    n += put32(buf + n, cols);
    for (size_t k = 0; k < pixels; k++)
        buf[n++] = (unsigned char)(k % 251);
    return n;
}

static size_t labels(unsigned char *buf, unsigned count, const unsigned char *lab, size_t nlab)
{
    size_t n = put32(buf, BLOC_IDX_MAGIC_LABELS);
    n += put32(buf + n, count);
    memcpy(buf + n, lab, nlab);
    return n + nlab;
}

static void expect_error(int st, const bloc_error_t *err, bloc_status_t want, const char *path, const char *rest)
{
    char msg[2048];
    snprintf(msg, sizeof msg, "%s%s", path, rest);
    cr_assert_eq(st, (int)want, "status %d: %s", st, err->message);
    cr_assert_str_eq(err->message, msg);
}

Test(idx, reads_gzip_and_plain_images)
{
    unsigned char buf[4096];
    size_t n = images(buf, 3, 4, 5, 60);
    for (int gz = 0; gz < 2; gz++) {
        bloc_idx_t a;
        bloc_error_t err;
        cr_assert_eq(bloc_idx_read_images(write_file(gz ? "im.gz" : "im", buf, n, gz), &a, &err), BLOC_OK, "%s",
                     err.message);
        cr_assert_eq(a.count, 3);
        cr_assert_eq(a.rows, 4);
        cr_assert_eq(a.cols, 5);
        for (size_t k = 0; k < 60; k++)
            cr_assert_eq(a.data[k], k % 251);
        bloc_idx_free(&a);
        cr_assert_null(a.data);
    }
}

Test(idx, reads_labels)
{
    unsigned char buf[64], lab[] = {0, 9, 3, 3, 7};
    size_t n = labels(buf, 5, lab, 5);
    bloc_idx_t a;
    bloc_error_t err;
    cr_assert_eq(bloc_idx_read_labels(write_file("lab.gz", buf, n, 1), 10, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.count, 5);
    cr_assert_eq(memcmp(a.data, lab, 5), 0);
    bloc_idx_free(&a);
}

Test(idx, bad_magic)
{
    unsigned char buf[64], lab[] = {1, 2};
    size_t n = labels(buf, 2, lab, 2);
    bloc_idx_t a;
    bloc_error_t err;
    const char *p = write_file("lab.gz", buf, n, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 0 (decompressed): bad magic 0x00000801: expected 0x00000803 (IDX images, unsigned bytes, "
                 "3 dimensions)");
    cr_assert_null(a.data);
    p = write_file("text", (const unsigned char *)"hello world\n", 12, 0);
    expect_error(bloc_idx_read_labels(p, 10, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 0 (decompressed): bad magic 0x68656c6c: expected 0x00000801 (IDX labels, unsigned bytes, "
                 "1 dimension)");
}

Test(idx, truncated_header)
{
    unsigned char buf[64];
    size_t n = images(buf, 3, 4, 5, 0);
    bloc_idx_t a;
    bloc_error_t err;
    const char *p = write_file("short.gz", buf, 2, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 2 (decompressed): truncated header: the stream ends before the 4-byte magic");
    p = write_file("short2.gz", buf, n - 3, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 13 (decompressed): truncated header: the stream ends inside the 3 dimensions");
}

Test(idx, truncated_data)
{
    unsigned char buf[4096];
    size_t n = images(buf, 3, 4, 5, 50); /* 60 pixels announced, 50 present */
    bloc_idx_t a;
    bloc_error_t err;
    const char *p = write_file("trunc.gz", buf, n, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 66 (decompressed): truncated data: the header announces 3 images (60 bytes after the "
                 "16-byte header), the stream ends after 50 bytes");
    cr_assert_null(a.data);
}

/* A header announcing far more data than the stream holds (found by
 * fuzz_idx: 2^32 - 1 labels in a 26-byte file) costs memory in proportion
 * to the stream, not to the header: under a 512 MiB address-space limit the
 * read still ends in "truncated data", not in "out of memory". Skipped in
 * sanitizer builds, whose shadow memory needs the address space. */
#if defined(__SANITIZE_ADDRESS__)
#define BLOC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOC_ASAN 1
#endif
#endif
Test(idx, huge_count_short_stream)
{
#ifdef BLOC_ASAN
    cr_skip_test("address-space limit and ASan do not mix");
#else
    unsigned char buf[64], lab[5] = {1, 2, 3, 4, 5};
    size_t n = labels(buf, 0xFFFFFFFFu, lab, sizeof lab);
    const char *p = write_file("huge.idx", buf, n, 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct rlimit lim = {(rlim_t)512 << 20, (rlim_t)512 << 20};
        bloc_idx_t a;
        bloc_error_t err;
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(2);
        int st = bloc_idx_read_labels(p, 10, &a, &err);
        _exit(st == BLOC_ERR_DATA && strstr(err.message, "truncated data: the header announces 4294967295 labels")
                  ? 0
                  : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
#endif
}

Test(idx, wrong_counts)
{
    unsigned char buf[4096];
    size_t n = images(buf, 2, 4, 5, 60); /* 2 images announced, 3 present */
    bloc_idx_t a;
    bloc_error_t err;
    const char *p = write_file("long.gz", buf, n, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 56 (decompressed): unexpected data after the 2 images the header announces");
    unsigned char lab[] = {1, 2, 3};
    n = labels(buf, 4, lab, 3);
    p = write_file("lab.gz", buf, n, 1);
    expect_error(bloc_idx_read_labels(p, 10, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 11 (decompressed): truncated data: the header announces 4 labels (4 bytes after the "
                 "8-byte header), the stream ends after 3 bytes");
    n = images(buf, 2, 0, 5, 0);
    p = write_file("zero.gz", buf, n, 1);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 8 (decompressed): dimension 1 is 0");
}

Test(idx, label_out_of_range)
{
    unsigned char buf[64], lab[] = {0, 9, 10, 3};
    size_t n = labels(buf, 4, lab, 4);
    bloc_idx_t a;
    bloc_error_t err;
    const char *p = write_file("lab.gz", buf, n, 1);
    expect_error(bloc_idx_read_labels(p, 10, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 10 (decompressed): label 10 of item 2 is out of range (expected 0 .. 9)");
    cr_assert_null(a.data);
}

/* A valid gzip file, then damaged on disk: the CRC-32 in the trailer
 * (zlib: "incorrect data check" once the data are read), or cut short
 * inside the deflate stream ("unexpected end of file"). */
Test(idx, bad_gzip)
{
    unsigned char buf[8192];
    size_t n = images(buf, 10, 20, 30, 6000);
    const char *p = write_file("im.gz", buf, n, 1);
    char path[1200];
    snprintf(path, sizeof path, "%s", p);
    FILE *f = fopen(path, "rb");
    unsigned char gz[16384];
    size_t gn = fread(gz, 1, sizeof gz, f);
    fclose(f);
    cr_assert_gt(gn, 100);
    gz[gn - 8] ^= 0xff; /* first byte of the CRC-32 */
    bloc_idx_t a;
    bloc_error_t err;
    p = write_file("crc.gz", gz, gn, 0);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_DATA, p,
                 ": offset 6016 (decompressed): corrupt gzip stream: incorrect data check");
    gz[gn - 8] ^= 0xff;
    p = write_file("cut.gz", gz, gn / 2, 0);
    bloc_error_t err2;
    int st = bloc_idx_read_images(p, &a, &err2);
    cr_assert_eq(st, BLOC_ERR_DATA, "%s", err2.message);
    char want[1400];
    snprintf(want, sizeof want, "%s: offset ", p);
    cr_assert(bloc_test_starts_with(err2.message, want), "%s", err2.message);
    cr_assert(strstr(err2.message, " (decompressed): corrupt gzip stream: unexpected end of file"), "%s", err2.message);
}

Test(idx, missing_file)
{
    bloc_idx_t a;
    bloc_error_t err;
    char p[1200];
    snprintf(p, sizeof p, "%s/none.gz", dir);
    expect_error(bloc_idx_read_images(p, &a, &err), &err, BLOC_ERR_IO, p, ": cannot open: No such file or directory");
}

/* The Fashion-MNIST files this project uses, when installed. */
Test(idx, fashion_mnist)
{
    const char *root = "/usr/share/datasets/fashion-mnist";
    char p[512];
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", root);
    FILE *f = fopen(p, "rb");
    if (!f)
        cr_skip_test("%s not installed", p);
    fclose(f);
    bloc_idx_t a, b;
    bloc_error_t err;
    cr_assert_eq(bloc_idx_read_labels(p, 10, &a, &err), BLOC_OK, "%s", err.message);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", root);
    cr_assert_eq(bloc_idx_read_images(p, &b, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.count, 10000);
    cr_assert_eq(b.count, 10000);
    cr_assert_eq(b.rows * b.cols, 784);
    bloc_idx_free(&a);
    bloc_idx_free(&b);
}
