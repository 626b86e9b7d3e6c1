/* test_cgroup_fake.h — fake cgroup trees in a temp dir and a recorder of the writes the manager makes. */
#ifndef HULL_TEST_CGROUP_FAKE_H
#define HULL_TEST_CGROUP_FAKE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"

/* Not every test file uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* ---- write recorder ---- */
static char *rec[256];
static size_t n_rec;

static void rec_observer(const char *file, const char *value)
{
	if (strcmp(file, "cgroup.subtree_control") == 0 && strncmp(value, "+", 1) == 0 && getenv("REC_SKIP_SUBTREE"))
		return;
	if (n_rec < 256)
		rec[n_rec++] = xasprintf("%s=%s", file, value);
}

static void rec_reset(void)
{
	for (size_t i = 0; i < n_rec; i++)
		free(rec[i]);
	n_rec = 0;
	cg_write_observer = rec_observer;
}

/* The recorded writes joined by "|", for one assert that shows the whole sequence when it fails. */
static char *rec_joined(void)
{
	static char buf[8192];
	buf[0] = '\0';
	for (size_t i = 0; i < n_rec; i++) {
		if (i)
			strcat(buf, "|");
		strncat(buf, rec[i], sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

/* ---- applying (cmocka must be included first) ---- */
#ifdef cmocka_unit_test
__attribute__((unused)) static void cg_apply_ok(struct cgroup *cg, const struct spec_resources *r, bool update)
{
	struct hull_err *err = NULL;
	if (cgroup_apply(cg, r, update, &err) < 0)
		fail_msg("cgroup_apply: %s", err->msg);
}

/* The message of the error cgroup_apply must fail with (caller frees). */
__attribute__((unused)) static char *cg_apply_err(struct cgroup *cg, const struct spec_resources *r)
{
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_apply(cg, r, false, &err), -1);
	assert_non_null(err);
	char *m = xstrdup(err->msg);
	hull_err_free(err);
	return m;
}
#endif

/* ---- fixture: a fake host and its /hulltest/c1 opened (device rules skipped: no eBPF on a tmp dir) ---- */
struct fx { char *root; struct cgroup *cg; };
static void rm_rf(const char *p);

static int fx_setup(void **state, char *root, bool record_subtree)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	f->root = root;
	struct hull_err *err = NULL;
	f->cg = cgroup_open(f->root, "/hulltest/c1", false, &err);
	if (!f->cg) {
		fprintf(stderr, "open: %s\n", err->msg);
		return -1;
	}
	cgroup_set_skip_devices(f->cg, true);
	if (record_subtree)
		unsetenv("REC_SKIP_SUBTREE");
	else
		setenv("REC_SKIP_SUBTREE", "1", 1);
	rec_reset();
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	cgroup_free(f->cg);
	rm_rf(f->root);
	free(f->root);
	free(f);
	cg_write_observer = NULL;
	return 0;
}

/* ---- fake trees ---- */
static void put(const char *dir, const char *file, const char *content)
{
	char *p = xasprintf("%s/%s", dir, file);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		abort();
	}
	fputs(content, f);
	fclose(f);
	free(p);
}

/* dir/file's whole content, or "<missing>". */
__attribute__((unused)) static char *get(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	char *s = fs_read_file_at(AT_FDCWD, p, NULL, NULL);
	free(p);
	return s ? s : xstrdup("<missing>");
}

static void mkdirs(const char *p)
{
	char *c = xstrdup(p);
	for (char *s = c + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(c, 0755);
			*s = '/';
		}
	mkdir(c, 0755);
	free(c);
}

static void rm_rf(const char *p)
{
	char *cmd = xasprintf("rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", p);
	free(cmd);
}

/* A cgroup2 directory as the kernel shows it with the given controllers enabled from its parent. */
static void fake_v2_dir(const char *dir, bool root)
{
	mkdirs(dir);
	put(dir, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put(dir, "cgroup.subtree_control", "");
	put(dir, "cgroup.procs", "");
	if (root)
		return;
	static const char *const files[] = {
		"memory.max", "memory.swap.max", "memory.low", "memory.high", "cpu.weight", "cpu.max", "cpu.max.burst",
		"cpu.idle", "io.max", "io.weight", "pids.max", "cpuset.cpus", "cpuset.mems", "hugetlb.2MB.max",
		"hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "hugetlb.1GB.rsvd.max", "rdma.max", "cgroup.freeze",
		"cgroup.kill", "cgroup.type",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(dir, files[i], "");
	put(dir, "memory.current", "1000000\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
	put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
}

/* A fake pure-v2 host at <tmp>, with the cgroup /hulltest/c1 existing. Returns tmp (caller frees). */
__attribute__((unused)) static char *fake_v2_host(void)
{
	char tmpl[] = "/tmp/hull-cgroup-test-XXXXXX";
	char *root = xstrdup(mkdtemp(tmpl));
	fake_v2_dir(root, true);
	char *p = xasprintf("%s/hulltest", root);
	fake_v2_dir(p, false);
	free(p);
	p = xasprintf("%s/hulltest/c1", root);
	fake_v2_dir(p, false);
	free(p);
	return root;
}

/* A fake hybrid host: v1 "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer",
 * "systemd", and "unified" (cgroup2 with hugetlb only), with /hulltest/c1 existing everywhere. */
__attribute__((unused)) static char *fake_hybrid_host(bool with_unified)
{
	char tmpl[] = "/tmp/hull-cgroup-test-XXXXXX";
	char *root = xstrdup(mkdtemp(tmpl));
	static const char *const v1[] = { "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "systemd" };
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		char *h = xasprintf("%s/%s", root, v1[i]);
		char *leaf = xasprintf("%s/hulltest/c1", h);
		mkdirs(leaf);
		put(h, "cgroup.procs", "");
		put(leaf, "cgroup.procs", "");
		char *mid = xasprintf("%s/hulltest", h);
		put(mid, "cgroup.procs", "");
		if (strcmp(v1[i], "memory") == 0) {
			put(leaf, "memory.limit_in_bytes", "9223372036854771712\n");
			put(leaf, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
			put(leaf, "memory.soft_limit_in_bytes", "");
			put(leaf, "memory.swappiness", "");
			put(leaf, "memory.oom_control", "");
			put(leaf, "memory.usage_in_bytes", "5000000\n");
		} else if (strcmp(v1[i], "cpu,cpuacct") == 0) {
			put(leaf, "cpu.shares", "1024\n");
			put(leaf, "cpu.cfs_period_us", "");
			put(leaf, "cpu.cfs_quota_us", "");
			put(leaf, "cpu.cfs_burst_us", "");
			put(leaf, "cpu.rt_period_us", "");
			put(leaf, "cpu.rt_runtime_us", "");
			put(leaf, "cpu.idle", "");
		} else if (strcmp(v1[i], "cpuset") == 0) {
			put(h, "cpuset.cpus", "0-1\n");
			put(h, "cpuset.mems", "0\n");
			put(mid, "cpuset.cpus", "0-1\n");
			put(mid, "cpuset.mems", "0\n");
			put(leaf, "cpuset.cpus", "");
			put(leaf, "cpuset.mems", "");
		} else if (strcmp(v1[i], "pids") == 0) {
			put(leaf, "pids.max", "");
		} else if (strcmp(v1[i], "blkio") == 0) {
			static const char *const f[] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
							 "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
							 "blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.leaf_weight",
							 "blkio.leaf_weight_device" };
			for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++)
				put(leaf, f[j], "");
		} else if (strcmp(v1[i], "devices") == 0) {
			put(leaf, "devices.allow", "");
			put(leaf, "devices.deny", "");
		} else if (strcmp(v1[i], "freezer") == 0) {
			put(leaf, "freezer.state", "THAWED\n");
		}
		free(mid);
		free(h);
		free(leaf);
	}
	if (with_unified) {
		char *u = xasprintf("%s/unified", root);
		mkdirs(u);
		put(u, "cgroup.controllers", "hugetlb\n");
		put(u, "cgroup.subtree_control", "");
		put(u, "cgroup.procs", "");
		char *mid = xasprintf("%s/hulltest", u);
		mkdirs(mid);
		put(mid, "cgroup.controllers", "hugetlb\n");
		put(mid, "cgroup.subtree_control", "");
		put(mid, "cgroup.procs", "");
		char *leaf = xasprintf("%s/hulltest/c1", u);
		mkdirs(leaf);
		put(leaf, "cgroup.controllers", "hugetlb\n");
		put(leaf, "cgroup.procs", "");
		put(leaf, "hugetlb.2MB.max", "");
		put(leaf, "cgroup.freeze", "");
		free(u);
		free(mid);
		free(leaf);
	}
	return root;
}

#endif
