/* nl.h — rtnetlink through libmnl: the few link, address and route operations hull's networking needs,
 * and dumps of what the kernel holds (for inspect and teardown checks).
 *
 * Every function works in the network namespace its `struct nl` socket was opened in: nl_open(-1) is
 * the caller's namespace, nl_open(nsfd) another one (the socket is created inside it, then the caller
 * returns to its own namespace, so nothing else of the process ever runs in the container's netns).
 * This module knows nothing of containers, networks or IPAM; it never touches an interface it is not
 * named, and never changes sysctls.
 */
#ifndef HULL_NET_NL_H
#define HULL_NET_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <jansson.h>
#include "util/err.h"

struct nl;

/* A netlink route socket in netns nsfd (-1: the caller's own). */
struct nl *nl_open(int nsfd, struct hull_err **err);
void nl_close(struct nl *nl);
static inline void nl_closep(struct nl **p) { if (*p) nl_close(*p); }
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

/* ifindex of name, 0 when there is no such link, -1 on error. */
int nl_link_index(struct nl *nl, const char *name, struct hull_err **err);
/* Create a bridge (EEXIST is success when it already is a bridge). mtu 0: kernel default. */
int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu, struct hull_err **err);
/* Create a veth pair: `host` here (enslaved to master_index when > 0) and `peer` created directly in netns
 * peer_nsfd with the given MAC (NULL: random), the host end up — one message, so a failure leaves no half
 * pair.
 * *peer_index (may be NULL): the peer's ifindex in its netns, 0 when the kernel did not tell. */
int nl_veth_add(struct nl *nl, const char *host, const char *peer, int peer_nsfd, unsigned mtu,
		const uint8_t *peer_mac, int master_index, int *peer_index, struct hull_err **err);
/* Set master (0: none), and up/down. */
int nl_link_set(struct nl *nl, const char *name, int master_index, bool up, struct hull_err **err);
/* Delete a link; ENODEV is success (already gone). */
int nl_link_del(struct nl *nl, const char *name, struct hull_err **err);
/* Where link `name`'s other end (a veth peer) lives: NO_LINK (no such link), DYING (a network namespace
 * whose last reference is gone: the kernel is about to destroy it, and its devices with it, pairs
 * included), ALIVE (anything else, also "cannot tell"), ERROR (*err set). */
enum nl_peer { NL_PEER_ERROR = -1, NL_PEER_NO_LINK, NL_PEER_ALIVE, NL_PEER_DYING };
enum nl_peer nl_link_peer(struct nl *nl, const char *name, struct hull_err **err);
/* Add an IPv4 address (EEXIST is success). */
int nl_addr_add(struct nl *nl, const char *ifname, struct in_addr addr, int prefix, struct hull_err **err);
/* lo and ifname (index ifindex; <= 0: looked up) up, an IPv4 address on ifname, and a default route via gw
 * unless gw is 0.0.0.0 — sent as one batch, the ACKs read after (EEXIST is success). */
int nl_iface_setup(struct nl *nl, const char *ifname, int ifindex, struct in_addr addr, int prefix,
		   struct in_addr gw, struct hull_err **err);

/* Dumps as JSON arrays (what `ip -j` would show, in a smaller shape):
 * links  [{"index","name","kind"?,"mtu","mac","up","master"?}]
 * addrs  [{"ifindex","ifname","family","address","prefixlen"}]
 * routes [{"dst","gateway"?,"ifindex","table"}] (main table, IPv4 and IPv6) */
json_t *nl_dump_links(struct nl *nl, struct hull_err **err);
json_t *nl_dump_addrs(struct nl *nl, struct hull_err **err);
json_t *nl_dump_routes(struct nl *nl, struct hull_err **err);

#endif
