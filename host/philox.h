/* Philox4x32-10 on the host, bit for bit the device generator of
 * kernels/rng.cl (keys, counters and the index map are documented there):
 * the reference the tests hold the device draws to, and the generator of
 * host-side draws that must match the device's. */
#ifndef BLOC_PHILOX_H
#define BLOC_PHILOX_H

#include <stdint.h>

/* out <- Philox4x32-10(counter c, key k). */
void bloc_philox4x32_10(const uint32_t c[4], const uint32_t k[2], uint32_t out[4]);

/* Sample index in [0, n) of draw `draw` of (seed, stream, iteration), n > 0. */
uint32_t bloc_philox_index(uint64_t seed, uint32_t stream, uint32_t iter, uint32_t draw, uint32_t n);

#endif
