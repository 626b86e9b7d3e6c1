/* devices_bpf.c — see devices_bpf.h; also the device rule list both v1 and v2 apply. */
#include "cgroup/devices_bpf.h"
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- the rule list ---- */

#define RULE(t, maj, min, acc) { .allow = true, .type = t, .has_major = (maj) >= 0, .major = maj, \
				 .has_minor = (min) >= 0, .minor = min, .access = (char *)acc }
/* runc's default allowed devices: any mknod, the standard character devices, ptys. */
static const struct spec_device_cgroup default_rules[] = {
	RULE('c', -1, -1, "m"), RULE('b', -1, -1, "m"),
	RULE('c', 1, 3, "rwm"),  /* /dev/null */
	RULE('c', 1, 8, "rwm"),  /* /dev/random */
	RULE('c', 1, 7, "rwm"),  /* /dev/full */
	RULE('c', 5, 0, "rwm"),  /* /dev/tty */
	RULE('c', 1, 5, "rwm"),  /* /dev/zero */
	RULE('c', 1, 9, "rwm"),  /* /dev/urandom */
	RULE('c', 136, -1, "rwm"), /* /dev/pts/N */
	RULE('c', 5, 2, "rwm"),  /* /dev/ptmx */
};

struct spec_device_cgroup *cg_device_rules(const struct spec_resources *r, size_t *n)
{
	size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);
	struct spec_device_cgroup *out = xcalloc(1 + r->n_devices + nd, sizeof(*out));
	size_t k = 0;
	out[k++] = (struct spec_device_cgroup){ .allow = false, .type = 'a', .access = (char *)"rwm" };
	for (size_t i = 0; i < r->n_devices; i++)
		out[k++] = r->devices[i];
	for (size_t i = 0; i < nd; i++)
		out[k++] = default_rules[i];
	*n = k;
	return out;
}

/* ---- program builder ---- */

struct prog { struct bpf_insn *v; size_t n, cap; };

static void emit(struct prog *p, struct bpf_insn insn)
{
	if (p->n == p->cap)
		p->v = xrealloc(p->v, (p->cap = p->cap ? p->cap * 2 : 64) * sizeof(*p->v));
	p->v[p->n++] = insn;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static unsigned access_mask(const char *a)
{
	if (!a || !*a)
		return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	unsigned m = 0;
	for (; *a; a++)
		m |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
	return m;
}

/* Registers after the prologue: r2 device type, r3 requested access, r4 major, r5 minor. */
struct bpf_insn *cg_devices_bpf_build(const struct spec_device_cgroup *rules, size_t n, size_t *n_insn)
{
	struct prog p = { 0 };
	/* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; } */
	emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0));
	emit(&p, INSN(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xFFFF));
	emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0));
	emit(&p, INSN(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
	emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0));
	emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0));
	bool unconditional = false;
	/* Last match wins: test the rules from the last one back, the first hit returns. */
	for (size_t k = n; k-- > 0 && !unconditional;) {
		const struct spec_device_cgroup *d = &rules[k];
		size_t jumps[4], n_jumps = 0;
		if (d->type == 'a' || d->type == 0) {
			unconditional = true;
		} else {
			emit(&p, INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
			jumps[n_jumps++] = p.n - 1;
			unsigned acc = access_mask(d->access), all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
			if (acc != all) {
				emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0));
				if (d->allow) { /* no requested bit outside the rule */
					emit(&p, INSN(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, (int)(all & ~acc)));
					emit(&p, INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0));
				} else { /* some requested bit inside the rule */
					emit(&p, INSN(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, (int)acc));
					emit(&p, INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0));
				}
				jumps[n_jumps++] = p.n - 1;
			}
			if (d->has_major && d->major >= 0) {
				emit(&p, INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int)d->major));
				jumps[n_jumps++] = p.n - 1;
			}
			if (d->has_minor && d->minor >= 0) {
				emit(&p, INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int)d->minor));
				jumps[n_jumps++] = p.n - 1;
			}
		}
		emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, d->allow ? 1 : 0));
		emit(&p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		for (size_t j = 0; j < n_jumps; j++)
			p.v[jumps[j]].off = (short)(p.n - jumps[j] - 1);
	}
	/* Nothing matched: deny. (Omitted after an unconditional rule: the verifier refuses dead code.) */
	if (!unconditional) {
		emit(&p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
		emit(&p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	*n_insn = p.n;
	return p.v;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int cg_devices_bpf_load(const struct bpf_insn *insns, size_t n, struct hull_err **err)
{
	static char log[16384];
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "MIT";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	log[0] = '\0';
	uint64_t t = trace_begin();
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC) { /* log too small: load again without it for the real error */
		attr.log_buf = 0, attr.log_size = 0, attr.log_level = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
	}
	if (fd < 0)
		return hull_err_sys(err, "bpf: load the device filter (%zu instructions)%s%s", n, log[0] ? ": " : "", log);
	trace_end(t, "bpf load device filter (%zu insns)", n);
	/* The fd must not reach the container. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		return hull_err_sys(err, "bpf: cloexec");
	}
	return fd;
}

int cg_devices_bpf_attach(int cgroup_fd, int prog_fd, struct hull_err **err)
{
	/* What is attached now, to detach once the new program is in place. */
	uint32_t ids[64], count = 64;
	union bpf_attr q;
	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)cgroup_fd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = count;
	if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
		return hull_err_sys(err, "bpf: query the device programs of the cgroup");
	count = q.query.prog_cnt;

	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	uint64_t t = trace_begin();
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return hull_err_sys(err, "bpf: attach the device filter (BPF_CGROUP_DEVICE)");
	trace_end(t, "bpf attach device filter");
	for (uint32_t i = 0; i < count && i < 64; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = ids[i];
		_cleanup_fd_ int old = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (old < 0)
			continue; /* already gone */
		union bpf_attr d;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)cgroup_fd;
		d.attach_bpf_fd = (uint32_t)old;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
			return hull_err_sys(err, "bpf: detach the previous device filter (id %u)", ids[i]);
	}
	return 0;
}

int cg_v2_devices(int dfd, const struct spec_device_cgroup *rules, size_t n, struct hull_err **err)
{
	size_t n_insn;
	_cleanup_free_ struct bpf_insn *insns = cg_devices_bpf_build(rules, n, &n_insn);
	_cleanup_fd_ int prog = cg_devices_bpf_load(insns, n_insn, err);
	if (prog < 0 || cg_devices_bpf_attach(dfd, prog, err) < 0)
		return hull_err_wrap(err, "linux.resources.devices");
	return 0;
}
