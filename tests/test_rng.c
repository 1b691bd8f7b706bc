/* The device generator (kernels/rng.cl) and minibatch draws
 * (host/minibatch.h): Philox4x32-10 against the published known-answer
 * vectors on the host and on the device, sample indices on the device
 * against the host generator, the same indices on PoCL and on Oclgrind,
 * and the draw node's keys (seed, stream, iteration, draw). */
#include "kernel_fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "minibatch.h"
#include "philox.h"
#include "support.h"

static const char *const rng_sources[] = {"kernels/rng.cl"};

/* Random123's known answers for philox4x32 with 10 rounds. */
static const uint32_t kat[3][3][4] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

Test(philox, host_known_answers)
{
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        bloc_philox4x32_10(kat[v][0], kat[v][1], out);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(out[i], kat[v][2][i], "vector %d word %d: %08x, want %08x", v, i, out[i], kat[v][2][i]);
    }
}

/* rng_words takes the counter as (draw0 + i, iter, stream, c3). */
static void device_words(kfix_t *f, const uint32_t c[4], const uint32_t k[2], uint32_t out[4])
{
    bloc_graph_release(&f->g);
    bloc_graph_init(&f->g, &f->rt, 64, 32);
    int v = kfix_vec(f, "words", 4, NULL);
    bloc_node_t *nd = kfix_node(f, "rng_words", 1);
    bloc_arg_vec(nd, v); bloc_arg_int(nd, 1); bloc_arg_int(nd, (int)k[0]); bloc_arg_int(nd, (int)k[1]);
    bloc_arg_int(nd, (int)c[2]); bloc_arg_int(nd, (int)c[1]); bloc_arg_int(nd, (int)c[0]); bloc_arg_int(nd, (int)c[3]);
    kfix_run(f, 0);
    double *w = kfix_read(f, v);
    for (int i = 0; i < 4; i++)
        out[i] = (uint32_t)w[i];
    free(w);
}

static void check_device_kat(const char *device)
{
    kfix_t fs, *f = &fs;
    if (device)
        setenv("BLOC_TEST_DEVICE", device, 1);
    kfix_init_with(f, BLOC_FP64, 64, 32, rng_sources, 1);
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        device_words(f, kat[v][0], kat[v][1], out);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(out[i], kat[v][2][i], "%s: vector %d word %d: %08x, want %08x", f->rt.dev.device_name, v, i,
                         out[i], kat[v][2][i]);
    }
    kfix_fini(f);
}

Test(philox, device_known_answers_pocl_and_oclgrind)
{
    if (!bloc_test_have_device("pthread") || !bloc_test_have_device("oclgrind"))
        cr_skip_test("needs PoCL's CPU device (pthread) and Oclgrind");
    const char *saved = getenv("BLOC_TEST_DEVICE");
    char keep[256] = "";
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    check_device_kat("pthread");
    check_device_kat("oclgrind");
    if (saved)
        setenv("BLOC_TEST_DEVICE", keep, 1);
    else
        unsetenv("BLOC_TEST_DEVICE");
}

/* One minibatch through rng_batch: batch indices in [0, n). */
static double *device_batch(kfix_t *f, uint64_t seed, int stream, long iter, int draw0, int batch, int n)
{
    bloc_graph_release(&f->g);
    bloc_graph_init(&f->g, &f->rt, 64, 32);
    int v = kfix_vec(f, "idx", (size_t)batch, NULL);
    bloc_node_t *nd = kfix_node(f, "rng_batch", (size_t)batch);
    bloc_arg_vec(nd, v); bloc_arg_int(nd, batch); bloc_arg_int(nd, n);
    bloc_arg_int(nd, (int)(uint32_t)seed); bloc_arg_int(nd, (int)(uint32_t)(seed >> 32));
    bloc_arg_int(nd, stream); bloc_arg_iter(nd); bloc_arg_int(nd, draw0);
    kfix_run(f, iter);
    return kfix_read(f, v);
}

typedef struct {
    uint64_t seed;
    int stream;
    long iter;
    int draw0, batch, n;
} draw_case_t;

static const draw_case_t draw_cases[] = {
    {0, 0, 0, 0, 300, 1000},
    {12345, 3, 77, 512, 257, 60000},
    {0xDEADBEEFCAFEull, 5, 4000000000L, 100000, 64, 7},  /* iteration past 2^31, 64-bit seed */
    {1, 1, 1, 0, 100, 1},                                 /* n = 1: always 0 */
    {99, 2, 5, 0, 200, (1 << 24) - 3},                    /* the largest fp32-exact range */
};

/* Device indices equal the host generator's, draw for draw, in fp32 and fp64. */
Test(minibatch, device_indices_match_host)
{
    static const bloc_precision_t precisions[] = {BLOC_FP32, BLOC_FP64};
    for (int pi = 0; pi < 2; pi++) {
        kfix_t fs, *f = &fs;
        kfix_init_with(f, precisions[pi], 64, 32, rng_sources, 1);
        for (size_t c = 0; c < sizeof draw_cases / sizeof *draw_cases; c++) {
            const draw_case_t *d = &draw_cases[c];
            double *idx = device_batch(f, d->seed, d->stream, d->iter, d->draw0, d->batch, d->n);
            for (int b = 0; b < d->batch; b++) {
                uint32_t want = bloc_philox_index(d->seed, (uint32_t)d->stream, (uint32_t)d->iter,
                                                  (uint32_t)(d->draw0 + b), (uint32_t)d->n);
                cr_assert_eq(idx[b], (double)want, "case %zu draw %d: device %.17g, host %u", c, b, idx[b], want);
                cr_assert(idx[b] >= 0 && idx[b] < d->n);
            }
            free(idx);
        }
        kfix_fini(f);
    }
}

/* The same indices on two OpenCL implementations. */
Test(minibatch, same_indices_on_pocl_and_oclgrind)
{
    if (!bloc_test_have_device("pthread") || !bloc_test_have_device("oclgrind"))
        cr_skip_test("needs PoCL's CPU device (pthread) and Oclgrind");
    const char *saved = getenv("BLOC_TEST_DEVICE");
    char keep[256] = "";
    if (saved)
        snprintf(keep, sizeof keep, "%s", saved);
    const char *devices[2] = {"pthread", "oclgrind"};
    double *got[2][2];
    for (int dv = 0; dv < 2; dv++) {
        setenv("BLOC_TEST_DEVICE", devices[dv], 1);
        kfix_t fs, *f = &fs;
        kfix_init_with(f, BLOC_FP32, 64, 32, rng_sources, 1);
        got[dv][0] = device_batch(f, 7, 0, 3, 0, 500, 50000);
        got[dv][1] = device_batch(f, 0xFFFFFFFFFFull, 4, 123456, 4096, 130, 333);
        kfix_fini(f);
    }
    if (saved)
        setenv("BLOC_TEST_DEVICE", keep, 1);
    else
        unsetenv("BLOC_TEST_DEVICE");
    cr_assert_eq(memcmp(got[0][0], got[1][0], 500 * sizeof(double)), 0, "PoCL and Oclgrind draw different indices");
    cr_assert_eq(memcmp(got[0][1], got[1][1], 130 * sizeof(double)), 0, "PoCL and Oclgrind draw different indices");
    for (int dv = 0; dv < 2; dv++)
        for (int c = 0; c < 2; c++)
            free(got[dv][c]);
}

/* Uniformity: 200k draws over 10 bins, chi-square with 9 degrees of freedom
 * below 30 (p ~ 4e-4 for a uniform generator). Distinct keys give distinct
 * sequences (stream, iteration, draw offset, seed). */
Test(minibatch, uniform_and_keyed)
{
    enum { N = 200000 };
    long bins[10] = {0};
    for (uint32_t d = 0; d < N; d++)
        bins[bloc_philox_index(3, 0, 0, d, 10)]++;
    double chi = 0;
    for (int b = 0; b < 10; b++)
        chi += (bins[b] - N / 10.0) * (bins[b] - N / 10.0) / (N / 10.0);
    cr_assert_lt(chi, 30, "chi-square %g", chi);
    uint32_t base[64], other[4][64];
    for (uint32_t d = 0; d < 64; d++) {
        base[d] = bloc_philox_index(5, 1, 9, d, 1u << 30);
        other[0][d] = bloc_philox_index(5, 2, 9, d, 1u << 30);
        other[1][d] = bloc_philox_index(5, 1, 10, d, 1u << 30);
        other[2][d] = bloc_philox_index(5, 1, 9, d + 64, 1u << 30);
        other[3][d] = bloc_philox_index(6, 1, 9, d, 1u << 30);
    }
    for (int o = 0; o < 4; o++) {
        int same = 0;
        for (int d = 0; d < 64; d++)
            same += base[d] == other[o][d];
        cr_assert_lt(same, 2, "key change %d leaves %d of 64 draws equal", o, same);
    }
}

/* The draw helper: keys from the problem's seed, the role's stream, the
 * replayed iteration and call * batch; pb->sample set for the role's level;
 * nothing at batch 0; clear errors. */
Test(minibatch, draw_node_keys)
{
    kfix_t fs, *f = &fs;
    kfix_init_with(f, BLOC_FP64, 64, 32, rng_sources, 1);
    bloc_problem_desc_t desc = {.name = "fake"};
    bloc_problem_t pb;
    memset(&pb, 0, sizeof pb);
    pb.desc = &desc;
    pb.seed = 0x123456789ull;
    pb.batch = 40;
    pb.nsamples[BLOC_LL] = 1000;
    pb.nsamples[BLOC_UL] = 300;
    bloc_minibatch_clear(&pb);
    cr_assert_eq(bloc_minibatch_draw(&f->g, &pb, BLOC_LIST_STEP, BLOC_ROLE_HVP_CROSS, 2, &f->err), BLOC_OK, "%s",
                 f->err.message);
    int ll = pb.sample[BLOC_LL];
    cr_assert_geq(ll, 0);
    cr_assert_eq(pb.sample[BLOC_UL], -1);
    cr_assert_eq(bloc_minibatch_draw(&f->g, &pb, BLOC_LIST_STEP, BLOC_ROLE_UL_GRAD, 0, &f->err), BLOC_OK);
    int ul = pb.sample[BLOC_UL];
    cr_assert(ul >= 0 && ul != ll);
    kfix_run(f, 31);
    double *a = kfix_read(f, ll), *b = kfix_read(f, ul);
    for (int i = 0; i < 40; i++) {
        cr_assert_eq(a[i], bloc_philox_index(pb.seed, BLOC_ROLE_HVP_CROSS, 31, (uint32_t)(80 + i), 1000));
        cr_assert_eq(b[i], bloc_philox_index(pb.seed, BLOC_ROLE_UL_GRAD, 31, (uint32_t)i, 300));
    }
    free(a); free(b);
    bloc_minibatch_clear(&pb);
    cr_assert(pb.sample[0] == -1 && pb.sample[1] == -1);
    pb.nsamples[BLOC_UL] = 0;
    cr_assert_eq(bloc_minibatch_draw(&f->g, &pb, BLOC_LIST_STEP, BLOC_ROLE_UL_GRAD, 0, &f->err), BLOC_ERR_PARAM);
    cr_assert_str_eq(f->err.message, "fake: batch = 40, but the problem has no UL samples to draw");
    pb.batch = 0;
    cr_assert_eq(bloc_minibatch_draw(&f->g, &pb, BLOC_LIST_STEP, BLOC_ROLE_UL_GRAD, 0, &f->err), BLOC_OK);
    cr_assert_eq(pb.sample[BLOC_UL], -1);
    kfix_fini(f);
}
