/* The .npy reader: good files in f8 and f4 with 1.0, 2.0 and 3.0 headers,
 * and malformed files, each with its exact message. The files are written
 * here, byte by byte, as numpy.save lays them out. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "support.h"

typedef struct {
    unsigned char b[4096];
    size_t n;
} image_t;

static void put(image_t *im, const void *p, size_t n)
{
    cr_assert_leq(im->n + n, sizeof im->b);
    memcpy(im->b + im->n, p, n);
    im->n += n;
}

static void put_le(image_t *im, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        put(im, &c, 1);
    }
}

/* Magic, version, header length and the dict padded with spaces and a
 * newline to a multiple of 64 bytes, as numpy writes it. */
static void preamble(image_t *im, int major, const char *dict)
{
    int lenbytes = major == 1 ? 2 : 4;
    size_t fixed = 8 + (size_t)lenbytes, hl = strlen(dict) + 1;
    while ((fixed + hl) % 64)
        hl++;
    im->n = 0;
    put(im, "\x93NUMPY", 6);
    unsigned char ver[2] = {(unsigned char)major, 0};
    put(im, ver, 2);
    put_le(im, hl, lenbytes);
    put(im, dict, strlen(dict));
    for (size_t i = strlen(dict); i + 1 < hl; i++)
        put(im, " ", 1);
    put(im, "\n", 1);
}

static void put_f8(image_t *im, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        put_le(im, u, 8);
    }
}

static void put_f4(image_t *im, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float f = (float)v[i];
        uint32_t u;
        memcpy(&u, &f, 4);
        put_le(im, u, 4);
    }
}

static char dir[1024];

static void write_file(const char *name, const image_t *im, char *path, size_t size)
{
    if (!dir[0])
        bloc_test_tmpdir("npy", dir, sizeof dir);
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(im->b, 1, im->n, f), im->n);
    fclose(f);
}

static const double vals[12] = {1.5, -2.25, 3e-7, 4e12, 0, -0.0, 7, 8.125, -9, 1e-300, 11, 0.1};

/* ---- good files */

Test(npy, f8_v1_2d)
{
    image_t im;
    char path[1200];
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }");
    cr_assert_eq(im.n % 64, 0);
    put_f8(&im, vals, 12);
    write_file("f8_v1.npy", &im, path, sizeof path);
    bloc_npy_array_t a;
    bloc_error_t err;
    size_t want[2] = {3, 4};
    cr_assert_eq(bloc_npy_read(path, 2, want, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.ndim, 2);
    cr_assert_eq(a.shape[0], 3);
    cr_assert_eq(a.shape[1], 4);
    cr_assert_eq(a.count, 12);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(memcmp(&a.data[i], &vals[i], 8), 0, "element %d: %.17g", i, a.data[i]);
    bloc_npy_free(&a);
}

Test(npy, f4_v2_1d)
{
    image_t im;
    char path[1200];
    preamble(&im, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }");
    put_f4(&im, vals, 12);
    write_file("f4_v2.npy", &im, path, sizeof path);
    bloc_npy_array_t a;
    bloc_error_t err;
    size_t want[1] = {12};
    cr_assert_eq(bloc_npy_read(path, 1, want, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.ndim, 1);
    cr_assert_eq(a.count, 12);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(a.data[i], (double)(float)vals[i], "element %d: %.17g", i, a.data[i]);
    bloc_npy_free(&a);
}

/* Any key order, double quotes, no trailing comma, Python 2 'L' suffixes,
 * version 3.0; no expected shape (any 1 or 2 dims). */
Test(npy, v3_free_form_header)
{
    image_t im;
    preamble(&im, 3, "{\"shape\":(2L,3L),\"fortran_order\":False,\"descr\":\"<f8\"}");
    put_f8(&im, vals, 6);
    bloc_npy_array_t a;
    bloc_error_t err;
    cr_assert_eq(bloc_npy_parse("mem", im.b, im.n, 0, NULL, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.shape[0], 2);
    cr_assert_eq(a.shape[1], 3);
    cr_assert_eq(a.data[5], vals[5]);
    bloc_npy_free(&a);
}

Test(npy, empty_array)
{
    image_t im;
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }");
    bloc_npy_array_t a;
    bloc_error_t err;
    cr_assert_eq(bloc_npy_parse("mem", im.b, im.n, 0, NULL, &a, &err), BLOC_OK, "%s", err.message);
    cr_assert_eq(a.count, 0);
    bloc_npy_free(&a);
}

/* ---- malformed files: status BLOC_ERR_DATA and the exact message */

static void expect_error(const image_t *im, int ndim, const size_t *shape, const char *fmt_after_path)
{
    char path[1200], want[2048];
    static int k;
    char name[32];
    snprintf(name, sizeof name, "bad%d.npy", k++);
    write_file(name, im, path, sizeof path);
    snprintf(want, sizeof want, "%s: %s", path, fmt_after_path);
    bloc_npy_array_t a;
    bloc_error_t err;
    int st = bloc_npy_read(path, ndim, shape, &a, &err);
    cr_assert_eq(st, BLOC_ERR_DATA, "status %d: %s", st, err.message);
    cr_assert_str_eq(err.message, want);
    cr_assert_null(a.data);
}

static const char *good_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), }";
static const size_t five[2] = {5, 5};

static void good_image(image_t *im)
{
    double z[25] = {0};
    preamble(im, 1, good_dict);
    put_f8(im, z, 25);
}

Test(npy, bad_magic)
{
    image_t im;
    good_image(&im);
    im.b[1] = 'n';
    expect_error(&im, 2, five, "offset 0: not a .npy file (it does not start with the magic string \\x93NUMPY)");
    im.n = 3; /* shorter than the magic */
    expect_error(&im, 2, five, "offset 0: not a .npy file (it does not start with the magic string \\x93NUMPY)");
}

Test(npy, bad_version)
{
    image_t im;
    good_image(&im);
    im.b[6] = 4;
    expect_error(&im, 2, five, "offset 6: format version 4.0 not supported (expected 1.0, 2.0 or 3.0)");
    im.b[6] = 1;
    im.b[7] = 1;
    expect_error(&im, 2, five, "offset 6: format version 1.1 not supported (expected 1.0, 2.0 or 3.0)");
    im.n = 7;
    expect_error(&im, 2, five,
                 "offset 6: truncated header: the file ends before the format version (file size 7)");
}

Test(npy, truncated_header)
{
    image_t im;
    good_image(&im);
    im.n = 9;
    expect_error(&im, 2, five,
                 "offset 8: truncated header: the file ends before the 2-byte header length (file size 9)");
    preamble(&im, 2, good_dict);
    im.n = 11;
    expect_error(&im, 2, five,
                 "offset 8: truncated header: the file ends before the 4-byte header length (file size 11)");
}

Test(npy, header_length_past_eof)
{
    image_t im;
    preamble(&im, 2, good_dict);
    size_t n = im.n;
    im.n = 8;
    put_le(&im, 70000, 4); /* header length field of a 2.0 file */
    im.n = n;
    double z[25] = {0};
    put_f8(&im, z, 25);
    char want[256];
    snprintf(want, sizeof want,
             "offset 8: header length 70000 exceeds the %zu bytes left in the file (file size %zu)", im.n - 12,
             im.n);
    expect_error(&im, 2, five, want);
}

Test(npy, bad_dict)
{
    static const struct {
        const char *dict, *msg;
    } cases[] = {
        {"['descr', '<f8']", "offset 10: bad header: expected '{', found '['"},
        {"{'descr' '<f8', 'fortran_order': False, 'shape': (5, 5), }",
         "offset 19: bad header: expected ':' after the key, found '''"},
        {"{'descr': '<f8', 'fortran_order': false, 'shape': (5, 5), }",
         "offset 44: bad header: expected True or False, found 'f'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [5, 5], }",
         "offset 60: bad header: expected a tuple such as (5,) or (5, 4), found '['"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5, -5), }",
         "offset 64: bad header: expected a non-negative integer, found '-'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5 5), }",
         "offset 63: bad header: expected ',' or ')' in the shape, found '5'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (25), }",
         "offset 60: bad header: shape (25) is not a tuple (write (25,))"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5) 'x': 1}",
         "offset 67: bad header: expected ',' or '}' after a value, found '''"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), 'order': 'C'}",
         "offset 68: bad header: unknown key 'order' (expected 'descr', 'fortran_order' or 'shape')"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), }",
         "offset 27: bad header: duplicate key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False, }", "offset 10: bad header: missing key 'shape'"},
        {"{'descr': '<f8, 'fortran_order': False, 'shape': (5, 5), }",
         "offset 27: bad header: expected ',' or '}' after a value, found 'f'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), } x",
         "offset 70: bad header: 'x' after the closing '}'"},
        {"{'descr': '<\\x66', 'fortran_order': False, 'shape': (5, 5), }",
         "offset 22: bad header: escape sequences in strings are not supported"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999, 5), }",
         "offset 61: bad header: dimension too large (more than 2^40)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        image_t im;
        preamble(&im, 1, cases[i].dict);
        expect_error(&im, 2, five, cases[i].msg);
    }
    /* the header ends inside a string */
    image_t im;
    preamble(&im, 1, "{'descr': '<f8");
    expect_error(&im, 2, five, "offset 20: bad header: unterminated string");
}

Test(npy, unsupported_dtype)
{
    image_t im;
    preamble(&im, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (5, 5), }");
    expect_error(&im, 2, five, "dtype '<i4' not supported (expected '<f8' or '<f4')");
    preamble(&im, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (5, 5), }");
    expect_error(&im, 2, five, "dtype '>f8' not supported (expected '<f8' or '<f4')");
}

Test(npy, fortran_order)
{
    image_t im;
    double z[25] = {0};
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (5, 5), }");
    put_f8(&im, z, 25);
    expect_error(&im, 2, five,
                 "fortran_order True not supported: write the array in C order (numpy.ascontiguousarray)");
}

Test(npy, wrong_shape)
{
    image_t im;
    double z[25] = {0};
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 4), }");
    put_f8(&im, z, 20);
    expect_error(&im, 2, five, "shape (5, 4) but the problem needs (5, 5)");
    size_t n5[1] = {5};
    expect_error(&im, 1, n5, "shape (5, 4) but the problem needs (5,)");
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }");
    expect_error(&im, 2, five, "shape (2, 3, 4) has 3 dims (expected 1 or 2)");
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
    expect_error(&im, 2, five, "shape () has 0 dims (expected 1 or 2)");
}

Test(npy, truncated_data)
{
    image_t im;
    double z[25] = {0};
    preamble(&im, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 5), }");
    put_f8(&im, z, 12);
    expect_error(&im, 2, five, "offset 128: truncated data: expected 200 bytes, found 96");
    preamble(&im, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 5), }");
    put_f4(&im, z, 24);
    expect_error(&im, 2, five, "offset 128: truncated data: expected 100 bytes, found 96");
}

Test(npy, trailing_data)
{
    image_t im;
    double z[26] = {0};
    preamble(&im, 1, good_dict);
    put_f8(&im, z, 26);
    expect_error(&im, 2, five, "offset 328: 8 bytes after the end of the data (expected 200 bytes, found 208)");
}

Test(npy, non_finite_value)
{
    image_t im;
    double z[25] = {0};
    z[7] = NAN;
    preamble(&im, 1, good_dict);
    put_f8(&im, z, 25);
    expect_error(&im, 2, five, "offset 184: element (1, 2) is not finite (nan)");
    z[7] = 0;
    z[24] = -INFINITY;
    preamble(&im, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (25,), }");
    put_f4(&im, z, 25);
    size_t n25[1] = {25};
    expect_error(&im, 1, n25, "offset 224: element 24 is not finite (-inf)");
}

Test(npy, missing_file)
{
    bloc_npy_array_t a;
    bloc_error_t err;
    cr_assert_eq(bloc_npy_read("/nonexistent/A.npy", 0, NULL, &a, &err), BLOC_ERR_IO);
    cr_assert_str_eq(err.message, "/nonexistent/A.npy: cannot open: No such file or directory");
}

/* Never crash: every prefix of a good file and every byte replaced by
 * several values parse to OK or BLOC_ERR_DATA. */
Test(npy, mutations_never_crash)
{
    image_t im;
    preamble(&im, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    put_f4(&im, vals, 6);
    bloc_npy_array_t a;
    bloc_error_t err;
    for (size_t n = 0; n <= im.n; n++) {
        int st = bloc_npy_parse("mem", im.b, n, 0, NULL, &a, &err);
        cr_assert(st == (n == im.n ? BLOC_OK : BLOC_ERR_DATA), "prefix %zu: %d %s", n, st, err.message);
        bloc_npy_free(&a);
    }
    static const unsigned char subst[] = {0, 1, 2, 3, '\'', '"', '(', ')', ',', ':', '{', '}', '0', '9', 'L',
                                          ' ', '\n', '\\', 0x7f, 0x80, 0xff};
    for (size_t i = 0; i < im.n; i++) {
        unsigned char keep = im.b[i];
        for (size_t s = 0; s < sizeof subst; s++) {
            im.b[i] = subst[s];
            int st = bloc_npy_parse("mem", im.b, im.n, 0, NULL, &a, &err);
            cr_assert(st == BLOC_OK || st == BLOC_ERR_DATA, "byte %zu = 0x%02x: status %d", i, subst[s], st);
            cr_assert(st == BLOC_OK ? a.data != NULL : a.data == NULL);
            bloc_npy_free(&a);
        }
        im.b[i] = keep;
    }
}
