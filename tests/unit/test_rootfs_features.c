/* test_rootfs_features.c — rootfs features for real, as root, on a busybox rootfs: tmpcopyup, device
 * nodes (mknod and the user-namespace bind), the console (given pty and runc's container-devpts way),
 * id-mapped mounts (own mappings and parent-prepared), cgroup mounts in a cgroup namespace.
 * The harness is rootfs_harness.h.
 */
#include "rootfs_harness.h"

#include <grp.h>
#include <signal.h>

/* ---- cases ---- */

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

/* runc's way, as the runtime does it: the pty from the container's own devpts, opened after
 * rootfs_finalize, bound with rootfs_bind_console. With a terminal, prepare makes the mount point ahead,
 * so even a read-only /dev takes the bind; an image's hostile /dev/console is replaced. */
static void case_console_from_container_devpts(void)
{
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_RDONLY, "mode=755");
	add(&b, "/dev/pts", "devpts", "devpts", 0, "newinstance,ptmxmode=0666,mode=0620");
	b.p.terminal = true;
	struct rootfs_opts o = opts();
	struct hull_err *err = NULL;
	enter(&b.s, &o, false);
	check_mount("/dev", "tmpfs", "ro");
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(master >= 0 && unlockpt(master) == 0, "open /dev/ptmx: %s\n", strerror(errno));
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(slave >= 0, "TIOCGPTPEER: %s\n", strerror(errno));
	must(rootfs_bind_console(slave, &err), &err, "bind console");
	char name[64];
	CHECK(ttyname_r(slave, name, sizeof(name)) == 0 && !strcmp(name, "/dev/pts/0"), "ttyname %s\n", name);
	struct stat want, got;
	CHECK(fstat(slave, &want) == 0 && stat("/dev/console", &got) == 0 && got.st_rdev == want.st_rdev,
	      "/dev/console is not the pty\n");
	check_mount("/dev/console", "devpts", NULL);
}

/* Without a terminal in the spec no mount point is made; a symlink the image left there is replaced. */
static void case_console_image_symlink(void)
{
	_cleanup_free_ char *sentinel = path_in(E.canary, "sentinel");
	plant_symlink("dev/console", sentinel);
	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev/pts", "devpts", "devpts", 0, "newinstance,ptmxmode=0666,mode=0620");
	struct rootfs_opts o = opts();
	struct hull_err *err = NULL;
	enter(&b.s, &o, false);
	struct stat st;
	CHECK(lstat("/dev/console", &st) == 0 && S_ISLNK(st.st_mode), "no terminal: /dev/console touched\n");
	int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(master >= 0 && unlockpt(master) == 0, "open ptmx\n");
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	must(rootfs_bind_console(slave, &err), &err, "bind console");
	CHECK(lstat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode), "/dev/console still the image's\n");
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
	run_case(case_console_from_container_devpts);
	run_case(case_console_image_symlink);
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

/* ---- a user namespace container ---- */

#define USERNS_BASE 100000

/* A process sitting in a new user namespace mapping 0..65535 to USERNS_BASE; returns its pid as the
 * mounted /proc names it (ours is the host's, the case runs in its own pid namespace). */
static pid_t userns_holder(pid_t *child)
{
	int ready[2];
	CHECK(pipe(ready) == 0, "pipe\n");
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		char self[32] = "";
		if (unshare(CLONE_NEWUSER) == 0) {
			ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
			self[n > 0 ? n : 0] = 0;
		}
		if (write(ready[1], self, sizeof(self)) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char self[32] = "";
	CHECK(read(ready[0], self, sizeof(self)) > 1 && self[0], "user namespace holder failed\n");
	close(ready[0]);
	*child = pid;
	pid_t procpid = (pid_t)atoi(self);
	char map[64], path[64];
	snprintf(map, sizeof(map), "0 %d 65536\n", USERNS_BASE);
	const char *files[] = { "uid_map", "gid_map" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)procpid, files[i]);
		struct hull_err *err = NULL;
		must(fs_write_file_at(AT_FDCWD, path, map, &err), &err, path);
	}
	return procpid;
}

static void userns_checks(void)
{
	CHECK(getuid() == 0 && getpid() == 1, "not root/pid 1 in the container\n");
	check_mount("/", NULL, "ro");
	check_mount("/proc", "proc", NULL);
	check_mount("/sys", "sysfs", "ro");
	check_mount("/sys/fs/cgroup/memory", "cgroup", "ro");
	/* mknod is refused in a user namespace: the host's nodes are bound */
	check_mount("/dev/null", "devtmpfs", NULL);
	check_chr("/dev/null", 1, 3, 0666);
	check_link("/dev/ptmx", "pts/ptmx");
	/* flags the host locked stay set although the spec asked to clear them */
	check_mount("/locked", "tmpfs", "nosuid");
	check_mount("/locked", NULL, "nodev");
	/* host root's file through the container's user namespace as an id map: root inside */
	struct stat st;
	CHECK(stat("/mapped/hello", &st) == 0 && st.st_uid == 0 && st.st_gid == 0, "idmapped owner %u:%u\n",
	      st.st_uid, st.st_gid);
	CHECK(stat("/plain/hello", &st) == 0 && st.st_uid == 65534, "plain owner %u\n", st.st_uid);
	check_chr("/proc/timer_list", 1, 3, 0666);
	check_mount("/proc/acpi", "tmpfs", "ro");
	check_mount("/proc/sys", NULL, "ro");
	CHECK(sh("test -c /dev/null && ! touch /x 2>/dev/null && test \"$(id -u)\" = 0") == 0, "busybox checks\n");
}

static bool userns_prepare_idmaps;

static void case_userns(void)
{
	_cleanup_free_ char *locked = path_in(E.base, "locked");
	CHECK(mkdir(locked, 0755) == 0 || errno == EEXIST, "mkdir locked\n");
	CHECK(mount("hull-rootfs-locked", locked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0, "mount locked\n");
	_cleanup_free_ char *chown_cmd = xasprintf("chown -R -h %d:%d %s", USERNS_BASE, USERNS_BASE, E.rootfs);
	CHECK(system(chown_cmd) == 0 && chmod(E.base, 0755) == 0, "chown rootfs\n");
	pid_t holder;
	pid_t procpid = userns_holder(&holder);
	char userns_path[64];
	snprintf(userns_path, sizeof(userns_path), "/proc/%d/ns/user", (int)procpid);

	struct sb b;
	sb_init(&b);
	add(&b, "/proc", "proc", "proc", 0, NULL);
	add(&b, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755");
	add(&b, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	add(&b, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	add(&b, "/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	struct spec_mount *m = add(&b, "/locked", "bind", locked, 0, NULL);
	m->clear_flags = MS_NOSUID | MS_NODEV;
	add(&b, "/plain", "bind", E.hostdir, 0, NULL);
	add(&b, "/mapped", "bind", E.hostdir, 0, NULL)->idmap = true;
	b.masked[0] = "/proc/timer_list";
	b.masked[1] = "/proc/acpi";
	b.l.n_masked_paths = 2;
	b.ro[0] = "/proc/sys";
	b.l.n_readonly_paths = 1;
	b.s.root_readonly = true;
	b.ns[2].type = NS_USER;
	b.l.n_namespaces = 3;

	/* the parent's part: id-mapped mounts need privilege over the host's file system */
	int *fds = NULL;
	struct hull_err *err = NULL;
	if (userns_prepare_idmaps)
		must(rootfs_open_idmapped_mounts(&b.s, E.base, userns_path, &fds, &err), &err, "open idmapped mounts");
	_cleanup_fd_ int usernsfd = open(userns_path, O_RDONLY | O_CLOEXEC);
	CHECK(usernsfd >= 0, "open %s\n", userns_path);

	pid_t g = fork();
	if (g == 0) {
		CHECK(setns(usernsfd, CLONE_NEWUSER) == 0, "setns user: %s\n", strerror(errno));
		CHECK(setresgid(0, 0, 0) == 0 && setgroups(0, NULL) == 0 && setresuid(0, 0, 0) == 0, "become root\n");
		CHECK(unshare(CLONE_NEWNS | CLONE_NEWPID) == 0, "unshare: %s\n", strerror(errno));
		pid_t gg = fork();
		if (gg == 0) {
			struct rootfs_opts o = opts();
			o.in_userns = true;
			o.mount_fds = fds;
			if (!fds) {
				expect_failure(&b, &o, true, "mounts[7] (bind on /mapped): an idmap mount of a container "
							     "with a user namespace must be prepared by the runtime's parent");
				_exit(0);
			}
			enter(&b.s, &o, false);
			userns_checks();
			_exit(0);
		}
		int st;
		waitpid(gg, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
	}
	int st;
	waitpid(g, &st, 0);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "user namespace container failed\n");
}

static void test_userns(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	userns_prepare_idmaps = true;
	run_case(case_userns);
	/* without the parent's help the init cannot id-map a host file system: a clear error */
	userns_prepare_idmaps = false;
	run_case(case_userns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tmpcopyup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroupns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
