/* mountplan.c — see mountplan.h. Pure: no system call but allocation. */
#include "runtime/mountplan.h"
#include "oci/tables.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

char *mountplan_clean_path(const char *path)
{
	size_t len = path ? strlen(path) : 0;
	char *out = xmalloc(len + 2);
	size_t n = 0;
	const char *p = path ? path : "";
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t cl = end ? (size_t)(end - p) : strlen(p);
		if (cl == 1 && p[0] == '.') {
			/* nothing */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the slash before the dropped component */
		} else {
			out[n++] = '/';
			memcpy(out + n, p, cl);
			n += cl;
		}
		p += cl;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = 0;
	return out;
}

bool mountplan_path_under(const char *p, const char *dir)
{
	if (strcmp(dir, "/") == 0)
		return true;
	size_t l = strlen(dir);
	return strncmp(p, dir, l) == 0 && (p[l] == 0 || p[l] == '/');
}

uint64_t mountplan_ms_to_attr(unsigned long ms)
{
	uint64_t a = 0;
	if (ms & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (ms & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (ms & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (ms & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (ms & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	else if (ms & MS_STRICTATIME)
		a |= MOUNT_ATTR_STRICTATIME;
	if (ms & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	if (ms & MS_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	return a;
}

unsigned long mountplan_sb_flags(unsigned long ms)
{
	return ms & (MS_RDONLY | MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME | MS_MANDLOCK | MS_SILENT | MS_I_VERSION |
		     MS_POSIXACL);
}

/* The atime modes are one field: setting one means clearing the field first, and clearing "noatime"
 * ("atime") or "strictatime" ("nostrictatime") means going back to the default, relatime. */
static void attr_pair(unsigned long set_ms, unsigned long clr_ms, uint64_t *set, uint64_t *clr)
{
	*set = mountplan_ms_to_attr(set_ms);
	*clr = mountplan_ms_to_attr(clr_ms) & ~(uint64_t)MOUNT_ATTR__ATIME;
	if (set_ms & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
		*clr |= MOUNT_ATTR__ATIME;
	else if (clr_ms & (MS_NOATIME | MS_STRICTATIME))
		*clr |= MOUNT_ATTR__ATIME; /* set stays 0 = MOUNT_ATTR_RELATIME */
}

static bool is_bind(const struct spec_mount *m)
{
	return m->bind || m->rbind || (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

static int plan_one(const struct spec_mount *m, size_t i, const char *bundle, struct mount_step *st,
		    struct hull_err **err)
{
	st->index = i;
	st->m = m;
	if (!m->destination || !*m->destination)
		return hull_err_set(err, EINVAL, "mounts[%zu].destination: missing", i);
	st->dest = mountplan_clean_path(m->destination);

	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | MS_SHARED | MS_SLAVE | MS_PRIVATE |
					   MS_UNBINDABLE | MS_MOVE);
	attr_pair(flags, m->clear_flags, &st->attr_set, &st->attr_clr);
	st->rattr_set = m->attr_set;
	st->rattr_clr = m->attr_clr;
	if ((st->rattr_set & MOUNT_ATTR__ATIME) && !(st->rattr_clr & MOUNT_ATTR__ATIME))
		st->rattr_clr |= MOUNT_ATTR__ATIME;
	if (m->propagation) {
		st->propagation = m->propagation & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
		st->propagation_recursive = (m->propagation & MS_REC) != 0;
	}
	st->tmpcopyup = m->tmpcopyup;
	st->idmap = m->idmap || m->ridmap;
	st->ridmap = m->ridmap;
	if (st->idmap && (m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
		return hull_err_set(err, EINVAL, "mounts[%zu] (on %s): idmap needs both uidMappings and gidMappings, or neither",
				    i, st->dest);

	if (is_bind(m)) {
		st->kind = MOUNT_KIND_BIND;
		st->recursive = m->rbind || ((m->flags & MS_BIND) && (m->flags & MS_REC));
		if (!m->source || !*m->source)
			return hull_err_set(err, EINVAL, "mounts[%zu] (bind on %s): source: missing", i, st->dest);
		if (m->source[0] == '/')
			st->source = xstrdup(m->source);
		else if (bundle)
			st->source = xasprintf("%s/%s", bundle, m->source);
		else
			return hull_err_set(err, EINVAL, "mounts[%zu] (bind on %s): relative source %s without a bundle",
					    i, st->dest, m->source);
		if (st->tmpcopyup)
			return hull_err_set(err, EINVAL, "mounts[%zu] (bind on %s): tmpcopyup needs a tmpfs", i,
					    st->dest);
		return 0;
	}

	if (!m->type || !*m->type)
		return hull_err_set(err, EINVAL, "mounts[%zu] (on %s): type: missing (and no bind option)", i,
				    st->dest);
	st->fstype = xstrdup(m->type);
	st->source = xstrdup(m->source && *m->source ? m->source : m->type);
	st->sb_flags = mountplan_sb_flags(flags);
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		st->kind = MOUNT_KIND_CGROUP;
	else
		st->kind = MOUNT_KIND_FS;
	if (st->tmpcopyup && strcmp(m->type, "tmpfs") != 0)
		return hull_err_set(err, EINVAL, "mounts[%zu] (%s on %s): tmpcopyup needs a tmpfs", i, m->type,
				    st->dest);
	if (st->idmap)
		return hull_err_set(err, EINVAL, "mounts[%zu] (%s on %s): idmap is only for bind mounts", i,
				    m->type, st->dest);
	if (strcmp(st->dest, "/dev") == 0 && (st->attr_set & MOUNT_ATTR_RDONLY)) {
		st->attr_set &= ~(uint64_t)MOUNT_ATTR_RDONLY;
		st->sb_flags &= ~(unsigned long)MS_RDONLY;
		st->defer_rdonly = true;
	}
	return 0;
}

static void step_free(struct mount_step *st)
{
	free(st->dest);
	free(st->source);
	free(st->fstype);
}

int mountplan_build(const struct spec *s, const char *bundle, struct mount_plan *out, struct hull_err **err)
{
	memset(out, 0, sizeof(*out));
	out->setup_dev = true;
	out->steps = xcalloc(s->n_mounts ? s->n_mounts : 1, sizeof(*out->steps));
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount_step *st = &out->steps[i];
		out->n_steps = i + 1;
		if (plan_one(&s->mounts[i], i, bundle, st, err) < 0) {
			mountplan_free(out);
			return -1;
		}
		if (st->kind == MOUNT_KIND_BIND && strcmp(st->dest, "/dev") == 0)
			out->setup_dev = false;
		if (mountplan_check_proc_dest(st, err) < 0) {
			mountplan_free(out);
			return -1;
		}
	}
	return 0;
}

void mountplan_free(struct mount_plan *p)
{
	for (size_t i = 0; i < p->n_steps; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

/* Files under /proc that tools such as lxcfs replace with their own view; anything else under /proc
 * would let a mount hide or fake what the kernel reports. */
static const char *const proc_overlay_files[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
	"/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

int mountplan_check_proc_dest(const struct mount_step *st, struct hull_err **err)
{
	if (!mountplan_path_under(st->dest, "/proc"))
		return 0;
	if (strcmp(st->dest, "/proc") == 0) {
		if (st->kind == MOUNT_KIND_FS && strcmp(st->fstype, "proc") == 0)
			return 0;
		return hull_err_set(err, EINVAL, "mounts[%zu] (on /proc): only a proc file system may be mounted on /proc",
				    st->index);
	}
	for (size_t i = 0; i < sizeof(proc_overlay_files) / sizeof(*proc_overlay_files); i++)
		if (strcmp(st->dest, proc_overlay_files[i]) == 0)
			return 0;
	return hull_err_set(err, EINVAL, "mounts[%zu] (on %s): mounts below /proc are limited to %s and a few such files",
			    st->index, st->dest, proc_overlay_files[0]);
}

/* ---- devices ---- */

static const struct {
	const char *path; char type; int64_t major, minor;
} default_devices[] = {
	{ "/dev/null", 'c', 1, 3 }, { "/dev/zero", 'c', 1, 5 },    { "/dev/full", 'c', 1, 7 },
	{ "/dev/random", 'c', 1, 8 }, { "/dev/urandom", 'c', 1, 9 }, { "/dev/tty", 'c', 5, 0 },
};

const struct dev_symlink mountplan_dev_symlinks[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};
const size_t mountplan_n_dev_symlinks = sizeof(mountplan_dev_symlinks) / sizeof(*mountplan_dev_symlinks);

int mountplan_devices(const struct spec *s, struct device_node **out, size_t *n, struct hull_err **err)
{
	size_t n_spec = s->linux_ ? s->linux_->n_devices : 0;
	size_t n_def = sizeof(default_devices) / sizeof(*default_devices);
	struct device_node *d = xcalloc(n_spec + n_def, sizeof(*d));
	size_t k = 0;
	for (size_t i = 0; i < n_spec; i++) {
		const struct spec_device *sd = &s->linux_->devices[i];
		if (!sd->path || !*sd->path) {
			mountplan_devices_free(d, k);
			return hull_err_set(err, EINVAL, "linux.devices[%zu].path: missing", i);
		}
		char *p = mountplan_clean_path(sd->path);
		if (!mountplan_path_under(p, "/dev") || strcmp(p, "/dev") == 0) {
			hull_err_set(err, EINVAL, "linux.devices[%zu].path: %s is not inside /dev", i, sd->path);
			free(p);
			mountplan_devices_free(d, k);
			return -1;
		}
		char t = sd->type == 'u' ? 'c' : sd->type;
		if (t != 'c' && t != 'b' && t != 'p') {
			hull_err_set(err, EINVAL, "linux.devices[%zu].type: unknown device type '%c'", i, sd->type);
			free(p);
			mountplan_devices_free(d, k);
			return -1;
		}
		/* A later entry for the same path replaces the earlier one, as a map would. */
		size_t j;
		for (j = 0; j < k && strcmp(d[j].path, p) != 0; j++)
			;
		if (j < k)
			free(d[j].path);
		else
			j = k++;
		d[j] = (struct device_node){
			.path = p, .type = t, .major = sd->major, .minor = sd->minor,
			.mode = sd->has_file_mode ? (sd->file_mode & 07777) : 0666,
			.uid = sd->has_uid ? sd->uid : 0, .gid = sd->has_gid ? sd->gid : 0,
		};
	}
	size_t spec_end = k;
	for (size_t i = 0; i < n_def; i++) {
		bool redefined = false;
		for (size_t j = 0; j < spec_end; j++)
			redefined |= strcmp(d[j].path, default_devices[i].path) == 0;
		if (redefined)
			continue;
		d[k++] = (struct device_node){
			.path = xstrdup(default_devices[i].path), .type = default_devices[i].type,
			.major = default_devices[i].major, .minor = default_devices[i].minor,
			.mode = 0666, .is_default = true,
		};
	}
	*out = d;
	*n = k;
	return 0;
}

void mountplan_devices_free(struct device_node *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].path);
	free(d);
}

/* ---- masked and read-only paths ---- */

int mountplan_paths(char *const *paths, size_t n, const char *field, char ***out, size_t *n_out,
		    struct hull_err **err)
{
	char **r = xcalloc(n ? n : 1, sizeof(*r));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!paths[i] || paths[i][0] != '/') {
			mountplan_paths_free(r, k);
			return hull_err_set(err, EINVAL, "linux.%s[%zu]: %s is not an absolute path", field, i,
					    paths[i] ? paths[i] : "(null)");
		}
		char *p = mountplan_clean_path(paths[i]);
		if (strcmp(p, "/") == 0) {
			free(p);
			mountplan_paths_free(r, k);
			return hull_err_set(err, EINVAL, "linux.%s[%zu]: refusing \"/\"", field, i);
		}
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(r[j], p) == 0;
		if (dup)
			free(p);
		else
			r[k++] = p;
	}
	*out = r;
	*n_out = k;
	return 0;
}

void mountplan_paths_free(char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

enum mask_kind mountplan_mask_kind(mode_t st_mode)
{
	return S_ISDIR(st_mode) ? MASK_WITH_TMPFS : MASK_WITH_NULL;
}

unsigned long mountplan_root_propagation(const struct spec *s)
{
	const struct spec_linux *l = s->linux_;
	if (l && l->rootfs_propagation_flags)
		return l->rootfs_propagation_flags;
	if (l && l->rootfs_propagation) {
		/* A spec built without the parser: the parser's own table. */
		const struct oci_name_value *v =
			oci_lookup(oci_rootfs_propagations, oci_n_rootfs_propagations, l->rootfs_propagation);
		if (v)
			return (unsigned long)v->value;
	}
	return MS_REC | MS_PRIVATE;
}

/* ---- cgroup hierarchies ---- */

/* mountinfo escapes blanks and backslashes as \ooo. */
static char *unescape_octal(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *o = r;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return r;
}

/* Is every comma-separated element of want also an element of have? */
static bool csv_subset(const char *want, const char *have)
{
	_cleanup_free_ char *w = xstrdup(want);
	char *save = NULL;
	for (char *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t tl = strlen(t);
		bool found = false;
		for (const char *h = have; h && *h;) {
			const char *e = strchr(h, ',');
			size_t hl = e ? (size_t)(e - h) : strlen(h);
			found |= hl == tl && strncmp(h, t, tl) == 0;
			h = e ? e + 1 : NULL;
		}
		if (!found)
			return false;
	}
	return true;
}

struct mi_entry { char *root, *mountpoint, *fstype, *superopts; };

static bool parse_mountinfo_line(char *line, struct mi_entry *e)
{
	char *f[6] = { 0 };
	char *save = NULL, *t = strtok_r(line, " ", &save);
	for (int i = 0; i < 6 && t; i++, t = strtok_r(NULL, " ", &save))
		f[i] = t;
	if (!f[5])
		return false;
	while (t && strcmp(t, "-") != 0)
		t = strtok_r(NULL, " ", &save);
	if (!t)
		return false;
	char *fstype = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	char *superopts = strtok_r(NULL, " \n", &save);
	if (!fstype || !source || !superopts)
		return false;
	e->root = f[3];
	e->mountpoint = f[4];
	e->fstype = fstype;
	e->superopts = superopts;
	return true;
}

void mountplan_cgroup_free(struct cgroup_hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].fstype);
		free(h[i].controllers);
		free(h[i].host_dir);
	}
	free(h);
}

int mountplan_cgroup_hierarchies(const char *mountinfo, const char *proc_cgroup, struct cgroup_hier **out,
				 size_t *n_out, struct hull_err **err)
{
	/* Parse mountinfo once: cgroup and cgroup2 mounts only. */
	_cleanup_free_ char *mi = xstrdup(mountinfo);
	size_t cap = 16, nm = 0;
	_cleanup_free_ struct mi_entry *mounts = xcalloc(cap, sizeof(*mounts));
	char *save = NULL;
	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mi_entry e;
		if (!parse_mountinfo_line(line, &e))
			continue;
		if (strcmp(e.fstype, "cgroup") != 0 && strcmp(e.fstype, "cgroup2") != 0)
			continue;
		if (nm == cap)
			mounts = xrealloc(mounts, (cap *= 2) * sizeof(*mounts));
		mounts[nm++] = e;
	}

	struct cgroup_hier *h = xcalloc(nm ? nm : 1, sizeof(*h));
	size_t k = 0;
	_cleanup_free_ char *pc = xstrdup(proc_cgroup);
	save = NULL;
	for (char *line = strtok_r(pc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "ID:controllers:path" — path may itself contain ':' */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2) {
			mountplan_cgroup_free(h, k);
			return hull_err_set(err, EINVAL, "/proc/self/cgroup: malformed line \"%s\"", line);
		}
		*c2 = 0;
		const char *controllers = c1 + 1, *path = c2 + 1;
		bool v2 = *controllers == 0;
		/* The first mount of this hierarchy through which our cgroup is visible; failing that (a
		 * cgroup namespace shows host mounts rooted above it), the first mount at all. */
		const struct mi_entry *pick = NULL;
		_cleanup_free_ char *host_dir = NULL;
		for (size_t i = 0; i < nm && !host_dir; i++) {
			const struct mi_entry *e = &mounts[i];
			if (v2 ? strcmp(e->fstype, "cgroup2") != 0
			       : strcmp(e->fstype, "cgroup") != 0 || !csv_subset(controllers, e->superopts))
				continue;
			if (!pick)
				pick = e;
			_cleanup_free_ char *root = unescape_octal(e->root);
			_cleanup_free_ char *mp = unescape_octal(e->mountpoint);
			const char *rel;
			if (strcmp(root, "/") == 0)
				rel = path;
			else if (mountplan_path_under(path, root))
				rel = path + strlen(root);
			else
				continue;
			pick = e;
			host_dir = xasprintf("%s%s", strcmp(mp, "/") == 0 ? "" : mp, strcmp(rel, "/") == 0 ? "" : rel);
			if (!*host_dir) {
				free(host_dir);
				host_dir = xstrdup("/");
			}
		}
		if (!pick)
			continue;
		_cleanup_free_ char *mp = unescape_octal(pick->mountpoint);
		const char *slash = strrchr(mp, '/');
		const char *name = slash && slash[1] ? slash + 1 : mp;
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(h[j].name, name) == 0;
		if (dup)
			continue;
		h[k++] = (struct cgroup_hier){
			.name = xstrdup(name),
			.fstype = xstrdup(pick->fstype),
			.controllers = v2 ? NULL : xstrdup(controllers),
			.host_dir = steal_ptr(&host_dir),
		};
	}
	*out = h;
	*n_out = k;
	return 0;
}

bool mountplan_has_ns(const struct spec *s, enum spec_ns_type t)
{
	for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].type == t)
			return true;
	return false;
}

static int longer_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every mount point of mountinfo, unescaped, in order; NULL-terminated. */
static char **mountinfo_points(const char *mountinfo, size_t *n_out)
{
	_cleanup_free_ char *mi = xstrdup(mountinfo);
	size_t cap = 16, n = 0;
	char **r = xcalloc(cap, sizeof(*r));
	char *save = NULL;
	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mi_entry e;
		if (!parse_mountinfo_line(line, &e))
			continue;
		if (n + 1 >= cap)
			r = xrealloc(r, (cap *= 2) * sizeof(*r));
		r[n++] = unescape_octal(e.mountpoint);
	}
	r[n] = NULL;
	*n_out = n;
	return r;
}

char **mountplan_detach_list(const char *mountinfo, const char *rootfs, size_t *n_out)
{
	size_t n = 0, k = 0;
	char **r = mountinfo_points(mountinfo, &n);
	for (size_t i = 0; i < n; i++) {
		/* "/" and the mounts holding the rootfs carry it; the rootfs's own mounts are the container's.
		 * Stacked mounts on one path stay listed once each: one detach per layer. */
		if (strcmp(r[i], "/") == 0 || mountplan_path_under(rootfs, r[i]) || mountplan_path_under(r[i], rootfs))
			free(r[i]);
		else
			r[k++] = r[i];
	}
	r[k] = NULL;
	qsort(r, k, sizeof(*r), longer_first);
	*n_out = k;
	return r;
}

char *mountplan_mount_of(const char *mountinfo, const char *path)
{
	size_t n = 0;
	char **points = mountinfo_points(mountinfo, &n);
	const char *best = NULL;
	/* ">=": of stacked mounts on one point, the last listed is the one on top */
	for (size_t i = 0; i < n; i++)
		if (mountplan_path_under(path, points[i]) && (!best || strlen(points[i]) >= strlen(best)))
			best = points[i];
	char *r = best ? xstrdup(best) : NULL;
	mountplan_paths_free(points, n);
	return r;
}
