/* test_ref.c — reference normalisation as docker does it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "image/ref.h"
#include "util/cleanup.h"

static void check(const char *in, const char *want)
{
	struct image_ref r;
	struct hull_err *err = NULL;
	if (image_ref_parse(in, &r, &err) < 0)
		fail_msg("%s: %s", in, err->msg);
	char *s = image_ref_string(&r);
	assert_string_equal(s, want);
	free(s);
	image_ref_free(&r);
}

static void bad(const char *in, const char *needle)
{
	struct image_ref r;
	struct hull_err *err = NULL;
	assert_int_equal(image_ref_parse(in, &r, &err), -1);
	if (!strstr(err->msg, needle))
		fail_msg("%s: message \"%s\" lacks \"%s\"", in, err->msg, needle);
	hull_err_free(err);
}

static void test_normalise(void **state)
{
	check("busybox", "docker.io/library/busybox:latest");
	check("busybox:1.36", "docker.io/library/busybox:1.36");
	check("user/app", "docker.io/user/app:latest");
	check("index.docker.io/library/x", "docker.io/library/x:latest");
	check("docker.io/x", "docker.io/library/x:latest");
	check("localhost/app:v1", "localhost/app:v1");
	check("localhost:5000/a/b/c:t", "localhost:5000/a/b/c:t");
	check("127.0.0.1:5000/repo", "127.0.0.1:5000/repo:latest");
	check("[::1]:5000/repo:t", "[::1]:5000/repo:t");
	check("quay.io/a-b/c__d.e:x_Y-1", "quay.io/a-b/c__d.e:x_Y-1");
	check("busybox@sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	      "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	check("h:1/busybox:t@sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	      "h:1/busybox:t@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void test_reject(void **state)
{
	bad("", "empty");
	bad("Busybox", "lowercase");
	bad("busybox:", "bad tag");
	bad("busybox:-x", "bad tag");
	bad("busybox@sha256:abc", "bad digest");
	bad("a//b", "bad name component");
	bad("a/b-", "bad name component");
	bad("host:port/x", "bad registry host");
	bad("localhost:5000/", "no repository name");
}

static void test_parts(void **state)
{
	struct image_ref r;
	assert_int_equal(image_ref_parse("localhost:5000/ns/app:v2", &r, NULL), 0);
	assert_string_equal(r.domain, "localhost:5000");
	assert_string_equal(r.path, "ns/app");
	assert_string_equal(r.tag, "v2");
	assert_null(r.digest);
	assert_string_equal(image_ref_registry_host(&r), "localhost:5000");
	image_ref_free(&r);
	assert_int_equal(image_ref_parse("alpine", &r, NULL), 0);
	assert_string_equal(image_ref_registry_host(&r), "registry-1.docker.io");
	image_ref_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
