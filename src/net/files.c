/* files.c — see files.h. */
#include "net/files.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static bool shares_user_network(const struct net_container *a, const struct net_container *b, const char **net)
{
	for (size_t i = 0; i < a->n_eps; i++)
		for (size_t j = 0; j < b->n_eps; j++)
			if (!strcmp(a->eps[i].network, b->eps[j].network) &&
			    strcmp(a->eps[i].network, NET_DEFAULT_NAME)) {
				*net = b->eps[j].network;
				return true;
			}
	return false;
}

char *net_hosts_content(const struct net_container *c, const struct net_container *all, size_t n,
			const char *host_hosts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	char a[16];
	if (host_hosts) {
		fputs(host_hosts, f);
		if (*host_hosts && host_hosts[strlen(host_hosts) - 1] != '\n')
			fputc('\n', f);
	} else {
		fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	}
	if (c->mode == NET_MODE_CNI && c->cni_result) {
		uint32_t ip = net_cni_result_ip(c->cni_result);
		if (ip)
			fprintf(f, "%s\t%s\n", ipam_fmt(ip, a), c->hostname);
	}
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct net_endpoint *e = &c->eps[i];
		fprintf(f, "%s\t%s", ipam_fmt(e->ip, a), c->hostname);
		if (*c->name && strcmp(c->name, c->hostname))
			fprintf(f, " %s", c->name);
		for (size_t k = 0; k < e->n_aliases; k++)
			fprintf(f, " %s", e->aliases[k]);
		fputc('\n', f);
	}
	if (c->mode == NET_MODE_HOST || (c->n_eps == 0 && c->mode != NET_MODE_CNI))
		fprintf(f, "127.0.1.1\t%s\n", c->hostname);
	for (size_t i = 0; i < n; i++) {
		const struct net_container *p = &all[i];
		const char *net;
		if (!strcmp(p->id, c->id) || !shares_user_network(c, p, &net))
			continue;
		for (size_t j = 0; j < p->n_eps; j++) {
			if (strcmp(p->eps[j].network, net))
				continue;
			fprintf(f, "%s\t%s", ipam_fmt(p->eps[j].ip, a), *p->name ? p->name : p->hostname);
			if (*p->name && strcmp(p->hostname, p->name))
				fprintf(f, " %s", p->hostname);
			for (size_t k = 0; k < p->eps[j].n_aliases; k++)
				fprintf(f, " %s", p->eps[j].aliases[k]);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < c->n_add_hosts; i++) {
		/* validated NAME:IP by net_config_flag */
		const char *h = c->add_hosts[i], *colon = strchr(h, ':');
		if (colon)
			fprintf(f, "%s\t%.*s\n", colon + 1, (int)(colon - h), h);
	}
	fclose(f);
	return buf;
}

static bool is_loopback_ns(const char *line)
{
	char ns[64];
	if (sscanf(line, " nameserver %63s", ns) != 1)
		return false;
	return !strncmp(ns, "127.", 4) || !strcmp(ns, "::1");
}

char *net_resolv_content(const char *host_resolv, char **dns, size_t n_dns, bool keep_loopback)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	bool have_ns = false;
	const char *p = host_resolv ? host_resolv : "";
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, l);
		p += l + (e ? 1 : 0);
		bool ns = !strncmp(line + strspn(line, " \t"), "nameserver", 10);
		if (ns && (n_dns || (!keep_loopback && is_loopback_ns(line))))
			continue;
		have_ns |= ns;
		fprintf(f, "%s\n", line);
	}
	for (size_t i = 0; i < n_dns; i++) {
		fprintf(f, "nameserver %s\n", dns[i]);
		have_ns = true;
	}
	if (!have_ns)
		fprintf(f, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	fclose(f);
	return buf;
}

/* In place when the file exists (bind-mounted: the inode must stay), atomically when new. */
static int put_file(int dfd, const char *name, const char *text, bool create, struct hull_err **err)
{
	if (create)
		return fs_write_atomic(dfd, name, text, strlen(text), 0644, err);
	_cleanup_fd_ int fd = openat(dfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? fs_write_atomic(dfd, name, text, strlen(text), 0644, err)
				       : hull_err_sys(err, "open %s", name);
	size_t l = strlen(text);
	if (ftruncate(fd, 0) < 0 || write(fd, text, l) != (ssize_t)l)
		return hull_err_sys(err, "write %s", name);
	return 0;
}

int net_write_files(const char *root, const struct net_container *c, bool create, struct hull_err **err)
{
	_cleanup_free_ char *dir = c->files_dir ? xstrdup(c->files_dir) : net_file_path(root, c->id, "");
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_fd_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return hull_err_sys(err, "open %s", dir);
	/* Peers: every recorded container (a handful of small JSON files); only a container with an
	 * endpoint can share a network with them. */
	char **ids = NULL;
	size_t n_ids = 0;
	if (c->n_eps && net_container_ids(root, &ids, &n_ids, err) < 0)
		return -1;
	struct net_container *all = xcalloc(n_ids + 1, sizeof(*all));
	size_t n = 0;
	for (size_t i = 0; i < n_ids; i++)
		if (net_container_load(root, ids[i], &all[n], NULL) == 0)
			n++;
	net_strv_free(ids, n_ids);
	bool host = c->mode == NET_MODE_HOST;
	_cleanup_free_ char *host_hosts = host ? fs_read_file_at(AT_FDCWD, "/etc/hosts", NULL, NULL) : NULL;
	_cleanup_free_ char *host_resolv = fs_read_file_at(AT_FDCWD, "/etc/resolv.conf", NULL, NULL);
	_cleanup_free_ char *hosts = net_hosts_content(c, all, n, host ? (host_hosts ? host_hosts : "") : NULL);
	_cleanup_free_ char *resolv = net_resolv_content(host_resolv, c->dns, c->n_dns, host);
	_cleanup_free_ char *hostname = xasprintf("%s\n", c->hostname);
	for (size_t i = 0; i < n; i++)
		net_container_clear(&all[i]);
	free(all);
	/* The engine's files are bind-mounted already when a restarted container is wired: in place. */
	if (c->files_dir)
		create = false;
	if (put_file(dfd, "hosts", hosts, create, err) < 0 || put_file(dfd, "hostname", hostname, create, err) < 0 ||
	    ((create || c->files_dir) && put_file(dfd, "resolv.conf", resolv, create, err) < 0))
		return hull_err_wrap(err, "%s", dir);
	return 0;
}

int net_write_initial_files(int dirfd, const struct net_config *cfg, const char *mode, const char *hostname,
			    struct hull_err **err)
{
	bool host = mode && !strcmp(mode, "host");
	struct net_container c = { .mode = host ? NET_MODE_HOST : NET_MODE_NONE, .dns = cfg->dns,
				   .n_dns = cfg->n_dns, .add_hosts = cfg->add_hosts, .n_add_hosts = cfg->n_add_hosts };
	snprintf(c.hostname, sizeof(c.hostname), "%s", hostname);
	_cleanup_free_ char *host_hosts = host ? fs_read_file_at(AT_FDCWD, "/etc/hosts", NULL, NULL) : NULL;
	_cleanup_free_ char *host_resolv = fs_read_file_at(AT_FDCWD, "/etc/resolv.conf", NULL, NULL);
	_cleanup_free_ char *hosts = net_hosts_content(&c, NULL, 0, host ? (host_hosts ? host_hosts : "") : NULL);
	_cleanup_free_ char *resolv = net_resolv_content(host_resolv, c.dns, c.n_dns, host);
	_cleanup_free_ char *hn = xasprintf("%s\n", hostname);
	if (fs_write_new(dirfd, "hostname", hn, strlen(hn), 0644, err) < 0 ||
	    fs_write_new(dirfd, "hosts", hosts, strlen(hosts), 0644, err) < 0 ||
	    fs_write_new(dirfd, "resolv.conf", resolv, strlen(resolv), 0644, err) < 0)
		return -1;
	return 0;
}
