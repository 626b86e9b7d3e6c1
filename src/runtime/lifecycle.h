/* lifecycle.h — the OCI lifecycle operations (runtime-spec runtime.md): create, start, kill, delete,
 * plus run's foreground wait and exec. The library behind hullrt's commands and hull's engine.
 *
 * Owns the order of the lifecycle: state dir claim → cgroup → seccomp → launch → state.json on create;
 * the start signal and poststart hooks; signals; poststop hooks and removal of every resource on delete.
 * On any failure of create nothing is left behind (state dir, cgroup, processes).
 */
#ifndef HULL_RUNTIME_LIFECYCLE_H
#define HULL_RUNTIME_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>
#include "util/err.h"

struct spec;
struct spec_process;

struct create_opts {
	const char *root;            /* state root (/run/hull) */
	const char *id;
	const char *bundle;          /* NULL: current directory */
	const char *pid_file;        /* NULL: none */
	const char *console_socket;  /* NULL: none */
	bool no_pivot, no_new_keyring;
	int preserve_fds;            /* --preserve-fds */
	int listen_fds;              /* $LISTEN_FDS of the caller: passed on, and LISTEN_FDS/LISTEN_PID=1 set */
	/* The whole command line, for the one re-exec from a sealed binary that a joined or shared pid
	 * namespace needs (selfseal.h); NULL: the caller made sure already. */
	int argc; char **argv;
	/* run in the foreground with a terminal and no console socket: receives the pty master. */
	int *console_master;
	/* Non-NULL: receives the parsed config.json (caller frees), for start/delete of the same command. */
	struct spec **keep_spec;
	/* Non-NULL: the config.json text itself (an engine that generates it in memory); the bundle's
	 * config.json is then not read, and need not exist. config_doc (optional, with the text): the same
	 * document as a json_t, parsed without reading the text again. */
	const char *config_text;
	size_t config_len;
	void *config_doc;
	/* Bring "lo" up in the container's new network namespace before its process runs (docker's
	 * containers always have it up; an engine asks here instead of entering the namespace itself).
	 * Not OCI: hullrt never sets it. */
	bool loopback_up;
};

/* Create the container and leave its init waiting for start. *pid (optional) gets the init's pid and
 * *pidfd (optional) a pidfd of it (the caller is its parent: `run` waits on it). */
int container_create(const struct create_opts *o, pid_t *pid, int *pidfd, struct hull_err **err);
/* Release a created container's init; run the poststart hooks (failures only warned, as runc). */
int container_start(const char *root, const char *id, struct hull_err **err);
/* The same with the config.json already parsed by the caller (`run`): no second parse. */
int container_start_with(const char *root, const char *id, const struct spec *known, struct hull_err **err);
/* pause (freeze) or resume (thaw) every process of the container's cgroup, with runc's state checks: a
 * running or created container can be paused, only a paused one resumed. */
int container_set_frozen(const char *root, const char *id, bool freeze, struct hull_err **err);
/* Signal the init (all = every process of the cgroup). Error "container not running" when stopped. */
int container_kill(const char *root, const char *id, int sig, bool all, struct hull_err **err);
/* Delete a stopped or created container (force: kill a running one first): poststop hooks, cgroup,
 * state dir. Works on the remains of a crashed runtime. */
int container_delete(const char *root, const char *id, bool force, struct hull_err **err);
int container_delete_with(const char *root, const char *id, bool force, const struct spec *known,
			  struct hull_err **err);

/* Wait for a child (the foreground `run`/`exec` process) forwarding the caller's signals to it and
 * proxying the pty master (-1: none) to stdio. Returns the exit status as a shell reports it. */
int container_wait_foreground(pid_t pid, int pidfd, int console_master, struct hull_err **err);

struct exec_opts {
	const char *root, *id;
	struct spec_process *proc;   /* the process to run (built by the caller from -p or the flags) */
	const char *console_socket;
	const char *pid_file;
	bool detach;
	bool no_new_keyring;
	bool ignore_paused;          /* --ignore-paused: exec into a frozen container (the process waits) */
	int preserve_fds;
};
/* Run a process in the container. Foreground: returns its exit status (128+sig when killed). */
int container_exec(const struct exec_opts *o, struct hull_err **err);

/* Shared by create and exec: write pid atomically to path; connect to a --console-socket. */
int write_pid_file(const char *path, pid_t pid, struct hull_err **err);
int console_socket_connect(const char *path, struct hull_err **err);
/* An AppArmor profile was asked for (non-empty): an error either way on this runtime (see lifecycle.c). */
int check_apparmor(const char *profile, const char *what, struct hull_err **err);
/* The same for an SELinux label (process.selinuxLabel, linux.mountLabel, exec --process-label). */
int check_selinux(const char *label, const char *what, struct hull_err **err);
/* Where the init sends its pty master: a connection to console_socket, or (NULL) a socketpair whose
 * *peer end the caller reads the master from (foreground run/exec). */
int console_channel_open(const char *console_socket, int *sock, int *peer, struct hull_err **err);

#endif
