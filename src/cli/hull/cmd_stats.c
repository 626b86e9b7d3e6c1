/* cmd_stats.c — hull stats: docker's table (CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS),
 * read again every second until interrupted, or once with --no-stream. --format json prints each reading
 * as one line: a JSON array with an object per container (ps --format json's shape, one line so that a
 * stream of readings can be read line by line). */
#include "cli/hull/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* docker's first reading has a CPU % already (its daemon samples all along): ours is over this long */
#define FIRST_INTERVAL_MS 200
#define REFRESH_MS 1000

/* The previous CPU time of each container, for CPU %. */
struct cpu_prev { char *id; uint64_t ns; double t; };
struct sampler { struct cpu_prev *v; size_t n; };

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* As docker: the container's CPU time over the time between two readings, 100% being one CPU. */
static double cpu_percent(struct sampler *s, const char *id, uint64_t ns, double t)
{
	struct cpu_prev *p = NULL;
	for (size_t i = 0; i < s->n && !p; i++)
		if (!strcmp(s->v[i].id, id))
			p = &s->v[i];
	if (!p) {
		s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		p = &s->v[s->n++];
		*p = (struct cpu_prev){ .id = xstrdup(id), .ns = ns, .t = t };
		return 0;
	}
	double pct = t > p->t && ns >= p->ns ? (double)(ns - p->ns) / ((t - p->t) * 1e9) * 100.0 : 0;
	p->ns = ns;
	p->t = t;
	return pct;
}

static void sampler_free(struct sampler *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].id);
	free(s->v);
}

/* The containers to read: those named (gone ones left out after the first reading, as they may be
 * removed meanwhile), else the running ones (all with -a), listed again at each reading as docker does. */
static int targets(struct engine *e, char **names, int n, bool all, bool first, struct ctr ***out, size_t *nc)
{
	*out = NULL;
	*nc = 0;
	if (n == 0) {
		struct ctr **cs;
		size_t k;
		struct hull_err *err = NULL;
		if (ctr_list(e, &cs, &k, &err) < 0)
			return cli_fail(err);
		for (size_t i = 0; i < k; i++) {
			if (all || !strcmp(ctr_status(cs[i]), "running"))
				cs[(*nc)++] = cs[i];
			else
				ctr_free(cs[i]);
		}
		*out = cs;
		return 0;
	}
	*out = xcalloc((size_t)n, sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct hull_err *err = NULL;
		struct ctr *c = ctr_find(e, names[i], &err);
		if (c) {
			(*out)[(*nc)++] = c;
		} else if (first) {
			for (size_t k = 0; k < *nc; k++)
				ctr_free((*out)[k]);
			free(*out);
			cli_fail(err);
			return 1;
		} else {
			hull_err_free(err);
		}
	}
	return 0;
}

/* One reading of every target; a container that is not running reads as zeros, as under docker. */
static json_t *reading(struct sampler *s, struct ctr **cs, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = engine_stats(cs[i], NULL);
		if (!o)
			o = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "ID", cs[i]->id, "Name", ctr_name(cs[i]),
				      "CPUTotalNs", 0, "MemUsage", 0, "MemLimit", 0, "NetInput", 0, "NetOutput", 0,
				      "BlockRead", 0, "BlockWrite", 0, "PIDs", 0);
		uint64_t cpu = (uint64_t)json_integer_value(json_object_get(o, "CPUTotalNs"));
		double mem = (double)json_integer_value(json_object_get(o, "MemUsage"));
		double lim = (double)json_integer_value(json_object_get(o, "MemLimit"));
		json_object_set_new(o, "CPUPerc", json_real(cpu_percent(s, cs[i]->id, cpu, mono_s())));
		json_object_set_new(o, "MemPerc", json_real(lim > 0 ? mem / lim * 100.0 : 0));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* docker's sizes: binary units for memory, decimal ones for network and block I/O */
static void human(char *buf, size_t cap, json_t *o, const char *key, bool binary)
{
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", NULL };
	static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", NULL };
	const char *const *u = binary ? bin : dec;
	double v = (double)json_integer_value(json_object_get(o, key)), base = binary ? 1024 : 1000;
	size_t i = 0;
	while (v >= base && u[i + 1]) {
		v /= base;
		i++;
	}
	snprintf(buf, cap, binary ? "%.4g%s" : "%.3g%s", v, u[i]);
}

static void print_table(json_t *arr, bool clear)
{
	if (clear)
		fputs("\033[2J\033[H", stdout);
	printf("%-12s   %-20s   %-7s   %-21s   %-7s   %-17s   %-17s   %s\n", "CONTAINER ID", "NAME", "CPU %",
	       "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		char mu[24], ml[24], ni[24], no[24], br[24], bw[24], cpu[16], mp[16], mem[56], net[56], blk[56];
		human(mu, sizeof(mu), o, "MemUsage", true);
		human(ml, sizeof(ml), o, "MemLimit", true);
		human(ni, sizeof(ni), o, "NetInput", false);
		human(no, sizeof(no), o, "NetOutput", false);
		human(br, sizeof(br), o, "BlockRead", false);
		human(bw, sizeof(bw), o, "BlockWrite", false);
		snprintf(cpu, sizeof(cpu), "%.2f%%", json_real_value(json_object_get(o, "CPUPerc")));
		snprintf(mp, sizeof(mp), "%.2f%%", json_real_value(json_object_get(o, "MemPerc")));
		snprintf(mem, sizeof(mem), "%s / %s", mu, ml);
		snprintf(net, sizeof(net), "%s / %s", ni, no);
		snprintf(blk, sizeof(blk), "%s / %s", br, bw);
		printf("%.12s   %-20s   %-7s   %-21s   %-7s   %-17s   %-17s   %lld\n",
		       json_string_value(json_object_get(o, "ID")), json_string_value(json_object_get(o, "Name")), cpu,
		       mem, mp, net, blk, (long long)json_integer_value(json_object_get(o, "PIDs")));
	}
}

static void sleep_until(double t)
{
	double d = t - mono_s();
	if (d <= 0)
		return;
	struct timespec ts = { .tv_sec = (time_t)d, .tv_nsec = (long)((d - (double)(time_t)d) * 1e9) };
	while (nanosleep(&ts, &ts) < 0)
		continue;
}

int cmd_stats(struct hull_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "no-stream", no_argument, 0, 'n' }, { "all", no_argument, 0, 'a' },
					      { "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	bool no_stream = false, json_fmt = false, all = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (c) {
		case 'n': no_stream = true; break;
		case 'a': all = true; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
				fprintf(stderr, "hull: stats --format %s: want json or table\n", optarg);
				return 125;
			}
			json_fmt = !strcmp(optarg, "json");
			break;
		case 'h':
			printf("Usage: hull stats [-a] [--no-stream] [--format json|table] [CONTAINER...]\n"
			       "  every second until interrupted (--no-stream: once); no CONTAINER: the running ones (-a: all)\n");
			return 0;
		default: return 125;
		}
	}
	struct engine e;
	struct hull_err *err = NULL;
	if (engine_open(&e, g->root, &err) < 0)
		return cli_fail(err);
	struct sampler s = { 0 };
	bool clear = !no_stream && !json_fmt && isatty(1);
	int rc = 0;
	double next = mono_s();
	for (int frame = 0; rc == 0; frame++) {
		struct ctr **cs;
		size_t n;
		if ((rc = targets(&e, argv + optind, argc - optind, all, frame == 0, &cs, &n)))
			break;
		json_t *arr = reading(&s, cs, n);
		for (size_t i = 0; i < n; i++)
			ctr_free(cs[i]);
		free(cs);
		/* the first reading only starts the CPU clocks */
		if (frame > 0) {
			if (json_fmt) {
				json_dumpf(arr, stdout, JSON_COMPACT);
				putchar('\n');
			} else {
				print_table(arr, clear);
			}
			if (fflush(stdout) == EOF || ferror(stdout))
				rc = 1;
		}
		json_decref(arr);
		if (frame > 0 && no_stream)
			break;
		next += (frame == 0 ? FIRST_INTERVAL_MS : REFRESH_MS) / 1000.0;
		sleep_until(next);
	}
	sampler_free(&s);
	engine_close(&e);
	return rc;
}
