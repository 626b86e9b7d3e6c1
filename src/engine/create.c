/* create.c — `hull create`: the image's config merged with the flags into a container record, the
 * container's dirs (overlay upper/work, rootfs mount point) and its /etc/hostname, hosts, resolv.conf. */
#include "engine/internal.h"
#include "engine/health.h"
#include "image/image.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *strv_json(const struct strv *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

/* KEY=VALUE replaces an earlier KEY; a bare KEY takes the caller's value (dropped when unset), as docker. */
static void env_set(json_t *env, const char *kv)
{
	_cleanup_free_ char *owned = NULL;
	if (!strchr(kv, '=')) {
		const char *v = getenv(kv);
		if (!v)
			return;
		kv = owned = xasprintf("%s=%s", kv, v);
	}
	size_t klen = (size_t)(strchr(kv, '=') - kv);
	size_t i;
	json_t *x;
	json_array_foreach(env, i, x) {
		const char *s = json_string_value(x);
		if (s && !strncmp(s, kv, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* A label: KEY=VALUE, or KEY alone (an empty value), as docker. */
static void label_set(json_t *labels, const char *kv)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
	json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
}

/* --env-file / --label-file: KEY=VALUE lines; blank lines and # comments skipped. */
static int kv_file_read(const char *flag, const char *path, void (*set)(json_t *, const char *), json_t *dst,
			struct hull_err **err)
{
	_cleanup_file_ FILE *f = fopen(path, "re");
	if (!f)
		return hull_err_sys(err, "%s %s", flag, path);
	char line[8192];
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (*p == '=')
			return hull_err_set(err, EINVAL, "%s %s:%d: the name is empty", flag, path, lineno);
		set(dst, p);
	}
	return 0;
}

static bool valid_abs_dest(const char *d)
{
	return d && d[0] == '/' && strcmp(d, "/") != 0 && !strstr(d, "/../") &&
	       strcmp(d + strlen(d) - (strlen(d) >= 3 ? 3 : 0), "/..") != 0;
}

static bool volume_name_valid(const char *n)
{
	if (!n[0] || n[0] == '.' || n[0] == '_' || n[0] == '-' || strlen(n) > 200)
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

static bool dest_taken(json_t *mounts, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
		if (!strcmp(json_string_value(json_object_get(m, "Destination")), dst))
			return true;
	return false;
}

static int add_mount(struct engine *e, json_t *mounts, const char *type, const char *src, const char *dst,
		     bool ro, const char *opts, const char *flag, struct hull_err **err)
{
	if (!valid_abs_dest(dst))
		return hull_err_set(err, EINVAL, "%s: destination \"%s\" must be an absolute path other than /", flag,
				    dst ? dst : "");
	if (dest_taken(mounts, dst))
		return hull_err_set(err, EINVAL, "%s: duplicate mount point: %s", flag, dst);
	json_t *m = json_object();
	json_object_set_new(m, "Type", json_string(type));
	json_object_set_new(m, "Destination", json_string(dst));
	json_object_set_new(m, "RW", json_boolean(!ro));
	if (!strcmp(type, "bind")) {
		if (!src || src[0] != '/') {
			json_decref(m);
			return hull_err_set(err, EINVAL, "%s: bind source \"%s\" must be an absolute path", flag, src ? src : "");
		}
		struct stat sb;
		if (stat(src, &sb) < 0) {
			json_decref(m);
			return hull_err_sys(err, "%s: bind source path %s", flag, src);
		}
		json_object_set_new(m, "Source", json_string(src));
	} else if (!strcmp(type, "volume")) {
		bool anon = !src || !*src;
		_cleanup_free_ char *name = anon ? engine_new_id() : xstrdup(src);
		if (!volume_name_valid(name)) {
			json_decref(m);
			return hull_err_set(err, EINVAL, "%s: \"%s\" is not a valid volume name", flag, name);
		}
		_cleanup_free_ char *path = NULL;
		if (volume_create(e, name, anon, &path, err) < 0) {
			json_decref(m);
			return hull_err_wrap(err, "%s", flag);
		}
		json_object_set_new(m, "Name", json_string(name));
		json_object_set_new(m, "Source", json_string(path));
		json_object_set_new(m, "Anonymous", json_boolean(anon));
	} else {
		json_object_set_new(m, "Source", json_string("tmpfs"));
	}
	if (opts && *opts)
		json_object_set_new(m, "Options", json_string(opts));
	json_array_append_new(mounts, m);
	return 0;
}

/* -v SRC:DST[:OPTS] | DST */
static int parse_v(struct engine *e, const char *spec, json_t *mounts, struct hull_err **err)
{
	_cleanup_free_ char *dup = xstrdup(spec);
	char *parts[4] = { 0 };
	int n = 0;
	for (char *save = NULL, *t = strtok_r(dup, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		parts[n++] = t;
	if (n == 0 || n > 3)
		return hull_err_set(err, EINVAL, "-v %s: invalid volume specification", spec);
	if (n == 1)
		return add_mount(e, mounts, "volume", NULL, parts[0], false, NULL, "-v", err);
	bool ro = false;
	if (n == 3) {
		_cleanup_free_ char *o = xstrdup(parts[2]);
		for (char *save = NULL, *t = strtok_r(o, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "ro"))
				ro = true;
			else if (!strcmp(t, "rw") || !strcmp(t, "z") || !strcmp(t, "Z") || !strcmp(t, "rprivate") ||
				 !strcmp(t, "private") || !strcmp(t, "nocopy"))
				;
			else
				return hull_err_set(err, EINVAL, "-v %s: unknown option \"%s\"", spec, t);
		}
	}
	const char *type = parts[0][0] == '/' ? "bind" : "volume";
	if (!strcmp(type, "bind")) {
		struct stat sb;
		if (stat(parts[0], &sb) < 0 && errno == ENOENT && fs_mkdir_p(parts[0], 0755, err) < 0)
			return hull_err_wrap(err, "-v %s", spec);
	}
	return add_mount(e, mounts, type, parts[0], parts[1], ro, NULL, "-v", err);
}

/* --mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,tmpfs-size=…][,tmpfs-mode=…] */
static int parse_mount(struct engine *e, const char *spec, json_t *mounts, struct hull_err **err)
{
	_cleanup_free_ char *dup = xstrdup(spec);
	const char *type = "volume", *src = NULL, *dst = NULL;
	bool ro = false;
	char opts[256] = "";
	for (char *save = NULL, *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *v = strchr(t, '=');
		if (v)
			*v++ = 0;
		if (!strcmp(t, "type") && v)
			type = v;
		else if ((!strcmp(t, "source") || !strcmp(t, "src")) && v)
			src = v;
		else if ((!strcmp(t, "target") || !strcmp(t, "dst") || !strcmp(t, "destination")) && v)
			dst = v;
		else if (!strcmp(t, "readonly") || !strcmp(t, "ro")) {
			int b = v ? (!strcmp(v, "true") || !strcmp(v, "1")) ? 1 : (!strcmp(v, "false") || !strcmp(v, "0")) ? 0 : -1 : 1;
			if (b < 0)
				return hull_err_set(err, EINVAL, "--mount %s: readonly: invalid value \"%s\"", spec, v);
			ro = b;
		} else if (!strcmp(t, "tmpfs-size") && v) {
			snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%ssize=%s", *opts ? "," : "", v);
		} else if (!strcmp(t, "tmpfs-mode") && v) {
			snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%smode=%s", *opts ? "," : "", v);
		} else if (!strcmp(t, "bind-propagation") || !strcmp(t, "volume-nocopy") || !strcmp(t, "consistency")) {
			;
		} else
			return hull_err_set(err, EINVAL, "--mount %s: unexpected key \"%s\"", spec, t);
	}
	if (strcmp(type, "bind") && strcmp(type, "volume") && strcmp(type, "tmpfs"))
		return hull_err_set(err, EINVAL, "--mount %s: type: unknown mount type \"%s\"", spec, type);
	if (!dst)
		return hull_err_set(err, EINVAL, "--mount %s: target is required", spec);
	if (!strcmp(type, "bind") && !src)
		return hull_err_set(err, EINVAL, "--mount %s: source is required for a bind mount", spec);
	if (!strcmp(type, "tmpfs") && src)
		return hull_err_set(err, EINVAL, "--mount %s: a tmpfs mount takes no source", spec);
	return add_mount(e, mounts, type, src, dst, ro, opts, "--mount", err);
}

int mounts_from_opts(struct engine *e, const struct run_opts *o, json_t *image_volumes, json_t *mounts,
		     struct hull_err **err)
{
	for (size_t i = 0; i < o->volumes.n; i++)
		if (parse_v(e, o->volumes.v[i], mounts, err) < 0)
			return -1;
	for (size_t i = 0; i < o->mounts.n; i++)
		if (parse_mount(e, o->mounts.v[i], mounts, err) < 0)
			return -1;
	for (size_t i = 0; i < o->tmpfs.n; i++) {
		_cleanup_free_ char *d = xstrdup(o->tmpfs.v[i]);
		char *opts = strchr(d, ':');
		if (opts)
			*opts++ = 0;
		if (add_mount(e, mounts, "tmpfs", NULL, d, false, opts, "--tmpfs", err) < 0)
			return -1;
	}
	const char *dst;
	json_t *v;
	json_object_foreach(image_volumes, dst, v)
		if (!dest_taken(mounts, dst) && add_mount(e, mounts, "volume", NULL, dst, false, NULL,
							  "image config: Volumes", err) < 0)
			return -1;
	return 0;
}

static int64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	int64_t mul = 1;
	switch (*end) {
	case 0: case 'b': case 'B': break;
	case 'k': case 'K': mul = 1024; break;
	case 'm': case 'M': mul = 1024 * 1024; break;
	case 'g': case 'G': mul = 1024LL * 1024 * 1024; break;
	default: return -1;
	}
	return (int64_t)(v * (double)mul);
}

static int hostconfig(const struct run_opts *o, json_t *hc, struct hull_err **err)
{
	json_object_set_new(hc, "AutoRemove", json_boolean(o->rm));
	json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
	json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
	json_object_set_new(hc, "Init", json_boolean(o->init));
	const char *net = o->network ? o->network : ENGINE_DEFAULT_NETWORK;
	json_object_set_new(hc, "NetworkMode", json_string(net));
	if (o->runtime) {
		if (access(o->runtime, X_OK) < 0)
			return hull_err_sys(err, "--runtime %s", o->runtime);
		char *abs = realpath(o->runtime, NULL);
		json_object_set_new(hc, "Runtime", json_string(abs ? abs : o->runtime));
		free(abs);
	}
	json_object_set_new(hc, "CapAdd", strv_json(&o->cap_add));
	json_object_set_new(hc, "CapDrop", strv_json(&o->cap_drop));
	/* validate the capability names now: create fails, not start */
	json_t *caps = engine_caps(o->privileged, &o->cap_add, &o->cap_drop, err);
	if (!caps)
		return -1;
	json_decref(caps);
	json_t *secopt = json_array();
	json_object_set_new(hc, "SecurityOpt", secopt);
	for (size_t i = 0; i < o->security_opts.n; i++) {
		const char *s = o->security_opts.v[i];
		json_array_append_new(secopt, json_string(s));
		if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges=true") ||
		    !strcmp(s, "no-new-privileges:true")) {
			json_object_set_new(hc, "NoNewPrivileges", json_true());
		} else if (!strcmp(s, "no-new-privileges=false") || !strcmp(s, "no-new-privileges:false")) {
			json_object_set_new(hc, "NoNewPrivileges", json_false());
		} else if (!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8)) {
			const char *v = s + 8;
			if (!strcmp(v, "unconfined")) {
				json_object_set_new(hc, "SeccompProfile", json_string("unconfined"));
				continue;
			}
			json_error_t je;
			json_t *prof = json_load_file(v, 0, &je);
			if (!prof || !json_is_object(prof)) {
				json_decref(prof);
				return hull_err_set(err, EINVAL, "--security-opt seccomp=%s: %s (line %d)", v, je.text, je.line);
			}
			json_object_set_new(hc, "SeccompProfile", prof);
		} else if (!strcmp(s, "apparmor=unconfined") || !strcmp(s, "label=disable") ||
			   !strncmp(s, "label:", 6) || !strncmp(s, "label=", 6)) {
			; /* no LSM on this host: accepted as docker does on such hosts */
		} else {
			return hull_err_set(err, EINVAL, "--security-opt %s: unknown security option", s);
		}
	}
	json_object_set_new(hc, "Memory", json_integer(o->memory));
	json_object_set_new(hc, "MemorySwap", json_integer(o->memory_swap));
	if (o->memory_swap > 0 && o->memory > 0 && o->memory_swap < o->memory)
		return hull_err_set(err, EINVAL, "--memory-swap: must be at least --memory (it is memory plus swap)");
	if (o->memory_swap > 0 && o->memory <= 0)
		return hull_err_set(err, EINVAL, "--memory-swap: needs --memory");
	json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(o->cpus * 1e9)));
	json_object_set_new(hc, "CpuShares", json_integer((json_int_t)o->cpu_shares));
	if (o->cpuset_cpus)
		json_object_set_new(hc, "CpusetCpus", json_string(o->cpuset_cpus));
	json_object_set_new(hc, "PidsLimit", json_integer(o->pids_limit));
	json_t *ul = json_array();
	json_object_set_new(hc, "Ulimits", ul);
	for (size_t i = 0; i < o->ulimits.n; i++) {
		_cleanup_free_ char *d = xstrdup(o->ulimits.v[i]);
		char *eq = strchr(d, '=');
		if (!eq)
			return hull_err_set(err, EINVAL, "--ulimit %s: want NAME=SOFT[:HARD]", o->ulimits.v[i]);
		*eq++ = 0;
		char *colon = strchr(eq, ':'), *end;
		long long soft = strtoll(eq, &end, 10), hard = soft;
		if (end == eq || (*end && *end != ':'))
			return hull_err_set(err, EINVAL, "--ulimit %s: invalid soft limit", o->ulimits.v[i]);
		if (colon) {
			hard = strtoll(colon + 1, &end, 10);
			if (end == colon + 1 || *end)
				return hull_err_set(err, EINVAL, "--ulimit %s: invalid hard limit", o->ulimits.v[i]);
		}
		if (soft > hard)
			return hull_err_set(err, EINVAL, "--ulimit %s: soft limit above the hard limit", o->ulimits.v[i]);
		static const char *const names[] = { "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue",
			"nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", "as", NULL };
		bool known = false;
		for (int k = 0; names[k]; k++)
			known |= !strcmp(names[k], d);
		if (!known)
			return hull_err_set(err, EINVAL, "--ulimit %s: unknown limit \"%s\"", o->ulimits.v[i], d);
		json_array_append_new(ul, json_pack("{s:s,s:I,s:I}", "Name", d, "Soft", (json_int_t)soft, "Hard",
						    (json_int_t)hard));
	}
	int64_t max_size = 10 * 1024 * 1024;
	int max_file = 2;
	for (size_t i = 0; i < o->log_opts.n; i++) {
		const char *s = o->log_opts.v[i];
		if (!strncmp(s, "max-size=", 9)) {
			max_size = parse_size(s + 9);
			if (max_size <= 0)
				return hull_err_set(err, EINVAL, "--log-opt %s: invalid size", s);
		} else if (!strncmp(s, "max-file=", 9)) {
			max_file = atoi(s + 9);
			if (max_file < 1)
				return hull_err_set(err, EINVAL, "--log-opt %s: must be at least 1", s);
		} else
			return hull_err_set(err, EINVAL, "--log-opt %s: unknown option (json-file knows max-size, max-file)", s);
	}
	json_object_set_new(hc, "LogConfig", json_pack("{s:s,s:{s:I,s:i}}", "Type", "json-file", "Config",
						       "max-size", (json_int_t)max_size, "max-file", max_file));
	return 0;
}

/* The hostname, hosts and resolv.conf (src/net writes them: final for none and host, rewritten in place
 * by the network setup of the other modes) and the overlay's dirs. Made before the record: a crash leaves
 * a dir without one, removed by the next command. */
static int etc_files(struct ctr *c, const struct run_opts *o, const char *hostname, struct hull_err **err)
{
	_cleanup_fd_ int d = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_err_sys(err, "open %s", c->dir);
	if (net_write_initial_files(d, &o->net, o->network ? o->network : ENGINE_DEFAULT_NETWORK, hostname, err) < 0)
		return hull_err_wrap(err, "%s", c->dir);
	if (mkdirat(d, "upper", 0755) < 0 || mkdirat(d, "work", 0700) < 0 || mkdirat(d, "rootfs", 0755) < 0)
		return hull_err_sys(err, "mkdir in %s", c->dir);
	return 0;
}

static json_t *image_cfg_strv(json_t *cfg, const char *k)
{
	json_t *v = json_object_get(cfg, k);
	return json_is_array(v) ? json_deep_copy(v) : json_array();
}

/* HostConfig.HullNetwork: the network settings (src/net) the monitor wires at each start; checked now so
 * that create fails early. container:X is resolved to X's id here. -P publishes the image's ports too. */
static int network_record(struct ctr *c, const struct run_opts *o, json_t *cfg, json_t *hc, struct hull_err **err)
{
	json_t *nj = net_config_to_json(&o->net);
	const char *net = o->network ? o->network : ENGINE_DEFAULT_NETWORK;
	if (!strncmp(net, "container:", 10)) {
		_cleanup_ctr_ struct ctr *other = ctr_find(c->e, net + 10, err);
		if (!other) {
			json_decref(nj);
			return hull_err_wrap(err, "--network %s", net);
		}
		json_object_set_new(nj, "network", json_sprintf("container:%s", other->id));
	} else {
		json_object_set_new(nj, "network", json_string(net));
	}
	json_t *exposed = json_object_get(cfg, "ExposedPorts"), *ex = json_object_get(nj, "exposed"), *v;
	size_t i;
	json_array_foreach(ex, i, v) {
		const char *p = json_string_value(v);
		_cleanup_free_ char *key = strchr(p, '/') ? xstrdup(p) : xasprintf("%s/tcp", p);
		json_object_set_new(exposed, key, json_object());
	}
	json_array_clear(ex);
	const char *k;
	json_object_foreach(exposed, k, v)
		json_array_append_new(ex, json_string(k));
	struct net_config check;
	int r = net_config_from_json(nj, &check, err);
	if (r == 0)
		r = net_config_check(c->e->root, &check, err);
	net_config_clear(&check);
	if (r < 0) {
		json_decref(nj);
		return -1;
	}
	json_object_set_new(hc, "HullNetwork", nj);
	return 0;
}

static int build_record(struct ctr *c, const struct run_opts *o, struct image_info *img, const char *name,
			struct hull_err **err)
{
	json_error_t je;
	json_t *imgcfg_all = json_loadb(img->config, img->config_len, 0, &je);
	if (!imgcfg_all)
		return hull_err_set(err, EINVAL, "image %s: config: %s", o->image, je.text);
	json_t *ic = json_object_get(imgcfg_all, "config");
	if (!json_is_object(ic))
		ic = json_object_get(imgcfg_all, "Config"); /* docker's older spelling */
	json_t *r = c->rec = json_object();
	_cleanup_free_ char *now = engine_now();
	json_object_set_new(r, "Id", json_string(c->id));
	json_object_set_new(r, "Name", json_string(name));
	json_object_set_new(r, "Created", json_string(now));
	json_object_set_new(r, "Image", json_string(img->id));
	json_object_set_new(r, "ImageName", json_string(o->image));
	json_t *cfg = rec_obj(r, "Config");
	json_object_set_new(cfg, "Image", json_string(o->image));

	json_t *env = image_cfg_strv(ic, "Env");
	bool has_path = false;
	size_t i;
	json_t *x;
	json_array_foreach(env, i, x)
		has_path |= !strncmp(json_string_value(x) ? json_string_value(x) : "", "PATH=", 5);
	if (!has_path)
		json_array_insert_new(env, 0, json_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	for (size_t k = 0; k < o->env_files.n; k++)
		if (kv_file_read("--env-file", o->env_files.v[k], env_set, env, err) < 0) {
			json_decref(env);
			json_decref(imgcfg_all);
			return -1;
		}
	for (size_t k = 0; k < o->env.n; k++)
		env_set(env, o->env.v[k]);
	if (o->tty)
		env_set(env, "TERM=xterm");
	json_object_set_new(cfg, "Env", env);

	json_t *ep = o->has_entrypoint ? json_array() : image_cfg_strv(ic, "Entrypoint");
	if (o->has_entrypoint && o->entrypoint && *o->entrypoint)
		json_array_append_new(ep, json_string(o->entrypoint));
	json_t *cmd = o->cmd.n ? strv_json(&o->cmd) : o->has_entrypoint ? json_array() : image_cfg_strv(ic, "Cmd");
	json_object_set_new(cfg, "Entrypoint", ep);
	json_object_set_new(cfg, "Cmd", cmd);
	json_t *argv = json_array();
	json_array_extend(argv, ep);
	json_array_extend(argv, cmd);
	if (json_array_size(argv) == 0) {
		json_decref(argv);
		json_decref(imgcfg_all);
		return hull_err_set(err, EINVAL, "no command specified (the image has neither Entrypoint nor Cmd)");
	}
	json_object_set(r, "Path", json_array_get(argv, 0));
	json_array_remove(argv, 0);
	json_object_set_new(r, "Args", argv);

	const char *wd = o->workdir ? o->workdir : rec_str(ic, "WorkingDir");
	if (wd && *wd && wd[0] != '/') {
		json_decref(imgcfg_all);
		return hull_err_set(err, EINVAL, "-w %s: the working directory must be an absolute path", wd);
	}
	json_object_set_new(cfg, "WorkingDir", json_string(wd && *wd ? wd : "/"));
	const char *user = o->user ? o->user : rec_str(ic, "User");
	json_object_set_new(cfg, "User", json_string(user ? user : ""));
	bool host_net = o->network && !strcmp(o->network, "host");
	char hostbuf[256] = "";
	if (host_net)
		gethostname(hostbuf, sizeof(hostbuf) - 1);
	else
		snprintf(hostbuf, sizeof(hostbuf), "%.12s", c->id);
	json_object_set_new(cfg, "Hostname", json_string(o->hostname ? o->hostname : hostbuf));
	json_object_set_new(cfg, "Tty", json_boolean(o->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(o->interactive));
	json_t *ports = json_object_get(ic, "ExposedPorts");
	json_object_set_new(cfg, "ExposedPorts", json_is_object(ports) ? json_deep_copy(ports) : json_object());
	json_t *vols = json_object_get(ic, "Volumes");
	json_object_set_new(cfg, "Volumes", json_is_object(vols) ? json_deep_copy(vols) : json_object());
	/* the image's labels, then --label-file, then --label (later ones win, as docker) */
	json_t *image_labels = json_object_get(ic, "Labels");
	json_t *labels = json_is_object(image_labels) ? json_deep_copy(image_labels) : json_object();
	json_object_set_new(cfg, "Labels", labels);
	for (size_t k = 0; k < o->label_files.n; k++)
		if (kv_file_read("--label-file", o->label_files.v[k], label_set, labels, err) < 0) {
			json_decref(imgcfg_all);
			return -1;
		}
	for (size_t k = 0; k < o->labels.n; k++) {
		if (!o->labels.v[k][0] || o->labels.v[k][0] == '=') {
			json_decref(imgcfg_all);
			return hull_err_set(err, EINVAL, "--label \"%s\": the name is empty", o->labels.v[k]);
		}
		label_set(labels, o->labels.v[k]);
	}
	const char *sig = o->stop_signal ? o->stop_signal : rec_str(ic, "StopSignal");
	if (sig && engine_signal_parse(sig) <= 0) {
		json_decref(imgcfg_all);
		return hull_err_set(err, EINVAL, "%s %s: unknown signal", o->stop_signal ? "--stop-signal" : "image StopSignal", sig);
	}
	json_object_set_new(cfg, "StopSignal", json_string(sig ? sig : "SIGTERM"));
	json_object_set_new(cfg, "StopTimeout", json_integer(o->stop_timeout >= 0 ? o->stop_timeout : 10));
	struct hull_err *herr = NULL;
	json_t *health = health_config(json_object_get(ic, "Healthcheck"), o, &herr);
	if (herr) {
		json_decref(imgcfg_all);
		return hull_err_pass(err, &herr);
	}
	if (health)
		json_object_set_new(cfg, "Healthcheck", health);

	json_t *hc = rec_obj(r, "HostConfig");
	int rc = hostconfig(o, hc, err);
	if (rc == 0)
		rc = network_record(c, o, cfg, hc, err);
	json_t *mounts = json_array();
	json_object_set_new(r, "Mounts", mounts);
	if (rc == 0)
		rc = mounts_from_opts(c->e, o, json_object_get(cfg, "Volumes"), mounts, err);
	json_decref(imgcfg_all);
	if (rc < 0)
		return -1;

	/* the overlay: lowerdir= wants the topmost layer first */
	size_t len = 1;
	for (size_t k = 0; k < img->n_layers; k++)
		len += strlen(img->lowerdirs[k]) + 1;
	char *lower = xcalloc(1, len);
	for (size_t k = img->n_layers; k-- > 0;) {
		strcat(lower, img->lowerdirs[k]);
		if (k)
			strcat(lower, ":");
	}
	json_t *gd = rec_obj(r, "GraphDriver");
	json_object_set_new(gd, "Name", json_string("overlay"));
	json_t *data = rec_obj(gd, "Data");
	json_object_set_new(data, "LowerDir", json_string(lower));
	free(lower);
	json_object_set_new(data, "UpperDir", json_sprintf("%s/upper", c->dir));
	json_object_set_new(data, "WorkDir", json_sprintf("%s/work", c->dir));
	json_object_set_new(data, "MergedDir", json_sprintf("%s/rootfs", c->dir));
	json_object_set_new(r, "LogPath", json_sprintf("%s/%s-json.log", c->dir, c->id));
	json_object_set_new(r, "HostnamePath", json_sprintf("%s/hostname", c->dir));
	json_object_set_new(r, "HostsPath", json_sprintf("%s/hosts", c->dir));
	json_object_set_new(r, "ResolvConfPath", json_sprintf("%s/resolv.conf", c->dir));
	json_object_set_new(r, "State", json_pack("{s:s,s:b,s:i,s:i,s:s,s:s,s:s}", "Status", "created", "Running", 0,
						  "Pid", 0, "ExitCode", 0, "Error", "", "StartedAt",
						  "0001-01-01T00:00:00Z", "FinishedAt", "0001-01-01T00:00:00Z"));
	return 0;
}

static int create_from_store(struct engine *e, struct store *s, const struct run_opts *o, char **id_out,
			     struct hull_err **err)
{
	struct image_info img;
	uint64_t t = trace_begin();
	if (image_resolve_in(s, o->image, &img, err) < 0)
		return -1;
	trace_end(t, "resolve image %s", o->image);
	t = trace_begin();
	_cleanup_free_ char *id = engine_new_id();
	_cleanup_fd_ int glock = engine_global_lock(e, err);
	if (glock < 0) {
		image_info_free(&img);
		return -1;
	}
	_cleanup_free_ char *name = NULL;
	if (engine_pick_name(e, o->name, id, &name, err) < 0) {
		image_info_free(&img);
		return -1;
	}
	_cleanup_ctr_ struct ctr *c = ctr_new_locked(e, id, err);
	if (!c) {
		image_info_free(&img);
		return -1;
	}
	trace_end(t, "container id and name");
	t = trace_begin();
	int rc = build_record(c, o, &img, name, err);
	image_info_free(&img);
	trace_end(t, "record from the image config and flags");
	t = trace_begin();
	if (rc == 0)
		rc = etc_files(c, o, rec_str(rec_obj(c->rec, "Config"), "Hostname"), err);
	trace_end(t, "hostname, hosts, resolv.conf, upper/work/rootfs dirs");
	t = trace_begin();
	/* the record last: a dir without one is a create that never finished (removed by the next lookup) */
	if (rc == 0)
		rc = ctr_save(c, err);
	if (rc < 0) {
		/* anonymous volumes made for this container go with it */
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(c->rec, "Mounts"), i, m)
			if (json_is_true(json_object_get(m, "Anonymous")))
				volume_remove(e, rec_str(m, "Name"), true, NULL);
		_cleanup_fd_ int d = open(e->containers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d >= 0)
			fs_rmtree_at(d, id, NULL);
		return -1;
	}
	trace_end(t, "save container.json");
	*id_out = steal_ptr(&id);
	return 0;
}

int engine_create(struct engine *e, const struct run_opts *o, char **id_out, struct hull_err **err)
{
	struct store s;
	if (store_open(&s, e->root, err) < 0)
		return -1;
	/* gc.lock shared from the image lookup until the record names the image: rmi and prune hold it
	 * exclusively while they list the containers and remove, so they either see this record or make
	 * the lookup fail; never a container whose layers are gone */
	int r = store_gc_lock(&s, LOCK_SH, err);
	if (r == 0)
		r = create_from_store(e, &s, o, id_out, err);
	store_close(&s);
	return r;
}
