/* rterr.h — an error whose message is complete as written (runc's texts, "container does not exist")
 * but that still carries an errno for callers that branch on the cause (delete --force of a missing
 * container, EEXIST on create). hull_err_set would append strerror. */
#ifndef HULL_RUNTIME_RTERR_H
#define HULL_RUNTIME_RTERR_H

#include "util/err.h"

int rt_err(struct hull_err **err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
