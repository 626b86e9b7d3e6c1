/* cmd_spec.c — `hullrt spec [--rootless] [--bundle|-b DIR]`: write the default config.json, like runc. */
#include "cli/hullrt/cli.h"
#include "oci/spec.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

static void spec_usage(FILE *out)
{
	fprintf(out, "Usage: hullrt spec [command options]\n\n"
		     "Create a new specification file (config.json) for a bundle, runc's default template.\n\n"
		     "Options:\n"
		     "   --bundle value, -b value  path to the root of the bundle directory\n"
		     "   --rootless                generate a configuration for a rootless container\n"
		     "   --help, -h                show help\n");
}

int cmd_spec(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, 0, 'b' },
		{ "rootless", no_argument, 0, 'R' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bundle = optarg; break;
		case 'R': rootless = true; break;
		case 'h': spec_usage(stdout); return 0;
		default: spec_usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		struct hull_err *err = NULL;
		hull_err_set(&err, 0, "spec: unexpected argument \"%s\"", argv[optind]);
		return cli_fail(g, err);
	}
	struct hull_err *err = NULL;
	_cleanup_fd_ int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		hull_err_sys(&err, "chdir %s", bundle);
		return cli_fail(g, err);
	}
	if (spec_write_default(dirfd, rootless, &err) < 0)
		return cli_fail(g, err);
	return 0;
}
