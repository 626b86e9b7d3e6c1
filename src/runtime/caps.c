/* caps.c — see caps.h. */
#include "runtime/caps.h"
#include "util/cleanup.h"
#include "oci/tables.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int caps_last_cap(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	char buf[16] = { 0 };
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0)
			last = atoi(buf);
	}
	if (last <= 0 || last > 63) {
		/* No /proc (yet): the bounding set answers EINVAL past the last capability. */
		last = 0;
		while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
			last++;
	}
	return last;
}

static uint64_t known_mask(void)
{
	int last = caps_last_cap();
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

int caps_drop_bounding(const struct spec_caps *c, struct hull_err **err)
{
	uint64_t t = trace_begin();
	uint64_t keep = c->has_bounding ? c->bounding : 0;
	int last = caps_last_cap();
	for (int cap = 0; cap <= last; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return hull_err_sys(err, "process.capabilities.bounding: drop capability %d", cap);
	}
	trace_end(t, "capabilities: bounding set 0x%llx", (unsigned long long)(keep & known_mask()));
	return 0;
}

int caps_keep_across_setuid(struct hull_err **err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_err_sys(err, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

int caps_set_no_new_privs(struct hull_err **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_err_sys(err, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}

/* Which set made capset fail, for an error that names the field rather than just EPERM. */
static const char *explain_capset(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return "";
	uint64_t cur_prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	uint64_t cur_inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	if (eff & ~prm)
		return " (effective must be a subset of permitted)";
	if (prm & ~cur_prm)
		return " (permitted asks for capabilities the process no longer has: check bounding)";
	uint64_t bnd = 0;
	for (int cap = 0; cap <= caps_last_cap(); cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			bnd |= 1ULL << cap;
	if (inh & ~(cur_inh | bnd))
		return " (inheritable must be a subset of bounding)";
	return "";
}

int caps_apply(const struct spec_caps *c, struct hull_err **err)
{
	uint64_t t = trace_begin();
	uint64_t m = known_mask();
	uint64_t eff = c->has_effective ? c->effective & m : 0;
	uint64_t prm = c->has_permitted ? c->permitted & m : 0;
	/* Never more than asked: a non-empty inheritable set lets file capabilities grant privileges on
	 * execve (CVE-2022-29162). */
	uint64_t inh = c->has_inheritable ? c->inheritable & m : 0;
	uint64_t amb = c->has_ambient ? c->ambient & m : 0;

	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return hull_err_sys(err, "prctl(PR_SET_KEEPCAPS, 0)");
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(prm >> 32),
		  .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &h, d) < 0) {
		int e = errno;
		return hull_err_set(err, e, "process.capabilities: capset(effective 0x%llx, permitted 0x%llx, "
					    "inheritable 0x%llx)%s",
				    (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
				    explain_capset(eff, prm, inh));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hull_err_sys(err, "process.capabilities.ambient: clear");
	for (int cap = 0; cap < 64; cap++) {
		if (!(amb & (1ULL << cap)))
			continue;
		/* runc keeps going; an ambient cap missing from permitted or inheritable is a profile mistake the
		 * kernel refuses, not a reason to fail the container. `runc spec` itself asks for ambient caps
		 * without inheritable, and runc 1.1 stays silent about it: so a debug line, not a warning on
		 * every container's stderr. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			log_debug("can't raise ambient capability %d: %s", cap, strerror(errno));
	}
	trace_end(t, "capabilities: effective 0x%llx permitted 0x%llx inheritable 0x%llx ambient 0x%llx",
		  (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
		  (unsigned long long)amb);
	return 0;
}

int caps_from_name(const char *name)
{
	/* The parser's table, so --cap and config.json accept the same names; any case, as in docker. */
	char upper[64];
	size_t n = strlen(name);
	if (n >= sizeof(upper))
		return -1;
	for (size_t i = 0; i <= n; i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	return oci_capability_lookup(upper);
}

int caps_exec_add(struct spec_caps *c, const char *name, struct hull_err **err)
{
	int cap = caps_from_name(name);
	if (cap < 0)
		return hull_err_set(err, EINVAL, "--cap: unknown capability \"%s\"", name);
	uint64_t bit = 1ULL << cap;
	c->bounding |= bit;
	c->effective |= bit;
	c->permitted |= bit;
	c->has_bounding = c->has_effective = c->has_permitted = true;
	if (c->has_inheritable) {
		c->ambient |= bit;
		c->has_ambient = true;
	}
	return 0;
}
