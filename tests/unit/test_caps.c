/* test_caps.c — the capability sets and no_new_privs applied in forked children, read back from
 * /proc/self/status (CapInh/CapPrm/CapEff/CapBnd/CapAmb/NoNewPrivs), including across setuid and
 * execve. Needs root (the test machine's tests run as root). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/caps.h"
#include "util/cleanup.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIT(c) (1ULL << (c))

struct status {
	unsigned long long inh, prm, eff, bnd, amb;
	int nnp;
};

static struct status read_status(FILE *f)
{
	struct status s = { .nnp = -1 };
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "CapInh: %llx", &s.inh);
		sscanf(line, "CapPrm: %llx", &s.prm);
		sscanf(line, "CapEff: %llx", &s.eff);
		sscanf(line, "CapBnd: %llx", &s.bnd);
		sscanf(line, "CapAmb: %llx", &s.amb);
		sscanf(line, "NoNewPrivs: %d", &s.nnp);
	}
	return s;
}

static struct status self_status(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	struct status s = read_status(f);
	fclose(f);
	return s;
}

/* What the test process has: caps the spec asks for must be a subset to be grantable here (this
 * machine's bounding set lacks CAP_SYS_RESOURCE). */
static unsigned long long host_bounding(void) { return self_status().bnd; }

/* Run fn in a child; the child writes a struct status (or an error string) to the pipe. */
struct result {
	int rc;
	struct status st;
	char err[256];
};

static struct result in_child(int (*fn)(struct result *, const void *), const void *arg)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		struct result r = { 0 };
		r.rc = fn(&r, arg);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	struct result r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(read(p[0], &r, sizeof(r)), sizeof(r));
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return r;
}

static int fail_with(struct result *r, struct hull_err *err)
{
	snprintf(r->err, sizeof(r->err), "%s", err ? err->msg : "?");
	hull_err_free(err);
	return -1;
}

/* The runtime's order: bounding, keepcaps, setuid, apply. uid from arg->uid (0: stay root). */
struct plan {
	struct spec_caps caps;
	uid_t uid;
	bool nnp;
	bool preset_inheritable; /* start the child with a non-empty inheritable set */
	const char *exec;        /* execve this and read ITS status through a pipe */
};

static int run_plan(struct result *r, const void *arg)
{
	const struct plan *pl = arg;
	struct hull_err *err = NULL;
	if (pl->preset_inheritable) {
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];
		syscall(SYS_capget, &h, d);
		d[0].inheritable = d[0].permitted;
		d[1].inheritable = d[1].permitted;
		if (syscall(SYS_capset, &h, d) < 0)
			return snprintf(r->err, sizeof(r->err), "preset capset: %s", strerror(errno)), -1;
	}
	if (caps_drop_bounding(&pl->caps, &err) < 0 || caps_keep_across_setuid(&err) < 0)
		return fail_with(r, err);
	if (pl->uid && (setresgid(pl->uid, pl->uid, pl->uid) < 0 || setresuid(pl->uid, pl->uid, pl->uid) < 0))
		return snprintf(r->err, sizeof(r->err), "setuid: %s", strerror(errno)), -1;
	if (caps_apply(&pl->caps, &err) < 0)
		return fail_with(r, err);
	if (pl->nnp && caps_set_no_new_privs(&err) < 0)
		return fail_with(r, err);
	if (!pl->exec) {
		r->st = self_status();
		return 0;
	}
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(pl->exec, pl->exec, "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	r->st = read_status(f);
	fclose(f);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void test_bounding_dropped(void **state)
{
	(void)state;
	struct plan pl = { .caps = { .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
				     .has_bounding = true } };
	pl.caps.permitted = pl.caps.effective = pl.caps.bounding;
	pl.caps.has_permitted = pl.caps.has_effective = true;
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.bnd, pl.caps.bounding);
	assert_int_equal(r.st.prm, pl.caps.bounding);
	assert_int_equal(r.st.eff, pl.caps.bounding);
	assert_int_equal(r.st.inh, 0);
	assert_int_equal(r.st.amb, 0);
	assert_int_equal(r.st.nnp, 0);
}

static void test_absent_sets_are_empty(void **state)
{
	(void)state;
	struct plan pl = { 0 };
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.bnd, 0);
	assert_int_equal(r.st.prm, 0);
	assert_int_equal(r.st.eff, 0);
	assert_int_equal(r.st.inh, 0);
	assert_int_equal(r.st.amb, 0);
}

/* CVE-2022-29162: whatever inheritable set the runtime process had, the container gets none unless asked. */
static void test_inheritable_cleared_unless_asked(void **state)
{
	(void)state;
	struct plan pl = { .caps = { .bounding = BIT(CAP_CHOWN) | BIT(CAP_SETUID), .has_bounding = true },
			   .preset_inheritable = true };
	pl.caps.permitted = pl.caps.effective = pl.caps.bounding;
	pl.caps.has_permitted = pl.caps.has_effective = true;
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.inh, 0);
	pl.caps.inheritable = BIT(CAP_CHOWN);
	pl.caps.has_inheritable = true;
	r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.inh, BIT(CAP_CHOWN));
}

/* A non-root user keeps exactly the ambient set across execve; permitted and effective come from it. */
static void test_non_root_ambient_across_exec(void **state)
{
	(void)state;
	unsigned long long want = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN);
	struct plan pl = { .uid = 1000, .exec = "/bin/cat", .nnp = true,
			   .caps = { .bounding = want | BIT(CAP_KILL), .has_bounding = true, .permitted = want | BIT(CAP_KILL),
				     .has_permitted = true, .effective = want, .has_effective = true,
				     .inheritable = want, .has_inheritable = true, .ambient = want, .has_ambient = true } };
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.amb, want);
	assert_int_equal(r.st.prm, want);
	assert_int_equal(r.st.eff, want);
	assert_int_equal(r.st.inh, want);
	assert_int_equal(r.st.bnd, want | BIT(CAP_KILL));
	assert_int_equal(r.st.nnp, 1);

	/* Without ambient, a non-root process has no capability after execve. */
	pl.caps.has_ambient = false;
	r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.amb, 0);
	assert_int_equal(r.st.prm, 0);
	assert_int_equal(r.st.eff, 0);
}

/* runc goes on when an ambient cap is not in inheritable: so do we (the cap is just not raised). */
static void test_ambient_without_inheritable_skipped(void **state)
{
	(void)state;
	struct plan pl = { .uid = 1000,
			   .caps = { .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL), .has_bounding = true,
				     .permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL), .has_permitted = true,
				     .inheritable = BIT(CAP_CHOWN), .has_inheritable = true,
				     .ambient = BIT(CAP_CHOWN) | BIT(CAP_KILL), .has_ambient = true } };
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.amb, BIT(CAP_CHOWN));
}

static void test_root_exec_gets_bounding(void **state)
{
	(void)state;
	/* For root, execve grants the bounding set whatever permitted said: the same as runc (hence the
	 * side-by-side test in tests/security). */
	struct plan pl = { .exec = "/bin/cat",
			   .caps = { .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL), .has_bounding = true,
				     .permitted = BIT(CAP_CHOWN), .has_permitted = true,
				     .effective = BIT(CAP_CHOWN), .has_effective = true } };
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.prm, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	assert_int_equal(r.st.inh, 0);
}

static void test_errors_name_the_set(void **state)
{
	(void)state;
	struct plan pl = { .caps = { .bounding = BIT(CAP_CHOWN), .has_bounding = true,
				     .permitted = BIT(CAP_CHOWN), .has_permitted = true,
				     .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL), .has_effective = true } };
	struct result r = in_child(run_plan, &pl);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "effective must be a subset of permitted"));

	pl.caps.effective = BIT(CAP_CHOWN);
	pl.caps.inheritable = BIT(CAP_KILL);
	pl.caps.has_inheritable = true;
	r = in_child(run_plan, &pl);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "inheritable must be a subset of bounding"));

	/* Asking for a cap the machine does not have (CAP_SYS_RESOURCE is not in this host's bounding). */
	if (!(host_bounding() & BIT(CAP_SYS_RESOURCE))) {
		pl.caps.inheritable = 0;
		pl.caps.bounding = pl.caps.permitted = BIT(CAP_CHOWN) | BIT(CAP_SYS_RESOURCE);
		r = in_child(run_plan, &pl);
		assert_int_equal(r.rc, -1);
		assert_non_null(strstr(r.err, "permitted asks for capabilities the process no longer has"));
	}
}

static void test_caps_beyond_kernel_ignored(void **state)
{
	(void)state;
	int last = caps_last_cap();
	assert_true(last >= 37 && last < 63);
	struct plan pl = { .caps = { .bounding = BIT(CAP_CHOWN) | BIT(62), .has_bounding = true,
				     .permitted = BIT(CAP_CHOWN) | BIT(62), .has_permitted = true,
				     .effective = BIT(CAP_CHOWN) | BIT(62), .has_effective = true } };
	struct result r = in_child(run_plan, &pl);
	if (r.rc)
		fail_msg("%s", r.err);
	assert_int_equal(r.st.eff, BIT(CAP_CHOWN));
	assert_int_equal(r.st.bnd, BIT(CAP_CHOWN));
}

static void test_exec_cap(void **state)
{
	(void)state;
	struct spec_caps c = { .bounding = BIT(CAP_CHOWN), .has_bounding = true };
	struct hull_err *err = NULL;
	assert_int_equal(caps_exec_add(&c, "CAP_SYS_ADMIN", &err), 0);
	assert_int_equal(c.bounding, BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN));
	assert_int_equal(c.effective, BIT(CAP_SYS_ADMIN));
	assert_int_equal(c.permitted, BIT(CAP_SYS_ADMIN));
	assert_true(c.has_effective && c.has_permitted);
	assert_false(c.has_ambient);
	assert_int_equal(c.inheritable, 0);
	/* With an inheritable set in the spec, ambient gets it too (runc). */
	c.has_inheritable = true;
	assert_int_equal(caps_exec_add(&c, "cap_net_raw", &err), 0);
	assert_int_equal(c.ambient, BIT(CAP_NET_RAW));
	assert_int_equal(c.inheritable, 0);
	assert_int_equal(caps_exec_add(&c, "CAP_BOGUS", &err), -1);
	assert_non_null(strstr(err->msg, "--cap: unknown capability \"CAP_BOGUS\""));
	hull_err_free(err);
	err = NULL;
	assert_int_equal(caps_exec_add(&c, "21", &err), -1);
	hull_err_free(err);
	assert_int_equal(caps_from_name("CAP_CHECKPOINT_RESTORE"), 40);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_caps: needs root\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounding_dropped),
		cmocka_unit_test(test_absent_sets_are_empty),
		cmocka_unit_test(test_inheritable_cleared_unless_asked),
		cmocka_unit_test(test_non_root_ambient_across_exec),
		cmocka_unit_test(test_ambient_without_inheritable_skipped),
		cmocka_unit_test(test_root_exec_gets_bounding),
		cmocka_unit_test(test_errors_name_the_set),
		cmocka_unit_test(test_caps_beyond_kernel_ignored),
		cmocka_unit_test(test_exec_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
