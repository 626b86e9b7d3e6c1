/* state.c — see state.h. */
#include "runtime/rterr.h"
#include "runtime/state.h"
#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const container_status_names[] = { "creating", "created", "running", "paused", "stopped" };

int container_id_validate(const char *id, struct hull_err **err)
{
	if (!id || !*id)
		return rt_err(err, EINVAL, "container id cannot be empty");
	size_t len = strlen(id);
	if (len > 255)
		return rt_err(err, EINVAL, "invalid container id: longer than 255 bytes");
	if (id[0] == '-')
		return rt_err(err, EINVAL, "invalid container id: \"%s\" (must not start with '-')", id);
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return rt_err(err, EINVAL, "invalid container id: \"%s\"", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return rt_err(err, EINVAL, "invalid container id: \"%s\" (allowed: letters, digits, _ + - .)",
					    id);
	return 0;
}

unsigned long long proc_pid_starttime(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	/* p is at field 3 (state); starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

bool container_pid_alive(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return false;
	unsigned long long now = proc_pid_starttime(pid);
	return now != 0 && now == start;
}

/* Is a create still running on this container (it holds the lock)? */
static bool create_in_progress(const struct container *c)
{
	if (c->locked)
		return false; /* we got the lock: whoever wrote "creating" is gone */
	_cleanup_fd_ int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0)
		return false;
	return errno == EWOULDBLOCK;
}

enum container_status container_status(const struct container *c)
{
	if (c->st.creating)
		return create_in_progress(c) ? STATUS_CREATING : STATUS_STOPPED;
	if (!container_pid_alive(c->st.pid, c->st.pid_start))
		return STATUS_STOPPED;
	struct stat sb;
	if (fstatat(c->dirfd, HULL_EXEC_FIFO, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	if (c->st.cgroup_path) {
		struct hull_err *e = NULL;
		struct cgroup *cg = cgroup_open(NULL, c->st.cgroup_path, false, &e);
		hull_err_free(e);
		if (cg) {
			int frozen = cgroup_is_frozen(cg);
			cgroup_free(cg);
			if (frozen > 0)
				return STATUS_PAUSED;
		}
	}
	return STATUS_RUNNING;
}

static char *json_str_dup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static int state_read(struct container *c, const char *id, struct hull_err **err)
{
	size_t len;
	struct hull_err *e = NULL;
	_cleanup_free_ char *text = fs_read_file_at(c->dirfd, "state.json", &len, &e);
	if (!text) {
		int en = e ? e->errnum : 0;
		hull_err_free(e);
		if (en == ENOENT)
			return rt_err(err, ENOENT, "container does not exist");
		return rt_err(err, en, "container %s: state.json unreadable", id);
	}
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return rt_err(err, EINVAL, "container %s: state.json: corrupt (%s)", id, je.text);
	}
	struct container_state *st = &c->st;
	st->id = json_str_dup(o, "id");
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->bundle = json_str_dup(o, "bundle");
	st->rootfs = json_str_dup(o, "rootfs");
	st->created = json_str_dup(o, "created");
	json_t *priv = json_object_get(o, "hull");
	st->pid_start = (unsigned long long)json_integer_value(json_object_get(priv, "pidStart"));
	st->cgroup_path = json_str_dup(priv, "cgroupPath");
	st->owner = (uid_t)json_integer_value(json_object_get(priv, "owner"));
	st->ns_mask = (unsigned)json_integer_value(json_object_get(priv, "nsMask"));
	st->creating = json_is_true(json_object_get(priv, "creating"));
	json_t *ann = json_object_get(o, "annotations");
	if (json_is_object(ann) && json_object_size(ann)) {
		st->annotations = xcalloc(json_object_size(ann), sizeof(*st->annotations));
		const char *k;
		json_t *v;
		json_object_foreach(ann, k, v) {
			st->annotations[st->n_annotations].key = xstrdup(k);
			st->annotations[st->n_annotations++].value = xstrdup(json_string_value(v) ?: "");
		}
	}
	json_decref(o);
	if (!st->id || !st->bundle)
		return rt_err(err, EINVAL, "container %s: state.json: missing fields", id);
	return 0;
}

struct container *container_open(const char *root, const char *id, bool lock, struct hull_err **err)
{
	if (container_id_validate(id, err) < 0)
		return NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s", root, id);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rt_err(err, ENOENT, "container does not exist");
		return NULL;
	}
	struct container *c = xcalloc(1, sizeof(*c));
	c->root = xstrdup(root);
	c->dirfd = fd;
	if (lock) {
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				hull_err_sys(err, "lock container %s", id);
				container_close(c);
				return NULL;
			}
		c->locked = true;
		/* A delete may have removed the dir while we waited for its lock. */
		struct stat sb;
		if (fstat(fd, &sb) == 0 && sb.st_nlink == 0) {
			rt_err(err, ENOENT, "container does not exist");
			container_close(c);
			return NULL;
		}
	}
	if (state_read(c, id, err) < 0) {
		container_close(c);
		return NULL;
	}
	return c;
}

static void state_clear(struct container_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	memset(st, 0, sizeof(*st));
}

void container_close(struct container *c)
{
	if (!c)
		return;
	if (c->dirfd >= 0)
		close(c->dirfd); /* drops the flock too */
	state_clear(&c->st);
	free(c->root);
	free(c);
}

static json_t *public_state(const struct container_state *st, enum container_status status, const char *owner)
{
	/* Key order is runc's: its output is diffed by tools and tests. */
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(HULL_STATE_OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(status == STATUS_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "status", json_string(container_status_names[status]));
	json_object_set_new(o, "bundle", json_string(st->bundle));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	if (st->n_annotations) {
		json_t *a = json_object();
		for (size_t i = 0; i < st->n_annotations; i++)
			json_object_set_new(a, st->annotations[i].key, json_string(st->annotations[i].value));
		json_object_set_new(o, "annotations", a);
	}
	json_object_set_new(o, "owner", json_string(owner ? owner : ""));
	return o;
}

char *container_state_json(const struct container_state *st, enum container_status status, bool pretty,
			   const char *owner_name)
{
	json_t *o = public_state(st, status, owner_name);
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(o);
	return s;
}

int container_state_save(const struct container *c, struct hull_err **err)
{
	const struct container_state *st = &c->st;
	/* The stored status is informative only: readers derive the live one from the kernel. */
	json_t *o = public_state(st, STATUS_CREATED, "");
	json_t *priv = json_object();
	json_object_set_new(priv, "pidStart", json_integer((json_int_t)st->pid_start));
	if (st->cgroup_path)
		json_object_set_new(priv, "cgroupPath", json_string(st->cgroup_path));
	json_object_set_new(priv, "owner", json_integer(st->owner));
	json_object_set_new(priv, "nsMask", json_integer(st->ns_mask));
	if (st->creating)
		json_object_set_new(priv, "creating", json_true());
	json_object_set_new(o, "hull", priv);
	char *text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	int r = fs_write_replace(c->dirfd, "state.json", text, strlen(text), 0600, err);
	free(text);
	return r < 0 ? hull_err_wrap(err, "save state of %s", st->id) : 0;
}

struct spec *container_load_spec(const struct container *c, struct hull_err **err)
{
	size_t len;
	_cleanup_free_ char *text = fs_read_file_at(c->dirfd, HULL_CONFIG_COPY, &len, err);
	if (!text) {
		hull_err_wrap(err, "container %s", c->st.id);
		return NULL;
	}
	return spec_parse(text, len, "config.json", err);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int container_list_ids(const char *root, char ***ids, size_t *n, struct hull_err **err)
{
	*ids = NULL;
	*n = 0;
	_cleanup_dir_ DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return hull_err_sys(err, "open %s", root);
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || container_id_validate(de->d_name, NULL) < 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (*n == cap)
			*ids = xrealloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof(char *));
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	if (*n)
		qsort(*ids, *n, sizeof(char *), cmp_str);
	return 0;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *rfc3339_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char date[32], frac[16];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
	size_t len = strlen(frac);
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = 0;
	return len ? xasprintf("%s.%sZ", date, frac) : xasprintf("%sZ", date);
}

char *uid_to_name(uid_t uid)
{
	_cleanup_file_ FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":");
		strtok(NULL, ":");
		char *u = strtok(NULL, ":");
		if (name && u && (uid_t)strtoul(u, NULL, 10) == uid)
			return xstrdup(name);
	}
	return xasprintf("#%u", (unsigned)uid);
}
