/* netdev.c — see netdev.h. */
#include "runtime/netdev.h"
#include "runtime/rterr.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct nlmsg {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char attrs[256];
};

static void put_attr(struct nlmsg *m, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)m + NLMSG_ALIGN(m->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* A socket of the network namespace at netns_fd (-1: ours): entered for the socket() call only (a
 * socket stays bound to the namespace it was made in). -1 with errno on failure. */
static int socket_in_netns(int netns_fd, int domain, int type, int protocol)
{
	_cleanup_fd_ int self = -1;
	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET) < 0)
			return -1;
	}
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	int saved = errno;
	if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0)
		abort(); /* every later step would act in the wrong namespace */
	errno = saved;
	return fd;
}

static int rtnl_open(int netns_fd, struct hull_err **err)
{
	int fd = socket_in_netns(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	return fd < 0 ? hull_err_sys(err, "netlink socket%s", netns_fd >= 0 ? " in the container's namespace" : "") : fd;
}

/* Send one request and wait for its acknowledgement. */
static int rtnl_ack(int fd, struct nlmsg *m, struct hull_err **err)
{
	m->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, m, m->h.nlmsg_len, 0) < 0)
		return hull_err_sys(err, "netlink send");
	char buf[4096];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "netlink recv");
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				if (e == 0)
					return 0;
				errno = -e;
				return -1;
			}
	}
}

/* The interface index of name in the network namespace at netns_fd (-1: ours); 0 when there is none. */
static int ifindex_in(int netns_fd, const char *name)
{
	_cleanup_fd_ int s = socket_in_netns(netns_fd, AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? 0 : ifr.ifr_ifindex;
}

struct saved_addr {
	unsigned char family, prefixlen, scope;
	unsigned char local[16], address[16], broadcast[4];
	bool has_local, has_broadcast;
};

/* The permanent, global-scope addresses of device idx (what the spec says must move with it: the kernel
 * drops a device's addresses when it changes namespace). */
static int dump_addrs(int fd, int idx, struct saved_addr **out, size_t *n, struct hull_err **err)
{
	struct nlmsg m = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_GETADDR,
				  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP } };
	if (send(fd, &m, m.h.nlmsg_len, 0) < 0)
		return hull_err_sys(err, "netlink send (addresses)");
	char buf[16384];
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return hull_err_sys(err, "netlink recv (addresses)");
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return rt_err(err, EIO, "netlink: address dump failed");
			if (h->nlmsg_type != RTM_NEWADDR)
				continue;
			struct ifaddrmsg *ifa = NLMSG_DATA(h);
			if ((int)ifa->ifa_index != idx || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
				continue;
			unsigned flags = ifa->ifa_flags;
			struct saved_addr a = { .family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen,
						.scope = ifa->ifa_scope };
			size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
			int rem = (int)IFA_PAYLOAD(h);
			for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, rem); rta = RTA_NEXT(rta, rem)) {
				if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= 4)
					memcpy(&flags, RTA_DATA(rta), 4);
				else if (rta->rta_type == IFA_LOCAL && RTA_PAYLOAD(rta) == alen)
					memcpy(a.local, RTA_DATA(rta), alen), a.has_local = true;
				else if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) == alen)
					memcpy(a.address, RTA_DATA(rta), alen);
				else if (rta->rta_type == IFA_BROADCAST && RTA_PAYLOAD(rta) == 4)
					memcpy(a.broadcast, RTA_DATA(rta), 4), a.has_broadcast = true;
			}
			if (!(flags & IFA_F_PERMANENT))
				continue;
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = a;
		}
	}
}

static int add_addr(int fd, int idx, const struct saved_addr *a, struct hull_err **err)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlmsg m = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR,
				  .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL },
			   .ifa = { .ifa_family = a->family, .ifa_prefixlen = a->prefixlen, .ifa_scope = a->scope,
				    .ifa_index = (unsigned)idx } };
	if (a->has_local)
		put_attr(&m, IFA_LOCAL, a->local, alen);
	put_attr(&m, IFA_ADDRESS, a->address, alen);
	if (a->has_broadcast)
		put_attr(&m, IFA_BROADCAST, a->broadcast, 4);
	if (rtnl_ack(fd, &m, err) < 0 && errno != EEXIST)
		return hull_err_sys(err, "add an address");
	return 0;
}

/* RTM_NEWLINK on device idx: into netns_fd (-1: stay), renamed (NULL: keep), up or not. */
static int set_link(int fd, int idx, int netns_fd, const char *name, bool up, struct hull_err **err)
{
	struct nlmsg m = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK },
			   .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx } };
	if (netns_fd >= 0) {
		unsigned v = (unsigned)netns_fd;
		put_attr(&m, IFLA_NET_NS_FD, &v, sizeof(v));
	}
	if (name)
		put_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	if (up) {
		m.ifi.ifi_flags = IFF_UP;
		m.ifi.ifi_change = IFF_UP;
	}
	return rtnl_ack(fd, &m, err) < 0 ? hull_err_sys(err, "netlink RTM_NEWLINK") : 0;
}

struct moved {
	int idx;                 /* in the container's namespace */
	struct saved_addr *addrs;
	size_t n_addrs;
};

/* Put device i back where it came from, with its name and addresses (a create that failed after it). */
static void move_back(const struct spec_net_device *d, const struct moved *mv, int ct, int host)
{
	if (mv->idx <= 0) {
		log_warn("linux.netDevices: %s is in the container's namespace under a temporary name", d->host_name);
		return;
	}
	_cleanup_fd_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct hull_err *e = NULL;
	if (self < 0 || set_link(ct, mv->idx, self, d->host_name, false, &e) < 0) {
		log_warn("linux.netDevices: %s could not be moved back: %s", d->host_name, e ? e->msg : "no netns");
		hull_err_free(e);
		return;
	}
	int idx = ifindex_in(-1, d->host_name);
	for (size_t k = 0; idx > 0 && k < mv->n_addrs; k++)
		add_addr(host, idx, &mv->addrs[k], NULL);
	if (idx > 0)
		set_link(host, idx, -1, NULL, true, NULL);
}

int netdev_move_all(const struct spec_net_device *devs, size_t n, int netns_fd, struct hull_err **err)
{
	if (n == 0)
		return 0;
	uint64_t t = trace_begin();
	/* every check before the first move */
	for (size_t i = 0; i < n; i++) {
		const char *to = devs[i].name && *devs[i].name ? devs[i].name : devs[i].host_name;
		if (ifindex_in(-1, devs[i].host_name) <= 0)
			return rt_err(err, ENODEV, "config.json: linux.netDevices.%s: no such network device here",
				      devs[i].host_name);
		if (!strstr(to, "%d") && ifindex_in(netns_fd, to) > 0)
			return rt_err(err, EEXIST, "config.json: linux.netDevices.%s: the container already has a "
						   "device named \"%s\"", devs[i].host_name, to);
	}
	_cleanup_fd_ int host = rtnl_open(-1, err);
	if (host < 0)
		return -1;
	_cleanup_fd_ int ct = rtnl_open(netns_fd, err);
	if (ct < 0)
		return -1;
	struct moved *mv = xcalloc(n, sizeof(*mv));
	size_t done = 0;
	int ret = -1;
	for (; done < n; done++) {
		const struct spec_net_device *d = &devs[done];
		const char *to = d->name && *d->name ? d->name : d->host_name;
		int idx = ifindex_in(-1, d->host_name);
		/* a name free on both sides while it moves: the final one may be taken here or be a template */
		char tmp[IFNAMSIZ];
		snprintf(tmp, sizeof(tmp), "hullmv%x", (unsigned)(getpid() * 16 + done) & 0xfffffff);
		if (dump_addrs(host, idx, &mv[done].addrs, &mv[done].n_addrs, err) < 0 ||
		    set_link(host, idx, netns_fd, tmp, false, err) < 0) {
			hull_err_wrap(err, "config.json: linux.netDevices.%s: move", d->host_name);
			goto out;
		}
		mv[done].idx = ifindex_in(netns_fd, tmp);
		if (mv[done].idx <= 0 || set_link(ct, mv[done].idx, -1, to, false, err) < 0) {
			rt_err(err, EIO, "config.json: linux.netDevices.%s: rename to \"%s\" in the container", d->host_name, to);
			done++;
			goto out;
		}
		for (size_t k = 0; k < mv[done].n_addrs; k++)
			if (add_addr(ct, mv[done].idx, &mv[done].addrs[k], err) < 0) {
				hull_err_wrap(err, "config.json: linux.netDevices.%s", d->host_name);
				done++;
				goto out;
			}
		if (set_link(ct, mv[done].idx, -1, NULL, true, err) < 0) {
			hull_err_wrap(err, "config.json: linux.netDevices.%s: up", d->host_name);
			done++;
			goto out;
		}
		trace_end(t, "netDevices: %s moved in as %s (%zu addresses)", d->host_name, to, mv[done].n_addrs);
	}
	ret = 0;
out:
	if (ret < 0)
		for (size_t i = 0; i < done; i++)
			move_back(&devs[i], &mv[i], ct, host);
	for (size_t i = 0; i < n; i++)
		free(mv[i].addrs);
	free(mv);
	return ret;
}
