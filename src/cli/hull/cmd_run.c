/* cmd_run.c — hull create, run, start: docker's flags parsed into struct run_opts, then the engine. */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "engine/health.h"
#include "image/image.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	O_RM = 256, O_NAME, O_ENV_FILE, O_ENTRYPOINT, O_MOUNT, O_TMPFS, O_READ_ONLY, O_MEMORY_SWAP, O_CPUS,
	O_CPUSET, O_PIDS, O_ULIMIT, O_INIT, O_NETWORK, O_STOP_SIGNAL, O_STOP_TIMEOUT, O_RUNTIME, O_PRIVILEGED,
	O_CAP_ADD, O_CAP_DROP, O_SECOPT, O_LOG_OPT, O_SIG_PROXY, O_NETFLAG, O_PULL, O_LABEL_FILE,
	O_HEALTH_CMD, O_HEALTH_INTERVAL, O_HEALTH_TIMEOUT, O_HEALTH_START, O_HEALTH_RETRIES, O_NO_HEALTH,
};

static const struct option run_options[] = {
	{ "detach", no_argument, 0, 'd' }, { "rm", no_argument, 0, O_RM },
	{ "interactive", no_argument, 0, 'i' }, { "tty", no_argument, 0, 't' },
	{ "name", required_argument, 0, O_NAME }, { "env", required_argument, 0, 'e' },
	{ "env-file", required_argument, 0, O_ENV_FILE }, { "workdir", required_argument, 0, 'w' },
	{ "user", required_argument, 0, 'u' }, { "entrypoint", required_argument, 0, O_ENTRYPOINT },
	{ "hostname", required_argument, 0, 'h' }, { "volume", required_argument, 0, 'v' },
	{ "mount", required_argument, 0, O_MOUNT }, { "tmpfs", required_argument, 0, O_TMPFS },
	{ "read-only", no_argument, 0, O_READ_ONLY }, { "memory", required_argument, 0, 'm' },
	{ "memory-swap", required_argument, 0, O_MEMORY_SWAP }, { "cpus", required_argument, 0, O_CPUS },
	{ "cpu-shares", required_argument, 0, 'c' }, { "cpuset-cpus", required_argument, 0, O_CPUSET },
	{ "pids-limit", required_argument, 0, O_PIDS }, { "ulimit", required_argument, 0, O_ULIMIT },
	{ "init", no_argument, 0, O_INIT }, { "network", required_argument, 0, O_NETWORK },
	{ "net", required_argument, 0, O_NETWORK }, { "stop-signal", required_argument, 0, O_STOP_SIGNAL },
	{ "stop-timeout", required_argument, 0, O_STOP_TIMEOUT }, { "runtime", required_argument, 0, O_RUNTIME },
	{ "privileged", no_argument, 0, O_PRIVILEGED }, { "cap-add", required_argument, 0, O_CAP_ADD },
	{ "cap-drop", required_argument, 0, O_CAP_DROP }, { "security-opt", required_argument, 0, O_SECOPT },
	{ "log-opt", required_argument, 0, O_LOG_OPT }, { "sig-proxy", required_argument, 0, O_SIG_PROXY },
	{ "pull", required_argument, 0, O_PULL }, { "label", required_argument, 0, 'l' },
	{ "label-file", required_argument, 0, O_LABEL_FILE },
	{ "health-cmd", required_argument, 0, O_HEALTH_CMD }, { "health-interval", required_argument, 0, O_HEALTH_INTERVAL },
	{ "health-timeout", required_argument, 0, O_HEALTH_TIMEOUT },
	{ "health-start-period", required_argument, 0, O_HEALTH_START },
	{ "health-retries", required_argument, 0, O_HEALTH_RETRIES }, { "no-healthcheck", no_argument, 0, O_NO_HEALTH },
	{ "publish", required_argument, 0, 'p' }, { "publish-all", no_argument, 0, 'P' },
	/* handed to net_config_flag by name (src/net) */
	{ "ip", required_argument, 0, O_NETFLAG }, { "dns", required_argument, 0, O_NETFLAG },
	{ "add-host", required_argument, 0, O_NETFLAG }, { "network-alias", required_argument, 0, O_NETFLAG },
	{ "expose", required_argument, 0, O_NETFLAG },
	{ "help", no_argument, 0, 'H' }, { 0, 0, 0, 0 },
};

static void run_usage(const char *cmd, FILE *out)
{
	fprintf(out, "Usage: hull %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
		     "  -d, --detach            run in the background, print the container id%s\n"
		     "      --rm                remove the container when it exits\n"
		     "  -i, --interactive       keep stdin open (attached: forward it)\n"
		     "  -t, --tty               allocate a terminal\n"
		     "      --name NAME         -e, --env K=V   --env-file FILE   -w, --workdir DIR   -u, --user U[:G]\n"
		     "      --entrypoint CMD    -h, --hostname NAME   -l, --label K[=V]   --label-file FILE\n"
		     "      --health-cmd CMD    --health-interval D   --health-timeout D   --health-start-period D\n"
		     "      --health-retries N  --no-healthcheck\n"
		     "  -v, --volume SRC:DST[:ro]   --mount type=bind|volume|tmpfs,...   --tmpfs DST[:OPTS]   --read-only\n"
		     "  -m, --memory N[kmg]     --memory-swap N|-1   --cpus N   -c, --cpu-shares N   --cpuset-cpus LIST\n"
		     "      --pids-limit N      --ulimit NAME=SOFT[:HARD]   --init\n"
		     "      --network none|host|bridge|NAME|container:X|cni:NAME   --ip IP   --dns IP   --add-host NAME:IP\n"
		     "  -p, --publish [IP:][HOSTPORT:]PORT[/tcp|udp]   -P, --publish-all   --expose PORT   --network-alias NAME\n"
		     "      --stop-signal SIG   --stop-timeout SECONDS   --runtime PATH\n"
		     "      --privileged        --cap-add CAP   --cap-drop CAP\n"
		     "      --security-opt seccomp=FILE|unconfined | no-new-privileges\n"
		     "      --log-opt max-size=N[kmg] | max-file=N\n"
		     "      --pull missing|always|never   pull the image first (default: when the store lacks it)\n",
		cmd, strcmp(cmd, "create") ? "" : " (run only)");
}

static int64_t size_arg(const char *flag, const char *s, bool allow_minus_one)
{
	if (allow_minus_one && !strcmp(s, "-1"))
		return -1;
	char *end;
	double v = strtod(s, &end);
	int64_t mul = 1;
	switch (*end) {
	case 0: case 'b': case 'B': break;
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024LL * 1024 * 1024; end++; break;
	default: mul = 0;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (end == s || *end || mul == 0 || v <= 0) {
		fprintf(stderr, "hull: %s %s: invalid size (want a number with an optional unit b, k, m or g)\n", flag, s);
		return -2;
	}
	return (int64_t)(v * (double)mul);
}

static void opts_free(struct run_opts *o)
{
	struct strv *all[] = { &o->cmd, &o->env, &o->env_files, &o->volumes, &o->mounts, &o->tmpfs, &o->cap_add,
			       &o->cap_drop, &o->ulimits, &o->security_opts, &o->log_opts, &o->labels,
			       &o->label_files };
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		strv_clear(all[i]);
}

/* Parse argv into o; returns 0, or the exit code for a usage error (-1: help printed). */
static int parse_run(const char *cmd, int argc, char **argv, struct run_opts *o, bool *detach, bool *sig_proxy,
		     const char **pull)
{
	*pull = "missing";
	memset(o, 0, sizeof(*o));
	o->stop_timeout = -1;
	o->health_interval = o->health_timeout = o->health_start_period = -1;
	o->health_retries = -1;
	*sig_proxy = true;
	int c;
	optind = 1;
	int li = -1;
	while ((c = getopt_long(argc, argv, "+dite:w:u:h:v:m:c:p:Pl:", run_options, &li)) != -1) {
		char *end;
		switch (c) {
		case 'd': *detach = true; break;
		case O_RM: o->rm = true; break;
		case 'i': o->interactive = true; break;
		case 't': o->tty = true; break;
		case O_NAME: o->name = optarg; break;
		case 'e': strv_push(&o->env, optarg); break;
		case O_ENV_FILE: strv_push(&o->env_files, optarg); break;
		case 'l': strv_push(&o->labels, optarg); break;
		case O_HEALTH_CMD: o->health_cmd = optarg; break;
		case O_NO_HEALTH: o->no_healthcheck = true; break;
		case O_HEALTH_INTERVAL: case O_HEALTH_TIMEOUT: case O_HEALTH_START: {
			int64_t *dst = c == O_HEALTH_INTERVAL ? &o->health_interval
				     : c == O_HEALTH_TIMEOUT ? &o->health_timeout : &o->health_start_period;
			if (health_parse_duration(optarg, dst) < 0) {
				fprintf(stderr, "hull: --%s %s: want a duration (e.g. 30s, 1m30s, 500ms)\n",
					run_options[li].name, optarg);
				return 125;
			}
			break;
		}
		case O_HEALTH_RETRIES:
			o->health_retries = (int)strtol(optarg, &end, 10);
			if (*end || o->health_retries < 0) {
				fprintf(stderr, "hull: --health-retries %s: want a count\n", optarg);
				return 125;
			}
			break;
		case O_LABEL_FILE: strv_push(&o->label_files, optarg); break;
		case 'w': o->workdir = optarg; break;
		case 'u': o->user = optarg; break;
		case O_ENTRYPOINT: o->entrypoint = optarg; o->has_entrypoint = true; break;
		case 'h': o->hostname = optarg; break;
		case 'v': strv_push(&o->volumes, optarg); break;
		case O_MOUNT: strv_push(&o->mounts, optarg); break;
		case O_TMPFS: strv_push(&o->tmpfs, optarg); break;
		case O_READ_ONLY: o->read_only = true; break;
		case 'm': if ((o->memory = size_arg("--memory", optarg, false)) < 0) return 125; break;
		case O_MEMORY_SWAP: if ((o->memory_swap = size_arg("--memory-swap", optarg, true)) < -1) return 125; break;
		case O_CPUS:
			o->cpus = strtod(optarg, &end);
			if (*end || o->cpus <= 0) {
				fprintf(stderr, "hull: --cpus %s: want a positive number\n", optarg);
				return 125;
			}
			break;
		case 'c':
			o->cpu_shares = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "hull: --cpu-shares %s: want an integer\n", optarg);
				return 125;
			}
			break;
		case O_CPUSET: o->cpuset_cpus = optarg; break;
		case O_PIDS:
			o->pids_limit = strtoll(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "hull: --pids-limit %s: want an integer\n", optarg);
				return 125;
			}
			break;
		case O_ULIMIT: strv_push(&o->ulimits, optarg); break;
		case O_INIT: o->init = true; break;
		case O_NETWORK: o->network = optarg; break;
		case 'p': case 'P': case O_NETFLAG: {
			struct hull_err *err = NULL;
			const char *flag = c == 'p' ? "-p" : c == 'P' ? "-P" : run_options[li].name;
			if (net_config_flag(&o->net, flag, c == 'P' ? NULL : optarg, &err) < 0)
				return cli_fail(err);
			break;
		}
		case O_STOP_SIGNAL: o->stop_signal = optarg; break;
		case O_STOP_TIMEOUT:
			o->stop_timeout = (int)strtol(optarg, &end, 10);
			if (*end || o->stop_timeout < 0) {
				fprintf(stderr, "hull: --stop-timeout %s: want seconds\n", optarg);
				return 125;
			}
			break;
		case O_RUNTIME: o->runtime = optarg; break;
		case O_PRIVILEGED: o->privileged = true; break;
		case O_CAP_ADD: strv_push(&o->cap_add, optarg); break;
		case O_CAP_DROP: strv_push(&o->cap_drop, optarg); break;
		case O_SECOPT: strv_push(&o->security_opts, optarg); break;
		case O_LOG_OPT: strv_push(&o->log_opts, optarg); break;
		case O_SIG_PROXY: *sig_proxy = cli_bool(optarg) != 0; break;
		case O_PULL:
			if (strcmp(optarg, "missing") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
				fprintf(stderr, "hull: --pull %s: want missing, always or never\n", optarg);
				return 125;
			}
			*pull = optarg;
			break;
		case 'H': run_usage(cmd, stdout); return -1;
		default: run_usage(cmd, stderr); return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hull: %s: requires an image\n", cmd);
		return 125;
	}
	o->image = argv[optind++];
	for (; optind < argc; optind++)
		strv_push(&o->cmd, argv[optind]);
	return 0;
}

static int fail(struct hull_err *err, int code)
{
	fprintf(stderr, "hull: %s\n", err && err->msg ? err->msg : "unknown error");
	hull_err_free(err);
	return code;
}

/* docker's --pull: "missing" (the default) pulls an image the store does not have, "always" pulls first,
 * "never" uses the store only. Only a pull loads the transfer library (libhull-transfer.so): a run of an
 * image in the store never does. Progress goes to stderr, so `run -d` still prints only the id. */
static int ensure_image(struct hull_globals *g, const char *image, const char *policy, struct hull_err **err)
{
	if (!strcmp(policy, "never"))
		return 0;
	if (!strcmp(policy, "missing")) {
		struct image_info info;
		struct hull_err *e = NULL;
		if (image_resolve(g->root, image, &info, &e) == 0) {
			image_info_free(&info);
			return 0;
		}
		if (e->errnum != ENOENT) /* ambiguous, unreadable store…: not a reason to pull */
			return hull_err_pass(err, &e);
		hull_err_free(e);
		fprintf(stderr, "Unable to find image '%s' locally\n", image);
	}
	const struct image_transfer *tr;
	struct store s;
	if (cli_transfer_store(g, &tr, &s, err) < 0)
		return -1;
	struct pull_opts po = { .tls_verify = true, .out = stderr, .tty = isatty(2) };
	_cleanup_free_ char *id = NULL;
	int r = tr->pull(&s, image, &po, &id, err);
	store_close(&s);
	return r < 0 ? hull_err_wrap(err, "pull %s", image) : 0;
}

static int create_or_run(struct hull_globals *g, int argc, char **argv, bool run)
{
	struct run_opts o;
	bool detach = false, sig_proxy = true;
	const char *pull = NULL;
	int r = parse_run(argv[0], argc, argv, &o, &detach, &sig_proxy, &pull);
	if (r) {
		opts_free(&o);
		return r < 0 ? 0 : r;
	}
	if (!run && detach) {
		opts_free(&o);
		fprintf(stderr, "hull: create: -d is a flag of run\n");
		return 125;
	}
	struct engine e;
	struct hull_err *err = NULL;
	_cleanup_free_ char *id = NULL;
	/* --pull missing: the image is looked up once, by create; pulled only when that finds it missing */
	if (strcmp(pull, "missing") != 0 && ensure_image(g, o.image, pull, &err) < 0) {
		opts_free(&o);
		return fail(err, 125);
	}
	if (engine_open(&e, g->root, &err) < 0) {
		opts_free(&o);
		return fail(err, 125);
	}
	r = engine_create(&e, &o, &id, &err);
	if (r < 0 && !strcmp(pull, "missing") && err->errnum == ENOENT) {
		struct hull_err *pe = NULL;
		r = ensure_image(g, o.image, pull, &pe);
		if (r == 0) {
			hull_err_free(err);
			err = NULL;
			r = engine_create(&e, &o, &id, &err);
		} else {
			hull_err_free(err);
			err = pe; /* the pull's error says more than "no such image" */
		}
	}
	opts_free(&o);
	if (r < 0) {
		engine_close(&e);
		return fail(err, 125);
	}
	if (!run) {
		printf("%s\n", id);
		engine_close(&e);
		return 0;
	}
	_cleanup_ctr_ struct ctr *c = ctr_get(&e, id, &err);
	if (!c) {
		engine_close(&e);
		return fail(err, 125);
	}
	struct attach a = { .attach = !detach, .stdin_ = o.interactive && !detach, .sig_proxy = sig_proxy };
	int code;
	r = engine_start(&e, c, &a, &code, &err);
	if (r < 0) {
		engine_close(&e);
		return fail(err, code);
	}
	if (detach)
		printf("%s\n", id);
	fflush(stdout);
	engine_close(&e);
	return detach ? 0 : code;
}

int cmd_run(struct hull_globals *g, int argc, char **argv)
{
	return create_or_run(g, argc, argv, true);
}

int cmd_create(struct hull_globals *g, int argc, char **argv)
{
	return create_or_run(g, argc, argv, false);
}

int cmd_start(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "attach", no_argument, 0, 'a' },
					      { "interactive", no_argument, 0, 'i' },
					      { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	bool attach = false, interactive = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+aih", opts, NULL)) != -1) {
		switch (c) {
		case 'a': attach = true; break;
		case 'i': interactive = true; break;
		case 'h': printf("Usage: hull start [-a] [-i] CONTAINER...\n"); return 0;
		default: return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hull: start: requires at least one container\n");
		return 125;
	}
	if (attach && argc - optind > 1) {
		fprintf(stderr, "hull: start: -a takes one container\n");
		return 125;
	}
	struct engine e;
	struct hull_err *err = NULL;
	if (engine_open(&e, g->root, &err) < 0)
		return fail(err, 125);
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		_cleanup_ctr_ struct ctr *ct = ctr_find(&e, argv[i], &err);
		if (!ct) {
			rc = fail(err, 125);
			err = NULL;
			continue;
		}
		struct attach a = { .attach = attach, .stdin_ = attach && interactive, .sig_proxy = true };
		int code;
		if (engine_start(&e, ct, &a, &code, &err) < 0) {
			rc = fail(err, code);
			err = NULL;
			continue;
		}
		if (attach)
			rc = code;
		else
			printf("%s\n", argv[i]);
	}
	engine_close(&e);
	return rc;
}
