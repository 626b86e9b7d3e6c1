/* pull.h — `hull pull`: reference → manifest (through an index, for a platform) → import.
 * Every manifest is checked against the digest it was asked by or listed under, and against its size.
 * It never stores anything itself: verified content goes to the store through import.h. */
#ifndef HULL_IMAGE_PULL_H
#define HULL_IMAGE_PULL_H

#include <stdbool.h>
#include <stdio.h>
#include "image/store.h"
#include "util/err.h"

struct pull_opts {
	bool quiet, tty, tls_verify;
	const char *platform; /* "os/arch[/variant]", NULL: this host */
	const char *authfile;
	FILE *out;
};

/* Returns 0 and the image ID (config digest) in *image_id. */
int image_pull(struct store *s, const char *reference, const struct pull_opts *o, char **image_id,
	       struct hull_err **err);

#endif
