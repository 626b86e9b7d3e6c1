/* cmd_exec.c — `hullrt exec [options] ID [CMD...]` with runc's flags. The process comes from -p
 * process.json, or from the container's own config.json process with the flags' overrides, as runc.
 * Exit status: the process's; 255 when hullrt itself fails (runc's convention). */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "oci/spec.h"
#include "runtime/lifecycle.h"
#include "runtime/selfseal.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

enum { OPT_CONSOLE_SOCKET = 1000, OPT_CWD, OPT_PID_FILE, OPT_NO_NEW_PRIVS, OPT_PRESERVE_FDS, OPT_LABEL, OPT_APPARMOR,
       OPT_CGROUP, OPT_IGNORE_PAUSED };

static int exec_fail(struct hullrt_globals *g, struct hull_err *err)
{
	cli_fail(g, err);
	return 255;
}

static int parse_uint(const char *what, const char *v, unsigned *out, struct hull_err **err)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || !*v || n > 0xffffffffUL)
		return rt_err(err, EINVAL, "parsing %s as int for %s failed", v, what);
	*out = (unsigned)n;
	return 0;
}

int cmd_exec(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "console-socket", required_argument, 0, OPT_CONSOLE_SOCKET }, { "cwd", required_argument, 0, OPT_CWD },
		{ "env", required_argument, 0, 'e' },          { "tty", no_argument, 0, 't' },
		{ "user", required_argument, 0, 'u' },         { "additional-gids", required_argument, 0, 'g' },
		{ "process", required_argument, 0, 'p' },      { "detach", no_argument, 0, 'd' },
		{ "pid-file", required_argument, 0, OPT_PID_FILE }, { "process-label", required_argument, 0, OPT_LABEL },
		{ "apparmor", required_argument, 0, OPT_APPARMOR }, { "no-new-privs", no_argument, 0, OPT_NO_NEW_PRIVS },
		{ "cap", required_argument, 0, 'c' },          { "preserve-fds", required_argument, 0, OPT_PRESERVE_FDS },
		{ "cgroup", required_argument, 0, OPT_CGROUP }, { "ignore-paused", no_argument, 0, OPT_IGNORE_PAUSED },
		{ "help", no_argument, 0, 'h' },               { 0, 0, 0, 0 },
	};
	struct exec_opts o = { .root = g->root };
	struct hull_err *err = NULL;
	/* The process meets the container's: run from a binary it cannot write (CVE-2019-5736). */
	int full_argc;
	char **full_argv = cli_full_argv(g, argv, argc, &full_argc);
	extern char **environ;
	if (selfseal_ensure(full_argc, full_argv, environ, &err) < 0)
		return exec_fail(g, err);
	const char *process_json = NULL, *cwd = NULL, *user = NULL;
	char **envs = xcalloc((size_t)argc + 1, sizeof(char *)), **capv = xcalloc((size_t)argc + 1, sizeof(char *));
	char **gidv = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t n_env = 0, n_cap = 0, n_gid = 0;
	bool tty = false, nnp = false;
	int c;
	while ((c = getopt_long(argc, argv, "+e:tu:g:p:dc:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONSOLE_SOCKET: o.console_socket = optarg; break;
		case OPT_CWD: cwd = optarg; break;
		case 'e': envs[n_env++] = optarg; break;
		case 't': tty = true; break;
		case 'u': user = optarg; break;
		case 'g': gidv[n_gid++] = optarg; break;
		case 'p': process_json = optarg; break;
		case 'd': o.detach = true; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_LABEL:
			if (check_selinux(optarg, "exec --process-label", &err) < 0)
				return exec_fail(g, err);
			break;
		case OPT_APPARMOR:
			if (check_apparmor(optarg, "exec --apparmor", &err) < 0)
				return exec_fail(g, err);
			break;
		case OPT_NO_NEW_PRIVS: nnp = true; break;
		case 'c': capv[n_cap++] = optarg; break;
		case OPT_PRESERVE_FDS: {
			unsigned n;
			if (parse_uint("preserve-fds", optarg, &n, &err) < 0)
				return exec_fail(g, err);
			o.preserve_fds = (int)n;
			break;
		}
		case OPT_IGNORE_PAUSED: o.ignore_paused = true; break;
		case OPT_CGROUP:
			rt_err(&err, EINVAL, "exec --cgroup %s: joining a sub-cgroup is not implemented", optarg);
			return exec_fail(g, err);
		case 'h':
			printf("Usage: hullrt exec [options] <container-id> <command> [command options]\n");
			return 0;
		default: return 255;
		}
	}
	int rest = argc - optind;
	if (rest < 1 || (!process_json && rest < 2)) {
		rt_err(&err, EINVAL, "\"exec\" requires a minimum of %d argument(s)", process_json ? 1 : 2);
		return exec_fail(g, err);
	}
	o.id = argv[optind];
	struct spec_process *p;
	if (process_json) {
		size_t len;
		_cleanup_free_ char *text = fs_read_file_at(AT_FDCWD, process_json, &len, &err);
		if (!text || !(p = spec_parse_process(text, len, process_json, &err)))
			return exec_fail(g, err);
	} else {
		_cleanup_container_ struct container *ct = container_open(g->root, o.id, false, &err);
		if (!ct)
			return exec_fail(g, err);
		struct spec *s = container_load_spec(ct, &err);
		if (!s)
			return exec_fail(g, err);
		p = steal_ptr(&s->process);
		spec_free(s);
		if (!p)
			return exec_fail(g, (rt_err(&err, EINVAL, "config.json: no process"), err));
		/* Only what exec replaces is freed with p later; the rest is the container's own setup. */
		p->args = xcalloc((size_t)rest, sizeof(char *));
		p->n_args = 0;
		for (int i = 1; i < rest; i++)
			p->args[p->n_args++] = xstrdup(argv[optind + i]);
		p->terminal = tty;
		p->has_console_size = false;
	}
	if (n_env) {
		p->env = xrealloc(p->env, (p->n_env + n_env + 1) * sizeof(char *));
		for (size_t i = 0; i < n_env; i++)
			p->env[p->n_env++] = xstrdup(envs[i]);
		p->env[p->n_env] = NULL;
	}
	if (cwd) {
		free(p->cwd);
		p->cwd = xstrdup(cwd);
	}
	if (user) {
		_cleanup_free_ char *u = xstrdup(user);
		char *colon = strchr(u, ':');
		if (colon)
			*colon++ = 0;
		unsigned uid, gid;
		if (parse_uint("uid", u, &uid, &err) < 0 || (colon && parse_uint("gid", colon, &gid, &err) < 0))
			return exec_fail(g, err);
		p->user.uid = uid;
		if (colon)
			p->user.gid = gid;
	}
	if (n_gid) {
		p->user.additional_gids = xrealloc(p->user.additional_gids, n_gid * sizeof(gid_t));
		p->user.n_additional_gids = 0;
		for (size_t i = 0; i < n_gid; i++) {
			unsigned gid;
			if (parse_uint("additional gid", gidv[i], &gid, &err) < 0)
				return exec_fail(g, err);
			p->user.additional_gids[p->user.n_additional_gids++] = gid;
		}
	}
	for (size_t i = 0; i < n_cap; i++) {
		cap_value_t cv;
		if (cap_from_name(capv[i], &cv) < 0) {
			rt_err(&err, EINVAL, "unknown capability \"%s\"", capv[i]);
			return exec_fail(g, err);
		}
		p->has_caps = true;
		p->caps.has_bounding = p->caps.has_effective = p->caps.has_permitted = true;
		p->caps.bounding |= 1ULL << cv;
		p->caps.effective |= 1ULL << cv;
		p->caps.permitted |= 1ULL << cv;
	}
	if (nnp)
		p->no_new_privileges = true;
	o.proc = p;
	int status = container_exec(&o, &err);
	spec_process_free(p);
	free(envs);
	free(capv);
	free(gidv);
	if (status < 0)
		return exec_fail(g, err);
	return status;
}
