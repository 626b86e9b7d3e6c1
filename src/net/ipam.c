/* ipam.c — see ipam.h. */
#include "net/ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t ipam_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
}

int ipam_parse_addr(const char *s, uint32_t *out, struct hull_err **err)
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return hull_err_set(err, 0, "invalid IPv4 address \"%s\"", s ? s : "");
	*out = ntohl(a.s_addr);
	return 0;
}

int ipam_parse_subnet(const char *s, struct ipam_subnet *out, struct hull_err **err)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return hull_err_set(err, 0, "invalid subnet \"%s\": expected ADDRESS/PREFIX", s);
	char addr[INET_ADDRSTRLEN];
	size_t n = (size_t)(slash - s);
	if (n >= sizeof(addr))
		return hull_err_set(err, 0, "invalid subnet \"%s\"", s);
	memcpy(addr, s, n);
	addr[n] = 0;
	char *end;
	long p = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || p < 8 || p > 30)
		return hull_err_set(err, 0, "invalid subnet \"%s\": prefix length must be 8 to 30", s);
	uint32_t a = 0;
	if (ipam_parse_addr(addr, &a, err) < 0)
		return hull_err_wrap(err, "subnet \"%s\"", s);
	if (a & ~ipam_mask((int)p))
		return hull_err_set(err, 0, "invalid subnet \"%s\": host bits set (did you mean %s/%ld?)", s,
				    ipam_fmt(a & ipam_mask((int)p), (char[16]){ 0 }), p);
	out->net = a;
	out->prefix = (int)p;
	return 0;
}

bool ipam_contains(const struct ipam_subnet *sn, uint32_t a)
{
	return (a & ipam_mask(sn->prefix)) == sn->net;
}

bool ipam_is_host(const struct ipam_subnet *sn, uint32_t a)
{
	uint32_t bcast = sn->net | ~ipam_mask(sn->prefix);
	return ipam_contains(sn, a) && a != sn->net && a != bcast;
}

bool ipam_overlaps(const struct ipam_subnet *a, const struct ipam_subnet *b)
{
	int p = a->prefix < b->prefix ? a->prefix : b->prefix;
	return (a->net & ipam_mask(p)) == (b->net & ipam_mask(p));
}

uint32_t ipam_first_host(const struct ipam_subnet *sn)
{
	return sn->net + 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

uint32_t ipam_pick(const struct ipam_subnet *sn, uint32_t gw, const uint32_t *used, size_t n)
{
	uint32_t *s = malloc((n + 1) * sizeof(*s));
	if (!s)
		abort();
	if (n)
		memcpy(s, used, n * sizeof(*s));
	s[n] = gw;
	qsort(s, n + 1, sizeof(*s), cmp_u32);
	uint32_t cand = sn->net + 1, last = (sn->net | ~ipam_mask(sn->prefix)) - 1;
	for (size_t i = 0; i <= n && cand <= last; i++) {
		if (s[i] < cand)
			continue;
		if (s[i] > cand)
			break;
		cand++;
	}
	free(s);
	return cand <= last ? cand : 0;
}

char *ipam_fmt(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

char *ipam_fmt_subnet(const struct ipam_subnet *sn, char buf[19])
{
	char a[16];
	snprintf(buf, 19, "%s/%d", ipam_fmt(sn->net, a), sn->prefix);
	return buf;
}

void ipam_mac(uint32_t a, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(a >> 24);
	mac[3] = (uint8_t)(a >> 16);
	mac[4] = (uint8_t)(a >> 8);
	mac[5] = (uint8_t)a;
}
