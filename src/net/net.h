/* net.h — container networking for the engine: what `hull run --network …` and `hull rm` call.
 *
 * A container's network life, under the store lock (net/store.h) at each step:
 *   net_prepare  before the container exists: validate the options, allocate addresses (IPAM) and host
 *                ports, write the container's hosts, resolv.conf and hostname files (net_file_path).
 *   net_attach   once its network namespace exists (pid = its init): bridge, veth pair (container end
 *                created in the netns as eth0), addresses, routes, loopback up, nftables; or run CNI plugins.
 *   net_release  on rm (or when setup fails): undo all of it; idempotent.
 *   net_reconcile runs at the start of each of these: a record whose container is gone (its init is
 *                dead, or the hull that prepared it died before attaching) is released,
 *                so kill -9 of hull or of the monitor leaks no address, veth or rule.
 * It changes sysctls only in hull's own network namespace (ip_forward, the bridge's route_localnet) and only
 * touches links it names (hull0, hull-*, hv*), and the nftables table `ip hull`.
 */
#ifndef HULL_NET_NET_H
#define HULL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include "net/port.h"
#include "net/store.h"
#include "util/err.h"

struct net_config {
	char *network;         /* NULL or "bridge" (default), "none", "host", "container:ID", "cni:NAME", NAME */
	char *ip;              /* --ip */
	char *hostname;        /* --hostname; default: the first 12 characters of the id */
	char **dns;            /* --dns */
	size_t n_dns;
	char **add_hosts;      /* --add-host NAME:IP */
	size_t n_add_hosts;
	char **aliases;        /* --network-alias */
	size_t n_aliases;
	struct net_port *ports; /* -p */
	size_t n_ports;
	bool publish_all;      /* -P: publish every exposed port */
	char **exposed;        /* the image's ExposedPorts keys ("80/tcp"), for -P */
	size_t n_exposed;
};

/* Feed one `hull run` flag to c: "--network"/"--net", "--ip", "--hostname"/"-h", "--dns", "--add-host",
 * "--network-alias", "-p"/"--publish", "-P"/"--publish-all" (value ignored), "--expose". Returns 1 when
 * the flag is a network flag (taken), 0 when it is not, -1 on a bad value. Strings are copied. */
int net_config_flag(struct net_config *c, const char *flag, const char *value, struct hull_err **err);
void net_config_clear(struct net_config *c);
/* The config as JSON for the engine's container record, and back (a container restarts with the same
 * network settings). */
json_t *net_config_to_json(const struct net_config *c);
int net_config_from_json(json_t *j, struct net_config *c, struct hull_err **err);
/* Check what can be checked before the container exists (network known, --ip and -p allowed with this
 * mode): `hull create` fails early, with nothing allocated. */
int net_config_check(const char *root, const struct net_config *c, struct hull_err **err);

/* files_dir: where the container's hosts, resolv.conf and hostname are (the engine's own files, which
 * it bind-mounts: they are rewritten in place); NULL: <root>/net/containers/<id>/. */
int net_prepare(const char *root, const char *id, const char *name, const struct net_config *c,
		const char *files_dir, struct hull_err **err);
int net_attach(const char *root, const char *id, pid_t pid, struct hull_err **err);
int net_release(const char *root, const char *id, struct hull_err **err);
int net_reconcile(const char *root, struct hull_err **err);
/* --network none needs none of that: its files are final from the start (net_write_initial_files) and
 * once its netns exists (pid's), loopback goes up. Nothing is recorded or allocated, so there is nothing
 * to release: the kernel frees the netns with the container's last process. */
int net_setup_none(pid_t pid, struct hull_err **err);
/* The hostname, hosts and resolv.conf a new container starts with, created in dirfd (a directory made
 * for it): final for --network none and host (the host's hosts and resolvers), placeholders for the
 * modes whose net_prepare rewrites them in place. mode: the --network value (NULL: bridge). */
int net_write_initial_files(int dirfd, const struct net_config *c, const char *mode, const char *hostname,
			    struct hull_err **err);

/* <root>/net/containers/<id>/<file> for "hosts", "resolv.conf", "hostname" (heap). For
 * --network container:X the engine bind-mounts X's files. */
char *net_file_path(const char *root, const char *id, const char *file);
/* The mode net_prepare recorded (the engine needs it to choose: new netns, host's, or another's). */
int net_container_mode(const char *root, const char *id, enum net_mode *mode, char **arg, struct hull_err **err);

/* For `hull inspect`: {"Networks":{…records…}, "Ports":[…], "Interfaces","Addresses","Routes": as read
 * from the kernel inside the container's netns (pid's)}. */
json_t *net_inspect_container(const char *root, const char *id, struct hull_err **err);

/* docker's NetworkSettings for `hull inspect`: IPAddress, Gateway, MacAddress, Ports ({"80/tcp":
 * [{"HostIp","HostPort"}]}), Networks (per network: IPAddress, Gateway, IPPrefixLen, MacAddress, Aliases),
 * plus the kernel's view inside the container (Interfaces, Addresses, Routes). {} when not wired. */
json_t *net_settings(const char *root, const char *id);

/* docker ps's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp" (heap; "" when none). */
char *net_ports_text(const char *root, const char *id);

/* `hull network …` */
int net_network_create(const char *root, const char *name, const char *subnet, const char *gateway,
		       bool internal, struct net_network *out, struct hull_err **err);
int net_network_rm(const char *root, const char *name, struct hull_err **err);
/* The network record, its bridge and veths as the kernel has them, its containers, hull's nft table. */
json_t *net_network_inspect(const char *root, const char *name, struct hull_err **err);
/* docker's `network prune`: remove user networks no container uses (names in *removed), and the idle
 * bridges, the default network's hull0 included (bridges otherwise stay while their network exists). */
int net_prune(const char *root, char ***removed, size_t *n_removed, struct hull_err **err);
/* Number of containers with an endpoint on the network. */
int net_network_count(const char *root, const char *name, struct hull_err **err);
int net_connect(const char *root, const char *network, const char *container, const char *ip, char **aliases,
		size_t n_aliases, struct hull_err **err);
int net_disconnect(const char *root, const char *network, const char *container, struct hull_err **err);

/* Internal to src/net (files.c, cni.c). */
int net_write_files(const char *root, const struct net_container *c, bool create, struct hull_err **err);
int net_cni_add(const char *root, struct net_container *c, const char *netns, struct hull_err **err);
int net_cni_del(const char *root, struct net_container *c, struct hull_err **err);
int net_cni_check(const char *root, struct net_container *c, struct hull_err **err);
/* CNI CHECK of a running cni:NAME container (every plugin, with the stored result as prevResult). */
int net_check(const char *root, const char *id, struct hull_err **err);
/* Does the CNI network (conflist) NAME exist? */
int net_cni_lookup(const char *root, const char *name, struct hull_err **err);
/* Address of the container's first interface from a CNI result, 0 if none. */
uint32_t net_cni_result_ip(json_t *result);

#endif
