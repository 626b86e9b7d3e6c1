/* test_cgroup_devices.c — the cgroup v2 device filter: run the emitted eBPF through a tiny interpreter
 * for device requests, check its shape (every instruction reachable, jumps in range), and, as root, have
 * the kernel's verifier load it. Also the v1 rule list (deny-all, spec rules, runc's defaults). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgroup/devices_bpf.h"
#include "cgroup/internal.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD
#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK

/* Executes the subset of eBPF the builder emits; fails the test on anything else. */
static int run(const struct bpf_insn *p, size_t n, unsigned type, unsigned access, uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t r[11] = { 0 };
	size_t pc = 0;
	for (int steps = 0; steps < 100000; steps++) {
		assert_true(pc < n);
		const struct bpf_insn *i = &p[pc++];
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, 1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm); break;
		case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm; break;
		case BPF_ALU64 | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg]; break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = (uint64_t)(int64_t)i->imm; break;
		case BPF_JMP | BPF_JNE | BPF_K: if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm) pc += i->off; break;
		case BPF_JMP | BPF_JEQ | BPF_K: if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm) pc += i->off; break;
		case BPF_JMP | BPF_EXIT: return (int)r[0];
		default: fail_msg("unexpected opcode 0x%x at %zu", i->code, pc - 1);
		}
	}
	fail_msg("program does not terminate");
	return -1;
}

/* The verifier refuses unreachable instructions and jumps out of the program: check both here too. */
static void check_shape(const struct bpf_insn *p, size_t n)
{
	_cleanup_free_ bool *seen = xcalloc(n, sizeof(bool));
	_cleanup_free_ size_t *stack = xcalloc(n + 1, sizeof(size_t));
	size_t sp = 0;
	stack[sp++] = 0;
	while (sp) {
		size_t pc = stack[--sp];
		assert_true(pc < n);
		if (seen[pc])
			continue;
		seen[pc] = true;
		uint8_t c = p[pc].code;
		if (c == (BPF_JMP | BPF_EXIT))
			continue;
		if (BPF_CLASS(c) == BPF_JMP) {
			assert_true(pc + 1 + (size_t)p[pc].off < n);
			stack[sp++] = pc + 1 + (size_t)p[pc].off;
		}
		stack[sp++] = pc + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("instruction %zu is unreachable", i);
}

#define RULE(al, t, maj, min, acc) { .allow = al, .type = t, .has_major = (maj) >= 0, .major = maj, \
				     .has_minor = (min) >= 0, .minor = min, .access = acc }

static struct bpf_insn *build(const struct spec_device_cgroup *rules, size_t n, size_t *ni)
{
	struct bpf_insn *p = cg_devices_bpf_build(rules, n, ni);
	check_shape(p, *ni);
	/* Load it for real when we can: the kernel's verifier is the final judge. */
	if (geteuid() == 0) {
		struct hull_err *err = NULL;
		int fd = cg_devices_bpf_load(p, *ni, &err);
		if (fd < 0)
			fail_msg("load: %s", err->msg);
		close(fd);
	}
	return p;
}

static void test_default_list(void **state)
{
	(void)state;
	struct spec_resources r = { 0 };
	size_t n, ni;
	_cleanup_free_ struct spec_device_cgroup *rules = cg_device_rules(&r, &n);
	assert_false(rules[0].allow);
	assert_int_equal(rules[0].type, 'a');
	_cleanup_free_ struct bpf_insn *p = build(rules, n, &ni);
	assert_int_equal(run(p, ni, CHR, R | W, 1, 3), 1);  /* /dev/null */
	assert_int_equal(run(p, ni, CHR, R, 1, 9), 1);      /* /dev/urandom */
	assert_int_equal(run(p, ni, CHR, R | W, 136, 7), 1); /* /dev/pts/7 */
	assert_int_equal(run(p, ni, CHR, R | W, 5, 2), 1);  /* /dev/ptmx */
	assert_int_equal(run(p, ni, CHR, M, 10, 229), 1);   /* mknod of anything */
	assert_int_equal(run(p, ni, BLK, M, 8, 0), 1);
	assert_int_equal(run(p, ni, BLK, R, 8, 0), 0);      /* /dev/sda: denied */
	assert_int_equal(run(p, ni, CHR, R | W, 10, 229), 0); /* /dev/fuse */
	assert_int_equal(run(p, ni, CHR, R | W, 1, 1), 0);  /* /dev/mem */
	assert_int_equal(run(p, ni, BLK, R | W, 1, 3), 0);  /* type matters */
}

static void test_spec_rules_in_order(void **state)
{
	(void)state;
	/* runc's usual: deny all, allow fuse rw, then a later partial deny of write on /dev/null. */
	struct spec_device_cgroup spec[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'c', 10, 229, "rw"),
		RULE(true, 'b', 8, -1, "r"),
	};
	struct spec_resources r = { .devices = spec, .n_devices = 3 };
	size_t n, ni;
	_cleanup_free_ struct spec_device_cgroup *rules = cg_device_rules(&r, &n);
	_cleanup_free_ struct bpf_insn *p = build(rules, n, &ni);
	assert_int_equal(run(p, ni, CHR, R | W, 10, 229), 1);
	/* one rule must cover every requested bit: "rw" and the default "c *:* m" each cover only part */
	assert_int_equal(run(p, ni, CHR, M | R, 10, 229), 0);
	assert_int_equal(run(p, ni, CHR, M, 10, 229), 1);
	assert_int_equal(run(p, ni, BLK, R, 8, 5), 1);        /* any minor of major 8 */
	assert_int_equal(run(p, ni, BLK, R | W, 8, 5), 0);    /* write not in "r" */
	assert_int_equal(run(p, ni, BLK, R, 9, 0), 0);
}

static void test_partial_deny_after_allow(void **state)
{
	(void)state;
	struct spec_device_cgroup rules[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'c', 1, 3, "rwm"),
		RULE(false, 'c', 1, 3, "w"),
	};
	size_t ni;
	_cleanup_free_ struct bpf_insn *p = build(rules, 3, &ni);
	assert_int_equal(run(p, ni, CHR, R, 1, 3), 1);     /* the deny does not touch read */
	assert_int_equal(run(p, ni, CHR, W, 1, 3), 0);
	assert_int_equal(run(p, ni, CHR, R | W, 1, 3), 0); /* any denied bit denies the request */
	assert_int_equal(run(p, ni, CHR, R, 1, 5), 0);
}

static void test_allow_all_then_deny(void **state)
{
	(void)state;
	/* Privileged containers: "allow a" — and a deny after it still wins for its device. */
	struct spec_device_cgroup spec[] = {
		RULE(true, 'a', -1, -1, "rwm"),
		RULE(false, 'b', 8, 0, "rwm"),
	};
	struct spec_resources r = { .devices = spec, .n_devices = 2 };
	size_t n, ni;
	_cleanup_free_ struct spec_device_cgroup *rules = cg_device_rules(&r, &n);
	_cleanup_free_ struct bpf_insn *p = build(rules, n, &ni);
	assert_int_equal(run(p, ni, CHR, R | W, 10, 229), 1);
	assert_int_equal(run(p, ni, BLK, R, 8, 0), 0);
	assert_int_equal(run(p, ni, BLK, R, 8, 1), 1);
	assert_int_equal(run(p, ni, BLK, M, 8, 0), 1); /* the default "b *:* m" comes after the deny */
}

static void test_no_rules_denies(void **state)
{
	(void)state;
	size_t ni;
	struct spec_device_cgroup one = RULE(false, 'c', 1, 3, "rwm");
	_cleanup_free_ struct bpf_insn *p = build(&one, 1, &ni);
	assert_int_equal(run(p, ni, CHR, R, 1, 3), 0);
	assert_int_equal(run(p, ni, CHR, R, 1, 5), 0); /* nothing matched: deny */
	/* the exact shape: 6 loads/ALU, type check, major, minor, r0=0, exit, then the default r0=0, exit */
	assert_int_equal(ni, 6 + 3 + 2 + 2);
	assert_int_equal(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
	assert_int_equal(p[6].imm, CHR);
	assert_int_equal(p[6].off, 4);
	assert_int_equal(p[7].imm, 1);
	assert_int_equal(p[8].imm, 3);
}

static char v1_log[4096];
static void v1_obs(const char *file, const char *value)
{
	strcat(v1_log, file);
	strcat(v1_log, "=");
	strcat(v1_log, value);
	strcat(v1_log, "|");
}

static void test_v1_writes(void **state)
{
	(void)state;
	/* The v1 writer: deny-all, then the rules in order in devices.allow / devices.deny syntax. */
	char tmpl[] = "/tmp/hull-cgroup-test-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *a = xasprintf("%s/devices.allow", dir), *d = xasprintf("%s/devices.deny", dir);
	fclose(fopen(a, "w"));
	fclose(fopen(d, "w"));
	v1_log[0] = '\0';
	cg_write_observer = v1_obs;
	struct spec_device_cgroup spec[] = { RULE(true, 'c', 10, 229, "rw"), RULE(false, 'b', -1, 3, "") };
	struct spec_resources r = { .devices = spec, .n_devices = 2 };
	size_t n;
	_cleanup_free_ struct spec_device_cgroup *rules = cg_device_rules(&r, &n);
	_cleanup_fd_ int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct hull_err *err = NULL;
	assert_int_equal(cg_v1_devices(dfd, rules, n, &err), 0);
	cg_write_observer = NULL;
	assert_non_null(strstr(v1_log, "devices.deny=a|devices.allow=c 10:229 rw|devices.deny=b *:3 rwm|"
				    "devices.allow=c *:* m|devices.allow=b *:* m|devices.allow=c 1:3 rwm|"));
	assert_non_null(strstr(v1_log, "devices.allow=c 136:* rwm|devices.allow=c 5:2 rwm|"));
	unlink(a);
	unlink(d);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_spec_rules_in_order),
		cmocka_unit_test(test_partial_deny_after_allow),
		cmocka_unit_test(test_allow_all_then_deny),
		cmocka_unit_test(test_no_rules_denies),
		cmocka_unit_test(test_v1_writes),
	};
	return cmocka_run_group_tests_name("cgroup_devices", tests, NULL, NULL);
}
