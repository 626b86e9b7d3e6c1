/* rootfs_impl.h — what rootfs.c, mounts.c and devices.c share; not for other modules.
 *
 * Mount primitives work on fds only: a detached tree (open_tree/fsmount) is configured while nobody can
 * see it, then attached with move_mount onto an O_PATH fd resolved inside the rootfs. They never take a
 * path inside the rootfs as a string.
 */
#ifndef HULL_RUNTIME_ROOTFS_IMPL_H
#define HULL_RUNTIME_ROOTFS_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "runtime/mountplan.h"
#include "runtime/rootfs.h"

/* ---- mounts.c ---- */
/* A detached clone of the object srcfd refers to (the whole tree below it if recursive). */
int mnt_clone(int srcfd, bool recursive, struct hull_err **err);
/* mount_setattr on a mount fd; recursive applies to the tree. Clearing a flag the kernel locked (a
 * mount from a more privileged namespace) is dropped, as runc does, instead of failing. */
int mnt_setattr(int mntfd, bool recursive, uint64_t set, uint64_t clr, struct hull_err **err);
/* A detached new file system: fsopen(type) + source + comma-separated data + fsmount(attrs). Kernel
 * messages from the file system are part of the error text. */
int mnt_new_fs(const char *type, const char *source, const char *data, unsigned long sb_flags, uint64_t attrs,
	       struct hull_err **err);
/* move_mount of a detached tree onto the object destfd refers to. */
int mnt_attach(int mntfd, int destfd, struct hull_err **err);
/* Apply every step of the plan, in order, inside rootfd (the rootfs after its self-bind). */
int mounts_apply(int rootfd, const struct mount_plan *plan, const struct spec *s, const struct rootfs_opts *o,
		 struct hull_err **err);
/* A user namespace fd with these mappings (forks a short-lived child); needs privilege over the ids. */
int mnt_userns_with_maps(const struct spec_mount *m, struct hull_err **err);

/* ---- devices.c ---- */
/* The default and linux.devices nodes, /dev symlinks, /dev/ptmx (when plan->setup_dev), /dev/console. */
int devices_setup(int rootfd, const struct mount_plan *plan, const struct spec *s, const struct rootfs_opts *o,
		  struct hull_err **err);
/* /dev inside rootfd as an O_PATH directory fd; refuses a /dev that is a symlink. */
int devices_open_dev(int rootfd, bool create, struct hull_err **err);
/* /dev/null inside rootfd, verified to be the character device 1:3 (not a symlink, file or other node). */
int devices_open_null(int rootfd, struct hull_err **err);

#endif
