/* spec.c — config.json top level: version, root, hostname, mounts, hooks, annotations; load and free.
 * process lives in spec_process.c, mounts in spec_mount.c, linux.* in spec_linux.c and its neighbours. */
#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const spec_ns_type_names[NS_TYPE_COUNT] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};
const char *const spec_hook_kind_names[HOOK_KIND_COUNT] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* "1.2.0", "1.0.2-dev", "1.3.0-rc.1+meta": SemVer; we take major 1 and minor up to the 1.3 line. */
static int check_version(struct pctx *pc, const char *v)
{
	unsigned long major, minor, patch;
	char *end;
	const char *p = v;
	if (*p < '0' || *p > '9')
		goto bad;
	major = strtoul(p, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		goto bad;
	minor = strtoul(end + 1, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		goto bad;
	patch = strtoul(end + 1, &end, 10);
	(void)patch;
	if (*end && *end != '-' && *end != '+')
		goto bad;
	if (major != 1 || minor > OCI_VERSION_MAX_MINOR)
		return pc_fail(pc, "unsupported version \"%.64s\": this runtime supports %s to 1.%d.x", v,
			       OCI_VERSION_MIN, OCI_VERSION_MAX_MINOR);
	return 0;
bad:
	return pc_fail(pc, "\"%.64s\" is not a semantic version (MAJOR.MINOR.PATCH)", v);
}

static void free_hook(struct spec_hook *h)
{
	free(h->path);
	free_strv(h->args, h->n_args);
	free_strv(h->env, h->n_env);
}

static int parse_hook(struct pctx *pc, const json_t *v, struct spec_hook *h)
{
	if (pv_object(pc, v) < 0 || pg_str(pc, v, "path", true, &h->path) < 0)
		return -1;
	if (h->path[0] != '/') {
		size_t old = pc_key(pc, "path");
		pc_fail(pc, "hook path \"%.200s\" is not absolute", h->path);
		pc_pop(pc, old);
		return -1;
	}
	if (pg_str_array(pc, v, "args", false, &h->args, &h->n_args) < 0 ||
	    pg_str_array(pc, v, "env", false, &h->env, &h->n_env) < 0)
		return -1;
	int64_t t = 0;
	if (pg_i64(pc, v, "timeout", false, &h->has_timeout, INT32_MIN, INT32_MAX, &t) < 0)
		return -1;
	if (h->has_timeout && t <= 0) {
		size_t old = pc_key(pc, "timeout");
		pc_fail(pc, "timeout must be greater than zero, got %lld", (long long)t);
		pc_pop(pc, old);
		return -1;
	}
	h->timeout = (int)t;
	return 0;
}

static int parse_hooks(struct pctx *pc, const json_t *hooks, struct spec *s)
{
	size_t old = pc_key(pc, "hooks");
	int r = 0;
	for (int k = 0; k < HOOK_KIND_COUNT && r == 0; k++) {
		json_t *arr;
		if ((r = pg_array(pc, hooks, spec_hook_kind_names[k], &arr)) < 0 || !arr)
			continue;
		size_t o2 = pc_key(pc, spec_hook_kind_names[k]);
		size_t n = json_array_size(arr);
		s->hooks[k] = xcalloc(n + 1, sizeof(struct spec_hook));
		for (size_t i = 0; i < n && r == 0; i++) {
			size_t o3 = pc_index(pc, i);
			s->n_hooks[k] = i + 1;
			r = parse_hook(pc, json_array_get(arr, i), &s->hooks[k][i]);
			pc_pop(pc, o3);
		}
		pc_pop(pc, o2);
	}
	pc_pop(pc, old);
	return r;
}

static int parse_root(struct pctx *pc, const json_t *doc, struct spec *s)
{
	json_t *root;
	if (pg_object(pc, doc, "root", &root) < 0)
		return -1;
	if (!root)
		return pc_fail(pc, "root: required object is missing");
	size_t old = pc_key(pc, "root");
	int r = pg_str(pc, root, "path", true, &s->root_path);
	if (r == 0 && !s->root_path[0]) {
		pc_key(pc, "path");
		r = pc_fail(pc, "empty path");
	}
	if (r == 0)
		r = pg_bool(pc, root, "readonly", NULL, &s->root_readonly);
	pc_pop(pc, old);
	return r;
}

static int parse_mounts(struct pctx *pc, const json_t *doc, struct spec *s)
{
	json_t *arr;
	if (pg_array(pc, doc, "mounts", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	size_t old = pc_key(pc, "mounts");
	size_t n = json_array_size(arr);
	s->mounts = xcalloc(n + 1, sizeof(*s->mounts));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t o2 = pc_index(pc, i);
		s->n_mounts = i + 1;
		r = parse_mount(pc, json_array_get(arr, i), &s->mounts[i]);
		pc_pop(pc, o2);
	}
	pc_pop(pc, old);
	return r;
}

/* Checks across sections that runc also makes before touching anything. */
static int cross_checks(struct pctx *pc, const struct spec *s)
{
	bool uts = spec_find_namespace(s, NS_UTS) != NULL;
	if (s->hostname && s->hostname[0] && !uts)
		return pc_fail(pc, "hostname: setting the hostname needs a private UTS namespace (linux.namespaces has no \"uts\")");
	if (s->domainname && s->domainname[0] && !uts)
		return pc_fail(pc, "domainname: setting the domainname needs a private UTS namespace (linux.namespaces has no \"uts\")");
	if (!s->linux_)
		return 0;
	const struct spec_linux *l = s->linux_;
	const struct spec_namespace *user = spec_find_namespace(s, NS_USER);
	if ((l->n_uid_mappings || l->n_gid_mappings) && !user)
		return pc_fail(pc, "linux.uidMappings: id mappings need a user namespace (linux.namespaces has no \"user\")");
	if (user && !user->path && (!l->n_uid_mappings || !l->n_gid_mappings))
		return pc_fail(pc, "linux.namespaces: a new user namespace needs both linux.uidMappings and linux.gidMappings");
	if ((l->time_offsets.has_monotonic || l->time_offsets.has_boottime) && !spec_find_namespace(s, NS_TIME))
		return pc_fail(pc, "linux.timeOffsets: time offsets need a time namespace (linux.namespaces has no \"time\")");
	return 0;
}

static struct spec *parse_doc(json_t *doc, struct pctx *pc)
{
	struct spec *s = xcalloc(1, sizeof(*s));
	s->json = doc;
	if (pv_object(pc, doc) < 0)
		goto fail;
	if (pg_str(pc, doc, "ociVersion", true, &s->oci_version) < 0)
		goto fail;
	size_t old = pc_key(pc, "ociVersion");
	int r = check_version(pc, s->oci_version);
	pc_pop(pc, old);
	if (r < 0 || parse_root(pc, doc, s) < 0)
		goto fail;
	if (pg_str(pc, doc, "hostname", false, &s->hostname) < 0 ||
	    pg_str(pc, doc, "domainname", false, &s->domainname) < 0)
		goto fail;
	json_t *o;
	if (pg_object(pc, doc, "process", &o) < 0)
		goto fail;
	if (o) {
		s->process = xcalloc(1, sizeof(*s->process));
		old = pc_key(pc, "process");
		r = parse_process(pc, o, s->process);
		pc_pop(pc, old);
		if (r < 0)
			goto fail;
	}
	if (parse_mounts(pc, doc, s) < 0)
		goto fail;
	if (pg_object(pc, doc, "hooks", &o) < 0 || (o && parse_hooks(pc, o, s) < 0))
		goto fail;
	if (pg_str_map(pc, doc, "annotations", &s->annotations, &s->n_annotations) < 0)
		goto fail;
	if (pg_object(pc, doc, "linux", &o) < 0)
		goto fail;
	if (o) {
		s->linux_ = xcalloc(1, sizeof(*s->linux_));
		old = pc_key(pc, "linux");
		r = parse_linux(pc, o, s->linux_);
		pc_pop(pc, old);
		if (r < 0)
			goto fail;
	}
	if (cross_checks(pc, s) < 0)
		goto fail;
	return s;
fail:
	spec_free(s);
	return NULL;
}

/* jansson's text plus line:column, so a syntax error points at the byte. */
static json_t *load_json(const char *text, size_t len, const char *origin, struct hull_err **err)
{
	json_error_t je;
	/* JSON_REJECT_DUPLICATES: two "process" keys would mean one is silently ignored. */
	const size_t flags = JSON_REJECT_DUPLICATES;
	json_t *doc = json_loadb(text, len, flags, &je);
	if (doc)
		return doc;
	if (json_error_code(&je) == json_error_numeric_overflow) {
		/* uint64 fields (rlimits, seccomp values) may legitimately exceed int64. */
		size_t n2;
		_cleanup_free_ char *t2 = bigint_rewrite(text, len, &n2);
		if (t2) {
			json_error_t je2;
			doc = json_loadb(t2, n2, flags, &je2);
			if (doc)
				return doc;
		}
	}
	hull_err_set(err, 0, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
	return NULL;
}

struct spec *spec_parse(const char *text, size_t len, const char *origin, struct hull_err **err)
{
	json_t *doc = load_json(text, len, origin, err);
	if (!doc)
		return NULL;
	struct pctx pc = { .origin = origin, .err = err };
	return parse_doc(doc, &pc);
}

struct spec *spec_load_bundle(const char *bundle, struct hull_err **err)
{
	_cleanup_fd_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		hull_err_sys(err, "bundle %s", bundle);
		return NULL;
	}
	size_t len;
	_cleanup_free_ char *text = fs_read_file_at(dfd, "config.json", &len, err);
	if (!text) {
		hull_err_wrap(err, "bundle %s", bundle);
		return NULL;
	}
	return spec_parse(text, len, "config.json", err);
}

struct spec_process *spec_parse_process(const char *text, size_t len, const char *origin, struct hull_err **err)
{
	json_t *doc = load_json(text, len, origin, err);
	if (!doc)
		return NULL;
	struct pctx pc = { .origin = origin, .err = err };
	struct spec_process *p = xcalloc(1, sizeof(*p));
	int r = pv_object(&pc, doc);
	if (r == 0)
		r = parse_process(&pc, doc, p);
	json_decref(doc);
	if (r < 0) {
		spec_process_free(p);
		return NULL;
	}
	return p;
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t)
{
	if (!s || !s->linux_)
		return NULL;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].type == t)
			return &s->linux_->namespaces[i];
	return NULL;
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	spec_process_free(s->process);
	for (size_t i = 0; i < s->n_mounts; i++)
		free_mount(&s->mounts[i]);
	free(s->mounts);
	for (int k = 0; k < HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < s->n_hooks[k]; i++)
			free_hook(&s->hooks[k][i]);
		free(s->hooks[k]);
	}
	free_kv(s->annotations, s->n_annotations);
	if (s->linux_) {
		free_linux(s->linux_);
		free(s->linux_);
	}
	json_decref(s->json);
	free(s);
}
