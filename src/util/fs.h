/* fs.h — file-system helpers shared by every module.
 *
 * Paths that come from a rootfs, a layer or a volume are hostile: resolve them relative to an fd of their
 * root with fs_open_in_root (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), never by joining strings.
 * Every write that must survive a crash goes through fs_write_atomic (temp file + fsync + rename).
 * This module knows nothing of containers.
 */
#ifndef HULL_UTIL_FS_H
#define HULL_UTIL_FS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>
#include "util/err.h"

/* openat2(rootfd, path, flags|O_CLOEXEC, mode, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|extra_resolve). */
int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, unsigned long long extra_resolve,
		    struct hull_err **err);
/* Create every missing directory of path inside rootfd (confined like fs_open_in_root) and return an
 * O_PATH|O_DIRECTORY fd of the last one. */
int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, struct hull_err **err);
/* Like fs_mkdir_p_in_root for the parent, then create path as an empty regular file if missing (mount
 * target for a file bind mount); returns an O_PATH fd of it. */
int fs_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct hull_err **err);
/* mkdir -p on the host side (no confinement: for hull's own state dirs). */
int fs_mkdir_p(const char *path, mode_t mode, struct hull_err **err);

/* Write buf to dirfd/name atomically: name.tmp-XXXX, fsync, rename. */
int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err);
/* The same without fsync: readers see the old or the new file, never a part, but a crash may lose the
 * write. For volatile state (the runtime's state dir under /run dies with the machine anyway): the
 * fsync would cost milliseconds on every container start where /run is not a tmpfs. */
int fs_write_replace(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err);
/* Create dirfd/name (O_EXCL, not following a symlink) and write buf: for a file in a directory the caller
 * has just made and nobody reads before a later commit point (no temp file, no rename). */
int fs_write_new(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, struct hull_err **err);
/* Write a whole string to an existing file (O_WRONLY|O_TRUNC), e.g. /proc or cgroup files. */
int fs_write_file_at(int dirfd, const char *path, const char *data, struct hull_err **err);
/* Read a whole file; NUL-terminated; *len (if non-NULL) set to its size. For hull's own files: the path
 * is not confined (use fs_read_file_in_root for a rootfs's or a layout's). */
char *fs_read_file_at(int dirfd, const char *path, size_t *len, struct hull_err **err);
/* The same for a path confined to rootfd like fs_open_in_root (a rootfs's /etc/passwd, an image layout's
 * index.json): a symlink in it cannot lead out. */
char *fs_read_file_in_root(int rootfd, const char *path, size_t *len, struct hull_err **err);
/* Read fd from its offset to its end; NUL-terminated; *len (if non-NULL) set to the size; what names the
 * file in errors. The fd stays open. */
char *fs_read_fd(int fd, const char *what, size_t *len, struct hull_err **err);

/* A directory stream of dirfd/path (no symlink followed at its last component) on a fresh O_CLOEXEC fd:
 * fdopendir(dup(dirfd)) would share the fd's offset, so a second listing through the same dirfd would
 * start at the end and see nothing. NULL with an error (errno kept) on failure. */
DIR *fs_opendir_at(int dirfd, const char *path, struct hull_err **err);

/* rm -rf of dirfd/name without following symlinks. */
int fs_rmtree_at(int dirfd, const char *name, struct hull_err **err);

#endif
