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

#endif
