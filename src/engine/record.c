/* record.c — container records: ids, names, lookup, the monitor lock, atomic saves, listing and the
 * repair of containers left behind by a crash. See engine.h. */
#include "engine/internal.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int engine_open(struct engine *e, const char *root, struct hull_err **err)
{
	memset(e, 0, sizeof(*e));
	if (fs_mkdir_p(root, 0711, err) < 0)
		return hull_err_wrap(err, "--root %s", root);
	e->root = realpath(root, NULL);
	if (!e->root)
		return hull_err_sys(err, "--root %s", root);
	e->containers = xasprintf("%s/containers", e->root);
	e->runtime_root = xasprintf("%s/runtime", e->root);
	e->volumes = xasprintf("%s/volumes", e->root);
	if (fs_mkdir_p(e->containers, 0700, err) < 0 || fs_mkdir_p(e->runtime_root, 0700, err) < 0 ||
	    fs_mkdir_p(e->volumes, 0700, err) < 0)
		return -1;
	return 0;
}

void engine_close(struct engine *e)
{
	free(e->root);
	free(e->containers);
	free(e->runtime_root);
	free(e->volumes);
}

void strv_push(struct strv *s, const char *x)
{
	s->v = xrealloc(s->v, (s->n + 2) * sizeof(char *));
	s->v[s->n++] = xstrdup(x);
	s->v[s->n] = NULL;
}

void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

char *engine_now(void)
{
	return rfc3339_now();
}

void ctr_free(struct ctr *c)
{
	if (!c)
		return;
	if (c->lockfd >= 0)
		close(c->lockfd);
	json_decref(c->rec);
	free(c->id);
	free(c->dir);
	free(c);
}

static struct ctr *ctr_new(struct engine *e, const char *id)
{
	struct ctr *c = xcalloc(1, sizeof(*c));
	c->e = e;
	c->id = xstrdup(id);
	c->dir = xasprintf("%s/%s", e->containers, id);
	c->lockfd = -1;
	return c;
}

static int ctr_open_lock(struct ctr *c, struct hull_err **err)
{
	if (c->lockfd >= 0)
		return 0;
	_cleanup_free_ char *p = xasprintf("%s/monitor.lock", c->dir);
	c->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lockfd < 0)
		return hull_err_sys(err, "open %s", p);
	return 0;
}

int ctr_lock(struct ctr *c, bool block, struct hull_err **err)
{
	if (c->locked)
		return 0;
	if (ctr_open_lock(c, err) < 0)
		return -1;
	while (flock(c->lockfd, LOCK_EX | (block ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return engine_err(err, EWOULDBLOCK, "container %.12s is busy", c->id);
		return hull_err_sys(err, "lock container %.12s", c->id);
	}
	c->locked = true;
	return 0;
}

void ctr_lock_note_exit(struct ctr *c, int code)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", code);
	if (c->lockfd < 0 || pwrite(c->lockfd, buf, (size_t)n, 0) != n || ftruncate(c->lockfd, n) < 0)
		log_error("container %.12s: cannot keep its exit code for waiters: %s", c->id, strerror(errno));
}

int ctr_lock_read_exit(const struct ctr *c)
{
	char buf[32];
	ssize_t n = c->lockfd < 0 ? -1 : pread(c->lockfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *end;
	long code = strtol(buf, &end, 10);
	return end == buf || *end != '\n' || code < 0 || code > 255 ? -1 : (int)code;
}

void ctr_unlock(struct ctr *c)
{
	if (c->lockfd >= 0) {
		flock(c->lockfd, LOCK_UN);
		close(c->lockfd);
		c->lockfd = -1;
	}
	c->locked = false;
}

int ctr_reload(struct ctr *c, struct hull_err **err)
{
	_cleanup_free_ char *p = xasprintf("%s/container.json", c->dir);
	json_error_t je;
	json_t *r = json_load_file(p, 0, &je);
	if (!r || !json_is_object(r)) {
		json_decref(r);
		if (access(p, F_OK) < 0)
			return engine_err(err, ENOENT, "no such container: %.12s", c->id);
		return hull_err_set(err, EINVAL, "%s: %s", p, je.text);
	}
	json_decref(c->rec);
	c->rec = r;
	return 0;
}

int engine_write_replace(int dirfd, const char *name, const char *buf, size_t len, struct hull_err **err)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), ".%s.tmp-%d", name, (int)getpid());
	_cleanup_fd_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_err_sys(err, "create %s", tmp);
	for (size_t off = 0; off < len;) {
		ssize_t r = write(fd, buf + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			hull_err_sys(err, "write %s", tmp);
			unlinkat(dirfd, tmp, 0);
			return -1;
		}
		off += (size_t)r;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		hull_err_sys(err, "rename %s", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int ctr_save(struct ctr *c, struct hull_err **err)
{
	_cleanup_free_ char *s = json_dumps(c->rec, JSON_INDENT(1) | JSON_SORT_KEYS);
	_cleanup_fd_ int d = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_err_sys(err, "open %s", c->dir);
	/* atomic, not fsync'ed: a crash of any process leaves the old or the new file, and repair derives
	 * the truth from the lock and the kernel; an fsync per state change would cost more than the
	 * container's whole start on a busy disk (a power loss may lose the last change, as docker's) */
	int r = engine_write_replace(d, "container.json", s, strlen(s), err);
	if (r < 0)
		return hull_err_wrap(err, "container %.12s: save record", c->id);
	return 0;
}

static json_t *state_of(const struct ctr *c)
{
	return json_object_get(c->rec, "State");
}

const char *ctr_status(const struct ctr *c)
{
	const char *s = json_string_value(json_object_get(state_of(c), "Status"));
	return s ? s : "created";
}

const char *ctr_name(const struct ctr *c)
{
	const char *n = json_string_value(json_object_get(c->rec, "Name"));
	return n ? n : "";
}

const char *ctr_network_mode(const struct ctr *c)
{
	const char *m = rec_str(json_object_get(c->rec, "HostConfig"), "NetworkMode");
	return m ? m : ENGINE_DEFAULT_NETWORK;
}

pid_t ctr_pid(const struct ctr *c)
{
	return (pid_t)json_integer_value(json_object_get(state_of(c), "Pid"));
}

static bool is_hex_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int list_ids(struct engine *e, char ***ids, size_t *n, bool sweep, struct hull_err **err)
{
	*ids = NULL;
	*n = 0;
	_cleanup_dir_ DIR *d = opendir(e->containers);
	if (!d)
		return hull_err_sys(err, "open %s", e->containers);
	struct dirent *de;
	while ((de = readdir(d))) {
		/* the files of a container removed by a process that died before deleting them */
		if (sweep && !strncmp(de->d_name, ".trash-", 7))
			fs_rmtree_at(dirfd(d), de->d_name, NULL);
		if (!is_hex_id(de->d_name))
			continue;
		*ids = xrealloc(*ids, (*n + 1) * sizeof(char *));
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	return 0;
}

/* Load a record; a dir whose record never got written (crash in create) is removed once its lock is free. */
static struct ctr *ctr_load(struct engine *e, const char *id, struct hull_err **err)
{
	struct ctr *c = ctr_new(e, id);
	struct hull_err *le = NULL;
	if (ctr_reload(c, &le) < 0) {
		if (le->errnum == ENOENT && ctr_lock(c, false, NULL) == 0) {
			_cleanup_fd_ int d = open(e->containers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			engine_rootfs_unmount(c);
			if (d >= 0)
				fs_rmtree_at(d, id, NULL);
		}
		hull_err_pass(err, &le);
		ctr_free(c);
		return NULL;
	}
	/* A removal that died halfway is finished by whoever finds it (once nobody holds the lock); so is a
	 * --rm container whose monitor died (it would have removed it; docker's daemon does the same when
	 * it restarts). */
	const char *st = ctr_status(c);
	bool auto_rm = json_is_true(json_object_get(json_object_get(c->rec, "HostConfig"), "AutoRemove"));
	if ((!strcmp(st, "removing") || (auto_rm && !strcmp(st, "running"))) && ctr_lock(c, false, NULL) == 0) {
		struct hull_err *re = NULL;
		int r = engine_remove(c, true, false, &re);
		hull_err_free(re);
		if (r == 0) {
			engine_err(err, ENOENT, "no such container: %.12s", id);
			ctr_free(c);
			return NULL;
		}
		ctr_unlock(c);
	}
	return c;
}

struct ctr *ctr_get(struct engine *e, const char *id, struct hull_err **err)
{
	if (!is_hex_id(id)) {
		engine_err(err, EINVAL, "not a full container id: %s", id);
		return NULL;
	}
	return ctr_load(e, id, err);
}

struct ctr *ctr_find(struct engine *e, const char *what, struct hull_err **err)
{
	char **ids;
	size_t n;
	if (!what || !*what) {
		hull_err_set(err, EINVAL, "container name or id required");
		return NULL;
	}
	if (list_ids(e, &ids, &n, false, err) < 0)
		return NULL;
	struct ctr *found = NULL;
	size_t prefix_hits = 0;
	char *prefix_id = NULL;
	for (size_t i = 0; i < n && !found; i++) {
		if (!strcmp(ids[i], what)) {
			found = ctr_load(e, ids[i], NULL);
			continue;
		}
		if (!strncmp(ids[i], what, strlen(what))) {
			prefix_hits++;
			prefix_id = ids[i];
		}
	}
	/* names win over id prefixes, as docker */
	for (size_t i = 0; i < n && !found; i++) {
		struct ctr *c = ctr_load(e, ids[i], NULL);
		if (c && !strcmp(ctr_name(c), what))
			found = c;
		else
			ctr_free(c);
	}
	if (!found && prefix_hits == 1)
		found = ctr_load(e, prefix_id, NULL);
	if (!found) {
		if (prefix_hits > 1)
			hull_err_set(err, EINVAL, "multiple containers match the id prefix %s", what);
		else
			engine_err(err, ENOENT, "no such container: %s", what);
	}
	strv_free(ids, n);
	if (found) {
		struct hull_err *re = NULL;
		if (engine_repair(found, &re) < 0) {
			hull_err_free(re);
		}
	}
	return found;
}

static int cmp_created(const void *a, const void *b)
{
	const struct ctr *x = *(struct ctr *const *)a, *y = *(struct ctr *const *)b;
	const char *cx = json_string_value(json_object_get(x->rec, "Created"));
	const char *cy = json_string_value(json_object_get(y->rec, "Created"));
	return strcmp(cy ? cy : "", cx ? cx : "");
}

int ctr_list(struct engine *e, struct ctr ***out, size_t *n, struct hull_err **err)
{
	char **ids;
	size_t nid;
	*out = NULL;
	*n = 0;
	if (list_ids(e, &ids, &nid, true, err) < 0)
		return -1;
	for (size_t i = 0; i < nid; i++) {
		struct ctr *c = ctr_load(e, ids[i], NULL);
		if (!c)
			continue;
		engine_repair(c, NULL);
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = c;
	}
	strv_free(ids, nid);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_created);
	return 0;
}

int engine_repair(struct ctr *c, struct hull_err **err)
{
	if (c->locked)
		return 0;
	if (ctr_lock(c, false, NULL) < 0)
		return 0; /* a monitor or another command owns it */
	int ret = 0;
	const char *st = ctr_status(c);
	_cleanup_free_ char *rt = xasprintf("%s/%s", c->e->runtime_root, c->id);
	bool leftovers = access(rt, F_OK) == 0 || engine_rootfs_mounted(c);
	if (ctr_reload(c, err) < 0) {
		ret = -1;
		goto out;
	}
	st = ctr_status(c);
	if (!leftovers && strcmp(st, "running") && strcmp(st, "removing"))
		goto out;
	if (engine_teardown_runtime(c, err) < 0)
		ret = -1;
	engine_rootfs_unmount(c);
	if (!strcmp(st, "running")) {
		json_t *s = state_of(c);
		_cleanup_free_ char *now = engine_now();
		json_object_set_new(s, "Status", json_string("exited"));
		json_object_set_new(s, "Running", json_false());
		json_object_set_new(s, "Pid", json_integer(0));
		json_object_set_new(s, "ExitCode", json_integer(255));
		json_object_set_new(s, "Error", json_string("the container's monitor died"));
		json_object_set_new(s, "FinishedAt", json_string(now));
		if (ctr_save(c, err) < 0)
			ret = -1;
	}
out:
	ctr_unlock(c);
	return ret;
}

/* ---- ids and names ---- */

static char *new_id(void)
{
	unsigned char b[32];
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		abort();
	char *s = xmalloc(65);
	for (int i = 0; i < 32; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	return s;
}

static const char *const adjectives[] = { "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly",
	"keen", "lucid", "merry", "nifty", "proud", "quiet", "sharp", "tidy", "vivid", "witty", "zealous" };
static const char *const nouns[] = { "anchor", "barge", "canoe", "dinghy", "ferry", "galley", "junk",
	"ketch", "lugger", "punt", "raft", "sloop", "tender", "umiak", "wherry", "yawl", "yacht", "skiff" };

static bool name_valid(const char *n)
{
	/* docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	if (!n[0] || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= '0' && n[0] <= '9')))
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return strlen(n) < 200;
}

static bool name_taken(struct engine *e, const char *name)
{
	char **ids;
	size_t n;
	bool taken = false;
	if (list_ids(e, &ids, &n, false, NULL) < 0)
		return false;
	for (size_t i = 0; i < n && !taken; i++) {
		struct ctr *c = ctr_load(e, ids[i], NULL);
		taken = c && !strcmp(ctr_name(c), name);
		ctr_free(c);
	}
	strv_free(ids, n);
	return taken;
}

/* Called with <root>/containers/.lock held: names are unique. */
int engine_pick_name(struct engine *e, const char *want, const char *id, char **out, struct hull_err **err)
{
	if (want) {
		const char *n = want[0] == '/' ? want + 1 : want;
		if (!name_valid(n))
			return hull_err_set(err, EINVAL, "--name %s: invalid container name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", want);
		if (name_taken(e, n))
			return engine_err(err, EEXIST, "--name %s: the container name is already in use", n);
		*out = xstrdup(n);
		return 0;
	}
	unsigned seed = (unsigned)strtoul((char[9]){ id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], 0 }, NULL, 16);
	for (int attempt = 0; attempt < 64; attempt++) {
		unsigned a = (seed >> 8) % (sizeof(adjectives) / sizeof(*adjectives));
		unsigned b = seed % (sizeof(nouns) / sizeof(*nouns));
		char *n = attempt ? xasprintf("%s_%s%d", adjectives[a], nouns[b], attempt)
				  : xasprintf("%s_%s", adjectives[a], nouns[b]);
		if (!name_taken(e, n)) {
			*out = n;
			return 0;
		}
		free(n);
	}
	*out = xasprintf("hull_%.12s", id);
	return 0;
}

char *engine_new_id(void)
{
	return new_id();
}

/* The global lock around name allocation. Returns an fd (close to release). */
int engine_global_lock(struct engine *e, struct hull_err **err)
{
	_cleanup_free_ char *p = xasprintf("%s/.lock", e->containers);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_err_sys(err, "open %s", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return hull_err_sys(err, "lock %s", p);
		}
	return fd;
}

struct ctr *ctr_new_locked(struct engine *e, const char *id, struct hull_err **err)
{
	struct ctr *c = ctr_new(e, id);
	if (mkdir(c->dir, 0700) < 0 || ctr_lock(c, false, err) < 0) {
		if (!err || !*err)
			hull_err_sys(err, "mkdir %s", c->dir);
		ctr_free(c);
		return NULL;
	}
	return c;
}
