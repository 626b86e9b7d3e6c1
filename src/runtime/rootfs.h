/* rootfs.h — the container's file-system view: mounts, devices, pivot_root, masked and read-only paths.
 *
 * Runs in the container's init process, inside its new mount namespace, before the user's program.
 * Every destination inside the rootfs is resolved by fd (openat2 RESOLVE_IN_ROOT) and each mount is built
 * detached (open_tree/fsmount) and attached with move_mount onto that fd, never by joining strings: the
 * rootfs is hostile. Without a mount namespace in the spec nothing is mounted (prepare refuses mounts,
 * masked/readonly paths, devices, a read-only root) and finalize only chroots.
 * It knows nothing of processes, cgroups or the state dir. The pure decisions are in mountplan.h.
 */
#ifndef HULL_RUNTIME_ROOTFS_H
#define HULL_RUNTIME_ROOTFS_H

#include <stdbool.h>
#include "oci/spec.h"

struct rootfs_opts {
	const char *bundle;      /* absolute bundle dir (relative mount sources are taken from here) */
	const char *rootfs;      /* absolute path of the rootfs (root.path resolved against bundle) */
	bool no_pivot;           /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool in_userns;          /* devices are bind-mounted from the host instead of mknod */
	int console_fd;          /* pty slave to bind on /dev/console, or -1 */
	/* idmap/ridmap mounts need CAP_SYS_ADMIN over the source's file system, which a process inside the
	 * container's user namespace lacks: the parent prepares them with rootfs_open_idmapped_mounts and
	 * passes the detached trees here (s->n_mounts entries, -1 for the others). NULL: none prepared;
	 * rootfs_prepare then makes them itself, which works only outside a user namespace. */
	const int *mount_fds;
	/* Path of the container's user namespace (e.g. "/proc/<pid>/ns/user") for idmap mounts without
	 * mappings of their own; NULL: the caller's own user namespace. */
	const char *userns_path;
	/* No "mount" in linux.namespaces: the caller ran rootfs_private_mount_ns, so the steps below run as
	 * with a mount namespace, in a private one the container leaves again (rootfs_leave_private_mount_ns). */
	bool private_mnt;
};

/* Steps before the createContainer hooks: propagation of "/", bind of the rootfs onto itself, every
 * spec mount in order, linux.devices and the default devices, /dev symlinks, /dev/ptmx, /dev/console. */
int rootfs_prepare(const struct spec *s, const struct rootfs_opts *o, struct hull_err **err);
/* Steps after them: pivot_root (or, with no_pivot, the host's mounts detached, MS_MOVE and chroot), a
 * read-only /dev sealed, read-only root, readonlyPaths, maskedPaths (/dev/null verified to be 1:3),
 * rootfsPropagation. On return the process's root and cwd are the container's "/". */
int rootfs_finalize(const struct spec *s, const struct rootfs_opts *o, struct hull_err **err);

/* In the runtime's parent (initial user namespace), once the container's user namespace exists: a detached
 * id-mapped clone of the source of every idmap/ridmap mount, *fds[i] = -1 for the others (s->n_mounts
 * entries, free() the array and close the fds after the child has them). userns_path as in rootfs_opts. */
int rootfs_open_idmapped_mounts(const struct spec *s, const char *bundle, const char *userns_path, int **fds,
				struct hull_err **err);

/* After rootfs_finalize, in the container's root: bind console_fd (a pty slave from the container's own
 * /dev/pts, opened after pivot_root as runc does) on /dev/console. For a terminal whose pty had to come
 * from the container's devpts instance; rootfs_opts.console_fd stays -1 then, and rootfs_prepare makes
 * the /dev/console mount point ahead (process.terminal), so a read-only /dev still takes the bind. */
int rootfs_bind_console(int console_fd, struct hull_err **err);

/* A container without a mount namespace inherits the runtime's (config-linux.md), but its mounts must not
 * change the host's: rootfs_private_mount_ns keeps an fd of the current mount namespace in *host_mnt and
 * unshares a private one (every mount of rootfs_prepare/finalize then lands there, "/" slave or private,
 * never shared). After rootfs_finalize, rootfs_leave_private_mount_ns clones the finished tree (a
 * detached copy), goes back to the host's mount namespace and chroots into the copy: the process is in
 * the runtime's mount namespace, sees the container's mounts, and the host's mount table never saw them. */
int rootfs_private_mount_ns(int *host_mnt, struct hull_err **err);
int rootfs_leave_private_mount_ns(int host_mnt, struct hull_err **err);

#endif
