/* selfseal.c — see selfseal.h for the threat and the choice. */
#include "runtime/selfseal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>

/* Linux 6.8+: unique mount ids and statmount(2); absent from this libc's headers. */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
struct hull_mnt_id_req {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};

extern char **environ;

#define SEALED_MARK "_HULL_SELFSEALED"
#define MEMFD_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int selfseal_nondumpable(struct hull_err **err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return hull_err_sys(err, "prctl(PR_SET_DUMPABLE, 0)");
	return 0;
}

enum selfseal_kind selfseal_status(void)
{
	_cleanup_fd_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SELFSEAL_NONE;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & MEMFD_SEALS) == MEMFD_SEALS)
		return SELFSEAL_MEMFD;
	struct statvfs sv;
	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return SELFSEAL_RO_MOUNT;
	return SELFSEAL_NONE;
}

/* Is the mount holding fd's file part of our mount namespace? 1 yes, 0 no, -1 cannot tell. */
static int mount_in_our_namespace(int fd)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID_UNIQUE)) {
		/* statmount looks the id up in the caller's namespace only. */
		struct hull_mnt_id_req req = { .size = 24, .mnt_id = stx.stx_mnt_id, .param = 0x1 /* SB_BASIC */ };
		uint64_t buf[64];
		if (syscall(SYS_statmount, &req, buf, sizeof(buf), 0) == 0)
			return 1;
		if (errno == ENOENT)
			return 0;
	}
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return -1;
	_cleanup_file_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	unsigned long long id;
	char line[4096];
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu ", &id) == 1 && id == stx.stx_mnt_id)
			return 1;
	return 0;
}

int selfseal_startup(struct hull_err **err)
{
	if (selfseal_nondumpable(err) < 0)
		return -1;
	_cleanup_fd_ int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no /proc: nothing a container could reach us through either */
	if (selfseal_status() != SELFSEAL_NONE)
		return 0;
	if (mount_in_our_namespace(fd) == 0)
		return hull_err_set(err, EPERM, "refusing to run: this binary is writable and lives outside this mount "
						"namespace (executed through /proc/<pid>/exe from a container? CVE-2019-5736)");
	return 0;
}

bool selfseal_needed(const struct spec *s)
{
	const struct spec_namespace *pid = spec_find_namespace(s, NS_PID);
	return !pid || pid->path;
}

/* A detached, read-only bind mount of the running binary, as an O_PATH fd to execveat. */
static int ro_mount_of_self(void)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -1;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int memfd_of_self(struct hull_err **err)
{
	_cleanup_fd_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return hull_err_sys(err, "open /proc/self/exe");
	struct stat st;
	if (fstat(src, &st) < 0)
		return hull_err_sys(err, "fstat /proc/self/exe");
	_cleanup_fd_ int mfd = memfd_create("hullrt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return hull_err_sys(err, "memfd_create");
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_err_sys(err, "copy /proc/self/exe to memfd");
	}
	if (fcntl(mfd, F_ADD_SEALS, MEMFD_SEALS) < 0)
		return hull_err_sys(err, "seal memfd");
	return steal_fd(&mfd);
}

/* argv as the kernel has it, for callers deep in the library that no longer hold main's argv. */
static char **cmdline_argv(struct hull_err **err)
{
	size_t len = 0;
	char *buf = fs_read_file_at(AT_FDCWD, "/proc/self/cmdline", &len, err);
	if (!buf)
		return NULL;
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == 0;
	char **argv = xcalloc(count + 2, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	return argv; /* buf lives as long as argv: both end with the execveat or the process */
}

int selfseal_ensure(int argc, char **argv, char **envp, struct hull_err **err)
{
	(void)argc;
	bool reexecuted = getenv(SEALED_MARK) != NULL;
	if (reexecuted)
		unsetenv(SEALED_MARK);
	if (selfseal_status() != SELFSEAL_NONE)
		return 0;
	if (reexecuted)
		return hull_err_set(err, EPERM, "self-seal: still running from a writable binary after re-exec");

	uint64_t t = trace_begin();
	_cleanup_fd_ int fd = ro_mount_of_self();
	if (fd < 0) {
		fd = memfd_of_self(err);
		if (fd < 0)
			return hull_err_wrap(err, "self-seal (CVE-2019-5736)");
	}
	if (!argv && !(argv = cmdline_argv(err)))
		return hull_err_wrap(err, "self-seal");
	if (!envp)
		envp = environ;
	size_t n = 0;
	while (envp[n])
		n++;
	_cleanup_free_ char **env = xcalloc(n + 2, sizeof(char *));
	memcpy(env, envp, n * sizeof(char *));
	env[n] = SEALED_MARK "=1";
	trace_end(t, "self-seal: re-exec from a sealed copy");
	syscall(SYS_execveat, fd, "", argv, env, AT_EMPTY_PATH);
	return hull_err_sys(err, "self-seal (CVE-2019-5736): execveat sealed copy");
}
