/* cmd_kill.c — `hullrt kill [--all] ID [SIGNAL]` (SIGTERM by default; names with or without SIG, numbers). */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "runtime/lifecycle.h"
#include "runtime/signals.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

int cmd_kill(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h') {
			printf("Usage: hullrt kill [--all] <container-id> [signal]\n");
			return 0;
		} else
			return 1;
	}
	if (want_args(g, argv[0], argc - optind, 1, 2))
		return 1;
	struct hull_err *err = NULL;
	int sig = SIGTERM;
	if (argc - optind == 2 && (sig = signal_parse(argv[optind + 1], &err)) < 0)
		return cli_fail(g, err);
	if (container_kill(g->root, argv[optind], sig, all, &err) < 0)
		return cli_fail(g, err);
	return 0;
}

