/* nft.c — see nft.h. */
#include "net/nft.h"
#include "net/nftlib.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool network_used(const struct net_network *n, const struct net_container *cs, size_t n_cs)
{
	for (size_t i = 0; i < n_cs; i++)
		for (size_t j = 0; j < cs[i].n_eps; j++)
			if (!strcmp(cs[i].eps[j].network, n->name))
				return true;
	return false;
}

char *net_nft_rules(const struct net_network *nets, const bool *active, size_t n_nets,
		    const struct net_container *cs, size_t n_cs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	/* Published ports: to any local address, from outside (prerouting) and from the host itself (output). */
	for (size_t i = 0; i < n_cs; i++) {
		const struct net_container *c = &cs[i];
		if (!c->n_eps || c->mode != NET_MODE_BRIDGE)
			continue;
		char cip[16], hip[16];
		ipam_fmt(c->eps[0].ip, cip);
		for (size_t j = 0; j < c->n_ports; j++) {
			const struct net_port *p = &c->ports[j];
			fprintf(f, "publish\t");
			if (p->host_ip)
				fprintf(f, "ip daddr %s ", ipam_fmt(p->host_ip, hip));
			fprintf(f, "%s dport %u dnat to %s:%u comment \"%.12s\"\n", net_proto_name(p->proto), p->host_port,
				cip, p->container_port, c->id);
		}
	}
	for (size_t i = 0; i < n_nets; i++) {
		const struct net_network *n = &nets[i];
		if (!active[i] && !network_used(n, cs, n_cs))
			continue;
		char sn[19];
		ipam_fmt_subnet(&n->subnet, sn);
		/* 127.0.0.1:hostPort DNATed to the bridge keeps its loopback source (route_localnet lets it out):
		 * give it the gateway's address so the container can answer. Same for a container reaching a
		 * published port of its own bridge (hairpin): its peer must answer through the host. */
		fprintf(f, "postrouting\toifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", n->bridge);
		fprintf(f, "postrouting\toifname \"%s\" ip saddr %s ct status dnat masquerade\n", n->bridge, sn);
		if (!n->internal) {
			fprintf(f, "postrouting\tip saddr %s oifname != \"%s\" masquerade\n", sn, n->bridge);
		} else {
			/* An internal network talks to nothing but itself; a drop in any base chain is final. */
			fprintf(f, "forward\tiifname \"%s\" oifname != \"%s\" drop\n", n->bridge, n->bridge);
			fprintf(f, "forward\toifname \"%s\" iifname != \"%s\" drop\n", n->bridge, n->bridge);
		}
	}
	fclose(f);
	return buf;
}

/* The rules of one chain, one per line, tab-indented for the table body. */
static void put_chain_rules(FILE *f, const char *rules, const char *chain)
{
	size_t cl = strlen(chain);
	for (const char *p = rules; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l > cl && !strncmp(p, chain, cl) && p[cl] == '\t')
			fprintf(f, "\t\t%.*s\n", (int)(l - cl - 1), p + cl + 1);
		p += l + (nl ? 1 : 0);
	}
}

char *net_nft_script(const char *rules, bool present)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	/* "add" first so the delete cannot fail on a missing table; the commands are one transaction. */
	if (present)
		fprintf(f, "add table ip " NET_NFT_TABLE "\ndelete table ip " NET_NFT_TABLE "\n");
	if (!*rules) {
		fclose(f);
		return buf;
	}
	fprintf(f, "table ip " NET_NFT_TABLE " {\n");
	fprintf(f, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		   "\t\tfib daddr type local jump publish\n\t}\n");
	fprintf(f, "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
		   "\t\tfib daddr type local jump publish\n\t}\n");
	fprintf(f, "\tchain publish {\n");
	put_chain_rules(f, rules, "publish");
	fprintf(f, "\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	put_chain_rules(f, rules, "postrouting");
	fprintf(f, "\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
	put_chain_rules(f, rules, "forward");
	fprintf(f, "\t}\n}\n");
	fclose(f);
	return buf;
}

/* Split text into its lines (modified in place). */
static size_t split_lines(char *text, char ***out)
{
	size_t n = 0;
	*out = NULL;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		*out = xrealloc(*out, (n + 1) * sizeof(char *));
		(*out)[n++] = l;
	}
	return n;
}

char *net_nft_delta(const char *have, const char *want)
{
	_cleanup_free_ char *h = xstrdup(have), *w = xstrdup(want);
	_cleanup_free_ char **hl = NULL, **wl = NULL;
	size_t nh = split_lines(h, &hl), nw = split_lines(w, &wl);
	_cleanup_free_ bool *used = xcalloc(nh + 1, sizeof(bool));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	size_t matched = 0;
	for (size_t i = 0; i < nw; i++) {
		size_t k = 0;
		while (k < nh && (used[k] || strcmp(hl[k], wl[i])))
			k++;
		if (k < nh) {
			used[k] = true;
			matched++;
			continue;
		}
		char *tab = strchr(wl[i], '\t');
		if (tab)
			fprintf(f, "add rule ip " NET_NFT_TABLE " %.*s %s\n", (int)(tab - wl[i]), wl[i], tab + 1);
	}
	fclose(f);
	if (matched < nh) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the kernel ---- */

/* The fds this process has open, as a bitmap of the first 1024. */
static void open_fds(uint64_t map[16])
{
	memset(map, 0, 16 * sizeof(uint64_t));
	_cleanup_dir_ DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd >= 0 && fd < 1024 && fd != dirfd(d))
			map[fd / 64] |= 1ull << (fd % 64);
	}
}

/* libnftables' context, made once per process and never freed: freeing it closes its netlink socket,
 * which waits for the RCU grace period of the transaction just made whenever that deleted anything
 * (nft.h). The process's exit closes it. libnftables opens that socket without O_CLOEXEC (at the first
 * command): as the context now outlives the command, what this process starts later (hooks, runtimes)
 * must not inherit it, so the fds that first command opened are marked close-on-exec. */
static struct nft_ctx *shared_ctx(const struct nftlib *nft, const char *first_cmd, int *rc, struct hull_err **err)
{
	static struct nft_ctx *ctx;
	if (ctx) {
		*rc = nft->run_cmd_from_buffer(ctx, first_cmd);
		return ctx;
	}
	uint64_t before[16], after[16];
	open_fds(before);
	ctx = nft->ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return hull_err_set(err, 0, "nftables: cannot create a context"), NULL;
	nft->ctx_buffer_output(ctx);
	nft->ctx_buffer_error(ctx);
	*rc = nft->run_cmd_from_buffer(ctx, first_cmd);
	open_fds(after);
	for (int fd = 0; fd < 1024; fd++)
		if ((after[fd / 64] & ~before[fd / 64]) & (1ull << (fd % 64))) {
			int fl = fcntl(fd, F_GETFD);
			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		}
	return ctx;
}

static int nft_run(const char *script, const char *what, struct hull_err **err)
{
	uint64_t t = trace_begin();
	const struct nftlib *nft = nftlib_get(err);
	int r = -1;
	struct nft_ctx *ctx = nft ? shared_ctx(nft, script, &r, err) : NULL;
	if (!ctx)
		return -1;
	/* reading a buffer also empties it for the next command */
	nft->ctx_get_output_buffer(ctx);
	const char *e = nft->ctx_get_error_buffer(ctx);
	if (r != 0) {
		_cleanup_free_ char *msg = xstrdup(e && *e ? e : "failed");
		size_t l = strlen(msg);
		while (l && msg[l - 1] == '\n')
			msg[--l] = 0;
		return hull_err_set(err, 0, "nftables: %s", msg);
	}
	trace_end(t, "nftables: %s table ip " NET_NFT_TABLE, what);
	return 0;
}

/* What the recorded state is valid for: this boot and this network namespace (generation ids restart
 * at each boot and are per netns). */
static char *state_key(void)
{
	_cleanup_free_ char *boot = fs_read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", NULL, NULL);
	struct stat st;
	if (!boot || stat("/proc/self/ns/net", &st) < 0)
		return NULL;
	boot[strcspn(boot, "\n")] = 0;
	return xasprintf("%s %llu:%llu", boot, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

int net_nft_apply(const char *state_path, const char *rules, struct hull_err **err)
{
	uint32_t gen = 0;
	int present = net_nft_probe(&gen);
	_cleanup_free_ char *key = state_key();
	_cleanup_free_ char *state = fs_read_file_at(AT_FDCWD, state_path, NULL, NULL);
	_cleanup_free_ char *script = NULL;
	const char *what = "replace";
	/* state: "<key> <genid>\n" then the rule lines hull committed last */
	if (present >= 0 && key && state) {
		char *body = strchr(state, '\n');
		unsigned long g = 0;
		size_t kl = strlen(key);
		if (body && !strncmp(state, key, kl) && state[kl] == ' ' && sscanf(state + kl + 1, "%lu", &g) == 1 &&
		    g == gen && present == (body[1] != 0)) {
			/* nothing committed since hull's last transaction: the table holds exactly those lines */
			script = present ? net_nft_delta(body + 1, rules) : NULL;
			if (script && !*script) {
				trace_end(trace_begin(), "nftables: table ip " NET_NFT_TABLE " unchanged (generation %u)", gen);
				return 0;
			}
			what = "append to";
		}
	}
	if (!script) {
		script = net_nft_script(rules, present != 0);
		what = present == 0 ? "create" : *rules ? "replace" : "delete";
	}
	if (*script && nft_run(script, what, err) < 0) {
		unlink(state_path);
		return -1;
	}
	/* One transaction moves the generation by one; anything else means another commit came between,
	 * and the next change replaces the table rather than trust this record. */
	uint32_t after = 0;
	int now = net_nft_probe(&after);
	if (key && now >= 0 && now == (*rules != 0) && after == gen + (*script ? 1 : 0)) {
		_cleanup_free_ char *text = xasprintf("%s %u\n%s", key, after, rules);
		_cleanup_free_ char *dir = xstrdup(state_path);
		char *slash = strrchr(dir, '/');
		*slash = 0;
		_cleanup_fd_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (dfd >= 0 && fs_write_replace(dfd, slash + 1, text, strlen(text), 0600, NULL) == 0)
			return 0;
	}
	unlink(state_path);
	return 0;
}

char *net_nft_list(struct hull_err **err)
{
	const struct nftlib *nft = nftlib_get(err);
	int r = -1;
	struct nft_ctx *ctx = nft ? shared_ctx(nft, "list table ip " NET_NFT_TABLE, &r, err) : NULL;
	if (!ctx)
		return NULL;
	const char *o = nft->ctx_get_output_buffer(ctx);
	nft->ctx_get_error_buffer(ctx);
	if (r != 0)
		return xstrdup(""); /* no such table */
	return xstrdup(o ? o : "");
}
