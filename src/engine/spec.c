/* spec.c — the OCI config.json of a container, generated at each start from its record, the image's
 * users (read inside the mounted rootfs) and the default security of security.c. Pure data: the runtime
 * library (or --runtime binary) does the kernel work. */
#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *mnt(const char *dst, const char *type, const char *src, const char *opts_csv)
{
	json_t *o = json_array();
	_cleanup_free_ char *d = xstrdup(opts_csv ? opts_csv : "");
	for (char *save = NULL, *t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(o, json_string(t));
	return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src, "options", o);
}

static int depth(const char *p)
{
	int n = 0;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

static int cmp_depth(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return depth(json_string_value(json_object_get(x, "Destination"))) -
	       depth(json_string_value(json_object_get(y, "Destination")));
}

static void user_mounts(json_t *rec, json_t *out)
{
	json_t *ms = json_object_get(rec, "Mounts");
	size_t n = json_array_size(ms);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(ms, i);
	qsort(v, n, sizeof(*v), cmp_depth); /* parents before children, as docker */
	for (size_t i = 0; i < n; i++) {
		const char *type = rec_str(v[i], "Type"), *dst = rec_str(v[i], "Destination");
		const char *opts = rec_str(v[i], "Options");
		bool rw = json_is_true(json_object_get(v[i], "RW"));
		if (!strcmp(type, "tmpfs")) {
			_cleanup_free_ char *o = xasprintf("nosuid,nodev,noexec%s%s", opts ? "," : "", opts ? opts : "");
			json_array_append_new(out, mnt(dst, "tmpfs", "tmpfs", o));
		} else {
			json_array_append_new(out, mnt(dst, "bind", rec_str(v[i], "Source"), rw ? "rbind,rprivate" : "rbind,rprivate,ro"));
		}
	}
	free(v);
}

static bool swap_accounting(void)
{
	return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0 ||
	       access("/sys/fs/cgroup/unified/memory.swap.max", F_OK) == 0;
}

static json_t *resources(json_t *hc, bool privileged)
{
	json_t *r = json_object();
	json_t *dev = json_array();
	json_object_set_new(r, "devices", dev);
	if (privileged) {
		json_array_append_new(dev, json_pack("{s:b,s:s}", "allow", 1, "access", "rwm"));
	} else {
		json_array_append_new(dev, json_pack("{s:b,s:s}", "allow", 0, "access", "rwm"));
		/* docker's default allow list: mknod of anything, the standard nodes, ptys, tun */
		static const struct { const char *type; long major, minor; const char *access; } allow[] = {
			{ "c", -1, -1, "m" }, { "b", -1, -1, "m" }, { "c", 1, 3, "rwm" }, { "c", 1, 5, "rwm" },
			{ "c", 1, 7, "rwm" }, { "c", 1, 8, "rwm" }, { "c", 1, 9, "rwm" }, { "c", 5, 0, "rwm" },
			{ "c", 5, 1, "rwm" }, { "c", 5, 2, "rwm" }, { "c", 136, -1, "rwm" }, { "c", 10, 200, "rwm" },
		};
		for (size_t i = 0; i < sizeof(allow) / sizeof(*allow); i++) {
			json_t *d = json_pack("{s:b,s:s,s:s}", "allow", 1, "type", allow[i].type, "access", allow[i].access);
			if (allow[i].major >= 0)
				json_object_set_new(d, "major", json_integer(allow[i].major));
			if (allow[i].minor >= 0)
				json_object_set_new(d, "minor", json_integer(allow[i].minor));
			json_array_append_new(dev, d);
		}
	}
	json_int_t mem = json_integer_value(json_object_get(hc, "Memory"));
	json_int_t swap = json_integer_value(json_object_get(hc, "MemorySwap"));
	if (mem > 0) {
		json_t *m = json_pack("{s:I}", "limit", mem);
		if (swap_accounting())
			json_object_set_new(m, "swap", json_integer(swap == -1 ? -1 : swap > 0 ? swap : 2 * mem));
		json_object_set_new(r, "memory", m);
	}
	json_t *cpu = json_object();
	json_int_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
	if (nano > 0) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer(nano * 100000 / 1000000000));
	}
	json_int_t shares = json_integer_value(json_object_get(hc, "CpuShares"));
	if (shares > 0)
		json_object_set_new(cpu, "shares", json_integer(shares));
	const char *cpuset = rec_str(hc, "CpusetCpus");
	if (cpuset)
		json_object_set_new(cpu, "cpus", json_string(cpuset));
	if (json_object_size(cpu))
		json_object_set_new(r, "cpu", cpu);
	else
		json_decref(cpu);
	json_int_t pids = json_integer_value(json_object_get(hc, "PidsLimit"));
	if (pids != 0)
		json_object_set_new(r, "pids", json_pack("{s:I}", "limit", pids < 0 ? (json_int_t)-1 : pids));
	return r;
}

static json_t *strlist(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static bool env_has(json_t *env, const char *key)
{
	size_t i, k = strlen(key);
	json_t *x;
	json_array_foreach(env, i, x)
		if (!strncmp(json_string_value(x), key, k) && json_string_value(x)[k] == '=')
			return true;
	return false;
}

json_t *engine_process(struct ctr *c, int rootfd, const char *user_spec, const char *cwd, bool tty,
		       bool privileged, json_t *args, const struct strv *extra_env, struct hull_err **err)
{
	json_t *cfg = rec_obj(c->rec, "Config"), *hc = rec_obj(c->rec, "HostConfig");
	struct resolved_user u;
	if (user_resolve(rootfd, user_spec, &u, err) < 0) {
		json_decref(args);
		return NULL;
	}
	struct strv add = { 0 }, drop = { 0 };
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(hc, "CapAdd"), i, x)
		strv_push(&add, json_string_value(x));
	json_array_foreach(json_object_get(hc, "CapDrop"), i, x)
		strv_push(&drop, json_string_value(x));
	json_t *caps = engine_caps(privileged, &add, &drop, err);
	strv_clear(&add);
	strv_clear(&drop);
	if (!caps) {
		resolved_user_free(&u);
		json_decref(args);
		return NULL;
	}
	json_t *env = json_deep_copy(json_object_get(cfg, "Env"));
	if (!env_has(env, "HOSTNAME"))
		json_array_append_new(env, json_sprintf("HOSTNAME=%s", rec_str(cfg, "Hostname")));
	if (!env_has(env, "HOME"))
		json_array_append_new(env, json_sprintf("HOME=%s", u.home && *u.home ? u.home : "/"));
	for (size_t k = 0; extra_env && k < extra_env->n; k++)
		json_array_append_new(env, json_string(extra_env->v[k]));
	if (tty && !env_has(env, "TERM"))
		json_array_append_new(env, json_string("TERM=xterm"));
	json_t *user = json_pack("{s:I,s:I}", "uid", (json_int_t)u.uid, "gid", (json_int_t)u.gid);
	if (u.n_gids) {
		json_t *g = json_array();
		for (size_t k = 0; k < u.n_gids; k++)
			json_array_append_new(g, json_integer(u.gids[k]));
		json_object_set_new(user, "additionalGids", g);
	}
	resolved_user_free(&u);
	return json_pack("{s:b,s:o,s:o,s:o,s:s,s:{s:o,s:O,s:O},s:b}", "terminal", tty, "user", user, "args", args,
			 "env", env, "cwd", cwd && *cwd ? cwd : "/", "capabilities", "bounding", caps, "effective",
			 caps, "permitted", caps, "noNewPrivileges",
			 json_is_true(json_object_get(hc, "NoNewPrivileges")));
}

json_t *engine_spec_generate(struct ctr *c, struct hull_err **err)
{
	json_t *rec = c->rec, *cfg = rec_obj(rec, "Config"), *hc = rec_obj(rec, "HostConfig");
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);
	_cleanup_fd_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		hull_err_sys(err, "open %s", rootfs);
		return NULL;
	}
	bool privileged = json_is_true(json_object_get(hc, "Privileged"));
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	const char *wd = rec_str(cfg, "WorkingDir");
	/* docker makes a missing working directory; inside the rootfs, confined */
	if (wd && strcmp(wd, "/")) {
		int fd = fs_mkdir_p_in_root(rootfd, wd, 0755, err);
		if (fd < 0)
			return NULL;
		close(fd);
	}
	size_t mi;
	json_t *m;
	json_array_foreach(json_object_get(rec, "Mounts"), mi, m)
		if (!strcmp(rec_str(m, "Type"), "volume") &&
		    volume_seed(c->e, rec_str(m, "Name"), rootfd, rec_str(m, "Destination"), err) < 0)
			return NULL;
	json_t *args = json_array();
	bool init = json_is_true(json_object_get(hc, "Init"));
	if (init) {
		json_array_append_new(args, json_string("/dev/init"));
		json_array_append_new(args, json_string("--"));
	}
	json_array_append(args, json_object_get(rec, "Path"));
	json_array_extend(args, json_object_get(rec, "Args"));
	json_t *proc = engine_process(c, rootfd, rec_str(cfg, "User"), wd, tty, privileged, args, NULL, err);
	if (!proc)
		return NULL;
	/* the seccomp profile's exceptions follow the capabilities the process gets */
	json_t *caps = json_incref(json_object_get(json_object_get(proc, "capabilities"), "bounding"));
	size_t i;
	json_t *x;
	json_t *rl = json_array();
	json_array_foreach(json_object_get(hc, "Ulimits"), i, x) {
		_cleanup_free_ char *t = xasprintf("RLIMIT_%s", rec_str(x, "Name"));
		for (char *p = t; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p -= 32;
		json_array_append_new(rl, json_pack("{s:s,s:O,s:O}", "type", t, "hard", json_object_get(x, "Hard"),
						    "soft", json_object_get(x, "Soft")));
	}
	if (json_array_size(rl))
		json_object_set_new(proc, "rlimits", rl);
	else
		json_decref(rl);

	json_t *mounts = json_array();
	json_array_append_new(mounts, mnt("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(mounts, mnt("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(mounts, mnt("/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(mounts, mnt("/sys", "sysfs", "sysfs", privileged ? "nosuid,noexec,nodev" : "nosuid,noexec,nodev,ro"));
	json_array_append_new(mounts, mnt("/sys/fs/cgroup", "cgroup", "cgroup", privileged ? "nosuid,noexec,nodev,relatime" : "nosuid,noexec,nodev,relatime,ro"));
	json_array_append_new(mounts, mnt("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	json_array_append_new(mounts, mnt("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
	static const char *const etc[] = { "hostname", "hosts", "resolv.conf" };
	/* --network container:X shares X's network and, as docker, its hosts and resolv.conf */
	const char *netmode = rec_str(json_object_get(c->rec, "HostConfig"), "NetworkMode");
	const char *peer = rec_str(json_object_get(json_object_get(c->rec, "HostConfig"), "HullNetwork"), "network");
	_cleanup_ctr_ struct ctr *netpeer = NULL;
	if (netmode && !strncmp(netmode, "container:", 10)) {
		netpeer = ctr_find(c->e, peer && !strncmp(peer, "container:", 10) ? peer + 10 : netmode + 10, err);
		if (!netpeer || ctr_pid(netpeer) <= 0 || strcmp(ctr_status(netpeer), "running")) {
			if (netpeer)
				hull_err_set(err, 0, "--network %s: that container is not running", netmode);
			hull_err_wrap(err, "--network %s", netmode);
			json_decref(proc);
			json_decref(mounts);
			json_decref(caps);
			return NULL;
		}
	}
	for (size_t k = 0; k < 3; k++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", netpeer && k ? netpeer->dir : c->dir, etc[k]);
		_cleanup_free_ char *dst = xasprintf("/etc/%s", etc[k]);
		json_array_append_new(mounts, mnt(dst, "bind", src, "rbind,rprivate"));
	}
	if (init) {
		_cleanup_free_ char *ip = engine_init_path();
		if (!ip) {
			engine_err(err, ENOENT, "--init: hull-init not found next to the hull binary (set HULL_INIT)");
			json_decref(proc);
			json_decref(mounts);
			json_decref(caps);
			return NULL;
		}
		json_array_append_new(mounts, mnt("/dev/init", "bind", ip, "bind,ro,nosuid,nodev"));
	}
	user_mounts(rec, mounts);

	json_t *ns = json_pack("[{s:s},{s:s},{s:s},{s:s}]", "type", "pid", "type", "ipc", "type", "uts", "type", "mount");
	const char *net = rec_str(hc, "NetworkMode");
	if (netpeer)
		json_array_append_new(ns, json_pack("{s:s, s:o}", "type", "network", "path",
						    json_sprintf("/proc/%d/ns/net", (int)ctr_pid(netpeer))));
	else if (!net || strcmp(net, "host"))
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	json_t *linux_ = json_pack("{s:o,s:o}", "namespaces", ns, "resources", resources(hc, privileged));
	json_object_set_new(linux_, "cgroupsPath", json_sprintf(ENGINE_CGROUP_PARENT "/%s", c->id));
	if (!privileged) {
		json_object_set_new(linux_, "maskedPaths", strlist(engine_masked_paths));
		json_object_set_new(linux_, "readonlyPaths", strlist(engine_readonly_paths));
		json_t *sp = json_object_get(hc, "SeccompProfile");
		if (json_is_object(sp))
			json_object_set(linux_, "seccomp", sp);
		else if (!json_is_string(sp) || strcmp(json_string_value(sp), "unconfined"))
			json_object_set_new(linux_, "seccomp", engine_seccomp_default(caps));
	}
	json_decref(caps);
	return json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o,s:o}", "ociVersion", "1.1.0", "process", proc, "root", "path",
			 "rootfs", "readonly", json_is_true(json_object_get(hc, "ReadonlyRootfs")), "hostname",
			 rec_str(cfg, "Hostname"), "mounts", mounts, "linux", linux_);
}
