/* selfseal.h — keep a container from overwriting the runtime binary through /proc/<pid>/exe
 * (CVE-2019-5736).
 *
 * The attack: a process of ours that enters a container (the init of `create`/`run`, the process of
 * `exec`) has the host's hullrt as /proc/self/exe. If the container makes it execve "/proc/self/exe"
 * (directly, or as the #! interpreter of the container's /bin/sh), the host binary runs inside the
 * container, and a container process holding an O_PATH fd of /proc/<pid>/exe reopens it for writing
 * once it stops running. Non-dumpable processes alone do not close this: execve resets dumpability, and
 * a container with CAP_SYS_PTRACE passes the check anyway.
 *
 * What we do, cheapest first:
 *  1. selfseal_startup(), first thing in main of every command: PR_SET_DUMPABLE 0 (until the execve
 *     into the container, /proc/<pid>/{exe,fd,mem,environ} of our processes need CAP_SYS_PTRACE over the
 *     host's user namespace), and a refusal to run when /proc/self/exe is a writable file on a mount that
 *     is not in our mount namespace — which is what the host's binary looks like when a container has
 *     executed it through /proc/self/exe. Four syscalls, ~10 us.
 *     Together these make `create`/`run` with a NEW pid namespace safe without any copy or re-exec: at the
 *     init's execve no other process exists in that namespace to race for the binary, and a host hullrt
 *     executed there exits before doing anything (so it cannot spawn a racer and re-execute itself).
 *  2. selfseal_ensure(), when the process we put into a container meets processes already there (`exec`;
 *     `create`/`run` joining a pid namespace by path or sharing the host's: selfseal_needed()): between
 *     an execve of the host binary and the first line of main there is a dumpable window another process
 *     of the container could race for. So make /proc/self/exe unwritable by re-executing once from
 *       a. nothing, when the binary is already sealed: on a read-only mount (the recommended install:
 *          `mount --bind -o ro` over the binary's directory makes this free) or a sealed memfd;
 *       b. a DETACHED READ-ONLY BIND MOUNT of our own binary: open_tree(OPEN_TREE_CLONE) of
 *          /proc/self/exe, mount_setattr(MOUNT_ATTR_RDONLY), execveat(AT_EMPTY_PATH). No copy; costs the
 *          execve of the static binary (~1 ms on this VM, noisy). The mount is in no mount namespace: the
 *          container can neither see nor remount it without CAP_SYS_ADMIN (with which it could escape
 *          anyway); a reopen for writing gets EROFS;
 *       c. a SEALED MEMFD copy (F_SEAL_SEAL|SHRINK|GROW|WRITE) when b is impossible (no CAP_SYS_ADMIN:
 *          rootless). Costs a copy of the binary (~0.5 ms more than b here).
 *     crun pays (c) on every invocation of every command; we pay nothing for `create`/`run` with a new pid
 *     namespace and for commands that never enter a container, and (b) otherwise.
 * Must never change argv or the environment seen by the re-executed program (a marker variable is
 * removed before main's own code reads the environment).
 */
#ifndef HULL_RUNTIME_SELFSEAL_H
#define HULL_RUNTIME_SELFSEAL_H

#include <stdbool.h>
#include "oci/spec.h"
#include "util/err.h"

enum selfseal_kind { SELFSEAL_NONE, SELFSEAL_RO_MOUNT, SELFSEAL_MEMFD };

/* First thing in main, for every command: non-dumpable, and refuse to run as a host binary executed from
 * inside a container (see 1. above). On error, print it and exit non-zero before doing anything else. */
int selfseal_startup(struct hull_err **err);
/* prctl(PR_SET_DUMPABLE, 0) alone (selfseal_startup does it). */
int selfseal_nondumpable(struct hull_err **err);
/* For create/run once the spec is loaded: true when the container's pid namespace is joined or shared,
 * i.e. selfseal_ensure() must run before the container's init is started. */
bool selfseal_needed(const struct spec *s);
/* What /proc/self/exe is now: SELFSEAL_NONE when it is a writable file. */
enum selfseal_kind selfseal_status(void);
/* For exec (always) and for create/run when selfseal_needed(): before any thread exists and before any
 * side effect (the program starts over with the same argv).
 * Returns 0 when already sealed (nothing done); otherwise re-executes the program from a sealed source
 * and does not return; -1 with *err if no sealed source can be made. Safe against loops: a re-executed
 * program that still is not sealed fails instead of re-executing again. argv NULL: the process's own
 * (/proc/self/cmdline), envp NULL: environ — so library code can call selfseal_ensure(0, NULL, NULL, err). */
int selfseal_ensure(int argc, char **argv, char **envp, struct hull_err **err);

#endif
