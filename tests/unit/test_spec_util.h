/* test_spec_util.h — helpers shared by the config.json parser tests (test_spec.c, test_spec_errors.c). */
#ifndef HULL_TEST_SPEC_UTIL_H
#define HULL_TEST_SPEC_UTIL_H

/* Self-contained: the Makefile's test rule also hands the headers a test depends on to the compiler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"
#include "util/fs.h"

/* Fixtures live next to this file; tests run from the top of the tree (make unit). */
static inline char *fixture(const char *name, size_t *len)
{
	char path[512];
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	snprintf(path, sizeof(path), "%.*s/data/spec/%s", slash ? (int)(slash - src) : 1, slash ? src : ".", name);
	struct hull_err *err = NULL;
	char *text = fs_read_file_at(-100 /* AT_FDCWD */, path, len, &err);
	if (!text)
		fail_msg("fixture %s: %s", path, err->msg);
	return text;
}

static inline struct spec *parse_fixture(const char *name)
{
	size_t len;
	char *text = fixture(name, &len);
	struct hull_err *err = NULL;
	struct spec *s = spec_parse(text, len, "config.json", &err);
	free(text);
	if (!s)
		fail_msg("%s: %s", name, err->msg);
	return s;
}

/* Parse text that must fail with exactly `want`. */
static inline void expect_error(const char *text, const char *want)
{
	struct hull_err *err = NULL;
	struct spec *s = spec_parse(text, strlen(text), "config.json", &err);
	if (s) {
		spec_free(s);
		fail_msg("parsed, but wanted error: %s", want);
	}
	assert_non_null(err);
	assert_string_equal(err->msg, want);
	hull_err_free(err);
}

static inline struct spec *parse_ok(const char *text)
{
	struct hull_err *err = NULL;
	struct spec *s = spec_parse(text, strlen(text), "config.json", &err);
	if (!s)
		fail_msg("%s", err->msg);
	return s;
}

#define HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"
#define MIN HEAD PROC "}"

#endif
