/* plan.h — the namespace part of a container's launch, as plain data (DESIGN.md §2).
 *
 * plan_build turns linux.namespaces, the id mappings and the time offsets into: the CLONE_NEW* flags of
 * the one clone3, the namespaces to join by path (user first), those the init creates itself after the
 * parent's handshake (cgroup: after joining the cgroup; time: offsets must be written before any process
 * lives in it), and what the parent writes for the child (uid/gid maps). It validates the combination
 * (maps without a user namespace, offsets without a time namespace, …) and touches nothing: unit tests
 * check it without root. plan_describe renders it for --trace.
 */
#ifndef HULL_RUNTIME_PLAN_H
#define HULL_RUNTIME_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include "oci/spec.h"

struct plan_join {
	enum spec_ns_type type;
	const char *path;  /* borrowed from the spec */
	int fd;            /* opened by launch (O_RDONLY|O_CLOEXEC), -1 until then */
};

struct launch_plan {
	uint64_t clone_flags;     /* CLONE_NEW* for clone3 */
	int unshare_flags;        /* CLONE_NEW* the init unshares after the handshake */
	struct plan_join joins[NS_TYPE_COUNT]; /* setns order: user first, then mount last */
	size_t n_joins;
	bool join_pid;            /* the parent points its pid_for_children at the joined pid ns */
	int pid_join_index;       /* index in joins[] of the pid ns, when join_pid */
	bool new_userns;          /* the parent writes uid/gid maps */
	bool userns;              /* the container is in a user ns other than the caller's */
	bool time_offsets;        /* write /proc/self/timens_offsets after unshare(CLONE_NEWTIME) */
	bool fork_for_pid;        /* new pid ns inside a joined user ns: the init unshares it and forks */
	unsigned ns_mask;         /* namespaces the container has of its own (bit = enum spec_ns_type) */
};

/* CLONE_NEWNS, … of a namespace type. */
int plan_ns_flag(enum spec_ns_type t);

int plan_build(const struct spec *s, struct launch_plan *p, struct hull_err **err);
/* "clone3 NEWUSER|NEWPID|…; join net /proc/1/ns/net; unshare NEWCGROUP|NEWTIME; maps 0:100000:65536" */
char *plan_describe(const struct launch_plan *p, const struct spec *s);

#endif
