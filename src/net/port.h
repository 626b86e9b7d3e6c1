/* port.h — published-port specs: docker's `-p [ip:][hostPort[-end]:]containerPort[-end][/tcp|udp]`
 * and the image's exposed ports ("80/tcp") that `-P` publishes. Pure parsing; no sockets, no rules.
 */
#ifndef HULL_NET_PORT_H
#define HULL_NET_PORT_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

struct net_port {
	uint32_t host_ip;        /* host order; 0: every local address */
	uint16_t host_port;      /* 0: pick a free one when publishing */
	uint16_t container_port;
	int proto;               /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Parse one -p value and append its ports (a range gives several) to the array *ports of *n entries. */
int net_port_parse(const char *spec, struct net_port **ports, size_t *n, struct hull_err **err);
/* "PORT[-END][/tcp|udp]" (tcp when no protocol is given) into a range and a protocol. */
int net_port_range_parse(const char *spec, unsigned *lo, unsigned *hi, int *proto, struct hull_err **err);
/* Parse an exposed port "80", "80/tcp", "53/udp" (host side left to pick). */
int net_port_parse_exposed(const char *spec, struct net_port *out, struct hull_err **err);
const char *net_proto_name(int proto);

#endif
