/* plan.c — see plan.h. */
#include "runtime/rterr.h"
#include "runtime/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_flags[NS_TYPE_COUNT] = {
	[NS_PID] = CLONE_NEWPID, [NS_NETWORK] = CLONE_NEWNET,   [NS_MOUNT] = CLONE_NEWNS,
	[NS_IPC] = CLONE_NEWIPC, [NS_UTS] = CLONE_NEWUTS,       [NS_USER] = CLONE_NEWUSER,
	[NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};

int plan_ns_flag(enum spec_ns_type t) { return ns_flags[t]; }

/* setns order: the user ns first (it grants the rights to join the others), mount last (after it,
 * paths of the others may no longer resolve — they are opened beforehand anyway). */
static const enum spec_ns_type join_order[NS_TYPE_COUNT] = {
	NS_USER, NS_PID, NS_NETWORK, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_MOUNT,
};

/* A sysctl is only written inside a namespace of the container's own (runc's rules): the IPC ones need
 * an ipc namespace, net.* a network namespace, kernel.domainname a uts namespace; anything else would
 * change the host. */
static int check_sysctls(const struct spec_linux *l, const struct spec_namespace *const ns[NS_TYPE_COUNT],
			 struct hull_err **err)
{
	static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
						"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; l && i < l->n_sysctl; i++) {
		char key[256];
		snprintf(key, sizeof(key), "%s", l->sysctl[i].key);
		for (char *c = key; *c; c++)
			if (*c == '/')
				*c = '.';
		bool ipc = strncmp(key, "fs.mqueue.", 10) == 0;
		for (size_t k = 0; k < sizeof(ipc_keys) / sizeof(ipc_keys[0]); k++)
			ipc = ipc || strcmp(key, ipc_keys[k]) == 0;
		if (ipc) {
			if (ns[NS_IPC])
				continue;
			return rt_err(err, EINVAL, "config.json: linux.sysctl: \"%s\" is not allowed in the host's "
					    "ipc namespace", l->sysctl[i].key);
		}
		if (strncmp(key, "net.", 4) == 0) {
			if (ns[NS_NETWORK])
				continue;
			return rt_err(err, EINVAL, "config.json: linux.sysctl: \"%s\" is not allowed in the host's "
					    "network namespace", l->sysctl[i].key);
		}
		if (ns[NS_UTS] && strcmp(key, "kernel.domainname") == 0)
			continue;
		if (ns[NS_UTS] && strcmp(key, "kernel.hostname") == 0)
			return rt_err(err, EINVAL, "config.json: linux.sysctl: \"kernel.hostname\" is not allowed: "
					    "use the hostname field");
		return rt_err(err, EINVAL, "config.json: linux.sysctl: \"%s\" is not in a separate kernel "
				    "namespace", l->sysctl[i].key);
	}
	return 0;
}

int plan_build(const struct spec *s, struct launch_plan *p, struct hull_err **err)
{
	memset(p, 0, sizeof(*p));
	const struct spec_linux *l = s->linux_;
	const struct spec_namespace *ns[NS_TYPE_COUNT] = { 0 };
	for (size_t i = 0; l && i < l->n_namespaces; i++)
		ns[l->namespaces[i].type] = &l->namespaces[i];

	for (size_t k = 0; k < NS_TYPE_COUNT; k++) {
		enum spec_ns_type t = join_order[k];
		if (!ns[t])
			continue;
		p->ns_mask |= 1u << t;
		if (ns[t]->path && *ns[t]->path) {
			if (t == NS_PID) {
				p->join_pid = true;
				p->pid_join_index = (int)p->n_joins;
			}
			p->joins[p->n_joins++] = (struct plan_join){ .type = t, .path = ns[t]->path, .fd = -1 };
		}
	}
	bool user_joined = ns[NS_USER] && ns[NS_USER]->path && *ns[NS_USER]->path;
	p->userns = ns[NS_USER] != NULL;
	p->new_userns = p->userns && !user_joined;
	for (int t = 0; t < NS_TYPE_COUNT; t++) {
		if (!ns[t] || (ns[t]->path && *ns[t]->path))
			continue;
		if (t == NS_CGROUP || t == NS_TIME || user_joined)
			p->unshare_flags |= ns_flags[t];
		else
			p->clone_flags |= (uint64_t)ns_flags[t];
	}
	/* Namespaces owned by a joined user ns are created after joining it; a pid namespace only takes
	 * children, so the init forks once into it (the one case with a second process). */
	p->fork_for_pid = user_joined && (p->unshare_flags & CLONE_NEWPID);

	size_t nu = l ? l->n_uid_mappings : 0, ng = l ? l->n_gid_mappings : 0;
	if (p->new_userns && (nu == 0 || ng == 0))
		return rt_err(err, EINVAL, "config.json: linux.%s: a new user namespace needs mappings",
				    nu == 0 ? "uidMappings" : "gidMappings");
	if (!p->new_userns && (nu || ng))
		return rt_err(err, EINVAL, "config.json: linux.%s: mappings given without a new user "
				    "namespace", nu ? "uidMappings" : "gidMappings");
	if (check_sysctls(l, ns, err) < 0)
		return -1;
	p->time_offsets = l && (l->time_offsets.has_monotonic || l->time_offsets.has_boottime);
	if (p->time_offsets && !(ns[NS_TIME] && !(ns[NS_TIME]->path && *ns[NS_TIME]->path)))
		return rt_err(err, EINVAL, "config.json: linux.timeOffsets: needs a new time namespace");
	return 0;
}

static void append(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	size_t n = strlen(s);
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	free(s);
}

static void append_flags(char **buf, size_t *len, uint64_t flags)
{
	bool first = true;
	for (int t = 0; t < NS_TYPE_COUNT; t++)
		if (flags & (uint64_t)ns_flags[t]) {
			append(buf, len, "%s%s", first ? "" : "|", spec_ns_type_names[t]);
			first = false;
		}
	if (first)
		append(buf, len, "-");
}

char *plan_describe(const struct launch_plan *p, const struct spec *s)
{
	char *buf = NULL;
	size_t len = 0;
	append(&buf, &len, "clone3 new ");
	append_flags(&buf, &len, p->clone_flags);
	for (size_t i = 0; i < p->n_joins; i++)
		append(&buf, &len, "; join %s %s", spec_ns_type_names[p->joins[i].type], p->joins[i].path);
	if (p->unshare_flags) {
		append(&buf, &len, "; init unshares ");
		append_flags(&buf, &len, (uint64_t)(unsigned)p->unshare_flags);
	}
	const struct spec_linux *l = s->linux_;
	if (p->new_userns) {
		for (size_t i = 0; i < l->n_uid_mappings; i++)
			append(&buf, &len, "; uid %u:%u:%u", l->uid_mappings[i].container_id, l->uid_mappings[i].host_id,
			       l->uid_mappings[i].size);
		for (size_t i = 0; i < l->n_gid_mappings; i++)
			append(&buf, &len, "; gid %u:%u:%u", l->gid_mappings[i].container_id, l->gid_mappings[i].host_id,
			       l->gid_mappings[i].size);
	}
	if (p->time_offsets)
		append(&buf, &len, "; time offsets monotonic %llds boottime %llds",
		       (long long)l->time_offsets.monotonic.secs, (long long)l->time_offsets.boottime.secs);
	return buf;
}
