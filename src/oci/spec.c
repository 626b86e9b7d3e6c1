/* spec.c — config.json top level: version, root, hostname, mounts, hooks, annotations; load and free.
 * process lives in spec_process.c, mounts in spec_mount.c, linux.* in spec_linux.c and its neighbours. */
#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	pc->unknown_caps_fail = minor == 0;
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

static int hook_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	struct spec_hook *h = item;
	if (pv_object(pc, v) < 0 || pg_str(pc, v, "path", true, &h->path) < 0)
		return -1;
	if (h->path[0] != '/')
		return pc_fail_at(pc, "path", "hook path \"%.200s\" is not absolute", h->path);
	if (pg_str_array(pc, v, "args", false, &h->args, &h->n_args) < 0 ||
	    pg_str_array(pc, v, "env", false, &h->env, &h->n_env) < 0)
		return -1;
	int64_t t = 0;
	if (pg_i64(pc, v, "timeout", false, &h->has_timeout, INT32_MIN, INT32_MAX, &t) < 0)
		return -1;
	if (h->has_timeout && t <= 0)
		return pc_fail_at(pc, "timeout", "timeout must be greater than zero, got %lld", (long long)t);
	h->timeout = (int)t;
	return 0;
}

static int hooks_obj(struct pctx *pc, const json_t *hooks, void *ctx)
{
	struct spec *s = ctx;
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		if (pg_list(pc, hooks, spec_hook_kind_names[k], sizeof(struct spec_hook), &s->hooks[k], &s->n_hooks[k],
			    hook_item, NULL) < 0)
			return -1;
	return 0;
}

static int root_obj(struct pctx *pc, const json_t *root, void *ctx)
{
	struct spec *s = ctx;
	if (pg_str(pc, root, "path", true, &s->root_path) < 0)
		return -1;
	if (!s->root_path[0])
		return pc_fail_at(pc, "path", "empty path");
	return pg_bool(pc, root, "readonly", NULL, &s->root_readonly);
}

static int mount_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	return parse_mount(pc, v, item);
}

static int process_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec *s = ctx;
	s->process = xcalloc(1, sizeof(*s->process));
	return parse_process(pc, o, s->process);
}

static int linux_obj(struct pctx *pc, const json_t *o, void *ctx)
{
	struct spec *s = ctx;
	s->linux_ = xcalloc(1, sizeof(*s->linux_));
	return parse_linux(pc, o, s->linux_);
}

/* The namespace a sysctl lives in (as runc sorts them); NS_TYPE_COUNT for one that belongs to the
 * whole host, which a container must never write. */
static enum spec_ns_type sysctl_namespace(const char *key)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (strcmp(key, ipc[i]) == 0)
			return NS_IPC;
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return NS_IPC;
	if (strncmp(key, "net.", 4) == 0)
		return NS_NETWORK;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return NS_UTS;
	return NS_TYPE_COUNT;
}

static int check_sysctl_namespaces(struct pctx *pc, const struct spec *s)
{
	for (size_t i = 0; i < s->linux_->n_sysctl; i++) {
		const char *k = s->linux_->sysctl[i].key;
		enum spec_ns_type t = sysctl_namespace(k);
		if (t != NS_TYPE_COUNT && spec_find_namespace(s, t))
			continue;
		pc_key(pc, "linux.sysctl");
		pc_mapkey(pc, k);
		if (t == NS_TYPE_COUNT)
			return pc_fail(pc, "not in a separate kernel namespace: it would change the host");
		return pc_fail(pc, "needs its own %s namespace (linux.namespaces has no \"%s\")", spec_ns_type_names[t],
			       spec_ns_type_names[t]);
	}
	return 0;
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
	return check_sysctl_namespaces(pc, s);
}

static struct spec *parse_doc(json_t *doc, struct pctx *pc)
{
	struct spec *s = xcalloc(1, sizeof(*s));
	s->json = doc;
	bool has_root = false;
	if (pv_object(pc, doc) < 0 || pg_str(pc, doc, "ociVersion", true, &s->oci_version) < 0)
		goto fail;
	size_t old = pc_key(pc, "ociVersion");
	int r = check_version(pc, s->oci_version);
	pc_pop(pc, old);
	if (r < 0 || pg_sub(pc, doc, "root", &has_root, root_obj, s) < 0)
		goto fail;
	if (!has_root) {
		pc_fail_at(pc, "root", "required object is missing");
		goto fail;
	}
	if (pg_str(pc, doc, "hostname", false, &s->hostname) < 0 ||
	    pg_str(pc, doc, "domainname", false, &s->domainname) < 0 ||
	    pg_sub(pc, doc, "process", NULL, process_obj, s) < 0 ||
	    pg_list(pc, doc, "mounts", sizeof(struct spec_mount), &s->mounts, &s->n_mounts, mount_item, NULL) < 0 ||
	    pg_sub(pc, doc, "hooks", NULL, hooks_obj, s) < 0 ||
	    pg_str_map(pc, doc, "annotations", &s->annotations, &s->n_annotations) < 0 ||
	    pg_sub(pc, doc, "linux", NULL, linux_obj, s) < 0 || cross_checks(pc, s) < 0)
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
			/* Another error after the big numbers: report that one, at its column in the original. */
			je = je2;
			je.column -= bigint_column_shift(t2, (size_t)je2.position);
		}
	}
	hull_err_set(err, 0, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
	return NULL;
}

/* Parse doc, whose reference passes to the spec (or is dropped on error). */
static struct spec *spec_parse_doc_owned(json_t *doc, const char *origin, struct hull_err **err);

struct spec *spec_parse(const char *text, size_t len, const char *origin, struct hull_err **err)
{
	json_t *doc = load_json(text, len, origin, err);
	if (!doc)
		return NULL;
	return spec_parse_doc_owned(doc, origin, err);
}

struct spec *spec_parse_doc(void *json_doc, const char *origin, struct hull_err **err)
{
	return spec_parse_doc_owned(json_incref(json_doc), origin, err);
}

static struct spec *spec_parse_doc_owned(json_t *doc, const char *origin, struct hull_err **err)
{
	struct pctx pc = { .origin = origin, .err = err };
	struct spec *s = parse_doc(doc, &pc);
	if (s) {
		s->warnings = steal_ptr(&pc.warnings);
		s->n_warnings = pc.n_warnings;
	} else {
		free_strv(pc.warnings, pc.n_warnings);
	}
	return s;
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
	struct spec *s = spec_parse(text, len, "config.json", err);
	for (size_t i = 0; s && i < s->n_warnings; i++)
		log_warn("%s", s->warnings[i]);
	return s;
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
	p->warnings = steal_ptr(&pc.warnings);
	p->n_warnings = pc.n_warnings;
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
	free_strv(s->warnings, s->n_warnings);
	free(s);
}
