/* test_mountplan.c — the pure decisions of the container's file-system view (src/runtime/mountplan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "oci/tables.h"
#include "runtime/mountplan.h"
#include "util/cleanup.h"

static void check_clean(const char *in, const char *want)
{
	char *got = mountplan_clean_path(in);
	if (strcmp(got, want) != 0)
		fail_msg("clean(%s) = %s, want %s", in, got, want);
	free(got);
}

static void test_clean_path(void **state)
{
	(void)state;
	check_clean("/", "/");
	check_clean("", "/");
	check_clean("proc", "/proc");
	check_clean("/proc/", "/proc");
	check_clean("//a//b///c", "/a/b/c");
	check_clean("/a/./b/.", "/a/b");
	check_clean("/a/b/../c", "/a/c");
	check_clean("/../../etc/passwd", "/etc/passwd");
	check_clean("/a/../../..", "/");
	check_clean("../x/..", "/");
	check_clean("/a/..b/...", "/a/..b/...");
}

static void test_path_under(void **state)
{
	(void)state;
	assert_true(mountplan_path_under("/proc", "/proc"));
	assert_true(mountplan_path_under("/proc/sys/kernel", "/proc"));
	assert_false(mountplan_path_under("/procfoo", "/proc"));
	assert_false(mountplan_path_under("/pro", "/proc"));
	assert_true(mountplan_path_under("/anything", "/"));
}

static void test_ms_to_attr(void **state)
{
	(void)state;
	assert_int_equal(mountplan_ms_to_attr(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
			 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	assert_int_equal(mountplan_ms_to_attr(MS_NOATIME), MOUNT_ATTR_NOATIME);
	assert_int_equal(mountplan_ms_to_attr(MS_STRICTATIME), MOUNT_ATTR_STRICTATIME);
	assert_int_equal(mountplan_ms_to_attr(MS_RELATIME), MOUNT_ATTR_RELATIME);
	assert_int_equal(mountplan_ms_to_attr(MS_NODIRATIME), MOUNT_ATTR_NODIRATIME);
	assert_int_equal(mountplan_ms_to_attr(MS_BIND | MS_REC), 0);
	assert_int_equal(mountplan_sb_flags(MS_SYNCHRONOUS | MS_RDONLY | MS_DIRSYNC | MS_NOSUID),
			 MS_SYNCHRONOUS | MS_RDONLY | MS_DIRSYNC);
	/* "acl" (runc: MS_POSIXACL) is a superblock flag, not a per-mount attribute. */
	assert_int_equal(mountplan_sb_flags(MS_POSIXACL | MS_NODEV), MS_POSIXACL);
	assert_int_equal(mountplan_ms_to_attr(MS_POSIXACL), 0);
	const struct oci_mountopt *acl = oci_mountopt_lookup("acl"), *noacl = oci_mountopt_lookup("noacl");
	assert_non_null(acl);
	assert_non_null(noacl);
	assert_int_equal(acl->kind, MOPT_MS_SET);
	assert_int_equal(noacl->kind, MOPT_MS_CLEAR);
	assert_int_equal(acl->value, MS_POSIXACL);
}

static struct spec_mount mnt(const char *dest, const char *type, const char *src)
{
	return (struct spec_mount){ .destination = (char *)dest, .type = (char *)type, .source = (char *)src };
}

/* The plan keeps the spec's order, splits kinds, and turns options into attributes. */
static void test_plan_order_and_kinds(void **state)
{
	(void)state;
	struct spec_mount m[6] = {
		mnt("/proc", "proc", "proc"),
		mnt("dev/", "tmpfs", NULL),
		mnt("/data/../srv", NULL, "vol"),
		mnt("/sys/fs/cgroup", "cgroup", "cgroup"),
		mnt("/run", "tmpfs", "tmpfs"),
		mnt("/etc/hosts", "bind", "/etc/hosts"),
	};
	m[1].flags = MS_NOSUID | MS_STRICTATIME;
	m[2].rbind = true;
	m[2].flags = MS_RDONLY | MS_BIND | MS_REC;
	m[2].propagation = MS_SHARED | MS_REC;
	m[3].flags = MS_RDONLY | MS_NOEXEC;
	m[4].clear_flags = MS_NOSUID | MS_NOATIME;
	m[4].tmpcopyup = true;
	m[4].attr_set = MOUNT_ATTR_NODEV;
	m[5].attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME;
	struct spec s = { .mounts = m, .n_mounts = 6 };
	struct mount_plan p;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_build(&s, "/bundle", &p, &err), 0);
	assert_int_equal(p.n_steps, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(p.steps[i].index, i);
	assert_int_equal(p.steps[0].kind, MOUNT_KIND_FS);
	assert_string_equal(p.steps[1].dest, "/dev");
	assert_string_equal(p.steps[1].source, "tmpfs"); /* no source: the type */
	assert_int_equal(p.steps[1].attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
	assert_int_equal(p.steps[1].attr_clr, MOUNT_ATTR__ATIME);
	assert_int_equal(p.steps[2].kind, MOUNT_KIND_BIND);
	assert_true(p.steps[2].recursive);
	assert_string_equal(p.steps[2].dest, "/srv");
	assert_string_equal(p.steps[2].source, "/bundle/vol");
	assert_int_equal(p.steps[2].attr_set, MOUNT_ATTR_RDONLY);
	assert_int_equal(p.steps[2].propagation, MS_SHARED);
	assert_true(p.steps[2].propagation_recursive);
	assert_int_equal(p.steps[3].kind, MOUNT_KIND_CGROUP);
	assert_int_equal(p.steps[3].attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC);
	assert_true(p.steps[4].tmpcopyup);
	assert_int_equal(p.steps[4].attr_clr, MOUNT_ATTR_NOSUID | MOUNT_ATTR__ATIME);
	assert_int_equal(p.steps[4].rattr_set, MOUNT_ATTR_NODEV);
	assert_int_equal(p.steps[5].kind, MOUNT_KIND_BIND);
	assert_false(p.steps[5].recursive);
	assert_int_equal(p.steps[5].rattr_clr, MOUNT_ATTR__ATIME);
	assert_true(p.setup_dev);
	mountplan_free(&p);
}

static void expect_plan_error(struct spec_mount m, const char *needle)
{
	struct spec s = { .mounts = &m, .n_mounts = 1 };
	struct mount_plan p;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_build(&s, "/b", &p, &err), -1);
	assert_non_null(err);
	if (!strstr(err->msg, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err->msg, needle);
}

static void test_plan_errors(void **state)
{
	(void)state;
	expect_plan_error(mnt(NULL, "tmpfs", NULL), "mounts[0].destination: missing");
	expect_plan_error(mnt("/x", NULL, "/src"), "mounts[0] (on /x): type: missing");
	struct spec_mount b = mnt("/x", "bind", NULL);
	expect_plan_error(b, "mounts[0] (bind on /x): source: missing");
	struct spec_mount t = mnt("/x", "proc", "proc");
	t.tmpcopyup = true;
	expect_plan_error(t, "tmpcopyup needs a tmpfs");
	struct spec_mount i = mnt("/x", "tmpfs", NULL);
	i.idmap = true;
	expect_plan_error(i, "idmap is only for bind mounts");
	/* Nothing but procfs on /proc, and only the lxcfs-style files below it. */
	expect_plan_error(mnt("/proc", "tmpfs", NULL), "only a proc file system may be mounted on /proc");
	expect_plan_error(mnt("/proc/sys", "bind", "/tmp"), "mounts below /proc are limited");
	expect_plan_error(mnt("/proc/../proc/self", "tmpfs", NULL), "mounts[0] (on /proc/self)");
}

static void test_plan_proc_and_dev_rules(void **state)
{
	(void)state;
	struct spec_mount m[3] = { mnt("/proc/meminfo", "bind", "/var/lib/lxcfs/proc/meminfo"),
				   mnt("/dev", "tmpfs", "tmpfs"), mnt("/dev", "bind", "/dev") };
	m[1].flags = MS_RDONLY | MS_NOSUID;
	struct spec s = { .mounts = m, .n_mounts = 2 };
	struct mount_plan p;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_build(&s, NULL, &p, &err), 0);
	/* A read-only /dev is mounted writable and sealed after the device nodes are made. */
	assert_true(p.steps[1].defer_rdonly);
	assert_int_equal(p.steps[1].attr_set, MOUNT_ATTR_NOSUID);
	assert_true(p.setup_dev);
	mountplan_free(&p);
	/* With the host's /dev bound, no devices are made. */
	s.n_mounts = 3;
	assert_int_equal(mountplan_build(&s, NULL, &p, &err), 0);
	assert_false(p.setup_dev);
	mountplan_free(&p);
	/* A relative bind source needs the bundle. */
	struct spec_mount r = mnt("/x", "bind", "rel");
	struct spec s2 = { .mounts = &r, .n_mounts = 1 };
	assert_int_equal(mountplan_build(&s2, NULL, &p, &err), -1);
	assert_non_null(strstr(err->msg, "relative source rel"));
}

static void test_devices_defaults_and_overrides(void **state)
{
	(void)state;
	struct spec_device dev[3] = {
		{ .path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .has_file_mode = true, .file_mode = 0600,
		  .has_uid = true, .uid = 7 },
		{ .path = "/dev/net/tun", .type = 'u', .major = 10, .minor = 200 },
		{ .path = "/dev/net/../net/tun", .type = 'c', .major = 10, .minor = 201, .has_gid = true, .gid = 9 },
	};
	struct spec_linux l = { .devices = dev, .n_devices = 3 };
	struct spec s = { .linux_ = &l };
	struct device_node *d = NULL;
	size_t n = 0;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_devices(&s, &d, &n, &err), 0);
	/* 2 from the spec (the tun entry redefined once) + 5 defaults (null is the spec's). */
	assert_int_equal(n, 7);
	assert_string_equal(d[0].path, "/dev/null");
	assert_int_equal(d[0].mode, 0600);
	assert_int_equal(d[0].uid, 7);
	assert_false(d[0].is_default);
	assert_string_equal(d[1].path, "/dev/net/tun");
	assert_int_equal(d[1].type, 'c');
	assert_int_equal(d[1].minor, 201);
	assert_int_equal(d[1].gid, 9);
	assert_int_equal(d[1].mode, 0666);
	const char *defaults[] = { "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty" };
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(d[2 + i].path, defaults[i]);
		assert_true(d[2 + i].is_default);
		assert_int_equal(d[2 + i].mode, 0666);
	}
	assert_int_equal(d[6].major, 5);
	mountplan_devices_free(d, n);

	struct spec_device bad[1] = { { .path = "/etc/../tmp/x", .type = 'c', .major = 1, .minor = 3 } };
	l.devices = bad;
	l.n_devices = 1;
	assert_int_equal(mountplan_devices(&s, &d, &n, &err), -1);
	assert_non_null(strstr(err->msg, "linux.devices[0].path: /etc/../tmp/x is not inside /dev"));
	bad[0].path = "/dev/../../dev/x";
	bad[0].type = 'x';
	assert_int_equal(mountplan_devices(&s, &d, &n, &err), -1);
	assert_non_null(strstr(err->msg, "linux.devices[0].type"));
	bad[0].path = "/dev/";
	assert_int_equal(mountplan_devices(&s, &d, &n, &err), -1);

	/* No linux section: the defaults alone. */
	struct spec empty = { 0 };
	assert_int_equal(mountplan_devices(&empty, &d, &n, &err), 0);
	assert_int_equal(n, 6);
	mountplan_devices_free(d, n);
}

static void test_dev_symlinks(void **state)
{
	(void)state;
	bool ptmx = false, fd = false;
	for (size_t i = 0; i < mountplan_n_dev_symlinks; i++) {
		if (!strcmp(mountplan_dev_symlinks[i].name, "ptmx"))
			ptmx = !strcmp(mountplan_dev_symlinks[i].target, "pts/ptmx");
		if (!strcmp(mountplan_dev_symlinks[i].name, "fd"))
			fd = !strcmp(mountplan_dev_symlinks[i].target, "/proc/self/fd");
	}
	assert_true(ptmx);
	assert_true(fd);
}

static void test_masked_and_readonly_paths(void **state)
{
	(void)state;
	char *in[] = { "/proc/kcore", "/proc//kcore/", "/proc/acpi", "/sys/firmware/../firmware" };
	char **out = NULL;
	size_t n = 0;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_paths(in, 4, "maskedPaths", &out, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "/proc/kcore");
	assert_string_equal(out[1], "/proc/acpi");
	assert_string_equal(out[2], "/sys/firmware");
	mountplan_paths_free(out, n);
	char *rel[] = { "/ok", "proc/sys" };
	assert_int_equal(mountplan_paths(rel, 2, "readonlyPaths", &out, &n, &err), -1);
	assert_non_null(strstr(err->msg, "linux.readonlyPaths[1]: proc/sys is not an absolute path"));
	char *root[] = { "/a/.." };
	assert_int_equal(mountplan_paths(root, 1, "maskedPaths", &out, &n, &err), -1);
	assert_non_null(strstr(err->msg, "refusing \"/\""));

	assert_int_equal(mountplan_mask_kind(S_IFDIR | 0555), MASK_WITH_TMPFS);
	assert_int_equal(mountplan_mask_kind(S_IFREG | 0444), MASK_WITH_NULL);
	assert_int_equal(mountplan_mask_kind(S_IFCHR | 0666), MASK_WITH_NULL);
	assert_int_equal(mountplan_mask_kind(S_IFLNK | 0777), MASK_WITH_NULL);
}

static void test_root_propagation(void **state)
{
	(void)state;
	struct spec s = { 0 };
	assert_int_equal(mountplan_root_propagation(&s), MS_REC | MS_PRIVATE);
	struct spec_linux l = { .rootfs_propagation = "rslave" };
	s.linux_ = &l;
	assert_int_equal(mountplan_root_propagation(&s), MS_REC | MS_SLAVE);
	l.rootfs_propagation = "shared"; /* as runc: every value is recursive */
	assert_int_equal(mountplan_root_propagation(&s), MS_SHARED | MS_REC);
	l.rootfs_propagation_flags = MS_UNBINDABLE;
	assert_int_equal(mountplan_root_propagation(&s), MS_UNBINDABLE);
}

static const char hybrid_mountinfo[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"50 31 0:32 /hulltest /mnt/with\\040space rw - cgroup cgroup rw,memory\n";

static void test_cgroup_hierarchies(void **state)
{
	(void)state;
	const char *pc = "9:name=systemd:/\n4:memory:/hulltest/c1\n2:cpu,cpuacct:/hulltest/c1\n0::/\n";
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	_cleanup_err_ struct hull_err *err = NULL;
	assert_int_equal(mountplan_cgroup_hierarchies(hybrid_mountinfo, pc, &h, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(h[0].name, "systemd");
	assert_string_equal(h[0].controllers, "name=systemd");
	assert_string_equal(h[0].host_dir, "/sys/fs/cgroup/systemd");
	assert_string_equal(h[1].name, "memory");
	assert_string_equal(h[1].host_dir, "/sys/fs/cgroup/memory/hulltest/c1");
	assert_string_equal(h[2].name, "cpu,cpuacct");
	assert_string_equal(h[2].controllers, "cpu,cpuacct");
	assert_string_equal(h[3].name, "unified");
	assert_string_equal(h[3].fstype, "cgroup2");
	assert_null(h[3].controllers);
	mountplan_cgroup_free(h, n);

	/* Only the second memory mount sees a cgroup below /hulltest: its root is subtracted. */
	const char *only_mnt = "50 31 0:32 /hulltest /mnt/with\\040space rw - cgroup cgroup rw,memory\n";
	assert_int_equal(mountplan_cgroup_hierarchies(only_mnt, "4:memory:/hulltest/c1\n", &h, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].name, "with space");
	assert_string_equal(h[0].host_dir, "/mnt/with space/c1");
	mountplan_cgroup_free(h, n);

	/* In a cgroup namespace the host's mounts are rooted above us: listed, but with no host dir. */
	const char *ns_mi = "35 31 0:32 /../.. /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
			    "41 31 0:38 /.. /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	assert_int_equal(mountplan_cgroup_hierarchies(ns_mi, "4:memory:/\n0::/\n", &h, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].name, "memory");
	assert_null(h[0].host_dir);
	assert_string_equal(h[1].name, "unified");
	assert_null(h[1].host_dir);
	mountplan_cgroup_free(h, n);

	assert_int_equal(mountplan_cgroup_hierarchies(hybrid_mountinfo, "garbage\n", &h, &n, &err), -1);
	assert_non_null(strstr(err->msg, "/proc/self/cgroup: malformed line"));
}

static void test_detach_list(void **state)
{
	(void)state;
	const char *mi = "27 1 254:0 / / rw - ext4 /dev/vda rw\n"
			 "22 27 0:21 / /proc rw - proc proc rw\n"
			 "24 27 0:6 / /dev rw - devtmpfs devtmpfs rw\n"
			 "26 24 0:24 / /dev/pts rw - devpts devpts rw\n"
			 "29 26 0:26 / /dev/pts rw - devpts devpts rw\n"
			 "40 27 0:40 / /srv rw - tmpfs tmpfs rw\n"
			 "41 40 0:41 / /srv/b/rootfs rw shared:3 - overlay overlay rw\n"
			 "42 41 0:41 / /srv/b/rootfs rw - overlay overlay rw\n"
			 "43 42 0:43 / /srv/b/rootfs/proc rw - proc proc rw\n"
			 "44 40 0:44 / /srv/b/rootfsx rw - tmpfs tmpfs rw\n"
			 "45 27 0:45 / /mnt/with\\040space rw - tmpfs tmpfs rw\n";
	size_t n = 0;
	char **l = mountplan_detach_list(mi, "/srv/b/rootfs", &n);
	const char *want[] = { "/mnt/with space", "/srv/b/rootfsx", "/dev/pts", "/dev/pts", "/proc", "/dev" };
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l[i], want[i]);
	assert_null(l[n]);
	mountplan_paths_free(l, n);

	char *m = mountplan_mount_of(mi, "/srv/b/rootfs");
	assert_string_equal(m, "/srv/b/rootfs");
	free(m);
	m = mountplan_mount_of(mi, "/srv/b/x");
	assert_string_equal(m, "/srv");
	free(m);
	m = mountplan_mount_of(mi, "/mnt/with space/d");
	assert_string_equal(m, "/mnt/with space");
	free(m);
	m = mountplan_mount_of(mi, "/etc");
	assert_string_equal(m, "/");
	free(m);
	assert_null(mountplan_mount_of("garbage\n", "/etc"));
}

static void test_has_ns(void **state)
{
	(void)state;
	struct spec_namespace ns[2] = { { .type = NS_PID }, { .type = NS_MOUNT, .path = "/proc/1/ns/mnt" } };
	struct spec_linux l = { .namespaces = ns, .n_namespaces = 2 };
	struct spec s = { .linux_ = &l };
	assert_true(mountplan_has_ns(&s, NS_MOUNT));
	assert_false(mountplan_has_ns(&s, NS_CGROUP));
	s.linux_ = NULL;
	assert_false(mountplan_has_ns(&s, NS_MOUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_path_under),
		cmocka_unit_test(test_ms_to_attr),
		cmocka_unit_test(test_plan_order_and_kinds),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_plan_proc_and_dev_rules),
		cmocka_unit_test(test_devices_defaults_and_overrides),
		cmocka_unit_test(test_dev_symlinks),
		cmocka_unit_test(test_masked_and_readonly_paths),
		cmocka_unit_test(test_root_propagation),
		cmocka_unit_test(test_cgroup_hierarchies),
		cmocka_unit_test(test_detach_list),
		cmocka_unit_test(test_has_ns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
