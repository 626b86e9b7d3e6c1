/* logs.c — json-file logs, docker's format: one JSON object per line {"log":"…\n","stream":"stdout",
 * "time":"RFC3339Nano"}, the file rotated at max-size into name.1 … name.<max-file - 1>. The monitor writes;
 * `hull logs` reads (and follows while the container runs). */
#include "engine/internal.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int log_writer_open(struct log_writer *w, int dirfd, const char *name, int64_t max_size, int max_file,
		    struct hull_err **err)
{
	w->dirfd = dirfd;
	w->name = xstrdup(name);
	w->max_size = max_size;
	w->max_file = max_file;
	w->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (w->fd < 0)
		return hull_err_sys(err, "open log %s", name);
	struct stat sb;
	w->size = fstat(w->fd, &sb) == 0 ? sb.st_size : 0;
	return 0;
}

static void rotate(struct log_writer *w)
{
	close(w->fd);
	for (int k = w->max_file - 1; k >= 1; k--) {
		char from[512], to[512];
		if (k == 1)
			snprintf(from, sizeof(from), "%s", w->name);
		else
			snprintf(from, sizeof(from), "%s.%d", w->name, k - 1);
		snprintf(to, sizeof(to), "%s.%d", w->name, k);
		renameat(w->dirfd, from, w->dirfd, to);
	}
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (w->max_file <= 1 ? O_TRUNC : 0);
	w->fd = openat(w->dirfd, w->name, flags, 0640);
	w->size = 0;
}

static void put_escaped(char **p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': *(*p)++ = '\\'; *(*p)++ = '"'; break;
		case '\\': *(*p)++ = '\\'; *(*p)++ = '\\'; break;
		case '\n': *(*p)++ = '\\'; *(*p)++ = 'n'; break;
		case '\r': *(*p)++ = '\\'; *(*p)++ = 'r'; break;
		case '\t': *(*p)++ = '\\'; *(*p)++ = 't'; break;
		default:
			if (ch < 0x20)
				*p += sprintf(*p, "\\u%04x", ch);
			else
				*(*p)++ = (char)ch;
		}
	}
}

/* One entry per call: the caller splits at newlines. */
void log_writer_write(struct log_writer *w, const char *stream, const char *buf, size_t len)
{
	if (w->fd < 0 || len == 0)
		return;
	_cleanup_free_ char *now = engine_now();
	_cleanup_free_ char *line = xmalloc(len * 6 + 128);
	char *p = line;
	p += sprintf(p, "{\"log\":\"");
	put_escaped(&p, buf, len);
	p += sprintf(p, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, now);
	size_t n = (size_t)(p - line);
	if (w->max_size > 0 && w->size > 0 && w->size + (int64_t)n > w->max_size)
		rotate(w);
	if (w->fd < 0)
		return;
	for (size_t off = 0; off < n;) {
		ssize_t r = write(w->fd, line + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		off += (size_t)r;
	}
	w->size += (int64_t)n;
}

void log_writer_close(struct log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->name);
	w->name = NULL;
}

/* ---- reading ---- */

struct entry { char *log, *stream, *time; };

static bool parse_entry(const char *line, struct entry *e)
{
	json_t *j = json_loads(line, JSON_ALLOW_NUL, NULL);
	if (!j)
		return false;
	const char *l = rec_str(j, "log"), *s = rec_str(j, "stream"), *t = rec_str(j, "time");
	e->log = xstrdup(l ? l : "");
	e->stream = xstrdup(s ? s : "stdout");
	e->time = xstrdup(t ? t : "");
	json_decref(j);
	return true;
}

static void entry_print(const struct entry *e, bool ts)
{
	FILE *out = !strcmp(e->stream, "stderr") ? stderr : stdout;
	if (ts)
		fprintf(out, "%s ", e->time);
	fputs(e->log, out);
	fflush(out);
}

static void entry_free(struct entry *e)
{
	free(e->log);
	free(e->stream);
	free(e->time);
}

/* Read complete lines from f; print them (or keep the last `tail`). */
static void read_lines(FILE *f, const struct logs_opts *o, struct entry **keep, size_t *nkeep, bool collect)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	for (;;) {
		long pos = ftell(f);
		n = getline(&line, &cap, f);
		if (n <= 0)
			break;
		if (line[n - 1] != '\n') { /* a line being written: come back for it */
			fseek(f, pos, SEEK_SET);
			break;
		}
		struct entry e;
		if (!parse_entry(line, &e))
			continue;
		if (collect) {
			*keep = xrealloc(*keep, (*nkeep + 1) * sizeof(**keep));
			(*keep)[(*nkeep)++] = e;
		} else {
			entry_print(&e, o->timestamps);
			entry_free(&e);
		}
	}
	free(line);
	clearerr(f);
}

int engine_logs(struct ctr *c, const struct logs_opts *o, struct hull_err **err)
{
	const char *path = rec_str(c->rec, "LogPath");
	int max_file = (int)json_integer_value(json_object_get(json_object_get(json_object_get(
		json_object_get(c->rec, "HostConfig"), "LogConfig"), "Config"), "max-file"));
	struct entry *keep = NULL;
	size_t nkeep = 0;
	bool collect = o->tail >= 0;
	for (int k = max_file - 1; k >= 1; k--) {
		_cleanup_free_ char *p = xasprintf("%s.%d", path, k);
		_cleanup_file_ FILE *f = fopen(p, "re");
		if (f)
			read_lines(f, o, &keep, &nkeep, collect);
	}
	FILE *f = fopen(path, "re");
	if (f)
		read_lines(f, o, &keep, &nkeep, collect);
	if (collect) {
		size_t from = nkeep > (size_t)o->tail ? nkeep - (size_t)o->tail : 0;
		for (size_t i = 0; i < nkeep; i++) {
			if (i >= from)
				entry_print(&keep[i], o->timestamps);
			entry_free(&keep[i]);
		}
		free(keep);
	}
	if (!o->follow) {
		if (f)
			fclose(f);
		return 0;
	}
	/* follow: until the monitor is gone (its lock free) and the file read to its end */
	for (;;) {
		bool running = ctr_lock(c, false, NULL) < 0;
		if (!running)
			ctr_unlock(c);
		if (!f)
			f = fopen(path, "re");
		if (f) {
			struct stat a, b;
			read_lines(f, o, NULL, NULL, false);
			/* rotated under us: the old file is complete, go on with the new one */
			if (stat(path, &a) == 0 && fstat(fileno(f), &b) == 0 && a.st_ino != b.st_ino) {
				fclose(f);
				f = fopen(path, "re");
				continue;
			}
		}
		if (!running)
			break;
		poll(NULL, 0, 50);
	}
	if (f)
		fclose(f);
	(void)err;
	return 0;
}
