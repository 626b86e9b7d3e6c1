/* process.c — see process.h: procfs access, rlimits, user switch, scheduling and the other per-process
 * attributes. The PATH lookup and the environment are in process_exec.c. */
#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define PROC_ROOT_INO 1

/* ---- procfs ---- */

static int openat2_beneath(int dirfd, const char *path, int flags, struct hull_err **err)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		/* BENEATH: no "..", no absolute symlink out; NO_XDEV: a bind mount planted over a /proc file
		 * (CVE-2019-19921) is refused instead of followed; NO_MAGICLINKS: no /proc/self/fd/N trick. */
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0)
		return hull_err_sys(err, "openat2 %s", path);
	return fd;
}

static int check_procfs(int fd, const char *what, struct hull_err **err)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return hull_err_sys(err, "fstatfs %s", what);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return hull_err_set(err, EXDEV, "%s is not procfs (f_type 0x%lx)", what, (unsigned long)sfs.f_type);
	return 0;
}

int proc_open_verified_at(const char *proc_dir, const char *rel_path, int flags, struct hull_err **err)
{
	if (!proc_dir)
		proc_dir = "/proc";
	_cleanup_fd_ int dfd = open(proc_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", proc_dir);
	if (check_procfs(dfd, proc_dir, err) < 0)
		return -1;
	/* The root of a procfs mount, not a bind mount of some /proc/<pid> over /proc. */
	struct stat st;
	if (fstat(dfd, &st) < 0)
		return hull_err_sys(err, "fstat %s", proc_dir);
	if (st.st_ino != PROC_ROOT_INO)
		return hull_err_set(err, EXDEV, "%s is not the root of a procfs mount (inode %llu)", proc_dir,
				    (unsigned long long)st.st_ino);
	_cleanup_fd_ int fd = openat2_beneath(dfd, rel_path, flags, err);
	if (fd < 0)
		return hull_err_wrap(err, "%s", proc_dir);
	_cleanup_free_ char *full = xasprintf("%s/%s", proc_dir, rel_path);
	if (check_procfs(fd, full, err) < 0)
		return -1;
	return steal_fd(&fd);
}

int proc_open_verified(const char *rel_path, int flags, struct hull_err **err)
{
	return proc_open_verified_at(NULL, rel_path, flags, err);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- rlimits ---- */

static void fmt_rlim(char *buf, size_t len, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

int process_set_rlimits(const struct spec_process *p, struct hull_err **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];
		uint64_t t = trace_begin();
		struct rlimit want = { .rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard };
		char name[32];
		if (r->name)
			snprintf(name, sizeof(name), "%s", r->name);
		else
			snprintf(name, sizeof(name), "rlimit %d", r->type);
		char soft[24], hard[24];
		fmt_rlim(soft, sizeof(soft), want.rlim_cur);
		fmt_rlim(hard, sizeof(hard), want.rlim_max);
		if (setrlimit((__rlimit_resource_t)r->type, &want) == 0) {
			trace_end(t, "setrlimit %s soft %s hard %s", name, soft, hard);
			continue;
		}
		int e = errno;
		struct rlimit cur;
		if (e == EPERM && getrlimit((__rlimit_resource_t)r->type, &cur) == 0 && want.rlim_max > cur.rlim_max) {
			char curhard[24];
			fmt_rlim(curhard, sizeof(curhard), cur.rlim_max);
			bool in_bounding = prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 1;
			return hull_err_set(err, e,
					    "setrlimit %s (soft %s, hard %s): raising the hard limit above %s needs "
					    "CAP_SYS_RESOURCE%s",
					    name, soft, hard, curhard,
					    in_bounding ? "" : ", which is not in this process's bounding set");
		}
		return hull_err_set(err, e, "setrlimit %s (soft %s, hard %s)", name, soft, hard);
	}
	return 0;
}

/* ---- user ---- */

/* "deny" in /proc/self/setgroups: an unprivileged user namespace where setgroups(2) is forbidden. */
static bool setgroups_denied(void)
{
	_cleanup_fd_ int fd = proc_open_verified("self/setgroups", O_RDONLY, NULL);
	if (fd < 0)
		return false;
	char buf[16] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

/* Give stdio to the user about to be switched to, as runc does: a non-root process must be able to use
 * its console and to reopen /dev/stdout (/proc/self/fd/1) when it is a pipe. Only the owner changes;
 * /dev/null and fds already owned are left alone; an owner or uid not mapped in the user namespace
 * (EPERM, EINVAL) or a read-only /dev (EROFS) leaves the fd untouched rather than failing. */
static int give_stdio_to(uid_t uid, struct hull_err **err)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return hull_err_sys(err, "fstat stdio fd %d", fd);
		}
		bool dev_null = S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
		if (st.st_uid == uid || dev_null)
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL && errno != EROFS)
			return hull_err_sys(err, "chown stdio fd %d to uid %u", fd, (unsigned)uid);
	}
	return 0;
}

int process_switch_user(const struct spec_user *u, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (give_stdio_to(u->uid, err) < 0)
		return -1;
	if (setgroups_denied()) {
		if (u->n_additional_gids > 0)
			return hull_err_set(err, EPERM,
					    "process.user.additionalGids: setgroups is denied in this user namespace");
	} else if (setgroups(u->n_additional_gids, u->additional_gids) < 0) {
		/* Always called, even with no gid: the runtime's own supplementary groups must not leak. */
		return hull_err_sys(err, "setgroups (%zu additionalGids)", u->n_additional_gids);
	}
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return hull_err_sys(err, "setresgid %u", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return hull_err_sys(err, "setresuid %u", (unsigned)u->uid);
	mode_t mask = u->has_umask ? u->umask : 0022;
	umask(mask & 0777);
	trace_end(t, "switch user uid %u gid %u, %zu groups, umask %04o", (unsigned)u->uid, (unsigned)u->gid,
		  u->n_additional_gids, (unsigned)mask);
	return 0;
}

/* ---- oom_score_adj ---- */

int process_set_oom_score_adj(int score, struct hull_err **err)
{
	uint64_t t = trace_begin();
	_cleanup_fd_ int fd = proc_open_verified("self/oom_score_adj", O_WRONLY | O_TRUNC, err);
	if (fd < 0)
		return hull_err_wrap(err, "oomScoreAdj");
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", score);
	if (write_all(fd, buf, (size_t)n) < 0) {
		/* The kernel refuses going below the lowest value set so far without CAP_SYS_RESOURCE. */
		if (errno == EACCES && prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) != 1)
			return hull_err_sys(err, "oomScoreAdj: write %d to /proc/self/oom_score_adj (lowering it needs "
						 "CAP_SYS_RESOURCE, which is not in this process's bounding set)", score);
		return hull_err_sys(err, "oomScoreAdj: write %d to /proc/self/oom_score_adj", score);
	}
	trace_end(t, "oom_score_adj %d", score);
	return 0;
}

/* ---- personality ---- */

int process_set_personality(const struct spec_personality *p, struct hull_err **err)
{
	unsigned long persona;
	if (!p->domain || strcmp(p->domain, "LINUX") == 0)
		persona = PER_LINUX;
	else if (strcmp(p->domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	else
		return hull_err_set(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"", p->domain);
	/* The runtime spec defines no flag yet; refusing beats silently ignoring a request. */
	if (p->n_flags > 0)
		return hull_err_set(err, EINVAL, "linux.personality.flags[0]: unsupported flag \"%s\"", p->flags[0]);
	uint64_t t = trace_begin();
	if (personality(persona) < 0)
		return hull_err_sys(err, "personality %s", p->domain ? p->domain : "LINUX");
	trace_end(t, "personality %s", p->domain ? p->domain : "LINUX");
	return 0;
}

/* ---- scheduler ---- */

/* glibc 2.36 has no sched_setattr wrapper; the kernel ABI (include/uapi/linux/sched/types.h, VER1). */
struct hull_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

int process_set_scheduler(const struct spec_scheduler *s, struct hull_err **err)
{
	struct hull_sched_attr a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)s->policy_num,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};
	uint64_t t = trace_begin();
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return hull_err_sys(err, "process.scheduler: sched_setattr policy %s (nice %d, priority %d, flags 0x%" PRIx64 ")",
				    s->policy ? s->policy : "?", s->nice, s->priority, s->flags);
	trace_end(t, "sched_setattr %s nice %d priority %d", s->policy ? s->policy : "?", s->nice, s->priority);
	return 0;
}

/* ---- I/O priority ---- */

#define HULL_IOPRIO_WHO_PROCESS 1
#define HULL_IOPRIO_CLASS_SHIFT 13

int process_set_io_priority(const struct spec_io_priority *p, struct hull_err **err)
{
	if (p->class < 0 || p->class > 3 || p->priority < 0 || p->priority > 7)
		return hull_err_set(err, EINVAL, "process.ioPriority: class %d priority %d out of range", p->class,
				    p->priority);
	int value = (p->class << HULL_IOPRIO_CLASS_SHIFT) | p->priority;
	uint64_t t = trace_begin();
	if (syscall(SYS_ioprio_set, HULL_IOPRIO_WHO_PROCESS, 0, value) < 0)
		return hull_err_sys(err, "process.ioPriority: ioprio_set class %d priority %d", p->class, p->priority);
	trace_end(t, "ioprio_set class %d priority %d", p->class, p->priority);
	return 0;
}

/* ---- CPU affinity ---- */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return s;
}

static int parse_cpu(const char **sp, unsigned long *out)
{
	const char *s = skip_ws(*sp);
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || v >= CPU_SETSIZE)
		return -1;
	*out = v;
	*sp = skip_ws(end);
	return 0;
}

int process_parse_cpu_list(const char *list, cpu_set_t *set, struct hull_err **err)
{
	CPU_ZERO(set);
	const char *s = skip_ws(list);
	if (!*s)
		return hull_err_set(err, EINVAL, "cpu list \"%s\": empty", list);
	for (;;) {
		unsigned long lo, hi;
		if (parse_cpu(&s, &lo) < 0)
			return hull_err_set(err, EINVAL, "cpu list \"%s\": invalid at \"%s\"", list, s);
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_cpu(&s, &hi) < 0 || hi < lo)
				return hull_err_set(err, EINVAL, "cpu list \"%s\": invalid range", list);
		}
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (!*s)
			return 0;
		if (*s != ',')
			return hull_err_set(err, EINVAL, "cpu list \"%s\": invalid at \"%s\"", list, s);
		s++;
	}
}

int process_set_exec_cpu_affinity(pid_t pid, const char *cpus, struct hull_err **err)
{
	if (!cpus || !*skip_ws(cpus))
		return 0;
	cpu_set_t set;
	if (process_parse_cpu_list(cpus, &set, err) < 0)
		return hull_err_wrap(err, "process.execCPUAffinity");
	uint64_t t = trace_begin();
	if (sched_setaffinity(pid, sizeof(set), &set) < 0)
		return hull_err_sys(err, "process.execCPUAffinity: sched_setaffinity %s", cpus);
	trace_end(t, "sched_setaffinity pid %d cpus %s", (int)pid, cpus);
	return 0;
}

/* ---- memory policy (runtime-spec 1.3 linux.memoryPolicy) ---- */

#define HULL_MPOL_DEFAULT 0
#define HULL_MPOL_LOCAL 4

int process_set_memory_policy(const struct spec_memory_policy *mp, struct hull_err **err)
{
	/* A node list parses like a CPU list; cpu_set_t is a bitmask of unsigned longs, as set_mempolicy's
	 * nodemask is. */
	cpu_set_t nodes;
	CPU_ZERO(&nodes);
	bool has_nodes = mp->nodes && *skip_ws(mp->nodes);
	if (has_nodes && process_parse_cpu_list(mp->nodes, &nodes, err) < 0)
		return hull_err_wrap(err, "linux.memoryPolicy.nodes");
	if (has_nodes && (mp->mode_num == HULL_MPOL_DEFAULT || mp->mode_num == HULL_MPOL_LOCAL))
		return hull_err_set(err, EINVAL, "linux.memoryPolicy: mode %s takes no nodes (got \"%s\")",
				    mp->mode ? mp->mode : "?", mp->nodes);
	uint64_t t = trace_begin();
	if (syscall(SYS_set_mempolicy, mp->mode_num | (int)mp->flags, has_nodes ? (unsigned long *)&nodes : NULL,
		    has_nodes ? (unsigned long)CPU_SETSIZE : 0UL) < 0)
		return hull_err_sys(err, "linux.memoryPolicy: set_mempolicy %s nodes \"%s\" flags 0x%x",
				    mp->mode ? mp->mode : "?", mp->nodes ? mp->nodes : "", mp->flags);
	trace_end(t, "set_mempolicy %s nodes %s", mp->mode ? mp->mode : "?", mp->nodes ? mp->nodes : "-");
	return 0;
}

/* ---- sysctl ---- */

char *process_sysctl_path(const char *key, struct hull_err **err)
{
	if (!key || !*key) {
		hull_err_set(err, EINVAL, "linux.sysctl: empty key");
		return NULL;
	}
	char *path = xasprintf("sys/%s", key);
	for (char *c = path + 4; *c; c++)
		if (*c == '.')
			*c = '/';
	/* Components must be plain names: "a..b" → "a//b" (empty) and "/x" or "x/" are refused too. */
	const char *comp = path + 4;
	for (;;) {
		const char *slash = strchr(comp, '/');
		size_t len = slash ? (size_t)(slash - comp) : strlen(comp);
		if (len == 0 || (len == 2 && comp[0] == '.' && comp[1] == '.')) {
			free(path);
			hull_err_set(err, EINVAL, "linux.sysctl: invalid key \"%s\"", key);
			return NULL;
		}
		if (!slash)
			break;
		comp = slash + 1;
	}
	return path;
}

int process_apply_sysctl(const struct spec_kv *kv, size_t n, struct hull_err **err)
{
	if (n == 0)
		return 0;
	_cleanup_fd_ int sysfd = proc_open_verified("sys", O_PATH | O_DIRECTORY, err);
	if (sysfd < 0)
		return hull_err_wrap(err, "linux.sysctl");
	for (size_t i = 0; i < n; i++) {
		uint64_t t = trace_begin();
		_cleanup_free_ char *path = process_sysctl_path(kv[i].key, err);
		if (!path)
			return -1;
		/* Resolved beneath /proc/sys itself, so no key reaches another /proc file. */
		_cleanup_fd_ int fd = openat2_beneath(sysfd, path + 4, O_WRONLY | O_TRUNC, err);
		if (fd < 0)
			return hull_err_wrap(err, "linux.sysctl: %s: /proc/sys", kv[i].key);
		if (check_procfs(fd, path, err) < 0)
			return hull_err_wrap(err, "linux.sysctl: %s", kv[i].key);
		const char *v = kv[i].value ? kv[i].value : "";
		if (write_all(fd, v, strlen(v)) < 0)
			return hull_err_sys(err, "linux.sysctl: write %s = \"%s\"", kv[i].key, v);
		trace_end(t, "sysctl %s = %s", kv[i].key, v);
	}
	return 0;
}

/* ---- hostname ---- */

int process_set_hostname(const char *host, const char *domain, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (host && *host && sethostname(host, strlen(host)) < 0)
		return hull_err_sys(err, "sethostname \"%s\"", host);
	if (domain && *domain && setdomainname(domain, strlen(domain)) < 0)
		return hull_err_sys(err, "setdomainname \"%s\"", domain);
	trace_end(t, "hostname %s domainname %s", host ? host : "-", domain ? domain : "-");
	return 0;
}

int process_loopback_up(struct hull_err **err)
{
	uint64_t t = trace_begin();
	_cleanup_fd_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return hull_err_sys(err, "loopback up: socket");
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return hull_err_sys(err, "loopback up: SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return hull_err_sys(err, "loopback up: SIOCSIFFLAGS lo");
	trace_end(t, "loopback up");
	return 0;
}

/* ---- session keyring ---- */

#define KEY_USR_SEARCH_BIT 0x00080000u /* KEY_USR_SEARCH */
#define KEY_OTH_SEARCH_BIT 0x00000008u /* KEY_OTH_SEARCH */

int process_join_session_keyring(const char *id, bool set_perms, bool in_userns, struct hull_err **err)
{
	uint64_t t = trace_begin();
	_cleanup_free_ char *name = id ? xasprintf("_ses.%s", id) : xstrdup("_ses");
	long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (key < 0) {
		/* Keyrings only add marginal isolation: a kernel without them is not worth failing for. */
		if (errno == ENOSYS) {
			log_warn("keyctl join session keyring %s: %s (ignored)", name, strerror(errno));
			return 0;
		}
		return hull_err_sys(err, "keyctl join session keyring %s", name);
	}
	if (set_perms) {
		/* KEYCTL_DESCRIBE: "type;uid;gid;perm(hex);description". */
		/* The kernel copies nothing into a buffer too small: ask for the size first. */
		long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, NULL, 0, 0);
		if (n <= 0)
			return hull_err_sys(err, "keyctl describe session keyring %s", name);
		_cleanup_free_ char *desc = xcalloc((size_t)n + 1, 1);
		if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, (size_t)n, 0) < 0)
			return hull_err_sys(err, "keyctl describe session keyring %s", name);
		char *p = desc;
		for (int field = 0; field < 3 && p; field++) {
			p = strchr(p, ';');
			if (p)
				p++;
		}
		if (!p)
			return hull_err_set(err, EINVAL, "keyctl describe session keyring %s: unexpected \"%s\"", name, desc);
		uint32_t perm = (uint32_t)strtoul(p, NULL, 16);
		perm |= in_userns ? KEY_OTH_SEARCH_BIT : KEY_USR_SEARCH_BIT;
		if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm, 0, 0) < 0)
			return hull_err_sys(err, "keyctl setperm session keyring %s 0x%08x", name, perm);
	}
	trace_end(t, "join session keyring %s", name);
	return 0;
}

/* ---- fds ---- */

/* Walk /proc/self/fd: for kernels or seccomp profiles without close_range. */
int process_close_fds_procfs(int keep_up_to, bool cloexec, struct hull_err **err)
{
	int dfd = proc_open_verified("self/fd", O_RDONLY | O_DIRECTORY, err);
	if (dfd < 0)
		return -1;
	_cleanup_dir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hull_err_sys(err, "opendir /proc/self/fd");
	}
	struct dirent *de;
	/* Closing while reading the same directory is fine for procfs: entries are generated per getdents. */
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd <= keep_up_to || fd == dirfd(d))
			continue;
		if (cloexec)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		else
			close((int)fd);
	}
	return 0;
}

static int close_from(int keep_up_to, bool cloexec, struct hull_err **err)
{
	if (keep_up_to < -1)
		keep_up_to = -1;
	uint64_t t = trace_begin();
	/* The trace fd itself is about to go: report the step first, and stop tracing so that a later
	 * trace line cannot land in a file that reuses the number. */
	bool closes_trace = !cloexec && hull_trace_fd > keep_up_to;
	if (closes_trace) {
		trace_end(t, "close fds above %d (tracing stops here)", keep_up_to);
		hull_trace_fd = -1;
	}
	if (syscall(SYS_close_range, (unsigned)(keep_up_to + 1), ~0U, cloexec ? CLOSE_RANGE_CLOEXEC : 0) < 0) {
		if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
			return hull_err_sys(err, "close_range %d..", keep_up_to + 1);
		if (process_close_fds_procfs(keep_up_to, cloexec, err) < 0)
			return hull_err_wrap(err, "close fds above %d", keep_up_to);
	}
	if (!closes_trace)
		trace_end(t, "%s fds above %d", cloexec ? "cloexec" : "close", keep_up_to);
	return 0;
}

int process_close_fds(int keep_up_to, struct hull_err **err)
{
	return close_from(keep_up_to, false, err);
}

int process_cloexec_fds(int keep_up_to, struct hull_err **err)
{
	return close_from(keep_up_to, true, err);
}
