/* archive.h — `hull save` and `hull load`: images to and from OCI image layouts (directory or tar,
 * "oci-archive") and docker-archive tars (manifest.json + config + layers).
 *
 * Save writes the stored blobs byte for byte, so a save → load round trip keeps every digest. Load treats
 * the archive as hostile: only regular files with expected names are taken from a tar, and every blob is
 * verified against its digest and size on its way into the store (the same import path as a pull).
 * Load never writes into what it loads from, and reads a layout directory only through openat2 confined
 * to it: a directory must be an OCI layout (a docker-archive comes as a tar, as docker load takes it).
 */
#ifndef HULL_IMAGE_ARCHIVE_H
#define HULL_IMAGE_ARCHIVE_H

#include <stdio.h>
#include "image/store.h"
#include "util/err.h"

enum archive_format { ARCHIVE_OCI, ARCHIVE_DOCKER };

int image_save(struct store *s, const char *what, const char *path, enum archive_format fmt, struct hull_err **err);
/* Prints "Loaded image: <name or ID>" per image to out. */
int image_load(struct store *s, const char *path, FILE *out, struct hull_err **err);

#endif
