/* cli.h — hullrt's command line: global options and one function per command (cmd_<name>.c).
 *
 * The CLI is thin: it parses flags (runc's names and meanings) and calls the library. It prints an error
 * once, at the top, and returns runc's exit codes (1 on error; `run`/`exec` return the process's status).
 */
#ifndef HULL_CLI_HULLRT_H
#define HULL_CLI_HULLRT_H

#include <stdbool.h>
#include "util/err.h"

#define HULLRT_VERSION "0.1.0"
#define HULLRT_SPEC_VERSION "1.2.0"

struct hullrt_globals {
	const char *root;        /* --root, default /run/hull */
	const char *log;         /* --log */
	const char *log_format;  /* --log-format text|json */
	bool debug;              /* --debug */
	bool systemd_cgroup;     /* --systemd-cgroup */
	bool trace;              /* --trace */
	const char *argv0;
};

/* Each command: argv[0] is the command name; returns the process exit code. Commands are weak so
 * that main.c lists the whole runc surface and a command whose file is absent reports so. */
#define HULLRT_COMMANDS(X) \
	X(create, "create a container") \
	X(start, "executes the user defined process in a created container") \
	X(run, "create and run a container") \
	X(state, "output the state of a container") \
	X(list, "lists containers started by hullrt with the given root") \
	X(kill, "kill sends the specified signal (default: SIGTERM) to the container's init process") \
	X(delete, "delete any resources held by the container often used with detached container") \
	X(exec, "execute new process inside the container") \
	X(ps, "ps displays the processes running inside a container") \
	X(pause, "pause suspends all processes inside the container") \
	X(resume, "resumes all processes that have been previously paused") \
	X(update, "update container resource constraints") \
	X(events, "display container events such as OOM notifications, cpu, memory, and IO usage statistics") \
	X(features, "show the enabled features") \
	X(spec, "create a new specification file")

#define X(name, help) int cmd_##name(struct hullrt_globals *g, int argc, char **argv) __attribute__((weak));
HULLRT_COMMANDS(X)
#undef X

/* Print "hullrt: <msg>" (or a json log line with --log-format json) once, free err, return 1. */
int cli_fail(struct hullrt_globals *g, struct hull_err *err);

#endif
