/* main.c — hull's entry: global options, then dispatch to cmd_<name>. */
#include "cli/hull/cli.h"
#include "runtime/selfseal.h"
#include "util/log.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *name, *help;
	int (*fn)(struct hull_globals *, int, char **);
};

#define X(str, name, help) { str, help, cmd_##name },
static const struct command commands[] = { HULL_COMMANDS(X) };
#undef X

static void usage(FILE *out)
{
	fprintf(out, "Usage: hull [global options] command [command options] [arguments...]\n\n"
		     "hull: a daemonless container engine.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].fn)
			fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nGlobal options:\n"
		     "   --root DIR     store of images and containers (default: \"/var/lib/hull\")\n"
		     "   --trace        print each significant step with its time, to stderr\n"
		     "   --help, -h     show help\n"
		     "   --version, -v  print the version\n");
}

int cli_fail(struct hull_err *err)
{
	fprintf(stderr, "hull: %s\n", err && err->msg ? err->msg : "unknown error");
	hull_err_free(err);
	return 125;
}

int cli_bool(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "1"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "0"))
		return 0;
	return -1;
}

int main(int argc, char **argv)
{
	struct hull_globals g = { .root = "/var/lib/hull", .argv0 = argv[0] };
	/* hull puts processes into containers (the runtime library in-process): CVE-2019-5736 as hullrt */
	struct hull_err *serr = NULL;
	if (selfseal_startup(&serr) < 0) {
		fprintf(stderr, "hull: %s\n", serr->msg);
		hull_err_free(serr);
		return 125;
	}
	static const struct option opts[] = {
		{ "root", required_argument, 0, 'r' }, { "trace", no_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },       { "version", no_argument, 0, 'v' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r': g.root = optarg; break;
		case 't': g.trace = true; break;
		case 'h': usage(stdout); return 0;
		case 'v': printf("hull version %s\n", HULL_VERSION); return 0;
		default: usage(stderr); return 125;
		}
	}
	/* A closed pipe to an unpacker is an error to report, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	hull_log_init(NULL, HULL_LOG_TEXT, getenv("HULL_DEBUG") != NULL);
	if (g.trace)
		hull_trace_init(fcntl(2, F_DUPFD_CLOEXEC, 3));
	if (optind >= argc) {
		usage(stderr);
		return 125;
	}
	int cmd_index = optind;
	const char *name = argv[cmd_index];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (!commands[i].fn) {
			fprintf(stderr, "hull: %s: command not built in this binary\n", name);
			return 125;
		}
		optind = 0;
		return commands[i].fn(&g, argc - cmd_index, argv + cmd_index);
	}
	fprintf(stderr, "hull: no such command: %s (see hull --help)\n", name);
	return 125;
}
