/* On-disk cache of compiled OpenCL program binaries.
 * Key: SHA-256 over (source hashes, build options, platform name/version,
 * device name/version, driver version). The file name is the key's hash;
 * the file also stores the full key text, checked on load, so a collision or
 * a stale/corrupt file is a miss. Files are written to a temporary name,
 * fsync'd and renamed into place. Cache directory: $BLOC_CACHE_DIR, else
 * $XDG_CACHE_HOME/bloc, else $HOME/.cache/bloc; BLOC_CACHE_DIR=off disables. */
#ifndef BLOC_PROGRAM_CACHE_H
#define BLOC_PROGRAM_CACHE_H

#include <stddef.h>

/* Path of a named file in the cache directory (created if needed); returns
 * 0 if caching is off or the directory cannot be made. */
int bloc_cache_path(const char *name, char *path, size_t size);

/* Full path of the cache file for a key hash; returns 0 if caching is off. */
int bloc_cache_file(const char *key_hash, char *path, size_t size);

/* Returns 1 and a malloc'd binary on a valid hit, 0 otherwise. */
int bloc_cache_load(const char *path, const char *key, unsigned char **bin, size_t *len);

/* Atomically writes the entry; returns 0 on success (failures are not fatal
 * to a run: the caller warns and goes on). */
int bloc_cache_store(const char *path, const char *key, const unsigned char *bin, size_t len);

#endif
