/* test_hooks.c — runtime/hooks with small shell scripts in a temp dir: state on stdin, argv/env, exit
 * status and stderr tail, timeout (killed within time), execve failure, signals, no leaked fds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/hull-process-hooks-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	fs_rmtree_at(AT_FDCWD, dir, NULL);
	return 0;
}

/* Write an executable script dir/name with body (after the #! line); returns its path (static buffer
 * per slot). */
static char *script(const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *text = xasprintf("#!/bin/sh\n%s\n", body);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *slurp(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	struct hull_err *err = NULL;
	char *s = fs_read_file_at(AT_FDCWD, p, NULL, &err);
	if (!s)
		fail_msg("%s", err->msg);
	return s;
}

static const char state[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"hulltest\",\"status\":\"creating\",\"pid\":42,"
			    "\"bundle\":\"/tmp/b\"}";

static void test_state_args_env(void **state_)
{
	_cleanup_free_ char *body = xasprintf("/bin/cat > %s/state.out\necho \"$0|$1|$2|$HULL_A|$PATH\" > %s/args.out",
					      dir, dir);
	_cleanup_free_ char *path = script("hook.sh", body);
	char *args[] = { "custom-argv0", "one", "two" };
	char *env[] = { "HULL_A=a-value", "PATH=/hull/none" };
	struct spec_hook h = { .path = path, .args = args, .n_args = 3, .env = env, .n_env = 2 };
	struct hull_err *err = NULL;
	assert_int_equal(hooks_run(&h, 1, "prestart", state, &err), 0);
	_cleanup_free_ char *got = slurp("state.out");
	assert_string_equal(got, state);
	_cleanup_free_ char *a = slurp("args.out");
	/* $0 of a script is its path whatever argv[0] was; argv[1..] and env are the hook's. */
	_cleanup_free_ char *want = xasprintf("%s|one|two|a-value|/hull/none\n", path);
	assert_string_equal(a, want);
}

static void test_defaults_inherit_env(void **state_)
{
	_cleanup_free_ char *body = xasprintf("echo \"$#|$HULL_HOOK_INHERITED\" > %s/env.out", dir);
	_cleanup_free_ char *path = script("inherit.sh", body);
	setenv("HULL_HOOK_INHERITED", "from-runtime", 1);
	struct spec_hook h = { .path = path };
	struct hull_err *err = NULL;
	assert_int_equal(hooks_run(&h, 1, "poststop", state, &err), 0);
	unsetenv("HULL_HOOK_INHERITED");
	_cleanup_free_ char *got = slurp("env.out");
	assert_string_equal(got, "0|from-runtime\n");

	/* With a default env (startContainer: the container process's), that replaces the caller's. */
	char *def[] = { "HULL_HOOK_INHERITED=from-container" };
	setenv("HULL_HOOK_INHERITED", "from-runtime", 1);
	assert_int_equal(hooks_run_with_env(&h, 1, "startContainer", state, def, 1, &err), 0);
	unsetenv("HULL_HOOK_INHERITED");
	_cleanup_free_ char *got2 = slurp("env.out");
	assert_string_equal(got2, "0|from-container\n");

	/* A hook's own env wins over the default. */
	char *own[] = { "HULL_HOOK_INHERITED=own" };
	struct spec_hook h2 = { .path = path, .env = own, .n_env = 1 };
	assert_int_equal(hooks_run_with_env(&h2, 1, "startContainer", state, def, 1, &err), 0);
	_cleanup_free_ char *got3 = slurp("env.out");
	assert_string_equal(got3, "0|own\n");
}

static void test_order_and_failure(void **state_)
{
	_cleanup_free_ char *b1 = xasprintf("echo first >> %s/order.out", dir);
	_cleanup_free_ char *b3 = xasprintf("echo third >> %s/order.out", dir);
	_cleanup_free_ char *p1 = script("first.sh", b1);
	_cleanup_free_ char *p2 = script("fails.sh", "echo noise >&2\necho 'bad thing happened' >&2\nexit 3");
	_cleanup_free_ char *p3 = script("third.sh", b3);
	struct spec_hook h[] = { { .path = p1 }, { .path = p2 }, { .path = p3 } };
	struct hull_err *err = NULL;
	assert_int_equal(hooks_run(h, 3, "createRuntime", state, &err), -1);
	_cleanup_free_ char *want = xasprintf("hook createRuntime[1] %s: exit status 3: noise; bad thing happened", p2);
	assert_string_equal(err->msg, want);
	hull_err_free(err);
	/* Stopped at the failure: the third hook never ran. */
	_cleanup_free_ char *order = slurp("order.out");
	assert_string_equal(order, "first\n");
}

static void test_timeout(void **state_)
{
	/* exec: the shell becomes sleep, so the SIGKILL leaves nothing behind. */
	_cleanup_free_ char *p = script("slow.sh", "exec sleep 30");
	struct spec_hook h = { .path = p, .has_timeout = true, .timeout = 1 };
	struct hull_err *err = NULL;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hooks_run(&h, 1, "prestart", state, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs >= 0.9 && secs < 2.5);
	_cleanup_free_ char *want = xasprintf("hook prestart[0] %s: timed out after 1s", p);
	assert_string_equal(err->msg, want);
	assert_int_equal(err->errnum, ETIMEDOUT);
	hull_err_free(err);

	/* A hook that finishes within its timeout is fine, even when it leaves a background child holding
	 * its stderr: the hook's exit is what is waited for, not the pipe's EOF. */
	_cleanup_free_ char *q = script("quick.sh", "sleep 1 &\nexit 0");
	struct spec_hook ok = { .path = q, .has_timeout = true, .timeout = 5 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hooks_run(&ok, 1, "prestart", state, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs < 0.8);
}

static void test_exec_failure_and_signal(void **state_)
{
	_cleanup_free_ char *missing = xasprintf("%s/does-not-exist", dir);
	struct spec_hook h = { .path = missing };
	struct hull_err *err = NULL;
	assert_int_equal(hooks_run(&h, 1, "poststart", state, &err), -1);
	_cleanup_free_ char *want = xasprintf("hook poststart[0] %s: execve: No such file or directory", missing);
	assert_string_equal(err->msg, want);
	hull_err_free(err), err = NULL;

	_cleanup_free_ char *p = script("term.sh", "kill -TERM $$");
	struct spec_hook s = { .path = p };
	assert_int_equal(hooks_run(&s, 1, "poststart", state, &err), -1);
	_cleanup_free_ char *want2 = xasprintf("hook poststart[0] %s: killed by signal SIGTERM", p);
	assert_string_equal(err->msg, want2);
	hull_err_free(err);
}

static void test_no_fd_leak_and_stdout_inherited(void **state_)
{
	/* An fd of ours without CLOEXEC must not reach the hook. */
	int leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 2);
	_cleanup_free_ char *body = xasprintf("ls -1 /proc/self/fd > %s/fds.out\necho to-stdout", dir);
	_cleanup_free_ char *p = script("fds.sh", body);
	/* Capture our stdout for the duration, to see that the hook writes to it. */
	_cleanup_free_ char *outp = xasprintf("%s/stdout.out", dir);
	fflush(stdout);
	int saved = dup(1);
	int outfd = open(outp, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(saved >= 0 && outfd >= 0);
	dup2(outfd, 1);
	close(outfd);
	struct spec_hook h = { .path = p };
	struct hull_err *err = NULL;
	int r = hooks_run(&h, 1, "createContainer", state, &err);
	dup2(saved, 1);
	close(saved);
	close(leak);
	assert_int_equal(r, 0);
	/* 0, 1, 2 and the directory ls itself opened: nothing else. */
	_cleanup_free_ char *fds = slurp("fds.out");
	assert_string_equal(fds, "0\n1\n2\n3\n");
	_cleanup_free_ char *out = slurp("stdout.out");
	assert_string_equal(out, "to-stdout\n");
}

/* Hooks as the parser gives them (config.json "hooks"), run by kind. */
static void test_run_kind_from_parsed_spec(void **state_)
{
	_cleanup_free_ char *body = xasprintf("echo \"$1 $HULL_K\" >> %s/kind.out", dir);
	_cleanup_free_ char *p = script("kind.sh", body);
	_cleanup_free_ char *json = xasprintf(
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
		"\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
		"\"hooks\":{\"poststart\":[{\"path\":\"%s\",\"args\":[\"kind.sh\",\"a\"],\"env\":[\"HULL_K=1\"]},"
		"{\"path\":\"%s\",\"args\":[\"kind.sh\",\"b\"],\"env\":[\"HULL_K=2\"],\"timeout\":5}]}}",
		p, p);
	struct hull_err *err = NULL;
	struct spec *s = spec_parse(json, strlen(json), "config.json", &err);
	if (!s)
		fail_msg("%s", err->msg);
	assert_int_equal(hooks_run_kind(s, HOOK_PRESTART, state, &err), 0); /* none: nothing runs */
	assert_int_equal(hooks_run_kind(s, HOOK_POSTSTART, state, &err), 0);
	spec_free(s);
	_cleanup_free_ char *out = slurp("kind.out");
	assert_string_equal(out, "a 1\nb 2\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_args_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_inherit_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure_and_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fd_leak_and_stdout_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_kind_from_parsed_spec, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
