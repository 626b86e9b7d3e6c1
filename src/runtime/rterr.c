/* rterr.c — see rterr.h. */
#include "runtime/rterr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int rt_err(struct hull_err **err, int errnum, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	hull_err_set(err, 0, "%s", m);
	free(m);
	(*err)->errnum = errnum;
	return -1;
}
