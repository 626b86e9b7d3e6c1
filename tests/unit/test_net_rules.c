/* test_net_rules.c — hull's nft table as a function of the records (net/nft.h), the hosts and resolv.conf
 * a container gets (net/files.h), and `hull run`'s network flags (net_config_flag). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>

#include "net/files.h"
#include "net/net.h"
#include "net/nft.h"

static void contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("missing \"%s\" in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("unexpected \"%s\" in:\n%s", needle, text);
}

static struct net_endpoint ep(const char *net, uint32_t ip)
{
	struct net_endpoint e = { .ip = ip };
	strcpy(e.network, net);
	strcpy(e.ifname, "eth0");
	return e;
}

static void test_nft_empty_removes_table(void **state)
{
	struct net_network def;
	net_network_default(&def);
	bool idle = false;
	char *rules = net_nft_rules(&def, &idle, 1, NULL, 0);
	assert_string_equal(rules, "");
	char *s = net_nft_script(rules, true);
	assert_string_equal(s, "add table ip hull\ndelete table ip hull\n");
	free(s);
	/* no table and none wanted: nothing to run */
	s = net_nft_script(rules, false);
	assert_string_equal(s, "");
	free(s);
	free(rules);
}

static void test_nft_ports_and_nat(void **state)
{
	struct net_network nets[2];
	net_network_default(&nets[0]);
	memset(&nets[1], 0, sizeof(nets[1]));
	strcpy(nets[1].name, "backend");
	strcpy(nets[1].bridge, "hull-abc");
	ipam_parse_subnet("10.89.3.0/24", &nets[1].subnet, NULL);
	nets[1].gateway = 0x0a590301;
	nets[1].internal = true;
	struct net_endpoint e1 = ep("bridge", 0x0a580002), e2 = ep("backend", 0x0a590302);
	struct net_port ports[] = { { 0, 8080, 80, IPPROTO_TCP }, { 0x7f000001, 5353, 53, IPPROTO_UDP } };
	struct net_container cs[2] = { 0 };
	strcpy(cs[0].id, "aaaaaaaaaaaaaaaaaaaa");
	cs[0].eps = &e1;
	cs[0].n_eps = 1;
	cs[0].ports = ports;
	cs[0].n_ports = 2;
	strcpy(cs[1].id, "bbbb");
	cs[1].eps = &e2;
	cs[1].n_eps = 1;
	bool idle[2] = { false, false };
	char *rules = net_nft_rules(nets, idle, 2, cs, 2);
	char *s = net_nft_script(rules, true);
	/* replaced in one transaction; only our table */
	contains(s, "add table ip hull\ndelete table ip hull\ntable ip hull {\n");
	lacks(s, "flush");
	contains(s, "tcp dport 8080 dnat to 10.88.0.2:80 comment \"aaaaaaaaaaaa\"");
	contains(s, "ip daddr 127.0.0.1 udp dport 5353 dnat to 10.88.0.2:53");
	contains(s, "fib daddr type local jump publish");
	contains(s, "oifname \"hull0\" ip saddr 127.0.0.0/8 masquerade");
	contains(s, "ip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade");
	/* internal: no masquerade out, and forward drops in both directions */
	lacks(s, "ip saddr 10.89.3.0/24 oifname != \"hull-abc\" masquerade");
	contains(s, "iifname \"hull-abc\" oifname != \"hull-abc\" drop");
	contains(s, "oifname \"hull-abc\" iifname != \"hull-abc\" drop");
	free(s);
	/* a fresh table is only created: nothing deleted in the transaction */
	s = net_nft_script(rules, false);
	assert_true(!strncmp(s, "table ip hull {\n", 16));
	free(s);
	free(rules);
	/* an unused network without a bridge gets no rule; with its bridge it keeps its rules */
	rules = net_nft_rules(nets, idle, 2, cs, 1);
	lacks(rules, "hull-abc");
	free(rules);
	idle[1] = true;
	rules = net_nft_rules(nets, idle, 2, cs, 1);
	contains(rules, "forward\tiifname \"hull-abc\" oifname != \"hull-abc\" drop\n");
	free(rules);
}

static void test_nft_delta(void **state)
{
	const char *base = "postrouting\tip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade\n";
	const char *more = "publish\ttcp dport 8080 dnat to 10.88.0.2:80 comment \"aaaaaaaaaaaa\"\n"
			   "postrouting\tip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade\n";
	/* the same lines: nothing to do */
	char *d = net_nft_delta(base, base);
	assert_string_equal(d, "");
	free(d);
	/* only additions: appended, whatever the order of the lines */
	d = net_nft_delta(base, more);
	assert_string_equal(d, "add rule ip hull publish tcp dport 8080 dnat to 10.88.0.2:80 comment \"aaaaaaaaaaaa\"\n");
	free(d);
	/* a line to remove: no delta (the table is replaced) */
	assert_null(net_nft_delta(more, base));
	/* lines count: a duplicate wanted once more is added once more */
	d = net_nft_delta(base, "postrouting\tip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade\n"
				"postrouting\tip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade\n");
	assert_string_equal(d, "add rule ip hull postrouting ip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade\n");
	free(d);
}

static void test_hosts(void **state)
{
	struct net_endpoint ea = ep("app", 0x0a590002), eb = ep("app", 0x0a590003), ed = ep("bridge", 0x0a580005);
	char *alias[] = { "db" };
	eb.aliases = alias;
	eb.n_aliases = 1;
	struct net_container all[3] = { 0 };
	strcpy(all[0].id, "a1");
	strcpy(all[0].name, "web");
	strcpy(all[0].hostname, "a1");
	all[0].eps = &ea;
	all[0].n_eps = 1;
	char *ah[] = { "gw.example:192.0.2.1" };
	all[0].add_hosts = ah;
	all[0].n_add_hosts = 1;
	strcpy(all[1].id, "b2");
	strcpy(all[1].name, "pg");
	strcpy(all[1].hostname, "b2");
	all[1].eps = &eb;
	all[1].n_eps = 1;
	strcpy(all[2].id, "d4");
	strcpy(all[2].name, "other");
	strcpy(all[2].hostname, "d4");
	all[2].eps = &ed;
	all[2].n_eps = 1;
	char *h = net_hosts_content(&all[0], all, 3, NULL);
	contains(h, "127.0.0.1\tlocalhost\n");
	contains(h, "10.89.0.2\ta1 web\n");
	contains(h, "10.89.0.3\tpg b2 db\n");
	contains(h, "192.0.2.1\tgw.example\n");
	lacks(h, "other"); /* not on a shared network */
	free(h);
	/* the default network resolves no names (docker) */
	char *h2 = net_hosts_content(&all[2], all, 3, NULL);
	lacks(h2, "web");
	contains(h2, "10.88.0.5\td4 other\n");
	free(h2);
}

static void test_resolv(void **state)
{
	const char *host = "# generated\nsearch example.org\nnameserver 127.0.0.53\nnameserver 192.0.2.53\noptions edns0\n";
	char *r = net_resolv_content(host, NULL, 0, false);
	assert_string_equal(r, "# generated\nsearch example.org\nnameserver 192.0.2.53\noptions edns0\n");
	free(r);
	r = net_resolv_content("nameserver 127.0.0.53\n", NULL, 0, false);
	assert_string_equal(r, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	free(r);
	r = net_resolv_content("nameserver 127.0.0.53\n", NULL, 0, true);
	assert_string_equal(r, "nameserver 127.0.0.53\n");
	free(r);
	char *dns[] = { "1.1.1.1", "2001:db8::1" };
	r = net_resolv_content(host, dns, 2, false);
	assert_string_equal(r, "# generated\nsearch example.org\noptions edns0\nnameserver 1.1.1.1\nnameserver 2001:db8::1\n");
	free(r);
}

static void flag_bad(const char *flag, const char *v, const char *needle)
{
	struct net_config c = { 0 };
	struct hull_err *err = NULL;
	assert_int_equal(net_config_flag(&c, flag, v, &err), -1);
	if (!strstr(err->msg, needle))
		fail_msg("%s %s: \"%s\" lacks \"%s\"", flag, v, err->msg, needle);
	hull_err_free(err);
	net_config_clear(&c);
}

static void test_flags(void **state)
{
	struct net_config c = { 0 };
	assert_int_equal(net_config_flag(&c, "--network", "app", NULL), 1);
	assert_int_equal(net_config_flag(&c, "-p", "8080:80", NULL), 1);
	assert_int_equal(net_config_flag(&c, "--publish", "53:53/udp", NULL), 1);
	assert_int_equal(net_config_flag(&c, "-P", NULL, NULL), 1);
	assert_int_equal(net_config_flag(&c, "--add-host", "db=10.0.0.9", NULL), 1);
	assert_int_equal(net_config_flag(&c, "--dns", "9.9.9.9", NULL), 1);
	assert_int_equal(net_config_flag(&c, "--memory", "1g", NULL), 0);
	assert_string_equal(c.network, "app");
	assert_int_equal(c.n_ports, 2);
	assert_true(c.publish_all);
	assert_string_equal(c.add_hosts[0], "db:10.0.0.9");
	net_config_clear(&c);
	flag_bad("--ip", "10.0.0.300", "--ip: invalid IPv4 address");
	flag_bad("--dns", "resolver", "--dns: invalid IP address \"resolver\"");
	flag_bad("--add-host", "noip", "--add-host: invalid \"noip\"");
	flag_bad("--hostname", "bad host", "--hostname: invalid hostname");
	flag_bad("-p", "80:80/xyz", "--publish: invalid protocol");
}

static void test_config_json_roundtrip(void **state)
{
	struct net_config c = { 0 }, d;
	net_config_flag(&c, "--network", "app", NULL);
	net_config_flag(&c, "--ip", "10.89.0.7", NULL);
	net_config_flag(&c, "-p", "127.0.0.1:8080:80/udp", NULL);
	net_config_flag(&c, "--dns", "9.9.9.9", NULL);
	net_config_flag(&c, "--add-host", "a:1.2.3.4", NULL);
	net_config_flag(&c, "--expose", "53/udp", NULL);
	net_config_flag(&c, "-P", NULL, NULL);
	json_t *j = net_config_to_json(&c);
	assert_int_equal(net_config_from_json(j, &d, NULL), 0);
	json_t *k = net_config_to_json(&d);
	assert_true(json_equal(j, k));
	assert_string_equal(d.network, "app");
	assert_int_equal(d.ports[0].host_ip, 0x7f000001);
	assert_int_equal(d.ports[0].proto, IPPROTO_UDP);
	assert_true(d.publish_all);
	json_decref(j);
	json_decref(k);
	net_config_clear(&c);
	net_config_clear(&d);
	json_t *bad = json_pack("{s:[{s:i, s:i}]}", "ports", "host_port", 70000, "container_port", 80);
	struct hull_err *err = NULL;
	assert_int_equal(net_config_from_json(bad, &d, &err), -1);
	assert_non_null(strstr(err->msg, "ports[0]"));
	hull_err_free(err);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_empty_removes_table), cmocka_unit_test(test_nft_ports_and_nat),
		cmocka_unit_test(test_nft_delta),
		cmocka_unit_test(test_hosts), cmocka_unit_test(test_resolv), cmocka_unit_test(test_flags),
		cmocka_unit_test(test_config_json_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
