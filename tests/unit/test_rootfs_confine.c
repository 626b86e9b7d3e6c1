/* test_rootfs_confine.c — rootfs_prepare/rootfs_finalize for real, as root, on a busybox rootfs.
 *
 * Each case forks a child that unshares a mount and a pid namespace (so nothing reaches the host's
 * mounts), builds a struct spec by hand, runs the two steps and checks what it sees from inside the new
 * root. Hostile rootfs cases point symlinks at a canary directory under /tmp that must stay untouched.
 * Skipped when not root or without /bin/busybox.
 */
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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

/* ---- cases ---- */

static void case_full_container(void)
{
	struct sb b;
	sb_init(&b);
	add_defaults(&b);
	add(&b, "/data", "bind", E.hostdir, MS_RDONLY, NULL);
	struct spec_mount *rb = add(&b, "/rdata", "bind", E.hostdir, MS_NOSUID | MS_NOEXEC, NULL);
	rb->rbind = true;
	rb->propagation = MS_SHARED;
	add(&b, "/etc/hostfile", "bind", "hostfile", 0, NULL); /* relative: from the bundle */
	add(&b, "/run/a/b", "tmpfs", "tmpfs", MS_NODEV, "size=1m,mode=0700");
	b.masked[0] = "/proc/timer_list";
	b.masked[1] = "/sys/firmware";
	b.masked[3] = "/proc/acpi";
	b.masked[2] = "/proc/does-not-exist";
	b.masked[2] = "/proc/does-not-exist";
	b.l.n_masked_paths = 4;
	b.ro[0] = "/proc/sys";
	b.ro[1] = "/proc/interrupts";
	b.ro[2] = "/nope";
	b.l.n_readonly_paths = 3;
	b.s.root_readonly = true;
	b.p.cwd = "/work/dir";
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);

	char cwd[256];
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"), "cwd %s\n", cwd);
	CHECK(getpid() == 1, "not pid 1\n");
	CHECK(access("/bin/busybox", X_OK) == 0, "no busybox in the new root\n");
	CHECK(access(E.canary, F_OK) != 0, "host canary visible inside\n");
	struct stat st;
	CHECK(stat("/work/dir", &st) == 0 && S_ISDIR(st.st_mode), "process.cwd not created\n");

	check_mount("/", NULL, "ro");
	CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS, "root is writable\n");
	check_mount("/proc", "proc", "rw");
	check_mount("/dev", "tmpfs", "nosuid");
	check_mount("/dev/pts", "devpts", "noexec");
	check_mount("/dev/shm", "tmpfs", "nodev");
	check_mount("/dev/mqueue", "mqueue", "nosuid");
	check_mount("/sys", "sysfs", "ro");
	check_mount("/sys/fs/cgroup", "tmpfs", "ro");
	check_mount("/sys/fs/cgroup/memory", "cgroup", "ro");
	check_mount("/sys/fs/cgroup/unified", "cgroup2", "ro");
	check_mount("/data", NULL, "ro");
	check_mount("/rdata", NULL, "nosuid");
	struct mi m;
	CHECK(mi_find("/rdata", &m) && strstr(m.optional, "shared:"), "/rdata not shared: %s\n", m.optional);
	CHECK(mi_find("/data", &m) && !strstr(m.optional, "shared:"), "/data is shared: %s\n", m.optional);
	check_mount("/run/a/b", "tmpfs", "nodev");
	_cleanup_free_ char *hello = fs_read_file_at(AT_FDCWD, "/data/hello", NULL, NULL);
	CHECK(hello && !strcmp(hello, "hello from the host\n"), "bind content\n");
	CHECK(open("/data/new", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS, "ro bind writable\n");
	_cleanup_free_ char *hf = fs_read_file_at(AT_FDCWD, "/etc/hostfile", NULL, NULL);
	CHECK(hf && !strcmp(hf, "host file\n"), "file bind from the bundle\n");

	/* devices and /dev links */
	check_chr("/dev/null", 1, 3, 0666);
	check_chr("/dev/zero", 1, 5, 0666);
	check_chr("/dev/full", 1, 7, 0666);
	check_chr("/dev/random", 1, 8, 0666);
	check_chr("/dev/urandom", 1, 9, 0666);
	check_chr("/dev/tty", 5, 0, 0666);
	check_link("/dev/ptmx", "pts/ptmx");
	check_link("/dev/fd", "/proc/self/fd");
	check_link("/dev/stdin", "/proc/self/fd/0");
	check_link("/dev/stderr", "/proc/self/fd/2");

	/* masked and read-only paths */
	check_mount("/proc/timer_list", NULL, NULL);
	check_chr("/proc/timer_list", 1, 3, 0666);
	check_mount("/proc/acpi", "tmpfs", "ro");
	check_mount("/sys/firmware", "tmpfs", "ro");
	CHECK(mi_find("/proc/does-not-exist", &m) == false, "missing masked path mounted\n");
	check_mount("/proc/sys", "proc", "ro");
	check_mount("/proc/sys", NULL, "nosuid");
	check_mount("/proc/sys", NULL, "noexec");
	check_mount("/proc/interrupts", NULL, "ro");
	CHECK(open("/proc/sys/kernel/hostname", O_WRONLY) < 0 && errno == EROFS, "/proc/sys writable\n");

	/* the user's program would see the same */
	CHECK(sh("test -c /dev/null && test -L /dev/ptmx && test \"$(cat /data/hello)\" = 'hello from the host' "
		 "&& ! touch /x 2>/dev/null") == 0,
	      "busybox checks failed\n");
}

static void test_full_container(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_full_container);
}

static void case_no_pivot(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	struct rootfs_opts o = opts();
	o.no_pivot = true;
	enter(&b.s, &o, false);
	CHECK(access("/bin/busybox", X_OK) == 0, "not in the rootfs\n");
	CHECK(access(E.canary, F_OK) != 0, "host visible\n");
	check_chr("/dev/null", 1, 3, 0666);
	CHECK(sh("test -e /proc/self/status") == 0, "proc\n");
}

static void test_no_pivot(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_no_pivot);
}

/* CVE-2021-30465 class: mount destinations through symlinks that name host paths stay in the rootfs. */
static void case_symlinked_destinations(void)
{
	plant_symlink("mnt", E.canary);                 /* absolute: the host's canary dir */
	plant_symlink("etc/hosts", "../../../../../../../../tmp/x"); /* relative climb */
	_cleanup_free_ char *sentinel = path_in(E.canary, "sentinel");
	plant_symlink("etc/passwd", sentinel);
	struct sb b;
	sb_init(&b);
	add(&b, "/mnt/evil", "tmpfs", "tmpfs", 0, NULL);
	add(&b, "/etc/hosts", "bind", E.hostfile, MS_RDONLY, NULL);
	add(&b, "/etc/passwd", "bind", E.hostfile, 0, NULL);
	add(&b, "/../../../../tmp/up", "tmpfs", "tmpfs", 0, NULL);
	struct rootfs_opts o = opts();
	struct hull_err *err = NULL;
	enter(&b.s, &o, true);
	/* Still in the host's root here: everything landed inside the rootfs. */
	_cleanup_free_ char *evil = xasprintf("%s%s/evil", E.rootfs, E.canary);
	check_mount(evil, "tmpfs", NULL);
	_cleanup_free_ char *x = xasprintf("%s/tmp/x", E.rootfs);
	check_mount(x, NULL, "ro");
	_cleanup_free_ char *sent_in = xasprintf("%s%s", E.rootfs, sentinel);
	check_mount(sent_in, NULL, NULL);
	_cleanup_free_ char *up = xasprintf("%s/tmp/up", E.rootfs);
	check_mount(up, "tmpfs", NULL);
	struct mi m;
	CHECK(!mi_find(sentinel, &m), "host sentinel got a mount\n");
	_cleanup_free_ char *hevil = path_in(E.canary, "evil");
	CHECK(access(hevil, F_OK) != 0, "host canary got evil\n");
	must(rootfs_finalize(&b.s, &o, &err), &err, "finalize");
}

static void test_symlinked_destinations(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_symlinked_destinations);
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

/* A rootfs entry replaced by a symlink to a host path, and the mount that must then be refused.
 * CVE-2026-41579 class for /dev: refused with or without a /dev mount. */
struct trap { const char *link, *target /* NULL: the canary */, *dest, *type, *needle; };
static const struct trap traps[] = {
	{ "proc", NULL, "/proc", "proc", "mounts[0] (proc on /proc): /proc must be a directory, not a symlink" },
	{ "sys", "/sys", "/sys", "sysfs", "mounts[0] (sysfs on /sys): /sys must be a directory" },
	{ "dev", NULL, NULL, NULL, "/dev must be a directory, not a symlink" },
	{ "dev", "/tmp", "/dev", "tmpfs", "/dev must be a directory, not a symlink" },
};
static const struct trap *cur_trap;

static void case_trap(void)
{
	plant_symlink(cur_trap->link, cur_trap->target ? cur_trap->target : E.canary);
	struct sb b;
	sb_init(&b);
	if (cur_trap->dest)
		add(&b, cur_trap->dest, cur_trap->type, cur_trap->type, 0, NULL);
	struct rootfs_opts o = opts();
	expect_failure(&b, &o, true, cur_trap->needle);
}

/* An image's /dev/null symlink (no /dev mount) is replaced by the real node, never followed. */
static void case_dev_null_symlink_in_image(void)
{
	_cleanup_free_ char *sentinel = path_in(E.canary, "sentinel");
	plant_symlink("dev/null", sentinel);
	plant_symlink("dev/ptmx", sentinel);
	struct sb b;
	sb_init(&b);
	b.masked[0] = "/etc/conf/a.conf";
	b.l.n_masked_paths = 1;
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	check_chr("/dev/null", 1, 3, 0666);
	check_link("/dev/ptmx", "pts/ptmx");
	check_chr("/etc/conf/a.conf", 1, 3, 0666);
}

/* CVE-2025-31133: /dev/null swapped for a symlink (or a file) after prepare must not become a masking
 * bind of something else. */
static void case_dev_null_swapped(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	b.masked[0] = "/proc/timer_list";
	b.l.n_masked_paths = 1;
	struct rootfs_opts o = opts();
	struct hull_err *err = NULL;
	enter(&b.s, &o, true);
	/* what a createContainer hook or a racing process in a shared namespace could do */
	plant_symlink("dev/null", "/proc/sys/kernel/core_pattern");
	CHECK(rootfs_finalize(&b.s, &o, &err) < 0, "finalize accepted a symlinked /dev/null\n");
	CHECK(strstr(err->msg, "masked path /proc/timer_list: /dev/null"), "error: %s\n", err->msg);
	struct mi m;
	CHECK(!mi_find("/proc/timer_list", &m), "timer_list masked with the symlink target\n");
}

static void case_dev_null_regular_file(void)
{
	struct sb b;
	sb_init(&b);
	b.masked[0] = "/etc/conf/a.conf";
	b.l.n_masked_paths = 1;
	struct rootfs_opts o = opts();
	struct hull_err *err = NULL;
	enter(&b.s, &o, true);
	_cleanup_free_ char *null = xasprintf("%s/dev/null", E.rootfs);
	unlink(null);
	CHECK(mknod(null, S_IFCHR | 0666, makedev(1, 5)) == 0, "mknod\n"); /* /dev/zero in disguise */
	CHECK(rootfs_finalize(&b.s, &o, &err) < 0, "finalize accepted a fake /dev/null\n");
	CHECK(strstr(err->msg, "/dev/null is not the character device 1:3"), "error: %s\n", err->msg);
}

static void test_hostile_rootfs(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	/* Each case gets a fresh rootfs: they plant different traps. */
	size_t n_traps = sizeof(traps) / sizeof(*traps);
	case_fn cases[] = { case_dev_null_symlink_in_image, case_dev_null_swapped, case_dev_null_regular_file };
	size_t n_cases = sizeof(cases) / sizeof(*cases);
	for (size_t i = 0; i < n_traps + n_cases; i++) {
		if (i > 0) {
			teardown(NULL);
			assert_int_equal(setup(NULL), 0);
		}
		cur_trap = i < n_traps ? &traps[i] : NULL;
		run_case(i < n_traps ? case_trap : cases[i - n_traps]);
	}
}

static void case_tmpcopyup(void)
{
	struct sb b;
	sb_init(&b);
	struct spec_mount *m = add(&b, "/etc/conf", "tmpfs", "tmpfs", 0, "mode=0700");
	m->tmpcopyup = true;
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	struct statfs sf;
	CHECK(statfs("/etc/conf", &sf) == 0 && sf.f_type == TMPFS_MAGIC, "not a tmpfs\n");
	_cleanup_free_ char *a = fs_read_file_at(AT_FDCWD, "/etc/conf/a.conf", NULL, NULL);
	CHECK(a && !strcmp(a, "from the image\n"), "a.conf not copied\n");
	struct stat st;
	CHECK(stat("/etc/conf/sub/b", &st) == 0 && (st.st_mode & 0777) == 0640, "sub/b mode\n");
	CHECK(stat("/etc/conf", &st) == 0 && (st.st_mode & 0777) == 0755, "root mode %o not the original\n",
	      st.st_mode & 0777);
	check_link("/etc/conf/escape", E.canary); /* copied as a link, not followed */
	CHECK(open("/etc/conf/new", O_CREAT | O_WRONLY, 0644) >= 0, "tmpfs not writable\n");
}

static void test_tmpcopyup(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_tmpcopyup);
	/* the image's directory itself is unchanged */
	_cleanup_free_ char *n = xasprintf("%s/etc/conf/new", E.rootfs);
	assert_int_equal(access(n, F_OK), -1);
}

static void case_devices(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_RDONLY, "mode=755");
	b.dev[0] = (struct spec_device){ .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229,
					 .has_file_mode = true, .file_mode = 0600, .has_uid = true, .uid = 1000,
					 .has_gid = true, .gid = 1001 };
	b.dev[1] = (struct spec_device){ .path = "/dev/net/tun", .type = 'c', .major = 10, .minor = 200,
					 .has_file_mode = true, .file_mode = 0620 };
	b.dev[2] = (struct spec_device){ .path = "/dev/loop-hull", .type = 'b', .major = 7, .minor = 0 };
	b.l.n_devices = 3;
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	check_chr("/dev/fuse", 10, 229, 0600);
	struct stat st;
	CHECK(stat("/dev/fuse", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001, "fuse owner\n");
	check_chr("/dev/net/tun", 10, 200, 0620);
	CHECK(lstat("/dev/loop-hull", &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 0), "block\n");
	check_chr("/dev/null", 1, 3, 0666);
	/* /dev was asked read-only: sealed after the nodes were made */
	check_mount("/dev", "tmpfs", "ro");
	CHECK(mknod("/dev/x", S_IFCHR | 0600, makedev(1, 3)) < 0 && errno == EROFS, "/dev writable\n");
}

/* In a user namespace mknod is refused: the host's nodes are bound instead (tested as root with the
 * flag set, which takes the same path). */
static void case_devices_userns_bind(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	b.dev[0] = (struct spec_device){ .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0 };
	b.l.n_devices = 1;
	struct rootfs_opts o = opts();
	o.in_userns = true;
	enter(&b.s, &o, false);
	check_mount("/dev/null", "devtmpfs", NULL);
	check_mount("/dev/tty", "devtmpfs", NULL);
	struct stat st;
	CHECK(stat("/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9), "urandom\n");
}

static void case_devices_userns_wrong_host_node(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	/* the host's /dev/kmsg is 1:11: a spec claiming 1:3 must not get it bound */
	b.dev[0] = (struct spec_device){ .path = "/dev/kmsg", .type = 'c', .major = 1, .minor = 3 };
	b.l.n_devices = 1;
	struct rootfs_opts o = opts();
	o.in_userns = true;
	expect_failure(&b, &o, true, "device /dev/kmsg: host /dev/kmsg is not the device c 1:3");
}

static void test_devices(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_devices);
	run_case(case_devices_userns_bind);
	run_case(case_devices_userns_wrong_host_node);
}

static int console_slave = -1;

static void case_console(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	add(&b, "/dev/pts", "devpts", "devpts", 0, "newinstance,ptmxmode=0666");
	struct rootfs_opts o = opts();
	o.console_fd = console_slave;
	enter(&b.s, &o, false);
	struct stat want, got;
	CHECK(fstat(console_slave, &want) == 0 && stat("/dev/console", &got) == 0, "stat console\n");
	CHECK(S_ISCHR(got.st_mode) && got.st_rdev == want.st_rdev, "/dev/console is not our pty\n");
	check_mount("/dev/console", "devpts", NULL);
}

static void test_console(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	console_slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(console_slave >= 0);
	run_case(case_console);
	close(console_slave);
	close(master);
}

static void case_idmap(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	struct spec_mount *m = add(&b, "/idmapped", "bind", E.hostdir, 0, NULL);
	m->idmap = true;
	struct spec_idmap map = { .container_id = 0, .host_id = 100000, .size = 65536 };
	m->uid_mappings = &map;
	m->gid_mappings = &map;
	m->n_uid_mappings = m->n_gid_mappings = 1;
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	struct stat st;
	CHECK(stat("/idmapped/hello", &st) == 0, "stat: %s\n", strerror(errno));
	CHECK(st.st_uid == 100000 && st.st_gid == 100000, "owner %u:%u, want 100000\n", st.st_uid, st.st_gid);
	check_mount("/idmapped", NULL, "idmapped");
}

static void case_idmap_prepared_by_parent(void)
{
	/* The parent-side API: detached id-mapped trees handed to rootfs_prepare. */
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/plain", "bind", E.hostdir, MS_RDONLY, NULL);
	struct spec_mount *m = add(&b, "/idmapped", "bind", E.hostdir, MS_RDONLY, NULL);
	m->idmap = true;
	struct spec_idmap map = { .container_id = 0, .host_id = 2000, .size = 10 };
	m->uid_mappings = m->gid_mappings = &map;
	m->n_uid_mappings = m->n_gid_mappings = 1;
	int *fds = NULL;
	struct hull_err *err = NULL;
	must(rootfs_open_idmapped_mounts(&b.s, E.base, NULL, &fds, &err), &err, "open idmapped");
	CHECK(fds[0] == -1 && fds[1] == -1 && fds[2] >= 0, "fds %d %d %d\n", fds[0], fds[1], fds[2]);
	struct rootfs_opts o = opts();
	o.mount_fds = fds;
	must(rootfs_prepare(&b.s, &o, &err), &err, "prepare");
	must(rootfs_finalize(&b.s, &o, &err), &err, "finalize");
	struct stat st;
	CHECK(stat("/idmapped/hello", &st) == 0 && st.st_uid == 2000, "uid %u\n", st.st_uid);
	CHECK(stat("/plain/hello", &st) == 0 && st.st_uid == 0, "plain uid %u\n", st.st_uid);
	check_mount("/idmapped", NULL, "ro");
}

static void test_idmap(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_idmap);
	run_case(case_idmap_prepared_by_parent);
}

static void case_errors_name_the_mount(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/run", "tmpfs", "tmpfs", 0, "size=lots");
	struct rootfs_opts o = opts();
	expect_failure(&b, &o, true, "mounts[0] (tmpfs on /run): fsconfig size");
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/x", "bind", "/nonexistent-hull-src", 0, NULL);
	expect_failure(&b, &o, true, "mounts[1] (bind on /x): stat source /nonexistent-hull-src");
	sb_init(&b);
	add(&b, "/y", "no-such-fs-hull", "x", 0, NULL);
	expect_failure(&b, &o, true, "mounts[0] (no-such-fs-hull on /y): fsopen no-such-fs-hull");
	sb_init(&b);
	/* a file bind source onto a directory destination */
	add(&b, "/etc", "bind", E.hostfile, 0, NULL);
	expect_failure(&b, &o, true, "mounts[0] (bind on /etc)");
}

static void test_errors(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_errors_name_the_mount);
}

static void case_propagation(void)
{
	struct sb b;
	sb_init(&b);
	b.l.rootfs_propagation = "rslave";
	add(&b, "/proc", "proc", "proc", 0, NULL);
	struct spec_mount *m = add(&b, "/p", "bind", E.hostdir, 0, NULL);
	m->propagation = MS_UNBINDABLE;
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	struct mi mi;
	CHECK(mi_find("/p", &mi) && strstr(mi.optional, "unbindable"), "/p: %s\n", mi.optional);
}

/* "rshared": pivot_root still works (the rootfs's parent mount is made private) and new mounts are shared. */
static void case_rshared_root(void)
{
	CHECK(mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL) == 0, "make / rshared\n");
	struct sb b;
	sb_init(&b);
	b.l.rootfs_propagation = "rshared";
	add(&b, "/proc", "proc", "proc", 0, NULL);
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	struct mi mi;
	CHECK(mi_find("/", &mi) && strstr(mi.optional, "shared:"), "/ not shared: %s\n", mi.optional);
}

static void test_propagation(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_propagation);
	run_case(case_rshared_root);
}

static void case_cgroupns(void)
{
	CHECK(unshare(CLONE_NEWCGROUP) == 0, "unshare cgroup ns\n");
	struct sb b;
	sb_init(&b);
	b.ns[2].type = NS_CGROUP;
	b.l.n_namespaces = 3;
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/sys", "sysfs", "sysfs", MS_RDONLY, NULL);
	add(&b, "/sys/fs/cgroup", "cgroup", "cgroup", MS_RDONLY | MS_NOSUID, NULL);
	struct rootfs_opts o = opts();
	enter(&b.s, &o, false);
	struct mi mi;
	CHECK(mi_find("/sys/fs/cgroup/memory", &mi) && !strcmp(mi.fstype, "cgroup") && has_opt(mi.opts, "ro"),
	      "memory: %s %s\n", mi.fstype, mi.opts);
	CHECK(mi_find("/sys/fs/cgroup/systemd", &mi), "no systemd hierarchy\n");
	check_mount("/sys/fs/cgroup/unified", "cgroup2", "ro");
	_cleanup_free_ char *self = fs_read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, NULL);
	CHECK(self && strstr(self, "memory:/\n"), "cgroup ns root: %s\n", self);
}

static void test_cgroupns(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_cgroupns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pivot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_destinations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rootfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmpcopyup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_propagation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroupns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
