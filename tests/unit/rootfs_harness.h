/* rootfs_harness.h — shared by the rootfs tests that run rootfs_prepare/rootfs_finalize for real.
 *
 * Each case runs in a forked child that unshares a mount and a pid namespace (nothing reaches the host's
 * mounts), builds a struct spec by hand (or parses one), runs the two steps and checks what it sees from
 * inside the new root; the first failed CHECK is reported through a pipe. setup() builds a busybox rootfs
 * and a canary directory under /tmp that teardown() verifies untouched. Cases are skipped unless root.
 */
#ifndef HULL_TESTS_ROOTFS_HARNESS_H
#define HULL_TESTS_ROOTFS_HARNESS_H
#pragma GCC diagnostic ignored "-Wunused-function"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

struct env {
	char base[64], rootfs[96], canary[64], hostdir[96], hostfile[96];
};
static struct env E;
static int report_fd = -1;

/* Inside the child: report the first failed check through the pipe and stop. */
#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			dprintf(report_fd, "%s:%d: ", __FILE__, __LINE__);                \
			dprintf(report_fd, __VA_ARGS__);                                  \
			_exit(1);                                                         \
		}                                                                         \
	} while (0)

/* ---- a spec built by hand ---- */

struct sb {
	struct spec s;
	struct spec_linux l;
	struct spec_process p;
	struct spec_mount m[16];
	struct spec_namespace ns[4];
	struct spec_device dev[4];
	char *masked[8], *ro[8];
};

static void sb_init(struct sb *b)
{
	memset(b, 0, sizeof(*b));
	b->s.linux_ = &b->l;
	b->s.mounts = b->m;
	b->s.process = &b->p;
	b->l.namespaces = b->ns;
	b->ns[0].type = NS_MOUNT;
	b->ns[1].type = NS_PID;
	b->l.n_namespaces = 2;
	b->l.devices = b->dev;
	b->l.masked_paths = b->masked;
	b->l.readonly_paths = b->ro;
}

static struct spec_mount *add(struct sb *b, const char *dest, const char *type, const char *src, unsigned long flags,
			      const char *data)
{
	struct spec_mount *m = &b->m[b->s.n_mounts++];
	m->destination = (char *)dest;
	m->type = (char *)type;
	m->source = (char *)src;
	m->flags = flags;
	m->data = (char *)data;
	if (type && !strcmp(type, "bind"))
		m->bind = true;
	return m;
}

/* The mounts of runc's default config.json. */
static void add_defaults(struct sb *b)
{
	add(b, "/proc", "proc", "proc", 0, NULL);
	add(b, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	add(b, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	add(b, "/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
	add(b, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	add(b, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	add(b, "/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, NULL);
}

static struct rootfs_opts opts(void)
{
	return (struct rootfs_opts){ .bundle = E.base, .rootfs = E.rootfs, .console_fd = -1 };
}

/* ---- inside the container ---- */

struct mi { char fstype[64], opts[256], optional[256], source[256]; };

/* The topmost mount on mp, from /proc/self/mountinfo. */
static bool mi_find(const char *mp, struct mi *out)
{
	_cleanup_free_ char *text = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, NULL);
	if (!text)
		return false;
	bool found = false;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char point[512], o[256];
		int pos = 0;
		if (sscanf(line, "%*s %*s %*s %*s %511s %255s %n", point, o, &pos) < 2 || strcmp(point, mp) != 0)
			continue;
		char *dash = strstr(line, " - ");
		if (!dash)
			continue;
		found = true;
		snprintf(out->opts, sizeof(out->opts), "%s", o);
		snprintf(out->optional, sizeof(out->optional), "%.*s", (int)(dash - (line + pos)), line + pos);
		sscanf(dash + 3, "%63s %255s", out->fstype, out->source);
	}
	return found;
}

static bool has_opt(const char *opts, const char *o)
{
	size_t l = strlen(o);
	for (const char *p = opts; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && !strncmp(p, o, l))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static void check_mount(const char *mp, const char *fstype, const char *opt)
{
	struct mi m;
	CHECK(mi_find(mp, &m), "no mount on %s\n", mp);
	CHECK(!fstype || !strcmp(m.fstype, fstype), "%s is %s, want %s\n", mp, m.fstype, fstype);
	CHECK(!opt || has_opt(m.opts, opt), "%s options %s lack %s\n", mp, m.opts, opt);
}

static void check_chr(const char *path, unsigned maj, unsigned min, mode_t mode)
{
	struct stat st;
	CHECK(lstat(path, &st) == 0, "lstat %s: %s\n", path, strerror(errno));
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min,
	      "%s is not char %u:%u (mode %o)\n", path, maj, min, st.st_mode);
	CHECK((mode_t)(st.st_mode & 07777) == mode, "%s mode %o, want %o\n", path, st.st_mode & 07777, mode);
}

static void check_link(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	CHECK(n > 0, "readlink %s: %s\n", path, strerror(errno));
	buf[n] = 0;
	CHECK(!strcmp(buf, target), "%s -> %s, want %s\n", path, buf, target);
}

static int sh(const char *script)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/busybox", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* err is read after r is computed: argument evaluation order is unspecified. */
static void must(int r, struct hull_err **err, const char *what)
{
	CHECK(r == 0, "%s: %s\n", what, *err ? (*err)->msg : "?");
}

/* prepare, then finalize (unless only_prepare): the child is inside the new root afterwards. */
static void enter(const struct spec *s, const struct rootfs_opts *o, bool only_prepare)
{
	struct hull_err *err = NULL;
	must(rootfs_prepare(s, o, &err), &err, "prepare");
	if (!only_prepare)
		must(rootfs_finalize(s, o, &err), &err, "finalize");
}

/* ---- running a case ---- */

typedef void (*case_fn)(void);

/* Fork, unshare mount+pid namespaces, run fn as pid 1 of the new pid namespace. Returns the report. */
static void run_case(case_fn fn)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		CHECK(unshare(CLONE_NEWNS | CLONE_NEWPID) == 0, "unshare: %s\n", strerror(errno));
		pid_t inner = fork();
		if (inner == 0) {
			fn();
			_exit(0);
		}
		int st;
		waitpid(inner, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
	}
	close(p[1]);
	char msg[4096] = "";
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], msg + n, sizeof(msg) - 1 - n)) > 0)
		n += (size_t)r;
	msg[n] = 0;
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed (status 0x%x): %s", status, msg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *path_in(const char *dir, const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return 0;
	snprintf(E.base, sizeof(E.base), "/tmp/hull-rootfs-test-XXXXXX");
	snprintf(E.canary, sizeof(E.canary), "/tmp/hull-rootfs-canary-XXXXXX");
	if (!mkdtemp(E.base) || !mkdtemp(E.canary))
		return -1;
	snprintf(E.rootfs, sizeof(E.rootfs), "%s/rootfs", E.base);
	snprintf(E.hostdir, sizeof(E.hostdir), "%s/hostdir", E.base);
	snprintf(E.hostfile, sizeof(E.hostfile), "%s/hostfile", E.base);
	const char *dirs[] = { "", "/bin", "/proc", "/sys", "/dev", "/etc", "/tmp", "/etc/conf", "/etc/conf/sub" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s%s", E.rootfs, dirs[i]);
		if (mkdir(d, 0755) < 0)
			return -1;
	}
	mkdir(E.hostdir, 0755);
	_cleanup_free_ char *hello = path_in(E.hostdir, "hello");
	write_file(hello, "hello from the host\n");
	write_file(E.hostfile, "host file\n");
	_cleanup_free_ char *sentinel = path_in(E.canary, "sentinel");
	write_file(sentinel, "canary\n");
	_cleanup_free_ char *conf = xasprintf("%s/etc/conf/a.conf", E.rootfs);
	write_file(conf, "from the image\n");
	_cleanup_free_ char *conf2 = xasprintf("%s/etc/conf/sub/b", E.rootfs);
	write_file(conf2, "b\n");
	chmod(conf2, 0640);
	_cleanup_free_ char *clink = xasprintf("%s/etc/conf/escape", E.rootfs);
	if (symlink(E.canary, clink) < 0)
		return -1;
	_cleanup_free_ char *bb = xasprintf("cp /bin/busybox %s/bin/busybox && ln -s busybox %s/bin/sh", E.rootfs,
					    E.rootfs);
	return system(bb) == 0 ? 0 : -1;
}

/* The canary must hold exactly what setup put there, and no mount may mention our dirs. Returns a
 * complaint or NULL. */
static char *canary_damage(void)
{
	_cleanup_dir_ DIR *d = opendir(E.canary);
	if (!d)
		return xasprintf("canary %s: %s", E.canary, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "sentinel"))
			return xasprintf("canary gained %s", de->d_name);
	_cleanup_free_ char *sentinel = path_in(E.canary, "sentinel");
	_cleanup_free_ char *text = fs_read_file_at(AT_FDCWD, sentinel, NULL, NULL);
	if (!text || strcmp(text, "canary\n") != 0)
		return xasprintf("canary sentinel changed");
	_cleanup_free_ char *mi = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, NULL);
	if (mi && strstr(mi, "hull-rootfs"))
		return xasprintf("a hull-rootfs mount leaked to the host");
	return NULL;
}

static int teardown(void **state)
{
	(void)state;
	if (!E.base[0])
		return 0;
	_cleanup_free_ char *damage = canary_damage();
	fs_rmtree_at(AT_FDCWD, E.base, NULL);
	fs_rmtree_at(AT_FDCWD, E.canary, NULL);
	memset(&E, 0, sizeof(E));
	if (damage)
		fail_msg("%s", damage);
	return 0;
}

#define SKIP_UNLESS_ROOT()                                               \
	do {                                                             \
		if (!E.base[0]) {                                        \
			print_message("skipped: needs root and /bin/busybox\n"); \
			skip();                                          \
		}                                                        \
	} while (0)

/* Replace rootfs/<rel> (anything) by a symlink to target. */
static void plant_symlink(const char *rel, const char *target)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", E.rootfs, rel);
	fs_rmtree_at(AT_FDCWD, p, NULL);
	CHECK(symlink(target, p) == 0, "symlink %s: %s\n", p, strerror(errno));
}

static void expect_failure(struct sb *b, struct rootfs_opts *o, bool in_prepare, const char *needle)
{
	struct hull_err *err = NULL;
	int r = rootfs_prepare(&b->s, o, &err);
	if (!in_prepare) {
		must(r, &err, "prepare");
		r = rootfs_finalize(&b->s, o, &err);
	}
	CHECK(r < 0, "%s succeeded\n", in_prepare ? "prepare" : "finalize");
	CHECK(strstr(err->msg, needle), "error \"%s\" lacks \"%s\"\n", err->msg, needle);
}

#endif
