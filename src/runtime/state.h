/* state.h — a container's record under the state root: <root>/<id>/{state.json,config.json,exec.fifo,exec.ack}.
 *
 * Owns the on-disk state of containers: ID validation, the per-container lock (flock on the state dir),
 * state.json (runc's public fields plus the private ones later commands need, written atomically), the
 * verbatim copy of config.json taken at create, and the derivation of a container's status from the
 * kernel (is the init alive and still the same process, is the start fifo still there, is the cgroup
 * frozen). It never starts or signals processes; lifecycle.h does.
 */
#ifndef HULL_RUNTIME_STATE_H
#define HULL_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "oci/spec.h"
#include "util/err.h"

#define HULL_STATE_ROOT_DEFAULT "/run/hull"
/* The runtime-spec version our state output complies with. */
#define HULL_STATE_OCI_VERSION "1.2.0"
#define HULL_EXEC_FIFO "exec.fifo"   /* start → init: "go" (its existence means status created) */
#define HULL_ACK_FIFO "exec.ack"     /* init → start: startContainer hooks done, execve next */
#define HULL_CONFIG_COPY "config.json"

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_PAUSED, STATUS_STOPPED };
extern const char *const container_status_names[]; /* "creating", "created", … */

struct container_state {
	char *id;
	pid_t pid;                      /* host pid of the init, 0 once known dead */
	unsigned long long pid_start;   /* /proc/<pid>/stat starttime: tells a recycled pid apart */
	char *bundle, *rootfs;          /* absolute */
	char *created;                  /* RFC3339 with nanoseconds, UTC, as runc */
	char *cgroup_path;              /* resolved absolute cgroup path */
	uid_t owner;                    /* uid that created the container */
	struct spec_kv *annotations; size_t n_annotations;
	/* Namespaces the container created (bit i = enum spec_ns_type i): exec joins the init's. */
	unsigned ns_mask;
	/* Written by create before anything else exists: status "creating" while create holds the lock,
	 * "stopped" (remains to delete) if it died. */
	bool creating;
};

/* A container opened by id. `dirfd` is the state dir, flock'ed exclusively when `locked`. */
struct container {
	char *root;
	int dirfd;
	bool locked;
	struct container_state st;
};

/* runc's rules: not empty, only [A-Za-z0-9_+.-], not "." or "..", at most 255 bytes (one path component). */
int container_id_validate(const char *id, struct hull_err **err);

/* Open <root>/<id> and read its state. With lock=true take the container's lock first (blocks while
 * another command holds it). Error "container does not exist" (errnum ENOENT) when there is no such
 * container, or only the remains of a create that never finished. */
struct container *container_open(const char *root, const char *id, bool lock, struct hull_err **err);
void container_close(struct container *c);
static inline void container_closep(struct container **c) { if (*c) container_close(*c); }
#define _cleanup_container_ __attribute__((cleanup(container_closep)))

/* The status now, from the kernel (see the header comment). Never fails: unknown means stopped. */
enum container_status container_status(const struct container *c);
/* Is pid still the process that started at `start` (and not a zombie)? */
bool container_pid_alive(pid_t pid, unsigned long long start);
/* starttime (field 22) of /proc/<pid>/stat, 0 on failure. */
unsigned long long proc_pid_starttime(pid_t pid);

/* Write state.json atomically into c->dirfd. */
int container_state_save(const struct container *c, struct hull_err **err);
/* runc's public state JSON (`hullrt state`), pretty (2-space indent, no final newline) or compact. */
char *container_state_json(const struct container_state *st, enum container_status status, bool pretty,
			   const char *owner_name);
/* The config.json copied at create, parsed. */
struct spec *container_load_spec(const struct container *c, struct hull_err **err);

/* IDs of the containers under root (sorted). Missing root: zero containers. */
int container_list_ids(const char *root, char ***ids, size_t *n, struct hull_err **err);
void strv_free(char **v, size_t n);

/* Now as RFC3339 UTC with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano). */
char *rfc3339_now(void);
/* The user name of uid from /etc/passwd (the binary is static: no NSS), or the number. */
char *uid_to_name(uid_t uid);

#endif
