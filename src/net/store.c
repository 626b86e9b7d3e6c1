/* store.c — see store.h. */
#include "net/store.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

char *net_store_path(const char *root, const char *sub)
{
	return xasprintf("%s/net%s%s", root, sub && *sub ? "/" : "", sub ? sub : "");
}

int net_store_lock(const char *root, struct hull_err **err)
{
	_cleanup_free_ char *dir = net_store_path(root, NULL);
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_free_ char *path = net_store_path(root, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_err_sys(err, "open %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			hull_err_sys(err, "lock %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

void net_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void json_strv(json_t *a, char ***v, size_t *n)
{
	*v = NULL;
	*n = 0;
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(char *));
		(*v)[(*n)++] = xstrdup(json_string_value(x));
	}
}

static void copy_str(char *dst, size_t cap, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(dst, cap, "%s", s ? s : "");
}

static uint32_t get_ip(json_t *o, const char *key)
{
	uint32_t a = 0;
	const char *s = json_string_value(json_object_get(o, key));
	if (s)
		ipam_parse_addr(s, &a, NULL);
	return a;
}

/* durable: fsync (network definitions, which must survive a reboot); else replace only (container
 * records: after a crash of the machine no container runs, and reconciliation drops what is left). */
static int save_json(const char *dir, const char *name, json_t *j, bool durable, struct hull_err **err)
{
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_fd_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", dir);
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len = strlen(text);
	text[len] = 0;
	return durable ? fs_write_atomic(dfd, name, text, len, 0600, err)
		       : fs_write_replace(dfd, name, text, len, 0600, err);
}

static json_t *load_json(const char *path, struct hull_err **err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j) {
		if (access(path, F_OK) < 0)
			return hull_err_set(err, ENOENT, "%s", path), NULL;
		return hull_err_set(err, 0, "%s: %s (line %d)", path, je.text, je.line), NULL;
	}
	return j;
}

/* ---- networks ---- */

void net_network_default(struct net_network *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), NET_DEFAULT_NAME);
	snprintf(out->bridge, sizeof(out->bridge), NET_DEFAULT_BRIDGE);
	snprintf(out->id, sizeof(out->id), "%064d", 0);
	ipam_parse_subnet(NET_DEFAULT_SUBNET, &out->subnet, NULL);
	out->gateway = ipam_first_host(&out->subnet);
	out->mtu = 1500;
}

json_t *net_network_to_json(const struct net_network *n)
{
	char sn[19], gw[16];
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:s}", "Name", n->name, "Id", n->id, "Driver",
			 "bridge", "Bridge", n->bridge, "Subnet", ipam_fmt_subnet(&n->subnet, sn), "Gateway",
			 ipam_fmt(n->gateway, gw), "Internal", n->internal, "MTU", (int)n->mtu, "Created",
			 n->created);
}

int net_network_load(const char *root, const char *name, struct net_network *out, struct hull_err **err)
{
	if (!strcmp(name, NET_DEFAULT_NAME)) {
		net_network_default(out);
		return 0;
	}
	_cleanup_free_ char *rel = xasprintf("networks/%s.json", name);
	_cleanup_free_ char *path = net_store_path(root, rel);
	json_t *j = load_json(path, err);
	if (!j) {
		if (*err && (*err)->errnum == ENOENT) {
			hull_err_free(*err);
			*err = NULL;
			return hull_err_set(err, ENOENT, "network %s not found", name);
		}
		return -1;
	}
	memset(out, 0, sizeof(*out));
	copy_str(out->name, sizeof(out->name), j, "Name");
	copy_str(out->id, sizeof(out->id), j, "Id");
	copy_str(out->bridge, sizeof(out->bridge), j, "Bridge");
	copy_str(out->created, sizeof(out->created), j, "Created");
	const char *sn = json_string_value(json_object_get(j, "Subnet"));
	int r = ipam_parse_subnet(sn ? sn : "", &out->subnet, err);
	out->gateway = get_ip(j, "Gateway");
	out->internal = json_is_true(json_object_get(j, "Internal"));
	out->mtu = (unsigned)json_integer_value(json_object_get(j, "MTU"));
	json_decref(j);
	if (r < 0)
		return hull_err_wrap(err, "%s", path);
	return 0;
}

int net_network_save(const char *root, const struct net_network *n, struct hull_err **err)
{
	_cleanup_free_ char *dir = net_store_path(root, "networks");
	_cleanup_free_ char *name = xasprintf("%s.json", n->name);
	json_t *j = net_network_to_json(n);
	int r = save_json(dir, name, j, true, err);
	json_decref(j);
	return r;
}

int net_network_remove(const char *root, const char *name, struct hull_err **err)
{
	_cleanup_free_ char *rel = xasprintf("networks/%s.json", name);
	_cleanup_free_ char *path = net_store_path(root, rel);
	if (unlink(path) < 0 && errno != ENOENT)
		return hull_err_sys(err, "remove %s", path);
	return 0;
}

static int cmp_net(const void *a, const void *b)
{
	return strcmp(((const struct net_network *)a)->name, ((const struct net_network *)b)->name);
}

int net_network_list(const char *root, struct net_network **out, size_t *n, struct hull_err **err)
{
	*out = xcalloc(1, sizeof(**out));
	*n = 1;
	net_network_default(&(*out)[0]);
	_cleanup_free_ char *dir = net_store_path(root, "networks");
	_cleanup_dir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hull_err_sys(err, "open %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 5 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		char name[NET_MAX_NAME];
		if (l - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = 0;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		if (net_network_load(root, name, &(*out)[*n], err) < 0) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		(*n)++;
	}
	qsort(*out + 1, *n - 1, sizeof(**out), cmp_net);
	return 0;
}

/* ---- containers ---- */

static const char *mode_names[] = { "bridge", "none", "host", "container", "cni" };

void net_container_clear(struct net_container *c)
{
	for (size_t i = 0; i < c->n_eps; i++)
		net_strv_free(c->eps[i].aliases, c->eps[i].n_aliases);
	free(c->eps);
	free(c->ports);
	net_strv_free(c->dns, c->n_dns);
	net_strv_free(c->add_hosts, c->n_add_hosts);
	json_decref(c->cni_result);
	free(c->files_dir);
	memset(c, 0, sizeof(*c));
}

json_t *net_container_to_json(const struct net_container *c)
{
	char a[16];
	json_t *eps = json_array(), *ports = json_array();
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct net_endpoint *e = &c->eps[i];
		json_array_append_new(eps, json_pack("{s:s, s:s, s:s, s:s, s:o}", "network", e->network, "ip",
						     ipam_fmt(e->ip, a), "host_veth", e->host_veth, "ifname", e->ifname,
						     "aliases", strv_json(e->aliases, e->n_aliases)));
	}
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct net_port *p = &c->ports[i];
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:s}", "host_ip", ipam_fmt(p->host_ip, a),
						       "host_port", p->host_port, "container_port", p->container_port,
						       "proto", net_proto_name(p->proto)));
	}
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:s}", "id",
			      c->id, "name", c->name, "hostname", c->hostname, "mode", mode_names[c->mode], "mode_arg",
			      c->mode_arg, "attached", c->attached, "pid", (json_int_t)c->pid, "pid_start",
			      (json_int_t)c->pid_start, "owner", (json_int_t)c->owner, "owner_start",
			      (json_int_t)c->owner_start, "endpoints", eps, "ports", ports, "dns",
			      strv_json(c->dns, c->n_dns), "add_hosts", strv_json(c->add_hosts, c->n_add_hosts),
			      "cni_netns", c->cni_netns);
	if (c->cni_result)
		json_object_set(j, "cni_result", c->cni_result);
	if (c->files_dir)
		json_object_set_new(j, "files_dir", json_string(c->files_dir));
	return j;
}

static char *container_dir(const char *root, const char *id)
{
	_cleanup_free_ char *rel = xasprintf("containers/%s", id);
	return net_store_path(root, rel);
}

int net_container_save(const char *root, const struct net_container *c, struct hull_err **err)
{
	_cleanup_free_ char *dir = container_dir(root, c->id);
	json_t *j = net_container_to_json(c);
	int r = save_json(dir, "net.json", j, false, err);
	json_decref(j);
	return r;
}

int net_container_load(const char *root, const char *id, struct net_container *out, struct hull_err **err)
{
	_cleanup_free_ char *dir = container_dir(root, id);
	_cleanup_free_ char *path = xasprintf("%s/net.json", dir);
	json_t *j = load_json(path, err);
	if (!j)
		return -1;
	memset(out, 0, sizeof(*out));
	copy_str(out->id, sizeof(out->id), j, "id");
	copy_str(out->name, sizeof(out->name), j, "name");
	copy_str(out->hostname, sizeof(out->hostname), j, "hostname");
	copy_str(out->mode_arg, sizeof(out->mode_arg), j, "mode_arg");
	copy_str(out->cni_netns, sizeof(out->cni_netns), j, "cni_netns");
	const char *m = json_string_value(json_object_get(j, "mode"));
	for (size_t i = 0; m && i < sizeof(mode_names) / sizeof(*mode_names); i++)
		if (!strcmp(m, mode_names[i]))
			out->mode = (enum net_mode)i;
	out->attached = json_is_true(json_object_get(j, "attached"));
	out->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	out->pid_start = (unsigned long long)json_integer_value(json_object_get(j, "pid_start"));
	out->owner = (pid_t)json_integer_value(json_object_get(j, "owner"));
	out->owner_start = (unsigned long long)json_integer_value(json_object_get(j, "owner_start"));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "endpoints"), i, x) {
		out->eps = xrealloc(out->eps, (out->n_eps + 1) * sizeof(*out->eps));
		struct net_endpoint *e = &out->eps[out->n_eps++];
		memset(e, 0, sizeof(*e));
		copy_str(e->network, sizeof(e->network), x, "network");
		copy_str(e->host_veth, sizeof(e->host_veth), x, "host_veth");
		copy_str(e->ifname, sizeof(e->ifname), x, "ifname");
		e->ip = get_ip(x, "ip");
		json_strv(json_object_get(x, "aliases"), &e->aliases, &e->n_aliases);
	}
	json_array_foreach(json_object_get(j, "ports"), i, x) {
		out->ports = xrealloc(out->ports, (out->n_ports + 1) * sizeof(*out->ports));
		struct net_port *p = &out->ports[out->n_ports++];
		p->host_ip = get_ip(x, "host_ip");
		p->host_port = (uint16_t)json_integer_value(json_object_get(x, "host_port"));
		p->container_port = (uint16_t)json_integer_value(json_object_get(x, "container_port"));
		const char *pr = json_string_value(json_object_get(x, "proto"));
		p->proto = pr && !strcmp(pr, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	}
	json_strv(json_object_get(j, "dns"), &out->dns, &out->n_dns);
	json_strv(json_object_get(j, "add_hosts"), &out->add_hosts, &out->n_add_hosts);
	const char *fd = json_string_value(json_object_get(j, "files_dir"));
	out->files_dir = fd ? xstrdup(fd) : NULL;
	json_t *cr = json_object_get(j, "cni_result");
	out->cni_result = cr ? json_incref(cr) : NULL;
	json_decref(j);
	return 0;
}

int net_container_remove(const char *root, const char *id, struct hull_err **err)
{
	_cleanup_free_ char *dir = net_store_path(root, "containers");
	_cleanup_fd_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : hull_err_sys(err, "open %s", dir);
	return fs_rmtree_at(dfd, id, err);
}

int net_container_ids(const char *root, char ***ids, size_t *n, struct hull_err **err)
{
	*ids = NULL;
	*n = 0;
	_cleanup_free_ char *dir = net_store_path(root, "containers");
	_cleanup_dir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hull_err_sys(err, "open %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		*ids = xrealloc(*ids, (*n + 1) * sizeof(char *));
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	return 0;
}

/* ---- draining endpoints ---- */

int net_draining_save(const char *root, const struct net_endpoint *e, struct hull_err **err)
{
	_cleanup_free_ char *dir = net_store_path(root, "draining");
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_fd_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", dir);
	char ip[16];
	_cleanup_free_ char *text = xasprintf("%s %s\n", e->network, ipam_fmt(e->ip, ip));
	return fs_write_replace(dfd, e->host_veth, text, strlen(text), 0600, err);
}

int net_draining_list(const char *root, struct net_draining **out, size_t *n, struct hull_err **err)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *dir = net_store_path(root, "draining");
	_cleanup_dir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hull_err_sys(err, "open %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		/* only names hull gives its veths (net_veth_name): nothing else is ever deleted through these */
		if (strncmp(de->d_name, "hullv", 5) || strlen(de->d_name) >= sizeof((*out)->veth))
			continue;
		_cleanup_free_ char *text = fs_read_file_at(dirfd(d), de->d_name, NULL, NULL);
		char net[NET_MAX_NAME], ip[16];
		struct net_draining m = { 0 };
		if (!text || sscanf(text, "%63s %15s", net, ip) != 2 || ipam_parse_addr(ip, &m.ip, NULL) < 0)
			continue;
		struct stat st;
		m.since = fstatat(dirfd(d), de->d_name, &st, 0) == 0 ? st.st_mtime : 0;
		snprintf(m.veth, sizeof(m.veth), "%s", de->d_name);
		snprintf(m.network, sizeof(m.network), "%s", net);
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = m;
	}
	return 0;
}

void net_draining_remove(const char *root, const char *veth)
{
	_cleanup_free_ char *rel = xasprintf("draining/%s", veth);
	_cleanup_free_ char *path = net_store_path(root, rel);
	unlink(path);
}
