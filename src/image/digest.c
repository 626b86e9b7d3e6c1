/* digest.c — see digest.h. */
#include "image/digest.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>

struct digest_ctx {
	EVP_MD_CTX *md;
};

struct digest_ctx *digest_new(void)
{
	struct digest_ctx *d = xmalloc(sizeof(*d));
	d->md = EVP_MD_CTX_new();
	if (!d->md || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1)
		abort();
	return d;
}

void digest_update(struct digest_ctx *d, const void *buf, size_t n)
{
	EVP_DigestUpdate(d->md, buf, n);
}

void digest_final(struct digest_ctx *d, char out[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(d->md, md, &len);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

void digest_free(struct digest_ctx *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->md);
	free(d);
}

int digest_file_at(int dirfd, const char *path, char out[72], uint64_t *size, struct hull_err **err)
{
	_cleanup_fd_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return hull_err_sys(err, "open %s", path);
	struct digest_ctx *d = digest_new();
	static __thread char buf[1 << 16];
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			digest_free(d);
			return hull_err_sys(err, "read %s", path);
		}
		if (n == 0)
			break;
		digest_update(d, buf, (size_t)n);
		total += (uint64_t)n;
	}
	digest_final(d, out);
	digest_free(d);
	if (size)
		*size = total;
	return 0;
}

void digest_check_init(struct digest_check *c, const char *want_digest, uint64_t want_size, const char *what)
{
	c->ctx = digest_new();
	c->want_digest = want_digest;
	c->want_size = want_size;
	c->got = 0;
	c->what = what;
}

int digest_check_update(struct digest_check *c, const void *buf, size_t n, struct hull_err **err)
{
	if (c->got + n > c->want_size)
		return hull_err_set(err, EBADMSG, "%s: more than the %llu bytes its descriptor declares", c->what,
				    (unsigned long long)c->want_size);
	digest_update(c->ctx, buf, n);
	c->got += n;
	return 0;
}

int digest_check_finish(struct digest_check *c, struct hull_err **err)
{
	if (c->got != c->want_size)
		return hull_err_set(err, EBADMSG, "%s: truncated: %llu of %llu bytes", c->what,
				    (unsigned long long)c->got, (unsigned long long)c->want_size);
	char got[72];
	digest_final(c->ctx, got);
	if (strcmp(got, c->want_digest) != 0)
		return hull_err_set(err, EBADMSG, "%s: digest mismatch: content is %s", c->what, got);
	return 0;
}

void digest_check_free(struct digest_check *c)
{
	digest_free(c->ctx);
	c->ctx = NULL;
}
