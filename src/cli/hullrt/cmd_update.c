/* cmd_update.c — `hullrt update [flags] [-r resources.json|-r -] ID`: change the cgroup limits of a
 * created, running or paused container, with runc's flags (memory sizes take units: 512m, 1g). The
 * resources file is an OCI linux.resources object; flags given with it override its values, as runc. */
#include "runtime/rterr.h"
#include "cli/hullrt/args.h"
#include "cli/hullrt/cli.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Docker's RAMInBytes: "1024", "512k", "1.5g", "100MiB", "2 GB" — binary multiples. */
static int parse_ram(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isdigit((unsigned char)s[0]))
		return -1;
	while (*end == ' ')
		end++;
	double mult = 1;
	const char *units = "kmgtp";
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
	if (u) {
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		end++;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	double bytes = v * mult;
	if (bytes > 9.2e18)
		return -1;
	*out = (int64_t)bytes;
	return 0;
}

static int parse_mem_flag(const char *name, const char *val, int64_t *out, struct hull_err **err)
{
	if (strcmp(val, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (parse_ram(val, out) < 0)
		return rt_err(err, EINVAL, "invalid value for %s: \"%s\"", name, val);
	return 0;
}

static int parse_u64_flag(const char *name, const char *val, uint64_t *out, struct hull_err **err)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(val, &end, 10);
	if (!*val || *end || errno || val[0] == '-')
		return rt_err(err, EINVAL, "invalid value for %s: \"%s\"", name, val);
	*out = v;
	return 0;
}

static int parse_i64_flag(const char *name, const char *val, int64_t *out, struct hull_err **err)
{
	char *end;
	errno = 0;
	long long v = strtoll(val, &end, 10);
	if (!*val || *end || errno)
		return rt_err(err, EINVAL, "invalid value for %s: \"%s\"", name, val);
	*out = v;
	return 0;
}

/* The file (or stdin for "-") as an OCI linux.resources object, validated by the config parser. */
static struct spec *load_resources(const char *path, struct hull_err **err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!f) {
		hull_err_sys(err, "open %s", path);
		return NULL;
	}
	json_error_t je;
	json_t *obj = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	if (f != stdin)
		fclose(f);
	const char *origin = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (!obj) {
		rt_err(err, EINVAL, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		rt_err(err, EINVAL, "%s: want a JSON object (linux.resources of a config.json)", origin);
		return NULL;
	}
	/* One parser for resources everywhere: the config's, on a minimal document around them. */
	json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:o}}", "ociVersion", "1.2.0", "root", "path", "rootfs", "linux",
				"resources", obj);
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return spec_parse(text, strlen(text), origin, err);
}

enum {
	O_BLKIO_WEIGHT = 256, O_CPU_PERIOD, O_CPU_QUOTA, O_CPU_SHARES, O_CPU_RT_PERIOD, O_CPU_RT_RUNTIME, O_CPUSET_CPUS,
	O_CPUSET_MEMS, O_CPU_IDLE, O_KMEM, O_KMEM_TCP, O_MEMORY, O_MEMORY_RES, O_MEMORY_SWAP, O_PIDS, O_L3, O_MBW,
};

static void usage(void)
{
	printf("Usage: hullrt update [command options] <container-id>\n\n"
	       "   --resources value, -r value   path to the file containing the resources to update or '-' to read from the standard input\n"
	       "   --blkio-weight value          Specifies per cgroup weight, range is from 10 to 1000 (default: 0)\n"
	       "   --cpu-period value            CPU CFS period to be used for hardcapping (in usecs). 0 to use system default\n"
	       "   --cpu-quota value             CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period\n"
	       "   --cpu-share value             CPU shares (relative weight vs. other containers) (--cpu-shares too)\n"
	       "   --cpu-rt-period value         CPU realtime period to be used for hardcapping (in usecs). 0 to use system default\n"
	       "   --cpu-rt-runtime value        CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period\n"
	       "   --cpuset-cpus value           CPU(s) to use\n"
	       "   --cpuset-mems value           Memory node(s) to use\n"
	       "   --cpu-idle value              set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE\n"
	       "   --kernel-memory value         (obsoleted; do not use)\n"
	       "   --kernel-memory-tcp value     (obsoleted; do not use)\n"
	       "   --memory value                Memory limit (in bytes)\n"
	       "   --memory-reservation value    Memory reservation or soft_limit (in bytes)\n"
	       "   --memory-swap value           Total memory usage (memory + swap); set '-1' to enable unlimited swap\n"
	       "   --pids-limit value            Maximum number of pids allowed in the container (default: 0)\n"
	       "   --l3-cache-schema value       The string of Intel RDT/CAT L3 cache schema\n"
	       "   --mem-bw-schema value         The string of Intel RDT/MBA memory bandwidth schema\n");
}

/* The numeric flags: where each goes in spec_resources (value, its has_ flag, its group's has_ flag). */
enum kind { K_U64, K_I64, K_MEM };
#define AT(m) offsetof(struct spec_resources, m)
static const struct numflag {
	int opt;
	const char *name;
	enum kind kind;
	size_t value, has, group;
} numflags[] = {
	{ O_CPU_PERIOD, "cpu-period", K_U64, AT(cpu.period), AT(cpu.has_period), AT(has_cpu) },
	{ O_CPU_QUOTA, "cpu-quota", K_I64, AT(cpu.quota), AT(cpu.has_quota), AT(has_cpu) },
	{ O_CPU_SHARES, "cpu-share", K_U64, AT(cpu.shares), AT(cpu.has_shares), AT(has_cpu) },
	{ O_CPU_RT_PERIOD, "cpu-rt-period", K_U64, AT(cpu.realtime_period), AT(cpu.has_realtime_period), AT(has_cpu) },
	{ O_CPU_RT_RUNTIME, "cpu-rt-runtime", K_I64, AT(cpu.realtime_runtime), AT(cpu.has_realtime_runtime), AT(has_cpu) },
	{ O_CPU_IDLE, "cpu-idle", K_I64, AT(cpu.idle), AT(cpu.has_idle), AT(has_cpu) },
	{ O_MEMORY, "memory", K_MEM, AT(memory.limit), AT(memory.has_limit), AT(has_memory) },
	{ O_MEMORY_RES, "memory-reservation", K_MEM, AT(memory.reservation), AT(memory.has_reservation), AT(has_memory) },
	{ O_MEMORY_SWAP, "memory-swap", K_MEM, AT(memory.swap), AT(memory.has_swap), AT(has_memory) },
};
#undef AT

/* Fold one flag into r. */
static int apply_flag(int opt, const char *val, struct spec_resources *r, struct hull_err **err)
{
	for (size_t k = 0; k < sizeof(numflags) / sizeof(numflags[0]); k++) {
		const struct numflag *f = &numflags[k];
		if (f->opt != opt)
			continue;
		char *base = (char *)r;
		int rc = f->kind == K_U64 ? parse_u64_flag(f->name, val, (uint64_t *)(base + f->value), err)
			 : f->kind == K_I64 ? parse_i64_flag(f->name, val, (int64_t *)(base + f->value), err)
					    : parse_mem_flag(f->name, val, (int64_t *)(base + f->value), err);
		if (rc < 0)
			return -1;
		*(bool *)(base + f->has) = *(bool *)(base + f->group) = true;
		return 0;
	}
	uint64_t u;
	int64_t i;
	switch (opt) {
	case O_BLKIO_WEIGHT:
		if (parse_u64_flag("blkio-weight", val, &u, err) < 0)
			return -1;
		/* runc: 0 leaves it unchanged */
		if (u) {
			if (u > UINT16_MAX)
				return rt_err(err, EINVAL, "invalid value for blkio-weight: \"%s\"", val);
			r->has_block_io = true, r->block_io.has_weight = true, r->block_io.weight = (uint16_t)u;
		}
		return 0;
	case O_CPUSET_CPUS: /* borrowed from argv: cmd_update puts the spec's own string back before freeing */
		r->cpu.cpus = (char *)val;
		r->has_cpu = true;
		return 0;
	case O_CPUSET_MEMS:
		r->cpu.mems = (char *)val;
		r->has_cpu = true;
		return 0;
	case O_KMEM:
	case O_KMEM_TCP:
		log_warn("%s: kernel memory limits are obsolete and ignored", opt == O_KMEM ? "--kernel-memory" : "--kernel-memory-tcp");
		return 0;
	case O_PIDS:
		if (parse_i64_flag("pids-limit", val, &i, err) < 0)
			return -1;
		/* runc: 0 leaves it unchanged */
		if (i)
			r->has_pids = r->pids.has_limit = true, r->pids.limit = i;
		return 0;
	case O_L3:
	case O_MBW:
		return rt_err(err, ENOTSUP, "%s: Intel RDT is not available on this host",
			      opt == O_L3 ? "--l3-cache-schema" : "--mem-bw-schema");
	}
	return rt_err(err, EINVAL, "unknown option");
}

int cmd_update(struct hullrt_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resources", required_argument, 0, 'r' },
		{ "blkio-weight", required_argument, 0, O_BLKIO_WEIGHT },
		{ "cpu-period", required_argument, 0, O_CPU_PERIOD },
		{ "cpu-quota", required_argument, 0, O_CPU_QUOTA },
		{ "cpu-share", required_argument, 0, O_CPU_SHARES },
		{ "cpu-shares", required_argument, 0, O_CPU_SHARES },
		{ "cpu-rt-period", required_argument, 0, O_CPU_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, 0, O_CPU_RT_RUNTIME },
		{ "cpuset-cpus", required_argument, 0, O_CPUSET_CPUS },
		{ "cpuset-mems", required_argument, 0, O_CPUSET_MEMS },
		{ "cpu-idle", required_argument, 0, O_CPU_IDLE },
		{ "kernel-memory", required_argument, 0, O_KMEM },
		{ "kernel-memory-tcp", required_argument, 0, O_KMEM_TCP },
		{ "memory", required_argument, 0, O_MEMORY },
		{ "memory-reservation", required_argument, 0, O_MEMORY_RES },
		{ "memory-swap", required_argument, 0, O_MEMORY_SWAP },
		{ "pids-limit", required_argument, 0, O_PIDS },
		{ "l3-cache-schema", required_argument, 0, O_L3 },
		{ "mem-bw-schema", required_argument, 0, O_MBW },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct flag { int opt; const char *val; } flags[64];
	size_t n_flags = 0;
	const char *resources = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			return 0;
		} else if (c == 'r') {
			resources = optarg;
		} else if (c >= O_BLKIO_WEIGHT && n_flags < 64) {
			flags[n_flags++] = (struct flag){ c, optarg };
		} else {
			return 1;
		}
	}
	if (want_args(g, argv[0], argc - optind, 1, 1))
		return 1;
	struct hull_err *err = NULL;
	struct spec *from_file = NULL;
	struct spec_resources flag_res = { 0 };
	struct spec_resources *r = &flag_res;
	if (resources) {
		if (!(from_file = load_resources(resources, &err)))
			return cli_fail(g, err);
		if (from_file->linux_)
			r = &from_file->linux_->resources;
	}
	int ret = 0;
	char *cpus_before = r->cpu.cpus, *mems_before = r->cpu.mems;
	for (size_t i = 0; i < n_flags && ret == 0; i++)
		ret = apply_flag(flags[i].opt, flags[i].val, r, &err);
	_cleanup_container_ struct container *ct = ret == 0 ? container_open(g->root, argv[optind], true, &err) : NULL;
	if (ret == 0 && !ct)
		ret = -1;
	if (ret == 0) {
		enum container_status s = container_status(ct);
		if (s == STATUS_STOPPED)
			ret = rt_err(&err, EINVAL, "container not running");
		else if (!ct->st.cgroup_path)
			ret = rt_err(&err, ENOENT, "container %s has no cgroup", ct->st.id);
	}
	if (ret == 0) {
		struct cgroup *cg = cgroup_open(NULL, ct->st.cgroup_path, false, &err);
		if (!cg)
			ret = -1;
		else
			ret = cgroup_apply(cg, r, true, &err);
		cgroup_free(cg);
	}
	r->cpu.cpus = cpus_before;
	r->cpu.mems = mems_before;
	spec_free(from_file);
	return ret < 0 ? cli_fail(g, err) : 0;
}
