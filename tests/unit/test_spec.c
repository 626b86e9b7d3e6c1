/* test_spec.c — config.json parsing: valid configs field by field, warnings, the default spec (against
 * runc's), writing it, and the features document. Bad input: test_spec_errors.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci/spec.h"
#include "oci/tables.h"
#include "util/fs.h"
#include "test_spec_util.h"

/* ---- valid configs ---- */

static void test_runc_default(void **state)
{
	struct spec *s = parse_fixture("runc-default.json");
	assert_string_equal(s->oci_version, "1.0.2-dev");
	assert_string_equal(s->root_path, "rootfs");
	assert_true(s->root_readonly);
	assert_string_equal(s->hostname, "runc");
	assert_null(s->domainname);
	struct spec_process *p = s->process;
	assert_non_null(p);
	assert_true(p->terminal);
	assert_false(p->has_console_size);
	assert_int_equal(p->user.uid, 0);
	assert_int_equal(p->user.gid, 0);
	assert_false(p->user.has_umask);
	assert_int_equal(p->n_args, 1);
	assert_string_equal(p->args[0], "sh");
	assert_null(p->args[1]); /* NULL-terminated for execve */
	assert_int_equal(p->n_env, 2);
	assert_string_equal(p->env[1], "TERM=xterm");
	assert_string_equal(p->cwd, "/");
	assert_true(p->has_caps);
	uint64_t three = (1ULL << 29) | (1ULL << 5) | (1ULL << 10); /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
	assert_true(p->caps.has_bounding && p->caps.has_effective && p->caps.has_permitted && p->caps.has_ambient);
	assert_false(p->caps.has_inheritable);
	assert_int_equal(p->caps.bounding, three);
	assert_int_equal(p->caps.effective, three);
	assert_int_equal(p->caps.permitted, three);
	assert_int_equal(p->caps.ambient, three);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->n_rlimits, 1);
	assert_int_equal(p->rlimits[0].type, RLIMIT_NOFILE);
	assert_string_equal(p->rlimits[0].name, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 1024);
	assert_true(p->no_new_privileges);
	assert_false(p->has_oom_score_adj);

	assert_int_equal(s->n_mounts, 7);
	assert_string_equal(s->mounts[0].destination, "/proc");
	assert_string_equal(s->mounts[0].type, "proc");
	assert_string_equal(s->mounts[0].source, "proc");
	assert_int_equal(s->mounts[0].n_options, 0);
	assert_null(s->mounts[0].data);
	assert_string_equal(s->mounts[1].destination, "/dev");
	assert_int_equal(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(s->mounts[1].data, "mode=755,size=65536k");
	assert_int_equal(s->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
	assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal(s->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	assert_null(s->mounts[5].data);
	assert_int_equal(s->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);

	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		assert_int_equal(s->n_hooks[k], 0);
	assert_int_equal(s->n_annotations, 0);

	struct spec_linux *l = s->linux_;
	assert_non_null(l);
	assert_int_equal(l->n_namespaces, 5);
	assert_int_equal(l->namespaces[0].type, NS_PID);
	assert_int_equal(l->namespaces[1].type, NS_NETWORK);
	assert_int_equal(l->namespaces[2].type, NS_IPC);
	assert_int_equal(l->namespaces[3].type, NS_UTS);
	assert_int_equal(l->namespaces[4].type, NS_MOUNT);
	assert_null(l->namespaces[4].path);
	assert_non_null(spec_find_namespace(s, NS_UTS));
	assert_null(spec_find_namespace(s, NS_USER));
	assert_true(l->has_resources);
	assert_int_equal(l->resources.n_devices, 1);
	assert_false(l->resources.devices[0].allow);
	assert_int_equal(l->resources.devices[0].type, 'a');
	assert_false(l->resources.devices[0].has_major);
	assert_string_equal(l->resources.devices[0].access, "rwm");
	assert_false(l->resources.has_memory);
	assert_int_equal(l->n_masked_paths, 10);
	assert_string_equal(l->masked_paths[9], "/proc/scsi");
	assert_int_equal(l->n_readonly_paths, 5);
	assert_string_equal(l->readonly_paths[4], "/proc/sysrq-trigger");
	assert_null(l->seccomp);
	assert_null(l->cgroups_path);
	assert_false(l->has_personality);
	spec_free(s);
}

static void test_runc_rootless(void **state)
{
	struct spec *s = parse_fixture("runc-rootless.json");
	struct spec_linux *l = s->linux_;
	assert_non_null(spec_find_namespace(s, NS_USER));
	assert_null(spec_find_namespace(s, NS_NETWORK));
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].container_id, 0);
	assert_int_equal(l->uid_mappings[0].size, 1);
	assert_int_equal(l->n_gid_mappings, 1);
	struct spec_mount *sys = &s->mounts[5];
	assert_string_equal(sys->destination, "/sys");
	assert_true(sys->rbind);
	assert_false(sys->bind);
	assert_int_equal(sys->flags, MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	assert_false(l->has_resources);
	spec_free(s);
}

/* A document the caller generated (the engine's): the same spec as from its text; the caller's
 * reference survives spec_free, and errors still name the JSON path. */
static size_t parse_fixture_n_mounts(const char *name)
{
	struct spec *s = parse_fixture(name);
	size_t n = s->n_mounts;
	spec_free(s);
	return n;
}

static void test_parse_doc(void **state)
{
	size_t len;
	char *text = fixture("runc-default.json", &len);
	json_t *doc = json_loadb(text, len, 0, NULL);
	free(text);
	assert_non_null(doc);
	struct spec *s = spec_parse_doc(doc, "config.json", NULL);
	assert_non_null(s);
	assert_string_equal(s->hostname, "runc");
	assert_int_equal(s->n_mounts, parse_fixture_n_mounts("runc-default.json"));
	spec_free(s);
	assert_int_equal(doc->refcount, 1);
	json_object_set_new(json_object_get(doc, "process"), "cwd", json_string("relative"));
	struct hull_err *err = NULL;
	assert_null(spec_parse_doc(doc, "config.json", &err));
	assert_non_null(strstr(err->msg, "process.cwd"));
	hull_err_free(err);
	assert_int_equal(doc->refcount, 1);
	json_decref(doc);
}

static void test_full(void **state)
{
	struct spec *s = parse_fixture("full.json");
	assert_string_equal(s->root_path, "/var/lib/hull/rootfs");
	assert_string_equal(s->hostname, "full-host");
	assert_string_equal(s->domainname, "example.org");

	struct spec_process *p = s->process;
	assert_true(p->has_console_size);
	assert_int_equal(p->console_size.height, 24);
	assert_int_equal(p->console_size.width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[2], 4294967295u);
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "echo hi");
	assert_string_equal(p->cwd, "/home/user");
	assert_int_equal(p->caps.bounding, (1ULL << 0) | (1ULL << 5) | (1ULL << 40));
	assert_true(p->caps.has_inheritable);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.permitted, (1ULL << 5) | (1ULL << 13));
	assert_int_equal(p->caps.ambient, 1ULL << 10);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 4096);
	assert_int_equal(p->rlimits[1].type, RLIMIT_CORE);
	assert_true(p->rlimits[1].soft == UINT64_MAX);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	assert_string_equal(p->apparmor_profile, "hull-default");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
	assert_true(p->has_scheduler);
	assert_string_equal(p->scheduler.policy, "SCHED_FIFO");
	assert_int_equal(p->scheduler.policy_num, SCHED_FIFO);
	assert_int_equal(p->scheduler.priority, 10);
	assert_int_equal(p->scheduler.flags, 0x01 | 0x40);
	assert_true(p->has_io_priority);
	assert_int_equal(p->io_priority.class, 2 /* IOPRIO_CLASS_BE */);
	assert_int_equal(p->io_priority.priority, 4);
	assert_true(p->has_exec_cpu_affinity);
	assert_string_equal(p->exec_cpu_affinity.initial, "0-1,3");
	assert_string_equal(p->exec_cpu_affinity.final, "2");

	assert_int_equal(s->n_mounts, 5);
	struct spec_mount *m = &s->mounts[2];
	assert_string_equal(m->destination, "/data"); /* relative: taken from "/" */
	assert_true(m->rbind);
	/* "ro" then "rw": rw wins and is recorded as a flag to clear. */
	assert_int_equal(m->flags, MS_BIND | MS_REC | MS_NODEV | MS_NOEXEC);
	assert_int_equal(m->clear_flags, MS_RDONLY);
	assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
	assert_true(m->attr_recursive);
	assert_int_equal(m->attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_RELATIME);
	assert_int_equal(m->attr_clr, MOUNT_ATTR__ATIME);
	assert_string_equal(m->data, "custom=1,uid=5");
	m = &s->mounts[3];
	assert_true(m->bind);
	assert_true(m->ridmap);
	assert_false(m->idmap);
	assert_int_equal(m->attr_set, MOUNT_ATTR_NOATIME);
	assert_int_equal(m->n_uid_mappings, 1);
	assert_int_equal(m->uid_mappings[0].host_id, 100000);
	assert_int_equal(m->uid_mappings[0].size, 65536);
	assert_int_equal(m->gid_mappings[0].host_id, 200000);
	m = &s->mounts[4];
	assert_true(m->tmpcopyup);
	assert_int_equal(m->propagation, MS_SLAVE); /* the last propagation option wins */
	assert_int_equal(m->flags, MS_MANDLOCK | MS_LAZYTIME | MS_SILENT | MS_I_VERSION | MS_NOSYMFOLLOW | MS_DIRSYNC | MS_REMOUNT);
	assert_int_equal(m->clear_flags, MS_SYNCHRONOUS);
	assert_null(m->data);
	assert_false(m->attr_recursive);

	assert_int_equal(s->n_hooks[HOOK_PRESTART], 1);
	assert_string_equal(s->hooks[HOOK_PRESTART][0].path, "/usr/bin/pre");
	assert_int_equal(s->hooks[HOOK_PRESTART][0].n_args, 2);
	assert_string_equal(s->hooks[HOOK_PRESTART][0].env[0], "X=1");
	assert_true(s->hooks[HOOK_PRESTART][0].has_timeout);
	assert_int_equal(s->hooks[HOOK_PRESTART][0].timeout, 5);
	assert_int_equal(s->n_hooks[HOOK_CREATE_RUNTIME], 2);
	assert_false(s->hooks[HOOK_CREATE_RUNTIME][0].has_timeout);
	assert_string_equal(s->hooks[HOOK_CREATE_RUNTIME][1].path, "/usr/bin/cr2");
	assert_int_equal(s->n_hooks[HOOK_CREATE_CONTAINER], 1);
	assert_int_equal(s->n_hooks[HOOK_START_CONTAINER], 1);
	assert_int_equal(s->n_hooks[HOOK_POSTSTART], 1);
	assert_int_equal(s->n_hooks[HOOK_POSTSTOP], 1);
	assert_string_equal(s->hooks[HOOK_POSTSTOP][0].args[0], "stop");

	assert_int_equal(s->n_annotations, 3);
	assert_string_equal(s->annotations[0].key, "com.example.key");
	assert_string_equal(s->annotations[0].value, "value");
	assert_string_equal(s->annotations[2].value, "");

	struct spec_linux *l = s->linux_;
	assert_int_equal(l->n_namespaces, 8);
	assert_int_equal(l->namespaces[7].type, NS_TIME);
	assert_string_equal(spec_find_namespace(s, NS_NETWORK)->path, "/var/run/netns/hull-test");
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->n_gid_mappings, 2);
	assert_int_equal(l->gid_mappings[1].container_id, 65536);
	assert_int_equal(l->gid_mappings[1].host_id, 300000);
	assert_true(l->time_offsets.has_monotonic);
	assert_int_equal(l->time_offsets.monotonic.secs, -3600);
	assert_int_equal(l->time_offsets.monotonic.nanosecs, 500);
	assert_true(l->time_offsets.has_boottime);
	assert_int_equal(l->time_offsets.boottime.secs, 86400);
	assert_int_equal(l->n_devices, 3);
	assert_string_equal(l->devices[0].path, "/dev/fuse");
	assert_int_equal(l->devices[0].type, 'c');
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_true(l->devices[0].has_uid && l->devices[0].has_gid);
	assert_int_equal(l->devices[1].type, 'b');
	assert_false(l->devices[1].has_file_mode);
	assert_int_equal(l->devices[2].type, 'p');
	assert_string_equal(l->cgroups_path, "/hulltest/full");

	struct spec_resources *r = &l->resources;
	assert_int_equal(r->n_devices, 3);
	assert_true(r->devices[1].allow);
	assert_int_equal(r->devices[1].type, 'c');
	assert_true(r->devices[1].has_major && r->devices[1].has_minor);
	assert_int_equal(r->devices[1].minor, 229);
	assert_true(r->devices[2].has_major);
	assert_false(r->devices[2].has_minor);
	assert_true(r->has_memory);
	assert_int_equal(r->memory.limit, 536870912);
	assert_int_equal(r->memory.reservation, 268435456);
	assert_int_equal(r->memory.swap, 1073741824);
	assert_int_equal(r->memory.kernel, -1);
	assert_int_equal(r->memory.kernel_tcp, 1048576);
	assert_true(r->memory.has_swappiness);
	assert_int_equal(r->memory.swappiness, 60);
	assert_true(r->memory.has_disable_oom_killer && r->memory.disable_oom_killer);
	assert_true(r->memory.has_use_hierarchy);
	assert_false(r->memory.use_hierarchy);
	assert_true(r->memory.check_before_update);
	assert_true(r->has_cpu);
	assert_int_equal(r->cpu.shares, 1024);
	assert_int_equal(r->cpu.quota, 100000);
	assert_int_equal(r->cpu.burst, 50000);
	assert_int_equal(r->cpu.period, 100000);
	assert_int_equal(r->cpu.realtime_runtime, 950000);
	assert_int_equal(r->cpu.realtime_period, 1000000);
	assert_string_equal(r->cpu.cpus, "0-1");
	assert_string_equal(r->cpu.mems, "0");
	assert_true(r->cpu.has_idle);
	assert_int_equal(r->cpu.idle, 1);
	assert_true(r->has_pids && r->pids.has_limit);
	assert_int_equal(r->pids.limit, 32771);
	assert_true(r->has_block_io);
	assert_int_equal(r->block_io.weight, 500);
	assert_int_equal(r->block_io.leaf_weight, 300);
	assert_int_equal(r->block_io.n_weight_device, 2);
	assert_true(r->block_io.weight_device[0].has_weight);
	assert_false(r->block_io.weight_device[0].has_leaf_weight);
	assert_int_equal(r->block_io.weight_device[1].leaf_weight, 200);
	assert_int_equal(r->block_io.throttle_read_bps[0].rate, 600);
	assert_int_equal(r->block_io.throttle_write_bps[0].rate, 700);
	assert_int_equal(r->block_io.throttle_read_iops[0].rate, 800);
	assert_int_equal(r->block_io.n_throttle_write_iops, 2);
	assert_int_equal(r->block_io.throttle_write_iops[1].minor, 32);
	assert_int_equal(r->n_hugepage_limits, 2);
	assert_string_equal(r->hugepage_limits[1].page_size, "1GB");
	assert_int_equal(r->hugepage_limits[0].limit, 209715200);
	assert_true(r->has_network && r->network.has_class_id);
	assert_int_equal(r->network.class_id, 1048577);
	assert_int_equal(r->network.n_priorities, 2);
	assert_string_equal(r->network.priorities[1].name, "eth1");
	assert_int_equal(r->network.priorities[1].priority, 1000);
	assert_int_equal(r->n_rdma, 2);
	assert_string_equal(r->rdma[0].device, "mlx5_1");
	assert_int_equal(r->rdma[0].hca_handles, 3);
	assert_false(r->rdma[1].has_handles);
	assert_int_equal(r->rdma[1].hca_objects, 1000);
	assert_int_equal(r->n_unified, 2);
	assert_string_equal(r->unified[0].key, "io.max");
	assert_string_equal(r->unified[0].value, "8:0 rbps=1024");

	assert_string_equal(l->rootfs_propagation, "slave");
	assert_int_equal(l->rootfs_propagation_flags, MS_SLAVE | MS_REC);
	assert_int_equal(l->n_sysctl, 2);
	assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");

	struct spec_seccomp *sc = l->seccomp;
	assert_non_null(sc);
	assert_int_equal(sc->default_action, SCMP_ACT_ERRNO(0));
	assert_true(sc->has_default_errno_ret);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->n_architectures, 3);
	assert_int_equal(sc->architectures[0], SCMP_ARCH_X86_64);
	assert_int_equal(sc->architectures[2], SCMP_ARCH_X32);
	assert_int_equal(sc->n_flags, 2);
	assert_true(sc->has_flags);
	assert_int_equal(sc->flag_bits, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	assert_string_equal(sc->listener_path, "/run/hull-test/seccomp.sock");
	assert_string_equal(sc->listener_metadata, "meta");
	assert_int_equal(sc->n_syscalls, 10);
	assert_int_equal(sc->syscalls[0].n_names, 2);
	assert_string_equal(sc->syscalls[0].names[1], "write");
	assert_int_equal(sc->syscalls[0].action, SCMP_ACT_ALLOW);
	assert_int_equal(sc->syscalls[1].n_args, 2);
	assert_int_equal(sc->syscalls[1].args[0].op, SCMP_CMP_EQ);
	assert_int_equal(sc->syscalls[1].args[0].value, 8);
	assert_int_equal(sc->syscalls[1].args[1].index, 5);
	assert_true(sc->syscalls[1].args[1].value == UINT64_MAX);
	assert_int_equal(sc->syscalls[1].args[1].value_two, 255);
	assert_int_equal(sc->syscalls[1].args[1].op, SCMP_CMP_MASKED_EQ);
	assert_int_equal(sc->syscalls[2].action, SCMP_ACT_ERRNO(0));
	assert_true(sc->syscalls[2].has_errno_ret);
	assert_int_equal(sc->syscalls[2].errno_ret, 1);
	assert_int_equal(sc->syscalls[3].action, SCMP_ACT_TRACE(0));
	assert_int_equal(sc->syscalls[3].errno_ret, 7);
	assert_int_equal(sc->syscalls[4].action, SCMP_ACT_NOTIFY);
	assert_int_equal(sc->syscalls[5].action, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(sc->syscalls[6].action, SCMP_ACT_LOG);
	assert_int_equal(sc->syscalls[7].action, SCMP_ACT_TRAP);
	assert_int_equal(sc->syscalls[8].action, SCMP_ACT_KILL_THREAD);
	assert_int_equal(sc->syscalls[9].action, SCMP_ACT_KILL);
	assert_non_null(sc->raw_json);
	assert_non_null(strstr(sc->raw_json, "{\"architectures\":[\"SCMP_ARCH_X86_64\""));

	assert_int_equal(l->n_masked_paths, 2);
	assert_int_equal(l->n_readonly_paths, 2);
	assert_string_equal(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
	assert_true(l->has_personality);
	assert_string_equal(l->personality.domain, "LINUX32");
	assert_int_equal(l->personality.domain_num, PER_LINUX32);
	assert_true(l->has_intel_rdt);
	assert_string_equal(l->intel_rdt_clos_id, "guaranteed_group");
	assert_string_equal(l->intel_rdt_l3_cache_schema, "L3:0=7f0;1=1f");
	assert_string_equal(l->intel_rdt_mem_bw_schema, "MB:0=20;1=70");
	assert_int_equal(l->n_intel_rdt_schemata, 1);
	assert_true(l->intel_rdt_enable_monitoring);
	assert_true(l->has_memory_policy);
	assert_int_equal(l->memory_policy.mode_num, 3 /* MPOL_INTERLEAVE */);
	assert_string_equal(l->memory_policy.nodes, "0-3,7");
	assert_int_equal(l->memory_policy.flags, 1 << 15);
	assert_int_equal(l->n_net_devices, 2);
	assert_string_equal(l->net_devices[0].host_name, "eth1");
	assert_string_equal(l->net_devices[0].name, "net0");
	assert_null(l->net_devices[1].name);
	spec_free(s);
}

/* What podman 4 hands its runtime (captured with a stand-in runtime: podman --runtime X run --memory 64m
 * --pids-limit 50 --cpus 0.5 --cap-add SYS_PTRACE --ulimit nofile=1000:2000 --sysctl ... --read-only
 * --tmpfs /scratch:size=1m --security-opt no-new-privileges --rootfs DIR; seccomp rules trimmed to 4). */
static void test_podman_config(void **state)
{
	struct spec *s = parse_fixture("podman-run.json");
	assert_string_equal(s->oci_version, "1.0.2-dev");
	assert_string_equal(s->hostname, "hullprobe");
	assert_true(s->root_readonly);
	struct spec_process *p = s->process;
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_true(p->no_new_privileges);
	assert_true(p->caps.bounding & (1ULL << 19)); /* CAP_SYS_PTRACE */
	assert_false(p->caps.has_ambient);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].type, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1000);
	assert_int_equal(p->rlimits[0].hard, 2000);
	assert_int_equal(s->n_mounts, 14);
	struct spec_mount *scratch = &s->mounts[2];
	assert_string_equal(scratch->destination, "/scratch");
	assert_true(scratch->tmpcopyup);
	assert_int_equal(scratch->flags, MS_NOSUID | MS_NODEV);
	assert_int_equal(scratch->clear_flags, MS_RDONLY);
	assert_int_equal(scratch->propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(scratch->data, "size=1m");
	struct spec_mount *hosts = &s->mounts[11];
	assert_string_equal(hosts->destination, "/etc/hosts");
	assert_true(hosts->bind);
	assert_int_equal(hosts->flags, MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV);
	assert_null(hosts->data);
	struct spec_linux *l = s->linux_;
	assert_non_null(spec_find_namespace(s, NS_NETWORK)->path);
	assert_int_equal(l->n_sysctl, 2);
	struct spec_resources *r = &l->resources;
	assert_int_equal(r->memory.limit, 64 << 20);
	assert_int_equal(r->memory.swap, 128 << 20);
	assert_int_equal(r->cpu.quota, 50000);
	assert_int_equal(r->cpu.period, 100000);
	assert_int_equal(r->pids.limit, 50);
	assert_non_null(l->cgroups_path);
	assert_int_equal(l->seccomp->default_action, SCMP_ACT_ERRNO(0));
	assert_int_equal(l->seccomp->default_errno_ret, 38);
	assert_int_equal(l->seccomp->n_architectures, 3);
	assert_int_equal(l->seccomp->syscalls[0].errno_ret, 1);
	assert_int_equal(l->seccomp->syscalls[2].args[0].op, SCMP_CMP_EQ);
	assert_int_equal(l->n_masked_paths, 11);
	assert_int_equal(s->n_annotations, 8);
	assert_int_equal(s->n_warnings, 0);
	spec_free(s);
}

/* The BPF cache key must not depend on key order or white space. */
static void test_seccomp_raw_json_canonical(void **state)
{
	struct spec *a = parse_ok(HEAD PROC ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				  "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}");
	struct spec *b = parse_ok(HEAD PROC ",\"linux\":{\"seccomp\":{ \"syscalls\" : [ {\"action\":\"SCMP_ACT_ERRNO\","
				  " \"names\":[\"mkdir\"]} ],\n\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}");
	assert_string_equal(a->linux_->seccomp->raw_json, b->linux_->seccomp->raw_json);
	assert_false(a->linux_->seccomp->has_flags); /* absent: the seccomp module applies runc's default */
	assert_string_equal(a->linux_->seccomp->raw_json,
			    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\",\"names\":[\"mkdir\"]}]}");
	spec_free(a);
	spec_free(b);
}

static void test_minimal_and_nulls(void **state)
{
	/* null is absent (Go writers); unknown fields are ignored (config.md, Extensibility). */
	struct spec *s = parse_ok("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"hostname\":null,\"mounts\":null,"
				  "\"x-new-field\":[1,2],\"linux\":{\"namespaces\":null,\"resources\":{\"memory\":null}}}");
	assert_null(s->process);
	assert_null(s->hostname);
	assert_int_equal(s->n_mounts, 0);
	assert_non_null(s->linux_);
	assert_true(s->linux_->has_resources);
	assert_false(s->linux_->resources.has_memory);
	spec_free(s);
	/* "" for an optional string is absent, as runc reads it: a new namespace, no cgroupsPath. */
	s = parse_ok(HEAD PROC ",\"hostname\":\"\",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"\"}],"
		     "\"cgroupsPath\":\"\",\"rootfsPropagation\":\"\",\"mountLabel\":\"\"}}");
	assert_null(s->hostname);
	assert_null(s->linux_->namespaces[0].path);
	assert_null(s->linux_->cgroups_path);
	assert_null(s->linux_->rootfs_propagation);
	assert_int_equal(s->linux_->rootfs_propagation_flags, 0);
	assert_null(s->linux_->mount_label);
	spec_free(s);
}

static void test_mount_data_join(void **state)
{
	struct spec *s = parse_ok(HEAD PROC ",\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"\",\"size=1m\",\"\",\"ro\",\"mode=700\"]},"
				  "{\"destination\":\"/u\",\"type\":\"tmpfs\",\"options\":[\"\"]}]}");
	assert_string_equal(s->mounts[0].data, "size=1m,mode=700");
	assert_int_equal(s->mounts[0].flags, MS_RDONLY);
	assert_null(s->mounts[1].data);
	spec_free(s);
}

static void test_versions_accepted(void **state)
{
	const char *ok[] = { "1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0", "1.2.1", "1.3.0-rc.1", "1.3.0+dev" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\"}}", ok[i]);
		spec_free(parse_ok(buf));
	}
}

static void test_process_json(void **state)
{
	const char *text = "{\"terminal\":false,\"user\":{\"uid\":5,\"gid\":6},\"args\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\","
			   "\"env\":[\"A=b\"],\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}}";
	struct hull_err *err = NULL;
	struct spec_process *p = spec_parse_process(text, strlen(text), "process.json", &err);
	assert_non_null(p);
	assert_int_equal(p->user.uid, 5);
	assert_int_equal(p->n_args, 2);
	assert_int_equal(p->caps.bounding, 1ULL << 21);
	spec_process_free(p);
	const char *bad = "{\"args\":[\"ls\"],\"cwd\":\"tmp\"}";
	p = spec_parse_process(bad, strlen(bad), "process.json", &err);
	assert_null(p);
	assert_string_equal(err->msg, "process.json: cwd: \"tmp\" is not an absolute path");
	hull_err_free(err);
}

static void test_load_bundle(void **state)
{
	char dir[] = "/tmp/hull-oci-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct hull_err *err = NULL;
	assert_null(spec_load_bundle(dir, &err));
	assert_non_null(strstr(err->msg, "config.json"));
	hull_err_free(err);
	err = NULL;
	char path[512];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	fputs(MIN, f);
	fclose(f);
	struct spec *s = spec_load_bundle(dir, &err);
	assert_non_null(s);
	assert_string_equal(s->process->args[0], "sh");
	spec_free(s);
	unlink(path);
	rmdir(dir);
}

/* config.md 1.1+: unknown capabilities MUST be logged as warnings and SHOULD NOT fail: kept as warnings.
 * (1.0.x configs: an error, see test_err_capability.) */
static void test_unknown_capability_warns(void **state)
{
	struct spec *s = parse_ok(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":"
				  "[\"CAP_KILL\",\"CAP_FOO\"],\"effective\":[\"CAP_BAR\"]}}}");
	assert_int_equal(s->process->caps.bounding, 1ULL << 5);
	assert_int_equal(s->process->caps.effective, 0);
	assert_true(s->process->caps.has_effective);
	assert_int_equal(s->n_warnings, 2);
	assert_string_equal(s->warnings[0], "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\" (ignored)");
	assert_string_equal(s->warnings[1], "config.json: process.capabilities.effective[0]: unknown capability \"CAP_BAR\" (ignored)");
	assert_null(s->warnings[2]);
	spec_free(s);
	const char *text = "{\"args\":[\"ls\"],\"cwd\":\"/\",\"capabilities\":{\"ambient\":[\"CAP_NOPE\"]}}";
	struct hull_err *err = NULL;
	struct spec_process *p = spec_parse_process(text, strlen(text), "process.json", &err);
	assert_non_null(p);
	assert_int_equal(p->n_warnings, 1);
	assert_string_equal(p->warnings[0], "process.json: capabilities.ambient[0]: unknown capability \"CAP_NOPE\" (ignored)");
	spec_process_free(p);
}

/* ---- default spec and features ---- */

static void test_default_spec_parses_back(void **state)
{
	for (int rootless = 0; rootless <= 1; rootless++) {
		char *text = spec_default_json(rootless);
		struct spec *s = parse_ok(text);
		assert_string_equal(s->oci_version, "1.2.0");
		assert_string_equal(s->root_path, "rootfs");
		assert_true(s->root_readonly);
		assert_int_equal(s->n_mounts, 7);
		assert_int_equal(s->process->caps.bounding, (1ULL << 29) | (1ULL << 5) | (1ULL << 10));
		assert_int_equal(s->linux_->n_masked_paths, 10);
		assert_int_equal(s->linux_->n_readonly_paths, 5);
		assert_int_equal(spec_find_namespace(s, NS_USER) != NULL, rootless);
		assert_int_equal(spec_find_namespace(s, NS_NETWORK) == NULL, rootless);
		if (rootless) {
			assert_int_equal(s->linux_->uid_mappings[0].host_id, geteuid());
			assert_true(s->mounts[5].rbind);
		}
		spec_free(s);
		free(text);
	}
}

/* Same document as `runc spec` (runc 1.1 here), apart from ociVersion and hostname. */
static void test_default_spec_matches_runc(void **state)
{
	const char *names[] = { "runc-default.json", "runc-rootless.json" };
	for (int rootless = 0; rootless <= 1; rootless++) {
		size_t len;
		char *ref_text = fixture(names[rootless], &len);
		json_t *ref = json_loads(ref_text, 0, NULL);
		char *ours_text = spec_default_json(rootless);
		json_t *ours = json_loads(ours_text, 0, NULL);
		assert_non_null(ref);
		assert_non_null(ours);
		/* The fixtures were made as root: rootless ids are the euid's, 0 there. */
		if (rootless && geteuid() != 0)
			skip();
		json_object_set_new(ref, "ociVersion", json_string("1.2.0"));
		json_object_set_new(ref, "hostname", json_string("hull"));
		if (!json_equal(ref, ours)) {
			char *a = json_dumps(ref, JSON_SORT_KEYS | JSON_INDENT(1)), *b = json_dumps(ours, JSON_SORT_KEYS | JSON_INDENT(1));
			fail_msg("differs from %s:\n%s\n---\n%s", names[rootless], a, b);
		}
		json_decref(ref);
		json_decref(ours);
		free(ref_text);
		free(ours_text);
	}
}

/* `hullrt spec`: writes config.json once, whole, and refuses to overwrite it (runc's message). */
static void test_write_default(void **state)
{
	char dir[] = "/tmp/hull-oci-spec-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct hull_err *err = NULL;
	assert_int_equal(spec_write_default(dfd, true, &err), 0);
	size_t len;
	char *written = fs_read_file_at(dfd, "config.json", &len, &err);
	assert_non_null(written);
	char *want = spec_default_json(true);
	assert_string_equal(written, want);
	assert_int_equal(spec_write_default(dfd, false, &err), -1);
	assert_string_equal(err->msg, "File config.json exists. Remove it first");
	hull_err_free(err);
	err = NULL;
	/* The refused write changed nothing and left no temporary file behind. */
	free(written);
	written = fs_read_file_at(dfd, "config.json", &len, &err);
	assert_string_equal(written, want);
	DIR *d = fdopendir(dup(dfd));
	int entries = 0;
	for (struct dirent *de; (de = readdir(d));)
		entries += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 1);
	free(written);
	free(want);
	unlinkat(dfd, "config.json", 0);
	close(dfd);
	rmdir(dir);
}

static void assert_has(json_t *arr, const char *s)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return;
	fail_msg("missing %s", s);
}

static void assert_sorted(json_t *arr)
{
	for (size_t i = 1; i < json_array_size(arr); i++)
		assert_true(strcmp(json_string_value(json_array_get(arr, i - 1)), json_string_value(json_array_get(arr, i))) < 0);
}

static void test_features_shape(void **state)
{
	char *text = oci_features_json("9.9.9");
	json_error_t je;
	json_t *f = json_loads(text, 0, &je);
	assert_non_null(f);
	assert_string_equal(json_string_value(json_object_get(f, "ociVersionMin")), "1.0.0");
	assert_string_equal(json_string_value(json_object_get(f, "ociVersionMax")), OCI_VERSION_MAX);
	json_t *hooks = json_object_get(f, "hooks");
	assert_int_equal(json_array_size(hooks), HOOK_KIND_COUNT);
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		assert_string_equal(json_string_value(json_array_get(hooks, k)), spec_hook_kind_names[k]);
	json_t *mo = json_object_get(f, "mountOptions");
	assert_int_equal(json_array_size(mo), oci_n_mount_options);
	assert_sorted(mo);
	const char *must[] = { "rro", "rnosymfollow", "idmap", "ridmap", "tmpcopyup", "runbindable", "nosymfollow", "bind" };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_has(mo, must[i]);
	/* Every option features advertises is one the parser decodes (none falls into `data`). */
	for (size_t i = 0; i < json_array_size(mo); i++)
		assert_non_null(oci_mountopt_lookup(json_string_value(json_array_get(mo, i))));
	json_t *lx = json_object_get(f, "linux");
	json_t *ns = json_object_get(lx, "namespaces");
	assert_int_equal(json_array_size(ns), NS_TYPE_COUNT);
	assert_sorted(ns);
	assert_has(ns, "time");
	json_t *caps = json_object_get(lx, "capabilities");
	assert_int_equal(json_array_size(caps), 41);
	assert_string_equal(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN");
	assert_string_equal(json_string_value(json_array_get(caps, 40)), "CAP_CHECKPOINT_RESTORE");
	json_t *cg = json_object_get(lx, "cgroup");
	assert_true(json_is_true(json_object_get(cg, "v1")));
	assert_true(json_is_true(json_object_get(cg, "v2")));
	assert_true(json_is_false(json_object_get(cg, "systemd")));
	assert_true(json_is_false(json_object_get(cg, "systemdUser")));
	assert_true(json_is_true(json_object_get(cg, "rdma")));
	json_t *sc = json_object_get(lx, "seccomp");
	assert_true(json_is_true(json_object_get(sc, "enabled")));
	assert_int_equal(json_array_size(json_object_get(sc, "actions")), 9);
	assert_sorted(json_object_get(sc, "actions"));
	assert_int_equal(json_array_size(json_object_get(sc, "operators")), 7);
	json_t *archs = json_object_get(sc, "archs");
	assert_has(archs, "SCMP_ARCH_X86_64");
	assert_sorted(archs);
	assert_int_equal(json_array_size(json_object_get(sc, "knownFlags")), 4);
	assert_has(json_object_get(sc, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG");
	assert_true(json_is_false(json_object_get(json_object_get(lx, "apparmor"), "enabled")));
	assert_true(json_is_false(json_object_get(json_object_get(lx, "selinux"), "enabled")));
	assert_true(json_is_object(json_object_get(lx, "intelRdt")));
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(lx, "mountExtensions"), "idmap"), "enabled")));
	json_t *ann = json_object_get(f, "annotations");
	assert_string_equal(json_string_value(json_object_get(ann, "org.hull.version")), "9.9.9");
	assert_non_null(json_object_get(ann, "io.github.seccomp.libseccomp.version"));
	json_decref(f);
	free(text);
}

/* Every name the tables list parses, so what features says is what the parser takes. */
static void test_tables_all_parse(void **state)
{
	for (size_t i = 0; i < oci_n_rlimits; i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"%s\",\"soft\":1,\"hard\":1}]}}",
			 oci_rlimits[i].name);
		struct spec *s = parse_ok(buf);
		assert_int_equal(s->process->rlimits[0].type, oci_rlimits[i].value);
		spec_free(s);
	}
	for (int c = 0; c <= OCI_CAP_LAST; c++) {
		char buf[512];
		snprintf(buf, sizeof(buf), HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"effective\":[\"%s\"]}}}",
			 oci_capabilities[c]);
		struct spec *s = parse_ok(buf);
		assert_true(s->process->caps.effective == 1ULL << c);
		spec_free(s);
	}
	for (size_t i = 0; i < oci_n_seccomp_archs; i++) {
		if (!oci_seccomp_arch_supported(oci_seccomp_archs[i].value))
			continue;
		char buf[512];
		snprintf(buf, sizeof(buf), HEAD PROC ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"%s\"]}}}",
			 oci_seccomp_archs[i].name);
		spec_free(parse_ok(buf));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_default),
		cmocka_unit_test(test_runc_rootless),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_parse_doc),
		cmocka_unit_test(test_podman_config),
		cmocka_unit_test(test_seccomp_raw_json_canonical),
		cmocka_unit_test(test_minimal_and_nulls),
		cmocka_unit_test(test_mount_data_join),
		cmocka_unit_test(test_versions_accepted),
		cmocka_unit_test(test_process_json),
		cmocka_unit_test(test_load_bundle),
		cmocka_unit_test(test_unknown_capability_warns),
		cmocka_unit_test(test_default_spec_parses_back),
		cmocka_unit_test(test_default_spec_matches_runc),
		cmocka_unit_test(test_write_default),
		cmocka_unit_test(test_features_shape),
		cmocka_unit_test(test_tables_all_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
