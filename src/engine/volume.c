/* volume.c — named and anonymous volumes: <root>/volumes/<name>/_data and its volume.json
 * ({"Name","Driver":"local","Mountpoint","CreatedAt","Anonymous"}). A volume outlives containers
 * until `volume rm`/`prune`, or `rm -v`/--rm for the anonymous ones. */
#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int volume_create(struct engine *e, const char *name, bool anonymous, char **path, struct hull_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", e->volumes, name);
	_cleanup_free_ char *data = xasprintf("%s/_data", dir);
	_cleanup_free_ char *meta = xasprintf("%s/volume.json", dir);
	if (access(meta, F_OK) == 0) {
		if (path)
			*path = steal_ptr(&data);
		return 0;
	}
	if (fs_mkdir_p(data, 0755, err) < 0)
		return hull_err_wrap(err, "volume %s", name);
	_cleanup_free_ char *now = engine_now();
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:b,s:{},s:s}", "Name", name, "Driver", "local", "Mountpoint", data,
			      "CreatedAt", now, "Anonymous", anonymous, "Labels", "Scope", "local");
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(1));
	json_decref(j);
	_cleanup_fd_ int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || engine_write_replace(d, "volume.json", s, strlen(s), err) < 0)
		return hull_err_wrap(err, "volume %s", name);
	if (path)
		*path = steal_ptr(&data);
	return 0;
}

json_t *volume_inspect(struct engine *e, const char *name, struct hull_err **err)
{
	_cleanup_free_ char *meta = xasprintf("%s/%s/volume.json", e->volumes, name);
	if (strchr(name, '/') || name[0] == '.') {
		hull_err_set(err, EINVAL, "no such volume: %s", name);
		return NULL;
	}
	json_t *j = json_load_file(meta, 0, NULL);
	if (!j)
		engine_err(err, ENOENT, "no such volume: %s", name);
	return j;
}

bool volume_in_use(struct engine *e, const char *name)
{
	struct ctr **cs;
	size_t n;
	bool used = false;
	if (ctr_list(e, &cs, &n, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(cs[i]->rec, "Mounts"), k, m) {
			const char *v = rec_str(m, "Name");
			used |= v && !strcmp(v, name);
		}
		ctr_free(cs[i]);
	}
	free(cs);
	return used;
}

int volume_remove(struct engine *e, const char *name, bool force, struct hull_err **err)
{
	json_t *j = volume_inspect(e, name, err);
	if (!j)
		return -1;
	json_decref(j);
	if (!force && volume_in_use(e, name))
		return engine_err(err, EBUSY, "volume %s is in use by a container", name);
	_cleanup_fd_ int d = open(e->volumes, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_err_sys(err, "open %s", e->volumes);
	/* the metadata first: a half-removed volume is no volume */
	_cleanup_free_ char *meta = xasprintf("%s/volume.json", name);
	unlinkat(d, meta, 0);
	return fs_rmtree_at(d, name, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int volume_list(struct engine *e, char ***names, size_t *n, struct hull_err **err)
{
	*names = NULL;
	*n = 0;
	_cleanup_dir_ DIR *d = opendir(e->volumes);
	if (!d)
		return hull_err_sys(err, "open %s", e->volumes);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *meta = xasprintf("%s/%s/volume.json", e->volumes, de->d_name);
		if (access(meta, F_OK) < 0)
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof(char *));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}

/* ---- seeding a new volume with the image's content, as docker ---- */

static int copy_tree(int src, int dst, int depth, struct hull_err **err);

static int copy_entry(int src, int dst, const char *name, int depth, struct hull_err **err)
{
	struct stat sb;
	if (fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_err_sys(err, "stat %s", name);
	if (S_ISDIR(sb.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
			return hull_err_sys(err, "mkdir %s", name);
		_cleanup_fd_ int s2 = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_fd_ int d2 = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0 || d2 < 0)
			return hull_err_sys(err, "open %s", name);
		if (copy_tree(s2, d2, depth + 1, err) < 0)
			return hull_err_wrap(err, "%s", name);
	} else if (S_ISREG(sb.st_mode)) {
		_cleanup_fd_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_fd_ int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return hull_err_sys(err, "copy %s", name);
		/* overlay to another file system: copy_file_range says EXDEV; plain reads and writes */
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(out, buf + off, (size_t)(n - off));
				if (w <= 0)
					return hull_err_sys(err, "copy %s", name);
				off += w;
			}
		if (n < 0)
			return hull_err_sys(err, "read %s", name);
	} else if (S_ISLNK(sb.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return hull_err_sys(err, "readlink %s", name);
		target[n] = 0;
		if (symlinkat(target, dst, name) < 0)
			return hull_err_sys(err, "symlink %s", name);
	} else {
		return 0; /* devices, fifos, sockets: not volume content */
	}
	if (fchownat(dst, name, sb.st_uid, sb.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_err_sys(err, "chown %s", name);
	if (!S_ISLNK(sb.st_mode) && fchmodat(dst, name, sb.st_mode & 07777, 0) < 0)
		return hull_err_sys(err, "chmod %s", name);
	return 0;
}

static int copy_tree(int src, int dst, int depth, struct hull_err **err)
{
	if (depth > 128)
		return engine_err(err, ELOOP, "too deep");
	/* a fresh fd: the caller's src keeps its own offset */
	_cleanup_dir_ DIR *d = fs_opendir_at(src, ".", err);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && copy_entry(src, dst, de->d_name, depth, err) < 0)
			return -1;
	return 0;
}

/* Copy the image's dest into the volume's _data if that is still empty. */
static int seed_copy(struct engine *e, const char *name, int rootfd, const char *dest, struct hull_err **err)
{
	_cleanup_free_ char *data = xasprintf("%s/%s/_data", e->volumes, name);
	_cleanup_fd_ int dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return hull_err_sys(err, "open %s", data);
	/* only a volume nothing wrote to yet */
	_cleanup_dir_ DIR *probe = fs_opendir_at(dst, ".", NULL);
	struct dirent *de;
	while (probe && (de = readdir(probe)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return 0;
	/* the image's dir, resolved inside the rootfs: a symlink cannot lead the copy out of it */
	struct hull_err *oe = NULL;
	_cleanup_fd_ int src = fs_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, 0, &oe);
	hull_err_free(oe);
	if (src < 0)
		return 0; /* nothing there in the image */
	if (copy_tree(src, dst, 0, err) < 0)
		return hull_err_wrap(err, "volume %s: copy the image's %s", name, dest);
	struct stat sb;
	if (fstat(src, &sb) == 0 && (fchown(dst, sb.st_uid, sb.st_gid) < 0 || fchmod(dst, sb.st_mode & 07777) < 0))
		return hull_err_sys(err, "volume %s: owner and mode of %s", name, dest);
	return 0;
}

int volume_seed(struct engine *e, const char *name, int rootfd, const char *dest, struct hull_err **err)
{
	json_t *meta = volume_inspect(e, name, err);
	if (!meta)
		return -1;
	int ret = 0;
	if (!json_is_true(json_object_get(meta, "Seeded"))) {
		ret = seed_copy(e, name, rootfd, dest, err);
		if (ret == 0) {
			json_object_set_new(meta, "Seeded", json_true());
			char *s = json_dumps(meta, JSON_INDENT(1));
			char *dir = xasprintf("%s/%s", e->volumes, name);
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0 || engine_write_replace(dfd, "volume.json", s, strlen(s), err) < 0)
				ret = -1;
			if (dfd >= 0)
				close(dfd);
			free(dir);
			free(s);
		}
	}
	json_decref(meta);
	return ret;
}
