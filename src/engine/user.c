/* user.c — "user[:group]" resolved from the container's own /etc/passwd and /etc/group, opened inside
 * the rootfs with RESOLVE_IN_ROOT (a hostile image cannot point them at the host's). Never reads the
 * host's user database. */
#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Split a colon line into at most n fields (in place). */
static int fields(char *line, char **f, int n)
{
	int k = 0;
	f[k++] = line;
	for (char *p = line; *p && k < n; p++)
		if (*p == ':') {
			*p = 0;
			f[k++] = p + 1;
		}
	return k;
}

int user_resolve(int rootfd, const char *spec, struct resolved_user *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *dup = xstrdup(spec && *spec ? spec : "0");
	char *grp = strchr(dup, ':');
	if (grp)
		*grp++ = 0;
	const char *usr = *dup ? dup : "0";
	/* confined to the rootfs; a missing (or unreadable) file is an empty database, not an error */
	_cleanup_free_ char *passwd = fs_read_file_in_root(rootfd, "/etc/passwd", NULL, NULL);
	_cleanup_free_ char *group = fs_read_file_in_root(rootfd, "/etc/group", NULL, NULL);
	bool found = false;
	char *uname = NULL;
	if (passwd) {
		for (char *save = NULL, *l = strtok_r(passwd, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
			char *f[7];
			if (fields(l, f, 7) < 7)
				continue;
			if (!strcmp(f[0], usr) || (all_digits(usr) && !strcmp(f[2], usr))) {
				found = true;
				out->uid = (uid_t)strtoul(f[2], NULL, 10);
				out->gid = (gid_t)strtoul(f[3], NULL, 10);
				out->home = xstrdup(f[5]);
				uname = xstrdup(f[0]);
			}
		}
	}
	if (!found) {
		if (!all_digits(usr)) {
			resolved_user_free(out);
			return engine_err(err, ENOENT, "unable to find user %s: no matching entries in the image's passwd file", usr);
		}
		out->uid = (uid_t)strtoul(usr, NULL, 10);
		out->gid = 0;
		out->home = xstrdup("/");
	}
	_cleanup_free_ char *uname_owned = uname;
	if (grp && *grp) {
		bool gfound = false;
		if (group) {
			_cleanup_free_ char *g = xstrdup(group);
			for (char *save = NULL, *l = strtok_r(g, "\n", &save); l && !gfound; l = strtok_r(NULL, "\n", &save)) {
				char *f[4];
				if (fields(l, f, 4) < 3)
					continue;
				if (!strcmp(f[0], grp) || (all_digits(grp) && !strcmp(f[2], grp))) {
					gfound = true;
					out->gid = (gid_t)strtoul(f[2], NULL, 10);
				}
			}
		}
		if (!gfound) {
			if (!all_digits(grp)) {
				resolved_user_free(out);
				return engine_err(err, ENOENT, "unable to find group %s: no matching entries in the image's group file", grp);
			}
			out->gid = (gid_t)strtoul(grp, NULL, 10);
		}
	}
	/* supplementary groups: the groups listing the user by name (docker does this without an explicit group too) */
	if (group && uname) {
		for (char *save = NULL, *l = strtok_r(group, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *f[4];
			if (fields(l, f, 4) < 4)
				continue;
			_cleanup_free_ char *members = xstrdup(f[3]);
			for (char *s2 = NULL, *m = strtok_r(members, ",", &s2); m; m = strtok_r(NULL, ",", &s2))
				if (!strcmp(m, uname)) {
					gid_t g = (gid_t)strtoul(f[2], NULL, 10);
					if (g == out->gid)
						continue;
					out->gids = xrealloc(out->gids, (out->n_gids + 1) * sizeof(gid_t));
					out->gids[out->n_gids++] = g;
				}
		}
	}
	return 0;
}

void resolved_user_free(struct resolved_user *u)
{
	free(u->gids);
	free(u->home);
	u->gids = NULL;
	u->home = NULL;
}
