/* engine.h — hull's container engine: containers made from images, run without a daemon.
 *
 * Owns everything under <root>/containers/<id>/ (record container.json, config.json for a --runtime, overlay
 * upper/work dirs and the rootfs mount point, hostname/hosts/resolv.conf, json-file logs, monitor.lock)
 * and <root>/volumes/. A container's life: create (record + dirs, status "created") → start (a monitor
 * process forked from the caller mounts the overlay, generates the OCI spec from the record and the image,
 * calls the runtime library in-process, then holds the container's stdio, writes the logs and records the
 * exit) → stop/kill → rm.
 *
 * Consistency: the monitor (or a command that changes a container) holds an exclusive flock on
 * <id>/monitor.lock. A container whose lock is free has, by the time any command looks at it, no runtime
 * state, no mount and no cgroup: engine_repair() restores that after a crash (kill -9 at any point).
 * Records are written with fs_write_atomic. It never writes into an image snapshot.
 */
#ifndef HULL_ENGINE_ENGINE_H
#define HULL_ENGINE_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "net/net.h"
#include "util/err.h"

/* Exit codes, as docker: the engine failed, the command could not be run, the command was not found. */
#define ENGINE_EXIT_ERROR 125
#define ENGINE_EXIT_CANNOT_EXEC 126
#define ENGINE_EXIT_NOT_FOUND 127
/* --network when none is given: docker's default bridge network (src/net). */
#define ENGINE_DEFAULT_NETWORK "bridge"

struct spec; /* src/oci */

struct engine {
	char *root;          /* --root */
	char *containers;    /* <root>/containers */
	char *runtime_root;  /* <root>/runtime: the runtime library's (or --runtime binary's) state root */
	char *volumes;       /* <root>/volumes */
};

int engine_open(struct engine *e, const char *root, struct hull_err **err);
void engine_close(struct engine *e);

/* A string list (flags given several times). */
struct strv { char **v; size_t n; };
void strv_push(struct strv *s, const char *x);
void strv_clear(struct strv *s);

/* Everything `hull create`/`run` accepts; see docs/engine.md for the meanings (docker's). */
struct run_opts {
	const char *image;
	struct strv cmd;                  /* arguments after the image */
	const char *name, *entrypoint, *workdir, *user, *hostname;
	bool has_entrypoint;
	struct strv env, env_files, volumes, mounts, tmpfs, cap_add, cap_drop, ulimits, security_opts, log_opts;
	struct strv labels, label_files;  /* --label K[=V], --label-file FILE */
	bool read_only, privileged, rm, interactive, tty, init;
	int64_t memory, memory_swap, pids_limit; /* 0: unset (pids_limit -1: unlimited) */
	double cpus;
	uint64_t cpu_shares;
	const char *cpuset_cpus;
	const char *network;              /* none|host|bridge|NAME|container:X|cni:NAME (NULL: ENGINE_DEFAULT_NETWORK) */
	struct net_config net;            /* -p -P --ip --dns --add-host --network-alias --expose (src/net) */
	const char *stop_signal;
	int stop_timeout;                 /* -1: unset (10 s) */
	const char *runtime;              /* path of an OCI runtime binary, NULL: the built-in library */
	/* --health-cmd, --health-interval/-timeout/-start-period (ns; -1: unset), --health-retries (-1:
	 * unset), --no-healthcheck (src/engine/health.h) */
	const char *health_cmd;
	int64_t health_interval, health_timeout, health_start_period;
	int health_retries;
	bool no_healthcheck;
};

/* The container record. */
struct ctr {
	struct engine *e;
	char *id;
	char *dir;      /* <root>/containers/<id> */
	int lockfd;     /* monitor.lock, flock'ed when `locked` */
	bool locked;
	json_t *rec;    /* container.json (docker inspect's shape) */
	void (*on_removed)(void); /* engine_remove: called once the container is gone, before its files are */
};

/* Create the record and dirs. Prints nothing. *id_out: the new full id. */
int engine_create(struct engine *e, const struct run_opts *o, char **id_out, struct hull_err **err);

/* Find a container by full id, unique id prefix or name. The record is read; nothing locked. */
struct ctr *ctr_find(struct engine *e, const char *what, struct hull_err **err);
/* By full id only (one the caller just created): no listing, no repair. */
struct ctr *ctr_get(struct engine *e, const char *id, struct hull_err **err);
void ctr_free(struct ctr *c);
static inline void ctr_freep(struct ctr **c) { if (*c) ctr_free(*c); }
#define _cleanup_ctr_ __attribute__((cleanup(ctr_freep)))
/* Take the container's lock: block (wait for the monitor to finish) or try (0 / -1 with EWOULDBLOCK). */
int ctr_lock(struct ctr *c, bool block, struct hull_err **err);
void ctr_unlock(struct ctr *c);
/* Re-read the record (after waiting for the monitor). */
int ctr_reload(struct ctr *c, struct hull_err **err);
int ctr_save(struct ctr *c, struct hull_err **err);
/* All containers (repaired), sorted by creation time, newest first. */
int ctr_list(struct engine *e, struct ctr ***out, size_t *n, struct hull_err **err);
/* Bring a container whose monitor is gone back to a consistent state (see header). Takes the lock if
 * free; does nothing while a monitor runs. */
int engine_repair(struct ctr *c, struct hull_err **err);

const char *ctr_status(const struct ctr *c);   /* created|running|exited|removing */
const char *ctr_name(const struct ctr *c);
const char *ctr_network_mode(const struct ctr *c); /* bridge|none|host|container:ID|cni:NAME|NAME */
pid_t ctr_pid(const struct ctr *c);

/* Attachment of the caller's stdio to a starting container (`run` without -d, `start -a`). */
struct attach {
	bool attach;     /* forward container output to the caller's stdout/stderr, wait for the exit */
	bool stdin_;     /* also forward the caller's stdin (-i) */
	bool sig_proxy;  /* forward the caller's signals to the container */
};
/* Start: fork the monitor; return once the container runs (or failed to). With a->attach, proxy until
 * the container exits and return its exit code; else return 0. Errors: -1 with *exit_code set to 125,
 * 126 (cannot exec) or 127 (not found). */
int engine_start(struct engine *e, struct ctr *c, const struct attach *a, int *exit_code, struct hull_err **err);
/* Signal the container's init (sig 0: the container's stop signal). */
int engine_kill(struct ctr *c, int sig, struct hull_err **err);
/* pause/unpause: freeze or thaw every process of a running container (its cgroup's freezer). */
int engine_pause(struct ctr *c, bool pause, struct hull_err **err);
/* Running and frozen (read from the kernel, not the record: whoever froze it). */
bool engine_paused(const struct ctr *c);
/* Stop signal, then SIGKILL after timeout seconds (-1: the container's own, default 10). Waits for the
 * monitor to record the exit. A container that is not running is not an error. */
int engine_stop(struct ctr *c, int timeout, struct hull_err **err);
/* Remove (force: kill a running one first; volumes: anonymous volumes too). */
int engine_remove(struct ctr *c, bool force, bool volumes, struct hull_err **err);
/* The monitor's --rm: it holds the lock and saved the record as "removing" with the exit already;
 * known: its parse of the spec (NULL: read from the runtime's state). Anonymous volumes go too. */
int engine_remove_exited(struct ctr *c, const struct spec *known, struct hull_err **err);
/* Wait for the container to stop; returns its exit code. */
int engine_wait(struct ctr *c, struct hull_err **err);

/* The exit code for a runtime's failure to start (or exec) a command, from its message as runtimes word
 * it: 127 not found, 126 cannot be executed, else 125. */
int engine_start_error_code(const struct hull_err *e);

/* The container's signal by name or number ("SIGTERM", "TERM", "15"); -1 if unknown. */
int engine_signal_parse(const char *s);

/* Monitor entry (in the forked child). Never returns. */
/* attach_in: the client's stdin, forwarded when forward_stdin, else only read for its window size. */
void engine_monitor_main(struct engine *e, struct ctr *c, int sync_fd, int attach_in, bool forward_stdin,
			 int attach_out, int attach_err, pid_t client) __attribute__((noreturn));

/* Teardown pieces shared by the monitor, repair and rm: runtime state, mounts. */
int engine_teardown_runtime(struct ctr *c, struct hull_err **err);
/* The same with the container's spec already parsed (the monitor's): no second parse for the delete. */
int engine_teardown_runtime_with(struct ctr *c, const struct spec *known, struct hull_err **err);
int engine_rootfs_mount(struct ctr *c, struct hull_err **err);
void engine_rootfs_unmount(struct ctr *c);
bool engine_rootfs_mounted(const struct ctr *c);

/* The OCI config.json for the container (generated at each start from the record and the image). */
json_t *engine_spec_generate(struct ctr *c, struct hull_err **err);
/* Process of an `exec` (defaults from the container's config). */
struct exec_flags {
	struct strv cmd, env;
	const char *user, *workdir;
	bool tty, interactive, detach, privileged;
};
json_t *engine_exec_process(struct ctr *c, const struct exec_flags *f, struct hull_err **err);
int engine_exec(struct ctr *c, const struct exec_flags *f, struct hull_err **err);

/* Users: "name|uid[:group|gid]" resolved from the container rootfs' /etc/passwd and /etc/group (opened
 * inside rootfd with RESOLVE_IN_ROOT). Fills uid, gid and the supplementary gids of the user. */
struct resolved_user { uid_t uid; gid_t gid; gid_t *gids; size_t n_gids; char *home; };
int user_resolve(int rootfd, const char *spec, struct resolved_user *out, struct hull_err **err);
void resolved_user_free(struct resolved_user *u);

/* Default security (security.c): docker's capability set, our seccomp profile, masked paths. */
extern const char *const engine_default_caps[];
/* Final capability list: defaults (or all with privileged) + add - drop. "ALL" understood. Names with or
 * without CAP_. Error names the unknown capability. */
json_t *engine_caps(bool privileged, const struct strv *add, const struct strv *drop, struct hull_err **err);
/* linux.seccomp for the given capabilities (syscalls a granted capability needs are allowed, as docker). */
json_t *engine_seccomp_default(json_t *caps);
extern const char *const engine_masked_paths[];
extern const char *const engine_readonly_paths[];

/* Logs: json-file lines {"log","stream","time"}. */
struct log_writer { int dirfd; char *name; int fd; int64_t size, max_size; int max_file; };
int log_writer_open(struct log_writer *w, int dirfd, const char *name, int64_t max_size, int max_file,
		    struct hull_err **err);
void log_writer_write(struct log_writer *w, const char *stream, const char *buf, size_t len);
void log_writer_close(struct log_writer *w);
struct logs_opts { bool follow, timestamps; long tail; /* -1: all */ };
int engine_logs(struct ctr *c, const struct logs_opts *o, struct hull_err **err);

/* Volumes under <root>/volumes/<name>/{_data,volume.json}. */
int volume_create(struct engine *e, const char *name, bool anonymous, char **path, struct hull_err **err);
int volume_remove(struct engine *e, const char *name, bool force, struct hull_err **err);
json_t *volume_inspect(struct engine *e, const char *name, struct hull_err **err);
int volume_list(struct engine *e, char ***names, size_t *n, struct hull_err **err);
/* First use of a volume: copy the image's content at dest (resolved inside rootfd) into it if it is
 * still empty, as docker does; recorded in volume.json ("Seeded") so that it happens once. */
int volume_seed(struct engine *e, const char *name, int rootfd, const char *dest, struct hull_err **err);
/* Is the volume used by any container record? */
bool volume_in_use(struct engine *e, const char *name);

/* Kernel read-back for inspect (namespaces, caps, seccomp mode, cgroup limits) and stats/top. */
json_t *engine_isolation(struct ctr *c);
int engine_top(struct ctr *c, struct hull_err **err);
/* One reading of a running container (docker's meanings, in bytes and ns): {ID, Name, CPUTotalNs, MemUsage
 * (without inactive file pages), MemLimit (the host's memory when unlimited), NetInput, NetOutput,
 * BlockRead, BlockWrite, PIDs}. */
json_t *engine_stats(struct ctr *c, struct hull_err **err);

/* --runtime PATH: the runc command line (create/start/kill/delete/exec/state). */
int extrt_run(const char *runtime, const char *root, char *const argv[], struct hull_err **err);

/* Time helpers. */
char *engine_now(void); /* RFC3339Nano UTC */

#endif
