/* nft.h — hull's nftables rules: outbound masquerade, published ports, isolation of --internal networks.
 *
 * Everything hull does lives in ONE table, `table ip hull`; it never lists, flushes or changes another
 * table. The table is a pure function of the records (net/store.h): each change regenerates it whole and
 * replaces it in one nftables transaction (add, delete, add again in one batch), so a crash can never leave
 * half a rule set, and a later command repairs any drift. When no container has an endpoint the table is
 * removed altogether.
 */
#ifndef HULL_NET_NFT_H
#define HULL_NET_NFT_H

#include <stddef.h>
#include "net/store.h"
#include "util/err.h"

#define NET_NFT_TABLE "hull"

/* The nft script that makes `table ip hull` match these records (heap). */
char *net_nft_script(const struct net_network *nets, size_t n_nets, const struct net_container *cs, size_t n_cs);
/* Run an nft script through libnftables. */
int net_nft_run(const char *script, struct hull_err **err);
/* `nft list table ip hull` as text (heap); "" when the table does not exist. */
char *net_nft_list(struct hull_err **err);

#endif
