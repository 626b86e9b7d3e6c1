/* nft_probe.c — net_nft_probe (nft.h): NFT_MSG_GETGEN and NFT_MSG_GETTABLE over netlink through libmnl, so
 * that a command with nothing to change in nftables learns so without loading libnftables (~50 us instead
 * of milliseconds). The socket is opened once per process and closed by its exit: closing an nftables
 * socket waits for the kernel to free what a recent transaction deleted (nft.h). */
#include "net/nft.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <time.h>

struct reply {
	int table;
	uint32_t genid;
	bool have_gen;
};

static int reply_cb(const struct nlmsghdr *h, void *data)
{
	struct reply *r = data;
	int type = h->nlmsg_type & 0xff;
	if (type == NFT_MSG_NEWTABLE)
		r->table = 1;
	if (type == NFT_MSG_NEWGEN) {
		const struct nlattr *a;
		mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
			if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) == 4) {
				r->genid = ntohl(mnl_attr_get_u32(a));
				r->have_gen = true;
			}
	}
	return MNL_CB_OK;
}

static struct mnl_socket *probe_socket(void)
{
	static struct mnl_socket *nl;
	if (nl)
		return nl;
	struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	return nl = s;
}

/* One request, its answer read to the ACK. Returns 0, or -1 with errno the kernel's error. */
static int ask(struct mnl_socket *nl, uint16_t msg, struct reply *r)
{
	static uint32_t seq;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (!seq)
		seq = (uint32_t)time(NULL);
	h->nlmsg_seq = ++seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = msg == NFT_MSG_GETTABLE ? NFPROTO_IPV4 : AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	if (msg == NFT_MSG_GETTABLE)
		mnl_attr_put_strz(h, NFTA_TABLE_NAME, NET_NFT_TABLE);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -1;
	uint32_t portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		int rc = mnl_cb_run(buf, (size_t)n, seq, portid, reply_cb, r);
		if (rc < 0)
			return -1;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int net_nft_probe(uint32_t *genid)
{
	uint64_t t = trace_begin();
	struct mnl_socket *nl = probe_socket();
	struct reply r = { 0 };
	int found = -1;
	if (nl && ask(nl, NFT_MSG_GETGEN, &r) == 0 && r.have_gen) {
		if (ask(nl, NFT_MSG_GETTABLE, &r) == 0)
			found = r.table;
		else if (errno == ENOENT) /* the kernel's answer: no such table */
			found = 0;
	}
	*genid = r.genid;
	trace_end(t, "nftables: table ip " NET_NFT_TABLE " %s, generation %u",
		  found == 1 ? "present" : found == 0 ? "absent" : "?", r.genid);
	return found;
}
