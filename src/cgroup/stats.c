/* stats.c — statistics (runc's `events --stats` meanings) and OOM notifications, v1 and v2. */
#include "cgroup/internal.h"
#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

static uint64_t u64_or0(int dfd, const char *file)
{
	uint64_t v = 0;
	if (cg_read_u64(dfd, file, &v) < 0)
		return 0;
	return v;
}

/* "a b c" → array of numbers. */
static size_t read_list(int dfd, const char *file, uint64_t **out)
{
	*out = NULL;
	_cleanup_free_ char *s = cg_read(dfd, file);
	if (!s)
		return 0;
	size_t n = 0, cap = 0;
	for (char *p = s;;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		if (n == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(uint64_t));
		(*out)[n++] = v;
		p = end;
	}
	return n;
}

static void stat_cpu_v1(const struct cg_hier *cpu, const struct cg_hier *acct, struct cgroup_stats *st)
{
	if (acct) {
		st->cpu.total = u64_or0(acct->dfd, "cpuacct.usage");
		st->cpu.n_percpu = read_list(acct->dfd, "cpuacct.usage_percpu", &st->cpu.percpu);
		st->cpu.n_percpu_kernel = read_list(acct->dfd, "cpuacct.usage_percpu_sys", &st->cpu.percpu_kernel);
		st->cpu.n_percpu_user = read_list(acct->dfd, "cpuacct.usage_percpu_user", &st->cpu.percpu_user);
		/* cpuacct.stat counts clock ticks. */
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t v;
		if (hz > 0 && cg_read_key(acct->dfd, "cpuacct.stat", "user", &v) == 0)
			st->cpu.user = v * (1000000000ull / (uint64_t)hz);
		if (hz > 0 && cg_read_key(acct->dfd, "cpuacct.stat", "system", &v) == 0)
			st->cpu.kernel = v * (1000000000ull / (uint64_t)hz);
	}
	if (cpu) {
		cg_read_key(cpu->dfd, "cpu.stat", "nr_periods", &st->cpu.periods);
		cg_read_key(cpu->dfd, "cpu.stat", "nr_throttled", &st->cpu.throttled_periods);
		cg_read_key(cpu->dfd, "cpu.stat", "throttled_time", &st->cpu.throttled_time);
	}
}

static void stat_cpu_v2(const struct cg_hier *h, struct cgroup_stats *st)
{
	uint64_t v;
	if (cg_read_key(h->dfd, "cpu.stat", "usage_usec", &v) == 0) st->cpu.total = v * 1000;
	if (cg_read_key(h->dfd, "cpu.stat", "user_usec", &v) == 0) st->cpu.user = v * 1000;
	if (cg_read_key(h->dfd, "cpu.stat", "system_usec", &v) == 0) st->cpu.kernel = v * 1000;
	cg_read_key(h->dfd, "cpu.stat", "nr_periods", &st->cpu.periods);
	cg_read_key(h->dfd, "cpu.stat", "nr_throttled", &st->cpu.throttled_periods);
	if (cg_read_key(h->dfd, "cpu.stat", "throttled_usec", &v) == 0) st->cpu.throttled_time = v * 1000;
}

static void read_raw(int dfd, const char *file, struct cgroup_stats *st)
{
	_cleanup_free_ char *s = cg_read(dfd, file);
	size_t cap = 0;
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		if (st->memory.n_raw == cap)
			st->memory.raw = xrealloc(st->memory.raw, (cap = cap ? cap * 2 : 32) * sizeof(*st->memory.raw));
		st->memory.raw[st->memory.n_raw].key = xstrdup(line);
		st->memory.raw[st->memory.n_raw++].value = strtoull(sp + 1, NULL, 10);
	}
}

static uint64_t raw_get(const struct cgroup_stats *st, const char *key)
{
	for (size_t i = 0; i < st->memory.n_raw; i++)
		if (strcmp(st->memory.raw[i].key, key) == 0)
			return st->memory.raw[i].value;
	return 0;
}

static void mem_entry_v1(int dfd, const char *prefix, struct cgroup_mem_entry *e)
{
	char f[96];
	snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix); e->usage = u64_or0(dfd, f);
	snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix); e->max = u64_or0(dfd, f);
	snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix); e->limit = u64_or0(dfd, f);
	snprintf(f, sizeof(f), "%s.failcnt", prefix); e->failcnt = u64_or0(dfd, f);
}

static void stat_memory_v1(const struct cg_hier *h, struct cgroup_stats *st)
{
	read_raw(h->dfd, "memory.stat", st);
	st->memory.cache = raw_get(st, "cache");
	mem_entry_v1(h->dfd, "memory", &st->memory.usage);
	mem_entry_v1(h->dfd, "memory.memsw", &st->memory.swap);
	mem_entry_v1(h->dfd, "memory.kmem", &st->memory.kernel);
	mem_entry_v1(h->dfd, "memory.kmem.tcp", &st->memory.kernel_tcp);
}

static void stat_memory_v2(const struct cg_hier *h, struct cgroup_stats *st)
{
	read_raw(h->dfd, "memory.stat", st);
	st->memory.cache = raw_get(st, "file");
	st->memory.usage.usage = u64_or0(h->dfd, "memory.current");
	st->memory.usage.limit = u64_or0(h->dfd, "memory.max");
	st->memory.usage.max = u64_or0(h->dfd, "memory.peak");
	cg_read_key(h->dfd, "memory.events", "max", &st->memory.usage.failcnt);
	/* v1's memsw meaning: memory + swap. */
	uint64_t swap = u64_or0(h->dfd, "memory.swap.current"), swap_max = u64_or0(h->dfd, "memory.swap.max");
	st->memory.swap.usage = swap + st->memory.usage.usage;
	st->memory.swap.limit = swap_max == UINT64_MAX || st->memory.usage.limit == UINT64_MAX
					? UINT64_MAX : swap_max + st->memory.usage.limit;
	cg_read_key(h->dfd, "memory.swap.events", "max", &st->memory.swap.failcnt);
}

static void blkio_add(struct cgroup_blkio_entry **v, size_t *n, uint64_t major, uint64_t minor, const char *op,
		      uint64_t value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct cgroup_blkio_entry *e = &(*v)[(*n)++];
	e->major = major;
	e->minor = minor;
	snprintf(e->op, sizeof(e->op), "%s", op);
	e->value = value;
}

/* "8:0 Read 4096" lines; the "Total N" summary line is skipped. */
static void blkio_v1_file(int dfd, const char *file, struct cgroup_blkio_entry **v, size_t *n)
{
	_cleanup_free_ char *s = cg_read(dfd, file);
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min, val;
		char op[16];
		if (sscanf(line, "%llu:%llu %15s %llu", &maj, &min, op, &val) == 4)
			blkio_add(v, n, maj, min, op, val);
	}
}

static void stat_blkio_v1(const struct cg_hier *h, struct cgroup_stats *st)
{
	blkio_v1_file(h->dfd, "blkio.throttle.io_service_bytes_recursive", &st->blkio.service_bytes, &st->blkio.n_service_bytes);
	blkio_v1_file(h->dfd, "blkio.throttle.io_serviced_recursive", &st->blkio.serviced, &st->blkio.n_serviced);
}

static void stat_io_v2(const struct cg_hier *h, struct cgroup_stats *st)
{
	_cleanup_free_ char *s = cg_read(h->dfd, "io.stat");
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min;
		int off = 0;
		if (sscanf(line, "%llu:%llu%n", &maj, &min, &off) != 2)
			continue;
		char *save2 = NULL;
		for (char *kv = strtok_r(line + off, " ", &save2); kv; kv = strtok_r(NULL, " ", &save2)) {
			char *eq = strchr(kv, '=');
			if (!eq)
				continue;
			*eq = '\0';
			uint64_t val = strtoull(eq + 1, NULL, 10);
			if (strcmp(kv, "rbytes") == 0) blkio_add(&st->blkio.service_bytes, &st->blkio.n_service_bytes, maj, min, "Read", val);
			else if (strcmp(kv, "wbytes") == 0) blkio_add(&st->blkio.service_bytes, &st->blkio.n_service_bytes, maj, min, "Write", val);
			else if (strcmp(kv, "rios") == 0) blkio_add(&st->blkio.serviced, &st->blkio.n_serviced, maj, min, "Read", val);
			else if (strcmp(kv, "wios") == 0) blkio_add(&st->blkio.serviced, &st->blkio.n_serviced, maj, min, "Write", val);
		}
	}
}

/* The page sizes the kernel offers, named as the cgroup files name them ("2MB", "1GB"). */
static void stat_hugetlb(const struct cg_hier *h, struct cgroup_stats *st)
{
	_cleanup_dir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		unsigned long long kb;
		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		char size[32];
		if (kb % (1024 * 1024) == 0) snprintf(size, sizeof(size), "%lluGB", kb / (1024 * 1024));
		else if (kb % 1024 == 0) snprintf(size, sizeof(size), "%lluMB", kb / 1024);
		else snprintf(size, sizeof(size), "%lluKB", kb);
		struct cgroup_hugetlb_stat e = { 0 };
		snprintf(e.page_size, sizeof(e.page_size), "%s", size);
		char f[96];
		if (h->v2) {
			snprintf(f, sizeof(f), "hugetlb.%s.current", size);
			if (cg_read_u64(h->dfd, f, &e.usage) < 0)
				continue;
			snprintf(f, sizeof(f), "hugetlb.%s.events", size);
			cg_read_key(h->dfd, f, "max", &e.failcnt);
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", size);
			if (cg_read_u64(h->dfd, f, &e.usage) < 0)
				continue;
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size); e.max = u64_or0(h->dfd, f);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", size); e.failcnt = u64_or0(h->dfd, f);
		}
		st->hugetlb = xrealloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*st->hugetlb));
		st->hugetlb[st->n_hugetlb++] = e;
	}
}

/* "0-3,7" → {0,1,2,3,7} */
static size_t read_cpu_list(int dfd, const char *file, uint16_t **out)
{
	*out = NULL;
	_cleanup_free_ char *s = cg_read(dfd, file);
	size_t n = 0, cap = 0;
	for (char *p = s; p && *p && *p != '\n';) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long v = a; v <= b && v <= UINT16_MAX; v++) {
			if (n == cap)
				*out = xrealloc(*out, (cap = cap ? cap * 2 : 16) * sizeof(uint16_t));
			(*out)[n++] = (uint16_t)v;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void stat_cpuset(const struct cg_hier *h, struct cgroup_stats *st)
{
	st->cpuset.n_cpus = read_cpu_list(h->dfd, h->v2 ? "cpuset.cpus.effective" : "cpuset.cpus", &st->cpuset.cpus);
	st->cpuset.n_mems = read_cpu_list(h->dfd, h->v2 ? "cpuset.mems.effective" : "cpuset.mems", &st->cpuset.mems);
	if (h->v2)
		return;
	st->cpuset.cpu_exclusive = u64_or0(h->dfd, "cpuset.cpu_exclusive");
	st->cpuset.mem_hardwall = u64_or0(h->dfd, "cpuset.mem_hardwall");
	st->cpuset.mem_exclusive = u64_or0(h->dfd, "cpuset.mem_exclusive");
	st->cpuset.memory_migrate = u64_or0(h->dfd, "cpuset.memory_migrate");
	st->cpuset.memory_spread_page = u64_or0(h->dfd, "cpuset.memory_spread_page");
	st->cpuset.memory_spread_slab = u64_or0(h->dfd, "cpuset.memory_spread_slab");
	st->cpuset.memory_pressure = u64_or0(h->dfd, "cpuset.memory_pressure");
	st->cpuset.sched_load_balance = u64_or0(h->dfd, "cpuset.sched_load_balance");
	_cleanup_free_ char *lvl = cg_read(h->dfd, "cpuset.sched_relax_domain_level");
	st->cpuset.sched_relax_domain_level = lvl ? strtoll(lvl, NULL, 10) : 0;
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *st, struct hull_err **err)
{
	memset(st, 0, sizeof(*st));
	if (!cgroup_exists(cg))
		return hull_err_set(err, ENOENT, "cgroup %s: does not exist", cg->path);
	const struct cg_hier *h;
	if ((h = cg_hier_of(cg, CG_CPU)) && h->v2)
		stat_cpu_v2(h, st);
	else
		stat_cpu_v1(h, cg_hier_of(cg, CG_CPUACCT), st);
	if ((h = cg_hier_of(cg, CG_MEMORY)))
		h->v2 ? stat_memory_v2(h, st) : stat_memory_v1(h, st);
	if ((h = cg_hier_of(cg, CG_CPUSET)))
		stat_cpuset(h, st);
	if ((h = cg_hier_of(cg, CG_PIDS))) {
		st->pids.current = u64_or0(h->dfd, "pids.current");
		st->pids.limit = u64_or0(h->dfd, "pids.max");
		if (st->pids.limit == UINT64_MAX)
			st->pids.limit = 0; /* runc reports "max" as 0 */
	}
	if ((h = cg_hier_of(cg, CG_IO)))
		h->v2 ? stat_io_v2(h, st) : stat_blkio_v1(h, st);
	if ((h = cg_hier_of(cg, CG_HUGETLB)))
		stat_hugetlb(h, st);
	return 0;
}

void cgroup_stats_free(struct cgroup_stats *st)
{
	free(st->cpu.percpu);
	free(st->cpu.percpu_kernel);
	free(st->cpu.percpu_user);
	free(st->cpuset.cpus);
	free(st->cpuset.mems);
	for (size_t i = 0; i < st->memory.n_raw; i++)
		free(st->memory.raw[i].key);
	free(st->memory.raw);
	free(st->blkio.service_bytes);
	free(st->blkio.serviced);
	free(st->hugetlb);
	memset(st, 0, sizeof(*st));
}

/* ---- OOM ---- */

int cgroup_oom_watch(struct cgroup *cg, struct hull_err **err)
{
	const struct cg_hier *h = cg_hier_of(cg, CG_MEMORY);
	if (!h)
		return hull_err_set(err, ENOTSUP, "cgroup %s: no memory controller for OOM notifications", cg->path);
	if (h->v2) {
		int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (fd < 0)
			return hull_err_sys(err, "inotify_init1");
		_cleanup_free_ char *p = xasprintf("%s%s/memory.events", h->mnt, cg->path);
		if (inotify_add_watch(fd, p, IN_MODIFY) < 0) {
			hull_err_sys(err, "inotify: watch %s", p);
			close(fd);
			return -1;
		}
		cg->oom_seen = 0;
		cg_read_key(h->dfd, "memory.events", "oom_kill", &cg->oom_seen);
		return fd;
	}
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return hull_err_sys(err, "eventfd");
	_cleanup_fd_ int ofd = openat(h->dfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (ofd < 0) {
		hull_err_sys(err, "cgroup: open memory.oom_control");
		close(efd);
		return -1;
	}
	char buf[64];
	snprintf(buf, sizeof(buf), "%d %d", efd, ofd);
	if (cg_write(h->dfd, "oom notification", "cgroup.event_control", buf, err) < 0) {
		close(efd);
		return -1;
	}
	return efd;
}

int cgroup_oom_read(struct cgroup *cg, int fd, struct hull_err **err)
{
	const struct cg_hier *h = cg_hier_of(cg, CG_MEMORY);
	if (!h)
		return hull_err_set(err, ENOTSUP, "cgroup %s: no memory controller", cg->path);
	if (h->v2) {
		char buf[4096];
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		uint64_t now = 0;
		if (cg_read_key(h->dfd, "memory.events", "oom_kill", &now) < 0)
			return errno == ENOENT ? 0 : hull_err_sys(err, "cgroup: read memory.events");
		int n = now > cg->oom_seen ? (int)(now - cg->oom_seen) : 0;
		cg->oom_seen = now;
		return n;
	}
	uint64_t count = 0;
	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return (errno == EAGAIN || errno == EINTR) ? 0 : hull_err_sys(err, "oom eventfd: read");
	/* The eventfd also fires when the cgroup is removed: that is no OOM. */
	if (!cg_exists(h->dfd, "memory.oom_control") || !cgroup_exists(cg))
		return 0;
	return (int)count;
}
