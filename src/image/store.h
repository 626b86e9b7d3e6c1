/* store.h — the content store under --root (default /var/lib/hull).
 *
 *   blobs/sha256/<hex>          manifests, configs, compressed layers, exactly as pulled (verified)
 *   snapshots/<chain hex>/fs    one unpacked layer in overlayfs form, shared by every image using that chain
 *   snapshots/<chain hex>/info.json   {"diff_id","size"}
 *   images.json                 the image records (images.h)
 *   tmp/<pid>-...               work in progress; renamed into place when complete, so an interrupted pull
 *                               leaves nothing visible (stale entries of dead pids are swept at open)
 *   mounts/<id hex>/            `hull image mount` points
 *   gc.lock                     shared by pulls/loads, exclusive for removal (rmi, prune)
 *   index.lock                  exclusive around each read-modify-write of images.json
 * Everything that enters blobs/ has been verified against its digest by the writer. This module knows
 * nothing about registries or tar.
 */
#ifndef HULL_IMAGE_STORE_H
#define HULL_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

struct store {
	char *root;
	int rootfd, blobsfd, snapfd, tmpfd, gcfd;
};

int store_open(struct store *s, const char *root, struct hull_err **err);
void store_close(struct store *s);
/* gc.lock: LOCK_SH while adding content, LOCK_EX while removing. */
int store_gc_lock(struct store *s, int op, struct hull_err **err);
/* index.lock held exclusively; returns its fd (close to release). */
int store_index_lock(struct store *s, struct hull_err **err);

bool store_has_blob(struct store *s, const char *digest);
int store_blob_open(struct store *s, const char *digest, struct hull_err **err);
char *store_blob_read(struct store *s, const char *digest, size_t *len, struct hull_err **err);
char *store_blob_path(struct store *s, const char *digest);
/* Verify buf against digest, then write it atomically. */
int store_blob_put(struct store *s, const char *digest, const void *buf, size_t len, struct hull_err **err);

/* A new temp file or directory under tmp/; *name receives its name there. */
int store_tmp_file(struct store *s, char **name, struct hull_err **err);
int store_tmp_dir(struct store *s, char **name, struct hull_err **err);
void store_tmp_remove(struct store *s, const char *name);
/* Move a verified temp file into blobs/ (an existing blob of that digest wins). */
int store_blob_commit(struct store *s, const char *tmpname, const char *digest, struct hull_err **err);

bool store_has_snapshot(struct store *s, const char *chain_id);
char *store_snapshot_path(struct store *s, const char *chain_id); /* .../snapshots/<hex>/fs */
/* tmpname holds fs/ (already unpacked); writes info.json and renames it to snapshots/<hex>. */
int store_snapshot_commit(struct store *s, const char *tmpname, const char *chain_id, const char *diff_id,
			  uint64_t size, struct hull_err **err);
/* Uncompressed size recorded for a snapshot, 0 if unknown. */
uint64_t store_snapshot_size(struct store *s, const char *chain_id);
int store_snapshot_remove(struct store *s, const char *chain_id, struct hull_err **err);
int store_blob_remove(struct store *s, const char *digest, struct hull_err **err);

/* chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)). out: n strings of 72 bytes. */
void chain_ids(char *const *diff_ids, size_t n, char (*out)[72]);

#endif
