/* cmd_pause.c — `hullrt pause ID` and `hullrt resume ID` (container_set_frozen: runc's state checks and
 * messages). The paused state itself is read back from the cgroup by `state`. */
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "runtime/lifecycle.h"

#include <getopt.h>
#include <stdio.h>

static int set_frozen(struct hullrt_globals *g, int argc, char **argv, bool freeze)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hullrt %s <container-id>\n", argv[0]);
			return 0;
		}
		return 1;
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	struct hull_err *err = NULL;
	if (container_set_frozen(g->root, argv[optind], freeze, &err) < 0)
		return cli_fail(g, err);
	return 0;
}

int cmd_pause(struct hullrt_globals *g, int argc, char **argv)
{
	return set_frozen(g, argc, argv, true);
}

int cmd_resume(struct hullrt_globals *g, int argc, char **argv)
{
	return set_frozen(g, argc, argv, false);
}
