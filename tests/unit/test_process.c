/* test_process.c — runtime/process: each attribute applied in a forked child (so the test runner keeps its
 * own limits, ids and namespaces), procfs verification, sysctl mapping, fd closing. Needs root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_process_child.h"
#define CHECK_OK(call)                                                                                  \
	do {                                                                                            \
		struct hull_err *e_ = NULL;                                                             \
		if ((call) < 0) {                                                                       \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, e_ ? e_->msg : "?"); \
			_exit(1);                                                                       \
		}                                                                                       \
	} while (0)

static int in_child(void (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char tmpdir[64];

static int setup_tmp(void **state)
{
	strcpy(tmpdir, "/tmp/hull-process-test-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown_tmp(void **state)
{
	fs_rmtree_at(AT_FDCWD, tmpdir, NULL);
	return 0;
}

static void make_file(const char *rel, mode_t mode)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void make_dir(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* ---- PATH lookup ---- */

static void test_find_executable(void **state)
{
	make_dir("a");
	make_dir("b");
	make_dir("c");
	make_file("b/tool", 0755);
	make_file("a/noexec", 0644);
	make_file("c/noexec", 0700);
	make_dir("b/adir");
	char path_env[512];
	snprintf(path_env, sizeof(path_env), "PATH=%s/a:%s/b:%s/c", tmpdir, tmpdir, tmpdir);
	char *env[] = { "PATH=/nonexistent", path_env, "X=1" };
	char want[256];
	struct hull_err *err = NULL;

	/* Found in the second entry; the last PATH definition is the one used. */
	_cleanup_free_ char *p = process_find_executable("tool", env, 3, &err);
	snprintf(want, sizeof(want), "%s/b/tool", tmpdir);
	assert_non_null(p);
	assert_string_equal(p, want);

	/* A non-executable match is skipped, as Go's LookPath does: c/noexec is found. */
	_cleanup_free_ char *q = process_find_executable("noexec", env, 3, &err);
	snprintf(want, sizeof(want), "%s/c/noexec", tmpdir);
	assert_non_null(q);
	assert_string_equal(q, want);

	/* A directory named like the command is not a match. */
	assert_null(process_find_executable("adir", env, 3, &err));
	assert_string_equal(err->msg, "exec: \"adir\": executable file not found in $PATH");
	hull_err_free(err), err = NULL;

	assert_null(process_find_executable("nope", env, 3, &err));
	assert_string_equal(err->msg, "exec: \"nope\": executable file not found in $PATH");
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err), err = NULL;

	/* No PATH at all: nothing is searched. */
	assert_null(process_find_executable("tool", env + 2, 1, &err));
	assert_string_equal(err->msg, "exec: \"tool\": executable file not found in $PATH");
	hull_err_free(err), err = NULL;
}

static void test_find_executable_with_slash(void **state)
{
	make_file("x", 0755);
	make_file("ro", 0644);
	make_dir("d");
	char p[256], want[1024];
	struct hull_err *err = NULL;

	snprintf(p, sizeof(p), "%s/x", tmpdir);
	_cleanup_free_ char *r = process_find_executable(p, NULL, 0, &err);
	assert_non_null(r);
	assert_string_equal(r, p);

	snprintf(p, sizeof(p), "%s/ro", tmpdir);
	assert_null(process_find_executable(p, NULL, 0, &err));
	snprintf(want, sizeof(want), "exec: \"%s\": permission denied", p);
	assert_string_equal(err->msg, want);
	assert_int_equal(err->errnum, EACCES);
	hull_err_free(err), err = NULL;

	snprintf(p, sizeof(p), "%s/d", tmpdir);
	assert_null(process_find_executable(p, NULL, 0, &err));
	snprintf(want, sizeof(want), "exec: \"%s\": is a directory", p);
	assert_string_equal(err->msg, want);
	hull_err_free(err), err = NULL;

	snprintf(p, sizeof(p), "%s/missing", tmpdir);
	assert_null(process_find_executable(p, NULL, 0, &err));
	snprintf(want, sizeof(want), "exec: \"%s\": stat %s: no such file or directory", p, p);
	assert_string_equal(err->msg, want);
	hull_err_free(err), err = NULL;
}

static void test_find_executable_relative_path_entry(void **state)
{
	make_dir("rel");
	make_file("rel/tool", 0755);
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	char *env[] = { "PATH=/nonexistent:rel" };
	struct hull_err *err = NULL;
	char *r = process_find_executable("tool", env, 1, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_null(r);
	assert_string_equal(err->msg, "exec: \"tool\": cannot run executable found relative to current directory");
	hull_err_free(err);
}

/* ---- environment ---- */

static void test_build_env(void **state)
{
	char *env[] = { "A=1", "B=2", "A=3", "HOME=" };
	struct hull_err *err = NULL;
	/* uid 0 has an /etc/passwd entry on this host; the test runs in the host's root. */
	char **out = process_build_env(env, 4, 0, &err);
	assert_non_null(out);
	assert_string_equal(out[0], "B=2");
	assert_string_equal(out[1], "A=3");
	assert_string_equal(out[2], "HOME=/root");
	assert_null(out[3]);
	process_env_free(out);

	char *env2[] = { "HOME=/home/x", "Y=" };
	out = process_build_env(env2, 2, 0, &err);
	assert_string_equal(out[0], "HOME=/home/x");
	assert_string_equal(out[1], "Y=");
	assert_null(out[2]);
	process_env_free(out);

	/* A uid without an entry gets "/", as runc. */
	out = process_build_env(NULL, 0, 4000123, &err);
	assert_string_equal(out[0], "HOME=/");
	assert_null(out[1]);
	process_env_free(out);

	char *bad[] = { "OK=1", "NOEQUALS" };
	assert_null(process_build_env(bad, 2, 0, &err));
	assert_non_null(strstr(err->msg, "process.env[1]"));
	assert_non_null(strstr(err->msg, "missing '='"));
	hull_err_free(err), err = NULL;
	char *bad2[] = { "=x" };
	assert_null(process_build_env(bad2, 1, 0, &err));
	assert_non_null(strstr(err->msg, "name cannot be empty"));
	hull_err_free(err);
}

/* ---- rlimits ---- */

static void child_rlimits(void *arg)
{
	struct spec_rlimit rl[] = {
		{ .type = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 64, .hard = 128 },
		{ .type = RLIMIT_CORE, .name = "RLIMIT_CORE", .soft = 0, .hard = 0 },
	};
	struct spec_process p = { .rlimits = rl, .n_rlimits = 2 };
	CHECK_OK(process_set_rlimits(&p, &e_));
	struct rlimit got;
	CHECK(getrlimit(RLIMIT_NOFILE, &got) == 0 && got.rlim_cur == 64 && got.rlim_max == 128);
	CHECK(getrlimit(RLIMIT_CORE, &got) == 0 && got.rlim_cur == 0 && got.rlim_max == 0);

	/* Raising the hard limit back needs CAP_SYS_RESOURCE: the error names the rlimit and the cause. */
	struct spec_rlimit up = { .type = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 64, .hard = 4096 };
	struct spec_process p2 = { .rlimits = &up, .n_rlimits = 1 };
	struct hull_err *err = NULL;
	int r = process_set_rlimits(&p2, &err);
	cap_t caps = cap_get_proc();
	cap_flag_value_t eff = CAP_CLEAR;
	cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &eff);
	cap_free(caps);
	if (eff == CAP_SET) {
		CHECK(r == 0);
	} else {
		CHECK(r < 0);
		CHECK(err->errnum == EPERM);
		CHECK(strstr(err->msg, "setrlimit RLIMIT_NOFILE (soft 64, hard 4096)") != NULL);
		CHECK(strstr(err->msg, "CAP_SYS_RESOURCE") != NULL);
	}
}

static void test_rlimits(void **state) { assert_int_equal(in_child(child_rlimits, NULL), 0); }

/* ---- user ---- */

static void child_switch_user(void *arg)
{
	/* stdin a pipe of root's: handed to the user; stdout /dev/null: left alone. */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(dup2(p[0], 0) == 0);
	int devnull = open("/dev/null", O_WRONLY);
	CHECK(devnull >= 0 && dup2(devnull, 1) == 1);
	struct stat null_before;
	CHECK(fstat(1, &null_before) == 0);
	gid_t groups[] = { 1001, 1002 };
	struct spec_user u = { .uid = 1000, .gid = 1000, .has_umask = true, .umask = 0027,
			       .additional_gids = groups, .n_additional_gids = 2 };
	CHECK_OK(process_switch_user(&u, &e_));
	uid_t r, e, s;
	CHECK(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000);
	gid_t gr, ge, gs;
	CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 1000 && ge == 1000 && gs == 1000);
	gid_t got[8];
	int n = getgroups(8, got);
	CHECK(n == 2 && got[0] == 1001 && got[1] == 1002);
	CHECK(umask(0) == 0027);
	struct stat st;
	CHECK(fstat(0, &st) == 0 && st.st_uid == 1000);
	CHECK(fstat(1, &st) == 0 && st.st_uid == null_before.st_uid); /* /dev/null's owner is not always root */
	/* The point of it: the user can reopen its stdin through /proc. */
	int again = open("/proc/self/fd/0", O_RDONLY | O_NONBLOCK);
	CHECK(again >= 0);
}

static void child_switch_user_defaults(void *arg)
{
	umask(0077);
	CHECK(setgroups(1, (gid_t[]){ 4242 }) == 0);
	struct spec_user u = { .uid = 0, .gid = 0 };
	CHECK_OK(process_switch_user(&u, &e_));
	CHECK(getgroups(0, NULL) == 0); /* the runtime's groups do not leak */
	CHECK(umask(0) == 0022);
}

static void write_proc(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0);
	CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static void child_setgroups_denied(void *arg)
{
	CHECK(unshare(CLONE_NEWUSER) == 0);
	write_proc("/proc/self/setgroups", "deny");
	write_proc("/proc/self/uid_map", "0 0 1");
	write_proc("/proc/self/gid_map", "0 0 1");
	struct spec_user u = { .uid = 0, .gid = 0 };
	CHECK_OK(process_switch_user(&u, &e_));
	gid_t g = 5;
	struct spec_user u2 = { .uid = 0, .gid = 0, .additional_gids = &g, .n_additional_gids = 1 };
	struct hull_err *err = NULL;
	CHECK(process_switch_user(&u2, &err) < 0);
	CHECK(strstr(err->msg, "additionalGids: setgroups is denied") != NULL);
}

static void test_switch_user(void **state)
{
	assert_int_equal(in_child(child_switch_user, NULL), 0);
	assert_int_equal(in_child(child_switch_user_defaults, NULL), 0);
	assert_int_equal(in_child(child_setgroups_denied, NULL), 0);
}

/* ---- procfs ---- */

static void child_oom(void *arg)
{
	CHECK_OK(process_set_oom_score_adj(500, &e_));
	char buf[16] = { 0 };
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0);
	CHECK(atoi(buf) == 500);
	/* Going below the lowest value so far (0 here) needs CAP_SYS_RESOURCE: said so when it is missing. */
	struct hull_err *err = NULL;
	int r = process_set_oom_score_adj(-100, &err);
	if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) != 1) {
		CHECK(r < 0 && err->errnum == EACCES);
		CHECK(strstr(err->msg, "oomScoreAdj: write -100") != NULL);
		CHECK(strstr(err->msg, "CAP_SYS_RESOURCE") != NULL);
	} else {
		CHECK(r == 0);
	}
}

static void test_oom_score_adj(void **state) { assert_int_equal(in_child(child_oom, NULL), 0); }

static void test_proc_verification(void **state)
{
	struct hull_err *err = NULL;
	int fd = proc_open_verified("self/status", O_RDONLY, &err);
	assert_true(fd >= 0);
	close(fd);

	/* A directory that is not procfs is refused, whatever it contains. */
	make_dir("self");
	make_file("self/status", 0644);
	assert_int_equal(proc_open_verified_at(tmpdir, "self/status", O_RDONLY, &err), -1);
	assert_non_null(strstr(err->msg, "is not procfs"));
	assert_int_equal(err->errnum, EXDEV);
	hull_err_free(err), err = NULL;

	/* procfs, but a subtree of it standing in for /proc (a bind mount of /proc/<pid>, say). */
	char pid_dir[32];
	snprintf(pid_dir, sizeof(pid_dir), "/proc/%d", (int)getpid());
	assert_int_equal(proc_open_verified_at(pid_dir, "status", O_RDONLY, &err), -1);
	assert_non_null(strstr(err->msg, "not the root of a procfs mount"));
	hull_err_free(err), err = NULL;

	/* No way out of /proc, and no magic link through it. */
	assert_int_equal(proc_open_verified("../etc/passwd", O_RDONLY, &err), -1);
	assert_int_equal(err->errnum, EXDEV);
	hull_err_free(err), err = NULL;
	assert_int_equal(proc_open_verified("self/root/etc/passwd", O_RDONLY, &err), -1);
	assert_int_equal(err->errnum, ELOOP);
	hull_err_free(err), err = NULL;
}

/* ---- sysctl ---- */

static void test_sysctl_path(void **state)
{
	struct hull_err *err = NULL;
	char *p = process_sysctl_path("net.ipv4.ip_forward", &err);
	assert_string_equal(p, "sys/net/ipv4/ip_forward");
	free(p);
	p = process_sysctl_path("kernel/shm_rmid_forced", &err);
	assert_string_equal(p, "sys/kernel/shm_rmid_forced");
	free(p);
	static const char *const bad[] = { "", "net..ipv4", ".net", "net.", "net/../../self/environ", "a//b", ".." };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_null(process_sysctl_path(bad[i], &err));
		assert_non_null(strstr(err->msg, "linux.sysctl"));
		hull_err_free(err), err = NULL;
	}
}

static void read_trim(const char *path, char *buf, size_t len)
{
	memset(buf, 0, len);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, len - 1) > 0);
	close(fd);
	buf[strcspn(buf, "\n")] = 0;
}

static void child_sysctl(void *arg)
{
	/* New net and UTS namespaces: the writes touch nothing of the host. */
	CHECK(unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0);
	struct spec_kv kv[] = { { "net.ipv4.ip_forward", "1" }, { "kernel.hostname", "hull-process-sysctl" } };
	CHECK_OK(process_apply_sysctl(kv, 2, &e_));
	char buf[128];
	read_trim("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf));
	CHECK(strcmp(buf, "1") == 0);
	struct utsname un;
	CHECK(uname(&un) == 0 && strcmp(un.nodename, "hull-process-sysctl") == 0);

	struct spec_kv unknown = { "net.ipv4.hull_no_such_key", "1" };
	struct hull_err *err = NULL;
	CHECK(process_apply_sysctl(&unknown, 1, &err) < 0);
	CHECK(strstr(err->msg, "linux.sysctl: net.ipv4.hull_no_such_key") != NULL);
	CHECK(err->errnum == ENOENT);
	hull_err_free(err), err = NULL;
	struct spec_kv bad = { "net.ipv4.ip_forward", "not-a-number" };
	CHECK(process_apply_sysctl(&bad, 1, &err) < 0);
	CHECK(strstr(err->msg, "write net.ipv4.ip_forward = \"not-a-number\"") != NULL);
}

static void test_sysctl_apply(void **state) { assert_int_equal(in_child(child_sysctl, NULL), 0); }

/* ---- hostname, keyring ---- */

static void child_hostname(void *arg)
{
	CHECK(unshare(CLONE_NEWUTS) == 0);
	CHECK_OK(process_set_hostname("hull-proc-host", "hull-proc-domain", &e_));
	struct utsname un;
	CHECK(uname(&un) == 0);
	CHECK(strcmp(un.nodename, "hull-proc-host") == 0);
	CHECK(strcmp(un.domainname, "hull-proc-domain") == 0);
}

/* --trace: the step is reported with its arguments. */
static void child_hostname_traced(void *arg)
{
	int fd = (int)syscall(SYS_memfd_create, "hull-trace", 0);
	CHECK(fd >= 0);
	hull_trace_init(fd);
	CHECK(unshare(CLONE_NEWUTS) == 0);
	CHECK_OK(process_set_hostname("hull-traced", NULL, &e_));
	hull_trace_init(-1);
	char buf[512] = { 0 };
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	CHECK(strstr(buf, "[trace ") != NULL);
	CHECK(strstr(buf, "hostname hull-traced domainname -") != NULL);
}

static void test_hostname(void **state)
{
	assert_int_equal(in_child(child_hostname, NULL), 0);
	assert_int_equal(in_child(child_hostname_traced, NULL), 0);
}

static void child_keyring(void *arg)
{
	CHECK_OK(process_join_session_keyring("hull-process-test", true, false, &e_));
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
	CHECK(id > 0);
	char desc[256] = { 0 };
	CHECK(syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0) > 0);
	/* keyring;uid;gid;perm;_ses.hull-process-test */
	CHECK(strncmp(desc, "keyring;", 8) == 0);
	CHECK(strstr(desc, ";_ses.hull-process-test") != NULL);
	char *perm = desc;
	for (int i = 0; i < 3; i++)
		perm = strchr(perm, ';') + 1;
	CHECK((strtoul(perm, NULL, 16) & 0x00080000) != 0);
}

/* In a user namespace the container's processes are "other" to the keyring's owner: search for others. */
static void child_keyring_userns(void *arg)
{
	CHECK(unshare(CLONE_NEWUSER) == 0);
	write_proc("/proc/self/setgroups", "deny");
	write_proc("/proc/self/uid_map", "0 0 1");
	write_proc("/proc/self/gid_map", "0 0 1");
	CHECK_OK(process_join_session_keyring("hull-process-userns", true, true, &e_));
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
	char desc[256] = { 0 };
	CHECK(id > 0 && syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0) > 0);
	CHECK(strstr(desc, ";_ses.hull-process-userns") != NULL);
	char *perm = desc;
	for (int i = 0; i < 3; i++)
		perm = strchr(perm, ';') + 1;
	CHECK((strtoul(perm, NULL, 16) & 0x00000008) != 0);
}

/* A long container id: the description outgrows any small fixed buffer. */
static void child_keyring_long_id(void *arg)
{
	char id[1100];
	memset(id, 'k', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	CHECK_OK(process_join_session_keyring(id, true, false, &e_));
	long key = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
	char desc[1300] = { 0 };
	CHECK(key > 0 && syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof(desc) - 1, 0) > 0);
	char *perm = desc;
	for (int i = 0; i < 3; i++)
		perm = strchr(perm, ';') + 1;
	CHECK((strtoul(perm, NULL, 16) & 0x00080000) != 0);
}

static void test_session_keyring(void **state)
{
	assert_int_equal(in_child(child_keyring, NULL), 0);
	assert_int_equal(in_child(child_keyring_long_id, NULL), 0);
	assert_int_equal(in_child(child_keyring_userns, NULL), 0);
}

/* ---- scheduling, I/O priority, affinity, personality ---- */

static void child_scheduler(void *arg)
{
	struct spec_scheduler s = { .policy = "SCHED_BATCH", .policy_num = SCHED_BATCH, .nice = 7 };
	CHECK_OK(process_set_scheduler(&s, &e_));
	CHECK(sched_getscheduler(0) == SCHED_BATCH);
	errno = 0;
	CHECK(getpriority(PRIO_PROCESS, 0) == 7 && errno == 0);
	struct spec_scheduler bad = { .policy = "SCHED_FIFO", .policy_num = SCHED_FIFO, .priority = 1000 };
	struct hull_err *err = NULL;
	CHECK(process_set_scheduler(&bad, &err) < 0);
	CHECK(strstr(err->msg, "process.scheduler: sched_setattr policy SCHED_FIFO") != NULL);
}

static void child_ioprio(void *arg)
{
	struct spec_io_priority io = { .class = 2, .priority = 4 };
	CHECK_OK(process_set_io_priority(&io, &e_));
	long v = syscall(SYS_ioprio_get, 1, 0);
	CHECK(v == ((2 << 13) | 4));
	struct spec_io_priority bad = { .class = 2, .priority = 9 };
	struct hull_err *err = NULL;
	CHECK(process_set_io_priority(&bad, &err) < 0);
}

static void child_affinity(void *arg)
{
	CHECK_OK(process_set_exec_cpu_affinity(0, "0", &e_));
	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
	CHECK_OK(process_set_exec_cpu_affinity(0, NULL, &e_)); /* nothing asked: unchanged */
}

static void child_personality(void *arg)
{
	struct spec_personality p = { .domain = "LINUX32" };
	CHECK_OK(process_set_personality(&p, &e_));
	CHECK((personality(0xffffffff) & PER_MASK) == PER_LINUX32);
	struct spec_personality bad = { .domain = "WINDOWS" };
	struct hull_err *err = NULL;
	CHECK(process_set_personality(&bad, &err) < 0);
	CHECK(strstr(err->msg, "unknown domain \"WINDOWS\"") != NULL);
}

static void child_memory_policy(void *arg)
{
	struct spec_memory_policy mp = { .mode = "MPOL_BIND", .mode_num = 2 /* MPOL_BIND */, .nodes = "0" };
	CHECK_OK(process_set_memory_policy(&mp, &e_));
	int mode = -1;
	unsigned long mask[16] = { 0 };
	CHECK(syscall(SYS_get_mempolicy, &mode, mask, 1024UL, NULL, 0UL) == 0);
	CHECK(mode == 2 && mask[0] == 1);
	struct spec_memory_policy local = { .mode = "MPOL_LOCAL", .mode_num = 4 };
	CHECK_OK(process_set_memory_policy(&local, &e_));
	CHECK(syscall(SYS_get_mempolicy, &mode, NULL, 0UL, NULL, 0UL) == 0 && mode == 4);
	struct hull_err *err = NULL;
	struct spec_memory_policy bad = { .mode = "MPOL_LOCAL", .mode_num = 4, .nodes = "0" };
	CHECK(process_set_memory_policy(&bad, &err) < 0);
	CHECK(strstr(err->msg, "MPOL_LOCAL takes no nodes") != NULL);
	hull_err_free(err), err = NULL;
	/* A node this machine does not have. */
	struct spec_memory_policy absent = { .mode = "MPOL_BIND", .mode_num = 2, .nodes = "1000" };
	CHECK(process_set_memory_policy(&absent, &err) < 0);
	CHECK(strstr(err->msg, "linux.memoryPolicy: set_mempolicy MPOL_BIND nodes \"1000\"") != NULL);
}

static void test_sched_ioprio_affinity_personality(void **state)
{
	assert_int_equal(in_child(child_memory_policy, NULL), 0);
	assert_int_equal(in_child(child_scheduler, NULL), 0);
	assert_int_equal(in_child(child_ioprio, NULL), 0);
	assert_int_equal(in_child(child_affinity, NULL), 0);
	assert_int_equal(in_child(child_personality, NULL), 0);
}

static void test_cpu_list(void **state)
{
	cpu_set_t set;
	struct hull_err *err = NULL;
	assert_int_equal(process_parse_cpu_list("0-2, 5", &set, &err), 0);
	assert_int_equal(CPU_COUNT(&set), 4);
	assert_true(CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && CPU_ISSET(2, &set) && CPU_ISSET(5, &set));
	static const char *const bad[] = { "", "3-1", "x", "1,", "1-", "-1", "99999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(process_parse_cpu_list(bad[i], &set, &err), -1);
		assert_non_null(strstr(err->msg, "cpu list"));
		hull_err_free(err), err = NULL;
	}
}

/* ---- fds ---- */

/* The open fds of the process, as a bitmask of 0..63, excluding the directory fd used to list them. */
static uint64_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d);
	uint64_t mask = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd != dirfd(d) && fd < 64)
			mask |= 1ULL << fd;
	}
	closedir(d);
	return mask;
}

enum close_mode { CLOSE_RANGE_MODE, CLOSE_PROCFS_MODE, CLOEXEC_MODE };

static void child_close_fds(void *arg)
{
	enum close_mode mode = *(enum close_mode *)arg;
	/* fds 3..12 open (some with CLOEXEC, some without), keep up to 5. */
	for (int fd = 3; fd <= 12; fd++)
		CHECK(dup3(2, fd, (fd % 2) ? O_CLOEXEC : 0) == fd);
	if (mode == CLOSE_RANGE_MODE)
		CHECK_OK(process_close_fds(5, &e_));
	else if (mode == CLOSE_PROCFS_MODE)
		CHECK_OK(process_close_fds_procfs(5, false, &e_));
	else
		CHECK_OK(process_cloexec_fds(5, &e_));
	if (mode == CLOEXEC_MODE) {
		CHECK(open_fds() == 0x1fff); /* 0..12 still open */
		for (int fd = 6; fd <= 12; fd++)
			CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
		CHECK(fcntl(4, F_GETFD) == 0); /* kept fds keep their flags */
		CHECK(fcntl(5, F_GETFD) == FD_CLOEXEC);
	} else {
		CHECK(open_fds() == 0x3f); /* exactly 0..5 */
	}
}

static void test_close_fds(void **state)
{
	enum close_mode m = CLOSE_RANGE_MODE;
	assert_int_equal(in_child(child_close_fds, &m), 0);
	m = CLOSE_PROCFS_MODE;
	assert_int_equal(in_child(child_close_fds, &m), 0);
	m = CLOEXEC_MODE;
	assert_int_equal(in_child(child_close_fds, &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_executable, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_find_executable_with_slash, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_find_executable_relative_path_entry, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_build_env),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_switch_user),
		cmocka_unit_test(test_oom_score_adj),
		cmocka_unit_test_setup_teardown(test_proc_verification, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_sysctl_path),
		cmocka_unit_test(test_sysctl_apply),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_session_keyring),
		cmocka_unit_test(test_sched_ioprio_affinity_personality),
		cmocka_unit_test(test_cpu_list),
		cmocka_unit_test(test_close_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
