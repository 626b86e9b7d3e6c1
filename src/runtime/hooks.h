/* hooks.h — running the OCI hooks (prestart, createRuntime, createContainer, startContainer, poststart,
 * poststop) of config.json.
 *
 * Each hook is fork+execve'd in order from the calling process's namespaces (createContainer and
 * startContainer: the caller runs them from inside the container's namespaces), with the container
 * state JSON on its stdin, stdout inherited, stderr inherited and its tail kept for the error message.
 * A hook's `timeout` is honoured with a pidfd and poll: the hook is SIGKILLed and reaped.
 * No fd of the runtime but stdio reaches a hook. The caller must not reap unknown children (SIGCHLD
 * ignored, waitpid(-1)) while hooks run: the hook's status would be lost (reported as an error). This module never decides whether a failed hook is
 * fatal (poststart/poststop failures are only warnings for runc): it reports, the caller decides.
 */
#ifndef HULL_RUNTIME_HOOKS_H
#define HULL_RUNTIME_HOOKS_H

#include <stddef.h>
#include "oci/spec.h"

/* Run hooks[0..n) in order; stop at the first failure. kind names them in errors ("prestart").
 * A hook without env inherits the caller's environment (as runc: Go's exec.Cmd with nil Env);
 * with args empty its argv is [path]. Errors:
 *   hook prestart[1] /usr/bin/foo: exit status 3: <last stderr line(s)>
 *   hook prestart[1] /usr/bin/foo: killed by signal SIGSEGV
 *   hook prestart[1] /usr/bin/foo: timed out after 5s
 *   hook prestart[1] /usr/bin/foo: execve: No such file or directory */
int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct hull_err **err);

/* The same, but a hook without env gets default_env[0..n) instead of the caller's environment
 * (default_env NULL: the caller's). runc gives startContainer hooks the container process's env so. */
int hooks_run_with_env(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
		       char *const *default_env, size_t n_default_env, struct hull_err **err);

/* hooks_run on s->hooks[kind] with spec_hook_kind_names[kind]. */
int hooks_run_kind(const struct spec *s, enum spec_hook_kind kind, const char *state_json,
		   struct hull_err **err);

#endif
