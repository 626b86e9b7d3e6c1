/* image.h — what the rest of hull asks of the image store: an image's layers and config (for `hull run`),
 * read-only mounts of an image, tagging, removal and garbage collection.
 *
 * The snapshot dirs are overlay lowerdirs: whiteouts are char 0:0 nodes and opaque directories carry
 * trusted.overlay.opaque=y, so `lowerdir+` of them, topmost first, is the image's root filesystem.
 * Never write into a snapshot: they are shared between images.
 */
#ifndef HULL_IMAGE_IMAGE_H
#define HULL_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "image/store.h"
#include "util/err.h"

#define HULL_DEFAULT_ROOT "/var/lib/hull"

struct image_info {
	char *id;          /* "sha256:…" config digest */
	char *manifest;    /* manifest digest */
	char **lowerdirs;  /* absolute paths, BOTTOM layer first (reverse them for overlay's lowerdir=) */
	size_t n_layers;
	char *config;      /* the image config JSON (OCI image-spec config), NUL-terminated */
	size_t config_len;
};

/* Look up `what` (name, short name, ID or ID prefix, name@digest) in the store at root. */
int image_resolve(const char *root, const char *what, struct image_info *out, struct hull_err **err);
int image_resolve_in(struct store *s, const char *what, struct image_info *out, struct hull_err **err);
void image_info_free(struct image_info *i);

/* Mount the merged rootfs read-only at <root>/mounts/<id>/ (idempotent); *path receives it. */
int image_mount(struct store *s, const char *what, char **path, struct hull_err **err);
int image_unmount(struct store *s, const char *what, struct hull_err **err);
/* Mount lowerdirs (bottom first) read-only at target: overlay, or a bind mount for one layer. */
int image_mount_layers(char *const *lowerdirs, size_t n, const char *target, struct hull_err **err);

int image_tag(struct store *s, const char *src, const char *dst, struct hull_err **err);
/* A container using an image, as the caller (the engine's CLI) knows it: this module never asks the engine;
 * whoever removes images passes down the containers that exist. */
struct image_user {
	const char *image_id;  /* "sha256:…" config digest the container was made from */
	const char *container; /* its full id */
	const char *name;      /* its name, for messages */
	bool running;
};
struct image_users { const struct image_user *v; size_t n; };

/* rmi: for each name, untag it; an image left without names (or named by ID) is removed. force removes an
 * image whatever its names. An image a container uses is never removed (its snapshots are the container's
 * lower layers), as docker: without force, removing its last name or its ID is a conflict naming the
 * container; with force its names are removed and the image stays, nameless, until its containers are
 * gone — except by ID with a running container, which is refused. Prints "Untagged: …" / "Deleted: …". */
int image_remove(struct store *s, char *const *what, size_t n, bool force, const struct image_users *users,
		 FILE *out, struct hull_err **err);
/* Remove images without names that no container uses, then unreferenced blobs and snapshots. */
int image_prune(struct store *s, const struct image_users *users, FILE *out, struct hull_err **err);

#endif
