/* plumb.c — the kernel side of a bridge endpoint (see net.h): the bridge, the veth pair, addresses,
 * routes and the two sysctls, in the netns hull runs in and the container's. */
#include "net/internal.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_sysctl(const char *path, const char *want, struct hull_err **err)
{
	_cleanup_free_ char *cur = fs_read_file_at(AT_FDCWD, path, NULL, NULL);
	if (cur && cur[0] == want[0])
		return 0;
	uint64_t t = trace_begin();
	if (fs_write_file_at(AT_FDCWD, path, want, err) < 0)
		return -1;
	trace_end(t, "sysctl %s = %s", path, want);
	return 0;
}

char *net_route_clash(struct nl *host, const struct ipam_subnet *sn, const char *except)
{
	json_t *routes = nl_dump_routes(host, NULL), *links = routes ? nl_dump_links(host, NULL) : NULL;
	char *out = NULL;
	size_t i, k;
	json_t *r, *l;
	json_array_foreach(routes, i, r) {
		const char *dst = json_string_value(json_object_get(r, "dst"));
		const char *fam = json_string_value(json_object_get(r, "family"));
		struct ipam_subnet rs;
		char buf[24];
		if (!dst || !fam || strcmp(fam, "inet") || !strcmp(dst, "default"))
			continue;
		snprintf(buf, sizeof(buf), "%s", dst);
		char *slash = strchr(buf, '/');
		if (!slash)
			continue;
		*slash = 0;
		if (ipam_parse_addr(buf, &rs.net, NULL) < 0)
			continue;
		rs.prefix = atoi(slash + 1);
		rs.net &= ipam_mask(rs.prefix);
		if (rs.prefix < 1 || !ipam_overlaps(&rs, sn))
			continue;
		const char *dev = "?";
		json_int_t oif = json_integer_value(json_object_get(r, "ifindex"));
		json_array_foreach(links, k, l) if (json_integer_value(json_object_get(l, "index")) == oif)
			dev = json_string_value(json_object_get(l, "name")) ?: "?";
		if (except && !strcmp(dev, except))
			continue;
		out = xasprintf("%s dev %s", dst, dev);
		break;
	}
	json_decref(routes);
	json_decref(links);
	return out;
}

static int ensure_bridge(struct nl *host, const struct net_network *n, struct hull_err **err)
{
	int idx = nl_link_index(host, n->bridge, err);
	if (idx < 0)
		return -1;
	if (idx == 0) {
		char sn[19];
		_cleanup_free_ char *clash = net_route_clash(host, &n->subnet, n->bridge);
		if (clash)
			return hull_err_set(err, EADDRINUSE, "network %s: subnet %s overlaps the route %s (another bridge "
					    "or network uses it: give the network another --subnet)", n->name,
					    ipam_fmt_subnet(&n->subnet, sn), clash);
		if (nl_bridge_add(host, n->bridge, n->mtu, err) < 0)
			return -1;
		idx = nl_link_index(host, n->bridge, err);
		if (idx <= 0)
			return idx < 0 ? -1 : hull_err_set(err, ENODEV, "bridge %s vanished", n->bridge);
	}
	struct in_addr gw = { htonl(n->gateway) };
	if (nl_addr_add(host, n->bridge, gw, n->subnet.prefix, err) < 0 || nl_link_set(host, n->bridge, -1, true, err) < 0)
		return -1;
	/* Published ports on 127.0.0.1 leave through the bridge with a loopback source; only this
	 * interface is opened to that. Forwarding is enabled in the netns hull runs in, as docker does. */
	_cleanup_free_ char *rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
	if (write_sysctl(rl, "1", err) < 0)
		return -1;
	if (write_sysctl("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
		return -1;
	return idx;
}

int net_plumb(struct nl *host, int nsfd, const struct net_network *n, const char *cid, struct net_endpoint *e,
	      bool default_route, struct hull_err **err)
{
	int br = ensure_bridge(host, n, err);
	if (br < 0)
		return -1;
	uint8_t mac[6];
	_cleanup_nl_ struct nl *ct = NULL;
	int peer_index = 0;
	ipam_mac(e->ip, mac);
	if (nl_veth_add(host, e->host_veth, e->ifname, nsfd, n->mtu, mac, br, &peer_index, err) < 0)
		return -1;
	ct = nl_open(nsfd, err);
	if (!ct)
		goto undo;
	struct in_addr ip = { htonl(e->ip) }, gw = { default_route ? htonl(n->gateway) : 0 };
	if (nl_iface_setup(ct, e->ifname, peer_index, ip, n->subnet.prefix, gw, err) < 0)
		goto undo;
	return 0;
undo:
	/* Deleting one end of a veth pair deletes both. */
	nl_link_del(host, e->host_veth, NULL);
	return hull_err_wrap(err, "network %s", n->name);
}
