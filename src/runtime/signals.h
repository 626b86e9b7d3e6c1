/* signals.h — signal names as runc accepts them ("KILL", "SIGKILL", "9", "RTMIN+3"), one table.
 * Pure lookup: never sends a signal. */
#ifndef HULL_RUNTIME_SIGNALS_H
#define HULL_RUNTIME_SIGNALS_H

#include "util/err.h"

/* The signal number, or -1 with `unknown signal "X"` (runc's text). */
int signal_parse(const char *name, struct hull_err **err);
/* "SIGKILL" for 9, NULL when the number has no name. */
const char *signal_name(int sig);

#endif
