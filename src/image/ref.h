/* ref.h — image references, normalised the way docker does.
 *
 * `busybox` → docker.io/library/busybox:latest; `host:port/repo:tag`; `name@sha256:<hex>`; a name with both a
 * tag and a digest keeps both (the digest wins when pulling). This module only parses and prints strings;
 * it never touches the network or the store.
 */
#ifndef HULL_IMAGE_REF_H
#define HULL_IMAGE_REF_H

#include "util/err.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_DEFAULT_TAG "latest"

struct image_ref {
	char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* NULL when only a digest was given */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalise s. Errors name s and the rule it broke. */
int image_ref_parse(const char *s, struct image_ref *out, struct hull_err **err);
void image_ref_free(struct image_ref *r);
/* "domain/path" */
char *image_ref_repo(const struct image_ref *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest" */
char *image_ref_string(const struct image_ref *r);
/* "domain/path:tag" if a tag is set, else NULL: the name a pull records in the store. */
char *image_ref_tagged(const struct image_ref *r);
/* The host to contact for domain: docker.io → registry-1.docker.io. */
const char *image_ref_registry_host(const struct image_ref *r);
/* True if s is "sha256:<64 lowercase hex>". */
int digest_is_valid(const char *s);

#endif
