/* cmd_exec.c — hull exec and hull logs. */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_exec(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, 0, 'd' }, { "interactive", no_argument, 0, 'i' },
		{ "tty", no_argument, 0, 't' }, { "env", required_argument, 0, 'e' },
		{ "user", required_argument, 0, 'u' }, { "workdir", required_argument, 0, 'w' },
		{ "privileged", no_argument, 0, 'P' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct exec_flags f = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+dite:u:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': f.detach = true; break;
		case 'i': f.interactive = true; break;
		case 't': f.tty = true; break;
		case 'e': strv_push(&f.env, optarg); break;
		case 'u': f.user = optarg; break;
		case 'w': f.workdir = optarg; break;
		case 'P': f.privileged = true; break;
		case 'h': printf("Usage: hull exec [-d] [-i] [-t] [-e K=V] [-u USER[:GROUP]] [-w DIR] CONTAINER COMMAND [ARG...]\n"); return 0;
		default: return 125;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "hull: exec: requires a container and a command\n");
		strv_clear(&f.env);
		return 125;
	}
	const char *what = argv[optind++];
	for (int i = optind; i < argc; i++)
		strv_push(&f.cmd, argv[i]);
	struct engine e;
	struct hull_err *err = NULL;
	int rc;
	if (engine_open(&e, g->root, &err) < 0) {
		strv_clear(&f.env);
		strv_clear(&f.cmd);
		return cli_fail(err);
	}
	_cleanup_ctr_ struct ctr *ct = ctr_find(&e, what, &err);
	if (!ct) {
		rc = cli_fail(err);
	} else if ((rc = engine_exec(ct, &f, &err)) < 0) {
		fprintf(stderr, "hull: %s\n", err && err->msg ? err->msg : "exec failed");
		/* the command could not run: 126/127 as docker, else an engine error */
		rc = engine_start_error_code(err);
		hull_err_free(err);
	}
	engine_close(&e);
	strv_clear(&f.env);
	strv_clear(&f.cmd);
	return rc;
}

int cmd_logs(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "follow", no_argument, 0, 'f' }, { "tail", required_argument, 0, 'n' },
					      { "timestamps", no_argument, 0, 't' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	struct logs_opts o = { .tail = -1 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fn:th", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.follow = true; break;
		case 't': o.timestamps = true; break;
		case 'n': {
			char *end;
			if (!strcmp(optarg, "all")) {
				o.tail = -1;
				break;
			}
			o.tail = strtol(optarg, &end, 10);
			if (*end || o.tail < 0) {
				fprintf(stderr, "hull: logs --tail %s: want a number or \"all\"\n", optarg);
				return 125;
			}
			break;
		}
		case 'h': printf("Usage: hull logs [-f] [--tail N] [-t] CONTAINER\n"); return 0;
		default: return 125;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "hull: logs: requires exactly one container\n");
		return 125;
	}
	struct engine e;
	struct hull_err *err = NULL;
	if (engine_open(&e, g->root, &err) < 0)
		return cli_fail(err);
	_cleanup_ctr_ struct ctr *ct = ctr_find(&e, argv[optind], &err);
	int rc = 0;
	if (!ct || engine_logs(ct, &o, &err) < 0)
		rc = cli_fail(err);
	engine_close(&e);
	return rc;
}
