/* launch.h — one clone3 and the parent↔child handshake that brings a container process to life.
 *
 * Used by `create`/`run` (the container's init: new or joined namespaces, rootfs, wait for `start`) and by
 * `exec` (joins the init's namespaces through its pidfd). The parent side (launch_spawn) owns the clone3,
 * cgroup membership (CLONE_INTO_CGROUP or cgroup_add_pid), uid/gid maps, the runtime-namespace hooks
 * (prestart, createRuntime) and the seccomp listener hand-off; the child side (init.c) applies the spec
 * and reports any failure back over the socketpair, so the caller prints one error and rolls back.
 * It never writes state.json: lifecycle.c does.
 */
#ifndef HULL_RUNTIME_LAUNCH_H
#define HULL_RUNTIME_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>
#include "oci/spec.h"
#include "runtime/plan.h"

struct cgroup;
struct seccomp_prog;

struct launch {
	/* inputs */
	const struct spec *spec;
	const struct spec_process *proc;  /* spec->process for the init; the exec'd process for exec */
	const char *id, *bundle, *rootfs;
	struct launch_plan plan;          /* create: built by plan_build */
	bool is_exec;
	int exec_pidfd;                   /* exec: pidfd of the container's init */
	int exec_ns_flags;                /* exec: CLONE_NEW* to join through exec_pidfd */
	bool exec_user_joined;            /* exec: the parent joined the user namespace already (rootless) */
	int exec_root_fd;                 /* exec: the init's root when its mount namespace is ours, else -1 */
	struct cgroup *cg;                /* NULL: stay in the caller's cgroup */
	const struct seccomp_prog *seccomp;
	int fifo_fd;                      /* create: exec.fifo opened O_RDWR; -1 for exec */
	int ack_fd;                       /* create: exec.ack opened O_RDWR; -1 for exec */
	int console_sock;                 /* terminal: connected socket for the pty master; else -1 */
	int close_in_child;               /* the locked state dir fd: the child drops it first */
	bool no_pivot, no_new_keyring;
	bool loopback_up;                 /* create: "lo" up in a new network namespace (create_opts) */
	int preserve_fds;                 /* fds 3 .. 3+preserve_fds-1 reach the process */
	/* State JSON for hooks and the seccomp listener (pid known after clone). */
	char *(*state_json)(void *arg, pid_t pid, const char *status);
	void *state_arg;
	/* outputs */
	pid_t pid;                        /* host pid of the child */
	int pidfd;                        /* pidfd of the child (clone3 CLONE_PIDFD) */
	bool cloned;                      /* the child existed, even if launch_spawn then failed */
};

/* clone3 + handshake. For create: returns once the init waits for `start`. For exec: returns once the
 * process has execve'd. On failure the child is killed and reaped and *err holds its message. */
int launch_spawn(struct launch *L, struct hull_err **err);

/* Does the child join the cgroup's v1 hierarchies itself (cgroup_enter_self_v1, first thing after clone),
 * instead of the parent writing its pid to cgroup.procs? Not when it creates a user namespace (its
 * credentials there are not the parent's) nor when process.execCPUAffinity.final must follow the join. */
static inline bool launch_self_attach(const struct launch *L)
{
	if (!L->cg || (!L->is_exec && L->plan.new_userns))
		return false;
	return !(L->proc->has_exec_cpu_affinity && L->proc->exec_cpu_affinity.final);
}

/* Child side (init.c): never returns. */
_Noreturn void launch_child(struct launch *L, int sock);

/* Wire format between parent and child (SOCK_SEQPACKET, one message per datagram). */
enum launch_msg {
	MSG_GO = 1,        /* P→C: maps written, cgroup joined */
	MSG_HOOKS,         /* C→P: mounts done, run prestart/createRuntime */
	MSG_HOOKS_DONE,    /* P→C: payload = state JSON for createContainer/startContainer hooks */
	MSG_READY,         /* C→P: waiting for start (optional SCM_RIGHTS: seccomp listener) */
	MSG_ERROR,         /* C→P: payload = error message */
	MSG_PID,           /* C→P: payload = host pid of the forked init (plan.fork_for_pid) */
};
int launch_send(int sock, enum launch_msg type, const char *payload, int fd);
/* Returns the type, 0 on EOF, -1 on error; *payload malloc'd (NUL-terminated) or NULL; *fd or -1. */
int launch_recv(int sock, char **payload, int *fd);

#endif
