/* caps.h — the five capability sets of process.capabilities, and no_new_privs.
 *
 * Order of use in the container's init (and in exec): caps_drop_bounding() while still root,
 * caps_keep_across_setuid(), then setgroups/setgid/setuid, then caps_apply() and no_new_privs.
 * Inheritable stays empty unless the spec asks for it (CVE-2022-29162). Knows nothing of containers.
 */
#ifndef HULL_RUNTIME_CAPS_H
#define HULL_RUNTIME_CAPS_H

#include "oci/spec.h"

int caps_drop_bounding(const struct spec_caps *c, struct hull_err **err);
int caps_keep_across_setuid(struct hull_err **err);
/* capset(permitted, effective, inheritable), then the ambient set; clears keepcaps. */
int caps_apply(const struct spec_caps *c, struct hull_err **err);

#endif
