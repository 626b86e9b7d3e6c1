/* test_image_store.c — chain IDs, digest checks, image lookup by name/ID/prefix, tag moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "image/digest.h"
#include "image/imagedb.h"
#include "image/store.h"

#define A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ABC "sha256:abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca"

static void test_digest(void **state)
{
	char d[72];
	digest_buf("", 0, d);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	struct digest_check c;
	struct hull_err *err = NULL;
	digest_check_init(&c, d, 0, "blob x");
	assert_int_equal(digest_check_update(&c, "x", 1, &err), -1); /* past the declared size */
	assert_non_null(strstr(err->msg, "more than the 0 bytes"));
	hull_err_free(err);
	digest_check_free(&c);
	err = NULL;
	digest_check_init(&c, A, 3, "blob y");
	assert_int_equal(digest_check_update(&c, "ab", 2, &err), 0);
	assert_int_equal(digest_check_finish(&c, &err), -1);
	assert_non_null(strstr(err->msg, "truncated: 2 of 3"));
	hull_err_free(err);
	digest_check_free(&c);
	err = NULL;
	digest_check_init(&c, A, 2, "blob z");
	assert_int_equal(digest_check_update(&c, "ab", 2, &err), 0);
	assert_int_equal(digest_check_finish(&c, &err), -1);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	hull_err_free(err);
	digest_check_free(&c);
}

static void test_chain_ids(void **state)
{
	char *diffs[] = { A, B };
	char out[2][72];
	chain_ids(diffs, 2, out);
	assert_string_equal(out[0], A);
	char want[72];
	const char *s = A " " B;
	digest_buf(s, strlen(s), want);
	assert_string_equal(out[1], want);
}

static struct image_record rec(const char *id, const char *name)
{
	struct image_record r = { 0 };
	r.id = strdup(id);
	r.manifest = strdup(id);
	r.manifest_type = strdup("x");
	if (name)
		strv_add(&r.names, &r.n_names, name);
	return r;
}

static void test_find_and_tags(void **state)
{
	struct imagedb db = { 0 };
	struct image_record r1 = rec(A, "docker.io/library/busybox:latest");
	struct image_record r2 = rec(ABC, "localhost:5000/app:v1");
	imagedb_add(&db, &r1);
	imagedb_add(&db, &r2);
	assert_int_equal(imagedb_find(&db, "busybox", NULL), 0);
	assert_int_equal(imagedb_find(&db, "docker.io/library/busybox:latest", NULL), 0);
	assert_int_equal(imagedb_find(&db, "localhost:5000/app:v1", NULL), 1);
	assert_int_equal(imagedb_find(&db, ABC, NULL), 1);
	assert_int_equal(imagedb_find(&db, "abcabc", NULL), 1);
	struct hull_err *err = NULL;
	assert_int_equal(imagedb_find(&db, "localhost:5000/app:v2", &err), -1);
	assert_non_null(strstr(err->msg, "image not known"));
	hull_err_free(err);
	/* "a" prefixes both A and ABC: ambiguous; "aaa" only A */
	err = NULL;
	assert_int_equal(imagedb_find(&db, "aaa", NULL), 0);
	/* a name moves to the newest image that claims it */
	struct image_record r3 = rec(B, "docker.io/library/busybox:latest");
	imagedb_add(&db, &r3);
	assert_int_equal(imagedb_find(&db, "busybox", NULL), 2);
	assert_int_equal(db.v[0].n_names, 0);
	/* the same image again adds names, not records */
	struct image_record r4 = rec(B, "docker.io/library/other:1");
	imagedb_add(&db, &r4);
	assert_int_equal(db.n, 3);
	assert_int_equal(db.v[2].n_names, 2);
	struct image_record probe = rec(B, "docker.io/library/other:1");
	assert_true(imagedb_has(&db, &probe));
	image_record_free(&probe);
	probe = rec(B, "docker.io/library/new:1");
	assert_false(imagedb_has(&db, &probe));
	image_record_free(&probe);
	imagedb_free(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_chain_ids),
		cmocka_unit_test(test_find_and_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
