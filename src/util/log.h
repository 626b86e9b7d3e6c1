/* log.h — runtime logging and the --trace timeline.
 *
 * Logging follows runc: `--log FILE` and `--log-format text|json` (json lines
 * {"level":"…","msg":"…","time":"RFC3339"} that containerd parses); without --log, warnings and errors go
 * to stderr. `--trace` prints each step of a container's life with the microseconds it took, to stderr;
 * it costs one branch when off. This module never exits and never decides what is an error.
 */
#ifndef HULL_UTIL_LOG_H
#define HULL_UTIL_LOG_H

#include <stdint.h>

enum hull_log_level { HULL_LOG_ERROR, HULL_LOG_WARN, HULL_LOG_INFO, HULL_LOG_DEBUG };
enum hull_log_format { HULL_LOG_TEXT, HULL_LOG_JSON };

/* path NULL: stderr. Returns -1 (errno set) if the log file cannot be opened. */
int hull_log_init(const char *path, enum hull_log_format fmt, int debug);
void hull_log(enum hull_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The fd logs go to (for children that must keep logging after a fork), -1 if none. */
int hull_log_fd(void);

#define log_error(...) hull_log(HULL_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  hull_log(HULL_LOG_WARN, __VA_ARGS__)
#define log_info(...)  hull_log(HULL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) hull_log(HULL_LOG_DEBUG, __VA_ARGS__)

/* --trace. hull_trace_fd is -1 when tracing is off. */
extern int hull_trace_fd;
void hull_trace_init(int fd);
uint64_t hull_now_ns(void);
/* Start a step: returns a timestamp, or 0 when tracing is off (no clock read). */
static inline uint64_t trace_begin(void) { return hull_trace_fd >= 0 ? hull_now_ns() : 0; }
/* End a step: prints "[trace] +T ms  (D us)  <what>" with T since hull_trace_init. */
void hull_trace_step(uint64_t t0, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define trace_end(t0, ...) do { if (hull_trace_fd >= 0) hull_trace_step((t0), __VA_ARGS__); } while (0)

#endif
