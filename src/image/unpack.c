/* unpack.c — see unpack.h. */
#include "image/unpack.h"
#include "image/decompress.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int whiteout_classify(const char *base, enum whiteout_kind *kind, const char **target, struct hull_err **err)
{
	*kind = WH_NONE;
	*target = NULL;
	if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0)
		return 0;
	if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
		*kind = WH_OPAQUE;
		return 0;
	}
	if (strncmp(base, WHITEOUT_PREFIX WHITEOUT_PREFIX, 2 * strlen(WHITEOUT_PREFIX)) == 0) {
		*kind = WH_META;
		return 0;
	}
	const char *t = base + strlen(WHITEOUT_PREFIX);
	if (!*t || !strcmp(t, ".") || !strcmp(t, "..") || strchr(t, '/'))
		return hull_err_set(err, EINVAL, "whiteout \"%s\" names no file in its directory", base);
	*kind = WH_FILE;
	*target = t;
	return 0;
}

char *unpack_clean_path(const char *name, struct hull_err **err)
{
	if (name[0] == '/') {
		hull_err_set(err, EPERM, "absolute path: refusing to write outside the layer");
		return NULL;
	}
	size_t n = strlen(name);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (const char *p = name; *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			hull_err_set(err, EPERM, "\"..\" component: refusing to write outside the layer");
			return NULL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[o] = 0;
	return out;
}

/* An O_RDONLY fd of directory `rel` inside rootfd, created (0755, root-owned) if missing. Symlinks are
 * refused anywhere on the way: a layer that writes through one is trying to get out. */
static int open_dir(int rootfd, const char *rel, bool create, struct hull_err **err)
{
	if (!*rel)
		rel = ".";
	_cleanup_err_ struct hull_err *e = NULL;
	int fd = fs_open_in_root(rootfd, rel, O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, &e);
	if (fd >= 0)
		return fd;
	int en = e->errnum;
	if (en == ELOOP)
		return hull_err_set(err, EPERM, "parent \"%s\" is or passes through a symlink: refusing to write through it", rel);
	if (en == ENOTDIR)
		return hull_err_set(err, ENOTDIR, "parent \"%s\" is not a directory", rel);
	if (en != ENOENT || !create)
		return hull_err_set(err, en, "open parent \"%s\"", rel);
	_cleanup_free_ char *copy = xstrdup(rel);
	for (char *s = copy;; s++) {
		if (*s != '/' && *s)
			continue;
		char saved = *s;
		*s = 0;
		char *slash = strrchr(copy, '/');
		_cleanup_free_ char *parent = slash ? xstrndup(copy, (size_t)(slash - copy)) : xstrdup(".");
		_cleanup_fd_ int pfd = open_dir(rootfd, parent, false, err);
		if (pfd < 0)
			return -1;
		if (mkdirat(pfd, slash ? slash + 1 : copy, 0755) < 0 && errno != EEXIST)
			return hull_err_sys(err, "mkdir \"%s\"", copy);
		*s = saved;
		if (!saved)
			break;
	}
	return open_dir(rootfd, rel, false, err);
}

static void split(char *path, const char **parent, const char **base)
{
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = 0;
		*parent = path;
		*base = slash + 1;
	} else {
		*parent = "";
		*base = path;
	}
}

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpack_state {
	int rootfd;
	struct archive *a;
	struct layer_reader *reader;
	struct hull_err *read_err;
	struct dir_time *dirs;
	size_t n_dirs, cap_dirs;
};

static la_ssize_t read_cb(struct archive *a, void *data, const void **buf)
{
	struct unpack_state *st = data;
	ssize_t n = layer_reader_read(st->reader, buf, &st->read_err);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", st->read_err ? st->read_err->msg : "read error");
		return -1;
	}
	return n;
}

static int write_data(struct unpack_state *st, int fd, struct hull_err **err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(st->a, &buf, &size, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		while (size) {
			ssize_t w = pwrite(fd, p, size, off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return hull_err_sys(err, "write");
			p += w;
			size -= (size_t)w;
			off += w;
		}
	}
	if (r != ARCHIVE_EOF) {
		if (st->read_err)
			return hull_err_pass(err, &st->read_err);
		return hull_err_set(err, EBADMSG, "tar data: %s", archive_error_string(st->a));
	}
	return 0;
}

/* Ownership first (chown clears setuid bits and file capabilities), then mode, xattrs, times. */
static int apply_meta(struct unpack_state *st, int parentfd, const char *base, struct archive_entry *e,
		      const char *rel, struct hull_err **err)
{
	mode_t type = archive_entry_filetype(e);
	bool is_link = type == AE_IFLNK;
	_cleanup_fd_ int fd = openat(parentfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open");
	if (fchownat(fd, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return hull_err_sys(err, "chown %lld:%lld", (long long)archive_entry_uid(e),
				    (long long)archive_entry_gid(e));
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (!is_link && chmod(proc, archive_entry_perm(e) & 07777) < 0)
		return hull_err_sys(err, "chmod");
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (!is_link && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* overlayfs reads trusted.overlay.* from lower layers (opaque, redirect, metacopy): only the
		 * translation of a whiteout may produce them. */
		if (strncmp(name, "trusted.overlay.", 16) == 0)
			return hull_err_set(err, EPERM, "xattr %s: not allowed in a layer", name);
		if (setxattr(proc, name, value, size, 0) < 0)
			return hull_err_sys(err, "setxattr %s", name);
	}
	struct timespec ts[2] = {
		{ archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e),
		  archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : archive_entry_mtime_nsec(e) },
		{ archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
	};
	if (type == AE_IFDIR) {
		/* Entries written later into this directory would move its mtime: set it at the end. */
		if (st->n_dirs == st->cap_dirs)
			st->dirs = xrealloc(st->dirs, (st->cap_dirs = st->cap_dirs ? 2 * st->cap_dirs : 64) *
							      sizeof(*st->dirs));
		st->dirs[st->n_dirs].path = xstrdup(rel);
		memcpy(st->dirs[st->n_dirs].ts, ts, sizeof(ts));
		st->n_dirs++;
		return 0;
	}
	if (is_link ? utimensat(parentfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0 : utimensat(AT_FDCWD, proc, ts, 0) < 0)
		return hull_err_sys(err, "set times");
	return 0;
}

static int apply_whiteout(int parentfd, const char *base, enum whiteout_kind kind, const char *target,
			  struct hull_err **err)
{
	if (kind == WH_META)
		return 0;
	if (kind == WH_OPAQUE) {
		if (fsetxattr(parentfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return hull_err_sys(err, "set trusted.overlay.opaque");
		return 0;
	}
	if (fs_rmtree_at(parentfd, target, err) < 0)
		return -1;
	if (mknodat(parentfd, target, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return hull_err_sys(err, "mknod whiteout %s", target);
	return 0;
}

static int apply_entry(struct unpack_state *st, struct archive_entry *e, struct hull_err **err)
{
	_cleanup_free_ char *rel = unpack_clean_path(archive_entry_pathname(e), err);
	if (!rel)
		return -1;
	mode_t type = archive_entry_filetype(e);
	if (!*rel)
		return 0; /* the layer's own root: the snapshot directory keeps hull's metadata */
	_cleanup_free_ char *work = xstrdup(rel);
	const char *parent, *base;
	split(work, &parent, &base);
	enum whiteout_kind wk;
	const char *target;
	if (whiteout_classify(base, &wk, &target, err) < 0)
		return -1;
	_cleanup_fd_ int pfd = open_dir(st->rootfd, parent, true, err);
	if (pfd < 0)
		return -1;
	if (wk != WH_NONE)
		return apply_whiteout(pfd, base, wk, target, err);

	const char *hardlink = archive_entry_hardlink(e);
	struct stat old;
	if (fstatat(pfd, base, &old, AT_SYMLINK_NOFOLLOW) == 0) {
		bool keep = S_ISDIR(old.st_mode) && type == AE_IFDIR && !hardlink;
		if (!keep && fs_rmtree_at(pfd, base, err) < 0)
			return -1;
	}
	if (hardlink) {
		_cleanup_err_ struct hull_err *why = NULL;
		_cleanup_free_ char *trel = unpack_clean_path(hardlink, &why);
		if (!trel)
			return hull_err_set(err, EPERM, "hardlink to \"%s\": %s", hardlink, why->msg);
		if (!*trel)
			return hull_err_set(err, EPERM, "hardlink to the layer root");
		const char *tparent, *tbase;
		split(trel, &tparent, &tbase);
		_cleanup_fd_ int tpfd = open_dir(st->rootfd, tparent, false, &why);
		if (tpfd < 0)
			return hull_err_set(err, EPERM, "hardlink to \"%s\": %s", hardlink, why->msg);
		if (linkat(tpfd, tbase, pfd, base, 0) < 0)
			return hull_err_sys(err, "hardlink to \"%s\"%s", hardlink,
					    errno == ENOENT ? " (the target must be earlier in the same layer)" : "");
		return 0;
	}
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			return hull_err_sys(err, "mkdir");
		break;
	case AE_IFREG: {
		_cleanup_fd_ int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return hull_err_sys(err, "create");
		if (write_data(st, fd, err) < 0)
			return -1;
		if (ftruncate(fd, archive_entry_size(e)) < 0)
			return hull_err_sys(err, "truncate");
		break;
	}
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e), pfd, base) < 0)
			return hull_err_sys(err, "symlink");
		break;
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (mknodat(pfd, base, type | 0600, archive_entry_rdev(e)) < 0)
			return hull_err_sys(err, "mknod");
		break;
	default:
		log_debug("layer entry %s: type %o skipped", rel, (unsigned)type);
		return 0;
	}
	return apply_meta(st, pfd, base, e, rel, err);
}

static int finish_dirs(struct unpack_state *st, struct hull_err **err)
{
	for (size_t i = st->n_dirs; i-- > 0;) {
		_cleanup_fd_ int fd = fs_open_in_root(st->rootfd, st->dirs[i].path, O_RDONLY | O_DIRECTORY, 0,
						      RESOLVE_NO_SYMLINKS, NULL);
		/* A later entry may have replaced the directory; then it has no time to restore. */
		if (fd >= 0 && futimens(fd, st->dirs[i].ts) < 0)
			return hull_err_sys(err, "%s: set times", st->dirs[i].path);
	}
	return 0;
}

int unpack_layer(int rootfd, int in_fd, enum layer_compression comp, uint64_t max_out, struct unpack_result *res,
		 struct hull_err **err)
{
	struct unpack_state st = { .rootfd = rootfd };
	st.reader = layer_reader_new(in_fd, comp, max_out);
	st.a = archive_read_new();
	archive_read_support_format_tar(st.a);
	archive_read_support_format_gnutar(st.a);
	int ret = -1;
	memset(res, 0, sizeof(*res));
	if (archive_read_open(st.a, &st, NULL, read_cb, NULL) != ARCHIVE_OK) {
		hull_err_set(err, EBADMSG, "layer: %s", st.read_err ? st.read_err->msg : archive_error_string(st.a));
		goto out;
	}
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(st.a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (apply_entry(&st, e, err) < 0) {
			hull_err_wrap(err, "layer entry \"%s\"", archive_entry_pathname(e));
			goto out;
		}
		res->entries++;
	}
	if (r != ARCHIVE_EOF) {
		if (st.read_err)
			hull_err_pass(err, &st.read_err);
		else
			hull_err_set(err, EBADMSG, "layer: tar: %s", archive_error_string(st.a));
		goto out;
	}
	if (layer_reader_drain(st.reader, err) < 0 || finish_dirs(&st, err) < 0)
		goto out;
	layer_reader_diff_id(st.reader, res->diff_id);
	res->uncompressed = layer_reader_total(st.reader);
	ret = 0;
out:
	if (st.read_err && ret < 0 && err && !*err)
		hull_err_pass(err, &st.read_err);
	hull_err_free(st.read_err);
	archive_read_free(st.a);
	layer_reader_free(st.reader);
	for (size_t i = 0; i < st.n_dirs; i++)
		free(st.dirs[i].path);
	free(st.dirs);
	return ret;
}
