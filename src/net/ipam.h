/* ipam.h — IPv4 subnet arithmetic and address choice, as pure functions.
 *
 * The records that say which address belongs to whom live in net/store.h; this module only parses
 * CIDRs, checks that a gateway or a requested --ip fits, and picks the lowest free host address given
 * the set in use. It never touches the file system or the kernel, so unit tests cover it all.
 */
#ifndef HULL_NET_IPAM_H
#define HULL_NET_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

struct ipam_subnet {
	uint32_t net;   /* host byte order, host bits zero */
	int prefix;     /* 8..30 */
};

/* "10.88.0.0/16" → subnet; host bits set is an error (docker refuses them too). */
int ipam_parse_subnet(const char *s, struct ipam_subnet *out, struct hull_err **err);
/* "10.88.0.1" → host-order address. */
int ipam_parse_addr(const char *s, uint32_t *out, struct hull_err **err);
uint32_t ipam_mask(int prefix);
bool ipam_contains(const struct ipam_subnet *sn, uint32_t a);
/* A usable host address of sn (not the network or broadcast address). */
bool ipam_is_host(const struct ipam_subnet *sn, uint32_t a);
bool ipam_overlaps(const struct ipam_subnet *a, const struct ipam_subnet *b);
/* The default gateway of a subnet: its first host address. */
uint32_t ipam_first_host(const struct ipam_subnet *sn);
/* Lowest usable address of sn not in used[0..n) and not gw; 0 when the subnet is full. */
uint32_t ipam_pick(const struct ipam_subnet *sn, uint32_t gw, const uint32_t *used, size_t n);
/* Dotted quad into buf (16 bytes); returns buf. */
char *ipam_fmt(uint32_t a, char buf[16]);
/* "10.88.0.0/16" into buf (19 bytes). */
char *ipam_fmt_subnet(const struct ipam_subnet *sn, char buf[19]);
/* docker's MAC for an address: 02:42 then the four bytes of the address (unique within a subnet). */
void ipam_mac(uint32_t a, uint8_t mac[6]);

#endif
