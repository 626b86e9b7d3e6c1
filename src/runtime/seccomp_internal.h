/* seccomp_internal.h — the pieces of the seccomp module that its unit tests and fuzz target reach into.
 * Not for the runtime: it uses seccomp.h only.
 */
#ifndef HULL_RUNTIME_SECCOMP_INTERNAL_H
#define HULL_RUNTIME_SECCOMP_INTERNAL_H

#include <seccomp.h>
#include "runtime/seccomp.h"
#include "util/sha256.h"

/* Bumped whenever the translation below changes what BPF a profile becomes: old cache entries then miss. */
#define SECCOMP_CACHE_FORMAT "hull-seccomp-bpf-4"

/* Check the profile and compute the seccomp(2) flags and whether a listener is needed. No libseccomp. */
int seccomp_profile_check(const struct spec_seccomp *s, unsigned int *flags, bool *notify, struct hull_err **err);
/* Build the libseccomp filter of a checked profile (every rule, architecture and condition). */
scmp_filter_ctx seccomp_build_ctx(const struct spec_seccomp *s, struct hull_err **err);
/* Export ctx as BPF into a malloc'd buffer. */
int seccomp_export(scmp_filter_ctx ctx, void **filter, size_t *len, struct hull_err **err);

/* runc's ENOSYS rule (seccomp_enosys.c): whether the profile's default action calls for the stub, and
 * prepending it to an exported program (*filter is replaced). Returns the stub's length, 0 when none. */
bool seccomp_wants_enosys_stub(const struct spec_seccomp *s);
int seccomp_enosys_stub(const struct spec_seccomp *s, void **filter, size_t *len, struct hull_err **err);

/* Cache key: sha256 over the format, libseccomp version, kernel release and machine, and raw_json. */
void seccomp_cache_key(const char *raw_json, char hex[SHA256_HEX_LEN + 1]);
/* 0 and the program on a valid entry; 1 when there is none or it is corrupt (then it is removed);
 * -1 on an error that is not the cache's fault (cache_dir unusable). */
int seccomp_cache_load(const char *cache_dir, const char *key, void **filter, size_t *len, struct hull_err **err);
int seccomp_cache_store(const char *cache_dir, const char *key, const void *filter, size_t len, struct hull_err **err);
/* The file name of key's entry inside cache_dir ("bpf-<key>"), malloc'd. */
char *seccomp_cache_name(const char *key);

#endif
