/* Fashion-MNIST splits for the learning problems (hyperclean, l2reg): the
 * 60000 training images and labels read from $BLOC_FASHION_MNIST_DIR
 * (default /usr/share/datasets/fashion-mnist, Debian package
 * dataset-fashion-mnist), a seeded disjoint train / validation / test draw
 * and a recorded corruption of a fraction of the train labels.
 * bench/peers/hyperclean_data.py replicates the draw bit for bit. */
#ifndef BLOC_FMNIST_H
#define BLOC_FMNIST_H

#include <stddef.h>

#include "error.h"

#define BLOC_FMNIST_CLASSES 10
#define BLOC_FMNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

enum { BLOC_FMNIST_TRAIN, BLOC_FMNIST_VAL, BLOC_FMNIST_TEST, BLOC_FMNIST_SPLITS };

typedef struct {
    size_t n[BLOC_FMNIST_SPLITS], d, ncorrupt;
    double *A[BLOC_FMNIST_SPLITS]; /* n x d row-major, pixels / 255 */
    double *t[BLOC_FMNIST_SPLITS]; /* labels 0 .. 9; train: after corruption */
    double *clean;                 /* train: 1 where the label was kept, 0 where corrupted */
} bloc_fmnist_t;

/* From a pool of `pool` labelled samples (labels[k] < 10): index[0 .. ntr +
 * nval + nte) are distinct pool indices, train then validation then test,
 * from a partial Fisher-Yates shuffle on stream 0 of `seed` (host/rng.h).
 * Then ncorrupt = floor(rho ntr + 1/2) train positions, picked by a partial
 * Fisher-Yates shuffle of 0 .. ntr on stream 1, get a different class
 * (true + 1 + U{0 .. 8}) mod 10 with U drawn on stream 2, in pick order.
 * noisy[0 .. ntr): the train labels after corruption; clean[0 .. ntr): 1
 * where the label was kept. Needs ntr + nval + nte <= pool; returns
 * ncorrupt, or (size_t)-1 when out of memory. */
size_t bloc_fmnist_draw(unsigned long seed, size_t pool, const unsigned char *labels, size_t ntr, size_t nval,
                        size_t nte, double rho, size_t *index, unsigned char *noisy, unsigned char *clean);

/* Reads the pool and draws n[0..3) samples with corruption rho. `who` (a
 * problem name) prefixes parameter errors. Missing files are BLOC_ERR_IO
 * naming the file and the variable, corrupt ones BLOC_ERR_DATA (host/idx.h),
 * too many samples BLOC_ERR_PARAM. On failure out is freed. */
int bloc_fmnist_load(const char *who, unsigned long seed, const size_t n[BLOC_FMNIST_SPLITS], double rho,
                     bloc_fmnist_t *out, bloc_error_t *err);

void bloc_fmnist_free(bloc_fmnist_t *s);

#endif
