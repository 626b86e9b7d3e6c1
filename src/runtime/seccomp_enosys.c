/* seccomp_enosys.c — runc's answer for syscalls newer than the profile: ENOSYS, not the default action.
 *
 * A profile written before a syscall existed cannot name it, so an allowlist profile (default ERRNO or
 * KILL) refuses it with EPERM; libc and the runtime then do not fall back to the older call they would
 * use on an older kernel (clone3 → clone, close_range → /proc/self/fd, openat2 → openat, faccessat2 →
 * faccessat). runc prepends a stub to the filter: for each architecture, a syscall numbered above every
 * syscall the profile names for that architecture gets ENOSYS, as if the kernel were as old as the
 * profile. We do the same. Syscalls at or below that number keep the profile's meaning (a syscall the
 * profile does not name still gets the default action), and a permissive default (ALLOW, LOG) needs no
 * stub. The stub is plain classic BPF placed before libseccomp's program, which reloads what it needs.
 */
#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000U
#define MAX_STUB 512

struct stub {
	struct sock_filter insn[MAX_STUB];
	size_t n;
	size_t to_end[MAX_STUB]; /* indexes of "ja end" to patch once the stub's length is known */
	size_t n_to_end;
};

static void emit(struct stub *b, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	b->insn[b->n++] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
}

static void emit_ja_end(struct stub *b)
{
	b->to_end[b->n_to_end++] = b->n;
	emit(b, BPF_JMP | BPF_JA, 0, 0, 0);
}

/* nr > max: ENOSYS; else on to libseccomp's program. 3 instructions. */
static void emit_above(struct stub *b, uint32_t max)
{
	emit(b, BPF_JMP | BPF_JGT | BPF_K, max, 0, 1);
	emit(b, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), 0, 0);
	emit_ja_end(b);
}

/* The highest syscall number the profile names for arch, or -1. Every rule counts, whatever its action:
 * what matters is how new a kernel the profile knows about. */
static long highest_named(const struct spec_seccomp *s, uint32_t arch)
{
	long max = -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t j = 0; j < s->syscalls[i].n_names; j++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[j]);
			if (nr < 0) /* unknown, or a pseudo number for a call this arch lacks */
				continue;
			long v = nr;
			if (arch == SCMP_ARCH_X32)
				v |= X32_SYSCALL_BIT;
			if (v > max)
				max = v;
		}
	return max;
}

static bool listed(const uint32_t *archs, size_t n, uint32_t arch)
{
	for (size_t i = 0; i < n; i++)
		if (archs[i] == arch)
			return true;
	return false;
}

bool seccomp_wants_enosys_stub(const struct spec_seccomp *s)
{
	uint32_t base = s->default_action & 0xffff0000U;
	if (base == SCMP_ACT_ALLOW || base == SCMP_ACT_LOG)
		return false;
	/* A default that already answers ENOSYS says the same thing. */
	return !(base == SCMP_ACT_ERRNO(0) && s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
}

int seccomp_enosys_stub(const struct spec_seccomp *s, void **filter, size_t *len, struct hull_err **err)
{
	if (!seccomp_wants_enosys_stub(s))
		return 0;
	/* libseccomp always includes the native architecture. */
	uint32_t archs[32];
	size_t n_archs = 0;
	archs[n_archs++] = seccomp_arch_native();
	for (size_t i = 0; i < s->n_architectures && n_archs < sizeof(archs) / sizeof(archs[0]); i++)
		if (!listed(archs, n_archs, s->architectures[i]))
			archs[n_archs++] = s->architectures[i];

	_cleanup_free_ struct stub *b = xcalloc(1, sizeof(*b));
	emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (size_t i = 0; i < n_archs && b->n + 16 < MAX_STUB; i++) {
		uint32_t arch = archs[i];
		if (arch == SCMP_ARCH_X32 && listed(archs, n_archs, SCMP_ARCH_X86_64))
			continue; /* handled in the x86_64 block: x32 calls arrive as AUDIT_ARCH_X86_64 */
		if (arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_X32) {
			long native = listed(archs, n_archs, SCMP_ARCH_X86_64) ? highest_named(s, SCMP_ARCH_X86_64) : -1;
			long x32 = listed(archs, n_archs, SCMP_ARCH_X32) ? highest_named(s, SCMP_ARCH_X32) : -1;
			if (native < 0 && x32 < 0)
				continue;
			size_t x32_part = x32 >= 0 ? 3 : 1, native_part = native >= 0 ? 3 : 1;
			emit(b, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, (uint8_t)(2 + x32_part + native_part));
			emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
			emit(b, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 0, (uint8_t)x32_part);
			if (x32 >= 0)
				emit_above(b, (uint32_t)x32);
			else
				emit_ja_end(b);
			if (native >= 0)
				emit_above(b, (uint32_t)native);
			else
				emit_ja_end(b);
			continue;
		}
		long max = highest_named(s, arch);
		if (max < 0)
			continue;
		/* libseccomp's architecture tokens are the AUDIT_ARCH_* values seccomp_data carries. */
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 4);
		emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
		emit_above(b, (uint32_t)max);
	}
	if (b->n == 1)
		return 0; /* no architecture with a named syscall */
	for (size_t i = 0; i < b->n_to_end; i++)
		b->insn[b->to_end[i]].k = (uint32_t)(b->n - b->to_end[i] - 1);
	if (b->n + *len > BPF_MAXINSNS)
		return hull_err_set(err, E2BIG, "seccomp: BPF program of %zu instructions cannot be loaded (limit %d)",
				    b->n + *len, BPF_MAXINSNS);
	struct sock_filter *out = xmalloc((b->n + *len) * sizeof(*out));
	memcpy(out, b->insn, b->n * sizeof(*out));
	memcpy(out + b->n, *filter, *len * sizeof(*out));
	free(*filter);
	*filter = out;
	*len += b->n;
	return (int)b->n;
}
