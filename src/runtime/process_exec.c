/* process_exec.c — what execve needs: the PATH lookup of args[0] and the environment, both with runc's
 * observable behaviour (Go's exec.LookPath errors; last duplicate wins; HOME from /etc/passwd). */
#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Go prints errno strings in lower case ("permission denied"); runc's messages come from there. */
static int set_go_err(struct hull_err **err, int errnum, const char *file, const char *detail)
{
	char reason[128];
	snprintf(reason, sizeof(reason), "%s", strerror(errnum));
	reason[0] = (char)tolower((unsigned char)reason[0]);
	if (detail)
		hull_err_set(err, 0, "exec: \"%s\": %s: %s", file, detail, reason);
	else
		hull_err_set(err, 0, "exec: \"%s\": %s", file, reason);
	if (err && *err)
		(*err)->errnum = errnum;
	return -1;
}

/* 0 if path is a non-directory the caller may execute, else an errno; *stat_failed tells which step. */
static int check_executable(const char *path, bool *stat_failed)
{
	struct stat st;
	*stat_failed = false;
	if (stat(path, &st) < 0) {
		*stat_failed = true;
		return errno;
	}
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOSYS && errno != EPERM)
		return errno;
	return (st.st_mode & 0111) ? 0 : EACCES;
}

static const char *env_lookup(char *const env[], size_t n_env, const char *name)
{
	size_t len = strlen(name);
	/* The last definition wins, as in the environment the process will get. */
	for (size_t i = n_env; i-- > 0;)
		if (env[i] && strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

char *process_find_executable(const char *file, char *const env[], size_t n_env, struct hull_err **err)
{
	uint64_t t = trace_begin();
	bool stat_failed;
	if (!file || !*file) {
		hull_err_set(err, ENOENT, "exec: \"\": executable file not found in $PATH");
		return NULL;
	}
	if (strchr(file, '/')) {
		int e = check_executable(file, &stat_failed);
		if (e) {
			_cleanup_free_ char *detail = stat_failed ? xasprintf("stat %s", file) : NULL;
			set_go_err(err, e, file, detail);
			return NULL;
		}
		trace_end(t, "lookup %s", file);
		return xstrdup(file);
	}
	const char *path = env_lookup(env, n_env, "PATH");
	if (path && *path) {
		const char *p = path;
		for (;;) {
			const char *colon = strchr(p, ':');
			size_t len = colon ? (size_t)(colon - p) : strlen(p);
			/* An empty entry means ".", as in the shell. */
			_cleanup_free_ char *dir = len ? strndup(p, len) : xstrdup(".");
			size_t dl = strlen(dir);
			while (dl > 1 && dir[dl - 1] == '/')
				dir[--dl] = 0;
			char *cand = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, file);
			if (check_executable(cand, &stat_failed) == 0) {
				if (cand[0] != '/') {
					free(cand);
					hull_err_set(err, 0,
						     "exec: \"%s\": cannot run executable found relative to current directory",
						     file);
					if (err && *err)
						(*err)->errnum = EACCES;
					return NULL;
				}
				trace_end(t, "lookup %s in $PATH: %s", file, cand);
				return cand;
			}
			free(cand);
			if (!colon)
				break;
			p = colon + 1;
		}
	}
	hull_err_set(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
	if (err && *err)
		(*err)->errnum = ENOENT;
	return NULL;
}

/* The home directory of uid in the current root's /etc/passwd, "/" if none (as runc). Called after
 * pivot_root: the file belongs to the container, so it is opened confined and only if regular. */
static char *passwd_home(uid_t uid)
{
	_cleanup_fd_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return xstrdup("/");
	_cleanup_fd_ int fd = fs_open_in_root(root, "/etc/passwd", O_RDONLY | O_NONBLOCK, 0, 0, NULL);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return xstrdup("/");
	_cleanup_file_ FILE *f = fdopen(fd, "r");
	if (!f)
		return xstrdup("/");
	steal_fd(&fd);
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = { 0 };
		char *s = line;
		int nf = 0;
		for (; nf < 7; nf++) {
			fields[nf] = s;
			char *c = strpbrk(s, ":\n");
			if (!c || *c == '\n') {
				if (c)
					*c = 0;
				nf++;
				break;
			}
			*c = 0;
			s = c + 1;
		}
		if (nf < 6 || !*fields[2])
			continue;
		char *end;
		errno = 0;
		unsigned long v = strtoul(fields[2], &end, 10);
		if (errno || *end || v != (unsigned long)uid)
			continue;
		return xstrdup(*fields[5] ? fields[5] : "/");
	}
	return xstrdup("/");
}

char **process_build_env(char *const env[], size_t n_env, uid_t uid, struct hull_err **err)
{
	char **out = xcalloc(n_env + 2, sizeof(*out));
	size_t n = 0;
	bool home_set = false;
	/* Keep the last definition of each name at its position, as runc (and Go's dedupEnv) do. */
	for (size_t i = 0; i < n_env; i++) {
		const char *kv = env[i];
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (!eq) {
			process_env_free(out);
			hull_err_set(err, EINVAL, "process.env[%zu]: invalid environment variable \"%s\": missing '='", i,
				     kv ? kv : "");
			return NULL;
		}
		if (eq == kv) {
			process_env_free(out);
			hull_err_set(err, EINVAL, "process.env[%zu]: invalid environment variable: name cannot be empty", i);
			return NULL;
		}
		size_t klen = (size_t)(eq - kv) + 1;
		bool later = false;
		for (size_t j = i + 1; j < n_env && !later; j++)
			later = env[j] && strncmp(env[j], kv, klen) == 0;
		if (later)
			continue;
		if (klen == 5 && strncmp(kv, "HOME=", 5) == 0) {
			if (!eq[1])
				continue; /* an empty HOME is replaced, not kept */
			home_set = true;
		}
		out[n++] = xstrdup(kv);
	}
	if (!home_set) {
		_cleanup_free_ char *home = passwd_home(uid);
		out[n++] = xasprintf("HOME=%s", home);
	}
	out[n] = NULL;
	return out;
}

void process_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}
