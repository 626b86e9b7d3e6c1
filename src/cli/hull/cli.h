/* cli.h — the `hull` engine's command line: global options and a table of commands, one file per group
 * (cmd_image.c: pull images rmi tag inspect image…; cmd_login.c: login logout; cmd_archive.c: load save).
 * To add a group, add its X() lines to HULL_COMMANDS and a cmd_<group>.c defining the functions.
 * The CLI parses flags (docker/podman names) and calls the library; it prints an error once, at the top.
 */
#ifndef HULL_CLI_HULL_H
#define HULL_CLI_HULL_H

#include <stdbool.h>
#include "util/err.h"

#define HULL_VERSION "0.1.0"

struct hull_globals {
	const char *root; /* --root, default /var/lib/hull */
	bool trace;       /* --trace */
	const char *argv0;
};

/* name, function, one-line help. Commands are weak so that a group whose file is absent reports so. */
#define HULL_COMMANDS(X) \
	X("pull", pull, "Pull an image from a registry") \
	X("images", images, "List images in the store") \
	X("rmi", rmi, "Remove one or more images") \
	X("tag", tag, "Give an image another name") \
	X("inspect", inspect_any, "Print a container's record and isolation, or an image's configuration (JSON)") \
	X("image", image, "Manage images: ls, pull, rm, tag, inspect, prune, mount, unmount, load, save") \
	X("load", load, "Load an image from an OCI layout or archive (oci-archive, docker-archive)") \
	X("save", save, "Save an image to an archive") \
	X("login", login, "Log in to a registry") \
	X("logout", logout, "Log out of a registry") \
	X("run", run, "Create and start a container from an image") \
	X("create", create, "Create a container from an image") \
	X("start", start, "Start containers (-a: attach)") \
	X("ps", ps, "List containers") \
	X("logs", logs, "Print a container's logs") \
	X("exec", exec, "Run a command in a running container") \
	X("stop", stop, "Stop containers (stop signal, then SIGKILL)") \
	X("kill", kill, "Signal containers") \
	X("restart", restart, "Restart containers") \
	X("rm", rm, "Remove containers") \
	X("wait", wait, "Wait for containers to stop, print their exit codes") \
	X("top", top, "List a container's processes") \
	X("port", port, "List a container's published ports (or the host address of one)") \
	X("pause", pause, "Freeze every process of containers") \
	X("unpause", unpause, "Thaw paused containers") \
	X("stats", stats, "Resource usage of containers, every second (--no-stream: once)") \
	X("container", container, "Manage containers: ls, prune, inspect, ...") \
	X("volume", volume, "Manage volumes: create, ls, inspect, rm, prune") \
	X("network", network, "Manage networks: create, ls, inspect, rm, prune, connect, disconnect")

#define X(str, name, help) int cmd_##name(struct hull_globals *g, int argc, char **argv) __attribute__((weak));
HULL_COMMANDS(X)
#undef X
/* the image inspect of cmd_image.c, called by inspect_any for what is not a container */
int cmd_inspect(struct hull_globals *g, int argc, char **argv) __attribute__((weak));

/* Print "hull: <msg>" once, free err, return 125 (docker's code for an engine error). */
int cli_fail(struct hull_err *err);
struct image_transfer;
struct store;
/* For the commands that move images (pull, load, save, run's pull): load the transfer library and open the
 * store under g->root. On success the caller owns *s (store_close). */
int cli_transfer_store(struct hull_globals *g, const struct image_transfer **tr, struct store *s,
		       struct hull_err **err);
/* Parse "--tls-verify=false|true" style booleans; -1 if s is not a boolean. */
int cli_bool(const char *s);

#endif
