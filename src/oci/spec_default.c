/* spec_default.c — the config.json that `hullrt spec` writes: runc's default (and --rootless) template,
 * field for field, with our ociVersion. The rootless variant is runc's transformation: a user namespace
 * mapping the caller's euid/egid to root, no network namespace, /sys bind-mounted from the host (a new
 * sysfs needs a network namespace we own), no gid= option on devpts, and no cgroup device rules. */
#include "oci/spec.h"

#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_DEFAULT_VERSION "1.2.0"

static json_t *caps_list(void)
{
	return json_pack("[sss]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
}

static json_t *mount(const char *dest, const char *type, const char *src, json_t *opts)
{
	json_t *m = json_pack("{ssssss}", "destination", dest, "type", type, "source", src);
	if (opts)
		json_object_set_new(m, "options", opts);
	return m;
}

static json_t *idmap(unsigned host)
{
	return json_pack("[{sisIsi}]", "containerID", 0, "hostID", (json_int_t)host, "size", 1);
}

char *spec_default_json(bool rootless)
{
	json_t *process = json_pack(
		"{sb s{sisi} s[s] s[ss] ss s{sosososo} s[{sssisi}] sb}",
		"terminal", 1,
		"user", "uid", 0, "gid", 0,
		"args", "sh",
		"env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		"cwd", "/",
		"capabilities", "bounding", caps_list(), "effective", caps_list(), "permitted", caps_list(),
		"ambient", caps_list(),
		"rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
		"noNewPrivileges", 1);

	json_t *mounts = json_array();
	json_array_append_new(mounts, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs",
					    json_pack("[ssss]", "nosuid", "strictatime", "mode=755", "size=65536k")));
	json_t *pts = json_pack("[sssss]", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
	if (!rootless)
		json_array_append_new(pts, json_string("gid=5"));
	json_array_append_new(mounts, mount("/dev/pts", "devpts", "devpts", pts));
	json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm",
					    json_pack("[sssss]", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
	json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue", json_pack("[sss]", "nosuid", "noexec", "nodev")));
	if (rootless)
		json_array_append_new(mounts, mount("/sys", "none", "/sys",
						    json_pack("[sssss]", "rbind", "nosuid", "noexec", "nodev", "ro")));
	else
		json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs", json_pack("[ssss]", "nosuid", "noexec", "nodev", "ro")));
	json_array_append_new(mounts, mount("/sys/fs/cgroup", "cgroup", "cgroup",
					    json_pack("[sssss]", "nosuid", "noexec", "nodev", "relatime", "ro")));

	json_t *linux_ = json_object();
	if (rootless) {
		json_object_set_new(linux_, "uidMappings", idmap(geteuid()));
		json_object_set_new(linux_, "gidMappings", idmap(getegid()));
	} else {
		json_object_set_new(linux_, "resources", json_pack("{s[{sbss}]}", "devices", "allow", 0, "access", "rwm"));
	}
	json_t *ns = json_array();
	const char *types[] = { "pid", "network", "ipc", "uts", "mount", "user" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		bool network = i == 1, user = i == 5;
		if ((rootless && network) || (!rootless && user))
			continue;
		json_array_append_new(ns, json_pack("{ss}", "type", types[i]));
	}
	json_object_set_new(linux_, "namespaces", ns);
	json_object_set_new(linux_, "maskedPaths",
			    json_pack("[ssssssssss]", "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
				      "/sys/firmware", "/proc/scsi"));
	json_object_set_new(linux_, "readonlyPaths",
			    json_pack("[sssss]", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));

	json_t *doc = json_pack("{ss so s{sssb} ss so so}", "ociVersion", SPEC_DEFAULT_VERSION, "process", process,
				"root", "path", "rootfs", "readonly", 1, "hostname", "hull", "mounts", mounts, "linux", linux_);
	if (!doc)
		abort();
	/* One space per level, then tabs for the spaces that start a line: runc's layout (Go's
	 * MarshalIndent with "\t"). JSON strings hold no raw newline, so those spaces are all indentation. */
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		abort();
	bool bol = true;
	for (char *p = text; *p; p++) {
		if (*p == '\n')
			bol = true;
		else if (bol && *p == ' ')
			*p = '\t';
		else
			bol = false;
	}
	return text;
}

/* Write config.json whole or not at all, and never over an existing one: an unnamed file is filled,
 * synced, then linked in, which fails with EEXIST if the name was taken meanwhile. */
int spec_write_default(int dirfd, bool rootless, struct hull_err **err)
{
	_cleanup_free_ char *text = spec_default_json(rootless);
	size_t len = strlen(text);
	_cleanup_fd_ int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno != EOPNOTSUPP && errno != EISDIR)
			return hull_err_sys(err, "create config.json");
		/* No O_TMPFILE on this file system: check, then temp file + rename. */
		struct stat st;
		if (fstatat(dirfd, "config.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
			return hull_err_set(err, 0, "File config.json exists. Remove it first");
		return fs_write_atomic(dirfd, "config.json", text, len, 0666, err);
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "write config.json");
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		return hull_err_sys(err, "write config.json");
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, "config.json", AT_SYMLINK_FOLLOW) < 0) {
		if (errno == EEXIST)
			return hull_err_set(err, 0, "File config.json exists. Remove it first");
		return hull_err_sys(err, "create config.json");
	}
	return 0;
}
