/* test_engine.c — the engine's pure pieces: capability sets, the seccomp profile, user resolution inside
 * a hostile rootfs, signal names, json-file log rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has(json_t *a, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (!strcmp(json_string_value(x), s))
			return true;
	return false;
}

static void test_caps(void **state)
{
	(void)state;
	json_t *c = engine_caps(false, NULL, NULL, NULL);
	assert_int_equal(json_array_size(c), 14);
	assert_true(has(c, "CAP_NET_RAW") && !has(c, "CAP_SYS_ADMIN"));
	json_decref(c);
	struct strv add = { 0 }, drop = { 0 };
	strv_push(&drop, "all");
	strv_push(&add, "chown");
	strv_push(&add, "CAP_SYS_PTRACE");
	c = engine_caps(false, &add, &drop, NULL);
	assert_int_equal(json_array_size(c), 2);
	assert_true(has(c, "CAP_CHOWN") && has(c, "CAP_SYS_PTRACE"));
	json_decref(c);
	strv_clear(&add);
	strv_push(&add, "CAP_BOGUS");
	struct hull_err *err = NULL;
	assert_null(engine_caps(false, &add, NULL, &err));
	assert_non_null(strstr(err->msg, "CAP_BOGUS"));
	hull_err_free(err);
	strv_clear(&add);
	strv_clear(&drop);
}

/* Is the syscall refused (without an argument condition) by the profile? */
static bool blocked(json_t *prof, const char *name, int *errnum)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(prof, "syscalls"), i, r) {
		if (json_object_get(r, "args"))
			continue;
		if (has(json_object_get(r, "names"), name)) {
			*errnum = (int)json_integer_value(json_object_get(r, "errnoRet"));
			return true;
		}
	}
	return false;
}

static void test_seccomp_profile(void **state)
{
	(void)state;
	json_t *caps = engine_caps(false, NULL, NULL, NULL);
	json_t *p = engine_seccomp_default(caps);
	int e = 0;
	static const char *const refused[] = { "keyctl", "add_key", "request_key", "mount", "umount2", "pivot_root",
		"unshare", "setns", "bpf", "perf_event_open", "kexec_load", "kexec_file_load", "open_by_handle_at",
		"init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "settimeofday",
		"clock_settime", "acct", "iopl", "ioperm", "syslog", "move_mount", NULL };
	for (int i = 0; refused[i]; i++) {
		assert_true(blocked(p, refused[i], &e));
		assert_int_equal(e, 1);
	}
	assert_true(blocked(p, "clone3", &e));
	assert_int_equal(e, 38);
	assert_false(blocked(p, "ptrace", &e)); /* allowed on kernels ≥ 4.8, as docker */
	assert_false(blocked(p, "read", &e));
	/* clone: one argument rule per namespace flag, CLONE_NEWUSER among them */
	size_t i;
	json_t *r;
	bool newuser = false;
	json_array_foreach(json_object_get(p, "syscalls"), i, r)
		if (has(json_object_get(r, "names"), "clone")) {
			json_t *a = json_array_get(json_object_get(r, "args"), 0);
			newuser |= json_integer_value(json_object_get(a, "value")) == 0x10000000 &&
				   !strcmp(json_string_value(json_object_get(a, "op")), "SCMP_CMP_MASKED_EQ");
		}
	assert_true(newuser);
	json_decref(p);
	/* CAP_SYS_ADMIN lifts the mount family, not keyctl */
	json_array_append_new(caps, json_string("CAP_SYS_ADMIN"));
	p = engine_seccomp_default(caps);
	assert_false(blocked(p, "mount", &e));
	assert_false(blocked(p, "clone3", &e));
	assert_true(blocked(p, "keyctl", &e));
	json_decref(p);
	json_decref(caps);
}

static int write_at(const char *dir, const char *name, const char *data)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(data, f);
	fclose(f);
	return 0;
}

static void test_user_resolve_in_root(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/hull-engine-unit-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	_cleanup_free_ char *etc = xasprintf("%s/etc", root);
	mkdir(etc, 0755);
	assert_int_equal(write_at(etc, "passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"), 0);
	assert_int_equal(write_at(etc, "group", "root:x:0:\napp:x:1001:\nextra:x:2000:other,app\n"), 0);
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct resolved_user u;
	assert_int_equal(user_resolve(fd, "app", &u, NULL), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1001);
	assert_int_equal(u.n_gids, 1);
	assert_int_equal(u.gids[0], 2000);
	assert_string_equal(u.home, "/home/app");
	resolved_user_free(&u);
	assert_int_equal(user_resolve(fd, "app:root", &u, NULL), 0);
	assert_int_equal(u.gid, 0);
	resolved_user_free(&u);
	assert_int_equal(user_resolve(fd, "77:88", &u, NULL), 0);
	assert_int_equal(u.uid, 77);
	assert_int_equal(u.gid, 88);
	resolved_user_free(&u);
	struct hull_err *err = NULL;
	assert_int_equal(user_resolve(fd, "daemon", &u, &err), -1); /* the host's, not the image's */
	hull_err_free(err);
	/* a hostile image: /etc/passwd a symlink to the host's — resolved inside the root, so not found */
	_cleanup_free_ char *pw = xasprintf("%s/passwd", etc);
	unlink(pw);
	assert_int_equal(symlink("../../../../../../etc/passwd", pw), 0);
	err = NULL;
	assert_int_equal(user_resolve(fd, "root", &u, &err), -1);
	hull_err_free(err);
	assert_int_equal(user_resolve(fd, "0", &u, NULL), 0); /* numeric ids need no database */
	resolved_user_free(&u);
	close(fd);
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	fs_rmtree_at(d, root + 5, NULL);
	close(d);
}

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(engine_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(engine_signal_parse("usr1"), SIGUSR1);
	assert_int_equal(engine_signal_parse("9"), 9);
	assert_int_equal(engine_signal_parse("SIGNOPE"), -1);
	assert_int_equal(engine_signal_parse("0"), -1);
	assert_int_equal(engine_signal_parse(""), -1);
}

static void test_log_rotation(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/hull-engine-unit-log-XXXXXX";
	char *dir = mkdtemp(tmpl);
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct log_writer w;
	assert_int_equal(log_writer_open(&w, d, "c-json.log", 300, 3, NULL), 0);
	static const char line[] = "a \"quoted\" line\twith\x01control\n";
	for (int i = 0; i < 20; i++)
		log_writer_write(&w, "stdout", line, strlen(line));
	log_writer_close(&w);
	struct stat sb;
	assert_int_equal(fstatat(d, "c-json.log", &sb, 0), 0);
	assert_true(sb.st_size <= 300);
	assert_int_equal(fstatat(d, "c-json.log.1", &sb, 0), 0);
	assert_int_equal(fstatat(d, "c-json.log.2", &sb, 0), 0);
	assert_int_equal(fstatat(d, "c-json.log.3", &sb, 0), -1);
	_cleanup_free_ char *s = fs_read_file_at(d, "c-json.log", NULL, NULL);
	char *nl = strchr(s, '\n');
	*nl = 0;
	json_t *j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "log")), "a \"quoted\" line\twith\x01control\n");
	assert_string_equal(json_string_value(json_object_get(j, "stream")), "stdout");
	json_decref(j);
	close(d);
	d = open("/tmp", O_RDONLY | O_DIRECTORY);
	fs_rmtree_at(d, dir + 5, NULL);
	close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_seccomp_profile),
		cmocka_unit_test(test_user_resolve_in_root),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_log_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
