#include "rng.h"

/* splitmix64 finalizer */
uint64_t bloc_rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

bloc_rng_t bloc_rng_stream(unsigned long seed, int stream)
{
    bloc_rng_t r = {bloc_rng_mix64((uint64_t)seed) + ((uint64_t)stream << 48), 0};
    return r;
}

uint64_t bloc_rng_u64(bloc_rng_t *r)
{
    return bloc_rng_mix64(r->base + r->k++);
}

double bloc_rng_uniform(bloc_rng_t *r)
{
    return (double)(bloc_rng_u64(r) >> 11) * 0x1p-53;
}

uint64_t bloc_rng_below(bloc_rng_t *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = bloc_rng_u64(r);
    while (v >= limit);
    return v % n;
}

/* Sum of 12 uniforms (53-bit integers, summed exactly) minus 6. */
double bloc_rng_normal(bloc_rng_t *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < 12; i++)
        sum += bloc_rng_u64(r) >> 11;
    return (double)sum * 0x1p-53 - 6.0;
}

void bloc_rng_fill_normal(bloc_rng_t *r, double *v, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = bloc_rng_normal(r) * scale;
}
