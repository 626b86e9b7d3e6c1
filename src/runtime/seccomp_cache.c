/* seccomp_cache.c — compiled BPF programs kept on disk so the next container with the same profile skips
 * libseccomp entirely.
 *
 * An entry is "bpf-<key>" in the cache dir: a header (magic, instruction count, sha256 of the body) and the
 * sock_filter array. The key covers everything the BPF depends on: our translation's format, libseccomp's
 * version, the kernel release and machine (libseccomp probes the kernel's API level) and the profile text.
 * Entries are written atomically; one that fails any check is removed and rebuilt, never loaded.
 */
#include "runtime/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define CACHE_MAGIC "HULLBPF\n"

struct cache_hdr {
	char magic[8];
	uint32_t n_insns;
	uint32_t reserved;
	uint8_t body_sha256[SHA256_DIGEST_LEN];
};

void seccomp_cache_key(const char *raw_json, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx c;
	struct utsname u;
	const struct scmp_version *v = seccomp_version();
	char head[512];
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	int n = snprintf(head, sizeof(head), "%s\n%u.%u.%u\n%s\n%s\n", SECCOMP_CACHE_FORMAT, v->major, v->minor,
			 v->micro, u.release, u.machine);
	sha256_init(&c);
	sha256_update(&c, head, (size_t)n);
	sha256_update(&c, raw_json, strlen(raw_json));
	uint8_t d[SHA256_DIGEST_LEN];
	sha256_final(&c, d);
	sha256_hex(d, hex);
}

char *seccomp_cache_name(const char *key) { return xasprintf("bpf-%s", key); }

int seccomp_cache_load(const char *cache_dir, const char *key, void **filter, size_t *len, struct hull_err **err)
{
	_cleanup_free_ char *name = seccomp_cache_name(key);
	_cleanup_fd_ int dfd = open(cache_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 1 : hull_err_sys(err, "open %s", cache_dir);
	_cleanup_fd_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : hull_err_sys(err, "open %s/%s", cache_dir, name);
	struct stat st;
	struct cache_hdr h;
	_cleanup_free_ void *buf = NULL;
	if (fstat(fd, &st) < 0)
		return hull_err_sys(err, "fstat %s/%s", cache_dir, name);
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(h) || pread(fd, &h, sizeof(h), 0) != sizeof(h))
		goto corrupt;
	size_t body = (size_t)st.st_size - sizeof(h);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
	    body != (size_t)h.n_insns * sizeof(struct sock_filter))
		goto corrupt;
	buf = xmalloc(body);
	if (pread(fd, buf, body, sizeof(h)) != (ssize_t)body)
		goto corrupt;
	uint8_t d[SHA256_DIGEST_LEN];
	sha256(buf, body, d);
	if (memcmp(d, h.body_sha256, sizeof(d)))
		goto corrupt;
	*filter = steal_ptr(&buf);
	*len = h.n_insns;
	return 0;
corrupt:
	/* Remove it so the rebuilt program can take its place. */
	unlinkat(dfd, name, 0);
	return 1;
}

int seccomp_cache_store(const char *cache_dir, const char *key, const void *filter, size_t len, struct hull_err **err)
{
	if (fs_mkdir_p(cache_dir, 0700, err) < 0)
		return -1;
	_cleanup_fd_ int dfd = open(cache_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", cache_dir);
	size_t body = len * sizeof(struct sock_filter);
	struct cache_hdr h = { .n_insns = (uint32_t)len };
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	sha256(filter, body, h.body_sha256);
	_cleanup_free_ char *buf = xmalloc(sizeof(h) + body);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), filter, body);
	_cleanup_free_ char *name = seccomp_cache_name(key);
	/* Temp file + rename: readers see the old entry or the whole new one. No fsync (unlike
	 * fs_write_atomic): an entry torn by a crash fails its checksum and is rebuilt, and the fsync would
	 * cost the first container ~4 ms on this disk. */
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", name, (int)getpid());
	_cleanup_fd_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_err_sys(err, "seccomp cache: create %s/%s", cache_dir, tmp);
	size_t total = sizeof(h) + body;
	if (write(fd, buf, total) != (ssize_t)total || renameat(dfd, tmp, dfd, name) < 0) {
		int e = errno;
		unlinkat(dfd, tmp, 0);
		return hull_err_set(err, e ? e : EIO, "seccomp cache: write %s/%s", cache_dir, name);
	}
	return 0;
}
