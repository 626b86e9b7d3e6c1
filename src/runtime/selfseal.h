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
 *  1. selfseal_nondumpable(): PR_SET_DUMPABLE 0 from the start of main until the execve into the
 *     container: /proc/<pid>/{exe,fd,mem,environ} of our processes need CAP_SYS_PTRACE over the host's
 *     user namespace while we set the container up. One prctl.
 *  2. selfseal_ensure(): before a command that puts a process into a container, make /proc/self/exe
 *     something that cannot be written, by re-executing ourselves once from
 *       a. nothing, when the binary is already sealed: on a read-only mount (the recommended install:
 *          `mount --bind -o ro` over the binary's directory makes this free) or a sealed memfd;
 *       b. a DETACHED READ-ONLY BIND MOUNT of our own binary: open_tree(OPEN_TREE_CLONE) of
 *          /proc/self/exe, mount_setattr(MOUNT_ATTR_RDONLY), execveat(AT_EMPTY_PATH). No copy: it costs
 *          one execve of the static binary (measured ~0.3 ms here, see the report / selfseal test). The
 *          mount is in no mount namespace, so the container can neither see nor remount it without
 *          CAP_SYS_ADMIN (with which it could escape anyway); a reopen for writing gets EROFS;
 *       c. a SEALED MEMFD copy (F_SEAL_SEAL|SHRINK|GROW|WRITE), when b is not possible (no
 *          CAP_SYS_ADMIN: rootless). Costs a copy of the binary (~1-2 ms for ~2 MB) on top of the execve.
 *     The re-exec is done only for create, run and exec: other commands never put a process in a
 *     container and stay at zero cost.
 * Must never change argv or the environment seen by the re-executed program (a marker variable is
 * removed before main's own code reads the environment).
 */
#ifndef HULL_RUNTIME_SELFSEAL_H
#define HULL_RUNTIME_SELFSEAL_H

#include <stdbool.h>
#include "util/err.h"

enum selfseal_kind { SELFSEAL_NONE, SELFSEAL_RO_MOUNT, SELFSEAL_MEMFD };

/* prctl(PR_SET_DUMPABLE, 0). Call first thing in main. */
int selfseal_nondumpable(struct hull_err **err);
/* What /proc/self/exe is now: SELFSEAL_NONE when it is a writable file. */
enum selfseal_kind selfseal_status(void);
/* Call at the top of main, before any thread or fd of interest exists, for create, run and exec.
 * Returns 0 when already sealed (nothing done); otherwise re-executes the program from a sealed source
 * and does not return; -1 with *err if no sealed source can be made. Safe against loops: a re-executed
 * program that still is not sealed fails instead of re-executing again. */
int selfseal_ensure(int argc, char **argv, char **envp, struct hull_err **err);

#endif
