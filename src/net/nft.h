/* nft.h — hull's nftables rules: outbound masquerade, published ports, isolation of --internal networks.
 *
 * Everything hull does lives in ONE table, `table ip hull`; it never lists, flushes or changes another
 * table. Its rules are a pure function of the records (net/store.h) and of which networks are active (a
 * container on it, or its bridge present: the network rules stay while the bridge does, as docker0's do),
 * written as lines "CHAIN<TAB>RULE". net_nft_apply makes the kernel hold exactly these lines:
 *   - nothing at all when they equal what hull last committed and nobody committed anything since (the
 *     netns's nftables generation id is the one recorded after that commit) — the common case of a
 *     container without published ports coming or going;
 *   - rules appended (`add rule`) when the wanted lines only add to what is there: no rule is deleted;
 *   - otherwise the whole table replaced in one transaction (add, delete, add again in one batch), so a
 *     crash can never leave half a rule set and a later command repairs any drift; a fresh table is only
 *     created. With no active network the table is deleted.
 * Why avoid deletions: a transaction that deletes anything makes the kernel free it after an RCU grace
 * period (~10 ms here), and closing any nftables netlink socket waits for that; the sockets hull opens
 * therefore stay open until the process exits (nftlib.c, nft_probe.c).
 */
#ifndef HULL_NET_NFT_H
#define HULL_NET_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/store.h"
#include "util/err.h"

#define NET_NFT_TABLE "hull"

/* The rule lines ("CHAIN\tRULE\n" each, heap, "" when none) `table ip hull` must hold; active[i]: network
 * nets[i] gets its rules even without a container (its bridge exists). */
char *net_nft_rules(const struct net_network *nets, const bool *active, size_t n_nets,
		    const struct net_container *cs, size_t n_cs);
/* The nft script making the table hold exactly `rules`: replacing the table when `present`, creating it
 * otherwise; deleting it when rules is "" (then "" when not present). Heap. */
char *net_nft_script(const char *rules, bool present);
/* The `add rule` script turning a table holding `have` into one holding `want` (heap; "" when they hold
 * the same lines), or NULL when some line of `have` would have to go. */
char *net_nft_delta(const char *have, const char *want);
/* Make the kernel's table hold `rules` (see above); state_path remembers what hull committed last. */
int net_nft_apply(const char *state_path, const char *rules, struct hull_err **err);
/* The netns's nftables generation id and whether `table ip hull` exists (1, 0; -1 cannot tell). Asks
 * netlink directly (nft_probe.c): libnftables is not loaded. */
int net_nft_probe(uint32_t *genid);
/* `nft list table ip hull` as text (heap); "" when the table does not exist. */
char *net_nft_list(struct hull_err **err);

#endif
