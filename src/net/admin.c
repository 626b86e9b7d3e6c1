/* admin.c — `hull network create|rm|inspect|connect|disconnect` and `hull inspect`'s network part
 * (see net.h). */
#include "net/files.h"
#include "net/internal.h"
#include "net/net.h"
#include "net/nft.h"
#include "util/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool valid_name(const char *s)
{
	size_t l = strlen(s);
	return l && l < NET_MAX_NAME && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == l;
}

int net_network_create(const char *root, const char *name, const char *subnet, const char *gateway,
		       bool internal, struct net_network *out, struct hull_err **err)
{
	if (!valid_name(name))
		return hull_err_set(err, 0, "network create: invalid network name \"%s\"", name);
	if (!strcmp(name, NET_DEFAULT_NAME) || !strcmp(name, "none") || !strcmp(name, "host"))
		return hull_err_set(err, EEXIST, "network create: %s is a predefined network", name);
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	struct net_network *nets = NULL;
	size_t n_nets = 0;
	if (net_network_list(root, &nets, &n_nets, err) < 0)
		return -1;
	struct net_network n = { 0 };
	int ret = -1;
	snprintf(n.name, sizeof(n.name), "%s", name);
	for (size_t i = 0; i < n_nets; i++)
		if (!strcmp(nets[i].name, name)) {
			hull_err_set(err, EEXIST, "network create: network with name %s already exists", name);
			goto out;
		}
	if (subnet) {
		if (ipam_parse_subnet(subnet, &n.subnet, err) < 0)
			goto wrap;
		for (size_t i = 0; i < n_nets; i++)
			if (ipam_overlaps(&n.subnet, &nets[i].subnet)) {
				char a[19];
				hull_err_set(err, 0, "--subnet %s overlaps network %s (%s)", subnet, nets[i].name,
					     ipam_fmt_subnet(&nets[i].subnet, a));
				goto wrap;
			}
	} else {
		/* Like podman: the next free /24, 10.89.0.0/24, 10.89.1.0/24 …, skipping hull's networks and
		 * subnets this netns already routes (another engine's bridge, a VPN). */
		bool found = false;
		_cleanup_nl_ struct nl *host = nl_open(-1, err);
		if (!host)
			goto wrap;
		for (uint32_t k = 0; k < 256 && !found; k++) {
			n.subnet.net = (10u << 24 | 89u << 16) + (k << 8);
			n.subnet.prefix = 24;
			found = true;
			for (size_t i = 0; i < n_nets; i++)
				found &= !ipam_overlaps(&n.subnet, &nets[i].subnet);
			if (found) {
				char *clash = net_route_clash(host, &n.subnet, NULL);
				found = !clash;
				free(clash);
			}
		}
		if (!found) {
			hull_err_set(err, ENOSPC, "no free subnet left in 10.89.0.0/16: give --subnet");
			goto wrap;
		}
	}
	if (gateway) {
		if (ipam_parse_addr(gateway, &n.gateway, err) < 0)
			goto wrap;
		if (!ipam_is_host(&n.subnet, n.gateway)) {
			char a[19];
			hull_err_set(err, 0, "--gateway %s is not a host address of subnet %s", gateway,
				     ipam_fmt_subnet(&n.subnet, a));
			goto wrap;
		}
	} else {
		n.gateway = ipam_first_host(&n.subnet);
	}
	n.internal = internal;
	n.mtu = 1500;
	FILE *r = fopen("/dev/urandom", "re");
	unsigned char rnd[32];
	if (!r || fread(rnd, 1, sizeof(rnd), r) != sizeof(rnd)) {
		if (r)
			fclose(r);
		hull_err_sys(err, "read /dev/urandom");
		goto wrap;
	}
	fclose(r);
	for (int i = 0; i < 32; i++)
		snprintf(n.id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(n.bridge, sizeof(n.bridge), "hull-%.9s", n.id);
	time_t now = time(NULL);
	strftime(n.created, sizeof(n.created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (net_network_save(root, &n, err) < 0)
		goto wrap;
	if (out)
		*out = n;
	ret = 0;
	goto out;
wrap:
	hull_err_wrap(err, "network create %s", name);
out:
	free(nets);
	return ret;
}

int net_network_count(const char *root, const char *name, struct hull_err **err)
{
	struct net_container *cs;
	size_t n;
	if (net_load_all(root, &cs, &n, err) < 0)
		return -1;
	int count = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < cs[i].n_eps; j++)
			count += !strcmp(cs[i].eps[j].network, name);
	net_free_all(cs, n);
	return count;
}

int net_network_rm(const char *root, const char *name, struct hull_err **err)
{
	if (!strcmp(name, NET_DEFAULT_NAME) || !strcmp(name, "none") || !strcmp(name, "host"))
		return hull_err_set(err, EPERM, "%s is a pre-defined network and cannot be removed", name);
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	if (net_reconcile_locked(root, err) < 0)
		return -1;
	struct net_network n;
	if (net_network_load(root, name, &n, err) < 0)
		return -1;
	int users = net_network_count(root, name, err);
	if (users < 0)
		return -1;
	if (users)
		return hull_err_set(err, EBUSY, "network %s has %d active endpoint%s", name, users, users > 1 ? "s" : "");
	if (net_network_remove(root, name, err) < 0)
		return -1;
	_cleanup_nl_ struct nl *host = nl_open(-1, err);
	if (!host || nl_link_del(host, n.bridge, err) < 0)
		return -1;
	/* its rules went with its bridge */
	return net_sync(root, err);
}

json_t *net_network_inspect(const char *root, const char *name, struct hull_err **err)
{
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return NULL;
	struct net_network n;
	if (net_network_load(root, name, &n, err) < 0)
		return NULL;
	json_t *j = net_network_to_json(&n);
	json_t *containers = json_object();
	struct net_container *cs;
	size_t n_cs;
	if (net_load_all(root, &cs, &n_cs, err) < 0)
		return json_decref(j), NULL;
	char a[16];
	for (size_t i = 0; i < n_cs; i++)
		for (size_t k = 0; k < cs[i].n_eps; k++)
			if (!strcmp(cs[i].eps[k].network, name)) {
				char *ip = xasprintf("%s/%d", ipam_fmt(cs[i].eps[k].ip, a), n.subnet.prefix);
				json_object_set_new(containers, cs[i].id,
						    json_pack("{s:s, s:s, s:s}", "Name", cs[i].name, "IPv4Address", ip,
							      "HostVeth", cs[i].eps[k].host_veth));
				free(ip);
			}
	net_free_all(cs, n_cs);
	json_object_set_new(j, "Containers", containers);
	/* What the kernel has, not what the records say. */
	_cleanup_nl_ struct nl *host = nl_open(-1, err);
	if (!host)
		return json_decref(j), NULL;
	json_t *links = nl_dump_links(host, err), *addrs = links ? nl_dump_addrs(host, err) : NULL;
	if (!addrs) {
		json_decref(links);
		return json_decref(j), NULL;
	}
	json_t *bridge = json_null(), *veths = json_array();
	json_int_t bidx = -1;
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l) if (!strcmp(json_string_value(json_object_get(l, "name")) ?: "", n.bridge)) {
		bridge = json_deep_copy(l);
		bidx = json_integer_value(json_object_get(l, "index"));
		json_t *ba = json_array(), *ad;
		size_t k;
		json_array_foreach(addrs, k, ad) if (json_integer_value(json_object_get(ad, "ifindex")) == bidx)
			json_array_append(ba, ad);
		json_object_set_new(bridge, "addresses", ba);
	}
	json_array_foreach(links, i, l) if (bidx > 0 && json_integer_value(json_object_get(l, "master")) == bidx)
		json_array_append(veths, l);
	json_decref(links);
	json_decref(addrs);
	json_object_set_new(j, "BridgeLink", bridge);
	json_object_set_new(j, "Veths", veths);
	_cleanup_free_ char *rules = net_nft_list(err);
	if (!rules)
		return json_decref(j), NULL;
	json_object_set_new(j, "NftRules", json_string(rules));
	return j;
}

int net_find_container(const char *root, const char *key, struct net_container *out, struct hull_err **err)
{
	struct net_container *cs;
	size_t n;
	if (net_load_all(root, &cs, &n, err) < 0)
		return -1;
	ssize_t hit = -1;
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(cs[i].id, key) || !strcmp(cs[i].name, key)) {
			hit = (ssize_t)i;
			hits = 1;
			break;
		}
		if (!strncmp(cs[i].id, key, strlen(key))) {
			hit = (ssize_t)i;
			hits++;
		}
	}
	int ret = 0;
	if (hits != 1)
		ret = hull_err_set(err, hits ? 0 : ENOENT, hits ? "container %s is ambiguous" : "no such container: %s", key);
	else {
		*out = cs[hit];
		memset(&cs[hit], 0, sizeof(cs[hit]));
	}
	net_free_all(cs, n);
	return ret;
}

int net_connect(const char *root, const char *network, const char *container, const char *ip, char **aliases,
		size_t n_aliases, struct hull_err **err)
{
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0 || net_reconcile_locked(root, err) < 0)
		return -1;
	struct net_network n;
	struct net_container c;
	if (net_network_load(root, network, &n, err) < 0)
		return hull_err_wrap(err, "network connect");
	if (net_find_container(root, container, &c, err) < 0)
		return hull_err_wrap(err, "network connect");
	int ret = -1;
	char nspath[64];
	_cleanup_fd_ int nsfd = -1;
	_cleanup_nl_ struct nl *host = NULL;
	if (c.mode != NET_MODE_BRIDGE || !c.attached || !net_proc_alive(c.pid, c.pid_start)) {
		hull_err_set(err, 0, "container %s is not running on a bridge network", container);
		goto out;
	}
	for (size_t i = 0; i < c.n_eps; i++)
		if (!strcmp(c.eps[i].network, network)) {
			hull_err_set(err, EEXIST, "container %s is already connected to network %s", container, network);
			goto out;
		}
	struct net_endpoint e = { 0 };
	snprintf(e.network, sizeof(e.network), "%s", network);
	net_veth_name(c.id, network, e.host_veth);
	for (int k = 0;; k++) { /* the lowest free ethN */
		snprintf(e.ifname, sizeof(e.ifname), "eth%d", k);
		bool used = false;
		for (size_t i = 0; i < c.n_eps; i++)
			used |= !strcmp(c.eps[i].ifname, e.ifname);
		if (!used)
			break;
	}
	if (strcmp(network, NET_DEFAULT_NAME) == 0 && ip) {
		hull_err_set(err, 0, "--ip: user specified IP address is supported on user defined networks only");
		goto out;
	}
	if (net_alloc_ip(root, &n, ip, &e.ip, err) < 0)
		goto out;
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)c.pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		hull_err_sys(err, "open %s", nspath);
		goto out;
	}
	host = nl_open(-1, err);
	if (!host || net_plumb(host, nsfd, &n, c.id, &e, c.n_eps == 0, err) < 0)
		goto out;
	for (size_t i = 0; i < n_aliases; i++) {
		e.aliases = xrealloc(e.aliases, (e.n_aliases + 1) * sizeof(char *));
		e.aliases[e.n_aliases++] = xstrdup(aliases[i]);
	}
	c.eps = xrealloc(c.eps, (c.n_eps + 1) * sizeof(*c.eps));
	c.eps[c.n_eps++] = e;
	if (net_container_save(root, &c, err) < 0 || net_sync(root, err) < 0 || net_write_files(root, &c, false, err) < 0) {
		nl_link_del(host, e.host_veth, NULL);
		goto out;
	}
	net_refresh_peers(root, &c);
	ret = 0;
out:
	net_container_clear(&c);
	if (ret < 0)
		hull_err_wrap(err, "network connect %s %s", network, container);
	return ret;
}

int net_disconnect(const char *root, const char *network, const char *container, struct hull_err **err)
{
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0 || net_reconcile_locked(root, err) < 0)
		return -1;
	struct net_container c;
	if (net_find_container(root, container, &c, err) < 0)
		return hull_err_wrap(err, "network disconnect");
	int ret = -1;
	size_t i;
	_cleanup_nl_ struct nl *host = NULL;
	for (i = 0; i < c.n_eps; i++)
		if (!strcmp(c.eps[i].network, network))
			break;
	if (i == c.n_eps) {
		hull_err_set(err, ENOENT, "container %s is not connected to network %s", container, network);
		goto out;
	}
	host = nl_open(-1, err);
	if (!host || nl_link_del(host, c.eps[i].host_veth, err) < 0)
		goto out;
	/* Peers on that network must forget this address (refreshed below, from the updated records). */
	struct net_endpoint e = c.eps[i];
	memmove(&c.eps[i], &c.eps[i + 1], (c.n_eps - i - 1) * sizeof(*c.eps));
	c.n_eps--;
	if (net_container_save(root, &c, err) < 0 || net_sync(root, err) < 0 || net_write_files(root, &c, false, err) < 0) {
		net_strv_free(e.aliases, e.n_aliases);
		goto out;
	}
	struct net_container only = { 0 };
	snprintf(only.id, sizeof(only.id), "%s", c.id);
	only.eps = &e;
	only.n_eps = 1;
	net_refresh_peers(root, &only);
	net_strv_free(e.aliases, e.n_aliases);
	ret = 0;
out:
	net_container_clear(&c);
	if (ret < 0)
		hull_err_wrap(err, "network disconnect %s %s", network, container);
	return ret;
}

json_t *net_inspect_container(const char *root, const char *id, struct hull_err **err)
{
	struct net_container c;
	if (net_container_load(root, id, &c, err) < 0)
		return NULL;
	json_t *j = net_container_to_json(&c);
	if (c.attached && net_proc_alive(c.pid, c.pid_start) && c.mode != NET_MODE_HOST) {
		char nspath[64];
		snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)c.pid);
		_cleanup_fd_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
		_cleanup_nl_ struct nl *ct = nsfd >= 0 ? nl_open(nsfd, err) : NULL;
		if (!ct) {
			if (nsfd < 0)
				hull_err_sys(err, "open %s", nspath);
			net_container_clear(&c);
			return json_decref(j), NULL;
		}
		json_t *v;
		if ((v = nl_dump_links(ct, err)))
			json_object_set_new(j, "Interfaces", v);
		if ((v = nl_dump_addrs(ct, err)))
			json_object_set_new(j, "Addresses", v);
		if ((v = nl_dump_routes(ct, err)))
			json_object_set_new(j, "Routes", v);
	}
	net_container_clear(&c);
	return j;
}

json_t *net_settings(const char *root, const char *id)
{
	struct net_container c;
	json_t *out = json_object();
	if (net_container_load(root, id, &c, NULL) < 0)
		return out;
	char a[16], g[16], m[18];
	json_t *nets = json_object(), *ports = json_object();
	for (size_t i = 0; i < c.n_eps; i++) {
		const struct net_endpoint *e = &c.eps[i];
		struct net_network n;
		if (net_network_load(root, e->network, &n, NULL) < 0)
			continue;
		uint8_t mac[6];
		ipam_mac(e->ip, mac);
		snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		json_t *al = json_array();
		for (size_t k = 0; k < e->n_aliases; k++)
			json_array_append_new(al, json_string(e->aliases[k]));
		json_object_set_new(nets, e->network,
				    json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "IPAddress", ipam_fmt(e->ip, a), "Gateway",
					      ipam_fmt(n.gateway, g), "IPPrefixLen", n.subnet.prefix, "MacAddress", m,
					      "NetworkID", n.id, "Aliases", al));
		if (i == 0) {
			json_object_set_new(out, "IPAddress", json_string(a));
			json_object_set_new(out, "Gateway", json_string(g));
			json_object_set_new(out, "IPPrefixLen", json_integer(n.subnet.prefix));
			json_object_set_new(out, "MacAddress", json_string(m));
		}
	}
	if (c.mode == NET_MODE_CNI && c.cni_result) {
		uint32_t ip = net_cni_result_ip(c.cni_result);
		if (ip)
			json_object_set_new(out, "IPAddress", json_string(ipam_fmt(ip, a)));
		json_object_set(out, "CNIResult", c.cni_result);
	}
	for (size_t i = 0; i < c.n_ports; i++) {
		const struct net_port *p = &c.ports[i];
		char key[16], hp[8];
		snprintf(key, sizeof(key), "%u/%s", p->container_port, net_proto_name(p->proto));
		snprintf(hp, sizeof(hp), "%u", p->host_port);
		json_t *arr = json_object_get(ports, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(ports, key, arr);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp", ipam_fmt(p->host_ip, a), "HostPort", hp));
	}
	json_object_set_new(out, "Networks", nets);
	json_object_set_new(out, "Ports", ports);
	net_container_clear(&c);
	json_t *k = net_inspect_container(root, id, NULL);
	static const char *const keys[] = { "Interfaces", "Addresses", "Routes" };
	for (size_t i = 0; k && i < 3; i++)
		if (json_object_get(k, keys[i]))
			json_object_set(out, keys[i], json_object_get(k, keys[i]));
	json_decref(k);
	return out;
}

int net_prune(const char *root, char ***removed, size_t *n_removed, struct hull_err **err)
{
	*removed = NULL;
	*n_removed = 0;
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0 || net_reconcile_locked(root, err) < 0)
		return -1;
	struct net_network *nets;
	size_t n;
	if (net_network_list(root, &nets, &n, err) < 0)
		return -1;
	_cleanup_nl_ struct nl *host = nl_open(-1, err);
	int ret = host ? 0 : -1;
	for (size_t i = 0; host && i < n && ret == 0; i++) {
		int users = net_network_count(root, nets[i].name, err);
		if (users != 0) {
			ret = users < 0 ? -1 : 0;
			continue;
		}
		if (nl_link_del(host, nets[i].bridge, err) < 0) {
			ret = -1;
			break;
		}
		if (i == 0) /* the default network stays defined; only its idle bridge goes */
			continue;
		if (net_network_remove(root, nets[i].name, err) < 0) {
			ret = -1;
			break;
		}
		*removed = xrealloc(*removed, (*n_removed + 1) * sizeof(char *));
		(*removed)[(*n_removed)++] = xstrdup(nets[i].name);
	}
	free(nets);
	/* the rules of the networks whose bridge went; the table itself when no bridge is left */
	if (net_sync(root, ret < 0 ? NULL : err) < 0)
		ret = -1;
	return ret;
}

char *net_ports_text(const char *root, const char *id)
{
	struct net_container c;
	if (net_container_load(root, id, &c, NULL) < 0)
		return xstrdup("");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	char a[16];
	for (size_t i = 0; i < c.n_ports; i++)
		fprintf(f, "%s%s:%u->%u/%s", i ? ", " : "", ipam_fmt(c.ports[i].host_ip, a), c.ports[i].host_port,
			c.ports[i].container_port, net_proto_name(c.ports[i].proto));
	fclose(f);
	net_container_clear(&c);
	return buf;
}
