/* args.h — the argument-count check of hullrt's commands, with runc's messages. */
#ifndef HULL_CLI_HULLRT_ARGS_H
#define HULL_CLI_HULLRT_ARGS_H

#include <errno.h>
#include "runtime/rterr.h"
#include "cli/hullrt/cli.h"

static inline int want_args(struct hullrt_globals *g, const char *cmd, int have, int min, int max)
{
	struct hull_err *err = NULL;
	if (have >= min && have <= max)
		return 0;
	if (min == max)
		rt_err(&err, EINVAL, "\"%s\" requires exactly %d argument(s)", cmd, min);
	else if (have < min)
		rt_err(&err, EINVAL, "\"%s\" requires a minimum of %d argument(s)", cmd, min);
	else
		rt_err(&err, EINVAL, "\"%s\" requires a maximum of %d argument(s)", cmd, max);
	return cli_fail(g, err);
}

/* main's whole argv (commands get it from their own name on): for a re-exec of the same command line.
 * main parses with "+" so its argv is never permuted, and argv0 is its first element. */
static inline char **cli_full_argv(const struct hullrt_globals *g, char **argv, int argc, int *full_argc)
{
	int back = 0;
	while (argv[-back] != g->argv0)
		back++;
	*full_argc = argc + back;
	return argv - back;
}

#endif
