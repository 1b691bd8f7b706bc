/* Fuzz targets: one function per reader, fed arbitrary bytes. Each returns
 * 0 and aborts on a broken invariant (a crash for libFuzzer); memory and
 * undefined-behaviour faults are caught by ASan and UBSan. The libFuzzer
 * executables (-DBLOC_FUZZ_ENTRY, CMake option BLOC_FUZZ, scripts/fuzz.sh)
 * call them from LLVMFuzzerTestOneInput; test_fuzz_corpus replays the seed
 * corpus through them in the ordinary test suite. */
#ifndef BLOC_FUZZ_TARGETS_H
#define BLOC_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* YAML config: bloc_config_parse on the bytes, then the bytes as a --set
 * assignment on a valid config. */
int bloc_fuzz_config(const uint8_t *data, size_t size);

/* .npy: bloc_npy_parse on the bytes, without and with a required shape. */
int bloc_fuzz_npy(const uint8_t *data, size_t size);

/* IDX (needs host/idx.c): the bytes as an image file and as a label file. */
int bloc_fuzz_idx(const uint8_t *data, size_t size);

#endif
