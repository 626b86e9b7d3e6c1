/* console.h — the container's terminal (process.terminal): pty allocation, the --console-socket
 * hand-off, and the foreground proxy of `hullrt run -t`.
 *
 * The pty is allocated from the devpts instance the caller sees (in the container's init: its own
 * /dev/pts, newinstance), the slave opened through the master (TIOCGPTPEER) rather than by path so a
 * hostile /dev/pts cannot substitute another file. The master travels to the engine over the console
 * socket as runc's recvtty protocol expects (SCM_RIGHTS, the pty name as the message body).
 * It knows nothing of containers, mounts or processes beyond the fds it is given.
 */
#ifndef HULL_RUNTIME_CONSOLE_H
#define HULL_RUNTIME_CONSOLE_H

#include <stddef.h>
#include "util/err.h"

/* Open a new pty: /dev/pts/ptmx (checked: devpts, inode 2, 5:2; falling back to /dev/ptmx), unlockpt,
 * slave via TIOCGPTPEER (the ptsname path on kernels without it), and the slave checked to be the
 * master's peer on devpts. Both fds O_CLOEXEC, slave O_NOCTTY.
 * In the container's init, call it once the container's /dev/pts is mounted and its root is "/"
 * (after pivot_root), as runc does: before that, /dev/pts is the host's and the pty would be invisible
 * inside. Works without /proc mounted. */
int console_open_pty(int *master, int *slave, struct hull_err **err);
/* The same from the devpts instance whose root directory is pts_dirfd (an fd of the container's
 * <rootfs>/dev/pts, opened confined): lets the runtime allocate the container's pty before pivot_root,
 * e.g. to bind its slave on /dev/console. Its ptmx is checked (devpts, inode 2, 5:2) and the slave must
 * be on that same instance. No /dev/ptmx fallback. */
int console_open_pty_at(int pts_dirfd, int *master, int *slave, struct hull_err **err);
/* "/dev/pts/N" of master's slave (TIOCGPTN), into name[len]. */
int console_pty_name(int master, char *name, size_t len, struct hull_err **err);

/* TIOCSWINSZ rows x cols on fd (either side of the pty). */
int console_set_size(int fd, unsigned rows, unsigned cols, struct hull_err **err);

/* In the container's process: setsid, TIOCSCTTY on slave, dup2 onto 0, 1, 2 (slave itself is closed
 * unless it is one of them). */
int console_make_controlling(int slave, struct hull_err **err);

/* Connect to the unix socket at socket_path (--console-socket) and send master with SCM_RIGHTS; the
 * message body is the master's name ("/dev/ptmx" is what runc sends; recvtty, podman/conmon and
 * containerd's shim only need one byte at least). */
int console_send_master(const char *socket_path, int master, struct hull_err **err);
/* The same on an already connected socket (the runtime may connect from the parent). */
int console_send_master_fd(int sock, int master, struct hull_err **err);
/* The receiving side (for tests and for `hull`'s own engine): one fd and its name (name may be NULL). */
int console_recv_master(int sock, char *name, size_t name_len, struct hull_err **err);

/* Foreground proxy for `hullrt run -t` without --console-socket: put in_fd in raw mode when it is a tty
 * (restored before returning, even on error), copy in_fd → master and master → out_fd with poll until
 * the master hangs up (every slave closed), forward the window size of in_fd on SIGWINCH (signalfd;
 * SIGWINCH is blocked during the call and the mask restored after). EOF on in_fd stops that direction only. */
int console_proxy(int master, int in_fd, int out_fd, struct hull_err **err);
/* The same, also returning (after draining what the master still has) when stop_fd becomes readable —
 * e.g. a pidfd of the container's process, when a grandchild may keep the slave open. stop_fd -1: none. */
int console_proxy_until(int master, int in_fd, int out_fd, int stop_fd, struct hull_err **err);

#endif
