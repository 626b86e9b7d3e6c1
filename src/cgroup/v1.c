/* v1.c — the cgroup v1 writers: one function per controller, each given its own hierarchy's directory.
 * Values are written as runc writes them (same files, same order, same special cases). */
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F "linux.resources."

static int write_i64(int dfd, const char *field, const char *file, int64_t v, struct hull_err **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cg_write(dfd, field, file, buf, err);
}

static int write_u64(int dfd, const char *field, const char *file, uint64_t v, struct hull_err **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write(dfd, field, file, buf, err);
}

int cg_v1_cpu(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	const typeof(r->cpu) *c = &r->cpu;
	if (c->has_shares && c->shares) {
		if (write_u64(dfd, F "cpu.shares", "cpu.shares", c->shares, err) < 0)
			return -1;
		/* The kernel clamps silently; say so, as runc does. */
		uint64_t got;
		if (cg_read_u64(dfd, "cpu.shares", &got) == 0 && got != c->shares)
			return hull_err_set(err, ERANGE, F "cpu.shares: %" PRIu64 " is out of range (the %s allowed is %" PRIu64 ")",
					    c->shares, c->shares > got ? "maximum" : "minimum", got);
	}
	/* period and quota (and burst) are checked against each other: a period the kernel refuses now
	 * may be fine once the quota is written, so retry it afterwards. */
	bool period_later = false, burst_later = false;
	bool quota = c->has_quota && c->quota != 0;
	if (c->has_period && c->period &&
	    cg_write_or_defer(dfd, F "cpu.period", "cpu.cfs_period_us", c->period, quota, &period_later, err) < 0)
		return -1;
	if (c->has_burst && cg_write_or_defer(dfd, F "cpu.burst", "cpu.cfs_burst_us", c->burst, quota, &burst_later, err) < 0)
		return -1;
	if (quota) {
		if (write_i64(dfd, F "cpu.quota", "cpu.cfs_quota_us", c->quota, err) < 0)
			return -1;
		if (period_later && write_u64(dfd, F "cpu.period", "cpu.cfs_period_us", c->period, err) < 0)
			return -1;
		if (burst_later && write_u64(dfd, F "cpu.burst", "cpu.cfs_burst_us", c->burst, err) < 0)
			return -1;
	}
	/* Same dance for the realtime pair. */
	bool rt_period_later = false;
	bool rt_runtime = c->has_realtime_runtime && c->realtime_runtime != 0;
	if (c->has_realtime_period && c->realtime_period &&
	    cg_write_or_defer(dfd, F "cpu.realtimePeriod", "cpu.rt_period_us", c->realtime_period, rt_runtime,
			   &rt_period_later, err) < 0)
		return -1;
	if (rt_runtime) {
		if (write_i64(dfd, F "cpu.realtimeRuntime", "cpu.rt_runtime_us", c->realtime_runtime, err) < 0)
			return -1;
		if (rt_period_later &&
		    write_u64(dfd, F "cpu.realtimePeriod", "cpu.rt_period_us", c->realtime_period, err) < 0)
			return -1;
	}
	if (c->has_idle && write_i64(dfd, F "cpu.idle", "cpu.idle", c->idle, err) < 0)
		return -1;
	return 0;
}

/* cpuset.cpus/mems have one syntax on v1 and v2. */
int cg_cpuset(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	if (r->cpu.cpus && cg_write(dfd, F "cpu.cpus", "cpuset.cpus", r->cpu.cpus, err) < 0)
		return -1;
	if (r->cpu.mems && cg_write(dfd, F "cpu.mems", "cpuset.mems", r->cpu.mems, err) < 0)
		return -1;
	return 0;
}

int cg_v1_cpuset_inherit(int parent_dfd, int dfd, struct hull_err **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *mine = cg_read(dfd, files[i]);
		if (!mine && errno == ENOENT)
			continue; /* not a cpuset directory after all (test trees) */
		if (mine && mine[0] != '\n' && mine[0] != '\0')
			continue;
		_cleanup_free_ char *theirs = cg_read(parent_dfd, files[i]);
		if (!theirs)
			return hull_err_sys(err, "cgroup: read the parent's %s", files[i]);
		theirs[strcspn(theirs, "\n")] = '\0';
		if (!*theirs)
			continue;
		if (cg_write(dfd, "cgroup (inherited from the parent)", files[i], theirs, err) < 0)
			return -1;
	}
	return 0;
}

/* memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every step: raising both needs
 * memsw first, lowering both needs the limit first. */
static int v1_memory_and_swap(int dfd, const typeof(((struct spec_resources *)0)->memory) *m, struct hull_err **err)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	bool has_memsw = cg_exists(dfd, "memory.memsw.limit_in_bytes");
	/* An unlimited memory with no swap given means both unlimited (when swap accounting exists). */
	if (limit == -1 && swap == 0 && has_memsw)
		swap = -1;
	if (swap != 0 && !has_memsw)
		return hull_err_set(err, ENOTSUP, F "memory.swap: this kernel has no swap accounting "
					   "(memory.memsw.limit_in_bytes is missing)");
	bool swap_first = false;
	if (limit != 0 && swap != 0) {
		uint64_t cur;
		if (cg_read_u64(dfd, "memory.limit_in_bytes", &cur) < 0)
			return hull_err_sys(err, F "memory.limit: read memory.limit_in_bytes");
		swap_first = swap == -1 || cur < (uint64_t)swap;
	}
	if (swap_first && write_i64(dfd, F "memory.swap", "memory.memsw.limit_in_bytes", swap, err) < 0)
		return -1;
	if (limit != 0 && write_i64(dfd, F "memory.limit", "memory.limit_in_bytes", limit, err) < 0)
		return -1;
	if (!swap_first && swap != 0 && write_i64(dfd, F "memory.swap", "memory.memsw.limit_in_bytes", swap, err) < 0)
		return -1;
	return 0;
}

int cg_v1_memory(int dfd, const struct spec_resources *r, bool update, struct hull_err **err)
{
	const typeof(r->memory) *m = &r->memory;
	if (update && m->has_check_before_update && m->check_before_update && m->has_limit &&
	    cg_check_memory_usage(dfd, "memory.usage_in_bytes", m->limit, err) < 0)
		return -1;
	if (v1_memory_and_swap(dfd, m, err) < 0)
		return -1;
	/* Kernel memory limits are gone from the kernel (and runc ignores them): say so once. */
	if ((m->has_kernel && m->kernel) || (m->has_kernel_tcp && m->kernel_tcp))
		log_warn("linux.resources.memory.kernel/kernelTCP: kernel memory limits are not supported; ignored");
	if (m->has_reservation && m->reservation &&
	    write_i64(dfd, F "memory.reservation", "memory.soft_limit_in_bytes", m->reservation, err) < 0)
		return -1;
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    cg_write(dfd, F "memory.disableOOMKiller", "memory.oom_control", "1", err) < 0)
		return -1;
	if (m->has_swappiness) {
		if (m->swappiness > 100 && m->swappiness != UINT64_MAX && (int64_t)m->swappiness != -1)
			return hull_err_set(err, EINVAL, F "memory.swappiness: %" PRIu64 " is out of range (0-100)", m->swappiness);
		if (m->swappiness <= 100 &&
		    write_u64(dfd, F "memory.swappiness", "memory.swappiness", m->swappiness, err) < 0)
			return -1;
	}
	if (m->has_use_hierarchy &&
	    cg_write(dfd, F "memory.useHierarchy", "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
		return -1;
	return 0;
}

/* pids.max has one syntax on v1 and v2. As runc 1.1 (this host's reference): a negative limit is
 * unlimited, 0 means "not set" (the caller does not call this). */
int cg_pids(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	char buf[32] = "max";
	if (r->pids.limit > 0)
		snprintf(buf, sizeof(buf), "%" PRId64, r->pids.limit);
	return cg_write(dfd, F "pids.limit", "pids.max", buf, err);
}

static int throttle(int dfd, const char *field, const char *file, const struct spec_throttle_device *d, size_t n,
		    struct hull_err **err)
{
	for (size_t i = 0; i < n; i++) {
		char buf[96];
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor, d[i].rate);
		_cleanup_free_ char *f = xasprintf("%s[%zu]", field, i);
		if (cg_write(dfd, f, file, buf, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_blkio(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	const typeof(r->block_io) *b = &r->block_io;
	/* CFQ's blkio.weight is gone from recent kernels; BFQ offers blkio.bfq.weight instead. */
	const char *weight = cg_exists(dfd, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
	const char *weight_dev = cg_exists(dfd, "blkio.weight") ? "blkio.weight_device" : "blkio.bfq.weight_device";
	if (b->has_weight && b->weight) {
		if (!cg_exists(dfd, weight))
			return hull_err_set(err, ENOTSUP, F "blockIO.weight: neither blkio.weight nor blkio.bfq.weight "
					    "exists (no CFQ/BFQ weight support in this kernel)");
		if (write_u64(dfd, F "blockIO.weight", weight, b->weight, err) < 0)
			return -1;
	}
	if (b->has_leaf_weight && b->leaf_weight &&
	    write_u64(dfd, F "blockIO.leafWeight", "blkio.leaf_weight", b->leaf_weight, err) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *w = &b->weight_device[i];
		char buf[96];
		_cleanup_free_ char *f = xasprintf(F "blockIO.weightDevice[%zu]", i);
		if (w->has_weight && w->weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight);
			if (cg_write(dfd, f, weight_dev, buf, err) < 0)
				return -1;
		}
		if (w->has_leaf_weight && w->leaf_weight) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->leaf_weight);
			if (cg_write(dfd, f, "blkio.leaf_weight_device", buf, err) < 0)
				return -1;
		}
	}
	return throttle(dfd, F "blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device",
			b->throttle_read_bps, b->n_throttle_read_bps, err) < 0 ||
			       throttle(dfd, F "blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
					b->throttle_write_bps, b->n_throttle_write_bps, err) < 0 ||
			       throttle(dfd, F "blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
					b->throttle_read_iops, b->n_throttle_read_iops, err) < 0 ||
			       throttle(dfd, F "blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
					b->throttle_write_iops, b->n_throttle_write_iops, err) < 0
		       ? -1
		       : 0;
}

int cg_v1_hugetlb(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepage_limits[i];
		_cleanup_free_ char *field = xasprintf(F "hugepageLimits[%zu]", i);
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.limit_in_bytes", l->page_size);
		if (write_u64(dfd, field, file, l->limit, err) < 0)
			return -1;
		/* Reservations are limited alike where the kernel has them. */
		_cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.limit_in_bytes", l->page_size);
		if (cg_exists(dfd, rsvd) && write_u64(dfd, field, rsvd, l->limit, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_net_cls(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	return write_u64(dfd, F "network.classID", "net_cls.classid", r->network.class_id, err);
}

int cg_v1_net_prio(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	for (size_t i = 0; i < r->network.n_priorities; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s %u", r->network.priorities[i].name, r->network.priorities[i].priority);
		_cleanup_free_ char *field = xasprintf(F "network.priorities[%zu]", i);
		if (cg_write(dfd, field, "net_prio.ifpriomap", buf, err) < 0)
			return -1;
	}
	return 0;
}

int cg_rdma(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct spec_rdma *d = &r->rdma[i];
		if (!d->has_handles && !d->has_objects)
			continue;
		char buf[256];
		int n = snprintf(buf, sizeof(buf), "%s", d->device);
		if (d->has_handles)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " hca_handle=%u", d->hca_handles);
		if (d->has_objects)
			snprintf(buf + n, sizeof(buf) - (size_t)n, " hca_object=%u", d->hca_objects);
		_cleanup_free_ char *field = xasprintf(F "rdma[\"%s\"]", d->device);
		if (cg_write(dfd, field, "rdma.max", buf, err) < 0)
			return -1;
	}
	return 0;
}

/* A rule as devices.allow/deny take it: "c 1:3 rwm", "*" for a wildcard number. */
static void v1_rule(const struct spec_device_cgroup *d, char *buf, size_t len)
{
	if (d->type == 'a' || d->type == 0) {
		snprintf(buf, len, "a");
		return;
	}
	char maj[24] = "*", min[24] = "*";
	if (d->has_major && d->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->has_minor && d->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	snprintf(buf, len, "%c %s:%s %s", d->type, maj, min, d->access && *d->access ? d->access : "rwm");
}

int cg_v1_devices(int dfd, const struct spec_device_cgroup *rules, size_t n, struct hull_err **err)
{
	for (size_t i = 0; i < n; i++) {
		char buf[96];
		v1_rule(&rules[i], buf, sizeof(buf));
		/* The first rule is our deny-all; spec rules are numbered from the spec's own index. */
		_cleanup_free_ char *field = xasprintf(F "devices[%zu]", i ? i - 1 : 0);
		if (cg_write(dfd, field, rules[i].allow ? "devices.allow" : "devices.deny", buf, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_freeze(int dfd, bool frozen, struct hull_err **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	/* FREEZING can linger while tasks are in uninterruptible sleep: rewrite and poll, as runc, for
	 * up to ~2 s before giving up (and thawing again so nothing stays half frozen). */
	for (int i = 0; i < 2000; i++) {
		if (i % 50 == 0 && cg_write(dfd, "cgroup freezer", "freezer.state", want, err) < 0)
			return -1;
		_cleanup_free_ char *s = cg_read(dfd, "freezer.state");
		if (!s)
			return hull_err_sys(err, "cgroup freezer: read freezer.state");
		if (strncmp(s, want, strlen(want)) == 0)
			return 0;
		struct timespec ts = { 0, 1000000L };
		nanosleep(&ts, NULL);
	}
	if (frozen)
		cg_try_write(dfd, "freezer.state", "THAWED");
	return hull_err_set(err, ETIMEDOUT, "cgroup freezer: freezer.state did not become %s", want);
}
