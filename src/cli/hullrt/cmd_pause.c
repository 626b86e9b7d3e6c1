/* cmd_pause.c — `hullrt pause ID` and `hullrt resume ID`: freeze and thaw every process of the container's
 * cgroup (v1 freezer or cgroup.freeze), with runc's state checks and messages. The paused state itself
 * is read back from the cgroup by `state`. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "cgroup/cgroup.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
	_cleanup_container_ struct container *ct = container_open(g->root, argv[optind], true, &err);
	if (!ct)
		return cli_fail(g, err);
	enum container_status s = container_status(ct);
	/* runc: a created container can be paused too; resume only from paused. */
	if (freeze && s != STATUS_RUNNING && s != STATUS_CREATED) {
		rt_err(&err, EINVAL, "container not running");
		return cli_fail(g, err);
	}
	if (!freeze && s != STATUS_PAUSED) {
		rt_err(&err, EINVAL, "container not paused");
		return cli_fail(g, err);
	}
	if (!ct->st.cgroup_path) {
		rt_err(&err, ENOENT, "container %s has no cgroup", ct->st.id);
		return cli_fail(g, err);
	}
	struct cgroup *cg = cgroup_open(NULL, ct->st.cgroup_path, false, &err);
	if (!cg)
		return cli_fail(g, err);
	uint64_t t = trace_begin();
	int r = cgroup_freeze(cg, freeze, &err);
	trace_end(t, "%s cgroup %s", freeze ? "freeze" : "thaw", ct->st.cgroup_path);
	cgroup_free(cg);
	if (r < 0)
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
