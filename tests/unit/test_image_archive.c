/* test_image_archive.c — `hull load` from a directory treats it as hostile: reads stay inside it (a
 * symlinked index.json or blobs/ cannot lead out) and nothing is written into it. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/digest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct fixture {
	char top[64];   /* holds the three below */
	char *outside;  /* a host dir the layout's symlinks point at */
	char *layout;   /* the directory handed to image_load */
	char *store;
};

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->top, sizeof(f->top), "/tmp/hulltest-review-archive-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	f->outside = xasprintf("%s/outside", f->top);
	f->layout = xasprintf("%s/layout", f->top);
	f->store = xasprintf("%s/store", f->top);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	assert_int_equal(mkdir(f->layout, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	fs_rmtree_at(AT_FDCWD, f->top, NULL);
	free(f->outside);
	free(f->layout);
	free(f->store);
	free(f);
	return 0;
}

static struct hull_err *load(struct fixture *f)
{
	struct store s;
	struct hull_err *err = NULL;
	assert_int_equal(store_open(&s, f->store, &err), 0);
	FILE *out = fopen("/dev/null", "w");
	int r = image_load(&s, f->layout, out, &err);
	fclose(out);
	store_close(&s);
	assert_int_equal(r, -1);
	assert_non_null(err);
	return err;
}

/* A docker-archive directory: load_docker would create blobs/sha256 in it and link files there — through
 * a symlinked blobs/ into the host. It is refused and neither directory gains an entry. */
static void test_docker_dir_is_refused_untouched(void **state)
{
	struct fixture *f = *state;
	put(f->layout, "manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"l.tar\"],\"RepoTags\":[\"x:1\"]}]");
	put(f->layout, "c.json", "{}");
	put(f->layout, "l.tar", "");
	_cleanup_free_ char *link = xasprintf("%s/blobs", f->layout);
	assert_int_equal(symlink(f->outside, link), 0);
	struct hull_err *err = load(f);
	assert_non_null(strstr(err->msg, "not an OCI image layout"));
	hull_err_free(err);
	assert_int_equal(entries(f->outside), 0);
	assert_int_equal(entries(f->layout), 4);
}

/* index.json an absolute symlink to a host file: resolved inside the layout, where it does not exist. */
static void test_index_symlink_stays_inside(void **state)
{
	struct fixture *f = *state;
	put(f->outside, "index.json",
	    "{\"manifests\":[{\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}]}");
	_cleanup_free_ char *target = xasprintf("%s/index.json", f->outside);
	_cleanup_free_ char *link = xasprintf("%s/index.json", f->layout);
	assert_int_equal(symlink(target, link), 0);
	struct hull_err *err = load(f);
	/* Followed out, it would have got as far as the manifest blob. */
	assert_null(strstr(err->msg, "manifests[0]"));
	assert_non_null(strstr(err->msg, "index.json"));
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err);
}

/* blobs/ a symlink to a host dir holding the very blob index.json names: not read from there. */
static void test_blobs_symlink_stays_inside(void **state)
{
	struct fixture *f = *state;
	static const char manifest[] = "{\"schemaVersion\":2}";
	char dg[72];
	digest_buf(manifest, strlen(manifest), dg);
	_cleanup_free_ char *sha = xasprintf("%s/sha256", f->outside);
	assert_int_equal(mkdir(sha, 0755), 0);
	put(sha, dg + 7, manifest);
	_cleanup_free_ char *index = xasprintf("{\"manifests\":[{\"digest\":\"%s\",\"size\":%zu}]}", dg, strlen(manifest));
	put(f->layout, "index.json", index);
	_cleanup_free_ char *link = xasprintf("%s/blobs", f->layout);
	assert_int_equal(symlink(f->outside, link), 0);
	struct hull_err *err = load(f);
	assert_non_null(strstr(err->msg, "manifests[0]"));
	assert_int_equal(err->errnum, ENOENT);
	hull_err_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docker_dir_is_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_symlink_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blobs_symlink_stays_inside, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
