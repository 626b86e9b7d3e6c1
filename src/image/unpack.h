/* unpack.h — apply one layer's tar stream to an empty snapshot directory, in overlayfs form.
 *
 * libarchive only parses the tar; every file is created here, relative to an fd of the snapshot root,
 * each parent resolved with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS). Entries that try to leave the
 * root (`../`, absolute names, symlinked parents, hardlinks to outside, escaping whiteouts) are refused
 * with an error naming the entry. Whiteouts become overlay whiteouts (char 0:0), opaque markers become
 * trusted.overlay.opaque=y. Ownership, modes (setuid too), xattrs (file capabilities too), mtimes and
 * hardlinks are kept; device nodes need root. This module never decides where a snapshot lives.
 */
#ifndef HULL_IMAGE_UNPACK_H
#define HULL_IMAGE_UNPACK_H

#include <stdint.h>
#include "image/manifest.h"
#include "util/err.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

enum whiteout_kind { WH_NONE, WH_FILE, WH_OPAQUE, WH_META /* other .wh..wh.* names: aufs metadata */ };
/* Classify a base name; for WH_FILE *target is the name it deletes (inside base). Refuses ".", ".."
 * and empty targets. */
int whiteout_classify(const char *base, enum whiteout_kind *kind, const char **target, struct hull_err **err);

/* Normalise a tar entry name into a relative path without "." components ("./a//b/" → "a/b").
 * Refuses absolute names and ".." components. Returns a new string, "" for the root itself. */
char *unpack_clean_path(const char *name, struct hull_err **err);

struct unpack_result {
	char diff_id[72];        /* sha256 of the uncompressed tar */
	uint64_t uncompressed;   /* its size */
	uint64_t entries;
};

/* Read a layer from in_fd (compressed as comp) and apply it into rootfd (an empty directory).
 * max_out bounds the uncompressed size. On error the caller removes the directory. */
int unpack_layer(int rootfd, int in_fd, enum layer_compression comp, uint64_t max_out, struct unpack_result *res,
		 struct hull_err **err);

#endif
