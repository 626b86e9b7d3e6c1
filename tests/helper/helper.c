/* helper.c — hull-helper: runs inside test containers and reports what it sees as one JSON object.
 *
 * Tests assert on these facts rather than on busybox output. It is static and dependency-free so it
 * runs in any rootfs. It owns nothing on the host; it must never loop forever or fork without bound
 * (the fork bomb stops at a fixed ceiling and reaps its children).
 *
 *   hull-helper facts                 everything below, one JSON object
 *   hull-helper sleep SECONDS         sleep (fractions allowed), then exit 0
 *   hull-helper exit N                exit with status N
 *   hull-helper write PATH DATA       write DATA to PATH (O_CREAT|O_TRUNC); report errno
 *   hull-helper read PATH             print {"data": ...} or the errno
 *   hull-helper stat PATH             lstat PATH: type, mode, uid, gid, size, rdev major/minor
 *   hull-helper kill-self SIG         raise signal SIG (number or name) with its default action
 *   hull-helper alloc MB              allocate and touch MB megabytes, printing progress
 *   hull-helper forkbomb [MAX]        fork until it fails (at most MAX, default 4096); report count and errno
 *   hull-helper syscall NAME          call NAME with harmless (mostly zero) arguments; report ret and errno
 *   hull-helper wait-signal [SECS]    print the first signal received (catchable ones), exit 0
 *   hull-helper print-ready SECS      print {"ready":true} on stdout, flush, then sleep SECS
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- a tiny JSON emitter: one nesting stack of "first element" flags ---- */

static bool first[64];
static int depth;

static void sep(void)
{
	if (depth > 0) {
		if (!first[depth])
			putchar(',');
		first[depth] = false;
	}
}

static void jstr_raw(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			/* Bytes >= 0x80 are passed as \u00XX so any input stays valid JSON. */
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* After k() the next value takes no separator; elsewhere (arrays) sep() places the commas. */
static bool after_key;

static void open_(char c)
{
	if (!after_key)
		sep();
	after_key = false;
	putchar(c);
	depth++;
	first[depth] = true;
}

static void close_(char c)
{
	putchar(c);
	depth--;
	if (depth > 0)
		first[depth] = false;
}

static void obj(void) { open_('{'); }
static void endobj(void) { close_('}'); }
static void arr(void) { open_('['); }
static void endarr(void) { close_(']'); }

static void k(const char *name)
{
	sep();
	jstr_raw(name);
	putchar(':');
	after_key = true;
}

static void vstr(const char *s)
{
	if (!after_key)
		sep();
	after_key = false;
	if (s)
		jstr_raw(s);
	else
		fputs("null", stdout);
}

static void vint(long long v)
{
	if (!after_key)
		sep();
	after_key = false;
	printf("%lld", v);
}

static void vbool(bool b)
{
	if (!after_key)
		sep();
	after_key = false;
	fputs(b ? "true" : "false", stdout);
}

static void vraw(const char *s)
{
	if (!after_key)
		sep();
	after_key = false;
	fputs(s, stdout);
}

static void kstr(const char *name, const char *s) { k(name); vstr(s); }
static void kint(const char *name, long long v) { k(name); vint(v); }
static void kbool(const char *name, bool b) { k(name); vbool(b); }

static void kerrno(int e)
{
	kint("errno", e);
	kstr("error", strerror(e));
}

static void done(void)
{
	putchar('\n');
	fflush(stdout);
}

/* Close the current object as a failure: {..., "<flag>": false, "errno": e, "error": "..."}; exit code 1. */
static int end_failed(const char *flag, int e)
{
	kbool(flag, false);
	kerrno(e);
	endobj();
	done();
	return 1;
}

/* ---- small readers ---- */

static char *read_file(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* ---- facts ---- */

static void facts_ids(void)
{
	kint("pid", getpid());
	kint("ppid", getppid());
	kint("uid", getuid());
	kint("gid", getgid());
	kint("euid", geteuid());
	kint("egid", getegid());
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	k("groups");
	arr();
	for (int i = 0; i < n; i++)
		vint(groups[i]);
	endarr();
	mode_t m = umask(0);
	umask(m);
	kint("umask", m);
	char cwd[PATH_MAX];
	kstr("cwd", getcwd(cwd, sizeof cwd) ? cwd : NULL);
	struct utsname u;
	if (uname(&u) == 0) {
		kstr("hostname", u.nodename);
		kstr("domainname", u.domainname);
	}
}

static void facts_ns(void)
{
	static const char *names[] = { "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
				       "time_for_children", "user", "uts" };
	k("ns");
	obj();
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char path[64], target[128];
		snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		/* "pid:[4026531836]" -> 4026531836 */
		char *lb = strchr(target, '[');
		kint(names[i], lb ? strtoll(lb + 1, NULL, 10) : -1);
	}
	endobj();
}

/* Lines of /proc/self/status that tests care about, as strings (caps are hex masks). */
static void facts_status(void)
{
	static const char *want[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
				      "Seccomp_filters", "NSpid", "Umask" };
	char *s = read_file("/proc/self/status", NULL);
	k("status");
	obj();
	for (char *line = s ? strtok(s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
			if (strcmp(line, want[i]) == 0) {
				char *v = colon + 1;
				while (*v == ' ' || *v == '\t')
					v++;
				kstr(line, v);
			}
		}
	}
	endobj();
	free(s);
	kint("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	kint("dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
}

static void facts_fds(void)
{
	k("fds");
	obj();
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int self = dirfd(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (atoi(e->d_name) == self)
				continue;
			char path[300], target[PATH_MAX];
			snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
			ssize_t n = readlink(path, target, sizeof target - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			kstr(e->d_name, target);
		}
		closedir(d);
	}
	endobj();
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static void facts_rlimits(void)
{
	/* Each limit as [soft, hard]; -1 means unlimited. */
	k("rlimits");
	obj();
	for (size_t i = 0; i < sizeof rlimits / sizeof *rlimits; i++) {
		struct rlimit rl;
		if (getrlimit(rlimits[i].res, &rl) < 0)
			continue;
		k(rlimits[i].name);
		arr();
		vint(rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur);
		vint(rl.rlim_max == RLIM_INFINITY ? -1 : (long long)rl.rlim_max);
		endarr();
	}
	endobj();
}

/* mountinfo: "36 35 98:0 /root /mnt opts - fstype source superopts" */
static void facts_mounts(void)
{
	char *s = read_file("/proc/self/mountinfo", NULL);
	k("mounts");
	arr();
	char *save = NULL;
	for (char *line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *f[16];
		int nf = 0;
		char *save2 = NULL;
		for (char *t = strtok_r(line, " ", &save2); t && nf < 16; t = strtok_r(NULL, " ", &save2))
			f[nf++] = t;
		int dash = -1;
		for (int i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				dash = i;
				break;
			}
		if (dash < 0 || dash + 3 >= nf + 1)
			continue;
		obj();
		kint("id", atoi(f[0]));
		kint("parent", atoi(f[1]));
		kstr("root", f[3]);
		kstr("target", f[4]);
		kstr("options", f[5]);
		kstr("fstype", dash + 1 < nf ? f[dash + 1] : "");
		kstr("source", dash + 2 < nf ? f[dash + 2] : "");
		kstr("super_options", dash + 3 < nf ? f[dash + 3] : "");
		k("optional");
		arr();
		for (int i = 6; i < dash; i++)
			vstr(f[i]);
		endarr();
		endobj();
	}
	endarr();
	free(s);
}

static void facts_env(void)
{
	k("env");
	obj();
	for (char **e = environ; *e; e++) {
		char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char name[256];
		size_t n = (size_t)(eq - *e) < sizeof name - 1 ? (size_t)(eq - *e) : sizeof name - 1;
		memcpy(name, *e, n);
		name[n] = '\0';
		kstr(name, eq + 1);
	}
	endobj();
}

static void facts_cgroup(void)
{
	char *s = read_file("/proc/self/cgroup", NULL);
	/* "4:memory:/hulltest/x" -> {"memory": "/hulltest/x"}; the v2 line "0::/p" becomes "" key. */
	k("cgroup");
	obj();
	for (char *line = s ? strtok(s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		kstr(c1 + 1, c2 + 1);
	}
	endobj();
	free(s);
}

static void facts_misc(void)
{
	char *s = read_file("/proc/self/oom_score_adj", NULL);
	if (s) {
		kint("oom_score_adj", atoi(s));
		free(s);
	}
	kint("personality", personality(0xffffffff));
	int pol = sched_getscheduler(0);
	struct sched_param sp = { 0 };
	sched_getparam(0, &sp);
	k("scheduler");
	obj();
	kint("policy", pol & ~SCHED_RESET_ON_FORK);
	kbool("reset_on_fork", (pol & SCHED_RESET_ON_FORK) != 0);
	kint("priority", sp.sched_priority);
	errno = 0;
	kint("nice", getpriority(PRIO_PROCESS, 0));
	endobj();
#ifndef SYS_ioprio_get
#define SYS_ioprio_get 252
#endif
	/* IOPRIO_WHO_PROCESS = 1; value = class << 13 | data */
	long io = syscall(SYS_ioprio_get, 1, 0);
	k("ioprio");
	obj();
	kint("class", io < 0 ? -1 : io >> 13);
	kint("priority", io < 0 ? -1 : io & 0x1fff);
	endobj();
	struct timespec mono, boot;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	k("time");
	obj();
	char buf[64];
	snprintf(buf, sizeof buf, "%lld.%09ld", (long long)mono.tv_sec, mono.tv_nsec);
	k("monotonic");
	vraw(buf);
	snprintf(buf, sizeof buf, "%lld.%09ld", (long long)boot.tv_sec, boot.tv_nsec);
	k("boottime");
	vraw(buf);
	endobj();
	k("tty");
	obj();
	for (int fd = 0; fd < 3; fd++) {
		char name[8];
		snprintf(name, sizeof name, "%d", fd);
		k(name);
		obj();
		bool t = isatty(fd);
		kbool("isatty", t);
		if (t) {
			char *tn = ttyname(fd);
			kstr("name", tn);
			struct winsize ws;
			if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
				kint("rows", ws.ws_row);
				kint("cols", ws.ws_col);
			}
			kint("pgrp", tcgetpgrp(fd));
		}
		endobj();
	}
	endobj();
	kint("sid", getsid(0));
	kint("pgid", getpgid(0));
	/* Signals blocked or ignored at entry leak from the runtime if it forgets to reset them. */
	char *st = read_file("/proc/self/status", NULL);
	for (char *line = st ? strtok(st, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0) {
			char name[8];
			snprintf(name, sizeof name, "%.6s", line);
			char *v = line + 7;
			while (*v == '\t' || *v == ' ')
				v++;
			kstr(strcmp(name, "SigBlk") == 0 ? "sig_blocked" : "sig_ignored", v);
		}
	}
	free(st);
}

static int cmd_facts(void)
{
	obj();
	facts_ids();
	facts_ns();
	facts_status();
	facts_fds();
	facts_rlimits();
	facts_mounts();
	facts_env();
	facts_cgroup();
	facts_misc();
	endobj();
	done();
	return 0;
}

/* ---- the other commands ---- */

static int cmd_write(const char *path, const char *data)
{
	obj();
	kstr("path", path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, strlen(data)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return end_failed("ok", e);
	}
	if (close(fd) < 0) {
		return end_failed("ok", errno);
	}
	kbool("ok", true);
	endobj();
	done();
	return 0;
}

static int cmd_read(const char *path)
{
	obj();
	kstr("path", path);
	size_t len;
	char *s = read_file(path, &len);
	if (!s) {
		return end_failed("ok", errno);
	}
	kbool("ok", true);
	kstr("data", s);
	endobj();
	done();
	free(s);
	return 0;
}

static int cmd_stat(const char *path)
{
	struct stat st;
	obj();
	kstr("path", path);
	if (lstat(path, &st) < 0) {
		return end_failed("exists", errno);
	}
	const char *type = S_ISREG(st.st_mode)    ? "file"
			   : S_ISDIR(st.st_mode)  ? "dir"
			   : S_ISLNK(st.st_mode)  ? "symlink"
			   : S_ISCHR(st.st_mode)  ? "char"
			   : S_ISBLK(st.st_mode)  ? "block"
			   : S_ISFIFO(st.st_mode) ? "fifo"
						  : "socket";
	kbool("exists", true);
	kstr("type", type);
	kint("mode", st.st_mode & 07777);
	kint("uid", st.st_uid);
	kint("gid", st.st_gid);
	kint("size", st.st_size);
	kint("major", major(st.st_rdev));
	kint("minor", minor(st.st_rdev));
	kint("ino", st.st_ino);
	kint("dev", st.st_dev);
	if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof t - 1);
		if (n >= 0) {
			t[n] = '\0';
			kstr("target", t);
		}
	}
	endobj();
	done();
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "ILL", SIGILL },   { "ABRT", SIGABRT },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "WINCH", SIGWINCH },
};

static int parse_signal(const char *s)
{
	if (isdigit((unsigned char)*s))
		return atoi(s);
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

static int cmd_kill_self(const char *s)
{
	int sig = parse_signal(s);
	if (sig <= 0) {
		fprintf(stderr, "hull-helper: unknown signal %s\n", s);
		return 2;
	}
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	fflush(stdout);
	/* As pid 1 of a pid namespace, a signal with default action sent by ourselves is ignored by the
	 * kernel; only SIGKILL/SIGSTOP from an ancestor would act. Report that rather than hang. */
	raise(sig);
	obj();
	kbool("survived", true);
	kint("signal", sig);
	endobj();
	done();
	return 0;
}

static int cmd_alloc(const char *mb_s)
{
	long mb = atol(mb_s);
	for (long i = 0; i < mb; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			obj();
			kint("allocated_mb", i);
			return end_failed("ok", e);
		}
		for (long off = 0; off < (1 << 20); off += 4096)
			p[off] = (char)off | 1;
		printf("{\"allocated_mb\":%ld}\n", i + 1);
		fflush(stdout);
	}
	obj();
	kint("allocated_mb", mb);
	kbool("ok", true);
	endobj();
	done();
	return 0;
}

static int cmd_forkbomb(const char *max_s)
{
	long max = max_s ? atol(max_s) : 4096;
	pid_t *kids = calloc((size_t)max, sizeof *kids);
	long n = 0;
	int err = 0;
	for (; n < max; n++) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			/* A child waits for its parent to go; it never forks. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		kids[n] = p;
	}
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	obj();
	kint("forked", n);
	kbool("limited", err != 0);
	if (err)
		kerrno(err);
	endobj();
	done();
	free(kids);
	return 0;
}

/* Syscalls tried with harmless arguments: zero arguments make the kernel fail with EFAULT/EINVAL/EBADF
 * when the call is allowed, so a seccomp errno (EPERM or a custom errnoRet) is told apart. Calls that
 * would fork, exit, block or change the host with zero arguments are left out on purpose. */
static const struct {
	const char *name;
	long nr;
} syscalls[] = {
	{ "getpid", SYS_getpid },
	{ "getppid", SYS_getppid },
	{ "getuid", SYS_getuid },
	{ "uname", SYS_uname },
	{ "getcwd", SYS_getcwd },
	{ "mkdir", SYS_mkdir },
	{ "mkdirat", SYS_mkdirat },
	{ "chmod", SYS_chmod },
	{ "fchmod", SYS_fchmod },
	{ "chown", SYS_chown },
	{ "fchown", SYS_fchown },
	{ "unshare", SYS_unshare },
	{ "setns", SYS_setns },
	{ "mount", SYS_mount },
	{ "umount2", SYS_umount2 },
	{ "pivot_root", SYS_pivot_root },
	{ "chroot", SYS_chroot },
	{ "ptrace", SYS_ptrace },
	{ "socket", SYS_socket },
	{ "keyctl", SYS_keyctl },
	{ "add_key", SYS_add_key },
	{ "request_key", SYS_request_key },
	{ "reboot", SYS_reboot },
	{ "swapon", SYS_swapon },
	{ "swapoff", SYS_swapoff },
	{ "sethostname", SYS_sethostname },
	{ "setdomainname", SYS_setdomainname },
	{ "kill", SYS_kill },
	{ "personality", SYS_personality },
	{ "clock_settime", SYS_clock_settime },
	{ "init_module", SYS_init_module },
	{ "delete_module", SYS_delete_module },
	{ "bpf", SYS_bpf },
	{ "perf_event_open", SYS_perf_event_open },
	{ "userfaultfd", SYS_userfaultfd },
	{ "open_by_handle_at", SYS_open_by_handle_at },
	{ "name_to_handle_at", SYS_name_to_handle_at },
	{ "syslog", SYS_syslog },
	{ "kexec_load", SYS_kexec_load },
	{ "mknod", SYS_mknod },
	{ "mknodat", SYS_mknodat },
	{ "setuid", SYS_setuid },
	{ "setgid", SYS_setgid },
	{ "capset", SYS_capset },
	{ "ioperm", SYS_ioperm },
	{ "iopl", SYS_iopl },
	{ "quotactl", SYS_quotactl },
	{ "lookup_dcookie", SYS_lookup_dcookie },
	{ "get_mempolicy", SYS_get_mempolicy },
	{ "set_mempolicy", SYS_set_mempolicy },
	{ "move_pages", SYS_move_pages },
	{ "fanotify_init", SYS_fanotify_init },
	{ "fsopen", SYS_fsopen },
	{ "open_tree", SYS_open_tree },
	{ "move_mount", SYS_move_mount },
	{ "mount_setattr", SYS_mount_setattr },
	{ "clone3", SYS_clone3 },
	{ "io_uring_setup", SYS_io_uring_setup },
	{ "sched_setscheduler", SYS_sched_setscheduler },
	{ "setpriority", SYS_setpriority },
	{ "getpriority", SYS_getpriority },
};

static int cmd_syscall(const char *name)
{
	long nr = -1;
	for (size_t i = 0; i < sizeof syscalls / sizeof *syscalls; i++)
		if (strcmp(name, syscalls[i].name) == 0)
			nr = syscalls[i].nr;
	if (nr < 0) {
		fprintf(stderr, "hull-helper: syscall %s is not in the table\n", name);
		return 2;
	}
	long ret;
	errno = 0;
	if (nr == SYS_clone3)
		/* clone3(NULL, 0): EINVAL from the kernel (size too small), never a fork. */
		ret = syscall(nr, NULL, 0);
	else if (nr == SYS_kill)
		ret = syscall(nr, getpid(), 0);
	else if (nr == SYS_setuid)
		ret = syscall(nr, getuid());
	else if (nr == SYS_setgid)
		ret = syscall(nr, getgid());
	else if (nr == SYS_personality)
		ret = syscall(nr, 0xffffffffUL);
	else if (nr == SYS_socket)
		ret = syscall(nr, AF_UNIX, SOCK_STREAM, 0);
	else if (nr == SYS_syslog)
		ret = syscall(nr, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	else if (nr == SYS_setpriority || nr == SYS_getpriority)
		ret = syscall(nr, 0x7fff /* bad which: EINVAL */, 0, 0);
	else if (nr == SYS_sched_setscheduler)
		ret = syscall(nr, 0, -1, NULL);
	else if (nr == SYS_userfaultfd)
		ret = syscall(nr, -1 /* bad flags: EINVAL */);
	else if (nr == SYS_io_uring_setup)
		ret = syscall(nr, 0, NULL);
	else if (nr == SYS_fanotify_init)
		ret = syscall(nr, ~0U, 0);
	else if (nr == SYS_unshare)
		ret = syscall(nr, 0);
	else
		ret = syscall(nr, 0, 0, 0, 0, 0, 0);
	int e = errno;
	if (ret >= 0 && (nr == SYS_socket || nr == SYS_userfaultfd || nr == SYS_fsopen || nr == SYS_open_tree))
		close((int)ret);
	obj();
	kstr("syscall", name);
	kint("ret", ret);
	kerrno(ret < 0 ? e : 0);
	endobj();
	done();
	return 0;
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }

static int cmd_wait_signal(const char *secs_s)
{
	double secs = secs_s ? atof(secs_s) : 60;
	for (int s = 1; s < 32; s++) {
		if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD)
			continue;
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(s, &sa, NULL);
	}
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	printf("{\"ready\":true}\n");
	fflush(stdout);
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)secs;
	while (!got_signal) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= end.tv_sec)
			break;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	obj();
	kint("signal", got_signal);
	endobj();
	done();
	return got_signal ? 0 : 1;
}

static void sleep_for(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int usage(void)
{
	fprintf(stderr, "usage: hull-helper facts|sleep N|exit N|write PATH DATA|read PATH|stat PATH|kill-self SIG|"
			"alloc MB|forkbomb [MAX]|syscall NAME|wait-signal [SECS]|print-ready SECS\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_facts();
	const char *cmd = argv[1];
	if (strcmp(cmd, "facts") == 0)
		return cmd_facts();
	if (strcmp(cmd, "sleep") == 0 && argc >= 3) {
		sleep_for(atof(argv[2]));
		return 0;
	}
	if (strcmp(cmd, "print-ready") == 0 && argc >= 3) {
		printf("{\"ready\":true}\n");
		fflush(stdout);
		sleep_for(atof(argv[2]));
		return 0;
	}
	if (strcmp(cmd, "exit") == 0 && argc >= 3)
		return atoi(argv[2]);
	if (strcmp(cmd, "write") == 0 && argc >= 4)
		return cmd_write(argv[2], argv[3]);
	if (strcmp(cmd, "read") == 0 && argc >= 3)
		return cmd_read(argv[2]);
	if (strcmp(cmd, "stat") == 0 && argc >= 3)
		return cmd_stat(argv[2]);
	if (strcmp(cmd, "kill-self") == 0 && argc >= 3)
		return cmd_kill_self(argv[2]);
	if (strcmp(cmd, "alloc") == 0 && argc >= 3)
		return cmd_alloc(argv[2]);
	if (strcmp(cmd, "forkbomb") == 0)
		return cmd_forkbomb(argc >= 3 ? argv[2] : NULL);
	if (strcmp(cmd, "syscall") == 0 && argc >= 3)
		return cmd_syscall(argv[2]);
	if (strcmp(cmd, "wait-signal") == 0)
		return cmd_wait_signal(argc >= 3 ? argv[2] : NULL);
	return usage();
}
