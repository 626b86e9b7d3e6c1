/* cmd_network.c — `hull network create|ls|inspect|rm|connect|disconnect|prune` (docker's surface).
 * Three hidden subcommands drive the network library without the engine (tests, debugging):
 *   hull network _attach [run's network flags] --id ID [--name NAME] --pid PID   (net_prepare + net_attach)
 *   hull network _release ID          hull network _container ID   (net_inspect_container as JSON)
 *   hull network _check ID (CNI CHECK)   hull network _reconcile
 */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "net/net.h"
#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(4) | JSON_SORT_KEYS);
	printf("%s\n", s);
	free(s);
	json_decref(j);
	return 0;
}

static int cmd_net_create(struct hull_globals *g, int argc, char **argv)
{
	const char *subnet = NULL, *gateway = NULL, *driver = "bridge";
	bool internal = false;
	static const struct option opts[] = {
		{ "subnet", required_argument, 0, 's' }, { "gateway", required_argument, 0, 'g' },
		{ "internal", no_argument, 0, 'i' }, { "driver", required_argument, 0, 'd' }, { 0, 0, 0, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) != -1) {
		switch (c) {
		case 's': subnet = optarg; break;
		case 'g': gateway = optarg; break;
		case 'i': internal = true; break;
		case 'd': driver = optarg; break;
		default: return 125;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "Usage: hull network create [--subnet CIDR] [--gateway IP] [--internal] NAME\n");
		return 125;
	}
	struct hull_err *err = NULL;
	if (strcmp(driver, "bridge"))
		return cli_fail((hull_err_set(&err, 0, "network create: --driver %s: only \"bridge\" exists", driver), err));
	if (gateway && !subnet)
		return cli_fail((hull_err_set(&err, 0, "network create: --gateway needs --subnet"), err));
	struct net_network n;
	if (net_network_create(g->root, argv[optind], subnet, gateway, internal, &n, &err) < 0)
		return cli_fail(err);
	printf("%s\n", n.id);
	return 0;
}

static int cmd_net_ls(struct hull_globals *g, int argc, char **argv)
{
	bool quiet = argc > 1 && (!strcmp(argv[1], "-q") || !strcmp(argv[1], "--quiet"));
	struct net_network *nets;
	size_t n;
	struct hull_err *err = NULL;
	if (net_network_list(g->root, &nets, &n, &err) < 0)
		return cli_fail(err);
	if (!quiet)
		printf("%-14s %-20s %-8s %-18s %s\n", "NETWORK ID", "NAME", "DRIVER", "SUBNET", "INTERNAL");
	for (size_t i = 0; i < n; i++) {
		char sn[19];
		if (quiet)
			printf("%s\n", nets[i].name);
		else
			printf("%-14.12s %-20s %-8s %-18s %s\n", nets[i].id, nets[i].name, "bridge",
			       ipam_fmt_subnet(&nets[i].subnet, sn), nets[i].internal ? "true" : "false");
	}
	free(nets);
	return 0;
}

static int cmd_net_inspect(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: hull network inspect NETWORK...\n");
		return 125;
	}
	json_t *all = json_array();
	for (int i = 1; i < argc; i++) {
		struct hull_err *err = NULL;
		json_t *j = net_network_inspect(g->root, argv[i], &err);
		if (!j) {
			json_decref(all);
			return cli_fail(err);
		}
		json_array_append_new(all, j);
	}
	return print_json(all);
}

static int cmd_net_rm(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: hull network rm NETWORK...\n");
		return 125;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct hull_err *err = NULL;
		if (net_network_rm(g->root, argv[i], &err) < 0)
			rc = cli_fail(err);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

static int cmd_net_prune(struct hull_globals *g, int argc, char **argv)
{
	char **removed;
	size_t n;
	struct hull_err *err = NULL;
	int r = net_prune(g->root, &removed, &n, &err);
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", removed[i]);
		free(removed[i]);
	}
	free(removed);
	return r < 0 ? cli_fail(err) : 0;
}

static int cmd_net_connect(struct hull_globals *g, int argc, char **argv)
{
	const char *ip = NULL;
	char **aliases = NULL;
	size_t n_aliases = 0;
	static const struct option opts[] = {
		{ "ip", required_argument, 0, 'i' }, { "alias", required_argument, 0, 'a' }, { 0, 0, 0, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 'a':
			aliases = xrealloc(aliases, (n_aliases + 1) * sizeof(char *));
			aliases[n_aliases++] = optarg;
			break;
		default: free(aliases); return 125;
		}
	}
	if (optind + 2 != argc) {
		free(aliases);
		fprintf(stderr, "Usage: hull network connect [--ip IP] [--alias NAME] NETWORK CONTAINER\n");
		return 125;
	}
	struct hull_err *err = NULL;
	struct engine e;
	if (engine_open(&e, g->root, &err) < 0) {
		free(aliases);
		return cli_fail(err);
	}
	int r = -1;
	_cleanup_ctr_ struct ctr *ct = ctr_find(&e, argv[optind + 1], &err);
	if (!ct && err->errnum == ENOENT) {
		/* not an engine container: one src/net knows by itself (`network _prepare`/`_attach`) */
		hull_err_free(err);
		err = NULL;
		r = net_connect(g->root, argv[optind], argv[optind + 1], ip, aliases, n_aliases, &err);
	} else if (ct) {
		/* docker's rule: a container in its own private netns (none), the host's or another
		 * container's cannot join a network */
		const char *mode = ctr_network_mode(ct);
		if (!strcmp(mode, "none") || !strcmp(mode, "host") || !strncmp(mode, "container:", 10))
			hull_err_set(&err, 0, "container %s has --network %s: it cannot be connected to a network",
				     argv[optind + 1], mode);
		else
			r = net_connect(g->root, argv[optind], ct->id, ip, aliases, n_aliases, &err);
	}
	free(aliases);
	engine_close(&e);
	return r < 0 ? cli_fail(err) : 0;
}

static int cmd_net_disconnect(struct hull_globals *g, int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force")))
		first = 2;
	if (argc != first + 2) {
		fprintf(stderr, "Usage: hull network disconnect NETWORK CONTAINER\n");
		return 125;
	}
	struct hull_err *err = NULL;
	return net_disconnect(g->root, argv[first], argv[first + 1], &err) < 0 ? cli_fail(err) : 0;
}

/* net_prepare + net_attach for a process that already has its own network namespace. */
static int cmd_net_attach(struct hull_globals *g, int argc, char **argv)
{
	struct net_config cfg = { 0 };
	const char *id = NULL, *name = NULL;
	long pid = 0;
	struct hull_err *err = NULL;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--id") && v) {
			id = v;
		} else if (!strcmp(a, "--name") && v) {
			name = v;
		} else if (!strcmp(a, "--pid") && v) {
			pid = strtol(v, NULL, 10);
		} else {
			int r = net_config_flag(&cfg, a, (!strcmp(a, "-P") || !strcmp(a, "--publish-all")) ? NULL : v, &err);
			if (r < 0) {
				rc = cli_fail(err);
				goto out;
			}
			if (r == 0) {
				fprintf(stderr, "hull: network _attach: unknown flag %s\n", a);
				rc = 125;
				goto out;
			}
			if (!strcmp(a, "-P") || !strcmp(a, "--publish-all"))
				continue;
		}
		i++;
	}
	if (!id || pid <= 0) {
		fprintf(stderr, "Usage: hull network _attach [network flags] --id ID [--name NAME] --pid PID\n");
		rc = 125;
		goto out;
	}
	if (net_prepare(g->root, id, name, &cfg, NULL, &err) < 0 || net_attach(g->root, id, (pid_t)pid, &err) < 0) {
		rc = cli_fail(err);
		goto out;
	}
	json_t *j = net_inspect_container(g->root, id, &err);
	if (!j) {
		rc = cli_fail(err);
		goto out;
	}
	print_json(j);
out:
	net_config_clear(&cfg);
	return rc;
}

int cmd_network(struct hull_globals *g, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct hull_globals *, int, char **);
	} subs[] = {
		{ "create", cmd_net_create }, { "ls", cmd_net_ls }, { "list", cmd_net_ls }, { "inspect", cmd_net_inspect },
		{ "rm", cmd_net_rm }, { "remove", cmd_net_rm }, { "prune", cmd_net_prune }, { "connect", cmd_net_connect },
		{ "disconnect", cmd_net_disconnect }, { "_attach", cmd_net_attach },
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: hull network COMMAND\n\n"
			"  create [--subnet CIDR] [--gateway IP] [--internal] NAME\n"
			"  ls [-q]\n  inspect NETWORK...\n  rm NETWORK...\n  prune\n"
			"  connect [--ip IP] [--alias NAME] NETWORK CONTAINER\n  disconnect NETWORK CONTAINER\n");
		return argc < 2 ? 125 : 0;
	}
	struct hull_err *err = NULL;
	if (!strcmp(argv[1], "_release") && argc == 3)
		return net_release(g->root, argv[2], &err) < 0 ? cli_fail(err) : 0;
	if (!strcmp(argv[1], "_container") && argc == 3) {
		json_t *j = net_inspect_container(g->root, argv[2], &err);
		return j ? print_json(j) : cli_fail(err);
	}
	if (!strcmp(argv[1], "_check") && argc == 3)
		return net_check(g->root, argv[2], &err) < 0 ? cli_fail(err) : 0;
	if (!strcmp(argv[1], "_reconcile") && argc == 2)
		return net_reconcile(g->root, &err) < 0 ? cli_fail(err) : 0;
	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(g, argc - 1, argv + 1);
	fprintf(stderr, "hull: network: unknown command \"%s\"\n", argv[1]);
	return 125;
}
