/* fs.c — see fs.h. */
#include "util/fs.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, unsigned long long extra_resolve,
		    struct hull_err **err)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve,
	};
	int fd;
	do
		fd = (int)sys_openat2(rootfd, path, &how);
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0)
		return hull_err_sys(err, "openat2 %s", path);
	return fd;
}

int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, struct hull_err **err)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_fd_ int cur = fs_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, 0, err);
	if (cur < 0)
		return -1;
	char *save = NULL;
	for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		/* Each step resolves against the real root again so ".." and symlinks stay confined. */
		if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST && strcmp(comp, "..") != 0)
			return hull_err_sys(err, "mkdir %s (in %s)", comp, path);
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		/* Resolve the component relative to cur, but a symlink in it must stay inside rootfd: resolve
		 * the prefix so far from the root instead. */
		size_t prefix_len = (size_t)(comp - copy) + strlen(comp);
		_cleanup_free_ char *prefix = xstrndup(path, prefix_len);
		int next = (int)sys_openat2(rootfd, prefix, &how);
		if (next < 0)
			return hull_err_sys(err, "open %s", prefix);
		close(cur);
		cur = next;
	}
	return steal_fd(&cur);
}

int fs_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct hull_err **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		_cleanup_fd_ int d = fs_mkdir_p_in_root(rootfd, *dir ? dir : "/", 0755, err);
		if (d < 0)
			return -1;
	}
	int fd = fs_open_in_root(rootfd, path, O_PATH, 0, 0, NULL);
	if (fd >= 0)
		return fd;
	_cleanup_fd_ int wfd = fs_open_in_root(rootfd, path, O_CREAT | O_WRONLY | O_NOFOLLOW, mode, 0, err);
	if (wfd < 0)
		return -1;
	return fs_open_in_root(rootfd, path, O_PATH, 0, 0, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct hull_err **err)
{
	/* the common case in one call: the directory, or at least its parent, exists */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return hull_err_sys(err, "mkdir %s", path);
	_cleanup_free_ char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return hull_err_sys(err, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return hull_err_sys(err, "mkdir %s", p);
	return 0;
}

static int write_replace(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, bool durable,
			 struct hull_err **err)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), ".%s.tmp-%d", name, (int)getpid());
	_cleanup_fd_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return hull_err_sys(err, "create %s", tmp);
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hull_err_sys(err, "write %s", tmp);
			unlinkat(dirfd, tmp, 0);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if ((durable && fsync(fd) < 0) || renameat(dirfd, tmp, dirfd, name) < 0) {
		hull_err_sys(err, "commit %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err)
{
	return write_replace(dirfd, name, buf, len, mode, true, err);
}

int fs_write_replace(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err)
{
	return write_replace(dirfd, name, buf, len, mode, false, err);
}

int fs_write_new(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err)
{
	_cleanup_fd_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return hull_err_sys(err, "create %s", name);
	/* the mode asked for, whatever the umask */
	if (fchmod(fd, mode) < 0)
		return hull_err_sys(err, "chmod %s", name);
	ssize_t n = write(fd, buf, len);
	if (n < 0)
		return hull_err_sys(err, "write %s", name);
	if ((size_t)n != len)
		return hull_err_set(err, EIO, "write %s: short write", name);
	return 0;
}

int fs_write_file_at(int dirfd, const char *path, const char *data, struct hull_err **err)
{
	_cleanup_fd_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open %s", path);
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	if (n < 0)
		return hull_err_sys(err, "write %s", path);
	if ((size_t)n != len)
		return hull_err_set(err, EIO, "write %s: short write", path);
	return 0;
}

char *fs_read_fd(int fd, const char *what, size_t *len, struct hull_err **err)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			hull_err_sys(err, "read %s", what);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *fs_read_file_at(int dirfd, const char *path, size_t *len, struct hull_err **err)
{
	_cleanup_fd_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		hull_err_sys(err, "open %s", path);
		return NULL;
	}
	return fs_read_fd(fd, path, len, err);
}

char *fs_read_file_in_root(int rootfd, const char *path, size_t *len, struct hull_err **err)
{
	_cleanup_fd_ int fd = fs_open_in_root(rootfd, path, O_RDONLY, 0, 0, err);
	if (fd < 0)
		return NULL;
	return fs_read_fd(fd, path, len, err);
}

DIR *fs_opendir_at(int dirfd, const char *path, struct hull_err **err)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		hull_err_sys(err, "open %s", path);
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
		hull_err_sys(err, "opendir %s", path);
	}
	return d;
}

/* A directory being emptied: its own name in its parent, the parent's identity (to check that ".."
 * leads back to it), and the subdirectories still to remove (its other entries are already gone). */
struct rm_level {
	char *name;
	dev_t parent_dev;
	ino_t parent_ino;
	char **subdirs;
	size_t n_subdirs;
};

/* One pass over directory fd: unlink every entry that is not a directory, collect the names of those
 * that are. */
static int empty_files(int fd, struct rm_level *lv, struct hull_err **err)
{
	_cleanup_dir_ DIR *d = fs_opendir_at(fd, ".", err);
	if (!d)
		return -1;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM)
			return hull_err_sys(err, "unlink %s", de->d_name);
		lv->subdirs = xrealloc(lv->subdirs, (lv->n_subdirs + 1) * sizeof(char *));
		lv->subdirs[lv->n_subdirs++] = xstrdup(de->d_name);
	}
	return errno ? hull_err_sys(err, "readdir") : 0;
}

static void rm_level_clear(struct rm_level *lv)
{
	free(lv->name);
	for (size_t i = 0; i < lv->n_subdirs; i++)
		free(lv->subdirs[i]);
	free(lv->subdirs);
}

/* Depth first with one directory fd open whatever the depth: a container's upper dir may nest directories
 * far deeper than the fd limit (and a DIR per level would cost 32 KiB). Each directory is read once; going
 * down opens the child, going up opens ".." and checks it is the directory it came from, so a tree changed
 * under us is an error, never a walk out of it. */
int fs_rmtree_at(int parentfd, const char *name, struct hull_err **err)
{
	if (unlinkat(parentfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return hull_err_sys(err, "unlink %s", name);
	int cur = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0)
		return errno == ENOENT ? 0 : hull_err_sys(err, "open %s", name);
	struct rm_level *stack = xcalloc(1, sizeof(*stack));
	size_t depth = 1; /* stack[depth-1]: the directory cur is open on */
	int ret = -1;
	if (empty_files(cur, &stack[0], err) < 0)
		goto out;
	while (depth > 0) {
		struct rm_level *lv = &stack[depth - 1];
		if (lv->n_subdirs > 0) {
			char *sub = lv->subdirs[--lv->n_subdirs];
			struct stat here;
			int child = openat(cur, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child < 0 && errno == ENOENT) {
				free(sub);
				continue;
			}
			if (child < 0 || fstat(cur, &here) < 0) {
				hull_err_sys(err, "open %s", sub);
				free(sub);
				if (child >= 0)
					close(child);
				goto out;
			}
			close(cur);
			cur = child;
			stack = xrealloc(stack, (depth + 1) * sizeof(*stack));
			stack[depth++] = (struct rm_level){ .name = sub, .parent_dev = here.st_dev, .parent_ino = here.st_ino };
			if (empty_files(cur, &stack[depth - 1], err) < 0)
				goto out;
			continue;
		}
		if (depth == 1)
			break;
		/* empty: up to the parent, and remove it there */
		struct stat up_st;
		int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &up_st) < 0 || up_st.st_dev != lv->parent_dev || up_st.st_ino != lv->parent_ino) {
			if (up >= 0)
				close(up);
			hull_err_set(err, ESTALE, "the tree changed while it was removed (at %s)", lv->name);
			goto out;
		}
		close(cur);
		cur = up;
		if (unlinkat(cur, lv->name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
			hull_err_sys(err, "rmdir %s", lv->name);
			goto out;
		}
		rm_level_clear(lv);
		depth--;
	}
	close(cur);
	cur = -1;
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		hull_err_sys(err, "rmdir %s", name);
		goto out;
	}
	ret = 0;
out:
	if (cur >= 0)
		close(cur);
	while (depth > 0)
		rm_level_clear(&stack[--depth]);
	free(stack);
	if (ret < 0)
		hull_err_wrap(err, "remove %s", name);
	return ret;
}
