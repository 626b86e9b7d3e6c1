/* net.c — see net.h: a container's network life (prepare, attach, release, reconcile). */
#include "net/net.h"
#include "net/files.h"
#include "net/internal.h"
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static bool valid_id(const char *s)
{
	size_t l = strlen(s);
	if (!l || l > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == l;
}

char *net_file_path(const char *root, const char *id, const char *file)
{
	_cleanup_free_ char *rel = xasprintf("containers/%s%s%s", id, *file ? "/" : "", file);
	return net_store_path(root, rel);
}

/* ---- processes ---- */

unsigned long long net_proc_start(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = pid > 0 ? fs_read_file_at(AT_FDCWD, path, NULL, NULL) : NULL;
	if (!s)
		return 0;
	char *p = strrchr(s, ')'); /* comm may hold spaces and parentheses */
	if (!p)
		return 0;
	unsigned long long v = 0;
	/* after ") ": state(3) … starttime(22): skip 19 fields */
	p += 2;
	for (int i = 0; i < 19 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		sscanf(p, "%llu", &v);
	return v;
}

bool net_proc_alive(pid_t pid, unsigned long long start)
{
	return pid > 0 && start && net_proc_start(pid) == start;
}

int net_load_all(const char *root, struct net_container **out, size_t *n, struct hull_err **err)
{
	char **ids;
	size_t n_ids;
	if (net_container_ids(root, &ids, &n_ids, err) < 0)
		return -1;
	*out = xcalloc(n_ids + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < n_ids; i++)
		if (net_container_load(root, ids[i], &(*out)[*n], NULL) == 0)
			(*n)++;
	net_strv_free(ids, n_ids);
	return 0;
}

void net_free_all(struct net_container *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_container_clear(&cs[i]);
	free(cs);
}

void net_veth_name(const char *cid, const char *network, char out[16])
{
	uint32_t h = 2166136261u; /* FNV-1a: short, stable, unique enough for a host's containers */
	for (const char *p = cid; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = network; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(out, 16, "hullv%08x", h);
}

/* ---- the kernel side ---- */

int net_sync(const char *root, struct hull_err **err)
{
	struct net_network *nets = NULL;
	size_t n_nets = 0, n_cs = 0;
	struct net_container *cs = NULL;
	_cleanup_free_ bool *active = NULL;
	_cleanup_free_ char *rules = NULL, *state = NULL;
	_cleanup_nl_ struct nl *host = NULL;
	int ret = -1;
	if (net_network_list(root, &nets, &n_nets, err) < 0 || net_load_all(root, &cs, &n_cs, err) < 0)
		goto out;
	/* A network's rules stay while its bridge does (bridges stay while their network exists, as docker0
	 * does: deleting one costs tens of milliseconds of RCU grace periods on every last container's exit),
	 * so that a container coming or going changes nothing in nftables unless it publishes ports.
	 * `hull network rm` and `prune` remove bridges, and with them their rules. */
	active = xcalloc(n_nets + 1, sizeof(bool));
	for (size_t i = 0; i < n_nets; i++) {
		if (!host && !(host = nl_open(-1, err)))
			goto out;
		int idx = nl_link_index(host, nets[i].bridge, err);
		if (idx < 0)
			goto out;
		active[i] = idx > 0;
	}
	rules = net_nft_rules(nets, active, n_nets, cs, n_cs);
	state = net_store_path(root, "nft.state");
	ret = net_nft_apply(state, rules, err);
out:
	free(nets);
	net_free_all(cs, n_cs);
	return ret;
}

void net_refresh_peers(const char *root, const struct net_container *c)
{
	struct net_container *cs = NULL;
	size_t n = 0;
	if (net_load_all(root, &cs, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(cs[i].id, c->id))
			continue;
		bool shares = false;
		for (size_t j = 0; j < cs[i].n_eps; j++)
			for (size_t k = 0; k < c->n_eps; k++)
				shares |= !strcmp(cs[i].eps[j].network, c->eps[k].network);
		struct hull_err *e = NULL;
		if (shares && net_write_files(root, &cs[i], false, &e) < 0) {
			log_warn("hosts of %s: %s", cs[i].id, e->msg);
			hull_err_free(e);
		}
	}
	net_free_all(cs, n);
}

int net_alloc_ip(const char *root, const struct net_network *n, const char *want, uint32_t *out,
		 struct hull_err **err)
{
	struct net_container *cs = NULL;
	size_t n_cs = 0;
	if (net_load_all(root, &cs, &n_cs, err) < 0)
		return -1;
	uint32_t *used = NULL;
	size_t n_used = 0;
	for (size_t i = 0; i < n_cs; i++)
		for (size_t j = 0; j < cs[i].n_eps; j++)
			if (!strcmp(cs[i].eps[j].network, n->name)) {
				used = xrealloc(used, (n_used + 1) * sizeof(*used));
				used[n_used++] = cs[i].eps[j].ip;
			}
	net_free_all(cs, n_cs);
	struct net_draining *dr = NULL;
	size_t n_dr = 0;
	if (net_draining_list(root, &dr, &n_dr, NULL) == 0)
		for (size_t i = 0; i < n_dr; i++)
			if (!strcmp(dr[i].network, n->name)) {
				used = xrealloc(used, (n_used + 1) * sizeof(*used));
				used[n_used++] = dr[i].ip;
			}
	free(dr);
	int ret = 0;
	char a[16], sn[19];
	if (want) {
		uint32_t ip;
		if (ipam_parse_addr(want, &ip, err) < 0) {
			ret = -1;
		} else if (!ipam_is_host(&n->subnet, ip) || ip == n->gateway) {
			ret = hull_err_set(err, 0, "--ip %s: not a free host address of network %s (%s, gateway %s)", want,
					   n->name, ipam_fmt_subnet(&n->subnet, sn), ipam_fmt(n->gateway, a));
		} else {
			for (size_t i = 0; i < n_used; i++)
				if (used[i] == ip)
					ret = hull_err_set(err, EADDRINUSE, "--ip %s: address already in use on network %s",
							   want, n->name);
			*out = ip;
		}
	} else {
		*out = ipam_pick(&n->subnet, n->gateway, used, n_used);
		if (!*out)
			ret = hull_err_set(err, ENOSPC, "network %s: no free address left in %s", n->name,
					   ipam_fmt_subnet(&n->subnet, sn));
	}
	free(used);
	return ret;
}

/* ---- ports ---- */

static bool port_clash(const struct net_port *a, const struct net_port *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       (!a->host_ip || !b->host_ip || a->host_ip == b->host_ip);
}

/* A port nobody on this host listens on (hull does not bind published ports, so check both the
 * records and the kernel's sockets by binding once). */
static bool port_free_on_host(const struct net_port *p)
{
	int fd = socket(AF_INET, (p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->host_port),
				  .sin_addr.s_addr = htonl(p->host_ip) };
	bool ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int assign_ports(struct net_container *c, const struct net_container *cs, size_t n_cs, struct hull_err **err)
{
	for (size_t i = 0; i < c->n_ports; i++) {
		struct net_port *p = &c->ports[i];
		bool pick = p->host_port == 0;
		unsigned tries = 0, base = 32768 + (unsigned)((getpid() * 7919u + (unsigned)time(NULL) + i) % 28232u);
		for (;;) {
			if (pick) {
				if (++tries > 28232)
					return hull_err_set(err, EADDRINUSE, "no free host port left for %u/%s",
							    p->container_port, net_proto_name(p->proto));
				p->host_port = (uint16_t)(32768 + (base + tries) % 28232u);
			}
			bool clash = false;
			for (size_t j = 0; j < n_cs && !clash; j++)
				for (size_t k = 0; k < cs[j].n_ports && !clash; k++)
					clash = strcmp(cs[j].id, c->id) && port_clash(p, &cs[j].ports[k]);
			for (size_t k = 0; k < i && !clash; k++)
				clash = port_clash(p, &c->ports[k]);
			if (!clash && pick && !port_free_on_host(p))
				clash = true;
			if (!clash)
				break;
			if (!pick) {
				char a[16];
				return hull_err_set(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
						    ipam_fmt(p->host_ip, a), p->host_port);
			}
		}
	}
	return 0;
}

/* ---- endpoints the kernel deletes ---- */

/* A container's veth pair dies with its network namespace: the kernel's namespace cleanup (a worker,
 * batched) deletes it at no cost to hull, while an RTM_DELLINK first would make the caller wait for RCU
 * grace periods (13-40 ms measured here, holding the RTNL lock part of that time) only for the namespace's
 * own cleanup to wait for more. So the release of a container that is gone leaves its veth to the kernel
 * and records a marker (store.h) that keeps the address taken until the veth is gone (a dying namespace
 * can still answer ARP for it for a few milliseconds). Right after a short container's exit the kernel
 * still reports its namespace alive for a few milliseconds (measured: 2-13 ms after /bin/true; never for a
 * container that ran 200 ms: some reference of it is dropped after an RCU grace period), so the release
 * trusts the container's death; draining_settle deletes a veth whose namespace is still alive a second
 * later (something else holds it: a container sharing it, a user's nsenter). */
#define DRAINING_GRACE_S 1

static bool container_live(const struct net_container *c);

static int release_endpoint(const char *root, struct nl *host, const struct net_endpoint *e, bool gone,
			    struct hull_err **err)
{
	uint64_t t = trace_begin();
	enum nl_peer st = nl_link_peer(host, e->host_veth, err);
	if (st == NL_PEER_ERROR)
		return -1;
	if (st == NL_PEER_NO_LINK)
		return 0;
	if ((st == NL_PEER_DYING || gone) && net_draining_save(root, e, NULL) == 0) {
		trace_end(t, "network: %s left to go with its namespace (%s)", e->host_veth,
			  st == NL_PEER_DYING ? "going" : "its last process exited");
		return 0;
	}
	if (nl_link_del(host, e->host_veth, err) < 0)
		return -1;
	trace_end(t, "netlink: delete %s", e->host_veth);
	return 0;
}

/* Forget the markers whose veth is gone, delete the veths whose namespace outlived the grace period.
 * wait_ms: wait that long for the others, then delete what is left: nothing stays in the kernel's hands. */
static int draining_settle(const char *root, int wait_ms, struct hull_err **err)
{
	struct net_draining *dr = NULL;
	size_t n = 0;
	if (net_draining_list(root, &dr, &n, err) < 0)
		return -1;
	if (!n)
		return 0;
	int ret = 0;
	_cleanup_nl_ struct nl *host = nl_open(-1, err);
	if (!host)
		ret = -1;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (size_t left = n; host && left;) {
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (!dr[i].veth[0])
				continue;
			enum nl_peer st = nl_link_peer(host, dr[i].veth, NULL);
			bool stale = st == NL_PEER_ALIVE && time(NULL) - dr[i].since > DRAINING_GRACE_S;
			if (st == NL_PEER_NO_LINK || (stale && nl_link_del(host, dr[i].veth, NULL) == 0)) {
				net_draining_remove(root, dr[i].veth);
				dr[i].veth[0] = 0;
			} else {
				left++;
			}
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (!left || ms >= wait_ms)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	for (size_t i = 0; host && wait_ms && i < n; i++)
		if (dr[i].veth[0]) {
			if (nl_link_del(host, dr[i].veth, err) < 0)
				ret = -1;
			else
				net_draining_remove(root, dr[i].veth);
		}
	free(dr);
	return ret;
}

/* An endpoint about to be made again under the same veth name (a container restarted within milliseconds
 * of its exit): the old pair must go first. */
static int draining_take(const char *root, struct nl *host, const char *veth, struct hull_err **err)
{
	_cleanup_free_ char *rel = xasprintf("draining/%s", veth);
	_cleanup_free_ char *path = net_store_path(root, rel);
	if (access(path, F_OK) < 0)
		return 0;
	if (nl_link_del(host, veth, err) < 0)
		return -1;
	net_draining_remove(root, veth);
	return 0;
}

/* ---- prepare / attach / release ---- */

static int parse_mode(const char *root, const char *spec, struct net_container *c, struct net_network *n,
		      struct hull_err **err)
{
	if (!spec || !strcmp(spec, "bridge") || !strcmp(spec, "default")) {
		c->mode = NET_MODE_BRIDGE;
		net_network_default(n);
		return 0;
	}
	if (!strcmp(spec, "none")) {
		c->mode = NET_MODE_NONE;
	} else if (!strcmp(spec, "host")) {
		c->mode = NET_MODE_HOST;
	} else if (!strncmp(spec, "container:", 10)) {
		if (!spec[10])
			return hull_err_set(err, 0, "--network container: needs a container name or id");
		c->mode = NET_MODE_CONTAINER;
		snprintf(c->mode_arg, sizeof(c->mode_arg), "%s", spec + 10);
	} else if (!strncmp(spec, "cni:", 4)) {
		if (!valid_id(spec + 4))
			return hull_err_set(err, 0, "--network %s: invalid CNI network name", spec);
		c->mode = NET_MODE_CNI;
		snprintf(c->mode_arg, sizeof(c->mode_arg), "%s", spec + 4);
	} else {
		if (!valid_id(spec))
			return hull_err_set(err, 0, "--network: invalid network name \"%s\"", spec);
		c->mode = NET_MODE_BRIDGE;
		if (net_network_load(root, spec, n, err) < 0)
			return hull_err_wrap(err, "--network");
	}
	return 0;
}

static int mode_allows(const struct net_container *c, const struct net_network *n, const struct net_config *cfg,
		       struct hull_err **err)
{
	if (cfg->ip && (c->mode != NET_MODE_BRIDGE || !strcmp(n->name, NET_DEFAULT_NAME)))
		return hull_err_set(err, 0, "--ip: user specified IP address is supported on user defined networks only");
	if ((cfg->n_ports || cfg->publish_all) && c->mode != NET_MODE_BRIDGE)
		return hull_err_set(err, 0, "-p/-P: published ports need a bridge network (not --network %s)",
				    cfg->network);
	if (cfg->n_aliases && (c->mode != NET_MODE_BRIDGE || !strcmp(n->name, NET_DEFAULT_NAME)))
		return hull_err_set(err, 0, "--network-alias: only on user defined networks");
	return 0;
}

int net_config_check(const char *root, const struct net_config *cfg, struct hull_err **err)
{
	struct net_container c = { 0 };
	struct net_network n;
	int r = parse_mode(root, cfg->network, &c, &n, err) < 0 || mode_allows(&c, &n, cfg, err) < 0 ? -1 : 0;
	if (r == 0 && c.mode == NET_MODE_CNI && net_cni_lookup(root, c.mode_arg, err) < 0)
		r = hull_err_wrap(err, "--network %s", cfg->network);
	net_container_clear(&c);
	return r;
}

int net_prepare(const char *root, const char *id, const char *name, const struct net_config *cfg,
		const char *files_dir, struct hull_err **err)
{
	if (!valid_id(id))
		return hull_err_set(err, 0, "invalid container id \"%s\"", id);
	uint64_t t = trace_begin();
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	if (net_reconcile_locked(root, err) < 0)
		return -1;
	struct net_container c = { 0 };
	struct net_network n;
	struct net_container *cs = NULL;
	size_t n_cs = 0;
	int ret = -1;
	{
		struct net_container old;
		if (net_container_load(root, id, &old, NULL) == 0) {
			net_container_clear(&old);
			return hull_err_set(err, EEXIST, "container %s already has a network record", id);
		}
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
	c.files_dir = files_dir ? xstrdup(files_dir) : NULL;
	if (parse_mode(root, cfg->network, &c, &n, err) < 0 || mode_allows(&c, &n, cfg, err) < 0)
		goto out;
	if (cfg->hostname)
		snprintf(c.hostname, sizeof(c.hostname), "%s", cfg->hostname);
	else if (c.mode == NET_MODE_HOST)
		gethostname(c.hostname, sizeof(c.hostname) - 1);
	else
		snprintf(c.hostname, sizeof(c.hostname), "%.12s", id);
	for (size_t i = 0; i < cfg->n_dns; i++)
		net_strv_add(&c.dns, &c.n_dns, cfg->dns[i]);
	for (size_t i = 0; i < cfg->n_add_hosts; i++)
		net_strv_add(&c.add_hosts, &c.n_add_hosts, cfg->add_hosts[i]);
	if (c.mode == NET_MODE_BRIDGE) {
		c.eps = xcalloc(1, sizeof(*c.eps));
		c.n_eps = 1;
		struct net_endpoint *e = &c.eps[0];
		snprintf(e->network, sizeof(e->network), "%s", n.name);
		snprintf(e->ifname, sizeof(e->ifname), "eth0");
		net_veth_name(id, n.name, e->host_veth);
		for (size_t i = 0; i < cfg->n_aliases; i++)
			net_strv_add(&e->aliases, &e->n_aliases, cfg->aliases[i]);
		if (net_alloc_ip(root, &n, cfg->ip, &e->ip, err) < 0)
			goto out;
		if (cfg->n_ports) {
			c.ports = xcalloc(cfg->n_ports, sizeof(*c.ports));
			memcpy(c.ports, cfg->ports, cfg->n_ports * sizeof(*c.ports));
			c.n_ports = cfg->n_ports;
		}
		for (size_t i = 0; cfg->publish_all && i < cfg->n_exposed; i++) {
			struct net_port p;
			if (net_port_parse_exposed(cfg->exposed[i], &p, err) < 0)
				goto out;
			bool have = false;
			for (size_t k = 0; k < c.n_ports; k++)
				have |= c.ports[k].container_port == p.container_port && c.ports[k].proto == p.proto;
			if (have)
				continue;
			c.ports = xrealloc(c.ports, (c.n_ports + 1) * sizeof(*c.ports));
			c.ports[c.n_ports++] = p;
		}
		if (net_load_all(root, &cs, &n_cs, err) < 0 || assign_ports(&c, cs, n_cs, err) < 0)
			goto out;
	}
	c.owner = getpid();
	c.owner_start = net_proc_start(c.owner);
	if (net_container_save(root, &c, err) < 0 || net_write_files(root, &c, true, err) < 0) {
		net_container_remove(root, id, NULL);
		goto out;
	}
	ret = 0;
out:
	net_free_all(cs, n_cs);
	net_container_clear(&c);
	if (ret < 0)
		hull_err_wrap(err, "network setup of %s", id);
	trace_end(t, "network: prepare %s (--network %s)", id, cfg->network ? cfg->network : "bridge");
	return ret;
}

int net_attach(const char *root, const char *id, pid_t pid, struct hull_err **err)
{
	uint64_t t = trace_begin();
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	struct net_container c;
	if (net_container_load(root, id, &c, err) < 0)
		return hull_err_wrap(err, "network attach of %s (was net_prepare called?)", id);
	int ret = -1;
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	_cleanup_fd_ int nsfd = -1;
	if (c.mode != NET_MODE_HOST && c.mode != NET_MODE_CONTAINER) {
		nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			hull_err_sys(err, "open %s", nspath);
			goto fail;
		}
	}
	c.pid = pid;
	c.pid_start = net_proc_start(pid);
	if (c.mode == NET_MODE_BRIDGE) {
		_cleanup_nl_ struct nl *host = nl_open(-1, err);
		if (!host)
			goto fail;
		for (size_t i = 0; i < c.n_eps; i++) {
			struct net_network n;
			if (net_network_load(root, c.eps[i].network, &n, err) < 0 ||
			    draining_take(root, host, c.eps[i].host_veth, err) < 0 ||
			    net_plumb(host, nsfd, &n, c.id, &c.eps[i], i == 0, err) < 0)
				goto fail;
		}
	} else if (c.mode == NET_MODE_NONE) {
		_cleanup_nl_ struct nl *ct = nl_open(nsfd, err);
		if (!ct || nl_link_set(ct, "lo", -1, true, err) < 0)
			goto fail;
	} else if (c.mode == NET_MODE_CNI) {
		if (net_cni_add(root, &c, nspath, err) < 0)
			goto fail;
		/* The hosts file learns the address only now. */
		if (net_write_files(root, &c, false, err) < 0)
			goto fail;
	}
	c.attached = true;
	if (net_container_save(root, &c, err) < 0 || net_sync(root, err) < 0)
		goto fail;
	net_refresh_peers(root, &c);
	ret = 0;
	trace_end(t, "network: attach %s to the netns of %d", id, (int)pid);
	goto out;
fail:
	hull_err_wrap(err, "network attach of %s", id);
	net_release_locked(root, &c, NULL);
out:
	net_container_clear(&c);
	return ret;
}

int net_release_locked(const char *root, struct net_container *c, struct hull_err **err)
{
	int ret = 0;
	_cleanup_nl_ struct nl *host = NULL;
	if (c->n_eps && !(host = nl_open(-1, err)))
		ret = -1;
	bool gone = !container_live(c);
	for (size_t i = 0; host && i < c->n_eps; i++)
		if (release_endpoint(root, host, &c->eps[i], gone, err) < 0)
			ret = -1;
	if (c->mode == NET_MODE_CNI && c->cni_result && net_cni_del(root, c, err) < 0)
		ret = -1;
	if (ret < 0)
		return hull_err_wrap(err, "network release of %s", c->id);
	if (net_container_remove(root, c->id, err) < 0 || net_sync(root, err) < 0)
		return hull_err_wrap(err, "network release of %s", c->id);
	net_refresh_peers(root, c);
	return 0;
}

int net_release(const char *root, const char *id, struct hull_err **err)
{
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	struct net_container c;
	struct hull_err *e = NULL;
	uint64_t t = trace_begin();
	if (net_container_load(root, id, &c, &e) < 0) {
		int missing = e->errnum == ENOENT;
		hull_err_free(e);
		/* Nothing recorded: nothing to undo, but another crash may have left leftovers. */
		return missing ? net_reconcile_locked(root, err) : hull_err_set(err, 0, "network record of %s unreadable", id);
	}
	int r = net_release_locked(root, &c, err);
	net_container_clear(&c);
	trace_end(t, "network: release %s", id);
	return r;
}

/* A container lives as long as its init (pid and start time, so a reused pid does not count). Not the
 * host veth: the kernel destroys a dead netns asynchronously, so the veth can outlive the container by
 * milliseconds; and a netns another container still holds (container:X) is no reason to keep X's
 * address once X is dead (docker drops it too). */
static bool container_live(const struct net_container *c)
{
	if (!c->attached)
		return net_proc_alive(c->owner, c->owner_start);
	return net_proc_alive(c->pid, c->pid_start);
}

int net_reconcile_locked(const char *root, struct hull_err **err)
{
	struct net_container *cs = NULL;
	size_t n = 0;
	if (draining_settle(root, 0, err) < 0 || net_load_all(root, &cs, &n, err) < 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		if (container_live(&cs[i]))
			continue;
		log_debug("network: releasing %s (its container is gone)", cs[i].id);
		if (net_release_locked(root, &cs[i], err) < 0)
			ret = -1;
	}
	net_free_all(cs, n);
	return ret;
}

int net_reconcile(const char *root, struct hull_err **err)
{
	_cleanup_fd_ int lock = net_store_lock(root, err);
	if (lock < 0)
		return -1;
	if (net_reconcile_locked(root, err) < 0)
		return -1;
	/* The explicit repair leaves nothing in the kernel's hands: veths still going with their namespace
	 * are waited for (deleted after 5 s). */
	if (draining_settle(root, 5000, err) < 0)
		return -1;
	/* Also repair drift in the kernel (a crash between a record write and the nft transaction). */
	return net_sync(root, err);
}

int net_container_mode(const char *root, const char *id, enum net_mode *mode, char **arg, struct hull_err **err)
{
	struct net_container c;
	if (net_container_load(root, id, &c, err) < 0)
		return -1;
	*mode = c.mode;
	if (arg)
		*arg = xstrdup(c.mode_arg);
	net_container_clear(&c);
	return 0;
}

int net_setup_none(pid_t pid, struct hull_err **err)
{
	uint64_t t = trace_begin();
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	_cleanup_fd_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return hull_err_sys(err, "--network none: open %s", nspath);
	_cleanup_nl_ struct nl *ct = nl_open(nsfd, err);
	if (!ct || nl_link_set(ct, "lo", -1, true, err) < 0)
		return hull_err_wrap(err, "--network none: loopback up");
	trace_end(t, "network: none (loopback up in the netns of %d)", (int)pid);
	return 0;
}
