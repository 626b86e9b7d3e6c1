/* import.h — bring one verified image manifest's content into the store, from any blob source
 * (a registry, an OCI layout directory): config, then every layer downloaded → verified (digest and
 * size) → decompressed → unpacked as one stream, layers in parallel, each committed only when whole and
 * verified (blob digest, diff ID against the config). Finally the image record is written.
 * It never lets an unverified byte into blobs/ or a half-unpacked layer into snapshots/, and never trusts
 * a blob source's paths: a layout directory is read through openat2 confined to it.
 */
#ifndef HULL_IMAGE_IMPORT_H
#define HULL_IMAGE_IMPORT_H

#include "image/imagedb.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "image/registry.h"
#include "image/store.h"

struct blob_source {
	/* Stream blob d to sink; the importer verifies. */
	int (*stream)(void *ctx, const struct descriptor *d, registry_sink sink, void *arg, struct hull_err **err);
	void *ctx;
};

/* A blob_source over a registry repository. */
struct registry_source {
	struct registry *reg;
	const char *repo;
};
int registry_source_stream(void *ctx, const struct descriptor *d, registry_sink sink, void *arg,
			   struct hull_err **err);
/* A blob_source over an OCI layout's blobs/ directory (an fd of the layout root). */
int layout_source_stream(void *ctx, const struct descriptor *d, registry_sink sink, void *arg,
			 struct hull_err **err);

struct import_request {
	const char *manifest;        /* bytes of the image manifest, already verified against manifest_digest */
	size_t manifest_len;
	const char *manifest_digest;
	const struct manifest *parsed;
	const char *const *names;    /* tags to record (may be NULL) */
	const char *const *digests;  /* repo@digest to record (may be NULL) */
	struct progress *progress;   /* may be NULL */
};

/* Returns 0 and fills *image_id ("sha256:…", config digest). */
int import_image(struct store *s, struct blob_source *src, const struct import_request *req, char **image_id,
		 struct hull_err **err);

/* Stream a verified blob into the store (no unpack). */
int import_blob(struct store *s, struct blob_source *src, const struct descriptor *d, struct hull_err **err);

#endif
