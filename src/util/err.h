/* err.h — the one error convention of hull.
 *
 * A function that can fail returns a negative value (or NULL) and fills `struct hull_err **err`.
 * Callers add context as the error rises (hull_err_wrap) and the CLI prints it once, at the top.
 * This module owns the error type only; it never prints on its own and never exits.
 * Allocation failure is not an error to report: xmalloc & co abort.
 */
#ifndef HULL_UTIL_ERR_H
#define HULL_UTIL_ERR_H

#include <stddef.h>
#include <stdarg.h>

struct hull_err {
	int errnum;  /* errno-style cause, 0 when the failure is not a system call's */
	char *msg;   /* "context: context: cause" — owned */
};

/* Set *err (if err != NULL) to a new error. Returns -1 so callers can `return hull_err_set(...)`.
 * If errnum != 0, ": strerror(errnum)" is appended. */
int hull_err_set(struct hull_err **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with errno as the cause. */
int hull_err_sys(struct hull_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the message of *err with "context: ". Returns -1. No-op if err or *err is NULL. */
int hull_err_wrap(struct hull_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the error in *from up to err: err takes it (what it held is freed), or it is freed when err is NULL.
 * *from is left NULL. Returns -1. For errors caught in a local (a worker's, a callback's). */
int hull_err_pass(struct hull_err **err, struct hull_err **from);
void hull_err_free(struct hull_err *err);
/* For __attribute__((cleanup)). */
void hull_err_freep(struct hull_err **err);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
