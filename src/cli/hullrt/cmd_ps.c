/* cmd_ps.c — `hullrt ps [-f table|json] ID [ps options]`: the processes of the container's cgroup, as
 * runc shows them (ps(1)'s output filtered on the PID column; json: the pid array). */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "cgroup/cgroup.h"
#include "runtime/state.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run ps with args, return its stdout. */
static char *run_ps(char **args, int nargs, struct hull_err **err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		hull_err_sys(err, "pipe");
		return NULL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		hull_err_sys(err, "fork");
		return NULL;
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		char **argv = calloc((size_t)nargs + 2, sizeof(char *));
		argv[0] = "ps";
		for (int i = 0; i < nargs; i++)
			argv[i + 1] = args[i];
		execvp("ps", argv);
		fprintf(stderr, "hullrt: exec ps: %m\n");
		_exit(127);
	}
	close(pipefd[1]);
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	char buf[4096];
	ssize_t n;
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, m);
	fclose(m);
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rt_err(err, 0, "ps: exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		free(out);
		return NULL;
	}
	return out;
}

int cmd_ps(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	const char *format = "table";
	struct hull_err *err = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': printf("Usage: hullrt ps [--format table|json] <container-id> [ps options]\n"); return 0;
		default: return 1;
		}
	}
	if (want_args(g, argv[0], argc - optind, 1, 1 << 20))
		return 1;
	if (strcmp(format, "table") && strcmp(format, "json")) {
		rt_err(&err, EINVAL, "invalid format option");
		return cli_fail(g, err);
	}
	_cleanup_container_ struct container *ct = container_open(g->root, argv[optind], false, &err);
	if (!ct)
		return cli_fail(g, err);
	pid_t *pids = NULL;
	size_t n = 0;
	if (ct->st.cgroup_path) {
		struct cgroup *cg = cgroup_open(NULL, ct->st.cgroup_path, false, &err);
		if (!cg || cgroup_pids(cg, &pids, &n, &err) < 0) {
			cgroup_free(cg);
			return cli_fail(g, err);
		}
		cgroup_free(cg);
	} else if (ct->st.pid > 0 && kill(ct->st.pid, 0) == 0) {
		/* no cgroup (rootless): the init is the process known to be the container's */
		pids = xmalloc(sizeof(*pids));
		pids[n++] = ct->st.pid;
	}
	if (!strcmp(format, "json")) {
		if (argc - optind > 1) {
			free(pids);
			rt_err(&err, EINVAL, "ps options are not allowed with --format json");
			return cli_fail(g, err);
		}
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		free(pids);
		return 0;
	}
	static char *def[] = { "-ef" };
	int nargs = argc - optind - 1;
	char *out = run_ps(nargs ? argv + optind + 1 : def, nargs ? nargs : 1, &err);
	if (!out) {
		free(pids);
		return cli_fail(g, err);
	}
	char *save, *line = strtok_r(out, "\n", &save);
	int pid_col = -1;
	if (line) {
		/* The PID column of the header, by word index. */
		_cleanup_free_ char *hdr = xstrdup(line);
		char *s2, *w = strtok_r(hdr, " \t", &s2);
		for (int i = 0; w; i++, w = strtok_r(NULL, " \t", &s2))
			if (!strcmp(w, "PID"))
				pid_col = i;
		printf("%s\n", line);
	}
	if (pid_col < 0) {
		free(out);
		free(pids);
		rt_err(&err, EINVAL, "couldn't find PID field in ps output");
		return cli_fail(g, err);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		_cleanup_free_ char *copy = xstrdup(line);
		char *s2, *w = strtok_r(copy, " \t", &s2);
		for (int i = 0; w && i < pid_col; i++)
			w = strtok_r(NULL, " \t", &s2);
		if (!w)
			continue;
		int pid = atoi(w);
		for (size_t i = 0; i < n; i++)
			if (pids[i] == pid) {
				printf("%s\n", line);
				break;
			}
	}
	free(out);
	free(pids);
	return 0;
}
