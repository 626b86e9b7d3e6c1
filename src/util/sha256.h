/* sha256.h — SHA-256 (FIPS 180-4) for content keys: the seccomp BPF cache, image digests.
 *
 * A small portable implementation so the static hullrt needs no libcrypto. Not constant-time and not meant
 * for secrets: it hashes public content only. Knows nothing of its callers.
 */
#ifndef HULL_UTIL_SHA256_H
#define HULL_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256_ctx {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t buf[64];
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
/* One-shot helpers. hex gets 64 lowercase hex digits and a NUL. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_LEN + 1]);

#endif
