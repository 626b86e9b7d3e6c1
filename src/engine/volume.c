/* volume.c — named and anonymous volumes: <root>/volumes/<name>/_data and its volume.json
 * ({"Name","Driver":"local","Mountpoint","CreatedAt","Anonymous"}). A volume outlives containers
 * until `volume rm`/`prune`, or `rm -v`/--rm for the anonymous ones. */
#include "engine/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int volume_create(struct engine *e, const char *name, bool anonymous, char **path, struct hull_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", e->volumes, name);
	_cleanup_free_ char *data = xasprintf("%s/_data", dir);
	_cleanup_free_ char *meta = xasprintf("%s/volume.json", dir);
	if (access(meta, F_OK) == 0) {
		if (path)
			*path = steal_ptr(&data);
		return 0;
	}
	if (fs_mkdir_p(data, 0755, err) < 0)
		return hull_err_wrap(err, "volume %s", name);
	_cleanup_free_ char *now = engine_now();
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:b,s:{},s:s}", "Name", name, "Driver", "local", "Mountpoint", data,
			      "CreatedAt", now, "Anonymous", anonymous, "Labels", "Scope", "local");
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(1));
	json_decref(j);
	_cleanup_fd_ int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || engine_write_replace(d, "volume.json", s, strlen(s), err) < 0)
		return hull_err_wrap(err, "volume %s", name);
	if (path)
		*path = steal_ptr(&data);
	return 0;
}

json_t *volume_inspect(struct engine *e, const char *name, struct hull_err **err)
{
	_cleanup_free_ char *meta = xasprintf("%s/%s/volume.json", e->volumes, name);
	if (strchr(name, '/') || name[0] == '.') {
		hull_err_set(err, EINVAL, "no such volume: %s", name);
		return NULL;
	}
	json_t *j = json_load_file(meta, 0, NULL);
	if (!j)
		engine_err(err, ENOENT, "no such volume: %s", name);
	return j;
}

bool volume_in_use(struct engine *e, const char *name)
{
	struct ctr **cs;
	size_t n;
	bool used = false;
	if (ctr_list(e, &cs, &n, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(cs[i]->rec, "Mounts"), k, m) {
			const char *v = rec_str(m, "Name");
			used |= v && !strcmp(v, name);
		}
		ctr_free(cs[i]);
	}
	free(cs);
	return used;
}

int volume_remove(struct engine *e, const char *name, bool force, struct hull_err **err)
{
	json_t *j = volume_inspect(e, name, err);
	if (!j)
		return -1;
	json_decref(j);
	if (!force && volume_in_use(e, name))
		return engine_err(err, EBUSY, "volume %s is in use by a container", name);
	_cleanup_fd_ int d = open(e->volumes, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_err_sys(err, "open %s", e->volumes);
	/* the metadata first: a half-removed volume is no volume */
	_cleanup_free_ char *meta = xasprintf("%s/volume.json", name);
	unlinkat(d, meta, 0);
	return fs_rmtree_at(d, name, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int volume_list(struct engine *e, char ***names, size_t *n, struct hull_err **err)
{
	*names = NULL;
	*n = 0;
	_cleanup_dir_ DIR *d = opendir(e->volumes);
	if (!d)
		return hull_err_sys(err, "open %s", e->volumes);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *meta = xasprintf("%s/%s/volume.json", e->volumes, de->d_name);
		if (access(meta, F_OK) < 0)
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof(char *));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}
