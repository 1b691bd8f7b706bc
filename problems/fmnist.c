#include "fmnist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "rng.h"

#define K BLOC_FMNIST_CLASSES
#define POOL_FILES "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz"

/* ---- the draw */

static void fisher_yates(bloc_rng_t *r, size_t *idx, size_t n, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        size_t pick = j + (size_t)bloc_rng_below(r, n - j), tmp = idx[j];
        idx[j] = idx[pick];
        idx[pick] = tmp;
    }
}

size_t bloc_fmnist_draw(unsigned long seed, size_t pool, const unsigned char *labels, size_t ntr, size_t nval,
                        size_t nte, double rho, size_t *index, unsigned char *noisy, unsigned char *clean)
{
    size_t need = ntr + nval + nte, ncorrupt = (size_t)floor(rho * (double)ntr + 0.5);
    size_t *all = malloc((pool > ntr ? pool : ntr) * sizeof *all);
    if (!all)
        return (size_t)-1;
    for (size_t k = 0; k < pool; k++)
        all[k] = k;
    bloc_rng_t r = bloc_rng_stream(seed, 0);
    fisher_yates(&r, all, pool, need);
    memcpy(index, all, need * sizeof *index);
    for (size_t i = 0; i < ntr; i++) {
        all[i] = i;
        noisy[i] = labels[index[i]];
        clean[i] = 1;
    }
    bloc_rng_t rc = bloc_rng_stream(seed, 1), rl = bloc_rng_stream(seed, 2);
    fisher_yates(&rc, all, ntr, ncorrupt);
    for (size_t j = 0; j < ncorrupt; j++) {
        size_t i = all[j];
        noisy[i] = (unsigned char)((noisy[i] + 1 + bloc_rng_below(&rl, K - 1)) % K);
        clean[i] = 0;
    }
    free(all);
    return ncorrupt;
}

static int read_pool(const char *dir, bloc_idx_t *img, bloc_idx_t *lab, bloc_error_t *err)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    int st = bloc_idx_read_images(path, img, err);
    if (!st) {
        snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
        st = bloc_idx_read_labels(path, K, lab, err);
    }
    if (st == BLOC_ERR_IO) {
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len,
                 " (bloc reads %s from $BLOC_FASHION_MNIST_DIR, default %s: Debian package "
                 "dataset-fashion-mnist)", POOL_FILES, BLOC_FMNIST_DEFAULT_DIR);
        return st;
    }
    if (!st && img->count != lab->count)
        st = bloc_error_set(err, BLOC_ERR_DATA, "%s: %zu labels, but %s/train-images-idx3-ubyte.gz has %zu images",
                            path, lab->count, dir, img->count);
    if (!st && (img->rows * img->cols) % 16 != 0)
        st = bloc_error_set(err, BLOC_ERR_DATA,
                            "%s/train-images-idx3-ubyte.gz: images of %zu x %zu pixels; the kernels need a pixel "
                            "count that is a multiple of 16", dir, img->rows, img->cols);
    return st;
}

void bloc_fmnist_free(bloc_fmnist_t *s)
{
    for (int k = 0; k < BLOC_FMNIST_SPLITS; k++) {
        free(s->A[k]);
        free(s->t[k]);
    }
    free(s->clean);
    memset(s, 0, sizeof *s);
}

int bloc_fmnist_load(const char *who, unsigned long seed, const size_t n[BLOC_FMNIST_SPLITS], double rho,
                     bloc_fmnist_t *out, bloc_error_t *err)
{
    memset(out, 0, sizeof *out);
    const char *dir = getenv("BLOC_FASHION_MNIST_DIR");
    if (!dir || !*dir)
        dir = BLOC_FMNIST_DEFAULT_DIR;
    bloc_idx_t img = {0}, lab = {0};
    size_t need = n[0] + n[1] + n[2];
    int st = read_pool(dir, &img, &lab, err);
    if (!st && need > img.count)
        st = bloc_error_set(err, BLOC_ERR_PARAM, "%s: n_train + n_val + n_test = %zu exceeds the %zu training images",
                            who, need, img.count);
    size_t *index = st ? NULL : malloc(need * sizeof *index);
    unsigned char *noisy = st ? NULL : malloc(n[0] + 1), *clean = st ? NULL : malloc(n[0] + 1);
    if (!st) {
        out->d = img.rows * img.cols;
        for (int k = 0; k < BLOC_FMNIST_SPLITS; k++) {
            out->n[k] = n[k];
            out->A[k] = malloc((n[k] * out->d + 1) * sizeof(double));
            out->t[k] = malloc((n[k] + 1) * sizeof(double));
        }
        out->clean = malloc((n[0] + 1) * sizeof(double));
        int ok = index && noisy && clean && out->clean;
        for (int k = 0; k < BLOC_FMNIST_SPLITS; k++)
            ok = ok && out->A[k] && out->t[k];
        if (!ok)
            st = bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory for the data", who);
    }
    if (!st && (out->ncorrupt = bloc_fmnist_draw(seed, img.count, lab.data, n[0], n[1], n[2], rho, index, noisy,
                                                 clean)) == (size_t)-1)
        st = bloc_error_set(err, BLOC_ERR_NOMEM, "%s: out of memory for the draw", who);
    for (int k = 0, at = 0; !st && k < BLOC_FMNIST_SPLITS; at += (int)n[k], k++)
        for (size_t i = 0; i < n[k]; i++) {
            const unsigned char *px = img.data + index[at + i] * out->d;
            for (size_t j = 0; j < out->d; j++)
                out->A[k][i * out->d + j] = px[j] / 255.0;
            out->t[k][i] = k == 0 ? noisy[i] : lab.data[index[at + i]];
            if (k == 0)
                out->clean[i] = clean[i];
        }
    free(index);
    free(noisy);
    free(clean);
    bloc_idx_free(&img);
    bloc_idx_free(&lab);
    if (st)
        bloc_fmnist_free(out);
    return st;
}
