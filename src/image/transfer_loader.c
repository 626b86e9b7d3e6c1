/* transfer_loader.c — image_transfer() (transfer.h): find, check and load libhull-transfer.so on first use.
 *
 * The library runs with the engine's privileges (root), so it is trusted exactly as much as the binary:
 * it must sit next to the binary we run (never a search path or an environment variable), be a regular
 * file owned by root or by the binary's owner, and be writable by nobody else. The checks are made on an
 * open fd and dlopen loads that same fd through /proc/self/fd, so a file swapped after the check is never
 * the one loaded.
 */
#include "image/transfer.h"
#include "transfer_build_id.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct image_transfer *loaded;

/* dir of /proc/self/exe + "/" + IMAGE_TRANSFER_LIB */
static char *library_path(struct hull_err **err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return hull_err_sys(err, "readlink /proc/self/exe"), NULL;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (exe[0] != '/' || !slash)
		return hull_err_set(err, 0, "cannot locate " IMAGE_TRANSFER_LIB ": the running binary is \"%s\"",
				    exe), NULL;
	*slash = 0;
	return xasprintf("%s/" IMAGE_TRANSFER_LIB, exe);
}

static int check_library(int fd, const char *path, struct hull_err **err)
{
	struct stat st, self;
	if (fstat(fd, &st) < 0)
		return hull_err_sys(err, "%s: fstat", path);
	if (stat("/proc/self/exe", &self) < 0)
		return hull_err_sys(err, "stat /proc/self/exe");
	if (!S_ISREG(st.st_mode))
		return hull_err_set(err, 0, "%s: not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != self.st_uid)
		return hull_err_set(err, 0, "%s: owned by uid %u, neither root nor the owner of hull (uid %u): refusing "
				    "to load it", path, (unsigned)st.st_uid, (unsigned)self.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return hull_err_set(err, 0, "%s: writable by group or others (mode %04o): refusing to load it", path,
				    (unsigned)(st.st_mode & 07777));
	return 0;
}

const struct image_transfer *image_transfer(struct hull_err **err)
{
	if (loaded)
		return loaded;
	uint64_t t = trace_begin();
	_cleanup_free_ char *path = library_path(err);
	if (!path)
		return NULL;
	_cleanup_fd_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		hull_err_sys(err, "%s (the image transfer library, installed next to hull)", path);
		return NULL;
	}
	if (check_library(fd, path, err) < 0)
		return NULL;
	char fdpath[32];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	/* Never closed: the table's functions live in it until exit. */
	void *h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		hull_err_set(err, 0, "%s: %s", path, e ? e : "dlopen failed");
		return NULL;
	}
	const struct image_transfer *tr = dlsym(h, IMAGE_TRANSFER_SYMBOL);
	if (!tr) {
		hull_err_set(err, 0, "%s: no symbol " IMAGE_TRANSFER_SYMBOL, path);
		dlclose(h);
		return NULL;
	}
	if (!tr->build_id || strcmp(tr->build_id, HULL_BUILD_ID) != 0 || tr->size != sizeof(*tr)) {
		hull_err_set(err, 0, "%s: from another build of hull (build %.12s, this hull %.12s): install the "
			     "library built with this binary", path, tr->build_id ? tr->build_id : "?", HULL_BUILD_ID);
		dlclose(h);
		return NULL;
	}
	trace_end(t, "load %s", path);
	return loaded = tr;
}
