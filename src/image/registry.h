/* registry.h — a client for the OCI distribution API (/v2/) over libcurl.
 *
 * Owns the wire: scheme choice (HTTPS; HTTP for loopback hosts and --tls-verify=false when HTTPS is not
 * answered), bearer-token auth (WWW-Authenticate challenge → token, cached per scope) and basic auth from
 * auth.json, redirects, retries with backoff on 5xx/429/connection resets (blobs resume with Range), HTTP/2
 * where offered. It hands bytes to the caller and never verifies or stores them: that is the puller's job.
 * Safe to use from several threads (one curl handle per request, the token cache locked).
 */
#ifndef HULL_IMAGE_REGISTRY_H
#define HULL_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

struct registry_opts {
	bool tls_verify;        /* default true; false also allows plain HTTP */
	const char *authfile;   /* NULL: the default search (auth.h) */
	const char *user, *pass; /* explicit credentials (login), else looked up */
};

struct registry;

/* host: "docker.io"-style domain of a reference (mapped to its registry host) or "host:port". */
struct registry *registry_new(const char *domain, const struct registry_opts *opts);
void registry_free(struct registry *r);
/* GET /v2/: checks the registry answers and, with credentials, that they are accepted. */
int registry_ping(struct registry *r, struct hull_err **err);
/* GET a manifest by tag or digest, with the Accept list of manifest.h. */
int registry_get_manifest(struct registry *r, const char *repo, const char *reference, char **body, size_t *len,
			  char **content_type, struct hull_err **err);
/* GET a blob into a small buffer (configs). max bounds its size. */
int registry_get_blob_buf(struct registry *r, const char *repo, const char *digest, uint64_t max, char **body,
			  size_t *len, struct hull_err **err);

/* Streamed blob download: sink receives each chunk in order, exactly once, even across retries; it returns
 * -1 (with err) to abort. progress (may be NULL) sees the bytes received so far. */
typedef int (*registry_sink)(void *arg, const void *buf, size_t n, struct hull_err **err);
int registry_get_blob(struct registry *r, const char *repo, const char *digest, registry_sink sink, void *arg,
		      struct hull_err **err);

#endif
