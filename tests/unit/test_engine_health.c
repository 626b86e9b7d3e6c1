/* test_engine_health.c — healthcheck settings: Go durations as docker's flags take them, and the record's
 * Config.Healthcheck from the image's and the flags'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/health.h"

#include <string.h>

static void test_durations(void **state)
{
	static const struct { const char *s; int64_t ns; } ok[] = {
		{ "30s", 30000000000LL }, { "500ms", 500000000LL }, { "1m30s", 90000000000LL }, { "1h", 3600000000000LL },
		{ "1.5s", 1500000000LL }, { "0", 0 }, { "250us", 250000LL }, { "7ns", 7 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		int64_t ns = -1;
		assert_int_equal(health_parse_duration(ok[i].s, &ns), 0);
		assert_int_equal(ns, ok[i].ns);
	}
	static const char *const bad[] = { "", "10", "s", "5x", "-1s", "1s2", "ms" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int64_t ns;
		assert_int_equal(health_parse_duration(bad[i], &ns), -1);
	}
}

static struct run_opts unset(void)
{
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	o.health_interval = o.health_timeout = o.health_start_period = -1;
	o.health_retries = -1;
	return o;
}

static void test_config_merge(void **state)
{
	json_t *image = json_pack("{s[ss] sI sI}", "Test", "CMD", "/bin/check", "Interval", (json_int_t)5000000000LL,
				  "Timeout", (json_int_t)1000000000LL);
	struct run_opts o = unset();
	/* the image's, as it is */
	json_t *hc = health_config(image, &o, NULL);
	assert_non_null(hc);
	assert_true(json_equal(hc, image));
	json_decref(hc);
	/* the flags win field by field; the image's object is left alone */
	o.health_cmd = "curl -f localhost";
	o.health_retries = 5;
	hc = health_config(image, &o, NULL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 0)), "CMD-SHELL");
	assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 1)), "curl -f localhost");
	assert_int_equal(json_integer_value(json_object_get(hc, "Interval")), 5000000000LL);
	assert_int_equal(json_integer_value(json_object_get(hc, "Retries")), 5);
	assert_string_equal(json_string_value(json_array_get(json_object_get(image, "Test"), 0)), "CMD");
	json_decref(hc);
	/* none: --no-healthcheck, an image's ["NONE"], no test at all */
	o = unset();
	o.no_healthcheck = true;
	assert_null(health_config(image, &o, NULL));
	o = unset();
	json_t *none = json_pack("{s[s]}", "Test", "NONE");
	assert_null(health_config(none, &o, NULL));
	assert_null(health_config(NULL, &o, NULL));
	/* a test that is not one */
	json_t *bogus = json_pack("{s[ss]}", "Test", "RUN", "x");
	struct hull_err *err = NULL;
	assert_null(health_config(bogus, &o, &err));
	assert_non_null(err);
	hull_err_free(err);
	json_decref(bogus);
	json_decref(none);
	json_decref(image);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_config_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
