/* image.c — see image.h. */
#include "image/image.h"
#include "image/imagedb.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

void image_info_free(struct image_info *i)
{
	free(i->id);
	free(i->manifest);
	for (size_t k = 0; k < i->n_layers; k++)
		free(i->lowerdirs[k]);
	free(i->lowerdirs);
	free(i->config);
	memset(i, 0, sizeof(*i));
}

int image_resolve_in(struct store *s, const char *what, struct image_info *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	struct imagedb db;
	int i = imagedb_load_find(s, what, &db, err);
	if (i < 0)
		return -1;
	const struct image_record *r = &db.v[i];
	out->id = xstrdup(r->id);
	out->manifest = xstrdup(r->manifest);
	out->lowerdirs = xcalloc(r->n_layers + 1, sizeof(char *));
	for (size_t k = 0; k < r->n_layers; k++) {
		if (!store_has_snapshot(s, r->chain_ids[k])) {
			hull_err_set(err, ENOENT, "%s: layer %zu (%s) is missing from the store: pull it again", what, k,
				     r->chain_ids[k]);
			imagedb_free(&db);
			image_info_free(out);
			return -1;
		}
		out->lowerdirs[out->n_layers++] = store_snapshot_path(s, r->chain_ids[k]);
	}
	out->config = store_blob_read(s, r->id, &out->config_len, err);
	imagedb_free(&db);
	if (!out->config) {
		image_info_free(out);
		return -1;
	}
	return 0;
}

int image_resolve(const char *root, const char *what, struct image_info *out, struct hull_err **err)
{
	struct store s;
	if (store_open(&s, root ? root : HULL_DEFAULT_ROOT, err) < 0)
		return -1;
	int r = image_resolve_in(&s, what, out, err);
	store_close(&s);
	return r;
}

int image_mount_layers(char *const *lowerdirs, size_t n, const char *target, struct hull_err **err)
{
	if (n == 0)
		return hull_err_set(err, EINVAL, "image has no layers");
	uint64_t t = trace_begin();
	if (n == 1) {
		if (mount(lowerdirs[0], target, NULL, MS_BIND, NULL) < 0)
			return hull_err_sys(err, "bind %s on %s", lowerdirs[0], target);
		if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
			int e = errno;
			umount2(target, MNT_DETACH);
			return hull_err_set(err, e, "remount %s read-only", target);
		}
		trace_end(t, "bind-mount single layer at %s", target);
		return 0;
	}
	_cleanup_fd_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return hull_err_sys(err, "fsopen overlay");
	/* lowerdir+ (Linux 6.8) takes one layer per call: no page-size limit on the option string. */
	for (size_t k = n; k-- > 0;)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowerdirs[k], 0) < 0)
			return hull_err_sys(err, "overlay lowerdir+ %s", lowerdirs[k]);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return hull_err_sys(err, "create overlay of %zu layers", n);
	_cleanup_fd_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return hull_err_sys(err, "fsmount overlay");
	if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return hull_err_sys(err, "move_mount overlay to %s", target);
	trace_end(t, "mount overlay of %zu layers at %s", n, target);
	return 0;
}

static bool is_mountpoint(const char *path)
{
	struct stat a, b;
	_cleanup_free_ char *parent = xasprintf("%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
}

static char *mount_path(struct store *s, const char *id)
{
	return xasprintf("%s/mounts/%s", s->root, id + 7);
}

int image_mount(struct store *s, const char *what, char **path, struct hull_err **err)
{
	struct image_info info;
	if (image_resolve_in(s, what, &info, err) < 0)
		return -1;
	_cleanup_free_ char *dir = xasprintf("%s/mounts", s->root);
	_cleanup_free_ char *target = mount_path(s, info.id);
	int ret = -1;
	if (fs_mkdir_p(target, 0700, err) < 0)
		goto out;
	if (!is_mountpoint(target) && image_mount_layers(info.lowerdirs, info.n_layers, target, err) < 0) {
		rmdir(target);
		goto out;
	}
	*path = steal_ptr(&target);
	ret = 0;
out:
	image_info_free(&info);
	return ret;
}

int image_unmount(struct store *s, const char *what, struct hull_err **err)
{
	struct imagedb db;
	int i = imagedb_load_find(s, what, &db, err);
	if (i < 0)
		return -1;
	_cleanup_free_ char *target = mount_path(s, db.v[i].id);
	imagedb_free(&db);
	if (!is_mountpoint(target))
		return hull_err_set(err, EINVAL, "%s: image is not mounted", what);
	if (umount2(target, 0) < 0)
		return hull_err_sys(err, "unmount %s", target);
	rmdir(target);
	return 0;
}

int image_tag(struct store *s, const char *src, const char *dst, struct hull_err **err)
{
	struct image_ref ref;
	if (image_ref_parse(dst, &ref, err) < 0)
		return -1;
	_cleanup_free_ char *name = image_ref_tagged(&ref);
	bool has_digest = ref.digest != NULL;
	image_ref_free(&ref);
	if (has_digest || !name)
		return hull_err_set(err, EINVAL, "tag %s: a target name takes a tag, not a digest", dst);
	_cleanup_fd_ int lk = store_index_lock(s, err);
	if (lk < 0)
		return -1;
	struct imagedb db;
	int i = imagedb_load_find(s, src, &db, err);
	if (i < 0)
		return -1;
	_cleanup_free_ char *id = xstrdup(db.v[i].id);
	imagedb_untag(&db, name);
	/* untag may have shifted nothing: records are only removed by rmi/prune */
	for (size_t k = 0; k < db.n; k++)
		if (!strcmp(db.v[k].id, id))
			strv_add(&db.v[k].names, &db.v[k].n_names, name);
	int ret = imagedb_save(s, &db, err);
	imagedb_free(&db);
	return ret;
}

/* Delete blobs and snapshots no image refers to. Caller holds gc.lock exclusively and the index lock. */
static int collect(struct store *s, const struct imagedb *db, FILE *out, struct hull_err **err)
{
	/* Referenced: each image's manifest, its config, its layer blobs and snapshots, and the indexes in
	 * its repo digests. */
	char **keep = NULL;
	size_t nkeep = 0;
	for (size_t i = 0; i < db->n; i++) {
		const struct image_record *r = &db->v[i];
		strv_add(&keep, &nkeep, r->manifest + 7);
		strv_add(&keep, &nkeep, r->id + 7);
		for (size_t k = 0; k < r->n_layers; k++)
			strv_add(&keep, &nkeep, r->chain_ids[k] + 7);
		for (size_t k = 0; k < r->n_digests; k++) {
			const char *at = strchr(r->digests[k], '@');
			if (at && strlen(at) > 8)
				strv_add(&keep, &nkeep, at + 8);
		}
		_cleanup_free_ char *mbuf = NULL;
		size_t mlen;
		mbuf = store_blob_read(s, r->manifest, &mlen, NULL);
		struct manifest m;
		if (mbuf && manifest_parse(mbuf, mlen, NULL, &m, NULL) == 0) {
			for (size_t k = 0; k < m.n_layers; k++)
				strv_add(&keep, &nkeep, m.layers[k].digest + 7);
			manifest_free(&m);
		}
	}
	int ret = 0;
	int fds[2] = { s->blobsfd, s->snapfd };
	for (int which = 0; which < 2 && ret == 0; which++) {
		DIR *d = fs_opendir_at(fds[which], ".", err);
		if (!d) {
			ret = hull_err_wrap(err, "list store");
			break;
		}
		struct dirent *de;
		while ((de = readdir(d)) && ret == 0) {
			if (de->d_name[0] == '.')
				continue;
			bool kept = false;
			for (size_t k = 0; k < nkeep && !kept; k++)
				kept = !strcmp(keep[k], de->d_name);
			if (kept)
				continue;
			_cleanup_free_ char *dg = xasprintf("sha256:%s", de->d_name);
			ret = which == 0 ? store_blob_remove(s, dg, err) : store_snapshot_remove(s, dg, err);
			if (ret == 0 && which == 1 && out)
				log_debug("removed snapshot %s", dg);
		}
		closedir(d);
	}
	for (size_t k = 0; k < nkeep; k++)
		free(keep[k]);
	free(keep);
	return ret;
}

static bool image_mounted(struct store *s, const char *id)
{
	_cleanup_free_ char *p = mount_path(s, id);
	return is_mountpoint(p);
}

/* Removal excludes pulls (gc.lock) and other index writers (index.lock); returns the index lock fd. */
static int begin_removal(struct store *s, struct imagedb *db, struct hull_err **err)
{
	if (store_gc_lock(s, LOCK_EX, err) < 0)
		return -1;
	int lk = store_index_lock(s, err);
	if (lk < 0)
		return -1;
	if (imagedb_load(s, db, err) < 0) {
		close(lk);
		return -1;
	}
	return lk;
}

/* Save the records, then collect what they no longer reference. */
static int end_removal(struct store *s, struct imagedb *db, FILE *out, struct hull_err **err)
{
	int ret = imagedb_save(s, db, err);
	if (ret == 0)
		ret = collect(s, db, out, err);
	imagedb_free(db);
	return ret;
}

/* The container using image id, a running one first (its conflict cannot be forced); NULL if none. */
static const struct image_user *image_user_of(const struct image_users *users, const char *id)
{
	const struct image_user *found = NULL;
	for (size_t k = 0; users && k < users->n; k++)
		if (users->v[k].image_id && !strcmp(users->v[k].image_id, id) && (!found || users->v[k].running))
			found = &users->v[k];
	return found;
}

/* rmi of an image a container uses: refuse, or (force) take its names and keep it for the container. */
static int remove_used(struct imagedb *db, size_t i, const char *what, const char *name, bool force,
		       const struct image_user *u, FILE *out, struct hull_err **err)
{
	struct image_record *r = &db->v[i];
	/* errnum 0: the message is complete (strerror's "Device or resource busy" would only repeat it) */
	if (!force && name)
		return hull_err_set(err, 0, "conflict: unable to remove repository reference \"%s\" (must force) - "
				    "container %s (%.12s) is using its referenced image %.12s",
				    what, u->name ? u->name : "", u->container, r->id + 7);
	/* forced by name: docker untags even for a running container, and the image stays */
	if (!name && (!force || u->running))
		return hull_err_set(err, 0, "conflict: unable to delete %.12s (%s) - image is being used by %s "
				    "container %s (%.12s)", r->id + 7, force ? "cannot be forced" : "must be forced",
				    u->running ? "running" : "stopped", u->name ? u->name : "", u->container);
	if (name) {
		imagedb_untag(db, name);
		fprintf(out, "Untagged: %s\n", name);
		return 0;
	}
	while (r->n_names) {
		_cleanup_free_ char *nm = xstrdup(r->names[0]);
		imagedb_untag(db, nm);
		fprintf(out, "Untagged: %s\n", nm);
	}
	return 0;
}

int image_remove(struct store *s, char *const *what, size_t n, bool force, const struct image_users *users,
		 FILE *out, struct hull_err **err)
{
	struct imagedb db;
	_cleanup_fd_ int lk = begin_removal(s, &db, err);
	if (lk < 0)
		return -1;
	int ret = 0;
	for (size_t w = 0; w < n && ret == 0; w++) {
		int i = imagedb_find(&db, what[w], err);
		if (i < 0) {
			ret = -1;
			break;
		}
		struct image_record *r = &db.v[i];
		/* By name: drop that name; the image goes only when no name is left. By ID: all of it. */
		struct image_ref ref;
		_cleanup_free_ char *name = NULL;
		if (image_ref_parse(what[w], &ref, NULL) == 0) {
			name = image_ref_tagged(&ref);
			image_ref_free(&ref);
		}
		bool by_name = false;
		for (size_t k = 0; name && k < r->n_names; k++)
			by_name |= !strcmp(r->names[k], name);
		if (by_name && r->n_names > 1 && !force) {
			imagedb_untag(&db, name);
			fprintf(out, "Untagged: %s\n", name);
			continue;
		}
		const struct image_user *u = image_user_of(users, r->id);
		if (u) {
			ret = remove_used(&db, (size_t)i, what[w], by_name ? name : NULL, force, u, out, err);
			continue;
		}
		if (!by_name && r->n_names > 1 && !force) {
			ret = hull_err_set(err, EBUSY, "%s: image is referenced by %zu names: remove them or use -f",
					   what[w], r->n_names);
			break;
		}
		if (image_mounted(s, r->id)) {
			ret = hull_err_set(err, EBUSY, "%s: image is mounted (hull image unmount %s)", what[w], what[w]);
			break;
		}
		for (size_t k = 0; k < r->n_names; k++)
			fprintf(out, "Untagged: %s\n", r->names[k]);
		fprintf(out, "Deleted: %s\n", r->id);
		imagedb_remove(&db, (size_t)i);
	}
	if (ret < 0) {
		imagedb_free(&db);
		return -1;
	}
	return end_removal(s, &db, out, err);
}

int image_prune(struct store *s, const struct image_users *users, FILE *out, struct hull_err **err)
{
	struct imagedb db;
	_cleanup_fd_ int lk = begin_removal(s, &db, err);
	if (lk < 0)
		return -1;
	for (size_t i = db.n; i-- > 0;)
		if (db.v[i].n_names == 0 && !image_mounted(s, db.v[i].id) && !image_user_of(users, db.v[i].id)) {
			fprintf(out, "Deleted: %s\n", db.v[i].id);
			imagedb_remove(&db, i);
		}
	return end_removal(s, &db, out, err);
}
