/* file.c — reading and writing cgroup files, with the error shape and tracing every writer shares. */
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void (*cg_write_observer)(const char *file, const char *value);

int cg_try_write(int dfd, const char *file, const char *value)
{
	if (cg_write_observer)
		cg_write_observer(file, value);
	uint64_t t = trace_begin();
	/* O_TRUNC matters only for the test trees (regular files); cgroupfs ignores it. */
	_cleanup_fd_ int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	trace_end(t, "cgroup write %s \"%s\"", file, value);
	return 0;
}

int cg_write(int dfd, const char *field, const char *file, const char *value, struct hull_err **err)
{
	int r = cg_try_write(dfd, file, value);
	if (r < 0)
		return hull_err_set(err, -r, "%s: write %s \"%s\"", field, file, value);
	return 0;
}

int cg_write_or_defer(int dfd, const char *field, const char *file, uint64_t v, bool can_defer, bool *later,
		      struct hull_err **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	int rc = cg_try_write(dfd, file, buf);
	if (rc == -EINVAL && can_defer)
		*later = true;
	else if (rc < 0)
		return hull_err_set(err, -rc, "%s: write %s \"%s\"", field, file, buf);
	return 0;
}

char *cg_read(int dfd, const char *file)
{
	return fs_read_file_at(dfd, file, NULL, NULL);
}

bool cg_exists(int dfd, const char *file)
{
	return dfd >= 0 && faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int cg_read_u64(int dfd, const char *file, uint64_t *out)
{
	_cleanup_free_ char *s = cg_read(dfd, file);
	if (!s)
		return -1;
	return parse_u64(s, out);
}

int cg_read_key(int dfd, const char *file, const char *key, uint64_t *out)
{
	_cleanup_free_ char *s = cg_read(dfd, file);
	if (!s)
		return -1;
	size_t kl = strlen(key);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, kl) == 0 && (line[kl] == ' ' || line[kl] == '\t'))
			return parse_u64(line + kl, out);
		line = nl ? nl + 1 : NULL;
	}
	errno = ENOENT;
	return -1;
}

int cg_check_memory_usage(int dfd, const char *usage_file, int64_t new_limit, struct hull_err **err)
{
	if (new_limit <= 0)
		return 0;
	uint64_t usage;
	if (cg_read_u64(dfd, usage_file, &usage) < 0)
		return hull_err_sys(err, "linux.resources.memory.checkBeforeUpdate: read %s", usage_file);
	if ((uint64_t)new_limit < usage)
		return hull_err_set(err, 0,
				    "linux.resources.memory.checkBeforeUpdate: rejecting memory limit %" PRId64
				    " below the current usage %" PRIu64 " (%s)",
				    new_limit, usage, usage_file);
	return 0;
}
