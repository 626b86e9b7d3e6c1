/* rootfs.c — the order of the container's file-system steps (see rootfs.h): propagation of "/", the
 * rootfs bound onto itself, mounts, devices; then pivot_root, read-only root, readonlyPaths, maskedPaths
 * and the requested propagation. The steps themselves live in mounts.c and devices.c.
 */
#include "runtime/rootfs.h"
#include "runtime/process.h"
#include "runtime/rootfs_impl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static bool has_mount_ns(const struct spec *s, const struct rootfs_opts *o)
{
	return o->private_mnt || mountplan_has_ns(s, NS_MOUNT);
}

/* pivot_root refuses a shared parent mount of the new root. Make only that mount private, so
 * "rshared" still connects every other mount with the host. */
static int make_rootfs_parent_private(const char *rootfs, struct hull_err **err)
{
	_cleanup_free_ char *mi = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, err);
	if (!mi)
		return -1;
	_cleanup_free_ char *best = mountplan_mount_of(mi, rootfs);
	if (best && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
		return hull_err_sys(err, "make %s private", best);
	return 0;
}

int rootfs_prepare(const struct spec *s, const struct rootfs_opts *o, struct hull_err **err)
{
	unsigned long prop = mountplan_root_propagation(s);
	if (o->private_mnt && (prop & MS_SHARED))
		return hull_err_set(err, EINVAL, "config.json: linux.rootfsPropagation: %s: would carry the container's "
						 "mounts into the host's (linux.namespaces has no \"mount\")",
				    s->linux_->rootfs_propagation ? s->linux_->rootfs_propagation : "shared");
	if (!has_mount_ns(s, o))
		return hull_err_set(err, EINVAL, "config.json: linux.namespaces: no mount namespace");
	struct mount_plan plan;
	if (mountplan_build(s, o->bundle, &plan, err) < 0)
		return -1;
	int ret = -1;
	_cleanup_fd_ int rootfd = -1;

	/* An unbindable "/" could not be bound (the rootfs onto itself, bind mounts from the host): the
	 * setup runs under rprivate, and rootfs_finalize makes "/" unbindable after pivot_root. */
	if (prop & MS_UNBINDABLE)
		prop = (prop & MS_REC) | MS_PRIVATE;
	uint64_t t = trace_begin();
	if (mount(NULL, "/", NULL, prop, NULL) < 0) {
		hull_err_sys(err, "rootfsPropagation: set propagation of /");
		goto out;
	}
	if ((prop & MS_SHARED) && make_rootfs_parent_private(o->rootfs, err) < 0)
		goto out;
	trace_end(t, "propagation of / (0x%lx)", prop);

	t = trace_begin();
	/* pivot_root needs the new root to be a mount point; the rootfs is often only a directory. */
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		hull_err_sys(err, "bind rootfs %s onto itself", o->rootfs);
		goto out;
	}
	trace_end(t, "bind rootfs %s onto itself", o->rootfs);
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_err_sys(err, "open rootfs %s", o->rootfs);
		goto out;
	}
	if (mounts_apply(rootfd, &plan, s, o, err) < 0 || devices_setup(rootfd, &plan, s, o, err) < 0)
		goto out;
	if (s->process && s->process->cwd) {
		/* As runc: the working directory exists even if the image lacks it. */
		_cleanup_fd_ int cwd = fs_mkdir_p_in_root(rootfd, s->process->cwd, 0755, err);
		if (cwd < 0) {
			hull_err_wrap(err, "process.cwd %s", s->process->cwd);
			goto out;
		}
	}
	ret = 0;
out:
	mountplan_free(&plan);
	return ret;
}

static int do_pivot_root(const struct spec *s, const char *rootfs, struct hull_err **err)
{
	_cleanup_fd_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_fd_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		return hull_err_sys(err, "pivot_root: open %s", oldroot < 0 ? "/" : rootfs);
	if (fchdir(newroot) < 0)
		return hull_err_sys(err, "pivot_root: chdir %s", rootfs);
	/* pivot_root(".", "."): the old root ends up stacked on the new one, unmounted right after, so no
	 * directory for it is needed inside the (hostile, maybe read-only) rootfs. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hull_err_sys(err, "pivot_root %s", rootfs);
	if (fchdir(oldroot) < 0)
		return hull_err_sys(err, "pivot_root: chdir old root");
	/* The detach below must not propagate to the host's mounts. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hull_err_sys(err, "pivot_root: make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return hull_err_sys(err, "pivot_root: detach old root");
	if (chdir("/") < 0)
		return hull_err_sys(err, "chdir /");
	return 0;
}

static int do_move_root(const struct spec *s, const char *rootfs, struct hull_err **err)
{
	/* pivot_root would have left the host's mounts behind; a move does not, so detach them first. With
	 * a shared "/" the detach would propagate to the host: then they stay (hidden under the move). */
	if (!(mountplan_root_propagation(s) & MS_SHARED)) {
		_cleanup_free_ char *mi = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, err);
		if (!mi)
			return -1;
		size_t n = 0;
		char **list = mountplan_detach_list(mi, rootfs, &n);
		for (size_t i = 0; i < n; i++)
			if (umount2(list[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
				hull_err_sys(err, "no-pivot: detach %s", list[i]);
				mountplan_paths_free(list, n);
				return -1;
			}
		mountplan_paths_free(list, n);
	}
	if (chdir(rootfs) < 0)
		return hull_err_sys(err, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return hull_err_sys(err, "move %s to /", rootfs);
	if (chroot(".") < 0)
		return hull_err_sys(err, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return hull_err_sys(err, "chdir /");
	return 0;
}

static int open_in_new_root(int rootfd, const char *path, const char *field, size_t i, struct hull_err **err)
{
	_cleanup_err_ struct hull_err *e = NULL;
	int fd = fs_open_in_root(rootfd, path, O_PATH, 0, 0, &e);
	if (fd >= 0)
		return fd;
	if (e->errnum == ENOENT)
		return -2; /* missing paths are skipped, as runc does */
	hull_err_set(err, e->errnum, "linux.%s[%zu] %s: open", field, i, path);
	return -1;
}

static int readonly_paths(int rootfd, const struct spec_linux *l, struct hull_err **err)
{
	char **paths = NULL;
	size_t n = 0;
	if (mountplan_paths(l->readonly_paths, l->n_readonly_paths, "readonlyPaths", &paths, &n, err) < 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		uint64_t t = trace_begin();
		_cleanup_fd_ int fd = open_in_new_root(rootfd, paths[i], "readonlyPaths", i, err);
		if (fd == -2)
			continue;
		_cleanup_fd_ int mfd = fd < 0 ? -1 : mnt_clone(fd, true, err);
		if (mfd < 0 ||
		    mnt_setattr(mfd, false, MOUNT_ATTR_RDONLY, 0, err) < 0 ||
		    mnt_attach(mfd, fd, err) < 0) {
			ret = hull_err_wrap(err, "readonly path %s", paths[i]);
			break;
		}
		trace_end(t, "read-only %s", paths[i]);
	}
	mountplan_paths_free(paths, n);
	return ret;
}

static int masked_paths(int rootfd, const struct spec_linux *l, struct hull_err **err)
{
	char **paths = NULL;
	size_t n = 0;
	if (mountplan_paths(l->masked_paths, l->n_masked_paths, "maskedPaths", &paths, &n, err) < 0)
		return -1;
	int ret = 0;
	_cleanup_fd_ int nullfd = -1;
	for (size_t i = 0; i < n && ret == 0; i++) {
		uint64_t t = trace_begin();
		_cleanup_fd_ int fd = open_in_new_root(rootfd, paths[i], "maskedPaths", i, err);
		if (fd == -2)
			continue;
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			ret = fd < 0 ? -1 : hull_err_sys(err, "stat");
			break;
		}
		_cleanup_fd_ int mfd = -1;
		if (mountplan_mask_kind(st.st_mode) == MASK_WITH_TMPFS) {
			/* as runc: an empty read-only tmpfs, read-only down to its superblock */
			mfd = mnt_new_fs("tmpfs", "tmpfs", NULL, MS_RDONLY, MOUNT_ATTR_RDONLY, err);
		} else {
			if (nullfd < 0)
				nullfd = devices_open_null(rootfd, err);
			mfd = nullfd < 0 ? -1 : mnt_clone(nullfd, false, err);
		}
		if (mfd < 0 || mnt_attach(mfd, fd, err) < 0) {
			ret = hull_err_wrap(err, "masked path %s", paths[i]);
			break;
		}
		trace_end(t, "mask %s with %s", paths[i], S_ISDIR(st.st_mode) ? "tmpfs" : "/dev/null");
	}
	mountplan_paths_free(paths, n);
	return ret;
}

/* A read-only tmpfs on /dev was mounted writable so the nodes could be made; seal it now. */
static int seal_deferred_dev(int rootfd, const struct mount_plan *plan, struct hull_err **err)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		if (!plan->steps[i].defer_rdonly)
			continue;
		_cleanup_fd_ int dev = devices_open_dev(rootfd, false, err);
		if (dev < 0)
			return -1;
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		if (mount_setattr(dev, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
			return hull_err_sys(err, "mounts[%zu] (on /dev): make read-only", plan->steps[i].index);
	}
	return 0;
}

int rootfs_finalize(const struct spec *s, const struct rootfs_opts *o, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (!has_mount_ns(s, o))
		return hull_err_set(err, EINVAL, "config.json: linux.namespaces: no mount namespace");
	if ((o->no_pivot ? do_move_root : do_pivot_root)(s, o->rootfs, err) < 0)
		return -1;
	trace_end(t, "%s %s", o->no_pivot ? "move+chroot" : "pivot_root", o->rootfs);

	struct mount_plan plan;
	if (mountplan_build(s, o->bundle, &plan, err) < 0)
		return -1;
	int ret = -1;
	_cleanup_fd_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_err_sys(err, "open /");
		goto out;
	}
	if (seal_deferred_dev(rootfd, &plan, err) < 0)
		goto out;
	if (s->root_readonly) {
		t = trace_begin();
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
			hull_err_sys(err, "root.readonly: make / read-only");
			goto out;
		}
		trace_end(t, "read-only /");
	}
	if (s->linux_ && (readonly_paths(rootfd, s->linux_, err) < 0 || masked_paths(rootfd, s->linux_, err) < 0))
		goto out;
	if (s->linux_ && (s->linux_->rootfs_propagation || s->linux_->rootfs_propagation_flags)) {
		unsigned long prop = mountplan_root_propagation(s);
		if (mount(NULL, "/", NULL, prop, NULL) < 0) {
			hull_err_sys(err, "rootfsPropagation: set propagation of / after pivot");
			goto out;
		}
	}
	ret = 0;
out:
	mountplan_free(&plan);
	return ret;
}

int rootfs_private_mount_ns(int *host_mnt, struct hull_err **err)
{
	uint64_t t = trace_begin();
	/* ns/mnt is a magic link, which proc_open_verified refuses to follow: open it from the verified dir. */
	_cleanup_fd_ int nsdir = proc_open_verified("self/ns", O_PATH | O_DIRECTORY, err);
	if (nsdir < 0)
		return hull_err_wrap(err, "open the runtime's mount namespace");
	*host_mnt = openat(nsdir, "mnt", O_RDONLY | O_CLOEXEC);
	if (*host_mnt < 0)
		return hull_err_sys(err, "open the runtime's mount namespace: /proc/self/ns/mnt");
	if (unshare(CLONE_NEWNS) < 0) {
		close(*host_mnt);
		*host_mnt = -1;
		return hull_err_sys(err, "unshare a private mount namespace for the container's mounts");
	}
	trace_end(t, "private mount namespace (the container keeps the runtime's)");
	return 0;
}

int rootfs_leave_private_mount_ns(int host_mnt, struct hull_err **err)
{
	uint64_t t = trace_begin();
	/* The copy lives in an anonymous mount namespace; closing its fd dissolves that namespace but keeps
	 * the mounts connected to each other for as long as our root refers to them. */
	_cleanup_fd_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
								       AT_RECURSIVE);
	if (tree < 0)
		return hull_err_sys(err, "clone the container's mount tree");
	if (setns(host_mnt, CLONE_NEWNS) < 0)
		return hull_err_sys(err, "back to the runtime's mount namespace");
	if (fchdir(tree) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return hull_err_sys(err, "chroot into the container's mount tree");
	close(host_mnt);
	trace_end(t, "runtime's mount namespace, root in a detached copy of the container's tree");
	return 0;
}
