/* main.c — hullrt's entry: global options, then dispatch to cmd_<name>. */
#include "cli/hullrt/cli.h"
#include "util/log.h"
#include "runtime/selfseal.h"
#include "runtime/state.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *name, *help;
	int (*fn)(struct hullrt_globals *, int, char **);
};

#define X(name, help) { #name, help, cmd_##name },
static const struct command commands[] = { HULLRT_COMMANDS(X) };
#undef X

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hullrt [global options] command [command options] [arguments...]\n\n"
		"hullrt: an OCI runtime (runtime-spec %s), command-line compatible with runc.\n\nCommands:\n",
		HULLRT_SPEC_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nGlobal options:\n"
		     "   --root value        root directory for storage of container state (default: \"/run/hull\";\n"
		     "                       run by a user other than root: \"$XDG_RUNTIME_DIR/hull\" when it is set)\n"
		     "   --log value         set the log file to write hullrt logs to (default: stderr)\n"
		     "   --log-format value  set the log format ('text' (default), or 'json')\n"
		     "   --debug             enable debug logging\n"
		     "   --systemd-cgroup    enable systemd cgroup support (not available: see README)\n"
		     "   --trace             print each step of the container's life with its time, to stderr\n"
		     "   --help, -h          show help\n"
		     "   --version, -v       print the version\n");
}

int cli_fail(struct hullrt_globals *g, struct hull_err *err)
{
	const char *msg = err && err->msg ? err->msg : "unknown error";
	log_error("%s", msg);
	/* runc prints errors to stderr even when logging to a file; containerd reads the log file. */
	/* With --log-format json on stderr, log_error has already written it there as a json line. */
	if (hull_log_fd() != 2)
		fprintf(stderr, "hullrt: %s\n", msg);
	hull_err_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	struct hullrt_globals g = { .root = HULL_STATE_ROOT_DEFAULT, .log_format = "text", .argv0 = argv[0] };
	/* rootless, as runc: the state lives in the user's runtime dir when there is one */
	_cleanup_free_ char *user_root = NULL;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (geteuid() != 0 && xdg && xdg[0] == '/')
		g.root = user_root = xasprintf("%s/hull", xdg);
	struct hull_err *serr = NULL;
	if (selfseal_startup(&serr) < 0) {
		fprintf(stderr, "hullrt: %s\n", serr->msg);
		return 1;
	}
	static const struct option opts[] = {
		{ "root", required_argument, 0, 'r' },      { "log", required_argument, 0, 'l' },
		{ "log-format", required_argument, 0, 'f' }, { "debug", no_argument, 0, 'd' },
		{ "systemd-cgroup", no_argument, 0, 's' },  { "trace", no_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },            { "version", no_argument, 0, 'v' },
		{ "criu", required_argument, 0, 'c' },      { "rootless", required_argument, 0, 'R' },
		{ 0, 0, 0, 0 },
	};
	int c;
	/* "+": stop at the first non-option, the command name. */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r': g.root = optarg; break;
		case 'l': g.log = optarg; break;
		case 'f': g.log_format = optarg; break;
		case 'd': g.debug = true; break;
		case 's': g.systemd_cgroup = true; break;
		case 't': g.trace = true; break;
		case 'c': case 'R': break; /* runc globals accepted for compatibility; no effect here */
		case 'h': usage(stdout); return 0;
		case 'v':
			printf("hullrt version %s\nspec: %s\n", HULLRT_VERSION, HULLRT_SPEC_VERSION);
			return 0;
		default: usage(stderr); return 1;
		}
	}
	if (strcmp(g.log_format, "text") != 0 && strcmp(g.log_format, "json") != 0) {
		fprintf(stderr, "hullrt: --log-format: unknown format \"%s\" (want text or json)\n", g.log_format);
		return 1;
	}
	if (hull_log_init(g.log, strcmp(g.log_format, "json") == 0 ? HULL_LOG_JSON : HULL_LOG_TEXT, g.debug) < 0) {
		fprintf(stderr, "hullrt: --log %s: %m\n", g.log);
		return 1;
	}
	if (g.trace)
		hull_trace_init(fcntl(2, F_DUPFD_CLOEXEC, 3));
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	int cmd_index = optind;
	const char *name = argv[cmd_index];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (!commands[i].fn) {
			fprintf(stderr, "hullrt: %s: command not built in this binary\n", name);
			return 1;
		}
		/* Placing a new container's cgroups is the only thing the systemd driver would change: refuse it
		 * there rather than quietly treat a "slice:prefix:name" cgroupsPath as a cgroupfs path. Commands on
		 * existing containers accept the flag, as engines pass it to every call. */
		if (g.systemd_cgroup && (strcmp(name, "create") == 0 || strcmp(name, "run") == 0)) {
			fprintf(stderr, "hullrt: --systemd-cgroup: the systemd cgroup driver is not available in hullrt; "
					"cgroups are managed directly (cgroupfs): run without --systemd-cgroup\n");
			return 1;
		}
		optind = 0; /* reset getopt for the command's own flags (argv[0] = command name) */
		return commands[i].fn(&g, argc - cmd_index, argv + cmd_index);
	}
	fprintf(stderr, "hullrt: no such command: %s\n", name);
	return 1;
}
