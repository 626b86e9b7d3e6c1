/* seccomp_install.c — loading a compiled program with seccomp(2), and handing the notify fd to the
 * profile's listener.
 *
 * seccomp_install runs in the container's process, right before execve: it takes no lock, allocates
 * nothing and calls no libseccomp, so it is safe after fork/clone of a multi-threaded parent.
 */
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define SECCOMP_FILTER_FLAG_TSYNC_BIT SECCOMP_FILTER_FLAG_TSYNC

int seccomp_install(const struct seccomp_prog *p, int *listener_fd, struct hull_err **err)
{
	uint64_t t = trace_begin();
	struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = p->filter };
	unsigned int flags = p->flags & ~SECCOMP_FILTER_FLAG_TSYNC_BIT;
	if (p->notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	*listener_fd = -1;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0) {
		if (errno == EACCES)
			return hull_err_sys(err, "seccomp: load filter (needs no_new_privs or CAP_SYS_ADMIN)");
		return hull_err_sys(err, "seccomp: load filter (flags 0x%x, %zu instructions)", flags, p->len);
	}
	if (p->notify)
		*listener_fd = (int)r;
	trace_end(t, "seccomp: load filter (%zu instructions, flags 0x%x)", p->len, flags);
	return 0;
}

/* The ContainerProcessState of the runtime spec (runtime.md, "Linux seccomp notify"). */
static char *process_state_json(const char *metadata, const char *state_json, pid_t pid, struct hull_err **err)
{
	json_error_t jerr;
	json_t *state = json_loads(state_json, 0, &jerr);
	if (!state) {
		hull_err_set(err, EINVAL, "seccomp listener: container state is not JSON: %s", jerr.text);
		return NULL;
	}
	json_t *o = json_pack("{s:s, s:[s], s:I, s:o}", "ociVersion", "1.2.0", "fds", "seccompFd", "pid",
			      (json_int_t)pid, "state", state);
	if (metadata && *metadata)
		json_object_set_new(o, "metadata", json_string(metadata));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

int seccomp_send_listener(const char *listener_path, const char *metadata, const char *state_json, int listener_fd,
			  pid_t pid, struct hull_err **err)
{
	_cleanup_free_ char *msg = process_state_json(metadata, state_json, pid, err);
	if (!msg)
		return -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(listener_path) >= sizeof(addr.sun_path))
		return hull_err_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath: %s", listener_path);
	strcpy(addr.sun_path, listener_path);
	_cleanup_fd_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return hull_err_sys(err, "seccomp listener: socket");
	if (connect(sk, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return hull_err_sys(err, "seccomp listener: connect %s", listener_path);

	size_t len = strlen(msg), off = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	while (off < len) {
		struct iovec iov = { .iov_base = msg + off, .iov_len = len - off };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (off == 0) {
			/* The fd rides with the first byte of the state, as an agent reading one message expects. */
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof(ctl.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
		}
		ssize_t n = sendmsg(sk, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_err_sys(err, "seccomp listener: send to %s", listener_path);
		off += (size_t)n;
	}
	return 0;
}
