/* process.h — the attributes of the container's process, applied in that process before execve.
 *
 * Owns: rlimits, user/groups/umask, oom_score_adj, personality, scheduler, I/O priority, CPU affinity,
 * sysctls, hostname/domainname, the session keyring, the PATH lookup of process.args[0], the environment
 * (HOME default), and closing every fd the container must not inherit.
 * Writes to /proc go only through fds verified to be procfs (CVE-2019-19921 class); nothing here joins
 * a hostile path as a string. It knows nothing of namespaces, mounts or cgroups, and never forks.
 *
 * Call order in the container's init (and in `exec`), as runc does:
 *   [before joining the cgroup]  process_set_exec_cpu_affinity(0, initial)
 *   process_join_session_keyring(id, …)     unless --no-new-keyring (after entering the user ns)
 *   process_set_hostname(host, domain)      in the new UTS namespace
 *   process_apply_sysctl(...)               after /proc is mounted, before readonlyPaths makes /proc/sys
 *                                            read-only (runc: after pivot_root)
 *   process_set_oom_score_adj, process_set_rlimits, process_set_scheduler, process_set_io_priority,
 *   process_set_personality, process_set_memory_policy
 *                                           (rlimits before dropping caps: lowering works, raising the
 *                                            hard limit needs CAP_SYS_RESOURCE)
 *   caps_drop_bounding; caps_keep_across_setuid
 *   process_switch_user(user)               setgroups, setresgid, setresuid, umask
 *   caps_apply; no_new_privs
 *   env = process_build_env(...)            HOME from the container's /etc/passwd (after pivot_root)
 *   path = process_find_executable(args[0], env) — before waiting for `start`, so `create` reports it
 *   process_cloexec_fds(2 + preserve_fds)   last step before seccomp_install + execve (or
 *                                            process_close_fds when no fd is needed until execve)
 *   [after joining the cgroup, from the parent]  process_set_exec_cpu_affinity(pid, final)
 */
#ifndef HULL_RUNTIME_PROCESS_H
#define HULL_RUNTIME_PROCESS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "oci/spec.h"

/* Open /proc/<rel_path> (rel_path relative, e.g. "self/oom_score_adj" or "sys/net/ipv4/ip_forward")
 * through an fd of /proc that fstatfs says is procfs, resolved with openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV, so a bind mount or symlink planted over /proc or inside it
 * cannot redirect the write. flags: O_* (O_CLOEXEC added). Returns the fd. */
int proc_open_verified(const char *rel_path, int flags, struct hull_err **err);
/* The same, with the directory that must be procfs given (for tests: a non-procfs dir is refused with
 * EXDEV-like "… is not procfs"). proc_dir NULL means "/proc". */
int proc_open_verified_at(const char *proc_dir, const char *rel_path, int flags, struct hull_err **err);

/* setrlimit for each process.rlimits[] entry. Errors name the rlimit: "setrlimit RLIMIT_NOFILE
 * (soft 4096, hard 8192): … (raising a hard limit needs CAP_SYS_RESOURCE, not in the bounding set)". */
int process_set_rlimits(const struct spec_process *p, struct hull_err **err);

/* stdio fds handed to uid (fchown, as runc: not /dev/null, EPERM/EINVAL/EROFS ignored), then
 * setgroups(additionalGids) (skipped when /proc/self/setgroups says "deny" in a user namespace; an error
 * then only if additionalGids is non-empty), setresgid(gid), setresuid(uid), umask (0022 when unset). */
int process_switch_user(const struct spec_user *u, struct hull_err **err);

/* Write score to /proc/self/oom_score_adj through proc_open_verified. */
int process_set_oom_score_adj(int score, struct hull_err **err);

/* personality(domain | flags): domain "LINUX" or "LINUX32"; flags none known by the spec yet. */
int process_set_personality(const struct spec_personality *p, struct hull_err **err);

/* sched_setattr(0, …) with the policy, nice, priority, flags (SCHED_FLAG_*), runtime/deadline/period. */
int process_set_scheduler(const struct spec_scheduler *s, struct hull_err **err);

/* ioprio_set(IOPRIO_WHO_PROCESS, 0, class<<13 | priority). */
int process_set_io_priority(const struct spec_io_priority *p, struct hull_err **err);

/* Parse a CPU list ("0-3,7", whitespace tolerated) into *set. Errors name the list. */
int process_parse_cpu_list(const char *list, cpu_set_t *set, struct hull_err **err);
/* sched_setaffinity(pid, cpus) (pid 0: the caller). cpus NULL or "": no-op. */
int process_set_exec_cpu_affinity(pid_t pid, const char *cpus, struct hull_err **err);

/* set_mempolicy(mode | flags, nodes) for linux.memoryPolicy (runtime-spec 1.3), inherited across execve.
 * MPOL_DEFAULT and MPOL_LOCAL take no nodes. */
int process_set_memory_policy(const struct spec_memory_policy *mp, struct hull_err **err);

/* The path under /proc/sys of a sysctl key: "net.ipv4.ip_forward" → "sys/net/ipv4/ip_forward"
 * (a "/" in the key is kept, as runc; ".." components and empty keys are refused). Returned malloc'd. */
char *process_sysctl_path(const char *key, struct hull_err **err);
/* Write each linux.sysctl value through proc_open_verified (RESOLVE_BENEATH under /proc). Call after
 * /proc is mounted in the container (and the network namespace joined, for net.*). */
int process_apply_sysctl(const struct spec_kv *kv, size_t n, struct hull_err **err);

/* sethostname(host) / setdomainname(domain); NULL skips either. */
int process_set_hostname(const char *host, const char *domain, struct hull_err **err);
/* Bring "lo" up in the current (new) network namespace: an engine's request (create_opts.loopback_up);
 * OCI runtimes leave it down. */
int process_loopback_up(struct hull_err **err);

/* keyctl(KEYCTL_JOIN_SESSION_KEYRING, "_ses.<id>") so the container does not share the caller's session
 * keyring. set_perms (the container's init; not `exec`, which joins the existing one): keep the
 * keyring's permissions and add search for the owning uid, or for "other" when in_userns, as runc.
 * ENOSYS (no keyrings) is logged and ignored, as runc; any other error fails. */
int process_join_session_keyring(const char *id, bool set_perms, bool in_userns, struct hull_err **err);

/* Resolve args[0] as runc (Go's exec.LookPath): a name with "/" is checked as is; otherwise each PATH
 * entry of env (an empty entry meaning ".") is tried. Errors, as runc prints them:
 *   exec: "foo": executable file not found in $PATH
 *   exec: "/bin/foo": stat /bin/foo: no such file or directory
 *   exec: "/etc": is a directory        exec: "/etc/passwd": permission denied
 * Returns the malloc'd path to execve. */
char *process_find_executable(const char *file, char *const env[], size_t n_env, struct hull_err **err);

/* The environment for execve: env[0..n) (later duplicates of a name win, as runc), plus HOME from the
 * /etc/passwd of the current root (call after pivot_root) for uid when HOME is not set ("/" when the
 * uid has no entry). Returns a NULL-terminated malloc'd array; free with process_env_free. */
char **process_build_env(char *const env[], size_t n_env, uid_t uid, struct hull_err **err);
void process_env_free(char **env);

/* Close every fd above keep_up_to (keep_up_to = 2 + preserve_fds keeps stdio and LISTEN_FDS):
 * close_range(keep_up_to + 1, ~0U), falling back to walking /proc/self/fd. If the --trace fd is among
 * them, tracing stops (hull_trace_fd = -1). The --log fd is closed too: log nothing after this. */
int process_close_fds(int keep_up_to, struct hull_err **err);
/* Mark every fd above keep_up_to close-on-exec instead (close_range CLOSE_RANGE_CLOEXEC, same
 * fallback): for fds the init still needs until execve itself (the sync socket, the exec fifo). */
int process_cloexec_fds(int keep_up_to, struct hull_err **err);
/* The fallback of both, on its own (exposed for tests): walk /proc/self/fd. */
int process_close_fds_procfs(int keep_up_to, bool cloexec, struct hull_err **err);

#endif
