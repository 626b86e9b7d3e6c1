/* test_image_manifest.c — manifest/index parsing, media-type checks (CVE-2021-41190), platform selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "image/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char *image_json =
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":10},"
	"\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"digest\":\"" D2 "\",\"size\":20}]}";

static const char *index_json =
	"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";

static void expect_fail(const char *json, const char *declared, const char *needle)
{
	struct manifest m;
	struct hull_err *err = NULL;
	assert_int_equal(manifest_parse(json, strlen(json), declared, &m, &err), -1);
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
	hull_err_free(err);
}

static void test_image_manifest(void **state)
{
	struct manifest m;
	struct hull_err *err = NULL;
	assert_int_equal(manifest_parse(image_json, strlen(image_json), MT_OCI_MANIFEST, &m, &err), 0);
	assert_int_equal(m.kind, MANIFEST_IMAGE);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.n_layers, 1);
	assert_int_equal(m.layers[0].size, 20);
	enum layer_compression c;
	assert_int_equal(layer_media_compression(m.layers[0].media_type, &c, NULL), 0);
	assert_int_equal(c, COMP_ZSTD);
	manifest_free(&m);
}

static void test_refusals(void **state)
{
	/* served as an index but is a manifest */
	expect_fail(image_json, MT_OCI_INDEX, "declared as");
	/* both shapes at once */
	expect_fail("{\"schemaVersion\":2,\"manifests\":[],\"layers\":[],\"config\":{}}", NULL, "ambiguous");
	expect_fail("{\"schemaVersion\":1}", NULL, "schemaVersion");
	expect_fail("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
		    "\",\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}",
		    NULL, "config.digest");
	expect_fail("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":{\"mediaType\":\"" MT_OCI_CONFIG
		    "\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"mediaType\":\"text/html\",\"digest\":\"" D2
		    "\",\"size\":1}]}",
		    NULL, "layers[0].mediaType");
	expect_fail("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":{\"mediaType\":\"" MT_OCI_LAYER
		    "\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
		    NULL, "not an image config");
	expect_fail("not json", NULL, "invalid JSON");
}

static int pick(const char *plat)
{
	struct manifest m;
	assert_int_equal(manifest_parse(index_json, strlen(index_json), NULL, &m, NULL), 0);
	assert_int_equal(m.kind, MANIFEST_INDEX);
	struct platform p;
	assert_int_equal(platform_parse(plat, &p, NULL), 0);
	struct hull_err *err = NULL;
	int i = manifest_select_platform(&m, &p, &err);
	if (i < 0) {
		assert_non_null(strstr(err->msg, "linux/arm/v7"));
		hull_err_free(err);
	}
	platform_free(&p);
	manifest_free(&m);
	return i;
}

static void test_platform(void **state)
{
	assert_int_equal(pick("linux/arm/v7"), 1);
	assert_int_equal(pick("linux/arm/v6"), 0);
	assert_int_equal(pick("linux/arm64"), 2);    /* v8 implied on both sides */
	assert_int_equal(pick("linux/arm64/v8"), 2);
	assert_int_equal(pick("linux/amd64"), -1);
	assert_int_equal(pick("windows/arm64"), -1);
	struct platform p;
	assert_int_equal(platform_parse("linux", &p, NULL), -1);
	assert_int_equal(platform_parse("a/b/c/d", &p, NULL), -1);
}

static void test_config(void **state)
{
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";
	struct image_config_info ci;
	assert_int_equal(image_config_parse(cfg, strlen(cfg), &ci, NULL), 0);
	assert_int_equal(ci.n_diff_ids, 1);
	assert_string_equal(ci.platform.arch, "amd64");
	image_config_info_free(&ci);
	const char *badcfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:x\"]}}";
	assert_int_equal(image_config_parse(badcfg, strlen(badcfg), &ci, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_manifest),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
