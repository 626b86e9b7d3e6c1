/* devices.c — /dev inside the container: device nodes, the standard symlinks, /dev/ptmx, /dev/console.
 *
 * Everything is created relative to an fd of the container's /dev, which must be a real directory: a
 * /dev that is a symlink could point the nodes, or a later /dev/null bind, at the host (CVE-2026-41579
 * class). Inside a user namespace mknod is not allowed, so the host's node is bind-mounted instead.
 */
#include "runtime/rootfs_impl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int devices_open_dev(int rootfd, bool create, struct hull_err **err)
{
	if (create && mkdirat(rootfd, "dev", 0755) < 0 && errno != EEXIST)
		return hull_err_sys(err, "mkdir /dev");
	int fd = fs_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, err);
	if (fd < 0 && err && *err && ((*err)->errnum == ELOOP || (*err)->errnum == ENOTDIR))
		return hull_err_wrap(err, "/dev must be a directory, not a symlink or file");
	return fd;
}

int devices_open_null(int rootfd, struct hull_err **err)
{
	_cleanup_fd_ int fd = fs_open_in_root(rootfd, "/dev/null", O_PATH, 0, RESOLVE_NO_SYMLINKS, err);
	if (fd < 0)
		return hull_err_wrap(err, "/dev/null");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_err_sys(err, "stat /dev/null");
	/* A /dev/null that is not the null device would turn a masking bind into an exposure (CVE-2025-31133). */
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		return hull_err_set(err, EPERM, "/dev/null is not the character device 1:3");
	return steal_fd(&fd);
}

/* Replace whatever the image put at dir/name (not a directory) so the node we make is the one used. */
static int clear_entry(int dirfd_, const char *name, struct hull_err **err)
{
	if (unlinkat(dirfd_, name, 0) < 0 && errno != ENOENT)
		return hull_err_sys(err, "remove existing %s", name);
	return 0;
}

static int bind_host_node(int parent, const char *name, const struct device_node *d, struct hull_err **err)
{
	_cleanup_fd_ int host = open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (host < 0)
		return hull_err_sys(err, "open host %s", d->path);
	struct stat st;
	if (fstat(host, &st) < 0)
		return hull_err_sys(err, "stat host %s", d->path);
	mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	if ((st.st_mode & S_IFMT) != want ||
	    (want != S_IFIFO && (major(st.st_rdev) != d->major || minor(st.st_rdev) != d->minor)))
		return hull_err_set(err, ENODEV, "host %s is not the device %c %lld:%lld", d->path, d->type,
				    (long long)d->major, (long long)d->minor);
	_cleanup_fd_ int f = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (f < 0)
		return hull_err_sys(err, "create %s", d->path);
	_cleanup_fd_ int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return hull_err_sys(err, "open %s", d->path);
	_cleanup_fd_ int mfd = mnt_clone(host, false, err);
	if (mfd < 0 || mnt_attach(mfd, target, err) < 0)
		return hull_err_wrap(err, "bind host %s", d->path);
	return 0;
}

static int make_node(int devfd, const struct device_node *d, bool in_userns, struct hull_err **err)
{
	const char *rel = d->path + strlen("/dev/");
	const char *slash = strrchr(rel, '/');
	_cleanup_fd_ int parent = -1;
	if (slash) {
		_cleanup_free_ char *dir = xstrndup(rel, (size_t)(slash - rel));
		parent = fs_mkdir_p_in_root(devfd, dir, 0755, err);
	} else {
		parent = fcntl(devfd, F_DUPFD_CLOEXEC, 3);
		if (parent < 0)
			hull_err_sys(err, "dup");
	}
	if (parent < 0)
		return -1;
	const char *name = slash ? slash + 1 : rel;
	if (clear_entry(parent, name, err) < 0)
		return -1;
	if (in_userns)
		return bind_host_node(parent, name, d, err);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
	if (mknodat(parent, name, type | (d->mode & 0777), dev) < 0) {
		if (errno == EPERM)
			return bind_host_node(parent, name, d, err);
		return hull_err_sys(err, "mknod");
	}
	/* mknod honours the umask; the spec's mode and owner are exact. */
	if (fchmodat(parent, name, d->mode, 0) < 0)
		return hull_err_sys(err, "chmod");
	if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_err_sys(err, "chown %u:%u", (unsigned)d->uid, (unsigned)d->gid);
	return 0;
}

static int make_symlinks(int devfd, struct hull_err **err)
{
	for (size_t i = 0; i < mountplan_n_dev_symlinks; i++) {
		const struct dev_symlink *l = &mountplan_dev_symlinks[i];
		/* /dev/ptmx must lead to the container's devpts, whatever the image had there. */
		if (strcmp(l->name, "ptmx") == 0 && clear_entry(devfd, l->name, err) < 0)
			return -1;
		if (symlinkat(l->target, devfd, l->name) < 0 && errno != EEXIST)
			return hull_err_sys(err, "symlink /dev/%s", l->name);
	}
	/* As runc: /dev/core only where the kernel has /proc/kcore (CONFIG_PROC_KCORE). */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
		return hull_err_sys(err, "symlink /dev/core");
	return 0;
}

/* The console's pty lives on a devpts mount of the caller's namespace; open_tree may refuse to clone a
 * mount it does not see as its own, so fall back to the same node found by path in ours. */
static int clone_console(int console_fd, struct hull_err **err)
{
	int mfd = open_tree(console_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (mfd >= 0)
		return mfd;
	struct stat want, got;
	if (fstat(console_fd, &want) < 0)
		return hull_err_sys(err, "stat console fd");
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", console_fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return hull_err_sys(err, "readlink %s", link);
	path[n] = 0;
	_cleanup_fd_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &got) < 0)
		return hull_err_sys(err, "open console %s", path);
	if (!S_ISCHR(got.st_mode) || got.st_rdev != want.st_rdev || got.st_dev != want.st_dev)
		return hull_err_set(err, ENODEV, "console %s is not the pty we were given", path);
	return mnt_clone(fd, false, err);
}

/* The mount point of /dev/console, as an O_PATH fd: a regular file is kept (devices_setup makes one ahead
 * for a terminal, so a read-only /dev can still take the bind after rootfs_finalize); anything else the
 * image put there is replaced. */
static int console_mountpoint(int devfd, struct hull_err **err)
{
	struct stat st;
	if (fstatat(devfd, "console", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		if (clear_entry(devfd, "console", err) < 0)
			return -1;
		_cleanup_fd_ int f =
			openat(devfd, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f < 0)
			return hull_err_sys(err, "create /dev/console");
	}
	int target = openat(devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return hull_err_sys(err, "open /dev/console");
	return target;
}

static int bind_console(int devfd, int console_fd, struct hull_err **err)
{
	_cleanup_fd_ int target = console_mountpoint(devfd, err);
	if (target < 0)
		return -1;
	_cleanup_fd_ int mfd = clone_console(console_fd, err);
	if (mfd < 0 || mnt_attach(mfd, target, err) < 0)
		return hull_err_wrap(err, "bind console on /dev/console");
	return 0;
}

int rootfs_bind_console(int console_fd, struct hull_err **err)
{
	_cleanup_fd_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_err_sys(err, "open /");
	_cleanup_fd_ int devfd = devices_open_dev(rootfd, false, err);
	if (devfd < 0)
		return -1;
	uint64_t t = trace_begin();
	if (bind_console(devfd, console_fd, err) < 0)
		return -1;
	trace_end(t, "bind console on /dev/console");
	return 0;
}

int devices_setup(int rootfd, const struct mount_plan *plan, const struct spec *s, const struct rootfs_opts *o,
		  struct hull_err **err)
{
	bool terminal = s->process && s->process->terminal;
	if (!plan->setup_dev && o->console_fd < 0 && !terminal)
		return 0;
	_cleanup_fd_ int devfd = devices_open_dev(rootfd, true, err);
	if (devfd < 0)
		return -1;
	if (plan->setup_dev) {
		struct device_node *d = NULL;
		size_t n = 0;
		if (mountplan_devices(s, &d, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			uint64_t t = trace_begin();
			if (make_node(devfd, &d[i], o->in_userns, err) < 0) {
				hull_err_wrap(err, "device %s", d[i].path);
				mountplan_devices_free(d, n);
				return -1;
			}
			trace_end(t, "%s device %s (%c %lld:%lld)", o->in_userns ? "bind" : "mknod", d[i].path, d[i].type,
				  (long long)d[i].major, (long long)d[i].minor);
		}
		mountplan_devices_free(d, n);
		if (make_symlinks(devfd, err) < 0)
			return -1;
	}
	if (o->console_fd >= 0) {
		uint64_t t = trace_begin();
		if (bind_console(devfd, o->console_fd, err) < 0)
			return -1;
		trace_end(t, "bind console on /dev/console");
	} else if (terminal) {
		/* the pty comes after rootfs_finalize (rootfs_bind_console): its mount point now */
		_cleanup_fd_ int placeholder = console_mountpoint(devfd, err);
		if (placeholder < 0)
			return -1;
	}
	return 0;
}
