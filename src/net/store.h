/* store.h — hull's network records under <root>/net, and the lock that serialises every change to them.
 *
 *   <root>/net/lock                 flock(2)ed exclusively around every read-modify-write
 *   <root>/net/networks/NAME.json   a network: subnet, gateway, bridge name, options
 *   <root>/net/nft.state            what hull last committed to its nftables table (net/nft.h)
 *   <root>/net/draining/VETH        "NETWORK IP": an endpoint the kernel is deleting along with its
 *                                   container's network namespace; its address stays taken until then
 *   <root>/net/containers/ID/       a container's record (net.json) and the hosts, resolv.conf and
 *                                   hostname files the engine bind-mounts into it
 * Records are replaced atomically (temp + rename; network definitions also fsync'ed). This module holds no policy: it reads and
 * writes the structures below; net/net.c decides what they mean.
 */
#ifndef HULL_NET_STORE_H
#define HULL_NET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>
#include "net/ipam.h"
#include "net/port.h"
#include "util/err.h"

#define NET_DEFAULT_NAME "bridge"
#define NET_DEFAULT_SUBNET "10.88.0.0/16"
#define NET_DEFAULT_BRIDGE "hull0"
#define NET_MAX_NAME 64

struct net_network {
	char name[NET_MAX_NAME];
	char id[65];
	char bridge[16];
	struct ipam_subnet subnet;
	uint32_t gateway;
	bool internal;
	unsigned mtu;
	char created[32];
};

struct net_endpoint {
	char network[NET_MAX_NAME];
	uint32_t ip;
	char host_veth[16];
	char ifname[16];     /* inside the container: eth0, eth1… */
	char **aliases;
	size_t n_aliases;
};

enum net_mode { NET_MODE_BRIDGE, NET_MODE_NONE, NET_MODE_HOST, NET_MODE_CONTAINER, NET_MODE_CNI };

struct net_container {
	char id[65];
	char name[128];
	char hostname[65];
	enum net_mode mode;
	char mode_arg[NET_MAX_NAME + 64]; /* container:<id> or cni:<network> argument */
	bool attached;
	pid_t pid;                 /* the container's init once attached */
	unsigned long long pid_start;
	pid_t owner;               /* the hull process preparing it (until attached) */
	unsigned long long owner_start;
	struct net_endpoint *eps;
	size_t n_eps;
	struct net_port *ports;
	size_t n_ports;
	char **dns;
	size_t n_dns;
	char **add_hosts;
	size_t n_add_hosts;
	json_t *cni_result;        /* the last plugin's result (prevResult for DEL/CHECK) */
	char cni_netns[64];
	char *files_dir;           /* NULL: <root>/net/containers/<id> */
};

/* Take the store lock (creates <root>/net). Returns the fd to release with close(). */
int net_store_lock(const char *root, struct hull_err **err);
/* <root>/net/<sub> (heap). */
char *net_store_path(const char *root, const char *sub);

int net_network_load(const char *root, const char *name, struct net_network *out, struct hull_err **err);
int net_network_save(const char *root, const struct net_network *n, struct hull_err **err);
int net_network_remove(const char *root, const char *name, struct hull_err **err);
/* All networks, the default one first (it exists implicitly: loaded from its constants). */
int net_network_list(const char *root, struct net_network **out, size_t *n, struct hull_err **err);
/* The default network's record. */
void net_network_default(struct net_network *out);
json_t *net_network_to_json(const struct net_network *n);

int net_container_load(const char *root, const char *id, struct net_container *out, struct hull_err **err);
int net_container_save(const char *root, const struct net_container *c, struct hull_err **err);
/* Remove the container's whole directory (record and files). */
int net_container_remove(const char *root, const char *id, struct hull_err **err);
/* Ids of every recorded container. */
int net_container_ids(const char *root, char ***ids, size_t *n, struct hull_err **err);
void net_container_clear(struct net_container *c);
json_t *net_container_to_json(const struct net_container *c);

struct net_draining {
	char veth[16];
	char network[NET_MAX_NAME];
	uint32_t ip;
	time_t since; /* when it was recorded */
};
int net_draining_save(const char *root, const struct net_endpoint *e, struct hull_err **err);
/* Every marker (unreadable ones are skipped). */
int net_draining_list(const char *root, struct net_draining **out, size_t *n, struct hull_err **err);
void net_draining_remove(const char *root, const char *veth);

void net_strv_free(char **v, size_t n);

#endif
