/* files.h — the /etc/hosts, /etc/resolv.conf and /etc/hostname a container sees, as pure functions of
 * the records, plus their writer. Name resolution between containers is these hosts files (docker's
 * user-defined networks resolve names; the default `bridge` network does not): when a container joins or
 * leaves a network, the hosts files of every container on it are rewritten in place (the engine bind-mounts
 * them, so the inode must stay).
 */
#ifndef HULL_NET_FILES_H
#define HULL_NET_FILES_H

#include <stddef.h>
#include "net/store.h"

/* hosts for c, with peers from all[0..n) (c itself may be among them). host_hosts: the host's
 * /etc/hosts for --network host (NULL otherwise). */
char *net_hosts_content(const struct net_container *c, const struct net_container *all, size_t n,
			const char *host_hosts);
/* resolv.conf: --dns servers when given, else the host's file without loopback nameservers (they
 * cannot answer inside another netns), falling back to public resolvers when none remain (docker's rule).
 * keep_loopback: --network host, where the host's resolvers are reachable. */
char *net_resolv_content(const char *host_resolv, char **dns, size_t n_dns, bool keep_loopback);

#endif
