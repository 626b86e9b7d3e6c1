/* fuzz_seccomp.c — libFuzzer target for linux.seccomp: checking, translation with libseccomp, export and
 * the BPF cache. The first byte picks the mode:
 *   even: the rest is the JSON of linux.seccomp inside a minimal config.json, through the real parser;
 *   odd:  the rest is decoded into a spec_seccomp directly (actions, operators, argument indexes, names,
 *         flags drawn from the bytes), which reaches translation paths the parser would refuse first;
 *         the tail of the input then overwrites the cache entry, which must be rejected or be valid.
 * Every program that comes out must be loadable in size. Build: make fuzz (clang -fsanitize=fuzzer). */
#include "oci/spec.h"
#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libseccomp 2.5.4 leaks parts of its rule tree when rules with 64-bit argument comparisons are added
 * for several architectures (reproduced with libseccomp alone: 768 bytes, ctx released). Not ours, and
 * harmless in a short-lived runtime: keep LeakSanitizer quiet about it, and only about it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libseccomp.so\nleak:seccomp_rule_add_array\n"; }

static char dir[64];

static void remove_cache_dir(void) { fs_rmtree_at(AT_FDCWD, dir, NULL); }

static const char *cache_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/hull-security-fuzz-%d", (int)getpid());
		mkdir(dir, 0700);
		atexit(remove_cache_dir);
	}
	return dir;
}

static void check_prog(struct seccomp_prog *p)
{
	if (!p)
		return;
	if (p->len == 0 || p->len > BPF_MAXINSNS || !p->filter)
		abort();
	seccomp_prog_free(p);
}

static void from_json(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/true\"],"
				   "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"seccomp\":";
	static const char tail[] = "}}";
	size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	_cleanup_free_ char *text = xmalloc(len + 1);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, tail, sizeof(tail));
	struct hull_err *err = NULL;
	struct spec *sp = spec_parse(text, len, "config.json", &err);
	if (!sp) {
		hull_err_free(err);
		return;
	}
	if (sp->linux_ && sp->linux_->seccomp) {
		check_prog(seccomp_prepare(sp->linux_->seccomp, NULL, &err));
		hull_err_free(err);
	}
	spec_free(sp);
}

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct reader *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t u64(struct reader *r)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(r);
	return v;
}

static const char *const names[] = { "read", "write", "getpid", "getsid", "clone", "socket", "personality",
				     "mkdir", "kill", "no_such_syscall", "socketcall", "ipc", "open", "openat",
				     "", "_llseek", "mmap2", "arch_prctl" };
static const uint32_t actions[] = { SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_ERRNO(0),
				    SCMP_ACT_TRACE(0), SCMP_ACT_LOG, SCMP_ACT_ALLOW, SCMP_ACT_NOTIFY, 0x12340000 };
static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, 7 };
static const char *const flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
				     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "BOGUS" };
#define PICK(tab, r) (tab[byte(r) % (sizeof(tab) / sizeof(tab[0]))])

static void from_struct(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct spec_seccomp s = { 0 };
	s.default_action = PICK(actions, &r);
	s.has_default_errno_ret = byte(&r) & 1;
	s.default_errno_ret = byte(&r) | (uint32_t)byte(&r) << 8;
	uint32_t arch_buf[4];
	s.n_architectures = byte(&r) % 5;
	for (size_t i = 0; i < s.n_architectures; i++)
		arch_buf[i] = PICK(arches, &r);
	s.architectures = arch_buf;
	char *flag_buf[4];
	s.n_flags = byte(&r) % 5;
	for (size_t i = 0; i < s.n_flags; i++)
		flag_buf[i] = (char *)PICK(flags, &r);
	s.flags = s.n_flags ? flag_buf : NULL;
	s.has_flags = byte(&r) & 1;
	s.listener_path = byte(&r) & 1 ? "/run/hull-fuzz.sock" : NULL;

	struct spec_seccomp_syscall sc[8];
	char *name_buf[8][4];
	struct spec_seccomp_arg arg_buf[8][8];
	s.n_syscalls = byte(&r) % 9;
	for (size_t i = 0; i < s.n_syscalls; i++) {
		sc[i] = (struct spec_seccomp_syscall){ .action = PICK(actions, &r) };
		sc[i].has_errno_ret = byte(&r) & 1;
		sc[i].errno_ret = byte(&r) | (uint32_t)byte(&r) << 8 | (uint32_t)(byte(&r) & 1) << 16;
		sc[i].n_names = byte(&r) % 5;
		for (size_t j = 0; j < sc[i].n_names; j++)
			name_buf[i][j] = (char *)PICK(names, &r);
		sc[i].names = name_buf[i];
		sc[i].n_args = byte(&r) % 9;
		for (size_t a = 0; a < sc[i].n_args; a++) {
			arg_buf[i][a].index = byte(&r) % 8;
			arg_buf[i][a].op = byte(&r) % 9;
			arg_buf[i][a].value = u64(&r);
			arg_buf[i][a].value_two = u64(&r);
		}
		sc[i].args = arg_buf[i];
	}
	s.syscalls = sc;
	/* The profile's bytes stand for its canonical JSON: the same input, the same key. */
	_cleanup_free_ char *raw = xcalloc(1, 2 * size + 1);
	for (size_t i = 0; i < size - r.n; i++)
		sprintf(raw + 2 * i, "%02x", data[i]);
	s.raw_json = raw;

	struct hull_err *err = NULL;
	check_prog(seccomp_prepare(&s, cache_dir(), &err));
	hull_err_free(err);
	err = NULL;
	/* The rest of the input replaces the cache entry: loading must reject it or return a sane program. */
	char key[SHA256_HEX_LEN + 1];
	seccomp_cache_key(raw, key);
	_cleanup_free_ char *name = seccomp_cache_name(key);
	_cleanup_free_ char *path = xasprintf("%s/%s", cache_dir(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, r.p, r.n) < 0) { /* best effort */ }
		close(fd);
	}
	check_prog(seccomp_prepare(&s, cache_dir(), &err));
	hull_err_free(err);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		from_json(data + 1, size - 1);
	else
		from_struct(data + 1, size - 1);
	return 0;
}
