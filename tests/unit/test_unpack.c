/* test_unpack.c — whiteout translation and path confinement, on layers built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/decompress.h"
#include "image/unpack.h"
#include "util/fs.h"

static void test_clean_path(void **state)
{
	char *p;
	assert_string_equal(p = unpack_clean_path("./a//b/./c/", NULL), "a/b/c");
	free(p);
	assert_string_equal(p = unpack_clean_path("./", NULL), "");
	free(p);
	assert_string_equal(p = unpack_clean_path("a/..b/c..", NULL), "a/..b/c..");
	free(p);
	struct hull_err *err = NULL;
	assert_null(unpack_clean_path("a/../../etc", &err));
	assert_non_null(strstr(err->msg, "\"..\""));
	hull_err_free(err);
	err = NULL;
	assert_null(unpack_clean_path("/etc/passwd", &err));
	assert_non_null(strstr(err->msg, "absolute"));
	hull_err_free(err);
}

static void test_whiteout_classify(void **state)
{
	enum whiteout_kind k;
	const char *t;
	assert_int_equal(whiteout_classify("file", &k, &t, NULL), 0);
	assert_int_equal(k, WH_NONE);
	assert_int_equal(whiteout_classify(".wh.file", &k, &t, NULL), 0);
	assert_int_equal(k, WH_FILE);
	assert_string_equal(t, "file");
	assert_int_equal(whiteout_classify(".wh..wh..opq", &k, &t, NULL), 0);
	assert_int_equal(k, WH_OPAQUE);
	assert_int_equal(whiteout_classify(".wh..wh.plnk", &k, &t, NULL), 0);
	assert_int_equal(k, WH_META);
	assert_int_equal(whiteout_classify(".wh...", &k, &t, NULL), -1);
	assert_int_equal(whiteout_classify(".wh..", &k, &t, NULL), -1);
	assert_int_equal(whiteout_classify(".wh.", &k, &t, NULL), -1);
}

/* A ustar header + data, enough for these tests. */
static size_t tar_entry(char *buf, const char *name, char type, const char *link, const char *data)
{
	memset(buf, 0, 512);
	strcpy(buf, name);
	size_t len = data ? strlen(data) : 0;
	snprintf(buf + 100, 8, "%07o", 0644);
	snprintf(buf + 108, 8, "%07o", 0);
	snprintf(buf + 116, 8, "%07o", 0);
	snprintf(buf + 124, 12, "%011o", (unsigned)len);
	snprintf(buf + 136, 12, "%011o", 1700000000);
	memset(buf + 148, ' ', 8);
	buf[156] = type;
	if (link)
		strcpy(buf + 157, link);
	memcpy(buf + 257, "ustar", 6);
	memcpy(buf + 263, "00", 2);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)buf[i];
	snprintf(buf + 148, 8, "%06o", sum);
	if (len)
		memcpy(buf + 512, data, len);
	return 512 + (len + 511) / 512 * 512;
}

struct entry {
	const char *name;
	char type;
	const char *link, *data;
};

/* Unpack the entries into a fresh dir under a fresh parent; returns 0/-1 and the message. */
static int unpack_entries(const struct entry *e, size_t n, char *dir, char **msg)
{
	static char buf[1 << 16];
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += tar_entry(buf + len, e[i].name, e[i].type, e[i].link, e[i].data);
	memset(buf + len, 0, 1024);
	len += 1024;
	char tmpl[] = "/tmp/hull-images-unit-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, 256, "%s/root", tmpl);
	assert_int_equal(mkdir(dir, 0755), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], buf, len), (ssize_t)len);
	close(p[1]);
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct unpack_result res;
	struct hull_err *err = NULL;
	int r = unpack_layer(rootfd, p[0], COMP_NONE, 1 << 20, &res, &err);
	close(p[0]);
	close(rootfd);
	*msg = err ? strdup(err->msg) : NULL;
	hull_err_free(err);
	return r;
}

static void cleanup(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strrchr(dir, '/') - dir), dir);
	assert_int_equal(system(cmd), 0);
}

static void test_whiteouts_become_overlay_form(void **state)
{
	if (geteuid() != 0)
		skip();
	const struct entry e[] = {
		{ "d/", '5', NULL, NULL }, { "d/.wh.gone", '0', NULL, NULL }, { "o/", '5', NULL, NULL },
		{ "o/.wh..wh..opq", '0', NULL, NULL }, { "o/f", '0', NULL, "data" },
	};
	char dir[256], *msg;
	assert_int_equal(unpack_entries(e, 5, dir, &msg), 0);
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/d/gone", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	snprintf(p, sizeof(p), "%s/d/.wh.gone", dir);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/o", dir);
	char v[4] = { 0 };
	assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_string_equal(v, "y");
	cleanup(dir);
}

static void expect_refused(const struct entry *e, size_t n, const char *needle)
{
	char dir[256], *msg = NULL;
	assert_int_equal(unpack_entries(e, n, dir, &msg), -1);
	if (!msg || !strstr(msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", msg ? msg : "(none)", needle);
	/* nothing escaped into the parent of the snapshot dir */
	char parent[256];
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
	char p[512];
	snprintf(p, sizeof(p), "%s/escaped", parent);
	assert_int_equal(access(p, F_OK), -1);
	free(msg);
	cleanup(dir);
}

static void test_confinement(void **state)
{
	if (geteuid() != 0)
		skip();
	const struct entry dotdot[] = { { "../escaped", '0', NULL, "x" } };
	expect_refused(dotdot, 1, "\"..\"");
	const struct entry abs[] = { { "/tmp/escaped", '0', NULL, "x" } };
	expect_refused(abs, 1, "absolute");
	const struct entry sym[] = { { "l", '2', "..", NULL }, { "l/escaped", '0', NULL, "x" } };
	expect_refused(sym, 2, "symlink");
	const struct entry hard[] = { { "h", '1', "../escaped", NULL } };
	expect_refused(hard, 1, "hardlink");
	const struct entry whsym[] = { { "l", '2', "..", NULL }, { "l/.wh.escaped", '0', NULL, NULL } };
	expect_refused(whsym, 2, "symlink");
	const struct entry whdot[] = { { "a/.wh..", '0', NULL, NULL } };
	expect_refused(whdot, 1, "names no file");
}

/* The bomb limit grows with the declared size and saturates: a hostile size must not wrap it. */
static void test_layer_limit_saturates(void **state)
{
	unsetenv("HULL_MAX_LAYER_EXPANSION");
	assert_int_equal(layer_max_uncompressed(0), 64ull << 20);
	assert_int_equal(layer_max_uncompressed(1 << 20), (64ull << 20) + (64ull << 20));
	assert_true(layer_max_uncompressed(1ull << 58) == UINT64_MAX);
	assert_true(layer_max_uncompressed(UINT64_MAX - 1) == UINT64_MAX);
	assert_true(layer_max_uncompressed((UINT64_MAX >> 6) - 1) == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_whiteout_classify),
		cmocka_unit_test(test_whiteouts_become_overlay_form),
		cmocka_unit_test(test_confinement),
		cmocka_unit_test(test_layer_limit_saturates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
