/* cni.c — `--network cni:NAME`: run the standard CNI plugins on a conflist, per the CNI spec 1.0
 * (plugin chained ADD with prevResult, DEL in reverse order, CHECK). Conflists are looked up in
 * <root>/cni/net.d then /etc/cni/net.d; plugins in /usr/lib/cni (Debian), /usr/libexec/cni, /opt/cni/bin.
 * The container's netns is passed as /proc/<pid>/ns/net. Nothing here touches the kernel directly.
 */
#include "net/internal.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define CNI_PATH "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin"

/* The conflist named `name` (a single-plugin .conf becomes a one-plugin list). */
static json_t *cni_find(const char *root, const char *name, struct hull_err **err)
{
	_cleanup_free_ char *own = xasprintf("%s/cni/net.d", root);
	const char *dirs[] = { own, "/etc/cni/net.d" };
	for (size_t d = 0; d < 2; d++) {
		_cleanup_dir_ DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t l = strlen(de->d_name);
			bool list = l > 9 && !strcmp(de->d_name + l - 9, ".conflist");
			bool one = (l > 5 && !strcmp(de->d_name + l - 5, ".conf")) ||
				   (l > 5 && !strcmp(de->d_name + l - 5, ".json"));
			if (!list && !one)
				continue;
			_cleanup_free_ char *path = xasprintf("%s/%s", dirs[d], de->d_name);
			json_error_t je;
			json_t *j = json_load_file(path, 0, &je);
			if (!j)
				continue;
			const char *n = json_string_value(json_object_get(j, "name"));
			if (!n || strcmp(n, name)) {
				json_decref(j);
				continue;
			}
			if (!list && !json_object_get(j, "plugins")) {
				json_t *wrap = json_pack("{s:O, s:s, s:[O]}", "cniVersion", json_object_get(j, "cniVersion"),
							 "name", n, "plugins", j);
				json_decref(j);
				j = wrap;
			}
			if (!json_is_array(json_object_get(j, "plugins")) ||
			    !json_array_size(json_object_get(j, "plugins"))) {
				json_decref(j);
				return hull_err_set(err, 0, "%s: plugins: expected a non-empty array", path), NULL;
			}
			return j;
		}
	}
	return hull_err_set(err, ENOENT, "CNI network %s not found in %s or /etc/cni/net.d", name, own), NULL;
}

static char *find_plugin(const char *type)
{
	if (!*type || strchr(type, '/'))
		return NULL;
	_cleanup_free_ char *path = xstrdup(CNI_PATH);
	for (char *save, *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, type);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Run one plugin: config on stdin, result (or error object) on stdout. */
static json_t *cni_exec(const char *cmd, const struct net_container *c, const char *netns, json_t *conf,
			struct hull_err **err)
{
	const char *type = json_string_value(json_object_get(conf, "type"));
	_cleanup_free_ char *bin = find_plugin(type ? type : "");
	if (!bin)
		return hull_err_set(err, ENOENT, "CNI plugin \"%s\" not found in %s", type ? type : "", CNI_PATH), NULL;
	uint64_t t = trace_begin();
	_cleanup_free_ char *input = json_dumps(conf, JSON_COMPACT);
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return hull_err_sys(err, "pipe"), NULL;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return hull_err_sys(err, "pipe"), NULL;
	}
	char *env[] = {
		xasprintf("CNI_COMMAND=%s", cmd), xasprintf("CNI_CONTAINERID=%s", c->id),
		xasprintf("CNI_NETNS=%s", netns), xasprintf("CNI_IFNAME=eth0"), xasprintf("CNI_PATH=%s", CNI_PATH),
		xasprintf("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), NULL,
	};
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execve(bin, (char *[]){ bin, NULL }, env);
		_exit(127);
	}
	for (char **e = env; *e; e++)
		free(*e);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return hull_err_sys(err, "fork"), NULL;
	}
	/* The config is small (well under a pipe buffer): write it all, then read the answer. */
	size_t len = strlen(input);
	if (write(in[1], input, len) != (ssize_t)len)
		log_warn("CNI %s: short write of its config", type);
	close(in[1]);
	char *buf = NULL;
	size_t blen = 0;
	FILE *m = open_memstream(&buf, &blen);
	char chunk[4096];
	ssize_t r;
	while ((r = read(out[0], chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			fwrite(chunk, 1, (size_t)r, m);
	fclose(m);
	close(out[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	json_error_t je;
	json_t *res = blen ? json_loadb(buf, blen, 0, &je) : NULL;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		const char *msg = json_string_value(json_object_get(res, "msg"));
		const char *det = json_string_value(json_object_get(res, "details"));
		hull_err_set(err, 0, "CNI plugin %s %s failed: %s%s%s", type, cmd, msg ? msg : (buf ? buf : "no output"),
			     det ? ": " : "", det ? det : "");
		json_decref(res);
		free(buf);
		return NULL;
	}
	free(buf);
	trace_end(t, "CNI %s %s", type, cmd);
	return res ? res : json_object();
}

static json_t *plugin_conf(json_t *list, json_t *plugin, json_t *prev)
{
	json_t *conf = json_deep_copy(plugin);
	json_object_set(conf, "name", json_object_get(list, "name"));
	json_object_set(conf, "cniVersion", json_object_get(list, "cniVersion"));
	if (prev)
		json_object_set(conf, "prevResult", prev);
	return conf;
}

/* DEL each plugin, last first; keep going after a failure (the spec asks DEL to be best effort). */
static int cni_del_list(json_t *list, const struct net_container *c, const char *netns, json_t *prev,
			struct hull_err **err)
{
	json_t *plugins = json_object_get(list, "plugins");
	int ret = 0;
	for (size_t i = json_array_size(plugins); i-- > 0;) {
		json_t *conf = plugin_conf(list, json_array_get(plugins, i), prev);
		struct hull_err *e = NULL;
		json_t *r = cni_exec("DEL", c, netns, conf, &e);
		json_decref(conf);
		json_decref(r);
		if (!r) {
			if (!ret && err)
				*err = e;
			else
				hull_err_free(e);
			ret = -1;
		}
	}
	return ret;
}

int net_cni_add(const char *root, struct net_container *c, const char *netns, struct hull_err **err)
{
	json_t *list = cni_find(root, c->mode_arg, err);
	if (!list)
		return -1;
	json_t *plugins = json_object_get(list, "plugins"), *prev = NULL;
	snprintf(c->cni_netns, sizeof(c->cni_netns), "%s", netns);
	for (size_t i = 0; i < json_array_size(plugins); i++) {
		json_t *conf = plugin_conf(list, json_array_get(plugins, i), prev);
		json_t *res = cni_exec("ADD", c, netns, conf, err);
		json_decref(conf);
		if (!res) {
			/* Undo what the earlier plugins did. */
			cni_del_list(list, c, netns, prev, NULL);
			json_decref(prev);
			json_decref(list);
			return hull_err_wrap(err, "cni network %s", c->mode_arg);
		}
		json_decref(prev);
		prev = res;
	}
	json_decref(c->cni_result);
	c->cni_result = prev;
	json_decref(list);
	return 0;
}

int net_cni_del(const char *root, struct net_container *c, struct hull_err **err)
{
	json_t *list = cni_find(root, c->mode_arg, err);
	if (!list)
		return hull_err_wrap(err, "cni DEL");
	int r = cni_del_list(list, c, c->cni_netns, c->cni_result, err);
	json_decref(list);
	return r;
}

int net_cni_check(const char *root, struct net_container *c, struct hull_err **err)
{
	json_t *list = cni_find(root, c->mode_arg, err);
	if (!list)
		return -1;
	json_t *plugins = json_object_get(list, "plugins");
	int ret = 0;
	for (size_t i = 0; i < json_array_size(plugins) && !ret; i++) {
		json_t *conf = plugin_conf(list, json_array_get(plugins, i), c->cni_result);
		json_t *r = cni_exec("CHECK", c, c->cni_netns, conf, err);
		json_decref(conf);
		if (!r)
			ret = -1;
		json_decref(r);
	}
	json_decref(list);
	return ret;
}

uint32_t net_cni_result_ip(json_t *result)
{
	size_t i;
	json_t *ip;
	json_array_foreach(json_object_get(result, "ips"), i, ip) {
		const char *a = json_string_value(json_object_get(ip, "address"));
		if (!a)
			continue;
		char buf[32];
		snprintf(buf, sizeof(buf), "%s", a);
		char *slash = strchr(buf, '/');
		if (slash)
			*slash = 0;
		uint32_t v;
		if (ipam_parse_addr(buf, &v, NULL) == 0)
			return v;
	}
	return 0;
}

int net_check(const char *root, const char *id, struct hull_err **err)
{
	struct net_container c;
	if (net_container_load(root, id, &c, err) < 0)
		return -1;
	int r = 0;
	if (c.mode != NET_MODE_CNI || !c.attached || !c.cni_result)
		r = hull_err_set(err, 0, "container %s is not attached to a CNI network", id);
	else if (!net_proc_alive(c.pid, c.pid_start))
		r = hull_err_set(err, ESRCH, "container %s is not running", id);
	else
		r = net_cni_check(root, &c, err);
	net_container_clear(&c);
	return r;
}

int net_cni_lookup(const char *root, const char *name, struct hull_err **err)
{
	json_t *list = cni_find(root, name, err);
	json_decref(list);
	return list ? 0 : -1;
}
