/* test_seccomp.c — linux.seccomp checking and translation (via libseccomp's PFC text), and the
 * compiled program's behaviour in forked children: ERRNO/KILL/TRAP/TRACE/LOG/NOTIFY, argument
 * conditions (AND across indexes, OR on one index), unknown syscall names. The cache is in
 * test_seccomp_cache.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- building profiles ---- */

static struct spec_seccomp_syscall rule(uint32_t action, char **names, size_t n)
{
	return (struct spec_seccomp_syscall){ .names = names, .n_names = n, .action = action };
}

static struct spec_seccomp profile(uint32_t def, struct spec_seccomp_syscall *rules, size_t n)
{
	return (struct spec_seccomp){ .default_action = def, .syscalls = rules, .n_syscalls = n };
}

/* The libseccomp pseudo filter code of a profile, for asserting on the translation. */
static char *pfc_of(const struct spec_seccomp *s)
{
	struct hull_err *err = NULL;
	scmp_filter_ctx ctx = seccomp_build_ctx(s, &err);
	if (!ctx)
		fail_msg("build: %s", err->msg);
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	assert_int_equal(seccomp_export_pfc(ctx, fd), 0);
	seccomp_release(ctx);
	off_t len = lseek(fd, 0, SEEK_END);
	char *text = xcalloc(1, (size_t)len + 1);
	assert_int_equal(pread(fd, text, (size_t)len, 0), len);
	close(fd);
	return text;
}

static void expect_check_error(const struct spec_seccomp *s, const char *needle)
{
	struct hull_err *err = NULL;
	unsigned int flags;
	bool notify;
	assert_int_equal(seccomp_profile_check(s, &flags, &notify, &err), -1);
	assert_non_null(err);
	if (!strstr(err->msg, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err->msg, needle);
	hull_err_free(err);
	/* seccomp_prepare refuses the same profile, with or without a cache. */
	err = NULL;
	assert_null(seccomp_prepare(s, NULL, &err));
	assert_non_null(err);
	hull_err_free(err);
}

/* ---- checking ---- */

static char *n_getpid[] = { "getpid" };
static char *n_write[] = { "write" };

static void test_malformed_profiles(void **state)
{
	(void)state;
	struct spec_seccomp_syscall r[1] = { rule(SCMP_ACT_ALLOW, n_getpid, 1) };
	struct spec_seccomp s = profile(SCMP_ACT_ERRNO(0), r, 1);

	r[0].has_errno_ret = true, r[0].errno_ret = 1;
	expect_check_error(&s, "syscalls[0]: errnoRet is only valid");
	r[0] = rule(SCMP_ACT_ERRNO(0), n_getpid, 1);
	r[0].has_errno_ret = true, r[0].errno_ret = 70000;
	expect_check_error(&s, "errnoRet 70000 out of range");

	r[0] = rule(0x12340000, n_getpid, 1);
	expect_check_error(&s, "syscalls[0]: unknown action");

	r[0] = rule(SCMP_ACT_ALLOW, n_getpid, 1);
	s.default_action = SCMP_ACT_NOTIFY;
	expect_check_error(&s, "defaultAction: SCMP_ACT_NOTIFY cannot be the default");
	s.default_action = SCMP_ACT_ALLOW;
	s.has_default_errno_ret = true, s.default_errno_ret = 5;
	expect_check_error(&s, "defaultAction: errnoRet is only valid");
	s.has_default_errno_ret = false;

	r[0] = rule(SCMP_ACT_NOTIFY, n_write, 1);
	s.listener_path = "/run/agent.sock";
	expect_check_error(&s, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
	r[0] = rule(SCMP_ACT_NOTIFY, n_getpid, 1);
	s.listener_path = NULL;
	expect_check_error(&s, "listenerPath: required by SCMP_ACT_NOTIFY");

	struct spec_seccomp_arg a = { .index = 6, .op = SCMP_CMP_EQ };
	r[0] = rule(SCMP_ACT_ERRNO(0), n_getpid, 1);
	r[0].args = &a, r[0].n_args = 1;
	expect_check_error(&s, "syscalls[0].args[0].index: 6");
	a.index = 0, a.op = 0;
	expect_check_error(&s, "syscalls[0].args[0].op: unknown operator 0");
	a.op = _SCMP_CMP_MAX;
	expect_check_error(&s, "unknown operator");

	char *empty[] = { "" };
	r[0] = rule(SCMP_ACT_ERRNO(0), empty, 1);
	expect_check_error(&s, "names[0]: empty syscall name");
	r[0] = rule(SCMP_ACT_ERRNO(0), empty, 0);
	expect_check_error(&s, "syscalls[0].names: empty");

	r[0] = rule(SCMP_ACT_ERRNO(0), n_getpid, 1);
	char *bad_flag[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS" };
	s.flags = bad_flag, s.n_flags = 2, s.has_flags = true;
	expect_check_error(&s, "flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
	char *wk[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
	s.flags = wk, s.n_flags = 1;
	expect_check_error(&s, "WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule");

	uint32_t bad_arch = 0x1234;
	s.flags = NULL, s.n_flags = 0;
	s.architectures = &bad_arch, s.n_architectures = 1;
	struct hull_err *err = NULL;
	assert_null(seccomp_prepare(&s, NULL, &err));
	assert_non_null(strstr(err->msg, "architectures[0]"));
	hull_err_free(err);
}

static void test_flags(void **state)
{
	(void)state;
	struct spec_seccomp_syscall r[1] = { rule(SCMP_ACT_NOTIFY, n_getpid, 1) };
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
	s.listener_path = "/x";
	unsigned int flags;
	bool notify;
	/* Absent: runc's default. */
	assert_int_equal(seccomp_profile_check(&s, &flags, &notify, NULL), 0);
	assert_int_equal(flags, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	assert_true(notify);
	/* Present and empty: nothing. */
	s.has_flags = true;
	assert_int_equal(seccomp_profile_check(&s, &flags, &notify, NULL), 0);
	assert_int_equal(flags, 0);
	char *all[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
	s.flags = all, s.n_flags = 4;
	assert_int_equal(seccomp_profile_check(&s, &flags, &notify, NULL), 0);
	assert_int_equal(flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
					SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	r[0].action = SCMP_ACT_ERRNO(0);
	s.flags = all, s.n_flags = 2;
	assert_int_equal(seccomp_profile_check(&s, &flags, &notify, NULL), 0);
	assert_false(notify);
	assert_int_equal(flags, SECCOMP_FILTER_FLAG_LOG);
}

/* ---- translation ---- */

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" not in:\n%s", needle, text);
}

static void test_action_mapping(void **state)
{
	(void)state;
	char *n1[] = { "getpid" }, *n2[] = { "getppid" }, *n3[] = { "getsid" }, *n4[] = { "getpgid" },
	     *n5[] = { "getuid" }, *n6[] = { "getgid" }, *n7[] = { "geteuid" }, *n8[] = { "getegid" },
	     *n9[] = { "getpgrp" }, *n10[] = { "gettid" };
	struct spec_seccomp_syscall r[] = {
		rule(SCMP_ACT_KILL, n1, 1),         rule(SCMP_ACT_KILL_PROCESS, n2, 1),
		rule(SCMP_ACT_TRAP, n3, 1),         rule(SCMP_ACT_ERRNO(0), n4, 1),
		rule(SCMP_ACT_ERRNO(0), n5, 1),     rule(SCMP_ACT_TRACE(0), n6, 1),
		rule(SCMP_ACT_TRACE(0), n7, 1),     rule(SCMP_ACT_LOG, n8, 1),
		rule(SCMP_ACT_NOTIFY, n9, 1),       rule(SCMP_ACT_ALLOW, n10, 1),
	};
	r[4].has_errno_ret = true, r[4].errno_ret = 38;
	r[6].has_errno_ret = true, r[6].errno_ret = 7;
	struct spec_seccomp s = profile(SCMP_ACT_ERRNO(0), r, sizeof(r) / sizeof(r[0]));
	s.has_default_errno_ret = true, s.default_errno_ret = 1234;
	s.listener_path = "/x";
	_cleanup_free_ char *pfc = pfc_of(&s);
	assert_contains(pfc, "\"getpid\" (39) [priority: 65535]\n  if ($syscall == 39)\n    action KILL;");
	assert_contains(pfc, "if ($syscall == 110)\n    action KILL_PROCESS;");
	assert_contains(pfc, "if ($syscall == 124)\n    action TRAP;");
	assert_contains(pfc, "if ($syscall == 121)\n    action ERRNO(1);"); /* EPERM when no errnoRet */
	assert_contains(pfc, "if ($syscall == 102)\n    action ERRNO(38);");
	assert_contains(pfc, "if ($syscall == 104)\n    action TRACE(1);");
	assert_contains(pfc, "if ($syscall == 107)\n    action TRACE(7);");
	assert_contains(pfc, "if ($syscall == 108)\n    action LOG;");
	assert_contains(pfc, "if ($syscall == 111)\n    action 0x7fc00000;"); /* NOTIFY */
	assert_contains(pfc, "if ($syscall == 186)\n    action ALLOW;");
	assert_contains(pfc, "# default action\n  action ERRNO(1234);");
}

static void test_default_action_rule_dropped(void **state)
{
	(void)state;
	char *n[] = { "getpid" }, *m[] = { "getppid" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), n, 1), rule(SCMP_ACT_ERRNO(0), m, 1) };
	r[0].has_errno_ret = true, r[0].errno_ret = 5; /* same as the default: dropped, as runc does */
	r[1].has_errno_ret = true, r[1].errno_ret = 6;
	struct spec_seccomp s = profile(SCMP_ACT_ERRNO(0), r, 2);
	s.has_default_errno_ret = true, s.default_errno_ret = 5;
	_cleanup_free_ char *pfc = pfc_of(&s);
	assert_null(strstr(pfc, "\"getpid\""));
	assert_contains(pfc, "action ERRNO(6);");
}

static void test_operators_and_args(void **state)
{
	(void)state;
	char *n[] = { "getpriority" }, *m[] = { "getpgid" }, *o[] = { "getsid" }, *p[] = { "kill" };
	struct spec_seccomp_arg and_args[] = {
		{ .index = 0, .op = SCMP_CMP_EQ, .value = 5 },
		{ .index = 1, .op = SCMP_CMP_GE, .value = 7 },
	};
	struct spec_seccomp_arg masked = { .index = 0, .op = SCMP_CMP_MASKED_EQ, .value = 0xff00, .value_two = 0x1200 };
	struct spec_seccomp_arg same[] = {
		{ .index = 0, .op = SCMP_CMP_EQ, .value = 11 },
		{ .index = 0, .op = SCMP_CMP_EQ, .value = 12 },
		{ .index = 1, .op = SCMP_CMP_NE, .value = 9 },
	};
	struct spec_seccomp_arg ops[] = {
		{ .index = 0, .op = SCMP_CMP_LT, .value = 3 },
		{ .index = 1, .op = SCMP_CMP_LE, .value = 4 },
		{ .index = 2, .op = SCMP_CMP_GT, .value = 5 },
	};
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), n, 1), rule(SCMP_ACT_ERRNO(0), m, 1),
					   rule(SCMP_ACT_ERRNO(0), o, 1), rule(SCMP_ACT_ERRNO(0), p, 1) };
	r[0].args = and_args, r[0].n_args = 2;
	r[1].args = &masked, r[1].n_args = 1;
	r[2].args = same, r[2].n_args = 3;
	r[3].args = ops, r[3].n_args = 3;
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 4);
	_cleanup_free_ char *pfc = pfc_of(&s);
	/* Two indexes: one rule, both conditions nested (AND). */
	assert_contains(pfc, "if ($a0.lo32 == 5)\n        if ($a1.hi32 > 0)");
	/* MASKED_EQ: value is the mask, valueTwo the datum. */
	assert_contains(pfc, "if ($a0.lo32 & 0x0000ff00 == 4608)");
	/* The same index twice: one rule per condition, none nested in another (OR). */
	char *sid = strstr(pfc, "\"getsid\"");
	assert_non_null(sid);
	assert_non_null(strstr(sid, "if ($a0.lo32 == 11)"));
	assert_non_null(strstr(sid, "if ($a0.lo32 == 12)"));
	assert_non_null(strstr(sid, "if ($a1.lo32 == 9)"));
	char *kill = strstr(pfc, "\"kill\"");
	assert_non_null(kill);
	assert_non_null(strstr(kill, "if ($a0.lo32 >= 3)")); /* LT is emitted as a negated GE */
	assert_non_null(strstr(kill, "if ($a2.lo32 > 5)"));
}

static void test_architectures_and_unknown_names(void **state)
{
	(void)state;
	char *n[] = { "hull_no_such_syscall", "getpid", "another_unknown_one" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), n, 3) };
	uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
	s.architectures = arches, s.n_architectures = 3;
	_cleanup_free_ char *pfc = pfc_of(&s);
	assert_contains(pfc, "filter for arch x86_64");
	assert_contains(pfc, "filter for arch x86 ");
	assert_contains(pfc, "filter for arch x32");
	assert_contains(pfc, "\"getpid\" (20)"); /* i386's getpid */
	assert_null(strstr(pfc, "hull_no_such_syscall"));
	struct hull_err *err = NULL;
	struct seccomp_prog *p = seccomp_prepare(&s, NULL, &err);
	assert_non_null(p);
	assert_false(p->cache_hit);
	assert_true(p->len > 0);
	seccomp_prog_free(p);
}

/* ---- behaviour: a forked child installs the program and reports ---- */

/* Runs fn in a child that has installed s; returns the raw wait status. */
static int run_filtered(const struct spec_seccomp *s, int (*fn)(void))
{
	struct hull_err *err = NULL;
	struct seccomp_prog *p = seccomp_prepare(s, NULL, &err);
	if (!p)
		fail_msg("prepare: %s", err->msg);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int lfd;
		/* cmocka catches SIGSYS in the parent; the child must die of it. */
		signal(SIGSYS, SIG_DFL);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install(p, &lfd, NULL) < 0)
			_exit(100);
		_exit(fn());
	}
	seccomp_prog_free(p);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int errno_of(long r) { return r < 0 ? errno : 0; }

static int child_errno_rules(void)
{
	if (errno_of(syscall(SYS_getpgid, 0x1234)) != 71) return 1;      /* masked match */
	if (errno_of(syscall(SYS_getpgid, 0x3434)) == 71) return 2;      /* masked miss */
	if (errno_of(syscall(SYS_getpriority, 5, 7)) != 60) return 3;    /* a0 == 5 AND a1 >= 7 */
	if (errno_of(syscall(SYS_getpriority, 5, 6)) == 60) return 4;
	if (errno_of(syscall(SYS_getpriority, 6, 9)) == 60) return 5;
	if (errno_of(syscall(SYS_getsid, 999991)) != 61) return 6;       /* a0 == 999991 OR a0 == 999992 */
	if (errno_of(syscall(SYS_getsid, 999992)) != 61) return 7;
	if (errno_of(syscall(SYS_getsid, 999993)) == 61) return 8;
	if (errno_of(syscall(SYS_getppid)) != EPERM) return 9;            /* ERRNO without errnoRet */
	if (errno_of(syscall(SYS_getuid)) != ENOSYS) return 10;           /* TRACE, no tracer */
	if (errno_of(syscall(SYS_getgid)) != 0) return 11;                /* LOG lets it through */
	return 0;
}

static void test_errno_actions_take_effect(void **state)
{
	(void)state;
	char *pg[] = { "getpgid" }, *pr[] = { "getpriority" }, *sid[] = { "getsid", "hull_unknown_syscall" },
	     *pp[] = { "getppid" }, *uid[] = { "getuid" }, *gid[] = { "getgid" };
	struct spec_seccomp_arg masked = { .index = 0, .op = SCMP_CMP_MASKED_EQ, .value = 0xff00, .value_two = 0x1200 };
	struct spec_seccomp_arg and_args[] = { { .index = 0, .op = SCMP_CMP_EQ, .value = 5 },
					       { .index = 1, .op = SCMP_CMP_GE, .value = 7 } };
	struct spec_seccomp_arg or_args[] = { { .index = 0, .op = SCMP_CMP_EQ, .value = 999991 },
					      { .index = 0, .op = SCMP_CMP_EQ, .value = 999992 } };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), pg, 1), rule(SCMP_ACT_ERRNO(0), pr, 1),
					   rule(SCMP_ACT_ERRNO(0), sid, 2), rule(SCMP_ACT_ERRNO(0), pp, 1),
					   rule(SCMP_ACT_TRACE(0), uid, 1), rule(SCMP_ACT_LOG, gid, 1) };
	r[0].args = &masked, r[0].n_args = 1, r[0].has_errno_ret = true, r[0].errno_ret = 71;
	r[1].args = and_args, r[1].n_args = 2, r[1].has_errno_ret = true, r[1].errno_ret = 60;
	r[2].args = or_args, r[2].n_args = 2, r[2].has_errno_ret = true, r[2].errno_ret = 61;
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 6);
	int st = run_filtered(&s, child_errno_rules);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int child_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

static void test_kill_and_trap_actions(void **state)
{
	(void)state;
	uint32_t actions[] = { SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP };
	char *pp[] = { "getppid" };
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		struct spec_seccomp_syscall r[] = { rule(actions[i], pp, 1) };
		struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
		int st = run_filtered(&s, child_getppid);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
	/* Default action KILL_PROCESS with getppid allowed: the child dies on its first other syscall. */
	char *allowed[] = { "getppid" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ALLOW, allowed, 1) };
	struct spec_seccomp s = profile(SCMP_ACT_KILL_PROCESS, r, 1);
	int st = run_filtered(&s, child_getppid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static int child_status_seccomp(void)
{
	/* /proc/self/status says Seccomp: 2 (filter mode) once installed. */
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int mode = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	return mode == 2 ? 0 : 1;
}

static void test_status_reports_filter(void **state)
{
	(void)state;
	char *pp[] = { "getppid" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), pp, 1) };
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
	int st = run_filtered(&s, child_status_seccomp);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* NOTIFY: the child installs the filter and serves the listener for its own child, which sees the
 * errno the supervisor chose. Then the listener fd goes to an agent socket with the container state. */
static void test_notify_and_listener(void **state)
{
	(void)state;
	char *sid[] = { "getsid" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_NOTIFY, sid, 1) };
	char agent_path[] = "/tmp/hull-security-agent-XXXXXX";
	assert_non_null(mkdtemp(agent_path));
	_cleanup_free_ char *sock_path = xasprintf("%s/agent.sock", agent_path);
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
	s.listener_path = sock_path;
	struct hull_err *err = NULL;
	struct seccomp_prog *p = seccomp_prepare(&s, NULL, &err);
	assert_non_null(p);
	assert_true(p->notify);

	int agent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, sock_path);
	assert_int_equal(bind(agent, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(agent, 1), 0);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int lfd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install(p, &lfd, NULL) < 0 || lfd < 0)
			_exit(100);
		if (seccomp_send_listener(sock_path, "meta=1", "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":"
							       "\"creating\",\"pid\":42,\"bundle\":\"/b\"}",
					  lfd, getpid(), NULL) < 0)
			_exit(101);
		pid_t g = fork();
		if (g == 0)
			_exit(syscall(SYS_getsid, 0) < 0 && errno == 55 ? 0 : 102);
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0 || req.data.nr != SYS_getsid)
			_exit(103);
		resp = (struct seccomp_notif_resp){ .id = req.id, .error = -55 };
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			_exit(104);
		int st;
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 105);
	}
	seccomp_prog_free(p);
	int conn = accept4(agent, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	char buf[4096] = { 0 };
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.c, .msg_controllen = sizeof(ctl.c) };
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int got;
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	char link[64] = { 0 }, proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", got);
	assert_true(readlink(proc, link, sizeof(link) - 1) > 0);
	assert_string_equal(link, "anon_inode:seccomp notify");
	assert_contains(buf, "\"ociVersion\":\"1.2.0\"");
	assert_contains(buf, "\"fds\":[\"seccompFd\"]");
	assert_contains(buf, "\"metadata\":\"meta=1\"");
	assert_contains(buf, "\"state\":{");
	assert_contains(buf, "\"id\":\"c1\"");
	char pidfield[32];
	snprintf(pidfield, sizeof(pidfield), "\"pid\":%d", pid);
	assert_contains(buf, pidfield);
	close(got);
	close(conn);
	close(agent);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	unlink(sock_path);
	rmdir(agent_path);
}

static void test_listener_errors(void **state)
{
	(void)state;
	struct hull_err *err = NULL;
	assert_int_equal(seccomp_send_listener("/nonexistent/hull-agent.sock", NULL, "{}", 0, 1, &err), -1);
	assert_non_null(strstr(err->msg, "connect /nonexistent/hull-agent.sock"));
	hull_err_free(err);
	err = NULL;
	assert_int_equal(seccomp_send_listener("/x", NULL, "{not json", 0, 1, &err), -1);
	assert_non_null(strstr(err->msg, "not JSON"));
	hull_err_free(err);
}

/* ---- through the real parser ---- */

static struct spec *parse_config(const char *seccomp_json)
{
	_cleanup_free_ char *text = xasprintf(
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/true\"],"
		"\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"seccomp\":%s}}", seccomp_json);
	struct hull_err *err = NULL;
	struct spec *sp = spec_parse(text, strlen(text), "config.json", &err);
	if (!sp)
		fail_msg("parse: %s", err->msg);
	return sp;
}

static void test_from_config_json(void **state)
{
	(void)state;
	struct spec *sp = parse_config(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\","
		"\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"getpid\",\"no_such_call\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":61,\"args\":[{\"index\":0,"
		"\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":255,"
		"\"valueTwo\":7,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
	const struct spec_seccomp *s = sp->linux_->seccomp;
	assert_non_null(s->raw_json);
	_cleanup_free_ char *pfc = pfc_of(s);
	assert_contains(pfc, "# default action\n  action ERRNO(38);");
	assert_contains(pfc, "filter for arch x86 ");
	assert_contains(pfc, "if ($syscall == 39)\n    action ALLOW;");
	assert_contains(pfc, "if ($a0.lo32 & 0x000000ff == 7)\n        action KILL_PROCESS;");
	char *sid = strstr(pfc, "\"getsid\" (124)");
	assert_non_null(sid);
	assert_non_null(strstr(sid, "if ($a0.lo32 == 1)"));
	assert_non_null(strstr(sid, "if ($a0.lo32 == 2)"));
	struct hull_err *err = NULL;
	struct seccomp_prog *p = seccomp_prepare(s, NULL, &err);
	assert_non_null(p);
	assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_SPEC_ALLOW); /* flags absent: runc's default */
	assert_false(p->notify);
	seccomp_prog_free(p);
	spec_free(sp);

	sp = parse_config("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[]}");
	p = seccomp_prepare(sp->linux_->seccomp, NULL, &err);
	assert_non_null(p);
	assert_int_equal(p->flags, 0); /* flags present and empty: none */
	seccomp_prog_free(p);
	spec_free(sp);

	sp = parse_config("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
			  "\"listenerPath\":\"/run/a.sock\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	p = seccomp_prepare(sp->linux_->seccomp, NULL, &err);
	assert_non_null(p);
	assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_LOG);
	assert_true(p->notify);
	seccomp_prog_free(p);
	spec_free(sp);
}

/* ---- runc's ENOSYS rule for syscalls newer than the profile (seccomp_enosys.c) ---- */

static int child_enosys_rule(void)
{
	if (errno_of(syscall(SYS_getpid)) != 0) return 1;           /* allowed */
	if (errno_of(syscall(SYS_getppid)) != EPERM) return 2;      /* older than the newest named: default */
	if (errno_of(syscall(436 /* close_range */, 3, 2, 0)) != ENOSYS) return 3;
	if (errno_of(syscall(437 /* openat2 */, -1, NULL, NULL, 0)) != ENOSYS) return 4;
	if (errno_of(syscall(1000)) != ENOSYS) return 5;
	return 0;
}

static int child_enosys_newer_only(void)
{
	if (errno_of(syscall(437 /* openat2 */, -1, NULL, NULL, 0)) != ENOSYS) return 1;
	if (errno_of(syscall(1000)) != ENOSYS) return 2;
	return 0;
}

static void test_enosys_for_syscalls_newer_than_profile(void **state)
{
	(void)state;
	char *allowed[] = { "write", "exit_group", "exit", "getpid", "rt_sigreturn" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ALLOW, allowed, 5) };
	struct spec_seccomp s = profile(SCMP_ACT_ERRNO(0), r, 1);
	assert_true(seccomp_wants_enosys_stub(&s));
	int st = run_filtered(&s, child_enosys_rule);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* A KILL default: newer syscalls are answered, not fatal; an older unnamed one still kills. */
	s.default_action = SCMP_ACT_KILL_PROCESS;
	st = run_filtered(&s, child_enosys_newer_only);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	st = run_filtered(&s, child_enosys_rule);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static int child_named_openat2(void)
{
	if (errno_of(syscall(436 /* close_range */, 3, 2, 0)) != EPERM) return 1; /* below openat2: default */
	if (errno_of(syscall(438 /* pidfd_getfd */, -1, 0, 0)) != ENOSYS) return 2;
	return 0;
}

static void test_enosys_bound_is_the_newest_named(void **state)
{
	(void)state;
	char *allowed[] = { "write", "exit_group", "exit" }, *denied[] = { "openat2" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ALLOW, allowed, 3), rule(SCMP_ACT_ERRNO(0), denied, 1) };
	r[1].has_errno_ret = true, r[1].errno_ret = EACCES; /* differs from the default: the rule is kept */
	struct spec_seccomp s = profile(SCMP_ACT_ERRNO(0), r, 2);
	int st = run_filtered(&s, child_named_openat2);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_enosys_stub_only_for_refusing_defaults(void **state)
{
	(void)state;
	char *names[] = { "getcwd" };
	struct spec_seccomp_syscall r[] = { rule(SCMP_ACT_ERRNO(0), names, 1) };
	struct spec_seccomp s = profile(SCMP_ACT_ALLOW, r, 1);
	assert_false(seccomp_wants_enosys_stub(&s));
	s.default_action = SCMP_ACT_LOG;
	assert_false(seccomp_wants_enosys_stub(&s));
	s.default_action = SCMP_ACT_ERRNO(0);
	s.has_default_errno_ret = true, s.default_errno_ret = ENOSYS;
	assert_false(seccomp_wants_enosys_stub(&s));
	s.default_errno_ret = EPERM;
	assert_true(seccomp_wants_enosys_stub(&s));
	/* The stub is in the exported program: longer than libseccomp's alone. */
	struct hull_err *err = NULL;
	scmp_filter_ctx ctx = seccomp_build_ctx(&s, &err);
	assert_non_null(ctx);
	void *plain;
	size_t plain_len;
	assert_int_equal(seccomp_export(ctx, &plain, &plain_len, &err), 0);
	seccomp_release(ctx);
	struct seccomp_prog *p = seccomp_prepare(&s, NULL, &err);
	assert_non_null(p);
	assert_true(p->len > plain_len);
	/* x86_64 block: arch load, arch test, nr load, x32 test, x32 part (none: 1), native part (3). */
	assert_int_equal(p->len - plain_len, 1 + 1 + 1 + 1 + 1 + 3);
	assert_memory_equal((char *)p->filter + (p->len - plain_len) * sizeof(struct sock_filter), plain,
			    plain_len * sizeof(struct sock_filter));
	free(plain);
	seccomp_prog_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_profiles),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_action_mapping),
		cmocka_unit_test(test_default_action_rule_dropped),
		cmocka_unit_test(test_operators_and_args),
		cmocka_unit_test(test_architectures_and_unknown_names),
		cmocka_unit_test(test_errno_actions_take_effect),
		cmocka_unit_test(test_kill_and_trap_actions),
		cmocka_unit_test(test_status_reports_filter),
		cmocka_unit_test(test_notify_and_listener),
		cmocka_unit_test(test_listener_errors),
		cmocka_unit_test(test_from_config_json),
		cmocka_unit_test(test_enosys_for_syscalls_newer_than_profile),
		cmocka_unit_test(test_enosys_bound_is_the_newest_named),
		cmocka_unit_test(test_enosys_stub_only_for_refusing_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
