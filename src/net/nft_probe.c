/* nft_probe.c — net_nft_table_present (nft.h): one NFT_MSG_GETTABLE over netlink through libmnl, so that a
 * command with nothing to change in nftables (--network none, host) learns so without loading libnftables
 * and listing the ruleset (~50 us instead of ~3 ms). */
#include "net/nft.h"
#include "util/log.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <time.h>

static int table_cb(const struct nlmsghdr *h, void *data)
{
	if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE)
		*(int *)data = 1;
	return MNL_CB_OK;
}

int net_nft_table_present(void)
{
	uint64_t t = trace_begin();
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -1;
	int found = -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	uint32_t seq = h->nlmsg_seq = (uint32_t)time(NULL);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = NFPROTO_IPV4;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	mnl_attr_put_strz(h, NFTA_TABLE_NAME, NET_NFT_TABLE);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 || mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		goto out;
	uint32_t portid = mnl_socket_get_portid(nl);
	int present = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			goto out;
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, table_cb, &present);
		if (r < 0) {
			if (errno == ENOENT)
				found = 0; /* the kernel's answer: no such table */
			goto out;
		}
		if (r == MNL_CB_STOP) { /* the ack after the table (or after nothing) */
			found = present;
			goto out;
		}
	}
out:
	mnl_socket_close(nl);
	trace_end(t, "nftables: table ip " NET_NFT_TABLE " %s", found == 1 ? "present" : found == 0 ? "absent" : "?");
	return found;
}
