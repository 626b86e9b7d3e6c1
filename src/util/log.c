/* log.c — see log.h. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static enum hull_log_format log_format = HULL_LOG_TEXT;
static int log_debug_on;
int hull_trace_fd = -1;
static uint64_t trace_t0;

int hull_log_init(const char *path, enum hull_log_format fmt, int debug)
{
	log_format = fmt;
	log_debug_on = debug;
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		log_fd = fd;
	}
	return 0;
}

int hull_log_fd(void) { return log_fd; }

static const char *level_name[] = { "error", "warning", "info", "debug" };

/* JSON string escaping for the message; enough for log lines (control chars as \u00XX). */
static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = c;
		} else if (c < 0x20) {
			n += snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = c;
		}
	}
	out[n] = 0;
	return n;
}

void hull_log(enum hull_log_level lvl, const char *fmt, ...)
{
	if (lvl == HULL_LOG_DEBUG && !log_debug_on)
		return;
	if (lvl == HULL_LOG_INFO && !log_debug_on && log_fd == 2)
		return;
	int saved = errno;
	char msg[4096], line[8400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int n;
	if (log_format == HULL_LOG_JSON) {
		char esc[8200], ts[64];
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		size_t l = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + l, sizeof(ts) - l, ".%09ldZ", now.tv_nsec);
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_name[lvl], esc, ts);
	} else if (log_fd == 2) {
		n = snprintf(line, sizeof(line), "%s%s\n", lvl == HULL_LOG_ERROR ? "" : "", msg);
	} else {
		n = snprintf(line, sizeof(line), "%s: %s\n", level_name[lvl], msg);
	}
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (write(log_fd, line, n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

uint64_t hull_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void hull_trace_init(int fd)
{
	hull_trace_fd = fd;
	trace_t0 = hull_now_ns();
}

void hull_trace_step(uint64_t t0, const char *fmt, ...)
{
	int saved = errno;
	uint64_t now = hull_now_ns();
	char what[2048], line[2200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof(line), "[trace %d] +%8.3f ms %8.1f us  %s\n", (int)getpid(),
			 (now - trace_t0) / 1e6, t0 ? (now - t0) / 1e3 : 0.0, what);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (write(hull_trace_fd, line, n) < 0) {
		/* tracing is best effort */
	}
	errno = saved;
}
