/* test_cgroup_v2.c — every cgroup v2 file write for the OCI resources, on a fake cgroup2 tree.
 * Expected values are what runc (opencontainers/cgroups fs2) writes for the same spec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cgroup_fake.h"
#include "util/cleanup.h"

#include <poll.h>

static int setup(void **state) { return fx_setup(state, fake_v2_host(), false); }
static int teardown(void **state) { return fx_teardown(state); }

static void test_detect(void **state)
{
	struct fx *f = *state;
	assert_int_equal(cgroup_detect(f->root), CGROUP_LAYOUT_V2);
	assert_int_equal(cgroup_layout(f->cg), CGROUP_LAYOUT_V2);
	assert_true(cgroup_v2_fd(f->cg) >= 0);
	assert_true(cgroup_exists(f->cg));
	char *h = fake_hybrid_host(true);
	assert_int_equal(cgroup_detect(h), CGROUP_LAYOUT_HYBRID);
	rm_rf(h);
	free(h);
	h = fake_hybrid_host(false);
	assert_int_equal(cgroup_detect(h), CGROUP_LAYOUT_V1);
	rm_rf(h);
	free(h);
}

static void test_memory(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 1 << 30;
	r.memory.has_swap = true, r.memory.swap = 2LL << 30;
	r.memory.has_reservation = true, r.memory.reservation = 512 << 20;
	cg_apply_ok(f->cg, &r, false);
	/* swap.max = (memory+swap) - memory */
	assert_string_equal(rec_joined(), "memory.swap.max=1073741824|memory.max=1073741824|memory.low=536870912");
}

static void test_memory_unlimited(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = -1;
	cg_apply_ok(f->cg, &r, false);
	/* -1 without swap: both unlimited, as v1's memsw would be */
	assert_string_equal(rec_joined(), "memory.swap.max=max|memory.max=max");
	rec_reset();
	r.memory.limit = 100 << 20;
	r.memory.has_swap = true, r.memory.swap = -1;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "memory.swap.max=max|memory.max=104857600");
	rec_reset();
	r.memory.swap = 100 << 20; /* swap == limit: no swap at all */
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "memory.swap.max=0|memory.max=104857600");
}

static void test_memory_errors(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 200 << 20;
	r.memory.has_swap = true, r.memory.swap = 100 << 20;
	_cleanup_free_ char *m1 = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m1, "linux.resources.memory.swap"));
	assert_non_null(strstr(m1, ">= memory limit"));
	r.memory.has_limit = false;
	_cleanup_free_ char *m2 = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m2, "without a memory limit"));
	assert_int_equal(n_rec, 0); /* nothing half-written */
}

static void test_memory_check_before_update(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_memory = true;
	r.memory.has_limit = true, r.memory.limit = 500000; /* memory.current is 1000000 */
	r.memory.has_check_before_update = true, r.memory.check_before_update = true;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_apply(f->cg, &r, true, &err), -1);
	assert_non_null(strstr(err->msg, "checkBeforeUpdate: rejecting memory limit 500000 below the current usage 1000000"));
	hull_err_free(err);
	assert_int_equal(n_rec, 0);
	r.memory.limit = 2000000;
	cg_apply_ok(f->cg, &r, true);
	assert_string_equal(rec_joined(), "memory.max=2000000");
}

static void test_cpu(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.has_shares = true, r.cpu.shares = 1024;
	r.cpu.has_quota = true, r.cpu.quota = 50000;
	r.cpu.has_period = true, r.cpu.period = 100000;
	r.cpu.has_burst = true, r.cpu.burst = 10000;
	r.cpu.has_idle = true, r.cpu.idle = 0;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "cpu.idle=0|cpu.weight=100|cpu.max.burst=10000|cpu.max=50000 100000");
	assert_string_equal(get(f->root, "hulltest/c1/cpu.max"), "50000 100000");
}

static void test_cpu_quota_forms(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.has_quota = true, r.cpu.quota = -1;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "cpu.max=max 100000");
	rec_reset();
	r.cpu.has_quota = false;
	r.cpu.has_period = true, r.cpu.period = 250000;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "cpu.max=max 250000");
}

static void test_shares_to_weight(void **state)
{
	(void)state;
	/* Values of the quadratic formula (runc's ConvertCPUSharesToCgroupV2Value, crun ≥ 1.19). */
	static const uint64_t cases[][2] = { { 0, 0 }, { 1, 1 }, { 2, 1 }, { 3, 2 }, { 10, 4 }, { 100, 17 },
					     { 512, 59 }, { 1000, 99 }, { 1024, 100 }, { 2048, 174 }, { 4096, 303 },
					     { 10000, 627 }, { 100000, 4340 }, { 262143, 10000 }, { 262144, 10000 },
					     { 1000000, 10000 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cgroup_shares_to_weight(cases[i][0]), cases[i][1]);
	assert_int_equal(cgroup_blkio_to_io_weight(10), 1);
	assert_int_equal(cgroup_blkio_to_io_weight(500), 4950);
	assert_int_equal(cgroup_blkio_to_io_weight(1000), 10000);
	assert_int_equal(cgroup_blkio_to_io_weight(0), 0);
}

static void test_cpu_realtime_refused(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.has_realtime_runtime = true, r.cpu.realtime_runtime = 1000;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m, "linux.resources.cpu.realtimeRuntime"));
}

static void test_cpuset(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.cpus = "0-1";
	r.cpu.mems = "0";
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "cpuset.cpus=0-1|cpuset.mems=0");
}

static void test_pids(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_pids = true, r.pids.has_limit = true;
	r.pids.limit = 100;
	cg_apply_ok(f->cg, &r, false);
	r.pids.limit = -1;
	cg_apply_ok(f->cg, &r, false);
	r.pids.limit = 0;
	cg_apply_ok(f->cg, &r, false);
	/* 0: not set (runc 1.1, the reference on this host, writes nothing either) */
	assert_string_equal(rec_joined(), "pids.max=100|pids.max=max");
}

static void test_io(void **state)
{
	struct fx *f = *state;
	struct spec_throttle_device rbps = { 8, 0, 1048576 }, wbps = { 8, 16, 2097152 }, riops = { 8, 0, 100 },
				    wiops = { 8, 0, 200 };
	struct spec_weight_device wd = { .major = 8, .minor = 0, .has_weight = true, .weight = 200 };
	struct spec_resources r = { 0 };
	r.has_block_io = true;
	r.block_io.has_weight = true, r.block_io.weight = 500;
	r.block_io.weight_device = &wd, r.block_io.n_weight_device = 1;
	r.block_io.throttle_read_bps = &rbps, r.block_io.n_throttle_read_bps = 1;
	r.block_io.throttle_write_bps = &wbps, r.block_io.n_throttle_write_bps = 1;
	r.block_io.throttle_read_iops = &riops, r.block_io.n_throttle_read_iops = 1;
	r.block_io.throttle_write_iops = &wiops, r.block_io.n_throttle_write_iops = 1;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "io.weight=4950|io.weight=8:0 1920|io.max=8:0 rbps=1048576|"
					  "io.max=8:16 wbps=2097152|io.max=8:0 riops=100|io.max=8:0 wiops=200");
	/* With BFQ the blkio range is taken as is. */
	put(f->root, "hulltest/c1/io.bfq.weight", "default 100\n");
	rec_reset();
	r.block_io.n_throttle_read_bps = r.block_io.n_throttle_write_bps = 0;
	r.block_io.n_throttle_read_iops = r.block_io.n_throttle_write_iops = 0;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "io.bfq.weight=500|io.bfq.weight=8:0 200");
}

static void test_hugetlb(void **state)
{
	struct fx *f = *state;
	struct spec_hugepage_limit l[] = { { "2MB", 4 << 20 }, { "1GB", 1ULL << 30 } };
	struct spec_resources r = { 0 };
	r.hugepage_limits = l, r.n_hugepage_limits = 2;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "hugetlb.2MB.max=4194304|hugetlb.2MB.rsvd.max=4194304|"
					  "hugetlb.1GB.max=1073741824|hugetlb.1GB.rsvd.max=1073741824");
	struct spec_hugepage_limit bad = { "3MB", 1 };
	r.hugepage_limits = &bad, r.n_hugepage_limits = 1;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.hugepageLimits[0]: write hugetlb.3MB.max \"1\": No such file or directory");
}

static void test_rdma(void **state)
{
	struct fx *f = *state;
	struct spec_rdma d[] = { { "mlx5_1", true, 3, true, 10000 }, { "mlx4_0", true, 2, false, 0 } };
	struct spec_resources r = { 0 };
	r.rdma = d, r.n_rdma = 2;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "rdma.max=mlx5_1 hca_handle=3 hca_object=10000|rdma.max=mlx4_0 hca_handle=2");
}

static void test_unified(void **state)
{
	struct fx *f = *state;
	struct spec_kv kv[] = { { "memory.high", "1073741824" }, { "io.max", "8:0 rbps=1\n8:16 wbps=2" } };
	struct spec_resources r = { 0 };
	r.unified = kv, r.n_unified = 2;
	cg_apply_ok(f->cg, &r, false);
	assert_string_equal(rec_joined(), "memory.high=1073741824|io.max=8:0 rbps=1|io.max=8:16 wbps=2");
	struct spec_kv bad[] = { { "../memory.max", "1" } };
	r.unified = bad, r.n_unified = 1;
	_cleanup_free_ char *m1 = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m1, "linux.resources.unified[\"../memory.max\"]"));
	struct spec_kv nodot[] = { { "memoryhigh", "1" } };
	r.unified = nodot;
	_cleanup_free_ char *m2 = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m2, "<controller>.<knob>"));
	struct spec_kv unknown[] = { { "foo.bar", "1" } };
	r.unified = unknown;
	_cleanup_free_ char *m3 = cg_apply_err(f->cg, &r);
	assert_non_null(strstr(m3, "the foo controller is not on this host's cgroup v2 hierarchy"));
}

static void test_error_names_field_and_file(void **state)
{
	struct fx *f = *state;
	/* A directory in place of the file makes the write fail as a bad value would. */
	char *p = xasprintf("%s/hulltest/c1/cpuset.cpus", f->root);
	unlink(p);
	mkdir(p, 0755);
	free(p);
	struct spec_resources r = { 0 };
	r.has_cpu = true;
	r.cpu.cpus = "abc";
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.cpu.cpus: write cpuset.cpus \"abc\": Is a directory");
}

static void test_network_refused_on_v2(void **state)
{
	struct fx *f = *state;
	struct spec_resources r = { 0 };
	r.has_network = true, r.network.has_class_id = true, r.network.class_id = 0x100001;
	_cleanup_free_ char *m = cg_apply_err(f->cg, &r);
	assert_string_equal(m, "linux.resources.network.classID: the net_cls controller is not available on this host: "
			       "Operation not supported");
}

static void test_freeze(void **state)
{
	struct fx *f = *state;
	struct hull_err *err = NULL;
	put(f->root, "hulltest/c1/cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(cgroup_freeze(f->cg, true, &err), 0);
	assert_int_equal(cgroup_is_frozen(f->cg), 1);
	put(f->root, "hulltest/c1/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(cgroup_freeze(f->cg, false, &err), 0);
	assert_int_equal(cgroup_is_frozen(f->cg), 0);
	assert_string_equal(rec_joined(), "cgroup.freeze=1|cgroup.freeze=0");
}

static void test_create_enables_controllers(void **state)
{
	struct fx *f = *state;
	unsetenv("REC_SKIP_SUBTREE");
	rec_reset();
	struct hull_err *err = NULL;
	struct cgroup *cg = cgroup_open(f->root, "/hulltest/new/leaf", true, &err);
	assert_non_null(cg);
	char *p = xasprintf("%s/hulltest/new/leaf", f->root);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	free(p);
	/* Every available controller is switched on in each parent before its child is made. */
	assert_non_null(strstr(rec_joined(), "cgroup.subtree_control=+memory"));
	assert_non_null(strstr(rec_joined(), "cgroup.subtree_control=+hugetlb"));
	/* "/hulltest/new" was created by this object: destroy removes it as well as the leaf. */
	assert_int_equal(cg->hier[0].created, 2);
	cgroup_free(cg);
}

/* A controller already on is not written again, and one whose name is part of another's ("cpu" in
 * "cpuset") is still switched on. */
static void test_create_enables_controllers_by_whole_name(void **state)
{
	struct fx *f = *state;
	unsetenv("REC_SKIP_SUBTREE");
	put(f->root, "cgroup.subtree_control", "cpuset memory\n");
	rec_reset();
	struct hull_err *err = NULL;
	struct cgroup *cg = cgroup_open(f->root, "/hulltest-words", true, &err);
	assert_non_null(cg);
	char *joined = rec_joined();
	assert_non_null(strstr(joined, "cgroup.subtree_control=+cpu|"));
	assert_null(strstr(joined, "cgroup.subtree_control=+cpuset"));
	assert_null(strstr(joined, "cgroup.subtree_control=+memory"));
	cgroup_free(cg);
}

static void test_open_refuses_bad_paths(void **state)
{
	struct fx *f = *state;
	struct hull_err *err = NULL;
	assert_null(cgroup_open(f->root, "relative", true, &err));
	hull_err_freep(&err);
	assert_null(cgroup_open(f->root, "/a/../b", true, &err));
	hull_err_freep(&err);
	assert_null(cgroup_open(f->root, "/", true, &err));
	hull_err_freep(&err);
}

static void test_resolve_path(void **state)
{
	(void)state;
	struct hull_err *err = NULL;
	char *p;
	assert_string_equal(p = cgroup_resolve_path("/abs/x", "id", &err), "/abs/x"); free(p);
	assert_string_equal(p = cgroup_resolve_path("rel/x", "id", &err), "/hull/rel/x"); free(p);
	assert_string_equal(p = cgroup_resolve_path(NULL, "c1", &err), "/hull/c1"); free(p);
	assert_string_equal(p = cgroup_resolve_path("", "c1", &err), "/hull/c1"); free(p);
	assert_string_equal(p = cgroup_resolve_path("//a/./b/", "c1", &err), "/a/b"); free(p);
	assert_null(cgroup_resolve_path("../x", "id", &err));
	assert_non_null(strstr(err->msg, "linux.cgroupsPath"));
	hull_err_freep(&err);
	assert_null(cgroup_resolve_path("/a/b/..", "id", &err));
	hull_err_freep(&err);
	assert_null(cgroup_resolve_path("/", "id", &err));
	hull_err_freep(&err);
	assert_null(cgroup_resolve_path(NULL, "../x", &err));
	hull_err_freep(&err);
}

static void test_stats_v2(void **state)
{
	struct fx *f = *state;
	const char *d = "hulltest/c1";
	char *dir = xasprintf("%s/%s", f->root, d);
	put(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\n"
			     "throttled_usec 30\n");
	put(dir, "memory.stat", "anon 4096\nfile 8192\nkernel 100\n");
	put(dir, "memory.current", "20000\n");
	put(dir, "memory.max", "max\n");
	put(dir, "memory.peak", "30000\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	put(dir, "memory.swap.current", "100\n");
	put(dir, "memory.swap.max", "max\n");
	put(dir, "pids.current", "4\n");
	put(dir, "pids.max", "50\n");
	put(dir, "io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
	put(dir, "cpuset.cpus.effective", "0-2,5\n");
	put(dir, "cpuset.mems.effective", "0\n");
	free(dir);
	struct cgroup_stats s;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_stats(f->cg, &s, &err), 0);
	assert_int_equal(s.cpu.total, 1500000);
	assert_int_equal(s.cpu.user, 1000000);
	assert_int_equal(s.cpu.kernel, 500000);
	assert_int_equal(s.cpu.periods, 7);
	assert_int_equal(s.cpu.throttled_periods, 2);
	assert_int_equal(s.cpu.throttled_time, 30000);
	assert_int_equal(s.memory.cache, 8192);
	assert_int_equal(s.memory.n_raw, 3);
	assert_int_equal(s.memory.usage.usage, 20000);
	assert_true(s.memory.usage.limit == UINT64_MAX);
	assert_int_equal(s.memory.usage.max, 30000);
	assert_int_equal(s.memory.usage.failcnt, 3);
	assert_int_equal(s.memory.swap.usage, 20100);
	assert_int_equal(s.pids.current, 4);
	assert_int_equal(s.pids.limit, 50);
	assert_int_equal(s.blkio.n_service_bytes, 2);
	assert_string_equal(s.blkio.service_bytes[1].op, "Write");
	assert_int_equal(s.blkio.service_bytes[1].value, 8192);
	assert_int_equal(s.blkio.n_serviced, 2);
	assert_int_equal(s.cpuset.n_cpus, 4);
	assert_int_equal(s.cpuset.cpus[3], 5);
	cgroup_stats_free(&s);
}

static void test_oom_watch_v2(void **state)
{
	struct fx *f = *state;
	struct hull_err *err = NULL;
	int fd = cgroup_oom_watch(f->cg, &err);
	assert_true(fd >= 0);
	assert_int_equal(cgroup_oom_read(f->cg, fd, &err), 0);
	/* the kernel rewrites memory.events on an OOM kill: inotify says so, the counter tells how many */
	put(f->root, "hulltest/c1/memory.events", "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n");
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(cgroup_oom_read(f->cg, fd, &err), 2);
	assert_int_equal(cgroup_oom_read(f->cg, fd, &err), 0);
	close(fd);
}

static void test_swap_conversion(void **state)
{
	(void)state;
	int64_t out;
	struct hull_err *err = NULL;
	assert_int_equal(cgroup_swap_to_v2(0, 0, &out, &err), 0);
	assert_int_equal(cgroup_swap_to_v2(0, 100, &out, &err), 0);
	assert_int_equal(cgroup_swap_to_v2(0, -1, &out, &err), 1); assert_int_equal(out, -1);
	assert_int_equal(cgroup_swap_to_v2(-1, 100, &out, &err), 1); assert_int_equal(out, -1);
	assert_int_equal(cgroup_swap_to_v2(300, -1, &out, &err), 1); assert_int_equal(out, 300);
	assert_int_equal(cgroup_swap_to_v2(300, 100, &out, &err), 1); assert_int_equal(out, 200);
	assert_int_equal(cgroup_swap_to_v2(100, 100, &out, &err), 1); assert_int_equal(out, 0);
	assert_int_equal(cgroup_swap_to_v2(50, 100, &out, &err), -1); hull_err_freep(&err);
	assert_int_equal(cgroup_swap_to_v2(50, 0, &out, &err), -1); hull_err_freep(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_unlimited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_check_before_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_quota_forms, setup, teardown),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test_setup_teardown(test_cpu_realtime_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_names_field_and_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_refused_on_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_enables_controllers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_enables_controllers_by_whole_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_bad_paths, setup, teardown),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test(test_swap_conversion),
		cmocka_unit_test_setup_teardown(test_stats_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_watch_v2, setup, teardown),
	};
	return cmocka_run_group_tests_name("cgroup_v2", tests, NULL, NULL);
}
