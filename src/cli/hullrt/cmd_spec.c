/* cmd_spec.c — `hullrt spec [--rootless] [--bundle|-b DIR]`: write the default config.json, like runc. */
#include "cli/hullrt/cli.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void spec_usage(FILE *out)
{
	fprintf(out, "Usage: hullrt spec [command options]\n\n"
		     "Create a new specification file (config.json) for a bundle, runc's default template.\n\n"
		     "Options:\n"
		     "   --bundle value, -b value  path to the root of the bundle directory\n"
		     "   --rootless                generate a configuration for a rootless container\n"
		     "   --help, -h                show help\n");
}

/* Write config.json whole or not at all, and never over an existing one: an unnamed file is filled,
 * synced, then linked in, which fails with EEXIST if the name was taken meanwhile. */
static int write_new_config(int dirfd, const char *text, struct hull_err **err)
{
	size_t len = strlen(text);
	_cleanup_fd_ int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno != EOPNOTSUPP && errno != EISDIR)
			return hull_err_sys(err, "create config.json");
		/* No O_TMPFILE on this file system: check, then temp file + rename. */
		if (faccessat(dirfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return hull_err_set(err, 0, "File config.json exists. Remove it first");
		return fs_write_atomic(dirfd, "config.json", text, len, 0666 & ~0022, err);
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "write config.json");
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		return hull_err_sys(err, "write config.json");
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, "config.json", AT_SYMLINK_FOLLOW) < 0) {
		if (errno == EEXIST)
			return hull_err_set(err, 0, "File config.json exists. Remove it first");
		return hull_err_sys(err, "create config.json");
	}
	return 0;
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
	_cleanup_free_ char *text = spec_default_json(rootless);
	if (write_new_config(dirfd, text, &err) < 0)
		return cli_fail(g, err);
	return 0;
}
