/* health.h — docker's healthchecks: the image's HEALTHCHECK or `--health-*`, run by the container's monitor.
 *
 * The record's Config.Healthcheck has docker's shape ({"Test": ["CMD"|"CMD-SHELL", …], "Interval",
 * "Timeout", "StartPeriod" in nanoseconds, "Retries"}); the monitor runs the test every interval as an
 * `exec` into the container (a `hull exec` child of its own, so the monitor never joins the container's
 * namespaces) and keeps State.Health ({"Status": "starting"|"healthy"|"unhealthy", "FailingStreak",
 * "Log": the last five results}) in the record, as docker. Failures during the start period do not count.
 */
#ifndef HULL_ENGINE_HEALTH_H
#define HULL_ENGINE_HEALTH_H

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "engine/engine.h"
#include "util/err.h"

/* Config.Healthcheck from the image's and the flags (flags win field by field); NULL: none (no test, a
 * test of ["NONE"], or --no-healthcheck). */
json_t *health_config(json_t *image_healthcheck, const struct run_opts *o, struct hull_err **err);
/* A Go duration as docker's flags take it ("1m30s", "500ms", "2s"); ns. */
int health_parse_duration(const char *s, int64_t *ns);

struct health {
	bool active;
	json_t *test;
	int64_t interval, timeout, start_period;
	int retries;
	uint64_t started;        /* the container's start, CLOCK_MONOTONIC ns */
	int timer;               /* timerfd: the next check is due, or the running one's time is up */
	pid_t pid;               /* the running check (a `hull exec`), 0: none */
	int pidfd, out;
	char *check_start;       /* RFC 3339 */
	char buf[4096];
	size_t len;
	int kills;               /* 1: SIGTERM sent at the timeout, 2: SIGKILL after */
};

/* For a running container: State.Health "starting" saved, the first check due one interval from now. */
int health_start(struct health *h, struct ctr *c, struct hull_err **err);
/* The fds to poll (3 entries; -1 when idle). */
void health_poll_fds(const struct health *h, struct pollfd p[3]);
/* Act on what poll found in those 3 entries. */
void health_handle(struct health *h, struct ctr *c, const struct pollfd p[3]);
/* The container exited: a check still running is killed and reaped. */
void health_stop(struct health *h);

#endif
