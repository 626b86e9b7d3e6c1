/* nl.c — see nl.h. */
#include "net/nl.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

struct nl *nl_open(int nsfd, struct hull_err **err)
{
	_cleanup_fd_ int self = -1;
	if (nsfd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return hull_err_sys(err, "open /proc/self/ns/net"), NULL;
		if (setns(nsfd, CLONE_NEWNET) < 0)
			return hull_err_sys(err, "setns into the container's network namespace"), NULL;
	}
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int saved = errno;
	if (nsfd >= 0 && setns(self, CLONE_NEWNET) < 0)
		/* Staying in the container's namespace would make every later step wrong: stop here. */
		abort();
	if (!s) {
		errno = saved;
		return hull_err_sys(err, "netlink socket"), NULL;
	}
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		hull_err_sys(err, "netlink bind");
		mnl_socket_close(s);
		return NULL;
	}
	struct nl *nl = xcalloc(1, sizeof(*nl));
	nl->sock = s;
	nl->portid = mnl_socket_get_portid(s);
	nl->seq = (unsigned)time(NULL);
	return nl;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Send one request and read replies until the ACK/DONE; cb (may be NULL) sees each data message.
 * Returns -1 with errno set to the kernel's error. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nlh->nlmsg_seq = ++nl->seq;
	/* NLM_F_DUMP shares bits with NLM_F_EXCL: tell a dump by its type (a GET) as well. */
	bool dump = (nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	char buf[32768];
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -1;
		int r = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, data);
		if (r < 0)
			return -1;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* Send n requests laid out back to back in buf in one sendmsg, without waiting for each answer, then read
 * every ACK. ok_errno: an error that counts as success (EEXIST: already there). Returns -1 with errno the
 * first request's error and *failed its index. */
static int nl_talk_many(struct nl *nl, char *buf, size_t len, int n, int ok_errno, int *failed)
{
	unsigned first = nl->seq + 1;
	for (size_t off = 0; off < len;) {
		struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
		h->nlmsg_seq = ++nl->seq;
		h->nlmsg_flags |= NLM_F_ACK;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -1;
	int acked = 0, err = 0;
	*failed = -1;
	char rbuf[8192];
	while (acked < n) {
		ssize_t r = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (r < 0)
			return -1;
		int rem = (int)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first || h->nlmsg_seq > nl->seq)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			acked++;
			if (e->error && -e->error != ok_errno && !err) {
				err = -e->error;
				*failed = (int)(h->nlmsg_seq - first);
			}
		}
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* RTM_NEWLINK creating the link `name` (the kind and its data are nested by the caller). */
static struct nlmsghdr *newlink_start(char *buf, const char *name, unsigned mtu)
{
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

static int index_cb(const struct nlmsghdr *h, void *d)
{
	const struct ifinfomsg *i = mnl_nlmsg_get_payload(h);
	*(int *)d = i->ifi_index;
	return MNL_CB_OK;
}

int nl_link_index(struct nl *nl, const char *name, struct hull_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	int index = 0;
	if (nl_talk(nl, nlh, index_cb, &index) < 0) {
		if (errno == ENODEV)
			return 0;
		return hull_err_sys(err, "netlink: get link %s", name);
	}
	return index;
}

int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu, struct hull_err **err)
{
	uint64_t t = trace_begin();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink_start(buf, name, mtu);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	if (nl_talk(nl, nlh, NULL, NULL) < 0 && errno != EEXIST)
		return hull_err_sys(err, "netlink: create bridge %s", name);
	trace_end(t, "netlink: bridge %s", name);
	return 0;
}

struct echo {
	const char *name;
	int link;
};

static int echo_cb(const struct nlmsghdr *h, void *d)
{
	struct echo *e = d;
	const struct nlattr *a;
	int link = 0;
	bool ours = false;
	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME && !strcmp(mnl_attr_get_str(a), e->name))
			ours = true;
		if (mnl_attr_get_type(a) == IFLA_LINK)
			link = (int)mnl_attr_get_u32(a);
	}
	if (ours && link)
		e->link = link;
	return MNL_CB_OK;
}

int nl_veth_add(struct nl *nl, const char *host, const char *peer, int peer_nsfd, unsigned mtu,
		const uint8_t *peer_mac, int master_index, int *peer_index, struct hull_err **err)
{
	uint64_t t = trace_begin();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink_start(buf, host, mtu);
	/* Enslaved and up in the creating message; the echo of the new link tells the peer's ifindex
	 * (IFLA_LINK): no request per step. Not the peer up: veth configures it before the two ends know
	 * each other, and opening an end without its peer fails (ENOTCONN). */
	nlh->nlmsg_flags |= NLM_F_ECHO;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	if (master_index > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *pe = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow its own ifinfomsg. */
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (peer_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	mnl_attr_nest_end(nlh, pe);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	struct echo e = { host, 0 };
	if (nl_talk(nl, nlh, echo_cb, &e) < 0)
		return hull_err_sys(err, "netlink: create veth %s (peer %s)", host, peer);
	if (peer_index)
		*peer_index = e.link; /* 0: a kernel without echo for RTM_NEWLINK (before 6.3) */
	trace_end(t, "netlink: veth %s <-> %s (mtu %u, master %d, peer index %d)", host, peer, mtu, master_index, e.link);
	return 0;
}

int nl_link_set(struct nl *nl, const char *name, int master_index, bool up, struct hull_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (master_index >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return hull_err_sys(err, "netlink: set link %s%s", name, up ? " up" : " down");
	return 0;
}

int nl_link_del(struct nl *nl, const char *name, struct hull_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nl_talk(nl, nlh, NULL, NULL) < 0 && errno != ENODEV)
		return hull_err_sys(err, "netlink: delete link %s", name);
	return 0;
}

struct peer_info {
	bool found;
	bool has_nsid;
	int32_t nsid;
};

static int peer_cb(const struct nlmsghdr *h, void *d)
{
	struct peer_info *p = d;
	const struct nlattr *a;
	p->found = true;
	mnl_attr_for_each(a, h, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_LINK_NETNSID && mnl_attr_get_payload_len(a) == 4) {
			p->has_nsid = true;
			p->nsid = (int32_t)mnl_attr_get_u32(a);
		}
	return MNL_CB_OK;
}

enum nl_peer nl_link_peer(struct nl *nl, const char *name, struct hull_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct peer_info p = { 0 };
	if (nl_talk(nl, nlh, peer_cb, &p) < 0) {
		if (errno == ENODEV)
			return NL_PEER_NO_LINK;
		hull_err_sys(err, "netlink: get link %s", name);
		return NL_PEER_ERROR;
	}
	if (!p.found)
		return NL_PEER_NO_LINK;
	if (!p.has_nsid)
		return NL_PEER_ALIVE; /* no other namespace: nothing will delete it for us */
	/* The kernel gives no id for a namespace it is destroying, and looking an id up fails once the
	 * namespace's last reference is gone (get_net_ns_by_id takes a reference only on a live one). */
	if (p.nsid < 0)
		return NL_PEER_DYING;
	nlh = msg_start(buf, RTM_GETNSID, 0);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)p.nsid);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return errno == ENOENT ? NL_PEER_DYING : NL_PEER_ALIVE;
	return NL_PEER_ALIVE;
}

static int need_index(struct nl *nl, const char *ifname, struct hull_err **err)
{
	int idx = nl_link_index(nl, ifname, err);
	if (idx == 0)
		return hull_err_set(err, ENODEV, "link %s", ifname);
	return idx;
}

static void put_addr(struct nlmsghdr *nlh, int idx, struct in_addr addr, int prefix)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &addr);
	if (prefix < 31) {
		struct in_addr bcast = { addr.s_addr | htonl(prefix ? 0xffffffffu >> prefix : 0xffffffffu) };
		mnl_attr_put(nlh, IFA_BROADCAST, 4, &bcast);
	}
}

int nl_addr_add(struct nl *nl, const char *ifname, struct in_addr addr, int prefix, struct hull_err **err)
{
	int idx = need_index(nl, ifname, err);
	if (idx < 0)
		return -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	put_addr(nlh, idx, addr, prefix);
	uint64_t t = trace_begin();
	if (nl_talk(nl, nlh, NULL, NULL) < 0 && errno != EEXIST) {
		char a[INET_ADDRSTRLEN];
		return hull_err_sys(err, "netlink: add address %s/%d to %s", inet_ntop(AF_INET, &addr, a, sizeof(a)),
				    prefix, ifname);
	}
	trace_end(t, "netlink: address on %s", ifname);
	return 0;
}

int nl_iface_setup(struct nl *nl, const char *ifname, int ifindex, struct in_addr addr, int prefix,
		   struct in_addr gw, struct hull_err **err)
{
	uint64_t t = trace_begin();
	if (ifindex <= 0 && (ifindex = need_index(nl, ifname, err)) < 0)
		return -1;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t len = 0;
	int n = 0;
	/* lo up */
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	len += NLMSG_ALIGN(nlh->nlmsg_len), n++;
	/* the interface up */
	nlh = msg_start(buf + len, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = ifi->ifi_flags = IFF_UP;
	len += NLMSG_ALIGN(nlh->nlmsg_len), n++;
	/* the address (the interface is up: its prefix route comes with it) */
	nlh = msg_start(buf + len, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	put_addr(nlh, ifindex, addr, prefix);
	len += NLMSG_ALIGN(nlh->nlmsg_len), n++;
	/* the default route through the gateway, which that prefix route makes reachable */
	if (gw.s_addr) {
		nlh = msg_start(buf + len, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
		len += NLMSG_ALIGN(nlh->nlmsg_len), n++;
	}
	int failed;
	if (nl_talk_many(nl, buf, len, n, EEXIST, &failed) < 0) {
		char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		inet_ntop(AF_INET, &gw, g, sizeof(g));
		if (failed <= 1)
			return hull_err_sys(err, "netlink: set link %s up", failed ? ifname : "lo");
		if (failed == 2)
			return hull_err_sys(err, "netlink: add address %s/%d to %s", a, prefix, ifname);
		return hull_err_sys(err, "netlink: add default route via %s dev %s", g, ifname);
	}
	trace_end(t, "netlink: lo and %s up, address%s", ifname, gw.s_addr ? ", default route" : "");
	return 0;
}

/* ---- dumps ---- */

static int dump(struct nl *nl, uint16_t type, unsigned char family, size_t hdrlen, mnl_cb_t cb, json_t *out,
		struct hull_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_start(buf, type, NLM_F_DUMP);
	unsigned char *h = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	h[0] = family; /* every rtnetlink header starts with its family */
	if (nl_talk(nl, nlh, cb, out) < 0)
		return hull_err_sys(err, "netlink dump %u", type);
	return 0;
}

static void put_mac(json_t *o, const struct nlattr *a)
{
	const uint8_t *m = mnl_attr_get_payload(a);
	if (mnl_attr_get_payload_len(a) != 6)
		return;
	char s[18];
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	json_object_set_new(o, "mac", json_string(s));
}

static int link_cb(const struct nlmsghdr *h, void *d)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	json_t *o = json_object();
	json_object_set_new(o, "index", json_integer(ifi->ifi_index));
	json_object_set_new(o, "up", json_boolean(ifi->ifi_flags & IFF_UP));
	const struct nlattr *a;
	mnl_attr_for_each(a, h, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME: json_object_set_new(o, "name", json_string(mnl_attr_get_str(a))); break;
		case IFLA_MTU: json_object_set_new(o, "mtu", json_integer(mnl_attr_get_u32(a))); break;
		case IFLA_MASTER: json_object_set_new(o, "master", json_integer(mnl_attr_get_u32(a))); break;
		case IFLA_ADDRESS: put_mac(o, a); break;
		case IFLA_LINKINFO: {
			const struct nlattr *n;
			mnl_attr_for_each_nested(n, a)
				if (mnl_attr_get_type(n) == IFLA_INFO_KIND)
					json_object_set_new(o, "kind", json_string(mnl_attr_get_str(n)));
			break;
		}
		}
	}
	json_array_append_new(d, o);
	return MNL_CB_OK;
}

static void put_ip(json_t *o, const char *key, int family, const struct nlattr *a)
{
	char s[INET6_ADDRSTRLEN];
	if (inet_ntop(family, mnl_attr_get_payload(a), s, sizeof(s)))
		json_object_set_new(o, key, json_string(s));
}

static int addr_cb(const struct nlmsghdr *h, void *d)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	json_t *o = json_object();
	char name[IF_NAMESIZE] = "";
	json_object_set_new(o, "ifindex", json_integer(ifa->ifa_index));
	json_object_set_new(o, "family", json_string(ifa->ifa_family == AF_INET ? "inet" : "inet6"));
	json_object_set_new(o, "prefixlen", json_integer(ifa->ifa_prefixlen));
	const struct nlattr *a;
	mnl_attr_for_each(a, h, sizeof(*ifa)) {
		int t = mnl_attr_get_type(a);
		if (t == IFA_LOCAL || (t == IFA_ADDRESS && !json_object_get(o, "address")))
			put_ip(o, "address", ifa->ifa_family, a);
		if (t == IFA_LABEL)
			snprintf(name, sizeof(name), "%s", mnl_attr_get_str(a));
	}
	if (*name)
		json_object_set_new(o, "ifname", json_string(name));
	json_array_append_new(d, o);
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *h, void *d)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	if (rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	json_t *o = json_object();
	char dst[INET6_ADDRSTRLEN + 8] = "default";
	const struct nlattr *a;
	mnl_attr_for_each(a, h, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST: {
			char s[INET6_ADDRSTRLEN];
			if (inet_ntop(rtm->rtm_family, mnl_attr_get_payload(a), s, sizeof(s)))
				snprintf(dst, sizeof(dst), "%s/%u", s, rtm->rtm_dst_len);
			break;
		}
		case RTA_GATEWAY: put_ip(o, "gateway", rtm->rtm_family, a); break;
		case RTA_OIF: json_object_set_new(o, "ifindex", json_integer(mnl_attr_get_u32(a))); break;
		}
	}
	json_object_set_new(o, "dst", json_string(dst));
	json_object_set_new(o, "family", json_string(rtm->rtm_family == AF_INET ? "inet" : "inet6"));
	json_array_append_new(d, o);
	return MNL_CB_OK;
}

json_t *nl_dump_links(struct nl *nl, struct hull_err **err)
{
	json_t *out = json_array();
	if (dump(nl, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), link_cb, out, err) < 0)
		return json_decref(out), NULL;
	return out;
}

json_t *nl_dump_addrs(struct nl *nl, struct hull_err **err)
{
	json_t *out = json_array();
	if (dump(nl, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), addr_cb, out, err) < 0)
		return json_decref(out), NULL;
	return out;
}

json_t *nl_dump_routes(struct nl *nl, struct hull_err **err)
{
	json_t *out = json_array();
	if (dump(nl, RTM_GETROUTE, AF_UNSPEC, sizeof(struct rtmsg), route_cb, out, err) < 0)
		return json_decref(out), NULL;
	return out;
}
