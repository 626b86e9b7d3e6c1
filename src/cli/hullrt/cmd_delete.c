/* cmd_delete.c — `hullrt delete [--force] ID`. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "runtime/lifecycle.h"

#include <getopt.h>
#include <stdio.h>

int cmd_delete(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h') {
			printf("Usage: hullrt delete [--force] <container-id>\n");
			return 0;
		} else
			return 1;
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	struct hull_err *err = NULL;
	if (container_delete(g->root, argv[optind], force, &err) < 0) {
		/* runc: `delete --force` of a container that does not exist succeeds quietly. */
		if (force && err && err->errnum == ENOENT) {
			hull_err_free(err);
			return 0;
		}
		return cli_fail(g, err);
	}
	return 0;
}
