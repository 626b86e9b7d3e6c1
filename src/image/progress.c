/* progress.c — see progress.h. */
#include "image/progress.h"
#include "util/err.h"
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct layer_line {
	char id[16];
	char text[128];
	uint64_t last_draw;
};

struct progress {
	FILE *out;
	bool quiet, tty, drawn;
	size_t n;
	struct layer_line *lines;
	pthread_mutex_t lock;
};

struct progress *progress_new(FILE *out, bool quiet, bool tty, size_t n_layers)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	p->out = out;
	p->quiet = quiet;
	p->tty = tty;
	p->n = n_layers;
	p->lines = xcalloc(n_layers ? n_layers : 1, sizeof(*p->lines));
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->lines);
	free(p);
}

/* Terminal: redraw the whole block of layer lines in place. */
static void redraw(struct progress *p)
{
	if (p->drawn)
		fprintf(p->out, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++)
		fprintf(p->out, "\r\033[2K%s: %s\n", p->lines[i].id, p->lines[i].text);
	p->drawn = true;
	fflush(p->out);
}

void progress_set_id(struct progress *p, size_t layer, const char *id)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->lines[layer].id, sizeof(p->lines[layer].id), "%.12s", id);
	pthread_mutex_unlock(&p->lock);
}

void progress_status(struct progress *p, size_t layer, const char *status)
{
	if (!p)
		return;
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->lines[layer].text, sizeof(p->lines[layer].text), "%s", status);
	if (p->tty)
		redraw(p);
	else {
		fprintf(p->out, "%s: %s\n", p->lines[layer].id, status);
		fflush(p->out);
	}
	pthread_mutex_unlock(&p->lock);
}

static void human(char *buf, size_t n, uint64_t v)
{
	if (v >= 1000000)
		snprintf(buf, n, "%.1fMB", (double)v / 1e6);
	else if (v >= 1000)
		snprintf(buf, n, "%.1fkB", (double)v / 1e3);
	else
		snprintf(buf, n, "%lluB", (unsigned long long)v);
}

void progress_bytes(struct progress *p, size_t layer, uint64_t done, uint64_t total)
{
	if (!p)
		return;
	if (p->quiet || !p->tty)
		return;
	uint64_t now = hull_now_ns();
	pthread_mutex_lock(&p->lock);
	struct layer_line *l = &p->lines[layer];
	if (now - l->last_draw >= 100000000ull || done == total) {
		l->last_draw = now;
		char bar[51], a[16], b[16];
		size_t fill = total ? (size_t)(50 * done / total) : 0;
		for (size_t i = 0; i < 50; i++)
			bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
		bar[50] = 0;
		human(a, sizeof(a), done);
		human(b, sizeof(b), total);
		snprintf(l->text, sizeof(l->text), "Downloading [%s] %s/%s", bar, a, b);
		redraw(p);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_line(struct progress *p, const char *fmt, ...)
{
	if (!p)
		return;
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
	p->drawn = false;
	p->n = 0; /* layer lines are final once free lines follow */
	pthread_mutex_unlock(&p->lock);
}
