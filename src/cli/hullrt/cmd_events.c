/* cmd_events.c — `hullrt events [--stats] [--interval 5s] ID`: runc's event stream, one JSON object a line:
 * {"type":"stats","id":…,"data":{cpu,cpuset,memory,pids,blkio,hugetlb,intel_rdt,network_interfaces}} every
 * interval and {"type":"oom","id":…} when the kernel OOM-kills in the container's cgroup. --stats prints
 * one stats event and exits. Unlike runc, the stream ends (status 0) once the container has stopped. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "cgroup/cgroup.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A Go duration ("5s", "100ms", "1m30s", "1.5s", "2h") in milliseconds. */
static int parse_duration_ms(const char *s, int64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	double total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, l) == 0 && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += v * units[best].ms;
		s = end + best_len;
	}
	if (total < 1 || total > 1e12)
		return -1;
	*ms = (int64_t)total;
	return 0;
}

/* Go's omitempty on numbers: leave zero out. */
static void set_nz(json_t *o, const char *k, uint64_t v)
{
	if (v)
		json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void set_u(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *u64_array(const uint64_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *u16_array(const uint16_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static json_t *mem_entry(const struct cgroup_mem_entry *e)
{
	json_t *o = json_object();
	set_u(o, "limit", e->limit);
	set_nz(o, "usage", e->usage);
	set_nz(o, "max", e->max);
	set_u(o, "failcnt", e->failcnt);
	return o;
}

static json_t *blkio_list(const struct cgroup_blkio_entry *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_nz(e, "major", v[i].major);
		set_nz(e, "minor", v[i].minor);
		if (v[i].op[0])
			json_object_set_new(e, "op", json_string(v[i].op));
		set_nz(e, "value", v[i].value);
		json_array_append_new(a, e);
	}
	return a;
}

/* runc's types.Stats for `events`. */
static json_t *stats_json(const struct cgroup_stats *s)
{
	json_t *cpu = json_object(), *usage = json_object(), *thr = json_object();
	set_nz(usage, "total", s->cpu.total);
	if (s->cpu.n_percpu)
		json_object_set_new(usage, "percpu", u64_array(s->cpu.percpu, s->cpu.n_percpu));
	if (s->cpu.n_percpu_kernel)
		json_object_set_new(usage, "percpu_kernel", u64_array(s->cpu.percpu_kernel, s->cpu.n_percpu_kernel));
	if (s->cpu.n_percpu_user)
		json_object_set_new(usage, "percpu_user", u64_array(s->cpu.percpu_user, s->cpu.n_percpu_user));
	set_u(usage, "kernel", s->cpu.kernel);
	set_u(usage, "user", s->cpu.user);
	set_nz(thr, "periods", s->cpu.periods);
	set_nz(thr, "throttledPeriods", s->cpu.throttled_periods);
	set_nz(thr, "throttledTime", s->cpu.throttled_time);
	json_object_set_new(cpu, "usage", usage);
	json_object_set_new(cpu, "throttling", thr);

	json_t *cpuset = json_object();
	if (s->cpuset.n_cpus)
		json_object_set_new(cpuset, "cpus", u16_array(s->cpuset.cpus, s->cpuset.n_cpus));
	set_u(cpuset, "cpu_exclusive", s->cpuset.cpu_exclusive);
	if (s->cpuset.n_mems)
		json_object_set_new(cpuset, "mems", u16_array(s->cpuset.mems, s->cpuset.n_mems));
	set_u(cpuset, "mem_hardwall", s->cpuset.mem_hardwall);
	set_u(cpuset, "mem_exclusive", s->cpuset.mem_exclusive);
	set_u(cpuset, "memory_migrate", s->cpuset.memory_migrate);
	set_u(cpuset, "memory_spread_page", s->cpuset.memory_spread_page);
	set_u(cpuset, "memory_spread_slab", s->cpuset.memory_spread_slab);
	set_u(cpuset, "memory_pressure", s->cpuset.memory_pressure);
	set_u(cpuset, "sched_load_balance", s->cpuset.sched_load_balance);
	json_object_set_new(cpuset, "sched_relax_domain_level", json_integer(s->cpuset.sched_relax_domain_level));

	json_t *mem = json_object();
	set_nz(mem, "cache", s->memory.cache);
	json_object_set_new(mem, "usage", mem_entry(&s->memory.usage));
	json_object_set_new(mem, "swap", mem_entry(&s->memory.swap));
	json_object_set_new(mem, "kernel", mem_entry(&s->memory.kernel));
	json_object_set_new(mem, "kernelTCP", mem_entry(&s->memory.kernel_tcp));
	if (s->memory.n_raw) {
		json_t *raw = json_object();
		for (size_t i = 0; i < s->memory.n_raw; i++)
			set_u(raw, s->memory.raw[i].key, s->memory.raw[i].value);
		json_object_set_new(mem, "raw", raw);
	}

	json_t *pids = json_object();
	set_nz(pids, "current", s->pids.current);
	set_nz(pids, "limit", s->pids.limit);

	json_t *blkio = json_object();
	if (s->blkio.n_service_bytes)
		json_object_set_new(blkio, "ioServiceBytesRecursive", blkio_list(s->blkio.service_bytes, s->blkio.n_service_bytes));
	if (s->blkio.n_serviced)
		json_object_set_new(blkio, "ioServicedRecursive", blkio_list(s->blkio.serviced, s->blkio.n_serviced));

	json_t *huge = json_object();
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		json_t *h = json_object();
		set_nz(h, "usage", s->hugetlb[i].usage);
		set_nz(h, "max", s->hugetlb[i].max);
		set_u(h, "failcnt", s->hugetlb[i].failcnt);
		json_object_set_new(huge, s->hugetlb[i].page_size, h);
	}

	json_t *data = json_object();
	json_object_set_new(data, "cpu", cpu);
	json_object_set_new(data, "cpuset", cpuset);
	json_object_set_new(data, "memory", mem);
	json_object_set_new(data, "pids", pids);
	json_object_set_new(data, "blkio", blkio);
	json_object_set_new(data, "hugetlb", huge);
	json_object_set_new(data, "intel_rdt", json_object());
	json_object_set_new(data, "network_interfaces", json_null());
	return data;
}

static void emit(const char *type, const char *id, json_t *data)
{
	json_t *ev = json_object();
	json_object_set_new(ev, "type", json_string(type));
	json_object_set_new(ev, "id", json_string(id));
	if (data)
		json_object_set_new(ev, "data", data);
	char *s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	printf("%s\n", s);
	fflush(stdout);
	free(s);
}

static int emit_stats(struct cgroup *cg, const char *id, struct hull_err **err)
{
	struct cgroup_stats st;
	if (cgroup_stats(cg, &st, err) < 0)
		return -1;
	emit("stats", id, stats_json(&st));
	cgroup_stats_free(&st);
	return 0;
}

static bool stopped(const char *root, const char *id)
{
	struct hull_err *e = NULL;
	_cleanup_container_ struct container *c = container_open(root, id, false, &e);
	hull_err_free(e);
	return !c || container_status(c) == STATUS_STOPPED;
}

int cmd_events(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "stats", no_argument, 0, 's' }, { "interval", required_argument, 0, 'i' },
					      { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	bool once = false;
	int64_t interval = 5000;
	struct hull_err *err = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's': once = true; break;
		case 'i':
			if (parse_duration_ms(optarg, &interval) < 0) {
				rt_err(&err, EINVAL, "invalid value \"%s\" for flag -interval: parse error", optarg);
				return cli_fail(g, err);
			}
			break;
		case 'h':
			printf("Usage: hullrt events [--stats] [--interval 5s] <container-id>\n");
			return 0;
		default: return 1;
		}
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	const char *id = argv[optind];
	_cleanup_container_ struct container *ct = container_open(g->root, id, false, &err);
	if (!ct)
		return cli_fail(g, err);
	if (container_status(ct) == STATUS_STOPPED) {
		rt_err(&err, EINVAL, "container with id %s is not running", id);
		return cli_fail(g, err);
	}
	if (!ct->st.cgroup_path) {
		rt_err(&err, ENOENT, "container %s has no cgroup", id);
		return cli_fail(g, err);
	}
	struct cgroup *cg = cgroup_open(NULL, ct->st.cgroup_path, false, &err);
	if (!cg)
		return cli_fail(g, err);
	if (once) {
		int r = emit_stats(cg, id, &err);
		cgroup_free(cg);
		return r < 0 ? cli_fail(g, err) : 0;
	}
	struct hull_err *oerr = NULL;
	_cleanup_fd_ int oom = cgroup_oom_watch(cg, &oerr);
	if (oom < 0) {
		log_warn("events %s: no OOM notifications: %s", id, oerr->msg);
		hull_err_free(oerr);
	}
	uint64_t next = hull_now_ns() + (uint64_t)interval * 1000000;
	for (;;) {
		uint64_t now = hull_now_ns();
		int wait_ms = now >= next ? 0 : (int)((next - now) / 1000000);
		/* Wake at least every 200 ms to notice the container stopping. */
		struct pollfd p = { .fd = oom, .events = POLLIN };
		int n = poll(&p, oom >= 0 ? 1 : 0, wait_ms < 200 ? wait_ms : 200);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			struct hull_err *e = NULL;
			int k = cgroup_oom_read(cg, oom, &e);
			if (k < 0) {
				log_warn("events %s: %s", id, e->msg);
				hull_err_free(e);
			}
			for (int i = 0; i < k; i++)
				emit("oom", id, NULL);
		}
		if (hull_now_ns() >= next) {
			struct hull_err *e = NULL;
			if (emit_stats(cg, id, &e) < 0) {
				log_error("events %s: %s", id, e->msg); /* as runc: logged, the stream goes on */
				hull_err_free(e);
			}
			next += (uint64_t)interval * 1000000;
		}
		if (stopped(g->root, id))
			break;
	}
	cgroup_free(cg);
	return 0;
}
