/* test_lifecycle_plan.c — runtime/plan (namespaces → clone3 flags, joins, unshares, validation),
 * runtime/signals (runc's names) and runtime/state (id rules, timestamps, state JSON shape). No root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/plan.h"
#include "runtime/signals.h"
#include "runtime/state.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static struct spec_namespace nss[NS_TYPE_COUNT];
static struct spec_idmapping map = { 0, 100000, 65536 };

static void make_spec(struct spec *s, struct spec_linux *l, size_t n)
{
	memset(s, 0, sizeof(*s));
	memset(l, 0, sizeof(*l));
	l->namespaces = nss;
	l->n_namespaces = n;
	s->linux_ = l;
}

static void test_new_namespaces(void **state)
{
	struct spec s;
	struct spec_linux l;
	enum spec_ns_type types[] = { NS_PID, NS_NETWORK, NS_MOUNT, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME };
	for (size_t i = 0; i < 7; i++)
		nss[i] = (struct spec_namespace){ .type = types[i] };
	make_spec(&s, &l, 7);
	struct launch_plan p;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	assert_int_equal(p.clone_flags, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS);
	/* cgroup after joining the cgroup, time so that offsets can be written before anyone lives in it */
	assert_int_equal(p.unshare_flags, CLONE_NEWCGROUP | CLONE_NEWTIME);
	assert_int_equal(p.n_joins, 0);
	assert_false(p.userns);
	assert_int_equal(p.ns_mask, (1u << NS_TYPE_COUNT) - 1 - (1u << NS_USER));
}

static void test_user_namespace_needs_maps(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_USER };
	nss[1] = (struct spec_namespace){ .type = NS_MOUNT };
	make_spec(&s, &l, 2);
	struct launch_plan p;
	struct hull_err *err = NULL;
	assert_int_equal(plan_build(&s, &p, &err), -1);
	assert_non_null(strstr(err->msg, "uidMappings"));
	hull_err_free(err);
	l.uid_mappings = l.gid_mappings = &map;
	l.n_uid_mappings = l.n_gid_mappings = 1;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	assert_true(p.new_userns);
	assert_true(p.clone_flags & CLONE_NEWUSER);
	char *d = plan_describe(&p, &s);
	assert_non_null(strstr(d, "uid 0:100000:65536"));
	free(d);
}

static void test_maps_without_userns(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_MOUNT };
	make_spec(&s, &l, 1);
	l.uid_mappings = l.gid_mappings = &map;
	l.n_uid_mappings = l.n_gid_mappings = 1;
	struct launch_plan p;
	struct hull_err *err = NULL;
	assert_int_equal(plan_build(&s, &p, &err), -1);
	assert_non_null(strstr(err->msg, "without a new user namespace"));
	hull_err_free(err);
}

static void test_joins_user_first(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_NETWORK, .path = "/proc/1/ns/net" };
	nss[1] = (struct spec_namespace){ .type = NS_MOUNT };
	nss[2] = (struct spec_namespace){ .type = NS_USER, .path = "/proc/1/ns/user" };
	nss[3] = (struct spec_namespace){ .type = NS_PID, .path = "/proc/1/ns/pid" };
	make_spec(&s, &l, 4);
	struct launch_plan p;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	assert_int_equal(p.n_joins, 3);
	assert_int_equal(p.joins[0].type, NS_USER);
	assert_true(p.join_pid);
	assert_int_equal(p.joins[p.pid_join_index].type, NS_PID);
	/* inside a joined user ns the mount ns must be created after setns(user): unshared by the init */
	assert_int_equal(p.clone_flags, 0);
	assert_int_equal(p.unshare_flags, CLONE_NEWNS);
	assert_false(p.new_userns);
	assert_true(p.userns);
}

static void test_new_pid_in_joined_userns_forks(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_USER, .path = "/proc/1/ns/user" };
	nss[1] = (struct spec_namespace){ .type = NS_PID };
	nss[2] = (struct spec_namespace){ .type = NS_MOUNT };
	make_spec(&s, &l, 3);
	struct launch_plan p;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	/* owned by the joined user ns: created after setns(user), the pid ns through a fork */
	assert_int_equal(p.clone_flags, 0);
	assert_int_equal(p.unshare_flags, CLONE_NEWPID | CLONE_NEWNS);
	assert_true(p.fork_for_pid);
	nss[1] = (struct spec_namespace){ .type = NS_PID, .path = "/proc/1/ns/pid" };
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	assert_false(p.fork_for_pid);
}

static void test_time_offsets_need_time_ns(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_MOUNT };
	make_spec(&s, &l, 1);
	l.time_offsets.has_monotonic = true;
	l.time_offsets.monotonic.secs = 86400;
	struct launch_plan p;
	struct hull_err *err = NULL;
	assert_int_equal(plan_build(&s, &p, &err), -1);
	assert_non_null(strstr(err->msg, "timeOffsets"));
	hull_err_free(err);
	nss[1] = (struct spec_namespace){ .type = NS_TIME };
	l.n_namespaces = 2;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	assert_true(p.time_offsets);
	assert_true(p.unshare_flags & CLONE_NEWTIME);
}

static void test_sysctl_needs_own_namespace(void **state)
{
	struct spec s;
	struct spec_linux l;
	nss[0] = (struct spec_namespace){ .type = NS_MOUNT };
	make_spec(&s, &l, 1);
	struct spec_kv kv[] = { { "kernel.domainname", "x" } };
	l.sysctl = kv;
	l.n_sysctl = 1;
	struct launch_plan p;
	struct hull_err *err = NULL;
	/* without a uts namespace this would rename the host's domain */
	assert_int_equal(plan_build(&s, &p, &err), -1);
	assert_non_null(strstr(err->msg, "kernel.domainname"));
	hull_err_free(err);
	nss[1] = (struct spec_namespace){ .type = NS_UTS };
	l.n_namespaces = 2;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	kv[0].key = "net/ipv4/ip_forward";
	assert_int_equal(plan_build(&s, &p, NULL), -1);
	nss[2] = (struct spec_namespace){ .type = NS_NETWORK };
	l.n_namespaces = 3;
	assert_int_equal(plan_build(&s, &p, NULL), 0);
	kv[0].key = "kernel.shmmax";
	assert_int_equal(plan_build(&s, &p, NULL), -1);
	kv[0].key = "vm.swappiness";
	assert_int_equal(plan_build(&s, &p, NULL), -1);
}

static void test_signals(void **state)
{
	assert_int_equal(signal_parse("KILL", NULL), SIGKILL);
	assert_int_equal(signal_parse("SIGKILL", NULL), SIGKILL);
	assert_int_equal(signal_parse("sigterm", NULL), SIGTERM);
	assert_int_equal(signal_parse("9", NULL), 9);
	assert_int_equal(signal_parse("RTMIN+2", NULL), SIGRTMIN + 2);
	assert_int_equal(signal_parse("SIGRTMAX-1", NULL), SIGRTMAX - 1);
	struct hull_err *err = NULL;
	assert_int_equal(signal_parse("FOO", &err), -1);
	assert_string_equal(err->msg, "unknown signal \"FOO\"");
	hull_err_free(err);
	assert_int_equal(signal_parse("0", NULL), -1);
	assert_int_equal(signal_parse("99", NULL), -1);
	assert_int_equal(signal_parse("", NULL), -1);
}

static void test_ids(void **state)
{
	assert_int_equal(container_id_validate("abc-1_2+3.x", NULL), 0);
	assert_int_equal(container_id_validate("x..", NULL), 0);
	const char *bad[] = { "", ".", "..", "a/b", "../x", "a b", "a\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(container_id_validate(bad[i], NULL), -1);
	char longid[300];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[299] = 0;
	assert_int_equal(container_id_validate(longid, NULL), -1);
}

static void test_state_json_and_time(void **state)
{
	char *now = rfc3339_now();
	/* 2026-11-29T01:20:32.315993072Z: trailing zeros trimmed, so the length varies */
	assert_true(strlen(now) >= 20 && now[strlen(now) - 1] == 'Z' && now[10] == 'T');
	struct spec_kv ann = { "k", "v" };
	struct container_state st = { .id = "c1", .pid = 42, .bundle = "/b", .rootfs = "/b/rootfs", .created = now,
				      .annotations = &ann, .n_annotations = 1 };
	char *j = container_state_json(&st, STATUS_RUNNING, true, "");
	char *want = NULL;
	assert_true(asprintf(&want, "{\n  \"ociVersion\": \"%s\",\n  \"id\": \"c1\",\n  \"pid\": 42,\n"
			     "  \"status\": \"running\",\n  \"bundle\": \"/b\",\n  \"rootfs\": \"/b/rootfs\",\n"
			     "  \"created\": \"%s\",\n  \"annotations\": {\n    \"k\": \"v\"\n  },\n"
			     "  \"owner\": \"\"\n}", HULL_STATE_OCI_VERSION, now) > 0);
	assert_string_equal(j, want);
	free(want);
	/* a stopped container shows pid 0, as runc */
	char *k = container_state_json(&st, STATUS_STOPPED, false, "root");
	assert_non_null(strstr(k, "\"pid\":0,\"status\":\"stopped\""));
	assert_non_null(strstr(k, "\"owner\":\"root\"}"));
	free(k);
	free(j);
	free(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_namespaces),  cmocka_unit_test(test_user_namespace_needs_maps),
		cmocka_unit_test(test_maps_without_userns), cmocka_unit_test(test_joins_user_first),
		cmocka_unit_test(test_new_pid_in_joined_userns_forks), cmocka_unit_test(test_time_offsets_need_time_ns),
		cmocka_unit_test(test_sysctl_needs_own_namespace), cmocka_unit_test(test_signals),         cmocka_unit_test(test_ids),
		cmocka_unit_test(test_state_json_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
