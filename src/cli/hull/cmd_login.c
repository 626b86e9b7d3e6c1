/* cmd_login.c — login, logout: credentials in auth.json (image/auth.h, through image/transfer.h). */
#include "cli/hull/cli.h"
#include "image/registry.h"
#include "image/transfer.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_login(struct hull_globals *g, int argc, char **argv)
{
	const char *user = NULL, *pass = NULL, *authfile = NULL;
	bool pass_stdin = false, tls_verify = true;
	static const struct option opts[] = {
		{ "username", required_argument, 0, 'u' }, { "password", required_argument, 0, 'p' },
		{ "password-stdin", no_argument, 0, 's' }, { "authfile", required_argument, 0, 'a' },
		{ "tls-verify", optional_argument, 0, 't' }, { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 's': pass_stdin = true; break;
		case 'a': authfile = optarg; break;
		case 't': tls_verify = optarg ? cli_bool(optarg) == 1 : true; break;
		default: return 125;
		}
	}
	if (optind + 1 != argc || !user) {
		fprintf(stderr, "Usage: hull login -u USER [-p PASS | --password-stdin] [--tls-verify=false] REGISTRY\n");
		return 125;
	}
	_cleanup_free_ char *line = NULL;
	if (pass_stdin) {
		size_t cap = 0;
		ssize_t n = getline(&line, &cap, stdin);
		if (n < 0) {
			fprintf(stderr, "hull: login: no password on stdin\n");
			return 125;
		}
		line[strcspn(line, "\r\n")] = 0;
		pass = line;
	}
	if (!pass) {
		fprintf(stderr, "hull: login: give a password with -p or --password-stdin\n");
		return 125;
	}
	const char *host = argv[optind];
	struct registry_opts ro = { .tls_verify = tls_verify, .authfile = authfile, .user = user, .pass = pass };
	struct hull_err *err = NULL;
	const struct image_transfer *tr = image_transfer(&err);
	if (!tr || tr->login(host, &ro, &err) < 0)
		return cli_fail(err);
	printf("Login Succeeded!\n");
	return 0;
}

int cmd_logout(struct hull_globals *g, int argc, char **argv)
{
	const char *authfile = NULL;
	bool all = false;
	static const struct option opts[] = {
		{ "authfile", required_argument, 0, 'a' }, { "all", no_argument, 0, 'A' }, { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		switch (c) {
		case 'a': authfile = optarg; break;
		case 'A': all = true; break;
		default: return 125;
		}
	}
	if (!all && optind + 1 != argc) {
		fprintf(stderr, "Usage: hull logout [--all] [--authfile F] REGISTRY\n");
		return 125;
	}
	struct hull_err *err = NULL;
	const struct image_transfer *tr = image_transfer(&err);
	if (!tr)
		return cli_fail(err);
	const char *host = all ? NULL : argv[optind];
	int r = tr->logout(authfile, host, &err);
	if (r < 0)
		return cli_fail(err);
	if (r == 0) {
		fprintf(stderr, "hull: not logged into %s\n", host ? host : "any registry");
		return 125;
	}
	printf(all ? "Removed login credentials for all registries\n" : "Removed login credentials for %s\n", host);
	return 0;
}
