/* err.c — see err.h. */
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

static int set(struct hull_err **err, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	char *m = xvasprintf(fmt, ap);
	struct hull_err *e = xcalloc(1, sizeof(*e));
	e->errnum = errnum;
	if (errnum) {
		e->msg = xasprintf("%s: %s", m, strerror(errnum));
		free(m);
	} else {
		e->msg = m;
	}
	hull_err_free(*err);
	*err = e;
	return -1;
}

int hull_err_set(struct hull_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int hull_err_sys(struct hull_err **err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	set(err, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int hull_err_wrap(struct hull_err **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	char *m = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = m;
	return -1;
}

int hull_err_pass(struct hull_err **err, struct hull_err **from)
{
	struct hull_err *e = *from;
	*from = NULL;
	if (!err) {
		hull_err_free(e);
		return -1;
	}
	if (e != *err)
		hull_err_free(*err);
	*err = e;
	return -1;
}

void hull_err_free(struct hull_err *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

void hull_err_freep(struct hull_err **err)
{
	hull_err_free(*err);
	*err = NULL;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s ? s : "", n);
	if (!p)
		abort();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}
