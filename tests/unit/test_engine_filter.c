/* test_engine_filter.c — `ps --filter`: the values each key accepts, and matching on records built in
 * memory (publish/expose port ranges and protocols, volumes, networks, labels, AND/OR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/filter.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[] = "/tmp/hulltest-filter-XXXXXX";
static struct engine eng;

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	eng.root = root; /* no network records under it: net_settings finds none */
	return 0;
}

static int teardown(void **state)
{
	return fs_rmtree_at(AT_FDCWD, root, NULL);
}

static struct ctr *record(const char *id, const char *json)
{
	struct ctr *c = xcalloc(1, sizeof(*c));
	c->e = &eng;
	c->id = xstrdup(id);
	c->dir = xasprintf("%s/%s", root, id);
	c->lockfd = -1;
	c->rec = json_loads(json, 0, NULL);
	assert_non_null(c->rec);
	return c;
}

static bool matches(struct ctr *c, const char *const *args)
{
	struct ctr_filters *f = ctr_filters_new();
	for (; *args; args++)
		assert_int_equal(ctr_filters_add(f, *args, NULL), 0);
	bool m = ctr_filters_match(f, c);
	ctr_filters_free(f);
	return m;
}
#define MATCH(c, ...) matches((c), (const char *const[]){ __VA_ARGS__, NULL })

static void test_bad_values_name_the_filter(void **state)
{
	static const char *const bad[] = { "bogus=1", "name", "id=", "status=sleeping", "exited=x", "name=(",
					   "publish=0", "publish=80/xyz", "expose=90-80", "publish=70000", "expose=80/sctp" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct ctr_filters *f = ctr_filters_new();
		struct hull_err *err = NULL;
		assert_int_equal(ctr_filters_add(f, bad[i], &err), -1);
		assert_non_null(strstr(err->msg, bad[i]));
		hull_err_free(err);
		ctr_filters_free(f);
	}
}

static void test_ports(void **state)
{
	_cleanup_ctr_ struct ctr *c = record("aa", "{\"Config\":{\"ExposedPorts\":{\"443/tcp\":{},\"53/udp\":{}}},"
		"\"HostConfig\":{\"HullNetwork\":{\"ports\":[{\"container_port\":80,\"proto\":\"tcp\",\"host_port\":8080}],"
		"\"exposed\":[\"9000\"],\"publish_all\":false}}}");
	assert_true(MATCH(c, "publish=80"));
	assert_true(MATCH(c, "publish=80/tcp"));
	assert_true(MATCH(c, "publish=79-81"));
	assert_false(MATCH(c, "publish=80/udp"));
	assert_false(MATCH(c, "publish=8080")); /* the container's port, not the host's */
	assert_false(MATCH(c, "publish=443"));  /* exposed, not published (no -P) */
	assert_true(MATCH(c, "expose=443"));
	assert_true(MATCH(c, "expose=50-60/udp"));
	assert_false(MATCH(c, "expose=53"));    /* tcp by default */
	assert_true(MATCH(c, "expose=9000"));   /* --expose without a protocol: tcp */
	_cleanup_ctr_ struct ctr *all = record("bb", "{\"Config\":{\"ExposedPorts\":{\"443/tcp\":{}}},"
		"\"HostConfig\":{\"HullNetwork\":{\"ports\":[],\"publish_all\":true}}}");
	assert_true(MATCH(all, "publish=443")); /* -P publishes what is exposed */
}

static void test_volumes_networks_labels_and_or(void **state)
{
	_cleanup_ctr_ struct ctr *c = record("cc", "{\"Name\":\"web\",\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"data\","
		"\"Destination\":\"/var/lib/data\"},{\"Type\":\"bind\",\"Source\":\"/srv\",\"Destination\":\"/srv\"}],"
		"\"Config\":{\"Labels\":{\"tier\":\"front\"}},\"HostConfig\":{\"NetworkMode\":\"app\"},"
		"\"State\":{\"Status\":\"running\"}}");
	assert_true(MATCH(c, "volume=data"));
	assert_true(MATCH(c, "volume=/srv"));
	assert_false(MATCH(c, "volume=/var"));
	assert_true(MATCH(c, "network=app"));
	assert_false(MATCH(c, "network=bridge"));
	assert_true(MATCH(c, "label=tier", "label=tier=front"));
	/* OR within a key, AND across keys */
	assert_true(MATCH(c, "network=nope", "network=app", "name=^/web$"));
	assert_false(MATCH(c, "network=app", "status=exited"));
	_cleanup_ctr_ struct ctr *dflt = record("dd", "{\"HostConfig\":{}}");
	assert_true(MATCH(dflt, "network=bridge")); /* no mode recorded: the default network */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_values_name_the_filter),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_volumes_networks_labels_and_or),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
