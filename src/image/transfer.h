/* transfer.h — what the core `hull` asks of the image transfer code: pull, load, save, login, logout.
 *
 * That code (registry client, import, unpack, archives, auth.json; curl, libarchive, isa-l, OpenSSL and the
 * ~40 shared objects they bring) is built into libhull-transfer.so, installed next to the `hull` binary, and
 * loaded only by the commands that move images (transfer_loader.c). Every other command — run, exec, ps,
 * logs, stop, rm, the monitor — starts without it (docs/performance.md, "hull startup").
 *
 * The shared object exports one symbol, IMAGE_TRANSFER_SYMBOL, a table of the functions below; everything
 * else it needs (store, image records, errors, logging, jansson) it takes from the `hull` executable, which
 * exports exactly those symbols. The table carries a build ID (a hash of src's headers) so a hull and a
 * library from different builds refuse each other instead of calling through mismatched structs.
 * Data flows one way: the core calls the table; the library never calls the CLI or the engine.
 */
#ifndef HULL_IMAGE_TRANSFER_H
#define HULL_IMAGE_TRANSFER_H

#include <stdio.h>
#include "image/archive.h"
#include "image/pull.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/err.h"

#define IMAGE_TRANSFER_LIB "libhull-transfer.so"
#define IMAGE_TRANSFER_SYMBOL "hull_image_transfer"

struct image_transfer {
	const char *build_id; /* HULL_BUILD_ID of the library's build */
	size_t size;          /* sizeof(struct image_transfer) in that build */
	/* image/pull.h */
	int (*pull)(struct store *s, const char *reference, const struct pull_opts *o, char **image_id,
		    struct hull_err **err);
	/* image/archive.h */
	int (*load)(struct store *s, const char *path, FILE *out, struct hull_err **err);
	int (*save)(struct store *s, const char *what, const char *path, enum archive_format fmt,
		    struct hull_err **err);
	/* Check the credentials of o against host's /v2/, then store them in auth.json (image/auth.h). */
	int (*login)(const char *host, const struct registry_opts *o, struct hull_err **err);
	/* auth_remove (image/auth.h): 1 if something was removed, 0 if not logged in. */
	int (*logout)(const char *authfile, const char *host, struct hull_err **err);
};

/* The transfer functions, loading libhull-transfer.so from the directory of /proc/self/exe on first use.
 * The file must be a regular file owned by root or by the owner of the running binary, writable by no one
 * else; it is loaded through the fd that was checked. NULL with *err naming the path if anything is wrong. */
const struct image_transfer *image_transfer(struct hull_err **err);

#endif
