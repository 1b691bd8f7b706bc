/* Counter-based random numbers for seeded data generation: draw k of stream
 * s is u(s, k) = mix(mix(seed) + s 2^48 + k), mix = the splitmix64
 * finalizer, so any draw is reproducible on every machine and streams are
 * independent of the order they are used in. Normals are Irwin-Hall (sum
 * of 12 uniforms minus 6: mean 0, variance 1, no libm calls). */
#ifndef BLOC_RNG_H
#define BLOC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t base, k;
} bloc_rng_t;

uint64_t bloc_rng_mix64(uint64_t z);
bloc_rng_t bloc_rng_stream(unsigned long seed, int stream);
uint64_t bloc_rng_u64(bloc_rng_t *r);
/* Uniform in [0, 1) with 53 random bits. */
double bloc_rng_uniform(bloc_rng_t *r);
/* Uniform integer in [0, n) (n > 0), by rejection: no modulo bias. */
uint64_t bloc_rng_below(bloc_rng_t *r, uint64_t n);
double bloc_rng_normal(bloc_rng_t *r);
void bloc_rng_fill_normal(bloc_rng_t *r, double *v, size_t n, double scale);

#endif
