/* config.c — `hull run`'s network flags into a struct net_config, and its JSON form in the engine's
 * container record (see net.h). Validation of syntax only: what needs the store is net_config_check. */
#include "net/internal.h"
#include "net/net.h"
#include "util/cleanup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void net_strv_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
}

static bool valid_hostname(const char *s, size_t l)
{
	return l && l <= 63 && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") >= l;
}

static bool valid_ip_any(const char *v)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, v, buf) == 1 || inet_pton(AF_INET6, v, buf) == 1;
}

int net_config_flag(struct net_config *c, const char *flag, const char *v, struct hull_err **err)
{
	while (*flag == '-')
		flag++;
	if (!strcmp(flag, "P") || !strcmp(flag, "publish-all")) {
		c->publish_all = true;
		return 1;
	}
	if (!v)
		return hull_err_set(err, 0, "--%s needs a value", flag);
	if (!strcmp(flag, "network") || !strcmp(flag, "net")) {
		if (!*v)
			return hull_err_set(err, 0, "--network: empty value");
		free(c->network);
		c->network = xstrdup(v);
	} else if (!strcmp(flag, "ip")) {
		uint32_t a;
		if (ipam_parse_addr(v, &a, err) < 0)
			return hull_err_wrap(err, "--ip");
		free(c->ip);
		c->ip = xstrdup(v);
	} else if (!strcmp(flag, "hostname") || !strcmp(flag, "h")) {
		if (!valid_hostname(v, strlen(v)))
			return hull_err_set(err, 0, "--hostname: invalid hostname \"%s\"", v);
		free(c->hostname);
		c->hostname = xstrdup(v);
	} else if (!strcmp(flag, "dns")) {
		if (!valid_ip_any(v))
			return hull_err_set(err, 0, "--dns: invalid IP address \"%s\"", v);
		net_strv_add(&c->dns, &c->n_dns, v);
	} else if (!strcmp(flag, "add-host")) {
		/* docker's NAME:IP (podman also takes NAME=IP); IPv6 after the first colon. */
		const char *sep = strpbrk(v, ":=");
		if (!sep || !valid_hostname(v, (size_t)(sep - v)) || !valid_ip_any(sep + 1))
			return hull_err_set(err, 0, "--add-host: invalid \"%s\": expected NAME:IP", v);
		_cleanup_free_ char *norm = xasprintf("%.*s:%s", (int)(sep - v), v, sep + 1);
		net_strv_add(&c->add_hosts, &c->n_add_hosts, norm);
	} else if (!strcmp(flag, "network-alias") || !strcmp(flag, "alias")) {
		if (!valid_hostname(v, strlen(v)))
			return hull_err_set(err, 0, "--network-alias: invalid name \"%s\"", v);
		net_strv_add(&c->aliases, &c->n_aliases, v);
	} else if (!strcmp(flag, "p") || !strcmp(flag, "publish")) {
		if (net_port_parse(v, &c->ports, &c->n_ports, err) < 0)
			return hull_err_wrap(err, "--publish");
	} else if (!strcmp(flag, "expose")) {
		struct net_port p;
		if (net_port_parse_exposed(v, &p, err) < 0)
			return hull_err_wrap(err, "--expose");
		net_strv_add(&c->exposed, &c->n_exposed, v);
	} else {
		return 0;
	}
	return 1;
}

void net_config_clear(struct net_config *c)
{
	free(c->network);
	free(c->ip);
	free(c->hostname);
	net_strv_free(c->dns, c->n_dns);
	net_strv_free(c->add_hosts, c->n_add_hosts);
	net_strv_free(c->aliases, c->n_aliases);
	net_strv_free(c->exposed, c->n_exposed);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

static json_t *strv_to_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *net_config_to_json(const struct net_config *c)
{
	json_t *j = json_object(), *ports = json_array();
	char a[16];
	if (c->network)
		json_object_set_new(j, "network", json_string(c->network));
	if (c->ip)
		json_object_set_new(j, "ip", json_string(c->ip));
	if (c->hostname)
		json_object_set_new(j, "hostname", json_string(c->hostname));
	json_object_set_new(j, "dns", strv_to_json(c->dns, c->n_dns));
	json_object_set_new(j, "add_hosts", strv_to_json(c->add_hosts, c->n_add_hosts));
	json_object_set_new(j, "aliases", strv_to_json(c->aliases, c->n_aliases));
	json_object_set_new(j, "exposed", strv_to_json(c->exposed, c->n_exposed));
	json_object_set_new(j, "publish_all", json_boolean(c->publish_all));
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct net_port *p = &c->ports[i];
		/* docker's PortBindings shape, one binding each: "80/tcp": [{"HostIp","HostPort"}] */
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:s}", "host_ip", p->host_ip ? ipam_fmt(p->host_ip, a) : "",
						       "host_port", p->host_port, "container_port", p->container_port,
						       "proto", net_proto_name(p->proto)));
	}
	json_object_set_new(j, "ports", ports);
	return j;
}

int net_config_from_json(json_t *j, struct net_config *c, struct hull_err **err)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(j))
		return 0; /* no network settings recorded: the defaults */
	const char *s;
	if ((s = json_string_value(json_object_get(j, "network"))))
		c->network = xstrdup(s);
	if ((s = json_string_value(json_object_get(j, "ip"))))
		c->ip = xstrdup(s);
	if ((s = json_string_value(json_object_get(j, "hostname"))))
		c->hostname = xstrdup(s);
	static const struct { const char *key; size_t off_v, off_n; } lists[] = {
		{ "dns", offsetof(struct net_config, dns), offsetof(struct net_config, n_dns) },
		{ "add_hosts", offsetof(struct net_config, add_hosts), offsetof(struct net_config, n_add_hosts) },
		{ "aliases", offsetof(struct net_config, aliases), offsetof(struct net_config, n_aliases) },
		{ "exposed", offsetof(struct net_config, exposed), offsetof(struct net_config, n_exposed) },
	};
	for (size_t k = 0; k < sizeof(lists) / sizeof(*lists); k++) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(j, lists[k].key), i, x) if (json_is_string(x))
			net_strv_add((char ***)((char *)c + lists[k].off_v), (size_t *)((char *)c + lists[k].off_n),
				 json_string_value(x));
	}
	c->publish_all = json_is_true(json_object_get(j, "publish_all"));
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "ports"), i, x) {
		struct net_port p = { 0 };
		const char *hip = json_string_value(json_object_get(x, "host_ip"));
		const char *proto = json_string_value(json_object_get(x, "proto"));
		json_int_t hp = json_integer_value(json_object_get(x, "host_port"));
		json_int_t cp = json_integer_value(json_object_get(x, "container_port"));
		if ((hip && *hip && ipam_parse_addr(hip, &p.host_ip, err) < 0) || hp < 0 || hp > 65535 || cp < 1 || cp > 65535) {
			net_config_clear(c);
			return hull_err_set(err, 0, "network settings: ports[%zu]: invalid", i);
		}
		p.host_port = (uint16_t)hp;
		p.container_port = (uint16_t)cp;
		p.proto = proto && !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof(*c->ports));
		c->ports[c->n_ports++] = p;
	}
	return 0;
}
