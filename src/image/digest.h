/* digest.h — sha256 content digests ("sha256:<hex>"): streaming over OpenSSL EVP (digest.c, for layers and
 * blobs: part of libhull-transfer.so), one-shot over the portable util/sha256 (digest_doc.c, for manifests,
 * configs and chain IDs: in the core `hull`, which links no libcrypto). The static runtime links neither.
 * A digest_check is how every byte that enters the store is verified: size and digest together.
 */
#ifndef HULL_IMAGE_DIGEST_H
#define HULL_IMAGE_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

struct digest_ctx;

struct digest_ctx *digest_new(void);
void digest_update(struct digest_ctx *d, const void *buf, size_t n);
/* "sha256:<64 hex>", written into out (at least 72 bytes). The context may not be updated after. */
void digest_final(struct digest_ctx *d, char out[72]);
void digest_free(struct digest_ctx *d);
/* One-shot, for small in-memory documents (digest_doc.c). */
void digest_buf(const void *buf, size_t n, char out[72]);
/* Digest of a whole file at dirfd/path; -1 on read error. */
int digest_file_at(int dirfd, const char *path, char out[72], uint64_t *size, struct hull_err **err);

/* Verify a stream against an expected digest and size: feed it with digest_check_update, which fails as
 * soon as more bytes than expected arrive; digest_check_finish fails on a short stream or wrong digest. */
struct digest_check {
	struct digest_ctx *ctx;
	const char *want_digest;
	uint64_t want_size, got;
	const char *what; /* for messages, e.g. "blob sha256:ab12…" */
};
void digest_check_init(struct digest_check *c, const char *want_digest, uint64_t want_size, const char *what);
int digest_check_update(struct digest_check *c, const void *buf, size_t n, struct hull_err **err);
int digest_check_finish(struct digest_check *c, struct hull_err **err);
void digest_check_free(struct digest_check *c);

#endif
