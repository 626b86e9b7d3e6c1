/* store.c — see store.h. */
#include "image/store.h"
#include "image/digest.h"
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_dir(int dirfd, const char *name, struct hull_err **err)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return hull_err_sys(err, "mkdir %s", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "open %s", name);
	return fd;
}

/* tmp entries are "<pid>-<n>"; sweep those whose process is gone. */
static void sweep_tmp(struct store *s)
{
	_cleanup_dir_ DIR *d = fs_opendir_at(s->tmpfd, ".", NULL);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM))
			continue;
		fs_rmtree_at(s->tmpfd, de->d_name, NULL);
	}
}

int store_open(struct store *s, const char *root, struct hull_err **err)
{
	_cleanup_fd_ int blobs = -1;
	memset(s, 0, sizeof(*s));
	s->rootfd = s->blobsfd = s->snapfd = s->tmpfd = s->gcfd = -1;
	s->root = xstrdup(root);
	if (fs_mkdir_p(root, 0700, err) < 0)
		goto fail;
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		hull_err_sys(err, "open %s", root);
		goto fail;
	}
	blobs = open_dir(s->rootfd, "blobs", err);
	if (blobs < 0 || (s->blobsfd = open_dir(blobs, "sha256", err)) < 0 ||
	    (s->snapfd = open_dir(s->rootfd, "snapshots", err)) < 0 || (s->tmpfd = open_dir(s->rootfd, "tmp", err)) < 0)
		goto fail;
	s->gcfd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->gcfd < 0) {
		hull_err_sys(err, "open gc.lock");
		goto fail;
	}
	/* Only a process holding gc.lock exclusively can be sure no live writer owns a tmp entry it
	 * cannot see a pid for; dead pids are safe to sweep at any time. */
	sweep_tmp(s);
	return 0;
fail:
	hull_err_wrap(err, "store %s", root);
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	int *fds[] = { &s->rootfd, &s->blobsfd, &s->snapfd, &s->tmpfd, &s->gcfd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	free(s->root);
	s->root = NULL;
}

int store_gc_lock(struct store *s, int op, struct hull_err **err)
{
	while (flock(s->gcfd, op) < 0)
		if (errno != EINTR)
			return hull_err_sys(err, "lock %s/gc.lock", s->root);
	return 0;
}

int store_index_lock(struct store *s, struct hull_err **err)
{
	int fd = openat(s->rootfd, "index.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hull_err_sys(err, "open %s/index.lock", s->root);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return hull_err_sys(err, "lock %s/index.lock", s->root);
		}
	return fd;
}

static const char *hex_of(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}

bool store_has_blob(struct store *s, const char *digest)
{
	struct stat st;
	return digest_is_valid(digest) && fstatat(s->blobsfd, hex_of(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int store_blob_open(struct store *s, const char *digest, struct hull_err **err)
{
	if (!digest_is_valid(digest))
		return hull_err_set(err, EINVAL, "bad digest \"%s\"", digest);
	int fd = openat(s->blobsfd, hex_of(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_err_sys(err, "blob %s", digest);
	return fd;
}

char *store_blob_read(struct store *s, const char *digest, size_t *len, struct hull_err **err)
{
	if (!digest_is_valid(digest)) {
		hull_err_set(err, EINVAL, "bad digest \"%s\"", digest);
		return NULL;
	}
	char *b = fs_read_file_at(s->blobsfd, hex_of(digest), len, err);
	if (!b)
		hull_err_wrap(err, "blob %s", digest);
	return b;
}

char *store_blob_path(struct store *s, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", s->root, hex_of(digest));
}

int store_blob_put(struct store *s, const char *digest, const void *buf, size_t len, struct hull_err **err)
{
	char got[72];
	digest_buf(buf, len, got);
	if (!digest_is_valid(digest) || strcmp(got, digest) != 0)
		return hull_err_set(err, EBADMSG, "blob %s: digest mismatch: content is %s", digest, got);
	if (store_has_blob(s, digest))
		return 0;
	return fs_write_atomic(s->blobsfd, hex_of(digest), buf, len, 0600, err);
}

static char *tmp_name(void)
{
	static atomic_uint counter;
	unsigned n = atomic_fetch_add(&counter, 1);
	return xasprintf("%d-%u-%lx", (int)getpid(), n, (unsigned long)random());
}

int store_tmp_file(struct store *s, char **name, struct hull_err **err)
{
	*name = tmp_name();
	int fd = openat(s->tmpfd, *name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		hull_err_sys(err, "create %s/tmp/%s", s->root, *name);
		free(*name);
		*name = NULL;
	}
	return fd;
}

int store_tmp_dir(struct store *s, char **name, struct hull_err **err)
{
	*name = tmp_name();
	if (mkdirat(s->tmpfd, *name, 0700) < 0) {
		hull_err_sys(err, "mkdir %s/tmp/%s", s->root, *name);
		free(*name);
		*name = NULL;
		return -1;
	}
	return 0;
}

void store_tmp_remove(struct store *s, const char *name)
{
	if (name)
		fs_rmtree_at(s->tmpfd, name, NULL);
}

int store_blob_commit(struct store *s, const char *tmpname, const char *digest, struct hull_err **err)
{
	if (renameat(s->tmpfd, tmpname, s->blobsfd, hex_of(digest)) < 0)
		return hull_err_sys(err, "store blob %s", digest);
	return 0;
}

bool store_has_snapshot(struct store *s, const char *chain_id)
{
	struct stat st;
	return fstatat(s->snapfd, hex_of(chain_id), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

char *store_snapshot_path(struct store *s, const char *chain_id)
{
	return xasprintf("%s/snapshots/%s/fs", s->root, hex_of(chain_id));
}

int store_snapshot_commit(struct store *s, const char *tmpname, const char *chain_id, const char *diff_id,
			  uint64_t size, struct hull_err **err)
{
	_cleanup_fd_ int dfd = openat(s->tmpfd, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", tmpname);
	_cleanup_free_ char *info = xasprintf("{\"diff_id\":\"%s\",\"size\":%llu}\n", diff_id, (unsigned long long)size);
	if (fs_write_atomic(dfd, "info.json", info, strlen(info), 0600, err) < 0)
		return -1;
	if (renameat(s->tmpfd, tmpname, s->snapfd, hex_of(chain_id)) < 0) {
		/* Another pull of a image sharing this layer got there first: theirs is as good as ours. */
		if (errno == EEXIST || errno == ENOTEMPTY) {
			store_tmp_remove(s, tmpname);
			return 0;
		}
		return hull_err_sys(err, "store snapshot %s", chain_id);
	}
	return 0;
}

uint64_t store_snapshot_size(struct store *s, const char *chain_id)
{
	_cleanup_free_ char *p = xasprintf("%s/info.json", hex_of(chain_id));
	_cleanup_free_ char *txt = fs_read_file_at(s->snapfd, p, NULL, NULL);
	json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
	uint64_t v = (uint64_t)json_integer_value(json_object_get(j, "size"));
	json_decref(j);
	return v;
}

int store_snapshot_remove(struct store *s, const char *chain_id, struct hull_err **err)
{
	/* Rename out of sight first, so a crash mid-removal leaves no half snapshot that looks whole. */
	_cleanup_free_ char *tmp = tmp_name();
	if (renameat(s->snapfd, hex_of(chain_id), s->tmpfd, tmp) < 0)
		return errno == ENOENT ? 0 : hull_err_sys(err, "remove snapshot %s", chain_id);
	return fs_rmtree_at(s->tmpfd, tmp, err);
}

int store_blob_remove(struct store *s, const char *digest, struct hull_err **err)
{
	if (unlinkat(s->blobsfd, hex_of(digest), 0) < 0 && errno != ENOENT)
		return hull_err_sys(err, "remove blob %s", digest);
	return 0;
}

void chain_ids(char *const *diff_ids, size_t n, char (*out)[72])
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			snprintf(out[0], 72, "%s", diff_ids[0]);
			continue;
		}
		char buf[160];
		int len = snprintf(buf, sizeof(buf), "%s %s", out[i - 1], diff_ids[i]);
		digest_buf(buf, (size_t)len, out[i]);
	}
}
