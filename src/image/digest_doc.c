/* digest_doc.c — digest_buf (digest.h): one-shot digests of small in-memory documents (manifests, configs,
 * chain IDs) with the portable SHA-256, so that the core `hull` (run, ps, images…) needs no libcrypto and
 * pays for no OpenSSL initialisation; the EVP streaming digests of layers live in digest.c (transfer). */
#include "image/digest.h"
#include "util/sha256.h"

#include <string.h>

void digest_buf(const void *buf, size_t n, char out[72])
{
	uint8_t md[SHA256_DIGEST_LEN];
	sha256(buf, n, md);
	memcpy(out, "sha256:", 7);
	sha256_hex(md, out + 7);
}
