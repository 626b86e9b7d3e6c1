/* test_seccomp_cache.c — the compiled-BPF cache: miss then hit with the same bytes, corruption detected
 * and rebuilt, keys that change with the profile, and the time a hit saves on a docker-sized profile.
 * Also the sha256 the keys rest on (FIPS 180-4 test vectors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void test_sha256_vectors(void **state)
{
	(void)state;
	uint8_t d[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN + 1];
	sha256("", 0, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(two, strlen(two), d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* A million 'a', fed in odd-sized pieces to cross block boundaries. */
	struct sha256_ctx c;
	char a[997];
	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(a) ? left : sizeof(a);
		sha256_update(&c, a, n);
		left -= n;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* A docker-sized profile: every syscall of the native table allowed, a few with arguments, default
 * ERRNO. */
struct big {
	struct spec_seccomp s;
	struct spec_seccomp_syscall rules[3];
	char *names[600];
	struct spec_seccomp_arg args[2];
	char *persona[1];
	char *clone_[1];
};

static void big_profile(struct big *b, const char *tag)
{
	size_t n = 0;
	for (int nr = 0; nr < 600 && n < 600; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (!name)
			continue;
		if (strcmp(name, "personality") && strcmp(name, "clone"))
			b->names[n++] = name;
		else
			free(name);
	}
	b->persona[0] = xstrdup("personality");
	b->clone_[0] = xstrdup("clone");
	b->args[0] = (struct spec_seccomp_arg){ .index = 0, .op = SCMP_CMP_EQ, .value = 0 };
	b->args[1] = (struct spec_seccomp_arg){ .index = 0, .op = SCMP_CMP_MASKED_EQ, .value = 2114060288, .value_two = 0 };
	b->rules[0] = (struct spec_seccomp_syscall){ .names = b->names, .n_names = n, .action = SCMP_ACT_ALLOW };
	b->rules[1] = (struct spec_seccomp_syscall){ .names = b->persona, .n_names = 1, .action = SCMP_ACT_ALLOW,
						    .args = &b->args[0], .n_args = 1 };
	b->rules[2] = (struct spec_seccomp_syscall){ .names = b->clone_, .n_names = 1, .action = SCMP_ACT_ALLOW,
						    .args = &b->args[1], .n_args = 1 };
	b->s = (struct spec_seccomp){ .default_action = SCMP_ACT_ERRNO(0), .syscalls = b->rules, .n_syscalls = 3 };
	/* Stands for the canonical JSON the parser keeps: anything that identifies the profile. */
	b->s.raw_json = xasprintf("{\"big\":%zu,\"tag\":\"%s\"}", n, tag);
}

static void big_free(struct big *b)
{
	for (size_t i = 0; i < b->rules[0].n_names; i++)
		free(b->names[i]);
	free(b->persona[0]);
	free(b->clone_[0]);
	free(b->s.raw_json);
}

static char *tmp_cache(void)
{
	char tmpl[] = "/tmp/hull-security-cache-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xasprintf("%s/cache", tmpl);
}

static void rm_cache(const char *dir)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	*strrchr(parent, '/') = 0;
	char *base = strrchr(parent, '/') + 1;
	base[-1] = 0;
	fs_rmtree_at(AT_FDCWD, dir, NULL);
	base[-1] = '/';
	rmdir(parent);
}

static char *entry_path(const char *dir, const char *raw_json)
{
	char key[SHA256_HEX_LEN + 1];
	seccomp_cache_key(raw_json, key);
	_cleanup_free_ char *name = seccomp_cache_name(key);
	return xasprintf("%s/%s", dir, name);
}

static struct seccomp_prog *prep(const struct spec_seccomp *s, const char *dir)
{
	struct hull_err *err = NULL;
	struct seccomp_prog *p = seccomp_prepare(s, dir, &err);
	if (!p)
		fail_msg("prepare: %s", err->msg);
	return p;
}

static void test_miss_then_hit(void **state)
{
	(void)state;
	struct big b;
	big_profile(&b, "hit");
	_cleanup_free_ char *dir = tmp_cache();
	_cleanup_free_ char *path = entry_path(dir, b.s.raw_json);

	struct seccomp_prog *miss = prep(&b.s, dir);
	assert_false(miss->cache_hit);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	struct seccomp_prog *hit = prep(&b.s, dir);
	assert_true(hit->cache_hit);
	assert_int_equal(hit->len, miss->len);
	assert_memory_equal(hit->filter, miss->filter, miss->len * sizeof(struct sock_filter));
	assert_int_equal(hit->flags, miss->flags);
	assert_int_equal(hit->notify, miss->notify);
	seccomp_prog_free(miss);
	seccomp_prog_free(hit);

	/* Another profile text is another key: no false hit. */
	free(b.s.raw_json);
	b.s.raw_json = xstrdup("{\"other\":1}");
	struct seccomp_prog *other = prep(&b.s, dir);
	assert_false(other->cache_hit);
	seccomp_prog_free(other);
	/* No raw_json, or no cache dir: no cache at all. */
	free(b.s.raw_json);
	b.s.raw_json = NULL;
	struct seccomp_prog *none = prep(&b.s, dir);
	assert_false(none->cache_hit);
	seccomp_prog_free(none);
	big_free(&b);
	rm_cache(dir);
}

static void corrupt_and_check(const char *dir, const struct spec_seccomp *s, void (*damage)(const char *path))
{
	_cleanup_free_ char *path = entry_path(dir, s->raw_json);
	struct seccomp_prog *good = prep(s, dir);
	damage(path);
	struct seccomp_prog *rebuilt = prep(s, dir);
	assert_false(rebuilt->cache_hit);
	assert_int_equal(rebuilt->len, good->len);
	assert_memory_equal(rebuilt->filter, good->filter, good->len * sizeof(struct sock_filter));
	/* The rebuilt entry replaced the corrupt one. */
	struct seccomp_prog *hit = prep(s, dir);
	assert_true(hit->cache_hit);
	seccomp_prog_free(good);
	seccomp_prog_free(rebuilt);
	seccomp_prog_free(hit);
}

static void flip_body_byte(const char *path)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	off_t end = lseek(fd, 0, SEEK_END);
	char c;
	assert_int_equal(pread(fd, &c, 1, end - 3), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, end - 3), 1);
	close(fd);
}

static void truncate_entry(const char *path) { assert_int_equal(truncate(path, 30), 0); }
static void drop_instruction(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 8), 0);
}
static void bad_magic(const char *path)
{
	int fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4);
	close(fd);
}
static void empty_entry(const char *path) { assert_int_equal(truncate(path, 0), 0); }
static void replace_with_dir(const char *path)
{
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void test_corruption_detected(void **state)
{
	(void)state;
	struct big b;
	big_profile(&b, "corrupt");
	_cleanup_free_ char *dir = tmp_cache();
	corrupt_and_check(dir, &b.s, flip_body_byte);
	corrupt_and_check(dir, &b.s, truncate_entry);
	corrupt_and_check(dir, &b.s, drop_instruction);
	corrupt_and_check(dir, &b.s, bad_magic);
	corrupt_and_check(dir, &b.s, empty_entry);
	/* A directory in the entry's place cannot be removed by unlink: the program is still compiled and
	 * returned (the cache is an optimisation, never a reason to fail). */
	_cleanup_free_ char *path = entry_path(dir, b.s.raw_json);
	replace_with_dir(path);
	struct seccomp_prog *p = prep(&b.s, dir);
	assert_false(p->cache_hit);
	assert_true(p->len > 0);
	seccomp_prog_free(p);
	rmdir(path);
	big_free(&b);
	rm_cache(dir);
}

static void test_unusable_cache_dir(void **state)
{
	(void)state;
	struct big b;
	big_profile(&b, "unusable");
	/* A regular file where the cache dir should be. */
	char tmpl[] = "/tmp/hull-security-cachefile-XXXXXX";
	int fd = mkstemp(tmpl);
	close(fd);
	struct seccomp_prog *p = prep(&b.s, tmpl);
	assert_false(p->cache_hit);
	assert_true(p->len > 0);
	seccomp_prog_free(p);
	unlink(tmpl);
	big_free(&b);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void test_hit_saves_time(void **state)
{
	(void)state;
	struct big b;
	big_profile(&b, "timing");
	_cleanup_free_ char *dir = tmp_cache();
	_cleanup_free_ char *path = entry_path(dir, b.s.raw_json);
	enum { RUNS = 10 };
	double miss = 0, hit = 0, nocache = 0;
	size_t len = 0;
	for (int i = 0; i < RUNS; i++) {
		double t1 = now_us();
		seccomp_prog_free(prep(&b.s, NULL));
		nocache += now_us() - t1;
		unlink(path);
		double t0 = now_us();
		struct seccomp_prog *p = prep(&b.s, dir);
		miss += now_us() - t0;
		assert_false(p->cache_hit);
		len = p->len;
		seccomp_prog_free(p);
		t0 = now_us();
		p = prep(&b.s, dir);
		hit += now_us() - t0;
		assert_true(p->cache_hit);
		seccomp_prog_free(p);
	}
	print_message("seccomp cache: %zu syscalls, %zu BPF instructions: compile %.0f us, compile+store %.0f us, "
		      "cache hit %.0f us (saves %.0f us per container)\n",
		      b.rules[0].n_names + 2, len, nocache / RUNS, miss / RUNS, hit / RUNS, (nocache - hit) / RUNS);
	/* The point of the cache: a hit must be clearly cheaper than compiling. */
	assert_true(hit * 3 < miss);
	big_free(&b);
	rm_cache(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_miss_then_hit),
		cmocka_unit_test(test_corruption_detected),
		cmocka_unit_test(test_unusable_cache_dir),
		cmocka_unit_test(test_hit_saves_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
