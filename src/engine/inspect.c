/* inspect.c — what the kernel says about a running container: its namespaces, capabilities, seccomp mode
 * and no_new_privs (/proc/<pid>), and the limits and usage of its cgroup. For inspect, top and stats. */
#include "engine/internal.h"
#include "cgroup/cgroup.h"
#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_small(const char *path)
{
	_cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	return xstrdup(buf);
}

static json_t *cgroup_limits(const char *id)
{
	json_t *o = json_object();
	static const struct { const char *key, *ctl, *file; } files[] = {
		{ "memory.limit_in_bytes", "memory", "memory.limit_in_bytes" },
		{ "memory.memsw.limit_in_bytes", "memory", "memory.memsw.limit_in_bytes" },
		{ "cpu.cfs_quota_us", "cpu", "cpu.cfs_quota_us" },
		{ "cpu.cfs_period_us", "cpu", "cpu.cfs_period_us" },
		{ "cpu.shares", "cpu", "cpu.shares" },
		{ "cpuset.cpus", "cpuset", "cpuset.cpus" },
		{ "pids.max", "pids", "pids.max" },
		{ "memory.max", "unified", "memory.max" },
		{ "cpu.max", "unified", "cpu.max" },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char path[512];
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s" ENGINE_CGROUP_PARENT "/%s/%s", files[i].ctl, id, files[i].file);
		char *v = read_small(path);
		if (v)
			json_object_set_new(o, files[i].key, json_string(v));
		free(v);
	}
	return o;
}

json_t *engine_isolation(struct ctr *c)
{
	pid_t pid = ctr_pid(c);
	json_t *o = json_object();
	if (pid <= 0 || strcmp(ctr_status(c), "running"))
		return o;
	json_t *ns = json_object();
	static const char *const names[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char p[64], self[64], a[128] = "", b[128] = "";
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, names[i]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", names[i]);
		ssize_t n = readlink(p, a, sizeof(a) - 1);
		ssize_t m = readlink(self, b, sizeof(b) - 1);
		if (n <= 0)
			continue;
		json_object_set_new(ns, names[i], json_pack("{s:s,s:b}", "Inode", a, "Private", m <= 0 || strcmp(a, b) != 0));
	}
	json_object_set_new(o, "Namespaces", ns);
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	_cleanup_file_ FILE *f = fopen(p, "re");
	char line[256];
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
					    "Uid", "Gid", "Groups" };
	while (f && fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
			size_t k = strlen(keys[i]);
			if (!strncmp(line, keys[i], k) && line[k] == ':') {
				char *v = line + k + 1;
				while (*v == ' ' || *v == '\t')
					v++;
				v[strcspn(v, "\n")] = 0;
				json_object_set_new(o, keys[i], json_string(v));
			}
		}
	}
	const char *mode = rec_str(o, "Seccomp");
	if (mode)
		json_object_set_new(o, "SeccompMode", json_string(!strcmp(mode, "0") ? "disabled" : !strcmp(mode, "1") ? "strict" : "filter"));
	json_object_set_new(o, "Cgroup", json_sprintf(ENGINE_CGROUP_PARENT "/%s", c->id));
	json_object_set_new(o, "CgroupLimits", cgroup_limits(c->id));
	return o;
}

struct cgroup *engine_ctr_cgroup(const struct ctr *c, struct hull_err **err)
{
	_cleanup_free_ char *p = xasprintf(ENGINE_CGROUP_PARENT "/%s", c->id);
	return cgroup_open(NULL, p, false, err);
}

int engine_top(struct ctr *c, struct hull_err **err)
{
	if (strcmp(ctr_status(c), "running"))
		return hull_err_set(err, EINVAL, "container %s is not running", ctr_name(c));
	struct cgroup *cg = engine_ctr_cgroup(c, err);
	if (!cg)
		return -1;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgroup_pids(cg, &pids, &n, err);
	cgroup_free(cg);
	if (r < 0)
		return -1;
	printf("%-8s %-8s %-8s %s\n", "UID", "PID", "PPID", "CMD");
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		_cleanup_file_ FILE *f = fopen(path, "re");
		char line[256];
		long uid = -1, ppid = -1;
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "Uid:", 4))
				uid = strtol(line + 4, NULL, 10);
			else if (!strncmp(line, "PPid:", 5))
				ppid = strtol(line + 5, NULL, 10);
		}
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		_cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		char cmd[1024] = "";
		ssize_t k = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : 0;
		if (k < 0)
			k = 0;
		cmd[k] = 0;
		for (ssize_t j = 0; j + 1 < k; j++)
			if (!cmd[j])
				cmd[j] = ' ';
		printf("%-8ld %-8d %-8ld %s\n", uid, (int)pids[i], ppid, cmd);
	}
	free(pids);
	return 0;
}

/* Bytes received and sent by the interfaces of the container's network namespace (lo aside, as docker
 * counts only its networks' interfaces). */
static void net_bytes(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	*rx = *tx = 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	_cleanup_file_ FILE *f = pid > 0 ? fopen(path, "re") : NULL;
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue; /* the two header lines */
		*colon = 0;
		const char *name = line + strspn(line, " ");
		unsigned long long v[9];
		if (strcmp(name, "lo") && sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
						 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
			*rx += v[0];
			*tx += v[8];
		}
	}
}

static uint64_t mem_total(void)
{
	_cleanup_file_ FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	char line[128];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	return (uint64_t)kb * 1024;
}

static uint64_t mem_stat(const struct cgroup_stats *st, const char *key)
{
	for (size_t i = 0; i < st->memory.n_raw; i++)
		if (!strcmp(st->memory.raw[i].key, key))
			return st->memory.raw[i].value;
	return 0;
}

json_t *engine_stats(struct ctr *c, struct hull_err **err)
{
	if (strcmp(ctr_status(c), "running")) {
		hull_err_set(err, EINVAL, "container %s is not running", ctr_name(c));
		return NULL;
	}
	struct cgroup *cg = engine_ctr_cgroup(c, err);
	if (!cg)
		return NULL;
	struct cgroup_stats st;
	memset(&st, 0, sizeof(st));
	int r = cgroup_stats(cg, &st, err);
	cgroup_free(cg);
	if (r < 0)
		return NULL;
	/* docker's usage leaves out the page cache the kernel can drop at once (inactive file pages); an
	 * unlimited container's limit is the host's memory */
	uint64_t usage = st.memory.usage.usage;
	uint64_t inactive = mem_stat(&st, "total_inactive_file") ?: mem_stat(&st, "inactive_file");
	if (inactive < usage)
		usage -= inactive;
	uint64_t limit = st.memory.usage.limit, host = mem_total();
	if (!limit || (host && limit > host))
		limit = host;
	uint64_t rd = 0, wr = 0, rx, tx;
	for (size_t i = 0; i < st.blkio.n_service_bytes; i++) {
		if (!strcmp(st.blkio.service_bytes[i].op, "Read"))
			rd += st.blkio.service_bytes[i].value;
		else if (!strcmp(st.blkio.service_bytes[i].op, "Write"))
			wr += st.blkio.service_bytes[i].value;
	}
	net_bytes(ctr_pid(c), &rx, &tx);
	json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "ID", c->id, "Name", ctr_name(c),
			      "CPUTotalNs", (json_int_t)st.cpu.total, "MemUsage", (json_int_t)usage, "MemLimit",
			      (json_int_t)limit, "NetInput", (json_int_t)rx, "NetOutput", (json_int_t)tx, "BlockRead",
			      (json_int_t)rd, "BlockWrite", (json_int_t)wr, "PIDs", (json_int_t)st.pids.current);
	cgroup_stats_free(&st);
	return o;
}
