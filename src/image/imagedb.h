/* imagedb.h — the image records of a store (images.json): which names point at which image, and what
 * each image is made of. An image's ID is its config digest (as docker's); names are normalised
 * references ("docker.io/library/busybox:latest"). Callers hold the store's index lock around
 * load → change → save. This module never touches blobs or snapshots.
 */
#ifndef HULL_IMAGE_IMAGEDB_H
#define HULL_IMAGE_IMAGEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "image/store.h"

struct image_record {
	char *id;            /* config digest */
	char *manifest;      /* image manifest digest */
	char *manifest_type; /* its media type */
	char **names;        /* tags: "domain/path:tag" */
	size_t n_names;
	char **digests;      /* "domain/path@sha256:…" (manifest or index digest it was pulled by) */
	size_t n_digests;
	char **chain_ids;    /* bottom layer first */
	size_t n_layers;
	uint64_t size;       /* uncompressed, all layers */
	int64_t created;     /* from the config, seconds */
	int64_t stored;      /* when it entered the store */
};

struct imagedb {
	struct image_record *v;
	size_t n;
};

int imagedb_load(struct store *s, struct imagedb *db, struct hull_err **err);
int imagedb_save(struct store *s, const struct imagedb *db, struct hull_err **err);
void imagedb_free(struct imagedb *db);
void image_record_free(struct image_record *r);
/* Find by full name or short name (normalised), name@digest, "sha256:<id>", or an ID prefix (≥ 3 hex, unique).
 * Returns the index, or -1 with an error. */
int imagedb_find(const struct imagedb *db, const char *what, struct hull_err **err);
/* imagedb_load, then imagedb_find: the index with *db loaded (the caller frees it), or -1 with an error and
 * nothing to free. */
int imagedb_load_find(struct store *s, const char *what, struct imagedb *db, struct hull_err **err);
/* Add rec (taking ownership). An image with the same ID gains rec's names and digests; every name of
 * rec is taken away from any other image that had it. Returns the index of the record. */
size_t imagedb_add(struct imagedb *db, struct image_record *rec);
/* True if db already records rec exactly (same image and manifest, with all of rec's names and digests):
 * a warm pull then writes nothing. */
bool imagedb_has(const struct imagedb *db, const struct image_record *rec);
/* Remove a name from whichever image has it; returns 1 if removed. */
int imagedb_untag(struct imagedb *db, const char *name);
void imagedb_remove(struct imagedb *db, size_t i);
void strv_add(char ***v, size_t *n, const char *s);

#endif
