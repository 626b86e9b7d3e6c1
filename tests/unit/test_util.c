/* test_util.c — the error convention (set, wrap, pass) and the file readers of src/util. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"

static void test_set_wrap(void **state)
{
	struct hull_err *err = NULL;
	assert_int_equal(hull_err_set(&err, ENOENT, "open %s", "x"), -1);
	assert_int_equal(hull_err_wrap(&err, "mount %s", "/proc"), -1);
	assert_string_equal(err->msg, "mount /proc: open x: No such file or directory");
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err);
	/* NULL err: nothing to fill, still -1. */
	assert_int_equal(hull_err_set(NULL, EIO, "ignored"), -1);
	assert_int_equal(hull_err_wrap(NULL, "ignored"), -1);
}

static void test_pass(void **state)
{
	struct hull_err *err = NULL, *from = NULL;
	hull_err_set(&from, EPERM, "worker");
	assert_int_equal(hull_err_pass(&err, &from), -1);
	assert_null(from);
	assert_string_equal(err->msg, "worker: Operation not permitted");
	/* An error already held is replaced, not leaked (valgrind/ASan would say). */
	hull_err_set(&from, EIO, "second");
	hull_err_pass(&err, &from);
	assert_string_equal(err->msg, "second: Input/output error");
	assert_int_equal(err->errnum, EIO);
	hull_err_free(err);
	/* A caller that asked for no error: the caught one is freed, not dereferenced through NULL. */
	hull_err_set(&from, EIO, "dropped");
	assert_int_equal(hull_err_pass(NULL, &from), -1);
	assert_null(from);
}

static char *vfmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void test_strings(void **state)
{
	_cleanup_free_ char *a = vfmt("%s-%d", "x", 7);
	assert_string_equal(a, "x-7");
	_cleanup_free_ char *b = xstrndup("abcdef", 3);
	assert_string_equal(b, "abc");
	_cleanup_free_ char *c = xstrndup(NULL, 3);
	assert_string_equal(c, "");
}

/* fs_read_file_in_root reads inside its root; fs_read_file_at (for hull's own files) follows the link. */
static void test_read_in_root(void **state)
{
	char top[] = "/tmp/hulltest-review-util-XXXXXX";
	assert_non_null(mkdtemp(top));
	_cleanup_free_ char *root = xasprintf("%s/root", top);
	_cleanup_free_ char *host = xasprintf("%s/host-secret", top);
	_cleanup_free_ char *inside = xasprintf("%s/root%s", top, host);
	_cleanup_free_ char *link = xasprintf("%s/root/link", top);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(fs_mkdir_p(inside, 0755, NULL), 0);
	assert_int_equal(rmdir(inside), 0);
	_cleanup_fd_ int hfd = open(host, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	_cleanup_fd_ int ifd = open(inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(hfd >= 0 && ifd >= 0);
	assert_int_equal(write(hfd, "host\n", 5), 5);
	assert_int_equal(write(ifd, "inside\n", 7), 7);
	assert_int_equal(symlink(host, link), 0);
	_cleanup_fd_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t len = 0;
	_cleanup_free_ char *confined = fs_read_file_in_root(rootfd, "link", &len, NULL);
	assert_non_null(confined);
	assert_string_equal(confined, "inside\n");
	assert_int_equal(len, 7);
	_cleanup_free_ char *followed = fs_read_file_at(rootfd, "link", NULL, NULL);
	assert_string_equal(followed, "host\n");
	struct hull_err *err = NULL;
	assert_null(fs_read_file_in_root(rootfd, "missing", NULL, &err));
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err);
	assert_int_equal(fs_rmtree_at(AT_FDCWD, top, NULL), 0);
}

static size_t count_entries(DIR *d)
{
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	return n;
}

/* Two listings through one dirfd both see everything; a symlink is not listed through. */
static void test_opendir_twice(void **state)
{
	char top[] = "/tmp/hulltest-review-util-XXXXXX";
	assert_non_null(mkdtemp(top));
	_cleanup_fd_ int dfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(dfd, "a", 0755), 0);
	assert_int_equal(mkdirat(dfd, "b", 0755), 0);
	assert_int_equal(symlinkat("/", dfd, "link"), 0);
	for (int round = 0; round < 2; round++) {
		DIR *d = fs_opendir_at(dfd, ".", NULL);
		assert_non_null(d);
		assert_int_equal(fcntl(dirfd(d), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		assert_int_equal(count_entries(d), 3);
		closedir(d);
	}
	struct hull_err *err = NULL;
	assert_null(fs_opendir_at(dfd, "link", &err));
	assert_int_equal(err->errnum, ENOTDIR);
	hull_err_free(err);
	assert_int_equal(fs_rmtree_at(AT_FDCWD, top, NULL), 0);
	assert_int_equal(access(top, F_OK), -1);
}

static void test_write_new(void **state)
{
	char top[] = "/tmp/hulltest-util-new-XXXXXX";
	assert_non_null(mkdtemp(top));
	_cleanup_fd_ int dfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mode_t old = umask(077);
	assert_int_equal(fs_write_new(dfd, "hosts", "x\n", 2, 0644, NULL), 0);
	umask(old);
	struct stat st;
	assert_int_equal(fstatat(dfd, "hosts", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* the mode asked for, not the umask's */
	_cleanup_free_ char *text = fs_read_file_at(dfd, "hosts", NULL, NULL);
	assert_string_equal(text, "x\n");
	/* never over an existing file, never through a symlink */
	struct hull_err *err = NULL;
	assert_int_equal(fs_write_new(dfd, "hosts", "y", 1, 0644, &err), -1);
	assert_int_equal(err->errnum, EEXIST);
	hull_err_free(err);
	err = NULL;
	assert_int_equal(symlinkat("/tmp/hulltest-util-new-target", dfd, "link"), 0);
	assert_int_equal(fs_write_new(dfd, "link", "y", 1, 0644, &err), -1);
	hull_err_free(err);
	assert_int_equal(access("/tmp/hulltest-util-new-target", F_OK), -1);
	assert_int_equal(fs_rmtree_at(AT_FDCWD, top, NULL), 0);
}

/* rm -rf deeper than the fd limit, wide directories, symlinks removed and never followed. */
static void test_rmtree(void **state)
{
	char top[] = "/tmp/hulltest-util-rmtree-XXXXXX", outside[] = "/tmp/hulltest-util-outside-XXXXXX";
	assert_non_null(mkdtemp(top));
	assert_non_null(mkdtemp(outside));
	_cleanup_fd_ int keep_fd = openat(AT_FDCWD, outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(fs_write_new(keep_fd, "keep", "k", 1, 0644, NULL), 0);
	_cleanup_fd_ int topfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* a chain 3000 deep, each level with a file and, at the bottom, links out of the tree */
	int cur = dup(topfd);
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(mkdirat(cur, "d", 0755), 0);
		assert_int_equal(fs_write_new(cur, "f", "x", 1, 0644, NULL), 0);
		int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(cur);
		cur = next;
	}
	assert_int_equal(symlinkat(outside, cur, "link-to-dir"), 0);
	assert_int_equal(symlinkat("/tmp/hulltest-util-outside-nosuch", cur, "dangling"), 0);
	close(cur);
	/* a wide level: many files and directories side by side */
	assert_int_equal(mkdirat(topfd, "wide", 0755), 0);
	_cleanup_fd_ int wide = openat(topfd, "wide", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char n[32];
	for (int i = 0; i < 300; i++) {
		snprintf(n, sizeof(n), "f%d", i);
		assert_int_equal(fs_write_new(wide, n, "y", 1, 0600, NULL), 0);
		snprintf(n, sizeof(n), "d%d", i);
		assert_int_equal(mkdirat(wide, n, 0700), 0);
	}
	/* with a fd limit far below the depth */
	struct rlimit old, low = { .rlim_cur = 64, .rlim_max = 0 };
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct hull_err *err = NULL;
	int r = fs_rmtree_at(AT_FDCWD, top, &err);
	setrlimit(RLIMIT_NOFILE, &old);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(faccessat(keep_fd, "keep", F_OK, 0), 0); /* the link was removed, not followed */
	assert_int_equal(fs_rmtree_at(AT_FDCWD, outside, NULL), 0);
	/* a name that is not there is already removed */
	assert_int_equal(fs_rmtree_at(AT_FDCWD, top, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_wrap),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_read_in_root),
		cmocka_unit_test(test_opendir_twice),
		cmocka_unit_test(test_write_new),
		cmocka_unit_test(test_rmtree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
