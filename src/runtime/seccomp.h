/* seccomp.h — linux.seccomp compiled to BPF with libseccomp, cached by profile hash, installed last.
 *
 * seccomp_prepare runs on the host side (before the container process needs it): it checks the whole
 * profile (errors name the JSON path), translates it as runc does (see seccomp.c) and may read/write the
 * BPF cache in cache_dir (keyed by sha256 of spec_seccomp.raw_json, the libseccomp version, the kernel
 * release and machine, and our translation's format; entries are checksummed, a corrupt one is rebuilt).
 * seccomp_install runs in the container's process just before execve and uses no libseccomp state, only
 * the compiled program: every flag, libseccomp-known or not (WAIT_KILLABLE_RECV), goes straight to
 * seccomp(2). Without no_new_privs it needs CAP_SYS_ADMIN, so it must then run before caps are dropped.
 * Knows nothing of containers beyond the profile.
 */
#ifndef HULL_RUNTIME_SECCOMP_H
#define HULL_RUNTIME_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include "oci/spec.h"

struct seccomp_prog {
	void *filter;        /* struct sock_filter[] */
	size_t len;          /* instructions */
	unsigned int flags;  /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool notify;         /* the profile has SCMP_ACT_NOTIFY: install returns a listener fd */
	bool cache_hit;      /* for --trace */
};

/* cache_dir NULL: no cache. */
struct seccomp_prog *seccomp_prepare(const struct spec_seccomp *s, const char *cache_dir, struct hull_err **err);
void seccomp_prog_free(struct seccomp_prog *p);
/* seccomp(SECCOMP_SET_MODE_FILTER). *listener_fd gets the notify fd when p->notify, else -1. */
int seccomp_install(const struct seccomp_prog *p, int *listener_fd, struct hull_err **err);
/* Send the notify fd with the container state JSON to linux.seccomp.listenerPath (SCM_RIGHTS), as the
 * runtime spec's "seccomp notify" section says (ContainerProcessState). */
int seccomp_send_listener(const char *listener_path, const char *metadata, const char *state_json, int listener_fd,
			  pid_t pid, struct hull_err **err);

#endif
