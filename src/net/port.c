/* port.c — see port.h. */
#include "net/port.h"
#include "net/ipam.h"
#include "util/cleanup.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

const char *net_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "80" or "8000-8010"; *lo..*hi. empty_ok: "" gives 0-0 (host side left to pick). */
static int parse_range(const char *s, const char *spec, bool empty_ok, unsigned *lo, unsigned *hi,
		       struct hull_err **err)
{
	if (!*s && empty_ok) {
		*lo = *hi = 0;
		return 0;
	}
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s || a < 1 || a > 65535)
		goto bad;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t || b < a || b > 65535)
			goto bad;
	}
	if (*end)
		goto bad;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
bad:
	return hull_err_set(err, 0, "invalid port \"%s\" in \"%s\": expected 1-65535 or a range LOW-HIGH", s, spec);
}

static int parse_proto(const char *p, const char *spec, int *proto, struct hull_err **err)
{
	if (!p || !strcmp(p, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(p, "udp"))
		*proto = IPPROTO_UDP;
	else
		return hull_err_set(err, 0, "invalid protocol \"%s\" in \"%s\": expected tcp or udp", p, spec);
	return 0;
}

int net_port_parse(const char *spec, struct net_port **ports, size_t *n, struct hull_err **err)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *slash = strchr(s, '/');
	int proto;
	if (slash)
		*slash = 0;
	if (parse_proto(slash ? slash + 1 : NULL, spec, &proto, err) < 0)
		return -1;
	/* Split on ':' from the right: container, then host port, then everything left is the address. */
	char *fields[3] = { NULL, NULL, NULL };
	char *last = strrchr(s, ':');
	if (!last) {
		fields[2] = s;
	} else {
		*last = 0;
		fields[2] = last + 1;
		char *mid = strrchr(s, ':');
		if (!mid) {
			fields[1] = s;
		} else {
			*mid = 0;
			fields[1] = mid + 1;
			fields[0] = s;
		}
	}
	uint32_t ip = 0;
	if (fields[0]) {
		char *a = fields[0];
		size_t l = strlen(a);
		if (l >= 2 && a[0] == '[' && a[l - 1] == ']')
			return hull_err_set(err, 0, "invalid port spec \"%s\": IPv6 host addresses are not supported", spec);
		if (*a && ipam_parse_addr(a, &ip, err) < 0)
			return hull_err_wrap(err, "invalid port spec \"%s\"", spec);
	}
	unsigned clo, chi, hlo = 0, hhi = 0;
	if (parse_range(fields[2], spec, false, &clo, &chi, err) < 0)
		return -1;
	if (fields[1] && parse_range(fields[1], spec, true, &hlo, &hhi, err) < 0)
		return -1;
	if (hlo && hhi - hlo != chi - clo && !(hhi > hlo && clo == chi))
		return hull_err_set(err, 0, "invalid port spec \"%s\": host and container ranges differ in length", spec);
	if (hlo && hhi > hlo && clo == chi)
		/* docker: a host range for one container port means "any one of these". Take the first; the
		 * caller moves on to the next if it is taken. */
		hhi = hlo;
	for (unsigned i = 0; i <= chi - clo; i++) {
		*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
		(*ports)[(*n)++] = (struct net_port){
			.host_ip = ip, .host_port = (uint16_t)(hlo ? hlo + i : 0),
			.container_port = (uint16_t)(clo + i), .proto = proto,
		};
	}
	return 0;
}

int net_port_range_parse(const char *spec, unsigned *lo, unsigned *hi, int *proto, struct hull_err **err)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *slash = strchr(s, '/');
	if (slash)
		*slash = 0;
	if (parse_proto(slash ? slash + 1 : NULL, spec, proto, err) < 0 || parse_range(s, spec, false, lo, hi, err) < 0)
		return -1;
	return 0;
}

int net_port_parse_exposed(const char *spec, struct net_port *out, struct hull_err **err)
{
	unsigned lo, hi;
	if (net_port_range_parse(spec, &lo, &hi, &out->proto, err) < 0)
		return -1;
	out->host_ip = 0;
	out->host_port = 0;
	out->container_port = (uint16_t)lo;
	return 0;
}
