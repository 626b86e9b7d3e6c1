/* internal.h — helpers shared by the files of src/net; not for other modules. */
#ifndef HULL_NET_INTERNAL_H
#define HULL_NET_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include "net/nl.h"
#include "net/store.h"
#include "util/err.h"

void net_strv_add(char ***v, size_t *n, const char *s);
/* Start time of pid (field 22 of /proc/pid/stat), 0 when it does not exist. */
unsigned long long net_proc_start(pid_t pid);
/* pid still runs the same process as when start was read. */
bool net_proc_alive(pid_t pid, unsigned long long start);
/* Load every container record (unreadable ones are skipped). */
int net_load_all(const char *root, struct net_container **out, size_t *n, struct hull_err **err);
void net_free_all(struct net_container *cs, size_t n);
/* Make the kernel match the records: hull's nft table (removed when no container has an endpoint). */
int net_sync(const char *root, struct hull_err **err);
/* Rewrite the hosts files of every container sharing a network with c (c excluded). */
void net_refresh_peers(const char *root, const struct net_container *c);
/* Allocate an address for a new endpoint of c on network n (want: --ip, or NULL). */
int net_alloc_ip(const char *root, const struct net_network *n, const char *want, uint32_t *out,
		 struct hull_err **err);
/* Build the endpoint's kernel side: bridge, veth, address, route (default route when first). */
int net_plumb(struct nl *host, int nsfd, const struct net_network *n, const char *cid, struct net_endpoint *e,
	      bool default_route, struct hull_err **err);
/* The host veth name of (container, network): "hullv" + 8 hex digits. */
void net_veth_name(const char *cid, const char *network, char out[16]);
/* The first IPv4 route of the caller's netns overlapping sn whose device is not `except` (its index),
 * as "10.88.0.0/16 dev podman0" (heap), or NULL: a new bridge there would fight it for the traffic. */
char *net_route_clash(struct nl *host, const struct ipam_subnet *sn, const char *except);
/* Find a container by id, id prefix or name. */
int net_find_container(const char *root, const char *key, struct net_container *out, struct hull_err **err);
/* Release everything of c (the store lock held). */
int net_release_locked(const char *root, struct net_container *c, struct hull_err **err);
int net_reconcile_locked(const char *root, struct hull_err **err);

#endif
