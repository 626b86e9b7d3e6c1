/* v2.c — the cgroup v2 writers, given the cgroup's directory in the cgroup2 hierarchy. The OCI values
 * are v1-shaped; convert.c turns them into v2 ones, and the files and order follow runc's. */
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F "linux.resources."

static void fmt_limit(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
}

int cg_v2_memory(int dfd, const struct spec_resources *r, bool update, struct hull_err **err)
{
	const typeof(r->memory) *m = &r->memory;
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	int64_t reservation = m->has_reservation ? m->reservation : 0;
	char buf[32];
	if (update && m->has_check_before_update && m->check_before_update && limit &&
	    cg_check_memory_usage(dfd, "memory.current", limit, err) < 0)
		return -1;
	if (limit || swap || reservation) {
		int64_t v2swap;
		int set = cgroup_swap_to_v2(swap, limit, &v2swap, err);
		if (set < 0)
			return -1;
		if (set) {
			fmt_limit(buf, sizeof(buf), v2swap);
			int rc = cg_try_write(dfd, "memory.swap.max", buf);
			/* Without swap accounting the file is absent: only "no limit"/"no swap" can be honoured. */
			if (rc < 0 && !(rc == -ENOENT && (v2swap == -1 || v2swap == 0)))
				return hull_err_set(err, -rc, F "memory.swap: write memory.swap.max \"%s\"", buf);
		}
		if (limit) {
			fmt_limit(buf, sizeof(buf), limit);
			if (cg_write(dfd, F "memory.limit", "memory.max", buf, err) < 0)
				return -1;
		}
		if (reservation) {
			fmt_limit(buf, sizeof(buf), reservation);
			if (cg_write(dfd, F "memory.reservation", "memory.low", buf, err) < 0)
				return -1;
		}
	}
	/* No v2 file for these; runc ignores them too. */
	if (m->has_swappiness && (int64_t)m->swappiness != -1)
		log_warn(F "memory.swappiness: not supported on cgroup v2; ignored");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		log_warn(F "memory.disableOOMKiller: not supported on cgroup v2; ignored");
	if ((m->has_kernel && m->kernel) || (m->has_kernel_tcp && m->kernel_tcp))
		log_warn(F "memory.kernel/kernelTCP: kernel memory limits are not supported; ignored");
	return 0;
}

int cg_v2_cpu(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	const typeof(r->cpu) *c = &r->cpu;
	char buf[64];
	if ((c->has_realtime_runtime && c->realtime_runtime) || (c->has_realtime_period && c->realtime_period))
		return hull_err_set(err, ENOTSUP, F "cpu.%s: realtime scheduling limits do not exist in cgroup v2",
				    c->has_realtime_runtime && c->realtime_runtime ? "realtimeRuntime" : "realtimePeriod");
	if (c->has_idle) {
		snprintf(buf, sizeof(buf), "%" PRId64, c->idle);
		if (cg_write(dfd, F "cpu.idle", "cpu.idle", buf, err) < 0)
			return -1;
	}
	uint64_t weight = c->has_shares ? cgroup_shares_to_weight(c->shares) : 0;
	if (weight) {
		snprintf(buf, sizeof(buf), "%" PRIu64, weight);
		if (cg_write(dfd, F "cpu.shares", "cpu.weight", buf, err) < 0)
			return -1;
	}
	bool quota = (c->has_quota && c->quota != 0) || (c->has_period && c->period != 0);
	bool burst_later = false;
	/* The kernel checks burst <= quota: a burst above the old quota must wait for cpu.max. */
	if (c->has_burst && cg_write_or_defer(dfd, F "cpu.burst", "cpu.max.burst", c->burst, quota, &burst_later, err) < 0)
		return -1;
	if (quota) {
		int n = (c->has_quota && c->quota > 0) ? snprintf(buf, sizeof(buf), "%" PRId64, c->quota)
						       : snprintf(buf, sizeof(buf), "max");
		snprintf(buf + n, sizeof(buf) - (size_t)n, " %" PRIu64, c->has_period && c->period ? c->period : 100000);
		if (cg_write(dfd, c->has_quota ? F "cpu.quota" : F "cpu.period", "cpu.max", buf, err) < 0)
			return -1;
		if (burst_later && cg_write_or_defer(dfd, F "cpu.burst", "cpu.max.burst", c->burst, false, &burst_later, err) < 0)
			return -1;
	}
	return 0;
}

static int io_max(int dfd, const char *field, const char *key, const struct spec_throttle_device *d, size_t n,
		  struct hull_err **err)
{
	for (size_t i = 0; i < n; i++) {
		char buf[96];
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major, d[i].minor, key, d[i].rate);
		_cleanup_free_ char *f = xasprintf("%s[%zu]", field, i);
		if (cg_write(dfd, f, "io.max", buf, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_io(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	const typeof(r->block_io) *b = &r->block_io;
	/* BFQ takes the blkio weight range [10,1000] as is; io.weight (iocost) needs it converted.
	 * io.bfq.weight reads "default N" when it also takes per-device weights. */
	bool bfq = cg_exists(dfd, "io.bfq.weight");
	_cleanup_free_ char *bfq_now = bfq ? cg_read(dfd, "io.bfq.weight") : NULL;
	bool bfq_per_device = bfq_now && strncmp(bfq_now, "default", 7) == 0;
	char buf[96];
	if (b->has_weight && b->weight) {
		if (bfq) {
			snprintf(buf, sizeof(buf), "%u", b->weight);
			if (cg_write(dfd, F "blockIO.weight", "io.bfq.weight", buf, err) < 0)
				return -1;
		} else {
			snprintf(buf, sizeof(buf), "%" PRIu64, cgroup_blkio_to_io_weight(b->weight));
			if (cg_write(dfd, F "blockIO.weight", "io.weight", buf, err) < 0)
				return -1;
		}
	}
	if (b->has_leaf_weight && b->leaf_weight)
		log_warn(F "blockIO.leafWeight: not supported on cgroup v2; ignored");
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *w = &b->weight_device[i];
		if (!w->has_weight || !w->weight)
			continue;
		_cleanup_free_ char *f = xasprintf(F "blockIO.weightDevice[%zu]", i);
		if (bfq_per_device) {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight);
			if (cg_write(dfd, f, "io.bfq.weight", buf, err) < 0)
				return -1;
		} else {
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
				 cgroup_blkio_to_io_weight(w->weight));
			if (cg_write(dfd, f, "io.weight", buf, err) < 0)
				return -1;
		}
	}
	if (io_max(dfd, F "blockIO.throttleReadBpsDevice", "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err) < 0 ||
	    io_max(dfd, F "blockIO.throttleWriteBpsDevice", "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err) < 0 ||
	    io_max(dfd, F "blockIO.throttleReadIOPSDevice", "riops", b->throttle_read_iops, b->n_throttle_read_iops, err) < 0 ||
	    io_max(dfd, F "blockIO.throttleWriteIOPSDevice", "wiops", b->throttle_write_iops, b->n_throttle_write_iops, err) < 0)
		return -1;
	return 0;
}

int cg_v2_hugetlb(int dfd, const struct spec_resources *r, struct hull_err **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepage_limits[i];
		char val[32];
		snprintf(val, sizeof(val), "%" PRIu64, l->limit);
		_cleanup_free_ char *field = xasprintf(F "hugepageLimits[%zu]", i);
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.max", l->page_size);
		if (cg_write(dfd, field, file, val, err) < 0)
			return -1;
		_cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.max", l->page_size);
		if (cg_exists(dfd, rsvd) && cg_write(dfd, field, rsvd, val, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_unified(struct cgroup *cg, const struct spec_resources *r, struct hull_err **err)
{
	struct cg_hier *u = &cg->hier[cg->unified];
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key, *value = r->unified[i].value;
		_cleanup_free_ char *field = xasprintf(F "unified[\"%s\"]", key);
		const char *dot = strchr(key, '.');
		if (strchr(key, '/') || !dot || dot == key || strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
			return hull_err_set(err, EINVAL, "%s: want a file name of the form <controller>.<knob>", field);
		_cleanup_free_ char *ctrl = xstrndup(key, (size_t)(dot - key));
		if (strcmp(ctrl, "cgroup") != 0) {
			int c = -1;
			for (int j = 0; j < CG_CTRL_COUNT; j++)
				if (cg_ctrl_v2_names[j] && strcmp(cg_ctrl_v2_names[j], ctrl) == 0)
					c = j;
			if (c < 0 || !(u->ctrls & (1u << c)) || (cg->ctrl_hier[c] != cg->unified))
				return hull_err_set(err, ENOTSUP, "%s: the %s controller is not on this host's cgroup v2 hierarchy%s",
						    field, ctrl, cg->layout == CGROUP_LAYOUT_HYBRID ? " (hybrid host: it is cgroup v1 here)" : "");
			if (cg_v2_enable(cg, 1u << c, err) < 0)
				return -1;
		}
		/* Multi-line values (io.max for several devices) are written a line at a time, as runc. */
		_cleanup_free_ char *copy = xstrdup(value);
		char *save = NULL;
		for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (cg_write(u->dfd, field, key, line, err) < 0)
				return -1;
		if (!*value && cg_write(u->dfd, field, key, value, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_freeze(int dfd, bool frozen, struct hull_err **err)
{
	if (cg_write(dfd, "cgroup", "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	/* cgroup.events says when the whole subtree reached the state; it signals POLLPRI on change. */
	const char *want = frozen ? "1" : "0";
	for (int i = 0; i < 400; i++) {
		uint64_t v;
		if (cg_read_key(dfd, "cgroup.events", "frozen", &v) < 0)
			return hull_err_sys(err, "cgroup: read cgroup.events");
		if (v == (uint64_t)(want[0] - '0'))
			return 0;
		_cleanup_fd_ int fd = openat(dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			char tmp[256];
			if (read(fd, tmp, sizeof(tmp)) < 0) { /* arm the notification */ }
			struct pollfd p = { .fd = fd, .events = POLLPRI };
			poll(&p, 1, 10);
		} else {
			struct timespec ts = { 0, 10000000L };
			nanosleep(&ts, NULL);
		}
	}
	if (frozen)
		cg_try_write(dfd, "cgroup.freeze", "0");
	return hull_err_set(err, ETIMEDOUT, "cgroup: cgroup.events did not report \"frozen %s\"", want);
}
