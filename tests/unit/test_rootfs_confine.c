/* test_rootfs_confine.c — rootfs_prepare/rootfs_finalize for real, as root, on a busybox rootfs:
 * a full runc-like container, no_pivot, propagation, errors, a parsed config.json, and hostile rootfs
 * traps (/proc, /sys, /dev, /dev/null and mount destinations as symlinks to a host canary that must stay
 * untouched). The harness (forked child in its own mount+pid namespaces) is rootfs_harness.h.
 */
#include "rootfs_harness.h"
#include "oci/spec.h"

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
	/* a host mount, held by an fd across the move: it must end up detached, not hidden below "/" */
	_cleanup_fd_ int host_sys = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(host_sys >= 0, "open /sys\n");
	enter(&b.s, &o, false);
	struct mount_attr a = { .propagation = MS_PRIVATE };
	CHECK(mount_setattr(host_sys, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 && errno == EINVAL,
	      "the host's /sys is still mounted in the container's namespace\n");
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

/* Without a mount namespace of its own the container keeps the runtime's (config-linux.md), but nothing is
 * mounted there: the mounts happen in a private namespace, and the process ends up back in the runtime's
 * one with its root in a detached copy of the finished tree (rootfs_private_mount_ns / leave). */
static void case_no_mount_ns(void)
{
	struct sb b;
	sb_init(&b);
	b.ns[0].type = NS_PID; /* drop "mount" */
	b.l.n_namespaces = 1;
	add(&b, "/proc", "proc", "proc", 0, NULL);
	b.masked[0] = "/proc/timer_list";
	b.l.n_masked_paths = 1;
	struct rootfs_opts o = opts();
	expect_failure(&b, &o, true, "no mount namespace");

	struct stat ns_before, ns_after;
	CHECK(stat("/proc/self/ns/mnt", &ns_before) == 0, "stat ns\n");
	_cleanup_free_ char *before = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, NULL);
	/* Opened now, read at the end: the runtime's namespace seen from the runtime's root. */
	int mi = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	struct hull_err *err = NULL;
	int host = -1;
	must(rootfs_private_mount_ns(&host, &err), &err, "private mount ns");
	o.private_mnt = true;
	enter(&b.s, &o, false);
	must(rootfs_leave_private_mount_ns(host, &err), &err, "leave");
	CHECK(stat("/proc/self/ns/mnt", &ns_after) == 0 && ns_after.st_ino == ns_before.st_ino,
	      "not in the runtime's mount namespace\n");
	struct statfs sf;
	CHECK(statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */, "no procfs on /proc\n");
	struct stat kc;
	CHECK(stat("/proc/timer_list", &kc) == 0 && S_ISCHR(kc.st_mode), "/proc/timer_list not masked\n");
	CHECK(access("/bin/busybox", X_OK) == 0 && access(E.canary, F_OK) != 0, "not in the container's root\n");
	char after[65536];
	ssize_t n = read(mi, after, sizeof(after) - 1);
	CHECK(before && n >= 0 && (after[n] = 0, strcmp(before, after) == 0), "the runtime's mounts changed\n");
	close(mi);
}

static void test_no_mount_ns(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_no_mount_ns);
}

/* A config.json through the real parser: option strings become the flags and attributes applied. */
static const char parsed_config[] =
	"{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
	"{\"destination\":\"/rro\",\"type\":\"bind\",\"source\":\"hostdir\",\"options\":[\"rbind\",\"rro\",\"nosuid\"]},"
	"{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"hostdir\",\"options\":[\"rbind\",\"ro\"]},"
	"{\"destination\":\"/etc/conf\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"tmpcopyup\",\"noexec\"]},"
	"{\"destination\":\"/mapped\",\"type\":\"bind\",\"source\":\"hostdir\",\"options\":[\"bind\",\"idmap\"],"
	" \"uidMappings\":[{\"containerID\":0,\"hostID\":3000,\"size\":10}],"
	" \"gidMappings\":[{\"containerID\":0,\"hostID\":4000,\"size\":10}]}"
	"],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],\"rootfsPropagation\":\"rslave\","
	"\"maskedPaths\":[\"/proc/timer_list\",\"/proc/acpi\",\"/proc/kcore\"],"
	"\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"]}}";

static void case_parsed_config(void)
{
	/* A submount inside the bind source: "rro" reaches it, plain "ro" does not. */
	_cleanup_free_ char *sub = path_in(E.hostdir, "sub");
	CHECK(mkdir(sub, 0755) == 0 || errno == EEXIST, "mkdir sub\n");
	CHECK(mount("tmpfs", sub, "tmpfs", 0, "size=1m") == 0, "mount sub: %s\n", strerror(errno));
	struct hull_err *err = NULL;
	struct spec *s = spec_parse(parsed_config, sizeof(parsed_config) - 1, "config.json", &err);
	CHECK(s, "parse: %s\n", err ? err->msg : "?");
	struct rootfs_opts o = opts();
	enter(s, &o, false);
	check_mount("/", NULL, "ro");
	check_mount("/rro", NULL, "ro");
	check_mount("/rro", NULL, "nosuid");
	check_mount("/rro/sub", "tmpfs", "ro");
	check_mount("/ro", NULL, "ro");
	check_mount("/ro/sub", "tmpfs", "rw");
	check_mount("/etc/conf", "tmpfs", "noexec");
	CHECK(access("/etc/conf/a.conf", F_OK) == 0, "tmpcopyup\n");
	struct stat st;
	CHECK(stat("/mapped/hello", &st) == 0 && st.st_uid == 3000 && st.st_gid == 4000, "idmap %u:%u\n", st.st_uid,
	      st.st_gid);
	check_mount("/proc/timer_list", NULL, NULL);
	check_mount("/proc/acpi", "tmpfs", "ro");
	check_mount("/proc/sys", "proc", "ro");
	check_mount("/sys/fs/cgroup/cpu", "cgroup", "ro");
	check_mount("/dev/pts", "devpts", "noexec");
	struct mi m;
	CHECK(mi_find("/", &m) && strstr(m.optional, "master:") == NULL, "/ propagation: %s\n", m.optional);
	spec_free(s);
}

static void test_parsed_config(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	run_case(case_parsed_config);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pivot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_destinations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rootfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_propagation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parsed_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_mount_ns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
