/* cmd_container.c — hull ps, stop, kill, rm, restart, wait, top, inspect (containers first, then images),
 * container <sub>. (stats: cmd_stats.c) */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "engine/filter.h"
#include "image/image.h"
#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(struct hull_err *err)
{
	return cli_fail(err);
}

static int open_engine(struct hull_globals *g, struct engine *e)
{
	struct hull_err *err = NULL;
	if (engine_open(e, g->root, &err) < 0)
		return fail(err);
	return 0;
}

/* Every container (repaired), newest first; on failure the error is printed and 125 returned. */
static int open_and_list(struct hull_globals *g, struct engine *e, struct ctr ***cs, size_t *n)
{
	if (open_engine(g, e))
		return 125;
	struct hull_err *err = NULL;
	if (ctr_list(e, cs, n, &err) < 0) {
		engine_close(e);
		return fail(err);
	}
	return 0;
}

static time_t parse_time(const char *s)
{
	struct tm tm = { 0 };
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static void human_ago(char *buf, size_t cap, time_t t)
{
	long d = (long)(time(NULL) - t);
	if (d < 1)
		snprintf(buf, cap, "Less than a second");
	else if (d < 60)
		snprintf(buf, cap, "%ld second%s", d, d == 1 ? "" : "s");
	else if (d < 3600)
		snprintf(buf, cap, "%ld minute%s", d / 60, d / 60 == 1 ? "" : "s");
	else if (d < 86400)
		snprintf(buf, cap, "%ld hour%s", d / 3600, d / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, cap, "%ld days", d / 86400);
}

static char *status_text(struct ctr *c)
{
	json_t *st = json_object_get(c->rec, "State");
	const char *s = ctr_status(c);
	char ago[64];
	if (!strcmp(s, "running")) {
		human_ago(ago, sizeof(ago), parse_time(json_string_value(json_object_get(st, "StartedAt"))));
		const char *health = json_string_value(json_object_get(json_object_get(st, "Health"), "Status"));
		if (engine_paused(c))
			return xasprintf("Up %s (Paused)", ago);
		if (health)
			return xasprintf("Up %s (%s%s)", ago, strcmp(health, "starting") ? "" : "health: ", health);
		return xasprintf("Up %s", ago);
	}
	if (!strcmp(s, "exited")) {
		human_ago(ago, sizeof(ago), parse_time(json_string_value(json_object_get(st, "FinishedAt"))));
		return xasprintf("Exited (%d) %s ago", (int)json_integer_value(json_object_get(st, "ExitCode")), ago);
	}
	if (!strcmp(s, "removing"))
		return xstrdup("Removal In Progress");
	return xstrdup("Created");
}

static char *command_text(struct ctr *c)
{
	size_t cap = 256, n = 0;
	char *s = xcalloc(1, cap);
	json_t *path = json_object_get(c->rec, "Path");
	n += (size_t)snprintf(s, cap, "%s", json_string_value(path) ? json_string_value(path) : "");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(c->rec, "Args"), i, a)
		if (n < cap - 1)
			n += (size_t)snprintf(s + n, cap - n, " %s", json_string_value(a));
	return s;
}

int cmd_ps(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' }, { "quiet", no_argument, 0, 'q' },
					      { "format", required_argument, 0, 'F' }, { "no-trunc", no_argument, 0, 'n' },
					      { "filter", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	bool all = false, quiet = false, json_fmt = false, no_trunc = false;
	struct ctr_filters *filters = ctr_filters_new();
	struct hull_err *ferr = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "aqf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'n': no_trunc = true; break;
		case 'f':
			if (ctr_filters_add(filters, optarg, &ferr) < 0) {
				ctr_filters_free(filters);
				hull_err_wrap(&ferr, "ps");
				return cli_fail(ferr);
			}
			break;
		case 'F':
			if (strcmp(optarg, "json")) {
				fprintf(stderr, "hull: ps --format %s: only \"json\" is known\n", optarg);
				ctr_filters_free(filters);
				return 125;
			}
			json_fmt = true;
			break;
		case 'h':
			printf("Usage: hull ps [-a] [-q] [--no-trunc] [--format json] [-f|--filter KEY=VALUE]...\n"
			       "  KEY: id (prefix), name (regular expression), status, ancestor (image), label (K or K=V),\n"
			       "  exited (exit code), before/since (container), volume (name or destination), network,\n"
			       "  publish/expose (PORT[/PROTO] or START-END[/PROTO]), health (starting, healthy,\n"
			       "  unhealthy, none); AND across keys, OR within one\n");
			ctr_filters_free(filters);
			return 0;
		default: ctr_filters_free(filters); return 125;
		}
	}
	/* docker: asking for a status lists containers in any state */
	all |= ctr_filters_name_status(filters);
	struct engine e;
	struct ctr **cs;
	size_t n;
	if (open_and_list(g, &e, &cs, &n)) {
		ctr_filters_free(filters);
		return 125;
	}
	if (ctr_filters_resolve(filters, &e, &ferr) < 0) {
		for (size_t i = 0; i < n; i++)
			ctr_free(cs[i]);
		free(cs);
		ctr_filters_free(filters);
		engine_close(&e);
		hull_err_wrap(&ferr, "ps");
		return cli_fail(ferr);
	}
	json_t *arr = json_array();
	if (!quiet && !json_fmt)
		printf("%-12s   %-20s   %-22s   %-16s   %-26s   %-8s   %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
		       "CREATED", "STATUS", "PORTS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		struct ctr *ct = cs[i];
		if ((all || !strcmp(ctr_status(ct), "running")) && ctr_filters_match(filters, ct)) {
			_cleanup_free_ char *st = status_text(ct);
			_cleanup_free_ char *cmd = command_text(ct);
			const char *img = json_string_value(json_object_get(ct->rec, "ImageName"));
			if (json_fmt) {
				json_array_append_new(arr, json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s,s:s,s:i,s:i}", "Id", ct->id,
					"Names", ctr_name(ct), "Image", img ? img : "", "ImageID",
					json_string_value(json_object_get(ct->rec, "Image")) ?: "", "Command", cmd, "Created",
					json_string_value(json_object_get(ct->rec, "Created")) ?: "", "State",
					engine_paused(ct) ? "paused" : ctr_status(ct),
					"ExitCode", (int)json_integer_value(json_object_get(json_object_get(ct->rec, "State"), "ExitCode")),
					"Pid", (int)ctr_pid(ct)));
				json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "Status", json_string(st));
				char *pt = net_ports_text(ct->e->root, ct->id);
				json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "Ports", json_string(pt));
				free(pt);
			} else if (quiet) {
				printf("%.*s\n", no_trunc ? 64 : 12, ct->id);
			} else {
				char created[64];
				human_ago(created, sizeof(created), parse_time(json_string_value(json_object_get(ct->rec, "Created"))));
				_cleanup_free_ char *ports = net_ports_text(ct->e->root, ct->id);
				char cmdq[64];
				snprintf(cmdq, sizeof(cmdq), "\"%.*s%s\"", no_trunc ? 60 : 19, cmd,
					 !no_trunc && strlen(cmd) > 19 ? "…" : "");
				printf("%.*s   %-20s   %-22s   %-16s   %-26s   %-8s   %s\n", no_trunc ? 64 : 12, ct->id,
				       img ? img : "", cmdq, strcat(created, " ago"), st, ports, ctr_name(ct));
			}
		}
		ctr_free(ct);
	}
	free(cs);
	if (json_fmt) {
		json_dumpf(arr, stdout, JSON_INDENT(4));
		putchar('\n');
	}
	json_decref(arr);
	ctr_filters_free(filters);
	engine_close(&e);
	return 0;
}

/* For each container argument: fn(ctr). Docker prints the argument back on success. */
static int each(struct hull_globals *g, int argc, char **argv, int first,
		int (*fn)(struct ctr *, void *, struct hull_err **), void *arg, bool echo)
{
	if (first >= argc) {
		fprintf(stderr, "hull: %s: requires at least one container\n", argv[0]);
		return 125;
	}
	struct engine e;
	if (open_engine(g, &e))
		return 125;
	int rc = 0;
	for (int i = first; i < argc; i++) {
		struct hull_err *err = NULL;
		_cleanup_ctr_ struct ctr *c = ctr_find(&e, argv[i], &err);
		int r = c ? fn(c, arg, &err) : -1;
		if (r < 0) {
			fail(err);
			rc = 1;
		} else if (echo) {
			printf("%s\n", argv[i]);
		}
	}
	engine_close(&e);
	return rc;
}

static int do_stop(struct ctr *c, void *arg, struct hull_err **err)
{
	return engine_stop(c, *(int *)arg, err);
}

static int parse_timeout(int argc, char **argv, int *t)
{
	static const struct option opts[] = { { "time", required_argument, 0, 't' },
					      { "timeout", required_argument, 0, 't' }, { 0, 0, 0, 0 } };
	int c;
	optind = 1;
	*t = -1;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return -1;
		char *end;
		*t = (int)strtol(optarg, &end, 10);
		if (*end || *t < 0) {
			fprintf(stderr, "hull: %s -t %s: want seconds\n", argv[0], optarg);
			return -1;
		}
	}
	return 0;
}

int cmd_stop(struct hull_globals *g, int argc, char **argv)
{
	int t;
	if (parse_timeout(argc, argv, &t) < 0)
		return 125;
	return each(g, argc, argv, optind, do_stop, &t, true);
}

static int do_kill(struct ctr *c, void *arg, struct hull_err **err)
{
	return engine_kill(c, *(int *)arg, err);
}

int cmd_kill(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "signal", required_argument, 0, 's' }, { 0, 0, 0, 0 } };
	int c, sig = SIGKILL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's')
			return 125;
		sig = engine_signal_parse(optarg);
		if (sig <= 0) {
			fprintf(stderr, "hull: kill -s %s: unknown signal\n", optarg);
			return 125;
		}
	}
	return each(g, argc, argv, optind, do_kill, &sig, true);
}

struct rm_args { bool force, volumes; };

static int do_rm(struct ctr *c, void *arg, struct hull_err **err)
{
	struct rm_args *a = arg;
	return engine_remove(c, a->force, a->volumes, err);
}

int cmd_rm(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, 0, 'f' }, { "volumes", no_argument, 0, 'v' },
					      { 0, 0, 0, 0 } };
	struct rm_args a = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fv", opts, NULL)) != -1) {
		if (c == 'f')
			a.force = true;
		else if (c == 'v')
			a.volumes = true;
		else
			return 125;
	}
	return each(g, argc, argv, optind, do_rm, &a, true);
}

static int do_restart(struct ctr *c, void *arg, struct hull_err **err)
{
	if (engine_stop(c, *(int *)arg, err) < 0)
		return -1;
	if (ctr_reload(c, err) < 0)
		return -1;
	struct attach a = { 0 };
	int code;
	return engine_start(c->e, c, &a, &code, err);
}

int cmd_restart(struct hull_globals *g, int argc, char **argv)
{
	int t;
	if (parse_timeout(argc, argv, &t) < 0)
		return 125;
	return each(g, argc, argv, optind, do_restart, &t, true);
}

static int do_wait(struct ctr *c, void *arg, struct hull_err **err)
{
	int code = engine_wait(c, err);
	if (code < 0)
		return -1;
	printf("%d\n", code);
	*(int *)arg = code;
	return 0;
}

int cmd_wait(struct hull_globals *g, int argc, char **argv)
{
	int last = 0;
	return each(g, argc, argv, 1, do_wait, &last, false);
}

static int do_top(struct ctr *c, void *arg, struct hull_err **err)
{
	return engine_top(c, err);
}

int cmd_top(struct hull_globals *g, int argc, char **argv)
{
	return each(g, argc, argv, 1, do_top, NULL, false);
}

static int do_pause(struct ctr *c, void *arg, struct hull_err **err)
{
	return engine_pause(c, *(bool *)arg, err);
}

int cmd_pause(struct hull_globals *g, int argc, char **argv)
{
	bool pause = true;
	return each(g, argc, argv, 1, do_pause, &pause, true);
}

int cmd_unpause(struct hull_globals *g, int argc, char **argv)
{
	bool pause = false;
	return each(g, argc, argv, 1, do_pause, &pause, true);
}

/* docker port: "80/tcp -> 0.0.0.0:8080" for every binding, or the addresses of one PRIVATE_PORT[/PROTO]. */
int cmd_port(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: hull port CONTAINER [PRIVATE_PORT[/PROTO]]\n");
		return 125;
	}
	struct engine e;
	if (open_engine(g, &e))
		return 125;
	struct hull_err *err = NULL;
	_cleanup_ctr_ struct ctr *c = ctr_find(&e, argv[1], &err);
	if (!c) {
		engine_close(&e);
		return fail(err);
	}
	_cleanup_free_ char *want = argc == 3 ? (strchr(argv[2], '/') ? xstrdup(argv[2]) : xasprintf("%s/tcp", argv[2]))
					      : NULL;
	json_t *settings = net_settings(e.root, c->id);
	json_t *ports = json_object_get(settings, "Ports");
	const char *key;
	json_t *bindings;
	bool found = false;
	json_object_foreach(ports, key, bindings) {
		if (want && strcmp(key, want))
			continue;
		size_t i;
		json_t *b;
		json_array_foreach(bindings, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *port = json_string_value(json_object_get(b, "HostPort"));
			if (!port)
				continue;
			found = true;
			if (want)
				printf("%s:%s\n", ip && *ip ? ip : "0.0.0.0", port);
			else
				printf("%s -> %s:%s\n", key, ip && *ip ? ip : "0.0.0.0", port);
		}
	}
	json_decref(settings);
	engine_close(&e);
	if (want && !found) {
		fprintf(stderr, "hull: no public port '%s' published for %s\n", want, argv[1]);
		return 1;
	}
	return 0;
}

static int container_prune(struct hull_globals *g)
{
	struct engine e;
	struct ctr **cs;
	size_t n;
	if (open_and_list(g, &e, &cs, &n))
		return 125;
	printf("Deleted Containers:\n");
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = ctr_status(cs[i]);
		if (!strcmp(s, "exited") || !strcmp(s, "created")) {
			struct hull_err *err = NULL;
			if (engine_remove(cs[i], false, false, &err) < 0) {
				fail(err);
				rc = 1;
			} else
				printf("%s\n", cs[i]->id);
		}
		ctr_free(cs[i]);
	}
	free(cs);
	engine_close(&e);
	return rc;
}

/* inspect: containers (the record and what the kernel says), else images (cmd_inspect of cmd_image.c). */
int cmd_inspect_any(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "type", required_argument, 0, 't' }, { 0, 0, 0, 0 } };
	const char *type = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 't' || (strcmp(optarg, "container") && strcmp(optarg, "image"))) {
			fprintf(stderr, "hull: inspect: --type container|image\n");
			return 125;
		}
		type = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "hull: inspect: want a container or an image\n");
		return 125;
	}
	struct engine e;
	if (open_engine(g, &e))
		return 125;
	int rc = 0;
	for (int i = optind; i < argc && rc == 0; i++) {
		struct hull_err *err = NULL;
		struct ctr *ct = type && !strcmp(type, "image") ? NULL : ctr_find(&e, argv[i], &err);
		if (ct) {
			json_t *out = json_deep_copy(ct->rec);
			/* paused is the kernel's word (the freezer), not the record's */
			bool paused = engine_paused(ct);
			json_t *state = json_object_get(out, "State");
			json_object_set_new(state, "Paused", json_boolean(paused));
			if (paused)
				json_object_set_new(state, "Status", json_string("paused"));
			json_object_set_new(out, "Isolation", engine_isolation(ct));
			json_object_set_new(out, "NetworkSettings", net_settings(e.root, ct->id));
			json_t *arr = json_pack("[o]", out);
			json_dumpf(arr, stdout, JSON_INDENT(4));
			putchar('\n');
			json_decref(arr);
			ctr_free(ct);
			continue;
		}
		if (type && !strcmp(type, "container")) {
			rc = fail(err);
			break;
		}
		hull_err_free(err);
		if (!cmd_inspect) {
			fprintf(stderr, "hull: no such container: %s\n", argv[i]);
			rc = 125;
			break;
		}
		char *sub[] = { "inspect", argv[i], NULL };
		optind = 0;
		rc = cmd_inspect(g, 2, sub);
	}
	engine_close(&e);
	return rc;
}

int cmd_container(struct hull_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: hull container ls|ps|create|run|start|stop|kill|restart|rm|wait|inspect|logs|exec|top|stats|prune\n");
		return 125;
	}
	const char *sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	if (!strcmp(sub, "ls") || !strcmp(sub, "list") || !strcmp(sub, "ps"))
		return cmd_ps(g, argc, argv);
	if (!strcmp(sub, "prune"))
		return container_prune(g);
	if (!strcmp(sub, "inspect"))
		return cmd_inspect_any(g, argc, argv);
	static const struct { const char *name; int (*fn)(struct hull_globals *, int, char **); } subs[] = {
		{ "create", cmd_create }, { "run", cmd_run }, { "start", cmd_start }, { "stop", cmd_stop },
		{ "kill", cmd_kill }, { "restart", cmd_restart }, { "rm", cmd_rm }, { "wait", cmd_wait },
		{ "logs", cmd_logs }, { "exec", cmd_exec }, { "top", cmd_top }, { "stats", cmd_stats },
	};
	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
		if (!strcmp(subs[i].name, sub) && subs[i].fn)
			return subs[i].fn(g, argc, argv);
	fprintf(stderr, "hull: container %s: unknown command\n", sub);
	return 125;
}
