/* test_net_ipam.c — IPv4 subnet math and address choice (net/ipam.h), port specs (net/port.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>

#include "net/ipam.h"
#include "net/port.h"

static void bad_subnet(const char *s, const char *needle)
{
	struct ipam_subnet sn;
	struct hull_err *err = NULL;
	assert_int_equal(ipam_parse_subnet(s, &sn, &err), -1);
	if (!strstr(err->msg, needle))
		fail_msg("%s: \"%s\" lacks \"%s\"", s, err->msg, needle);
	hull_err_free(err);
}

static void test_subnet_parse(void **state)
{
	struct ipam_subnet sn;
	char buf[19];
	assert_int_equal(ipam_parse_subnet("10.88.0.0/16", &sn, NULL), 0);
	assert_int_equal(sn.net, 0x0a580000);
	assert_int_equal(sn.prefix, 16);
	assert_string_equal(ipam_fmt_subnet(&sn, buf), "10.88.0.0/16");
	bad_subnet("10.88.0.1/16", "host bits set (did you mean 10.88.0.0/16?)");
	bad_subnet("10.88.0.0", "expected ADDRESS/PREFIX");
	bad_subnet("10.88.0.0/31", "prefix length");
	bad_subnet("10.88.0.0/", "prefix length");
	bad_subnet("10.88.0.0/16x", "prefix length");
	bad_subnet("10.388.0.0/16", "invalid IPv4 address");
}

static void test_contains_overlap(void **state)
{
	struct ipam_subnet a, b, c;
	ipam_parse_subnet("10.88.0.0/16", &a, NULL);
	ipam_parse_subnet("10.88.4.0/24", &b, NULL);
	ipam_parse_subnet("10.89.0.0/24", &c, NULL);
	assert_true(ipam_overlaps(&a, &b));
	assert_true(ipam_overlaps(&b, &a));
	assert_false(ipam_overlaps(&a, &c));
	assert_true(ipam_is_host(&b, 0x0a580401));
	assert_false(ipam_is_host(&b, 0x0a580400)); /* network */
	assert_false(ipam_is_host(&b, 0x0a5804ff)); /* broadcast */
	assert_false(ipam_is_host(&b, 0x0a580501));
	assert_int_equal(ipam_first_host(&b), 0x0a580401);
}

static void test_pick(void **state)
{
	struct ipam_subnet sn;
	ipam_parse_subnet("192.168.5.0/29", &sn, NULL); /* hosts .1-.6 */
	uint32_t gw = 0xc0a80501;
	assert_int_equal(ipam_pick(&sn, gw, NULL, 0), 0xc0a80502);
	uint32_t used[] = { 0xc0a80504, 0xc0a80502, 0xc0a80503, 0xc0a80502 /* duplicate record */ };
	assert_int_equal(ipam_pick(&sn, gw, used, 4), 0xc0a80505);
	/* a released address is reused first (lowest free) */
	uint32_t used2[] = { 0xc0a80503, 0xc0a80504 };
	assert_int_equal(ipam_pick(&sn, gw, used2, 2), 0xc0a80502);
	uint32_t full[] = { 0xc0a80502, 0xc0a80503, 0xc0a80504, 0xc0a80505, 0xc0a80506 };
	assert_int_equal(ipam_pick(&sn, gw, full, 5), 0);
	/* a gateway in the middle is skipped */
	assert_int_equal(ipam_pick(&sn, 0xc0a80503, (uint32_t[]){ 0xc0a80501, 0xc0a80502 }, 2), 0xc0a80504);
}

static void test_mac(void **state)
{
	uint8_t m[6];
	ipam_mac(0x0a580002, m);
	uint8_t want[6] = { 0x02, 0x42, 10, 88, 0, 2 };
	assert_memory_equal(m, want, 6);
}

static void port_ok(const char *spec, size_t n_want, const struct net_port *want)
{
	struct net_port *p = NULL;
	size_t n = 0;
	struct hull_err *err = NULL;
	if (net_port_parse(spec, &p, &n, &err) < 0)
		fail_msg("%s: %s", spec, err->msg);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(p[i].host_ip, want[i].host_ip);
		assert_int_equal(p[i].host_port, want[i].host_port);
		assert_int_equal(p[i].container_port, want[i].container_port);
		assert_int_equal(p[i].proto, want[i].proto);
	}
	free(p);
}

static void port_bad(const char *spec, const char *needle)
{
	struct net_port *p = NULL;
	size_t n = 0;
	struct hull_err *err = NULL;
	assert_int_equal(net_port_parse(spec, &p, &n, &err), -1);
	if (!strstr(err->msg, needle))
		fail_msg("%s: \"%s\" lacks \"%s\"", spec, err->msg, needle);
	hull_err_free(err);
	free(p);
}

static void test_ports(void **state)
{
	port_ok("80", 1, (struct net_port[]){ { 0, 0, 80, IPPROTO_TCP } });
	port_ok("8080:80", 1, (struct net_port[]){ { 0, 8080, 80, IPPROTO_TCP } });
	port_ok("127.0.0.1:8080:80/udp", 1, (struct net_port[]){ { 0x7f000001, 8080, 80, IPPROTO_UDP } });
	port_ok("127.0.0.1::80", 1, (struct net_port[]){ { 0x7f000001, 0, 80, IPPROTO_TCP } });
	port_ok("8000-8002:80-82/tcp", 3,
		(struct net_port[]){ { 0, 8000, 80, IPPROTO_TCP }, { 0, 8001, 81, IPPROTO_TCP }, { 0, 8002, 82, IPPROTO_TCP } });
	port_ok("8000-8009:80", 1, (struct net_port[]){ { 0, 8000, 80, IPPROTO_TCP } });
	port_bad("8080:80/sctp", "invalid protocol \"sctp\"");
	port_bad("8080:0", "invalid port \"0\"");
	port_bad("8080:65536", "invalid port \"65536\"");
	port_bad("8000-8001:80-82", "ranges differ");
	port_bad("1.2.3:8080:80", "invalid IPv4 address");
	port_bad("[::1]:8080:80", "IPv6");
	port_bad("x:80", "invalid port \"x\"");
	struct net_port e;
	assert_int_equal(net_port_parse_exposed("53/udp", &e, NULL), 0);
	assert_int_equal(e.container_port, 53);
	assert_int_equal(e.proto, IPPROTO_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet_parse), cmocka_unit_test(test_contains_overlap),
		cmocka_unit_test(test_pick), cmocka_unit_test(test_mac), cmocka_unit_test(test_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
