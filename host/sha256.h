/* SHA-256 (FIPS 180-4), used for kernel-source hashes and program-cache keys. */
#ifndef BLOC_SHA256_H
#define BLOC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t len;        /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
} bloc_sha256_t;

void bloc_sha256_init(bloc_sha256_t *s);
void bloc_sha256_update(bloc_sha256_t *s, const void *data, size_t n);
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void bloc_sha256_hex(bloc_sha256_t *s, char hex[65]);

#endif
