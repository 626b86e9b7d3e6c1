/* nft.c — see nft.h. */
#include "net/nft.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <nftables/libnftables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool network_used(const struct net_network *n, const struct net_container *cs, size_t n_cs)
{
	for (size_t i = 0; i < n_cs; i++)
		for (size_t j = 0; j < cs[i].n_eps; j++)
			if (!strcmp(cs[i].eps[j].network, n->name))
				return true;
	return false;
}

char *net_nft_script(const struct net_network *nets, size_t n_nets, const struct net_container *cs, size_t n_cs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	/* "add" first so the delete cannot fail on a missing table; the three commands are one transaction. */
	fprintf(f, "add table ip " NET_NFT_TABLE "\ndelete table ip " NET_NFT_TABLE "\n");
	bool any = false;
	for (size_t i = 0; i < n_nets; i++)
		any |= network_used(&nets[i], cs, n_cs);
	if (!any) {
		fclose(f);
		return buf;
	}
	fprintf(f, "table ip " NET_NFT_TABLE " {\n");
	/* Published ports: to any local address, from outside (prerouting) and from the host itself (output). */
	fprintf(f, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		   "\t\tfib daddr type local jump publish\n\t}\n");
	fprintf(f, "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
		   "\t\tfib daddr type local jump publish\n\t}\n");
	fprintf(f, "\tchain publish {\n");
	for (size_t i = 0; i < n_cs; i++) {
		const struct net_container *c = &cs[i];
		if (!c->n_eps || c->mode != NET_MODE_BRIDGE)
			continue;
		char cip[16], hip[16];
		ipam_fmt(c->eps[0].ip, cip);
		for (size_t j = 0; j < c->n_ports; j++) {
			const struct net_port *p = &c->ports[j];
			const char *proto = net_proto_name(p->proto);
			fprintf(f, "\t\t");
			if (p->host_ip)
				fprintf(f, "ip daddr %s ", ipam_fmt(p->host_ip, hip));
			fprintf(f, "%s dport %u dnat to %s:%u comment \"%.12s\"\n", proto, p->host_port, cip,
				p->container_port, c->id);
		}
	}
	fprintf(f, "\t}\n");
	fprintf(f, "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	for (size_t i = 0; i < n_nets; i++) {
		const struct net_network *n = &nets[i];
		if (!network_used(n, cs, n_cs))
			continue;
		char sn[19];
		ipam_fmt_subnet(&n->subnet, sn);
		/* 127.0.0.1:hostPort DNATed to the bridge keeps its loopback source (route_localnet lets it out):
		 * give it the gateway's address so the container can answer. Same for a container reaching a
		 * published port of its own bridge (hairpin): its peer must answer through the host. */
		fprintf(f, "\t\toifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", n->bridge);
		fprintf(f, "\t\toifname \"%s\" ip saddr %s ct status dnat masquerade\n", n->bridge, sn);
		if (!n->internal)
			fprintf(f, "\t\tip saddr %s oifname != \"%s\" masquerade\n", sn, n->bridge);
	}
	fprintf(f, "\t}\n");
	fprintf(f, "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
	for (size_t i = 0; i < n_nets; i++) {
		const struct net_network *n = &nets[i];
		if (!n->internal || !network_used(n, cs, n_cs))
			continue;
		/* An internal network talks to nothing but itself; a drop in any base chain is final. */
		fprintf(f, "\t\tiifname \"%s\" oifname != \"%s\" drop\n", n->bridge, n->bridge);
		fprintf(f, "\t\toifname \"%s\" iifname != \"%s\" drop\n", n->bridge, n->bridge);
	}
	fprintf(f, "\t}\n}\n");
	fclose(f);
	return buf;
}

static void nft_ctx_freep(struct nft_ctx **c)
{
	if (*c)
		nft_ctx_free(*c);
}

int net_nft_run(const char *script, struct hull_err **err)
{
	uint64_t t = trace_begin();
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return hull_err_set(err, 0, "nftables: cannot create a context");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (nft_run_cmd_from_buffer(ctx, script) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		_cleanup_free_ char *msg = xstrdup(e && *e ? e : "failed");
		size_t l = strlen(msg);
		while (l && msg[l - 1] == '\n')
			msg[--l] = 0;
		return hull_err_set(err, 0, "nftables: %s", msg);
	}
	trace_end(t, "nftables: replace table ip " NET_NFT_TABLE);
	return 0;
}

char *net_nft_list(struct hull_err **err)
{
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return hull_err_set(err, 0, "nftables: cannot create a context"), NULL;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (nft_run_cmd_from_buffer(ctx, "list table ip " NET_NFT_TABLE) != 0)
		return xstrdup(""); /* no such table */
	const char *o = nft_ctx_get_output_buffer(ctx);
	return xstrdup(o ? o : "");
}
