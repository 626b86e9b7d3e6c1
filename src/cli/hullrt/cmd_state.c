/* cmd_state.c — `hullrt state ID` (runc's JSON, pretty-printed, no final newline) and
 * `hullrt list [-f table|json] [-q]` (runc's table columns). */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "runtime/state.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_state(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hullrt state <container-id>\n");
			return 0;
		}
		return 1;
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	struct hull_err *err = NULL;
	_cleanup_container_ struct container *ct = container_open(g->root, argv[optind], false, &err);
	if (!ct)
		return cli_fail(g, err);
	_cleanup_free_ char *json = container_state_json(&ct->st, container_status(ct), true, "");
	fputs(json, stdout);
	return 0;
}

struct row { char *cells[6]; };

int cmd_list(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, 0, 'f' }, { "quiet", no_argument, 0, 'q' },
					      { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	const char *format = "table";
	bool quiet = false;
	int c;
	struct hull_err *err = NULL;
	while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'h': printf("Usage: hullrt list [--format table|json] [--quiet]\n"); return 0;
		default: return 1;
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json")) {
		rt_err(&err, EINVAL, "invalid format option");
		return cli_fail(g, err);
	}
	if (want_args(g, argv[0], argc - optind, 0, 0))
		return 1;
	char **ids;
	size_t n;
	if (container_list_ids(g->root, &ids, &n, &err) < 0)
		return cli_fail(g, err);
	struct row *rows = xcalloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	char *json = NULL;
	size_t json_len = 0;
	FILE *js = strcmp(format, "json") == 0 ? open_memstream(&json, &json_len) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct hull_err *e = NULL;
		struct container *ct = container_open(g->root, ids[i], false, &e);
		hull_err_free(e);
		if (!ct)
			continue; /* being created or removed */
		enum container_status s = container_status(ct);
		char *owner = uid_to_name(ct->st.owner);
		if (quiet) {
			printf("%s\n", ct->st.id);
		} else if (js) {
			char *one = container_state_json(&ct->st, s, false, owner);
			fprintf(js, "%s%s", nrows ? "," : "[", one);
			free(one);
			nrows++;
		} else {
			struct row *r = &rows[nrows++];
			r->cells[0] = xstrdup(ct->st.id);
			r->cells[1] = xasprintf("%d", s == STATUS_STOPPED ? 0 : (int)ct->st.pid);
			r->cells[2] = xstrdup(container_status_names[s]);
			r->cells[3] = xstrdup(ct->st.bundle);
			r->cells[4] = xstrdup(ct->st.created ? ct->st.created : "");
			r->cells[5] = xstrdup(owner);
		}
		free(owner);
		container_close(ct);
	}
	strv_free(ids, n);
	if (quiet) {
		free(rows);
		if (js)
			fclose(js), free(json);
		return 0;
	}
	if (js) {
		fputs(nrows ? "]" : "null", js);
		fclose(js);
		printf("%s\n", json);
		free(json);
		free(rows);
		return 0;
	}
	/* Go's tabwriter as runc sets it up: minimum width 12, padding 3; the last column unpadded. */
	static const char *const head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t width[6];
	for (int k = 0; k < 6; k++) {
		size_t w = strlen(head[k]);
		for (size_t i = 0; i < nrows; i++)
			if (strlen(rows[i].cells[k]) > w)
				w = strlen(rows[i].cells[k]);
		width[k] = w + 3 > 12 ? w + 3 : 12;
	}
	for (size_t i = 0; i <= nrows; i++) {
		for (int k = 0; k < 6; k++) {
			const char *cell = i == 0 ? head[k] : rows[i - 1].cells[k];
			if (k < 5)
				printf("%-*s", (int)width[k], cell);
			else
				printf("%s\n", cell);
		}
	}
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < 6; k++)
			free(rows[i].cells[k]);
	free(rows);
	return 0;
}
