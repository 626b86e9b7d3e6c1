/* cmd_create.c — `hullrt create` and `hullrt run` (runc's flags), on container_create/start. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "oci/spec.h"
#include "runtime/lifecycle.h"
#include "runtime/state.h"
#include "util/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_PID_FILE = 1000, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE_FDS, OPT_NO_SUBREAPER,
       OPT_KEEP };

static const struct option create_opts[] = {
	{ "bundle", required_argument, 0, 'b' },
	{ "pid-file", required_argument, 0, OPT_PID_FILE },
	{ "console-socket", required_argument, 0, OPT_CONSOLE_SOCKET },
	{ "no-pivot", no_argument, 0, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, 0, OPT_NO_NEW_KEYRING },
	{ "preserve-fds", required_argument, 0, OPT_PRESERVE_FDS },
	{ "detach", no_argument, 0, 'd' },           /* run only */
	{ "keep", no_argument, 0, OPT_KEEP },         /* run only */
	{ "no-subreaper", no_argument, 0, OPT_NO_SUBREAPER },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static int parse_count(const char *flag, const char *v, int *out, struct hull_err **err)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 65536)
		return rt_err(err, EINVAL, "invalid value \"%s\" for flag -%s", v, flag);
	*out = (int)n;
	return 0;
}

static int create_or_run(struct hullrt_globals *g, int argc, char **argv, bool run)
{
	struct create_opts o = { .root = g->root };
	bool detach = false, keep = false;
	struct hull_err *err = NULL;
	int c;
	while ((c = getopt_long(argc, argv, run ? "+b:dh" : "+b:h", create_opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.bundle = optarg; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_CONSOLE_SOCKET: o.console_socket = optarg; break;
		case OPT_NO_PIVOT: o.no_pivot = true; break;
		case OPT_NO_NEW_KEYRING: o.no_new_keyring = true; break;
		case OPT_PRESERVE_FDS:
			if (parse_count("preserve-fds", optarg, &o.preserve_fds, &err) < 0)
				return cli_fail(g, err);
			break;
		case OPT_NO_SUBREAPER: break;
		case 'd':
		case OPT_KEEP:
			if (!run) {
				fprintf(stderr, "hullrt %s: unknown flag %s\n", argv[0], argv[optind - 1]);
				return 1;
			}
			if (c == 'd')
				detach = true;
			else
				keep = true;
			break;
		case 'h':
			printf("Usage: hullrt %s [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] "
			       "[--no-new-keyring] [--preserve-fds N]%s <container-id>\n", argv[0],
			       run ? " [--detach] [--keep]" : "");
			return 0;
		default: return 1;
		}
	}
	if (argc - optind != 1) {
		rt_err(&err, EINVAL, "\"%s\" requires exactly 1 argument(s)", argv[0]);
		return cli_fail(g, err);
	}
	o.id = argv[optind];
	o.argv = cli_full_argv(g, argv, argc, &o.argc);
	const char *lf = getenv("LISTEN_FDS");
	if (lf && *lf && parse_count("LISTEN_FDS", lf, &o.listen_fds, &err) < 0)
		return cli_fail(g, err);
	if (!run) {
		if (container_create(&o, NULL, NULL, &err) < 0)
			return cli_fail(g, err);
		return 0;
	}
	int master = -1, pidfd = -1;
	pid_t pid = 0;
	struct spec *spec = NULL;
	o.keep_spec = &spec;
	if (!detach && !o.console_socket)
		o.console_master = &master;
	if (container_create(&o, &pid, &pidfd, &err) < 0)
		return cli_fail(g, err);
	if (container_start_with(g->root, o.id, spec, &err) < 0) {
		struct hull_err *e2 = NULL;
		container_delete_with(g->root, o.id, true, spec, &e2);
		hull_err_free(e2);
		spec_free(spec);
		return cli_fail(g, err);
	}
	if (detach) {
		close(pidfd);
		spec_free(spec);
		return 0;
	}
	int status = container_wait_foreground(pid, pidfd, master, &err);
	close(pidfd);
	if (master >= 0)
		close(master);
	if (status < 0)
		cli_fail(g, err), status = 1;
	if (!keep && container_delete_with(g->root, o.id, true, spec, &err) < 0)
		cli_fail(g, err);
	spec_free(spec);
	return status;
}

int cmd_create(struct hullrt_globals *g, int argc, char **argv) { return create_or_run(g, argc, argv, false); }
int cmd_run(struct hullrt_globals *g, int argc, char **argv) { return create_or_run(g, argc, argv, true); }
