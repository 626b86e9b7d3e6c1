/* caps.h — the five capability sets of process.capabilities, and no_new_privs.
 *
 * Order of use in the container's init (and in exec): caps_drop_bounding() while still root,
 * caps_keep_across_setuid(), then setgroups/setgid/setuid, then caps_apply() and caps_set_no_new_privs().
 * A set the spec does not give is empty. When process.capabilities is absent altogether, runc 1.1.5 (the
 * reference on this machine) ends with every set empty, bounding included: call these with an all-empty
 * struct spec_caps rather than skipping them.
 * Inheritable stays empty unless the spec asks for it (CVE-2022-29162). Caps above the kernel's
 * /proc/sys/kernel/cap_last_cap are ignored, as runc ignores capabilities the kernel does not know.
 * Knows nothing of containers; raw prctl/capset, no libcap. Names come from the parser's table (oci/tables.h).
 */
#ifndef HULL_RUNTIME_CAPS_H
#define HULL_RUNTIME_CAPS_H

#include <stdint.h>
#include "oci/spec.h"

/* PR_CAPBSET_DROP of every capability up to the kernel's last one that is not in c->bounding. */
int caps_drop_bounding(const struct spec_caps *c, struct hull_err **err);
/* PR_SET_KEEPCAPS: permitted survives the setuid to a non-root user. */
int caps_keep_across_setuid(struct hull_err **err);
/* capset(permitted, effective, inheritable), then the ambient set (cleared, then each raised; a cap
 * that cannot be raised — not in permitted and inheritable — is skipped with a debug log, as runc 1.1
 * does silently); clears keepcaps. */
int caps_apply(const struct spec_caps *c, struct hull_err **err);
/* prctl(PR_SET_NO_NEW_PRIVS, 1) for process.noNewPrivileges. */
int caps_set_no_new_privs(struct hull_err **err);

/* `exec --cap NAME`: add the capability to bounding, effective and permitted, and to ambient only when
 * the process already has an inheritable set (runc: ambient needs inheritable, which --cap never adds).
 * NAME is "CAP_SYS_ADMIN" (case-insensitive); an unknown name is an error naming it. */
int caps_exec_add(struct spec_caps *c, const char *name, struct hull_err **err);
/* CAP_* name to number; -1 when unknown. */
int caps_from_name(const char *name);
/* The kernel's highest capability number (/proc/sys/kernel/cap_last_cap, probed if unreadable). */
int caps_last_cap(void);

#endif
