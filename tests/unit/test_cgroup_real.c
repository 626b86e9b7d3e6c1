/* test_cgroup_real.c — the manager against this machine's real cgroups, as root (skipped otherwise).
 *
 * v1 (and hybrid) tests need the v1 controllers mounted at /sys/fs/cgroup/<ctrl>; v2 tests run on the
 * cgroup2 mount (/sys/fs/cgroup/unified here, or /sys/fs/cgroup on a pure v2 host). Every test uses its
 * own absolute cgroup /hulltest-cg-<pid>-<n>/c and removes it (parent included) in its teardown, which
 * cmocka runs even when an assertion fails. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cgroup_fake.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct real_fx {
	char *path, *root;
	struct cgroup *cg;
	pid_t kids[8];
	size_t n_kids;
	bool restore_hugetlb; /* we enabled hugetlb at the cgroup2 root: disable it again */
};

static int counter;

static char *v2_mount(void)
{
	enum cgroup_layout l = cgroup_detect(NULL);
	if (l == CGROUP_LAYOUT_V2)
		return xstrdup("/sys/fs/cgroup");
	if (l == CGROUP_LAYOUT_HYBRID)
		return xstrdup("/sys/fs/cgroup/unified");
	return NULL;
}

static int setup_common(void **state, const char *root)
{
	struct real_fx *f = xcalloc(1, sizeof(*f));
	f->path = xasprintf("/hulltest-cg-%d-%d/c", (int)getpid(), ++counter);
	f->root = root ? xstrdup(root) : NULL;
	*state = f;
	return 0;
}

static int setup_v1(void **state)
{
	return setup_common(state, NULL);
}

static int setup_v2(void **state)
{
	_cleanup_free_ char *m = v2_mount();
	return setup_common(state, m);
}

static void open_cg(void **state)
{
	struct real_fx *f = *state;
	if (geteuid() != 0)
		skip();
	if (!f->root && access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0)
		skip(); /* not a v1/hybrid host */
	if (f->root == NULL && getenv("HULL_NO_V1"))
		skip();
	if (f->root && strcmp(f->root, "") == 0)
		skip();
	if (f->root) {
		_cleanup_free_ char *on = NULL;
		_cleanup_fd_ int rfd = open(f->root, O_RDONLY | O_DIRECTORY);
		on = rfd >= 0 ? cg_read(rfd, "cgroup.subtree_control") : NULL;
		f->restore_hugetlb = on && !strstr(on, "hugetlb");
	}
	struct hull_err *err = NULL;
	f->cg = cgroup_open(f->root, f->path, true, &err);
	if (!f->cg)
		fail_msg("cgroup_open %s: %s", f->path, err->msg);
}

static int teardown(void **state)
{
	struct real_fx *f = *state;
	for (size_t i = 0; i < f->n_kids; i++) {
		kill(f->kids[i], SIGKILL);
		waitpid(f->kids[i], NULL, 0);
	}
	if (f->cg) {
		struct hull_err *err = NULL;
		if (cgroup_destroy(f->cg, &err) < 0) {
			fprintf(stderr, "teardown: %s\n", err->msg);
			hull_err_free(err);
		}
		cgroup_free(f->cg);
	}
	if (f->restore_hugetlb) {
		_cleanup_fd_ int rfd = open(f->root, O_RDONLY | O_DIRECTORY);
		if (rfd >= 0)
			cg_try_write(rfd, "cgroup.subtree_control", "-hugetlb");
	}
	/* Belt and braces: nothing named after this test may survive it. */
	_cleanup_free_ char *parent = xstrdup(f->path);
	*strrchr(parent, '/') = '\0';
	glob_t g;
	_cleanup_free_ char *pat = xasprintf("/sys/fs/cgroup/*%s", parent);
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *leaf = xasprintf("%s/c", g.gl_pathv[i]);
			rmdir(leaf);
			free(leaf);
			if (rmdir(g.gl_pathv[i]) < 0)
				fprintf(stderr, "teardown: leftover %s: %s\n", g.gl_pathv[i], strerror(errno));
		}
		globfree(&g);
	}
	free(f->path);
	free(f->root);
	free(f);
	return 0;
}

/* A child that joins the cgroup (parent writes its pid) and then runs fn, exiting with its result. */
static pid_t spawn(struct real_fx *f, int (*fn)(void *), void *arg)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		/* never outlive the test binary (a killed run must not leave sleepers holding its stdout) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(100);
		_exit(fn(arg));
	}
	close(p[0]);
	struct hull_err *err = NULL;
	if (cgroup_add_pid(f->cg, pid, &err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("add pid: %s", err->msg);
	}
	assert_int_equal(write(p[1], "x", 1), 1);
	close(p[1]);
	f->kids[f->n_kids++] = pid;
	return pid;
}

static int wait_kid(struct real_fx *f, pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	for (size_t i = 0; i < f->n_kids; i++)
		if (f->kids[i] == pid)
			f->kids[i] = f->kids[--f->n_kids];
	return st;
}

static int sleeper(void *arg) { (void)arg; for (;;) pause(); return 0; }

static char *rd(struct real_fx *f, const char *hier, const char *file)
{
	_cleanup_free_ char *dir = xasprintf("/sys/fs/cgroup/%s%s", hier, f->path);
	char *s = get(dir, file);
	size_t l = strlen(s);
	if (l && s[l - 1] == '\n')
		s[l - 1] = '\0';
	return s;
}

/* ---------------- v1 / hybrid ---------------- */

static void test_v1_create_everywhere(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	static const char *const h[] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
					 "systemd", "unified" };
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s%s", h[i], f->path);
		struct stat st;
		if (stat(p, &st) != 0)
			fail_msg("%s missing", p);
	}
	/* a new cpuset cgroup inherits cpus and mems, or no task could join it */
	_cleanup_free_ char *cpus = rd(f, "cpuset", "cpuset.cpus"), *root = NULL;
	int fd = open("/sys/fs/cgroup/cpuset/cpuset.cpus", O_RDONLY);
	char buf[64] = "";
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	buf[strcspn(buf, "\n")] = '\0';
	assert_string_equal(cpus, buf);
	pid_t pid = spawn(f, sleeper, NULL);
	_cleanup_free_ char *procs = rd(f, "memory", "cgroup.procs");
	assert_int_equal(atoi(procs), pid);
}

static void test_v1_memory(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 64 << 20;
	r.memory.has_swap = true, r.memory.swap = 128 << 20;
	r.memory.has_reservation = true, r.memory.reservation = 32 << 20;
	r.memory.has_swappiness = true, r.memory.swappiness = 30;
	r.memory.has_disable_oom_killer = true, r.memory.disable_oom_killer = true;
	r.memory.has_kernel = true, r.memory.kernel = 1 << 20; /* ignored, as runc */
	cg_apply_ok(f->cg, &r, false);
	_cleanup_free_ char *lim = rd(f, "memory", "memory.limit_in_bytes");
	_cleanup_free_ char *sw = rd(f, "memory", "memory.memsw.limit_in_bytes");
	_cleanup_free_ char *soft = rd(f, "memory", "memory.soft_limit_in_bytes");
	_cleanup_free_ char *swp = rd(f, "memory", "memory.swappiness");
	_cleanup_free_ char *oom = rd(f, "memory", "memory.oom_control");
	assert_string_equal(lim, "67108864");
	assert_string_equal(sw, "134217728");
	assert_string_equal(soft, "33554432");
	assert_string_equal(swp, "30");
	assert_non_null(strstr(oom, "oom_kill_disable 1"));
	/* lowering both: limit must go first or the kernel refuses memsw < limit */
	r.has_memory = true;
	memset(&r.memory, 0, sizeof(r.memory));
	r.memory.has_limit = true, r.memory.limit = 16 << 20;
	r.memory.has_swap = true, r.memory.swap = 24 << 20;
	cg_apply_ok(f->cg, &r, true);
	_cleanup_free_ char *lim2 = rd(f, "memory", "memory.limit_in_bytes");
	_cleanup_free_ char *sw2 = rd(f, "memory", "memory.memsw.limit_in_bytes");
	assert_string_equal(lim2, "16777216");
	assert_string_equal(sw2, "25165824");
	/* raising both past the current memsw: memsw first */
	r.memory.limit = 256 << 20, r.memory.swap = 512 << 20;
	cg_apply_ok(f->cg, &r, true);
	_cleanup_free_ char *lim3 = rd(f, "memory", "memory.limit_in_bytes");
	assert_string_equal(lim3, "268435456");
	/* swap below limit: memsw goes first (above the current limit), then the kernel refuses the limit */
	r.memory.limit = 512 << 20, r.memory.swap = 300 << 20;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.memory.limit: write memory.limit_in_bytes \"536870912\": Invalid argument");
}

static void test_v1_cpu(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.has_shares = true, r.cpu.shares = 512;
	r.cpu.has_quota = true, r.cpu.quota = 20000;
	r.cpu.has_period = true, r.cpu.period = 50000;
	r.cpu.has_burst = true, r.cpu.burst = 10000;
	r.cpu.has_idle = true, r.cpu.idle = 0;
	r.cpu.has_realtime_period = true, r.cpu.realtime_period = 500000;
	cg_apply_ok(f->cg, &r, false);
	_cleanup_free_ char *s = rd(f, "cpu", "cpu.shares"), *q = rd(f, "cpu", "cpu.cfs_quota_us"),
			     *p = rd(f, "cpu", "cpu.cfs_period_us"), *b = rd(f, "cpu", "cpu.cfs_burst_us"),
			     *rp = rd(f, "cpu", "cpu.rt_period_us");
	assert_string_equal(s, "512");
	assert_string_equal(q, "20000");
	assert_string_equal(p, "50000");
	assert_string_equal(b, "10000");
	assert_string_equal(rp, "500000");
	/* the kernel clamps shares silently: an error naming the bound, as runc */
	struct spec_resources c = { 0 };
	c.has_cpu = true, c.cpu.has_shares = true, c.cpu.shares = 1;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &c);
	assert_string_equal(m, "linux.resources.cpu.shares: 1 is out of range (the minimum allowed is 2): Numerical result out of range");
	/* realtime runtime needs the parents' budget first (runc leaves that to the user too): named error */
	struct spec_resources rt = { 0 };
	rt.has_cpu = true, rt.cpu.has_realtime_runtime = true, rt.cpu.realtime_runtime = 10000;
	_cleanup_free_ char *m2 = cg_apply_err(f->cg, &rt);
	assert_string_equal(m2, "linux.resources.cpu.realtimeRuntime: write cpu.rt_runtime_us \"10000\": Invalid argument");
	/* with a budget in the parent (ours: /hulltest-cg-…) the runtime is taken */
	_cleanup_free_ char *parent_rt = xasprintf("/sys/fs/cgroup/cpu%s/../cpu.rt_runtime_us", f->path);
	FILE *pf = fopen(parent_rt, "w");
	assert_non_null(pf);
	fprintf(pf, "20000");
	assert_int_equal(fclose(pf), 0);
	rt.cpu.has_realtime_period = true, rt.cpu.realtime_period = 1000000;
	cg_apply_ok(f->cg, &rt, true);
	_cleanup_free_ char *rr = rd(f, "cpu", "cpu.rt_runtime_us"), *rp2 = rd(f, "cpu", "cpu.rt_period_us");
	assert_string_equal(rr, "10000");
	assert_string_equal(rp2, "1000000");
}

static void test_v1_cpuset(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true, r.cpu.cpus = "0", r.cpu.mems = "0";
	cg_apply_ok(f->cg, &r, false);
	_cleanup_free_ char *c = rd(f, "cpuset", "cpuset.cpus"), *m = rd(f, "cpuset", "cpuset.mems");
	assert_string_equal(c, "0");
	assert_string_equal(m, "0");
	r.cpu.cpus = "abc", r.cpu.mems = NULL;
	_cleanup_free_ char *e = cg_apply_err(f->cg, &r);
	assert_string_equal(e, "linux.resources.cpu.cpus: write cpuset.cpus \"abc\": Invalid argument");
}

static int forker(void *arg)
{
	(void)arg;
	int ok = 0;
	pid_t kids[32];
	for (int i = 0; i < 32; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		if (kids[i] > 0)
			ok++;
	}
	for (int i = 0; i < 32; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL), waitpid(kids[i], NULL, 0);
	return ok;
}

static void test_v1_pids_limit_stops_forks(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_pids = true, r.pids.has_limit = true, r.pids.limit = 5;
	cg_apply_ok(f->cg, &r, false);
	_cleanup_free_ char *m = rd(f, "pids", "pids.max");
	assert_string_equal(m, "5");
	pid_t pid = spawn(f, forker, NULL);
	int st = wait_kid(f, pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 4); /* itself + 4 children = 5 */
	r.pids.limit = -1;
	cg_apply_ok(f->cg, &r, true);
	_cleanup_free_ char *m2 = rd(f, "pids", "pids.max");
	assert_string_equal(m2, "max");
}

static bool first_block_dev(char *buf, size_t len)
{
	/* a real disk (not loop/zram): vd*, sd*, nvme* */
	glob_t g;
	bool found = false;
	if (glob("/sys/block/*/dev", 0, NULL, &g) != 0)
		return false;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		if (strstr(g.gl_pathv[i], "/loop") || strstr(g.gl_pathv[i], "/zram") || strstr(g.gl_pathv[i], "/ram"))
			continue;
		FILE *fp = fopen(g.gl_pathv[i], "r");
		if (fp && fgets(buf, (int)len, fp)) {
			buf[strcspn(buf, "\n")] = '\0';
			found = true;
		}
		if (fp)
			fclose(fp);
	}
	globfree(&g);
	return found;
}

static void test_v1_blkio(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	char dev[32];
	if (!first_block_dev(dev, sizeof(dev)))
		skip();
	int64_t maj, min;
	assert_int_equal(sscanf(dev, "%" SCNd64 ":%" SCNd64, &maj, &min), 2);
	struct spec_throttle_device rb = { maj, min, 1048576 }, wb = { maj, min, 2097152 }, ri = { maj, min, 100 },
				    wi = { maj, min, 200 };
	struct spec_resources r = { 0 };
	r.has_block_io = true;
	r.block_io.throttle_read_bps = &rb, r.block_io.n_throttle_read_bps = 1;
	r.block_io.throttle_write_bps = &wb, r.block_io.n_throttle_write_bps = 1;
	r.block_io.throttle_read_iops = &ri, r.block_io.n_throttle_read_iops = 1;
	r.block_io.throttle_write_iops = &wi, r.block_io.n_throttle_write_iops = 1;
	cg_apply_ok(f->cg, &r, false);
	char want[64];
	_cleanup_free_ char *a = rd(f, "blkio", "blkio.throttle.read_bps_device");
	snprintf(want, sizeof(want), "%s 1048576", dev);
	assert_string_equal(a, want);
	_cleanup_free_ char *b = rd(f, "blkio", "blkio.throttle.write_iops_device");
	snprintf(want, sizeof(want), "%s 200", dev);
	assert_string_equal(b, want);
	/* a per-device weight needs the device to use BFQ: the kernel's refusal, named */
	struct spec_weight_device wd = { .major = maj, .minor = min, .has_weight = true, .weight = 300 };
	_cleanup_free_ char *sched = xasprintf("/sys/dev/block/%s/queue/scheduler", dev);
	FILE *sf = fopen(sched, "r");
	char line[256] = "";
	if (sf) {
		if (!fgets(line, sizeof(line), sf))
			line[0] = '\0';
		fclose(sf);
	}
	struct spec_resources wdr = { 0 };
	wdr.has_block_io = true, wdr.block_io.weight_device = &wd, wdr.block_io.n_weight_device = 1;
	_cleanup_free_ char *wdfile = xasprintf("/sys/fs/cgroup/blkio%s/blkio.bfq.weight_device", f->path);
	if (access(wdfile, F_OK) == 0 && !strstr(line, "[bfq]")) {
		_cleanup_free_ char *m = cg_apply_err(f->cg, &wdr);
		char wmsg[160];
		snprintf(wmsg, sizeof(wmsg), "linux.resources.blockIO.weightDevice[0]: write blkio.bfq.weight_device \"%s 300\": "
			 "Operation not supported", dev);
		assert_string_equal(m, wmsg);
	}
	/* weight: BFQ's file here (no CFQ blkio.weight on this kernel) */
	struct spec_resources w = { 0 };
	w.has_block_io = true, w.block_io.has_weight = true, w.block_io.weight = 300;
	_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/blkio%s/blkio.bfq.weight", f->path);
	if (access(p, F_OK) == 0) {
		cg_apply_ok(f->cg, &w, false);
		_cleanup_free_ char *v = rd(f, "blkio", "blkio.bfq.weight");
		assert_non_null(strstr(v, "300"));
	} else {
		_cleanup_free_ char *m = cg_apply_err(f->cg, &w);
		assert_non_null(strstr(m, "linux.resources.blockIO.weight"));
	}
}

static int open_dev(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

/* With deny-all + defaults applied: /dev/null opens, /dev/kmsg does not; after an update that allows
 * it (a new rule set replacing, not stacking on, the old one) /dev/kmsg opens. */
static void check_device_filter(struct real_fx *f)
{
	pid_t a = spawn(f, open_dev, "/dev/null");
	assert_int_equal(WEXITSTATUS(wait_kid(f, a)), 0);
	pid_t b = spawn(f, open_dev, "/dev/kmsg");
	assert_int_equal(WEXITSTATUS(wait_kid(f, b)), EPERM);
	struct spec_device_cgroup allow = { .allow = true, .type = 'c', .has_major = true, .major = 1, .has_minor = true,
					    .minor = 11, .access = "r" };
	struct spec_resources r = { .devices = &allow, .n_devices = 1 };
	cg_apply_ok(f->cg, &r, true);
	pid_t c = spawn(f, open_dev, "/dev/kmsg");
	assert_int_equal(WEXITSTATUS(wait_kid(f, c)), 0);
}

static void test_v1_devices(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 }; /* deny all + the defaults */
	cg_apply_ok(f->cg, &r, false);
	_cleanup_free_ char *list = rd(f, "devices", "devices.list");
	assert_non_null(strstr(list, "c 1:3 rwm"));
	assert_null(strstr(list, "a *:* rwm"));
	check_device_filter(f);
}

static void test_v1_freeze(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	spawn(f, sleeper, NULL);
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
	assert_int_equal(cgroup_freeze(f->cg, true, &err), 0);
	_cleanup_free_ char *s = rd(f, "freezer", "freezer.state");
	assert_string_equal(s, "FROZEN");
	assert_int_equal(cgroup_is_frozen(f->cg), 1);
	assert_int_equal(cgroup_freeze(f->cg, false, &err), 0);
	_cleanup_free_ char *t = rd(f, "freezer", "freezer.state");
	assert_string_equal(t, "THAWED");
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
}

static void test_v1_pids_kill_destroy(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	pid_t k[3];
	for (int i = 0; i < 3; i++)
		k[i] = spawn(f, sleeper, NULL);
	/* one of them in a sub-cgroup (of the hierarchies listing processes): listed too, removed too */
	static const char *const hs[] = { "freezer", "unified" };
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *top = xasprintf("/sys/fs/cgroup/%s%s", hs[i], f->path);
		if (access(top, F_OK) != 0)
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/sub", top);
		assert_int_equal(mkdir(sub, 0755), 0);
		_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", sub);
		FILE *fp = fopen(procs, "w");
		fprintf(fp, "%d", (int)k[2]);
		assert_int_equal(fclose(fp), 0);
	}
	pid_t *pids;
	size_t n;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_pids(f->cg, &pids, &n, &err), 0);
	assert_int_equal(n, 3);
	free(pids);
	/* SIGTERM goes the freeze-list-signal-thaw way */
	assert_int_equal(cgroup_kill(f->cg, SIGTERM, &err), 0);
	for (int i = 0; i < 3; i++) {
		int st = wait_kid(f, k[i]);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGTERM);
	}
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
	/* SIGKILL through cgroup.kill on the unified hierarchy (hybrid) or the same fallback (v1) */
	pid_t x = spawn(f, sleeper, NULL);
	/* …and a process that is in the v1 hierarchies only (back in the cgroup2 root, where every process
	 * of this host lives) is killed too */
	if (cgroup_layout(f->cg) == CGROUP_LAYOUT_HYBRID) {
		FILE *u = fopen("/sys/fs/cgroup/unified/cgroup.procs", "w");
		assert_non_null(u);
		fprintf(u, "%d", (int)x);
		assert_int_equal(fclose(u), 0);
	}
	assert_int_equal(cgroup_kill(f->cg, SIGKILL, &err), 0);
	int st = wait_kid(f, x);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	/* destroy removes the sub-cgroup first, the leaf, and the parent this object created */
	assert_int_equal(cgroup_destroy(f->cg, &err), 0);
	assert_false(cgroup_exists(f->cg));
	_cleanup_free_ char *parent = xstrdup(f->path);
	*strrchr(parent, '/') = '\0';
	_cleanup_free_ char *pp = xasprintf("/sys/fs/cgroup/memory%s", parent);
	assert_int_not_equal(access(pp, F_OK), 0);
	assert_int_equal(cgroup_destroy(f->cg, &err), 0); /* again: tolerated */
}

static int hog(void *arg)
{
	size_t len = (size_t)(uintptr_t)arg;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return 0;
}

static void test_v1_oom_event(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 16 << 20;
	r.memory.has_swap = true, r.memory.swap = 16 << 20; /* no swap to escape to */
	cg_apply_ok(f->cg, &r, false);
	struct hull_err *err = NULL;
	_cleanup_fd_ int fd = cgroup_oom_watch(f->cg, &err);
	if (fd < 0)
		fail_msg("oom watch: %s", err->msg);
	pid_t pid = spawn(f, hog, (void *)(uintptr_t)(128 << 20));
	int st = wait_kid(f, pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(cgroup_oom_read(f->cg, fd, &err) >= 1);
	struct cgroup_stats s;
	assert_int_equal(cgroup_stats(f->cg, &s, &err), 0);
	assert_int_equal(s.memory.usage.max, 16 << 20); /* failcnt stays 0 on this kernel: the peak tells */
	assert_int_equal(s.memory.usage.limit, 16 << 20);
	cgroup_stats_free(&s);
}

/* Spins until it has used 50 ms of CPU, touches 4 MiB, says so on the pipe fd in arg, then waits. */
static int busy(void *arg)
{
	int fd = (int)(intptr_t)arg;
	volatile uint64_t x = 0;
	struct timespec t;
	do {
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while (t.tv_sec == 0 && t.tv_nsec < 50 * 1000000L);
	hog((void *)(uintptr_t)(4 << 20));
	if (write(fd, "x", 1) != 1)
		return 1;
	pause();
	return 0;
}

static void test_v1_stats(void **state)
{
	open_cg(state);
	struct real_fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_pids = true, r.pids.has_limit = true, r.pids.limit = 10;
	cg_apply_ok(f->cg, &r, false);
	int p[2];
	assert_int_equal(pipe(p), 0);
	spawn(f, busy, (void *)(intptr_t)p[1]);
	close(p[1]);
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	assert_int_equal(poll(&pf, 1, 20000), 1);
	close(p[0]);
	struct cgroup_stats s;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_stats(f->cg, &s, &err), 0);
	assert_true(s.cpu.total >= 50 * 1000000ull); /* ns: the 50 ms of CPU it spun */
	assert_true(s.cpu.n_percpu >= 1);
	assert_true(s.memory.usage.usage >= 4 << 20);
	assert_true(s.cpu.user + s.cpu.kernel > 0);
	assert_true(s.memory.n_raw > 10);
	assert_int_equal(s.pids.current, 1);
	assert_int_equal(s.pids.limit, 10);
	cgroup_stats_free(&s);
}

/* ---------------- v2 (the cgroup2 mount) ---------------- */

static void test_v2_create_procs_events(void **state)
{
	struct real_fx *f = *state;
	if (!f->root)
		skip();
	open_cg(state);
	assert_int_equal(cgroup_layout(f->cg), CGROUP_LAYOUT_V2);
	assert_true(cgroup_v2_fd(f->cg) >= 0);
	pid_t pid = spawn(f, sleeper, NULL);
	uint64_t populated = 0;
	assert_int_equal(cg_read_key(cgroup_v2_fd(f->cg), "cgroup.events", "populated", &populated), 0);
	assert_int_equal(populated, 1);
	pid_t *pids;
	size_t n;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_pids(f->cg, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
	/* freeze: cgroup.freeze, then cgroup.events "frozen 1" */
	assert_int_equal(cgroup_freeze(f->cg, true, &err), 0);
	uint64_t frozen = 0;
	assert_int_equal(cg_read_key(cgroup_v2_fd(f->cg), "cgroup.events", "frozen", &frozen), 0);
	assert_int_equal(frozen, 1);
	assert_int_equal(cgroup_is_frozen(f->cg), 1);
	assert_int_equal(cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
	/* kill: cgroup.kill */
	assert_int_equal(cgroup_kill(f->cg, SIGKILL, &err), 0);
	int st = wait_kid(f, pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_int_equal(cgroup_destroy(f->cg, &err), 0);
	assert_false(cgroup_exists(f->cg));
}

static void test_v2_hugetlb(void **state)
{
	struct real_fx *f = *state;
	if (!f->root)
		skip();
	open_cg(state);
	if (!(f->cg->hier[0].ctrls & (1u << CG_HUGETLB)))
		skip();
	struct spec_hugepage_limit l = { "2MB", 4 << 20 };
	struct spec_resources r = { 0 };
	r.hugepage_limits = &l, r.n_hugepage_limits = 1;
	cgroup_set_skip_devices(f->cg, true);
	cg_apply_ok(f->cg, &r, false);
	uint64_t v;
	assert_int_equal(cg_read_u64(cgroup_v2_fd(f->cg), "hugetlb.2MB.max", &v), 0);
	assert_int_equal(v, 4 << 20);
	struct spec_hugepage_limit bad = { "3MB", 1 };
	r.hugepage_limits = &bad;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.hugepageLimits[0]: write hugetlb.3MB.max \"1\": No such file or directory");
}

static void test_v2_devices_bpf(void **state)
{
	struct real_fx *f = *state;
	if (!f->root)
		skip();
	open_cg(state);
	struct spec_resources r = { 0 };
	cg_apply_ok(f->cg, &r, false); /* the eBPF filter: deny all + defaults */
	check_device_filter(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1_create_everywhere, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_memory, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_cpu, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_cpuset, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_pids_limit_stops_forks, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_blkio, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_devices, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_freeze, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_pids_kill_destroy, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_oom_event, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_procs_events, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_hugetlb, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_devices_bpf, setup_v2, teardown),
	};
	if (getenv("CG_TEST"))
		cmocka_set_test_filter(getenv("CG_TEST"));
	return cmocka_run_group_tests_name("cgroup_real", tests, NULL, NULL);
}
