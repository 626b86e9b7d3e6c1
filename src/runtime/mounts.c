/* mounts.c — applying the spec's mounts inside the rootfs (see rootfs_impl.h and mountplan.h).
 *
 * Each mount is built detached (open_tree clone or fsopen/fsmount), given its attributes while nobody
 * can see it, and attached with move_mount onto an fd resolved with openat2(RESOLVE_IN_ROOT): a symlink
 * swapped into a destination can only ever point back inside the rootfs (CVE-2021-30465).
 */
#include "runtime/rootfs_impl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int mnt_clone(int srcfd, bool recursive, struct hull_err **err)
{
	int fd = open_tree(srcfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					      (recursive ? AT_RECURSIVE : 0));
	if (fd < 0)
		return hull_err_sys(err, "open_tree");
	return fd;
}

static int setattr_raw(int mntfd, bool recursive, struct mount_attr *a)
{
	return mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), a, sizeof(*a));
}

/* Flags a clone inherited from its source and that an unprivileged namespace may not clear. */
static uint64_t inherited_attrs(int mntfd)
{
	struct statvfs sv;
	if (fstatvfs(mntfd, &sv) < 0)
		return 0;
	uint64_t a = 0;
	if (sv.f_flag & ST_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (sv.f_flag & ST_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
		a |= MOUNT_ATTR__ATIME;
	if (sv.f_flag & ST_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	return a;
}

int mnt_setattr(int mntfd, bool recursive, uint64_t set, uint64_t clr, struct hull_err **err)
{
	if (!set && !clr)
		return 0;
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };
	if (setattr_raw(mntfd, recursive, &a) == 0)
		return 0;
	if (errno == EPERM && clr) {
		uint64_t locked = inherited_attrs(mntfd);
		a.attr_clr = clr & ~locked;
		if ((a.attr_clr & MOUNT_ATTR__ATIME) == 0)
			a.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		if (setattr_raw(mntfd, recursive, &a) == 0)
			return 0;
	}
	return hull_err_sys(err, "mount_setattr%s", recursive ? " (recursive)" : "");
}

static int set_propagation(int mntfd, uint64_t prop, bool recursive, struct hull_err **err)
{
	if (!prop)
		return 0;
	struct mount_attr a = { .propagation = prop };
	if (setattr_raw(mntfd, recursive, &a) < 0)
		return hull_err_sys(err, "mount_setattr propagation");
	return 0;
}

/* The kernel explains fsconfig failures in the context's log ("e tmpfs: Bad value for 'size'"). */
static int fs_error(int fsfd, struct hull_err **err, const char *fmt, const char *arg)
{
	int saved = errno;
	char buf[512], all[1024] = "";
	ssize_t n;
	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		const char *msg = n > 2 && buf[1] == ' ' ? buf + 2 : buf;
		size_t l = strlen(all);
		snprintf(all + l, sizeof(all) - l, "%s%s", l ? "; " : "", msg);
	}
	errno = saved;
	if (*all)
		return hull_err_set(err, saved, "%s%s (kernel: %s)", fmt, arg ? arg : "", all);
	return hull_err_set(err, saved, "%s%s", fmt, arg ? arg : "");
}

int mnt_new_fs(const char *type, const char *source, const char *data, unsigned long sb_flags, uint64_t attrs,
	       struct hull_err **err)
{
	_cleanup_fd_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return hull_err_sys(err, "fsopen %s", type);
	if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return fs_error(fsfd, err, "fsconfig source=", source);
	static const struct { unsigned long ms; const char *name; } sb[] = {
		{ MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
		{ MS_MANDLOCK, "mand" }, { MS_SILENT, "silent" }, { MS_I_VERSION, "iversion" },
	};
	for (size_t i = 0; i < sizeof(sb) / sizeof(*sb); i++)
		if ((sb_flags & sb[i].ms) && fsconfig(fsfd, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0) < 0)
			return fs_error(fsfd, err, "fsconfig ", sb[i].name);
	/* "acl" is MS_POSIXACL for runc, a superblock flag mount(2) hands to the filesystem, which may ignore
	 * it (tmpfs and procfs decide ACL support themselves). fsconfig has no generic key for it: pass "acl"
	 * to a filesystem that knows the option (ext4, btrfs…) and, as mount(2) would, let the others ignore it. */
	if ((sb_flags & MS_POSIXACL) && fsconfig(fsfd, FSCONFIG_SET_FLAG, "acl", NULL, 0) < 0) {
		if (errno != EINVAL)
			return fs_error(fsfd, err, "fsconfig ", "acl");
		char drain[512];
		while (read(fsfd, drain, sizeof(drain)) > 0)
			; /* the "Unknown parameter" line must not prefix a later error */
	}
	if (data && *data) {
		_cleanup_free_ char *copy = xstrdup(data);
		char *save = NULL;
		for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(opt, '=');
			int r;
			if (eq) {
				*eq = 0;
				r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
				*eq = '=';
			} else {
				r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
			}
			if (r < 0)
				return fs_error(fsfd, err, "fsconfig ", opt);
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, err, "create ", type);
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int)(attrs & ~(uint64_t)MOUNT_ATTR_IDMAP));
	if (mfd < 0)
		return fs_error(fsfd, err, "fsmount ", type);
	return mfd;
}

int mnt_attach(int mntfd, int destfd, struct hull_err **err)
{
	if (move_mount(mntfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return hull_err_sys(err, "move_mount");
	return 0;
}

/* ---- id-mapped mounts ---- */

static int write_map(pid_t pid, const char *file, const struct spec_idmap *m, size_t n, struct hull_err **err)
{
	char buf[4096];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
					m[i].host_id, m[i].size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return fs_write_file_at(AT_FDCWD, path, buf, err);
}

int mnt_userns_with_maps(const struct spec_mount *m, struct hull_err **err)
{
	int ready[2], release[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return hull_err_sys(err, "pipe");
	if (pipe2(release, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return hull_err_sys(err, "pipe");
	}
	_cleanup_killpid_ pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(release[1]);
		/* Our pid as the mounted /proc knows it: with a new pid namespace and the host's /proc
		 * still in place, the pid fork() returned names another process there. */
		char self[32] = "";
		if (unshare(CLONE_NEWUSER) == 0) {
			ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
			self[n > 0 ? n : 0] = 0;
		}
		if (write(ready[1], self, strlen(self) + 1) < 0)
			_exit(1);
		char c;
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	_cleanup_fd_ int ready_r = ready[0], release_w = release[1];
	if (pid < 0)
		return hull_err_sys(err, "fork");
	char self[32] = "";
	ssize_t n = read(ready_r, self, sizeof(self) - 1);
	if (n <= 1)
		return hull_err_set(err, EPERM, "idmap: the helper could not create a user namespace");
	self[n] = 0;
	pid_t procpid = (pid_t)atoi(self);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)procpid);
	if (write_map(procpid, "uid_map", m->uid_mappings, m->n_uid_mappings, err) < 0 ||
	    write_map(procpid, "gid_map", m->gid_mappings, m->n_gid_mappings, err) < 0)
		return hull_err_wrap(err, "idmap");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open %s", path);
	return fd;
}

/* The user namespace an idmap mount maps through: the mount's own mappings, or the container's. */
static int idmap_userns(const struct mount_step *st, const char *userns_path, struct hull_err **err)
{
	if (st->m->n_uid_mappings || st->m->n_gid_mappings)
		return mnt_userns_with_maps(st->m, err);
	const char *p = userns_path ? userns_path : "/proc/self/ns/user";
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open %s", p);
	return fd;
}

static int clone_bind_source(const struct mount_step *st, const char *userns_path, struct hull_err **err)
{
	_cleanup_fd_ int src = open(st->source, O_PATH | O_CLOEXEC);
	if (src < 0)
		return hull_err_sys(err, "open source %s", st->source);
	_cleanup_fd_ int mfd = mnt_clone(src, st->recursive, err);
	if (mfd < 0)
		return -1;
	if (st->idmap) {
		_cleanup_fd_ int ns = idmap_userns(st, userns_path, err);
		if (ns < 0)
			return -1;
		struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };
		if (setattr_raw(mfd, st->ridmap, &a) < 0)
			return hull_err_sys(err, "idmap %s", st->source);
	}
	return steal_fd(&mfd);
}

int rootfs_open_idmapped_mounts(const struct spec *s, const char *bundle, const char *userns_path, int **fds,
				struct hull_err **err)
{
	struct mount_plan plan;
	if (mountplan_build(s, bundle, &plan, err) < 0)
		return -1;
	int *r = xmalloc((s->n_mounts ? s->n_mounts : 1) * sizeof(int));
	for (size_t i = 0; i < s->n_mounts; i++)
		r[i] = -1;
	for (size_t i = 0; i < plan.n_steps; i++) {
		const struct mount_step *st = &plan.steps[i];
		if (st->kind != MOUNT_KIND_BIND || !st->idmap)
			continue;
		r[i] = clone_bind_source(st, userns_path, err);
		if (r[i] < 0) {
			hull_err_wrap(err, "mounts[%zu] (bind on %s)", i, st->dest);
			for (size_t j = 0; j < i; j++)
				if (r[j] >= 0)
					close(r[j]);
			free(r);
			mountplan_free(&plan);
			return -1;
		}
	}
	mountplan_free(&plan);
	*fds = r;
	return 0;
}

/* ---- tmpcopyup ---- */

static int copy_tree(int srcdir, int dstdir, int depth, struct hull_err **err);

static int copy_file_data(int in, int out)
{
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
	}
}

/* Copy one entry of the (hostile) source dir: never follows a symlink, everything relative to fds. */
static int copy_entry(int srcdir, int dstdir, const char *name, int depth, struct hull_err **err)
{
	struct stat st;
	if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_err_sys(err, "stat %s", name);
	mode_t perm = st.st_mode & 07777;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dstdir, name, 0700) < 0)
			return hull_err_sys(err, "mkdir %s", name);
		_cleanup_fd_ int s = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_fd_ int d = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return hull_err_sys(err, "open %s", name);
		if (copy_tree(s, d, depth + 1, err) < 0)
			return hull_err_wrap(err, "%s", name);
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_fd_ int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return hull_err_sys(err, "open %s", name);
		_cleanup_fd_ int out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return hull_err_sys(err, "create %s", name);
		if (copy_file_data(in, out) < 0)
			return hull_err_sys(err, "copy %s", name);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(srcdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return hull_err_sys(err, "readlink %s", name);
		target[n] = 0;
		if (symlinkat(target, dstdir, name) < 0)
			return hull_err_sys(err, "symlink %s", name);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
		if (mknodat(dstdir, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return hull_err_sys(err, "mknod %s", name);
	} else {
		return 0; /* sockets are not copied: they would be dead anyway */
	}
	if (fchownat(dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		return hull_err_sys(err, "chown %s", name);
	if (!S_ISLNK(st.st_mode) && fchmodat(dstdir, name, perm, 0) < 0)
		return hull_err_sys(err, "chmod %s", name);
	struct timespec times[2] = { st.st_atim, st.st_mtim };
	utimensat(dstdir, name, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_tree(int srcdir, int dstdir, int depth, struct hull_err **err)
{
	if (depth > 256)
		return hull_err_set(err, ELOOP, "tmpcopyup: directory tree too deep");
	int dfd = openat(srcdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open directory");
	_cleanup_dir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hull_err_sys(err, "opendir");
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (copy_entry(dirfd(d), dstdir, de->d_name, depth, err) < 0)
			return -1;
	}
	if (errno)
		return hull_err_sys(err, "readdir");
	return 0;
}

/* The new tmpfs starts with the original directory's content, owner and mode. */
static int tmpcopyup(int destfd, int mntfd, struct hull_err **err)
{
	_cleanup_fd_ int src = openat(destfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_fd_ int dst = openat(mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || dst < 0)
		return hull_err_sys(err, "tmpcopyup: open");
	struct stat st;
	if (fstat(src, &st) < 0)
		return hull_err_sys(err, "tmpcopyup: stat");
	if (copy_tree(src, dst, 0, err) < 0)
		return hull_err_wrap(err, "tmpcopyup");
	if (fchown(dst, st.st_uid, st.st_gid) < 0 || fchmod(dst, st.st_mode & 07777) < 0)
		return hull_err_sys(err, "tmpcopyup: chown/chmod");
	return 0;
}

/* ---- the steps ---- */

static int open_nofollow_in_root(int rootfd, const char *path, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Where a destination really is inside the rootfs. A dangling symlink on the way (an image's
 * /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf) is replaced by its target, read inside
 * the root, so what gets created is that target, as runc does; everything stays confined because the
 * result is again resolved with RESOLVE_IN_ROOT. A relative target is taken from the link's path as
 * written. Returns a new clean path. */
static char *chase_dangling(int rootfd, const char *dest)
{
	char *cur = mountplan_clean_path(dest);
	for (int hops = 0; hops < 40; hops++) {
		bool changed = false;
		for (char *p = cur + 1;; p++) {
			if (*p != '/' && *p != 0)
				continue;
			char saved = *p;
			*p = 0;
			_cleanup_fd_ int fd = open_nofollow_in_root(rootfd, cur, false);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0) {
				*p = saved;
				return cur; /* missing from here on: created later */
			}
			if (S_ISLNK(st.st_mode)) {
				_cleanup_fd_ int followed = open_nofollow_in_root(rootfd, cur, true);
				char target[PATH_MAX];
				ssize_t n;
				if (followed < 0 && errno == ENOENT && (n = readlinkat(fd, "", target, sizeof(target) - 1)) > 0) {
					target[n] = 0;
					char *slash = strrchr(cur, '/');
					*slash = 0;
					char *next = xasprintf("%s/%s%s%s", target[0] == '/' ? "" : cur, target,
							       saved ? "/" : "", saved ? p + 1 : "");
					free(cur);
					cur = mountplan_clean_path(next);
					free(next);
					changed = true;
					break;
				}
			}
			*p = saved;
			if (!saved)
				break;
		}
		if (!changed)
			return cur;
	}
	return cur;
}

static int make_dest(int rootfd, const char *dest, bool dir, struct hull_err **err)
{
	_cleanup_free_ char *real = chase_dangling(rootfd, dest);
	return dir ? fs_mkdir_p_in_root(rootfd, real, 0755, err) : fs_mkfile_in_root(rootfd, real, 0644, err);
}


static int finish_attach(const struct mount_step *st, int mfd, int destfd, struct hull_err **err)
{
	if (mnt_attach(mfd, destfd, err) < 0)
		return -1;
	/* Propagation is set once attached: a detached tree has no peers to speak of. */
	return set_propagation(mfd, st->propagation, st->propagation_recursive, err);
}

static int apply_bind(int rootfd, const struct mount_step *st, const struct rootfs_opts *o, struct hull_err **err)
{
	struct stat sst;
	if (stat(st->source, &sst) < 0)
		return hull_err_sys(err, "stat source %s", st->source);
	_cleanup_fd_ int destfd = make_dest(rootfd, st->dest, S_ISDIR(sst.st_mode), err);
	if (destfd < 0)
		return -1;
	_cleanup_fd_ int mfd = -1;
	if (o->mount_fds && o->mount_fds[st->index] >= 0) {
		mfd = fcntl(o->mount_fds[st->index], F_DUPFD_CLOEXEC, 3);
		if (mfd < 0)
			return hull_err_sys(err, "dup prepared mount");
	} else {
		mfd = clone_bind_source(st, o->userns_path, err);
		if (mfd < 0 && st->idmap && o->in_userns && err && *err && (*err)->errnum == EPERM)
			return hull_err_wrap(err, "an idmap mount of a container with a user namespace must be prepared "
						  "by the runtime's parent (rootfs_open_idmapped_mounts)");
		if (mfd < 0)
			return -1;
	}
	if (mnt_setattr(mfd, true, st->rattr_set, st->rattr_clr, err) < 0 ||
	    mnt_setattr(mfd, false, st->attr_set, st->attr_clr, err) < 0)
		return -1;
	return finish_attach(st, mfd, destfd, err);
}

/* maskedPaths and readonlyPaths name /proc and /sys paths: the kernel's view must be exactly there,
 * not wherever a symlink in the image leads. */
static int open_strict_dir(int rootfd, const char *dest, struct hull_err **err)
{
	_cleanup_err_ struct hull_err *e = NULL;
	int fd = fs_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, &e);
	if (fd >= 0)
		return fd;
	if (e->errnum == ENOENT) {
		_cleanup_fd_ int made = fs_mkdir_p_in_root(rootfd, dest, 0755, err);
		if (made < 0)
			return -1;
		fd = fs_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, &e);
		if (fd >= 0)
			return fd;
	}
	if (e->errnum == ELOOP || e->errnum == ENOTDIR)
		return hull_err_set(err, e->errnum, "%s must be a directory, not a symlink", dest);
	return hull_err_set(err, e->errnum, "%s", e->msg);
}

static int apply_fs(int rootfd, const struct mount_step *st, const struct rootfs_opts *o, struct hull_err **err)
{
	bool strict = strcmp(st->fstype, "proc") == 0 || strcmp(st->fstype, "sysfs") == 0;
	_cleanup_fd_ int destfd = strict ? open_strict_dir(rootfd, st->dest, err)
					 : make_dest(rootfd, st->dest, true, err);
	if (destfd < 0)
		return -1;
	uint64_t attrs = st->attr_set | st->rattr_set;
	_cleanup_err_ struct hull_err *fs_err = NULL;
	_cleanup_fd_ int mfd = mnt_new_fs(st->fstype, st->source, st->m->data, st->sb_flags, attrs, &fs_err);
	if (mfd < 0 && strcmp(st->fstype, "sysfs") == 0 && fs_err->errnum == EPERM) {
		/* A user namespace without its own network namespace may not mount sysfs: show the host's,
		 * with the same restrictions, as runc does. */
		_cleanup_fd_ int sys = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sys < 0)
			return hull_err_sys(err, "open /sys");
		mfd = mnt_clone(sys, true, err);
		if (mfd < 0 || mnt_setattr(mfd, true, attrs, 0, err) < 0)
			return -1;
	} else if (mfd < 0) {
		return hull_err_pass(err, &fs_err);
	}
	if (st->tmpcopyup && tmpcopyup(destfd, mfd, err) < 0)
		return -1;
	return finish_attach(st, mfd, destfd, err);
}

static int mount_one_hierarchy(int dirfd_, const struct cgroup_hier *h, bool in_cgroupns, uint64_t attrs,
			       struct hull_err **err)
{
	_cleanup_fd_ int mfd = -1;
	if (in_cgroupns) {
		/* Inside a cgroup namespace a new instance shows the namespace's root, nothing above it. */
		_cleanup_free_ char *data = NULL;
		if (h->controllers)
			data = xstrdup(h->controllers);
		mfd = mnt_new_fs(h->fstype, h->fstype, data, 0, attrs, err);
	} else {
		if (!h->host_dir)
			return hull_err_set(err, ENOENT, "our cgroup is not visible through any mount of %s", h->name);
		_cleanup_fd_ int src = open(h->host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (src < 0)
			return hull_err_sys(err, "open %s", h->host_dir);
		mfd = mnt_clone(src, false, err);
		if (mfd >= 0 && mnt_setattr(mfd, false, attrs, 0, err) < 0)
			return -1;
	}
	if (mfd < 0)
		return -1;
	if (mkdirat(dirfd_, h->name, 0755) < 0 && errno != EEXIST)
		return hull_err_sys(err, "mkdir %s", h->name);
	_cleanup_fd_ int target = openat(dirfd_, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return hull_err_sys(err, "open %s", h->name);
	if (mnt_attach(mfd, target, err) < 0)
		return -1;
	/* Co-mounted controllers ("cpu,cpuacct") are also reachable under each name. */
	if (h->controllers && strchr(h->controllers, ',')) {
		_cleanup_free_ char *c = xstrdup(h->controllers);
		char *save = NULL;
		for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (strcmp(t, h->name) != 0 && strncmp(t, "name=", 5) != 0 &&
			    symlinkat(h->name, dirfd_, t) < 0 && errno != EEXIST)
				return hull_err_sys(err, "symlink %s", t);
	}
	return 0;
}

/* A unified host (or an explicit cgroup2 mount): the hierarchy itself at the destination. */
static int cgroup_unified(int destfd, const struct mount_step *st, const struct cgroup_hier *h, size_t n,
			  bool in_cgroupns, uint64_t attrs, struct hull_err **err)
{
	_cleanup_fd_ int mfd = -1;
	if (in_cgroupns) {
		mfd = mnt_new_fs("cgroup2", "cgroup2", NULL, 0, attrs, err);
	} else {
		size_t i;
		for (i = 0; i < n && strcmp(h[i].fstype, "cgroup2") != 0; i++)
			;
		if (i == n || !h[i].host_dir)
			return hull_err_set(err, ENOENT, "no cgroup2 hierarchy on the host shows our cgroup");
		_cleanup_fd_ int src = open(h[i].host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (src < 0)
			return hull_err_sys(err, "open %s", h[i].host_dir);
		mfd = mnt_clone(src, false, err);
		if (mfd >= 0 && mnt_setattr(mfd, false, attrs, 0, err) < 0)
			return -1;
	}
	if (mfd < 0)
		return -1;
	return finish_attach(st, mfd, destfd, err);
}

/* v1 or hybrid: a tmpfs holding one directory per hierarchy, made read-only at the end if asked. */
static int cgroup_v1_tree(int destfd, const struct mount_step *st, const struct cgroup_hier *h, size_t n,
			  bool in_cgroupns, uint64_t attrs, struct hull_err **err)
{
	_cleanup_fd_ int tfd = mnt_new_fs("tmpfs", "tmpfs", "mode=755", 0, attrs & ~(uint64_t)MOUNT_ATTR_RDONLY, err);
	if (tfd < 0 || mnt_attach(tfd, destfd, err) < 0)
		return -1;
	_cleanup_fd_ int dir = openat(tfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return hull_err_sys(err, "open cgroup tmpfs");
	for (size_t i = 0; i < n; i++)
		if (mount_one_hierarchy(dir, &h[i], in_cgroupns, attrs, err) < 0)
			return hull_err_wrap(err, "%s", h[i].name);
	if (mnt_setattr(tfd, false, attrs & MOUNT_ATTR_RDONLY, 0, err) < 0)
		return -1;
	return set_propagation(tfd, st->propagation, st->propagation_recursive, err);
}

static int apply_cgroup(int rootfd, const struct mount_step *st, const struct spec *s, struct hull_err **err)
{
	bool in_cgroupns = mountplan_has_ns(s, NS_CGROUP);
	_cleanup_free_ char *mi = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, err);
	_cleanup_free_ char *pc = mi ? fs_read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, err) : NULL;
	if (!pc)
		return -1;
	_cleanup_fd_ int destfd = make_dest(rootfd, st->dest, true, err);
	if (destfd < 0)
		return -1;
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	if (mountplan_cgroup_hierarchies(mi, pc, &h, &n, err) < 0)
		return -1;
	uint64_t attrs = st->attr_set | st->rattr_set;
	bool only_v2 = n == 1 && strcmp(h[0].fstype, "cgroup2") == 0;
	int r = only_v2 || strcmp(st->fstype, "cgroup2") == 0
			? cgroup_unified(destfd, st, h, n, in_cgroupns, attrs, err)
			: cgroup_v1_tree(destfd, st, h, n, in_cgroupns, attrs, err);
	mountplan_cgroup_free(h, n);
	return r;
}

static const char *kind_name(const struct mount_step *st)
{
	if (st->kind == MOUNT_KIND_BIND)
		return st->recursive ? "rbind" : "bind";
	return st->fstype;
}

int mounts_apply(int rootfd, const struct mount_plan *plan, const struct spec *s, const struct rootfs_opts *o,
		 struct hull_err **err)
{
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct mount_step *st = &plan->steps[i];
		uint64_t t = trace_begin();
		int r;
		switch (st->kind) {
		case MOUNT_KIND_BIND: r = apply_bind(rootfd, st, o, err); break;
		case MOUNT_KIND_CGROUP: r = apply_cgroup(rootfd, st, s, err); break;
		default: r = apply_fs(rootfd, st, o, err); break;
		}
		if (r < 0)
			return hull_err_wrap(err, "mounts[%zu] (%s on %s)", st->index, kind_name(st), st->dest);
		trace_end(t, "mount %s %s on %s", kind_name(st), st->source, st->dest);
	}
	return 0;
}
