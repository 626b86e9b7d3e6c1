/* health.c — see health.h. */
#include "engine/health.h"
#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define HEALTH_LOG_KEEP 5

int health_parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "µs", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S },
		{ "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
	};
	if (!s || !*s)
		return -1;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	double total = 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += v * (double)units[best].ns;
		s += best_len;
	}
	*ns = (int64_t)total;
	return 0;
}

json_t *health_config(json_t *image_hc, const struct run_opts *o, struct hull_err **err)
{
	if (o->no_healthcheck)
		return NULL;
	json_t *hc = json_is_object(image_hc) ? json_deep_copy(image_hc) : json_object();
	if (o->health_cmd)
		json_object_set_new(hc, "Test", json_pack("[ss]", "CMD-SHELL", o->health_cmd));
	if (o->health_interval >= 0)
		json_object_set_new(hc, "Interval", json_integer(o->health_interval));
	if (o->health_timeout >= 0)
		json_object_set_new(hc, "Timeout", json_integer(o->health_timeout));
	if (o->health_start_period >= 0)
		json_object_set_new(hc, "StartPeriod", json_integer(o->health_start_period));
	if (o->health_retries >= 0)
		json_object_set_new(hc, "Retries", json_integer(o->health_retries));
	json_t *test = json_object_get(hc, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	if (!kind || !strcmp(kind, "NONE")) {
		json_decref(hc);
		return NULL;
	}
	if ((strcmp(kind, "CMD") && strcmp(kind, "CMD-SHELL")) || json_array_size(test) < 2) {
		json_decref(hc);
		hull_err_set(err, EINVAL, "healthcheck: Test: want [\"CMD\", ARG…] or [\"CMD-SHELL\", COMMAND]");
		return NULL;
	}
	return hc;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void arm(struct health *h, int64_t after_ns)
{
	if (after_ns <= 0)
		after_ns = 1;
	struct itimerspec its = { .it_value = { .tv_sec = after_ns / NS_PER_S, .tv_nsec = after_ns % NS_PER_S } };
	timerfd_settime(h->timer, 0, &its, NULL);
}

static int64_t field_ns(json_t *hc, const char *k, int64_t dflt)
{
	json_t *v = json_object_get(hc, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : dflt;
}

static json_t *health_of(struct ctr *c)
{
	return rec_obj(rec_obj(c->rec, "State"), "Health");
}

int health_start(struct health *h, struct ctr *c, struct hull_err **err)
{
	memset(h, 0, sizeof(*h));
	h->timer = h->pidfd = h->out = -1;
	json_t *hc = json_object_get(json_object_get(c->rec, "Config"), "Healthcheck");
	json_t *test = json_object_get(hc, "Test");
	if (!json_is_array(test) || json_array_size(test) < 2)
		return 0;
	/* docker's defaults */
	h->interval = field_ns(hc, "Interval", 30 * NS_PER_S);
	h->timeout = field_ns(hc, "Timeout", 30 * NS_PER_S);
	h->start_period = field_ns(hc, "StartPeriod", 0);
	json_t *r = json_object_get(hc, "Retries");
	h->retries = json_is_integer(r) && json_integer_value(r) > 0 ? (int)json_integer_value(r) : 3;
	h->test = test;
	h->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->timer < 0)
		return hull_err_sys(err, "healthcheck: timerfd");
	h->started = mono_ns();
	json_t *hs = health_of(c);
	json_object_set_new(hs, "Status", json_string("starting"));
	json_object_set_new(hs, "FailingStreak", json_integer(0));
	json_object_set_new(hs, "Log", json_array());
	h->active = true;
	arm(h, h->interval);
	return ctr_save(c, err);
}

void health_poll_fds(const struct health *h, struct pollfd p[3])
{
	p[0] = (struct pollfd){ .fd = h->active ? h->timer : -1, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = h->pid ? h->out : -1, .events = POLLIN };
	p[2] = (struct pollfd){ .fd = h->pid ? h->pidfd : -1, .events = POLLIN };
}

/* `hull --root ROOT exec ID CMD…` as a child of ours, its output into a pipe. */
static void run_check(struct health *h, struct ctr *c)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	size_t n = json_array_size(h->test);
	const char *kind = json_string_value(json_array_get(h->test, 0));
	bool shell = !strcmp(kind, "CMD-SHELL");
	char **argv = xcalloc(n + 10, sizeof(char *));
	size_t k = 0;
	argv[k++] = "hull";
	argv[k++] = "--root";
	argv[k++] = c->e->root;
	argv[k++] = "exec";
	argv[k++] = c->id;
	if (shell) {
		argv[k++] = "/bin/sh";
		argv[k++] = "-c";
	}
	for (size_t i = 1; i < n; i++)
		argv[k++] = (char *)json_string_value(json_array_get(h->test, i));
	free(h->check_start);
	h->check_start = engine_now();
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < 32; s++)
			signal(s, SIG_DFL);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	free(argv);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return;
	}
	h->pid = pid;
	h->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	h->out = pipefd[0];
	fcntl(h->out, F_SETFL, O_NONBLOCK);
	h->len = 0;
	h->kills = 0;
	arm(h, h->timeout);
}

/* The result of the check that just ended (code -1: it ran out of time), into State.Health. */
static void record(struct health *h, struct ctr *c, int code)
{
	json_t *hs = health_of(c);
	_cleanup_free_ char *end = engine_now();
	char *out = code == -1 ? (h->timeout % NS_PER_S
				  ? xasprintf("Health check exceeded timeout (%lldms)", (long long)(h->timeout / 1000000))
				  : xasprintf("Health check exceeded timeout (%llds)", (long long)(h->timeout / NS_PER_S)))
			       : xstrndup(h->buf, h->len);
	json_t *log = json_object_get(hs, "Log");
	if (!json_is_array(log))
		json_object_set_new(hs, "Log", log = json_array());
	json_array_append_new(log, json_pack("{ss ss si ss}", "Start", h->check_start ? h->check_start : end, "End",
					     end, "ExitCode", code, "Output", out));
	free(out);
	while (json_array_size(log) > HEALTH_LOG_KEEP)
		json_array_remove(log, 0);
	int streak = (int)json_integer_value(json_object_get(hs, "FailingStreak"));
	const char *status = json_string_value(json_object_get(hs, "Status"));
	if (code == 0) {
		streak = 0;
		status = "healthy";
	} else if (strcmp(status ? status : "", "starting") || mono_ns() - h->started >= (uint64_t)h->start_period) {
		/* a failure in the start period does not count (docker) */
		if (++streak >= h->retries)
			status = "unhealthy";
	}
	json_object_set_new(hs, "FailingStreak", json_integer(streak));
	json_object_set_new(hs, "Status", json_string(status ? status : "starting"));
	struct hull_err *e = NULL;
	if (ctr_save(c, &e) < 0)
		log_error("healthcheck: %s", e->msg);
	hull_err_free(e);
}

static void finish(struct health *h)
{
	if (h->pidfd >= 0)
		close(h->pidfd);
	if (h->out >= 0)
		close(h->out);
	h->pidfd = h->out = -1;
	h->pid = 0;
}

void health_handle(struct health *h, struct ctr *c, const struct pollfd p[3])
{
	if (!h->active)
		return;
	if (p[1].revents) {
		ssize_t r = read(h->out, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
		if (r > 0)
			h->len += (size_t)r;
		else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(h->out);
			h->out = -1;
		}
		if (h->len == sizeof(h->buf) - 1) { /* docker keeps 4 KiB of output too: drain the rest */
			char sink[4096];
			while (h->out >= 0 && read(h->out, sink, sizeof(sink)) > 0)
				;
		}
	}
	if (p[2].revents && h->pid) {
		siginfo_t si = { 0 };
		if (waitid(P_PIDFD, (id_t)h->pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid) {
			/* what is left of the output, then the verdict */
			while (h->out >= 0) {
				ssize_t r = read(h->out, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
				if (r <= 0)
					break;
				h->len += (size_t)r;
			}
			int code = h->kills ? -1 : si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
			record(h, c, code);
			finish(h);
			arm(h, h->interval);
		}
	}
	if (p[0].revents) {
		uint64_t ticks;
		if (read(h->timer, &ticks, sizeof(ticks)) != sizeof(ticks))
			return;
		if (!h->pid) {
			/* a paused container is not probed (its exec would only be refused) */
			if (engine_paused(c))
				arm(h, h->interval);
			else
				run_check(h, c);
		} else if (h->kills == 0) {
			/* out of time: `hull exec` forwards the SIGTERM to the check's process */
			kill(h->pid, SIGTERM);
			h->kills = 1;
			arm(h, NS_PER_S);
		} else {
			kill(h->pid, SIGKILL);
			h->kills = 2;
		}
	}
}

void health_stop(struct health *h)
{
	if (h->pid) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		finish(h);
	}
	if (h->timer >= 0)
		close(h->timer);
	h->timer = -1;
	h->active = false;
	free(h->check_start);
	h->check_start = NULL;
}
