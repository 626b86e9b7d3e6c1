/* test_cgroup_v1.c — the v1 writers and the hybrid dispatch on a fake tree shaped like this host
 * (v1 controllers, plus a cgroup2 "unified" mount holding only hugetlb). Expected values and write
 * order are runc's (opencontainers/cgroups fs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cgroup_fake.h"
#include "util/cleanup.h"

static int setup(void **state) { return fx_setup(state, fake_hybrid_host(true), true); }
static int teardown(void **state) { return fx_teardown(state); }

static void test_layout(void **state)
{
	struct fx *f = *state;
	assert_int_equal(cgroup_layout(f->cg), CGROUP_LAYOUT_HYBRID);
	/* 8 v1 hierarchies + unified */
	assert_int_equal(f->cg->n_hier, 9);
	assert_false(f->cg->hier[f->cg->ctrl_hier[CG_MEMORY]].v2);
	assert_true(f->cg->hier[f->cg->ctrl_hier[CG_HUGETLB]].v2);
	assert_false(f->cg->hier[f->cg->ctrl_hier[CG_FREEZER]].v2);
	assert_false(f->cg->hier[f->cg->ctrl_hier[CG_DEVICES]].v2);
	assert_int_equal(f->cg->ctrl_hier[CG_CPU], f->cg->ctrl_hier[CG_CPUACCT]);
	assert_int_equal(f->cg->ctrl_hier[CG_NET_CLS], -1);
	assert_true(cgroup_v2_fd(f->cg) >= 0);
}

static void test_memory_raise(void **state)
{
	struct fx *f = *state;
	/* Current limit 512M; new 1G + swap 2G: memsw first, or the kernel refuses limit > memsw. */
	put(f->root, "memory/hulltest/c1/memory.limit_in_bytes", "536870912\n");
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 1 << 30;
	r.memory.has_swap = true, r.memory.swap = 2LL << 30;
	r.memory.has_reservation = true, r.memory.reservation = 256 << 20;
	r.memory.has_swappiness = true, r.memory.swappiness = 10;
	r.memory.has_disable_oom_killer = true, r.memory.disable_oom_killer = true;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "memory.memsw.limit_in_bytes=2147483648|memory.limit_in_bytes=1073741824|"
					  "memory.soft_limit_in_bytes=268435456|memory.oom_control=1|memory.swappiness=10");
}

static void test_memory_lower(void **state)
{
	struct fx *f = *state;
	/* Current limit 1G (memsw 2G); new 100M + 200M: limit first, then memsw. */
	put(f->root, "memory/hulltest/c1/memory.limit_in_bytes", "1073741824\n");
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 100 << 20;
	r.memory.has_swap = true, r.memory.swap = 200 << 20;
	cg_apply_ok(f->cg, &r, true);
	assert_string_equal(rec_joined(), "memory.limit_in_bytes=104857600|memory.memsw.limit_in_bytes=209715200");
	rec_reset();
	r.memory.has_swap = false;
	r.memory.limit = -1; /* unlimited memory, swap not given: both unlimited */
	cg_apply_ok(f->cg, &r, true);
	assert_string_equal(rec_joined(), "memory.memsw.limit_in_bytes=-1|memory.limit_in_bytes=-1");
}

static void test_memory_errors(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_swappiness = true, r.memory.swappiness = 101;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.memory.swappiness: 101 is out of range (0-100): Invalid argument");
	r.memory.has_swappiness = false;
	r.memory.has_limit = true, r.memory.limit = 1000;
	r.memory.has_check_before_update = true, r.memory.check_before_update = true;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_apply(f->cg, &r, true, &err), -1); /* usage is 5000000 */
	assert_non_null(strstr(err->msg, "memory.usage_in_bytes"));
	hull_err_free(err);
	/* kernel memory is ignored (with a warning), as runc does */
	rec_reset();
	struct spec_resources k = { 0 };
	k.has_memory = true, k.memory.has_kernel = true, k.memory.kernel = 1 << 20;
	k.memory.has_kernel_tcp = true, k.memory.kernel_tcp = 1 << 20;
	cg_apply_ok(f->cg, &k, false);
	assert_int_equal(n_rec, 0);
}

static void test_cpu(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.has_shares = true, r.cpu.shares = 1024; /* fake cpu.shares reads back 1024 */
	r.cpu.has_quota = true, r.cpu.quota = 50000;
	r.cpu.has_period = true, r.cpu.period = 100000;
	r.cpu.has_burst = true, r.cpu.burst = 1000;
	r.cpu.has_realtime_runtime = true, r.cpu.realtime_runtime = 950000;
	r.cpu.has_realtime_period = true, r.cpu.realtime_period = 1000000;
	r.cpu.has_idle = true, r.cpu.idle = 1;
	r.cpu.cpus = "1";
	r.cpu.mems = "0";
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "cpuset.cpus=1|cpuset.mems=0|cpu.shares=1024|cpu.cfs_period_us=100000|"
					  "cpu.cfs_burst_us=1000|cpu.cfs_quota_us=50000|cpu.rt_period_us=1000000|"
					  "cpu.rt_runtime_us=950000|cpu.idle=1");
	/* the kernel clamping cpu.shares (an error naming the bound) is tested on the real kernel */
}

static void test_pids_and_blkio(void **state)
{
	struct fx *f = *state;
	struct spec_throttle_device rbps = { 8, 0, 1048576 }, wiops = { 8, 16, 200 };
	struct spec_weight_device wd = { .major = 8, .minor = 0, .has_weight = true, .weight = 300,
					 .has_leaf_weight = true, .leaf_weight = 200 };
	struct spec_resources r = { 0 };
	r.has_pids = true, r.pids.has_limit = true, r.pids.limit = 42;
	r.has_block_io = true;
	r.block_io.has_weight = true, r.block_io.weight = 500;
	r.block_io.has_leaf_weight = true, r.block_io.leaf_weight = 400;
	r.block_io.weight_device = &wd, r.block_io.n_weight_device = 1;
	r.block_io.throttle_read_bps = &rbps, r.block_io.n_throttle_read_bps = 1;
	r.block_io.throttle_write_iops = &wiops, r.block_io.n_throttle_write_iops = 1;
	cg_apply_ok(f->cg, &r, false);
	/* no blkio.weight in the fake (as on this kernel): BFQ's files are used */
	assert_string_equal(rec_joined(), "pids.max=42|blkio.bfq.weight=500|blkio.leaf_weight=400|"
					  "blkio.bfq.weight_device=8:0 300|blkio.leaf_weight_device=8:0 200|"
					  "blkio.throttle.read_bps_device=8:0 1048576|blkio.throttle.write_iops_device=8:16 200");
	/* neither weight file: a clear error naming the field */
	char *p = xasprintf("%s/blkio/hulltest/c1/blkio.bfq.weight", f->root);
	unlink(p);
	free(p);
	struct spec_resources w = { 0 };
	w.has_block_io = true, w.block_io.has_weight = true, w.block_io.weight = 500;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &w);
	assert_non_null(strstr(m, "linux.resources.blockIO.weight: neither blkio.weight nor blkio.bfq.weight"));
}

static void test_hugetlb_goes_to_unified(void **state)
{
	struct fx *f = *state;
	struct spec_hugepage_limit l = { "2MB", 8 << 20 };
	struct spec_resources r = { 0 };
	r.hugepage_limits = &l, r.n_hugepage_limits = 1;
	cg_apply_ok(f->cg, &r, false);
	/* enabled from the unified root down to the leaf's parent, then the v2 file */
	assert_string_equal(rec_joined(), "cgroup.subtree_control=+hugetlb|cgroup.subtree_control=+hugetlb|"
					  "hugetlb.2MB.max=8388608");
	_cleanup_free_ char *v = get(f->root, "unified/hulltest/c1/hugetlb.2MB.max");
	assert_string_equal(v, "8388608");
}

static void test_network_and_unified_refused(void **state)
{
	struct fx *f = *state;
	struct spec_net_priority prio = { "eth0", 5 };
	struct spec_resources r = { 0 };
	r.has_network = true, r.network.priorities = &prio, r.network.n_priorities = 1;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m, "linux.resources.network.priorities: the net_prio controller is not available"));
	struct spec_kv kv = { "memory.high", "1" };
	struct spec_resources u = { 0 };
	u.unified = &kv, u.n_unified = 1;
	_cleanup_free_ char *m2 = cg_apply_err(f->cg, &u);
	assert_non_null(strstr(m2, "the memory controller is not on this host's cgroup v2 hierarchy (hybrid host"));
	/* a hugetlb key is fine: that controller is on the v2 hierarchy here */
	struct spec_kv ok = { "hugetlb.2MB.max", "4194304" };
	u.unified = &ok;
	cg_apply_ok(f->cg, &u, false);
}

static void test_unified_refused_on_v1(void **state)
{
	(void)state;
	char *root = fake_hybrid_host(false);
	struct hull_err *err = NULL;
	struct cgroup *cg = cgroup_open(root, "/hulltest/c1", false, &err);
	assert_non_null(cg);
	assert_int_equal(cgroup_layout(cg), CGROUP_LAYOUT_V1);
	assert_int_equal(cgroup_v2_fd(cg), -1);
	struct spec_kv kv = { "memory.high", "1" };
	struct spec_resources u = { 0 };
	u.unified = &kv, u.n_unified = 1;
	assert_int_equal(cgroup_apply(cg, &u, false, &err), -1);
	assert_string_equal(err->msg, "linux.resources.unified: this host has no cgroup v2 hierarchy (cgroup v1 only): "
				      "Operation not supported");
	hull_err_free(err);
	cgroup_free(cg);
	rm_rf(root);
	free(root);
}

/* Controllers this host lacks in v1 (hugetlb, net_cls, net_prio, rdma), on a fake v1 host that has them. */
static void test_v1_only_controllers(void **state)
{
	(void)state;
	char *root = fake_hybrid_host(false);
	static const char *const extra[][3] = {
		{ "hugetlb", "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes" },
		{ "net_cls,net_prio", "net_cls.classid", "net_prio.ifpriomap" },
		{ "rdma", "rdma.max", NULL },
	};
	for (size_t i = 0; i < 3; i++) {
		char *h = xasprintf("%s/%s", root, extra[i][0]), *leaf = xasprintf("%s/hulltest/c1", h);
		mkdirs(leaf);
		put(h, "cgroup.procs", "");
		for (size_t j = 1; j < 3; j++)
			if (extra[i][j])
				put(leaf, extra[i][j], "");
		free(h);
		free(leaf);
	}
	struct hull_err *err = NULL;
	struct cgroup *cg = cgroup_open(root, "/hulltest/c1", false, &err);
	assert_non_null(cg);
	cgroup_set_skip_devices(cg, true);
	struct spec_hugepage_limit l = { "2MB", 6 << 20 };
	struct spec_net_priority prio[] = { { "eth0", 5 }, { "lo", 1 } };
	struct spec_rdma rd = { "mlx5_0", true, 4, true, 100 };
	struct spec_resources r = { 0 };
	r.hugepage_limits = &l, r.n_hugepage_limits = 1;
	r.has_network = true, r.network.has_class_id = true, r.network.class_id = 0x100001;
	r.network.priorities = prio, r.network.n_priorities = 2;
	r.rdma = &rd, r.n_rdma = 1;
	unsetenv("REC_SKIP_SUBTREE");
	rec_reset();
	cg_apply_ok(cg, &r, false);
	assert_string_equal(rec_joined(), "hugetlb.2MB.limit_in_bytes=6291456|hugetlb.2MB.rsvd.limit_in_bytes=6291456|"
					  "net_cls.classid=1048577|net_prio.ifpriomap=eth0 5|net_prio.ifpriomap=lo 1|"
					  "rdma.max=mlx5_0 hca_handle=4 hca_object=100");
	cgroup_free(cg);
	rm_rf(root);
	free(root);
}

static void test_create_inherits_cpuset(void **state)
{
	struct fx *f = *state;
	struct hull_err *err = NULL;
	struct cgroup *cg = cgroup_open(f->root, "/hulltest/new", true, &err);
	assert_non_null(cg);
	for (size_t i = 0; i < cg->n_hier; i++)
		assert_int_equal(cg->hier[i].created, 1);
	cgroup_free(cg);
	/* A new v1 cpuset cgroup starts empty: it gets the parent's cpus and mems before any task joins. */
	char *dir = xasprintf("%s/cpuset/hulltest/new", f->root);
	put(dir, "cpuset.cpus", "\n");
	put(dir, "cpuset.mems", "\n");
	_cleanup_fd_ int parent = open(f->root, O_RDONLY | O_DIRECTORY);
	_cleanup_fd_ int pfd = openat(parent, "cpuset/hulltest", O_RDONLY | O_DIRECTORY);
	_cleanup_fd_ int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	rec_reset();
	assert_int_equal(cg_v1_cpuset_inherit(pfd, dfd, &err), 0);
	assert_string_equal(rec_joined(), "cpuset.cpus=0-1|cpuset.mems=0");
	/* values already set are kept */
	put(dir, "cpuset.cpus", "1\n");
	rec_reset();
	assert_int_equal(cg_v1_cpuset_inherit(pfd, dfd, &err), 0);
	assert_string_equal(rec_joined(), "");
	free(dir);
}

static void test_freeze_v1(void **state)
{
	struct fx *f = *state;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_freeze(f->cg, true, &err), 0); /* the fake file keeps what is written */
	assert_int_equal(cgroup_is_frozen(f->cg), 1);
	assert_int_equal(cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
	assert_string_equal(rec_joined(), "freezer.state=FROZEN|freezer.state=THAWED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_raise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_lower, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pids_and_blkio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb_goes_to_unified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_and_unified_refused, setup, teardown),
		cmocka_unit_test(test_unified_refused_on_v1),
		cmocka_unit_test(test_v1_only_controllers),
		cmocka_unit_test_setup_teardown(test_create_inherits_cpuset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_v1, setup, teardown),
	};
	return cmocka_run_group_tests_name("cgroup_v1", tests, NULL, NULL);
}
