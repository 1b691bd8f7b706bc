/* hyperclean's seeded data draw, exposed for tests and peers
 * (bench/peers/hyperclean_data.py replicates it bit for bit). */
#ifndef BLOC_HYPERCLEAN_H
#define BLOC_HYPERCLEAN_H

#include <stddef.h>

#define BLOC_HC_CLASSES 10

/* From a pool of `pool` labelled samples (labels[k] < 10): index[0 .. ntr +
 * nval + nte) are distinct pool indices, train then validation then test,
 * from a partial Fisher-Yates shuffle on stream 0 of `seed` (host/rng.h).
 * Then ncorrupt = floor(rho ntr + 1/2) train positions, picked by a partial
 * Fisher-Yates shuffle of 0 .. ntr on stream 1, get a different class
 * (true + 1 + U{0 .. 8}) mod 10 with U drawn on stream 2, in pick order.
 * noisy[0 .. ntr): the train labels after corruption; clean[0 .. ntr): 1
 * where the label was kept. Needs ntr + nval + nte <= pool; returns
 * ncorrupt, or (size_t)-1 when out of memory. */
size_t bloc_hyperclean_draw(unsigned long seed, size_t pool, const unsigned char *labels, size_t ntr, size_t nval,
                            size_t nte, double rho, size_t *index, unsigned char *noisy, unsigned char *clean);

#endif
