/* internal.h — what the engine's files share and nothing outside src/engine may use. */
#ifndef HULL_ENGINE_INTERNAL_H
#define HULL_ENGINE_INTERNAL_H

#include "engine/engine.h"

char *engine_new_id(void);
/* Replace dirfd/name atomically (temp file + rename) without fsync: for files rewritten often or made
 * before the record that makes them count. */
int engine_write_replace(int dirfd, const char *name, const char *buf, size_t len, struct hull_err **err);
/* An error with an errnum but without strerror in the message (the message says it all). */
#include "runtime/rterr.h"
#define engine_err rt_err
int engine_pick_name(struct engine *e, const char *want, const char *id, char **out, struct hull_err **err);
int engine_global_lock(struct engine *e, struct hull_err **err);
/* mkdir <containers>/<id> and take its lock (fails if it exists). */
struct ctr *ctr_new_locked(struct engine *e, const char *id, struct hull_err **err);
/* The exit code kept in monitor.lock itself: the monitor writes it there before --rm removes the
 * container, and a waiter that opened the lock file before the removal reads it from its descriptor once
 * the monitor lets go of the lock (the unlinked inode lives on). -1: none recorded. */
void ctr_lock_note_exit(struct ctr *c, int code);
int ctr_lock_read_exit(const struct ctr *c);

/* Record accessors. */
static inline json_t *rec_obj(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, k, v);
	}
	return v;
}
static inline const char *rec_str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The runtime id of a container (its full id) and its cgroup path (/hull/<id>). */
#define ENGINE_CGROUP_PARENT "/hull"
/* That cgroup, opened, not made (whichever runtime made it: hull gives every runtime /hull/<id>);
 * inspect.c. */
struct cgroup;
struct cgroup *engine_ctr_cgroup(const struct ctr *c, struct hull_err **err);

/* Parse volume specs into the record's Mounts (create.c); "Anonymous" volumes get a fresh name. */
int mounts_from_opts(struct engine *e, const struct run_opts *o, json_t *image_volumes, json_t *mounts,
		     struct hull_err **err);

/* A process object (terminal, user, args, env, cwd, capabilities, noNewPrivileges) with the container's
 * identity: user resolved inside rootfd, capabilities from HostConfig (every one when privileged), the
 * container's Env plus HOSTNAME/HOME when missing, extra_env, TERM with a tty. Takes args. */
json_t *engine_process(struct ctr *c, int rootfd, const char *user_spec, const char *cwd, bool tty,
		       bool privileged, json_t *args, const struct strv *extra_env, struct hull_err **err);

/* The static init bound into --init containers (next to the hull binary, or $HULL_INIT). */
char *engine_init_path(void);

/* Exit code for a start error: 127 not found, 126 cannot exec, else 125. */
int engine_exit_for_errno(int errnum);
/* --runtime: `create` of the container with the current stdio (a console socket for a tty: *master). */
/* Run a runtime command with our stdio; its exit status. */
int extrt_exec(const char *runtime, char *const argv[], struct hull_err **err);
int extrt_create(struct ctr *c, int *master, pid_t *pid, struct hull_err **err);
/* A --console-socket for a runtime: a unix socket <c->dir>/<name> listening, named by `path`
 * (/proc/self/fd/<dirfd>/<name>, short whatever --root is: valid in this process and in a runtime binary
 * it runs, which inherits dirfd). engine_console_accept: the pty master a runtime sent to it, once that
 * runtime has returned (`from` names it in the error). close: the fds and the socket file. */
struct console_listener { int lfd, dirfd; const char *name; char path[64]; };
int engine_console_listen(struct ctr *c, const char *name, struct console_listener *l, struct hull_err **err);
int engine_console_accept(int lfd, const char *from, struct hull_err **err);
void engine_console_close(struct console_listener *l);

/* Does the external runtime path (HostConfig.Runtime) apply? NULL: the built-in library. */
const char *ctr_runtime(const struct ctr *c);
/* Kill through the runtime (library or binary). */
int engine_runtime_kill(struct ctr *c, int sig, bool all, struct hull_err **err);

/* Default dispositions and an empty mask for the duration of a --runtime binary's create (its init
 * would inherit our ignored signals; the built-in runtime's init resets them itself), then back. */
#include <signal.h>
struct signal_state { sigset_t mask; struct sigaction act[65]; };
void engine_signals_default(struct signal_state *s);
void engine_signals_restore(const struct signal_state *s);

/* The seam for networking: called by the monitor after create, before start, with the init's pid. */
int engine_network_setup(struct ctr *c, pid_t pid, struct hull_err **err);

#endif
