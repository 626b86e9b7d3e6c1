/* cmd_start.c — `hullrt start ID`: release a created container. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "runtime/lifecycle.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int cmd_start(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hullrt start <container-id>\n");
			return 0;
		}
		return 1;
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	struct hull_err *err = NULL;
	if (container_start(g->root, argv[optind], &err) < 0)
		return cli_fail(g, err);
	return 0;
}

