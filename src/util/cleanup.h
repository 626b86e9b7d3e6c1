/* cleanup.h — scope-bound cleanup for fds, heap memory, directory handles, errors and child pids,
 * so early returns cannot leak. Use: `_cleanup_fd_ int fd = -1;`. To keep a value past the scope,
 * steal it: `int ret = steal_fd(&fd);`. */
#ifndef HULL_UTIL_CLEANUP_H
#define HULL_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) { if (*fd >= 0) { int e = errno; close(*fd); errno = e; } }
static inline void cleanup_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void cleanup_closedirp(DIR **d) { if (*d) closedir(*d); }
/* A child that must not outlive the scope: killed and reaped unless stolen (set to 0). */
static inline void cleanup_killpidp(pid_t *pid)
{
	if (*pid > 0) {
		int e = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = e;
	}
}

#define _cleanup_free_    __attribute__((cleanup(cleanup_freep)))
#define _cleanup_fd_      __attribute__((cleanup(cleanup_closep)))
#define _cleanup_file_    __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_dir_     __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_err_     __attribute__((cleanup(hull_err_freep)))
#define _cleanup_killpid_ __attribute__((cleanup(cleanup_killpidp)))

static inline int steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }
static inline void *steal_ptr(void *pp) { void **p = pp; void *r = *p; *p = NULL; return r; }

#endif
