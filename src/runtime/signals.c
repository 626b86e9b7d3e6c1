/* signals.c — see signals.h. */
#include "runtime/rterr.h"
#include "runtime/signals.h"

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; int sig; } signal_table[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM },   { "BUS", SIGBUS },       { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },  { "CONT", SIGCONT },   { "FPE", SIGFPE },       { "HUP", SIGHUP },
	{ "ILL", SIGILL },   { "INT", SIGINT },     { "IO", SIGIO },         { "IOT", SIGIOT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE },   { "POLL", SIGPOLL },     { "PROF", SIGPROF },
	{ "PWR", SIGPWR },   { "QUIT", SIGQUIT },   { "SEGV", SIGSEGV },     { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS },     { "TERM", SIGTERM },     { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },   { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

int signal_parse(const char *name, struct hull_err **err)
{
	char *end;
	if (!name || !*name)
		return rt_err(err, EINVAL, "unknown signal \"\"");
	long n = strtol(name, &end, 10);
	if (*end == 0) {
		if (n <= 0 || n > SIGRTMAX)
			return rt_err(err, EINVAL, "unknown signal \"%s\"", name);
		return (int)n;
	}
	const char *s = name;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
		if (!strcasecmp(s, signal_table[i].name))
			return signal_table[i].sig;
	/* RTMIN, RTMIN+n, RTMAX, RTMAX-n */
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		bool min = !strncasecmp(s, "RTMIN", 5);
		int base = min ? SIGRTMIN : SIGRTMAX;
		const char *r = s + 5;
		if (!*r)
			return base;
		if (*r == (min ? '+' : '-')) {
			long off = strtol(r + 1, &end, 10);
			int sig = min ? base + (int)off : base - (int)off;
			if (*end == 0 && r[1] && off >= 0 && sig >= SIGRTMIN && sig <= SIGRTMAX)
				return sig;
		}
	}
	return rt_err(err, EINVAL, "unknown signal \"%s\"", name);
}

const char *signal_name(int sig)
{
	static char buf[16];
	for (size_t i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
		if (signal_table[i].sig == sig) {
			strcpy(buf, "SIG");
			strcat(buf, signal_table[i].name);
			return buf;
		}
	return NULL;
}
