/* devices_bpf.h — the cgroup v2 device filter: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE built
 * from OCI device rules (raw instructions, no libbpf), loaded and attached with BPF_CGROUP_DEVICE.
 *
 * Semantics are v1's devices.allow/deny applied in order: the last rule that matches a request decides.
 * An allow rule matches when every requested access is in the rule's access; a deny rule when any is.
 * A type 'a' rule matches every device and access (as "a" in devices.allow). No rule matching = deny.
 * This module builds and attaches programs; it never decides which devices a container should get.
 */
#ifndef HULL_CGROUP_DEVICES_BPF_H
#define HULL_CGROUP_DEVICES_BPF_H

#include <linux/bpf.h>
#include <stddef.h>
#include "oci/spec.h"

/* Build the program. Caller frees the array. */
struct bpf_insn *cg_devices_bpf_build(const struct spec_device_cgroup *rules, size_t n, size_t *n_insn);
/* BPF_PROG_LOAD; returns the program fd. On failure the verifier log is in the message. */
int cg_devices_bpf_load(const struct bpf_insn *insns, size_t n, struct hull_err **err);
/* Attach prog_fd to the cgroup (BPF_F_ALLOW_MULTI), then detach every device program attached before,
 * so the cgroup is never without a filter while being updated. */
int cg_devices_bpf_attach(int cgroup_fd, int prog_fd, struct hull_err **err);

#endif
