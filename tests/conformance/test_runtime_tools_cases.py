"""Cases the OCI runtime-tools validation suite exercises where hullrt differed from runc or crun
(docs/conformance.md, section 1), restated as small tests of our own on the helper bundle. A test marked
xfail(strict) names its gap; it turns red when the gap is fixed, so the marker goes with the fix."""
import os

import pytest

import hullharness as hh


# With only SCMP_ARCH_X86_64 listed, runc 1.1.5 itself fails ("error closing exec fds: open /proc/self/fd:
# no such file or directory"); profiles list the three x86 ABIs, as runtime-tools' does.
ARCHS = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


def _seccomp(default, rules):
    return {"defaultAction": default, "architectures": ARCHS,
            "syscalls": [{"names": names, "action": action, **({"errnoRet": 1} if action == "SCMP_ACT_ERRNO" else {})}
                         for names, action in rules]}


UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"


def syscalls_before(number):
    """x86_64 syscall names numbered below `number`, from the kernel headers."""
    import re
    names = []
    with open(UNISTD) as f:
        for line in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
            if m and int(m.group(2)) < number:
                names.append(m.group(1))
    return names


@pytest.mark.skipif(not os.path.exists(UNISTD), reason="kernel headers (linux-libc-dev) not installed")
def test_allowlist_profile_older_than_openat2(rt, bundle):
    """G1: an allowlist profile written before clone3/close_range/openat2 existed (default SCMP_ACT_ERRNO,
    every syscall up to pidfd_open allowed: the shape of runtime-tools' default profile and of older engine
    profiles), installed early because noNewPrivileges is false. runc runs it."""
    bundle.process["noNewPrivileges"] = False
    bundle.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ARCHS,
                               "syscalls": [{"names": syscalls_before(435), "action": "SCMP_ACT_ALLOW"}]}
    r = rt.run(bundle)
    assert r.rc == 0, r.stderr
    assert hh.parse_last_json(r.stdout)["pid"] == 1


@pytest.mark.skipif(not os.path.exists(UNISTD), reason="kernel headers (linux-libc-dev) not installed")
def test_syscall_newer_than_the_profile_gets_enosys(rt, bundle):
    """runc's rule: a syscall numbered above every syscall the profile names answers ENOSYS, not the
    default action, so libc falls back (clone3 → clone); an older unnamed one keeps the default."""
    import errno
    bundle.process["args"] = ["/bin/sh", "-c", "/hull-helper syscall clone3; /hull-helper syscall syslog"]
    allowed = [n for n in syscalls_before(435) if n != "syslog"]
    bundle.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ARCHS,
                               "syscalls": [{"names": allowed, "action": "SCMP_ACT_ALLOW"}]}
    r = rt.run(bundle)
    import json
    got = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(got) == 2, (r.stdout, r.stderr)
    assert got[0]["errno"] == errno.ENOSYS, got[0]
    assert got[1]["errno"] == errno.EPERM, got[1]


def test_seccomp_denying_getcwd(runtime, bundle):
    """G1b: a profile that makes getcwd fail with EPERM: the container runs and its getcwd fails."""
    bundle.process["noNewPrivileges"] = False
    bundle.linux["seccomp"] = _seccomp("SCMP_ACT_ALLOW", [(["getcwd"], "SCMP_ACT_ERRNO")])
    r = runtime.run(bundle)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["cwd"] is None, f


def test_no_mount_namespace(rt, make_bundle):
    """G2 (config-linux.md#namespaces: a type not listed is inherited from the runtime): no "mount" entry.
    runc runs the container in the runtime's mount namespace."""
    b = make_bundle()
    b.remove_namespace("mount")
    # Only /proc: runc mounts it in the host's namespace, under the bundle (the bundle's cleanup unmounts
    # it); hullrt never touches the host's mount table (test_no_mount_namespace_leaves_host_mounts_alone).
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] == "/proc"]
    b.linux.pop("maskedPaths", None)
    b.linux.pop("readonlyPaths", None)
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert str(os.stat("/proc/self/ns/mnt").st_ino) in str(f["ns"]["mnt"]), f["ns"]


def test_no_mount_namespace_leaves_host_mounts_alone(runtime, make_bundle):
    """G2 with runc's full default mounts, masked and read-only paths (runtime-tools' linux_ns_itype): the
    container is in the runtime's mount namespace and sees its own /proc, /dev, /sys…, yet the host's
    mount table never shows them (runc 1.1.5 mounts them into the host's namespace); exec reaches the
    container's root, not the host's."""
    b = make_bundle(["/hull-helper", "sleep", "30"])
    b.remove_namespace("mount")
    with open(b.rootfs_path("/hulltest-marker"), "w") as f:
        f.write("inside")
    def host_root():  # other tests mount elsewhere meanwhile: compare "/" (its propagation) only
        return [line for line in open("/proc/self/mountinfo") if line.split()[4] == "/"]
    before = host_root()
    runtime.run(b, detach=True).check("run -d")
    assert hh.mounts_under(b.path) == [] and host_root() == before
    pid = runtime.state_json(b.id)["pid"]
    assert os.readlink("/proc/%d/ns/mnt" % pid) == os.readlink("/proc/self/ns/mnt")
    r = runtime.exec(b.id, ["/hull-helper", "read", "/hulltest-marker"])
    assert r.rc == 0 and hh.parse_last_json(r.stdout)["data"] == "inside", (r.stdout, r.stderr)
    r = runtime.exec(b.id, ["/bin/sh", "-c", "stat -f -c %T /proc /dev /dev/pts /sys; stat -c %t:%T /proc/timer_list"])
    assert r.rc == 0, r.stderr
    assert r.stdout.split()[:4] == ["proc", "tmpfs", "devpts", "sysfs"], r.stdout
    assert r.stdout.split()[4] == "1:3", "/proc/timer_list is masked with /dev/null"
    assert hh.mounts_under(b.path) == [] and host_root() == before


def test_no_mount_namespace_refuses_shared_root_propagation(runtime, make_bundle):
    b = make_bundle()
    b.remove_namespace("mount")
    b.linux["rootfsPropagation"] = "rshared"
    r = runtime.run(b)
    assert r.rc != 0 and "linux.rootfsPropagation" in r.stderr, r.stderr
    assert hh.leftovers(runtime, b.id, b) == []


def test_no_mount_namespace_with_user_namespace_is_refused(runtime, make_bundle):
    """From a new user namespace the init could not return to the runtime's mount namespace: refused before
    anything is made, naming the field."""
    b = make_bundle()
    b.remove_namespace("mount")
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    r = runtime.run(b)
    assert r.rc != 0 and "linux.namespaces" in r.stderr and "mount" in r.stderr, r.stderr
    assert hh.leftovers(runtime, b.id, b) == []


def test_rootfs_propagation_unbindable(runtime, bundle):
    """G4: rootfsPropagation "unbindable" is a valid value (config-linux.md#rootfs-mount-propagation);
    crun creates the container (runc 1.1.5 fails the same way as hullrt)."""
    bundle.linux["rootfsPropagation"] = "unbindable"
    os.mkdir(os.path.join(bundle.path, "bindsrc"))
    bundle.add_mount("/mnt/b", "bind", os.path.join(bundle.path, "bindsrc"), ["rbind"])
    r = runtime.run(bundle)
    assert r.rc == 0, r.stderr
    root = [m for m in hh.parse_last_json(r.stdout)["mounts"] if m["target"] == "/"][-1]
    assert "unbindable" in root["optional"], root


def test_apparmor_profile_on_a_host_without_apparmor(rt, bundle):
    """G5: the config asks for an AppArmor profile this host cannot apply: runc refuses to create rather
    than run the program unconfined."""
    if os.path.exists("/sys/kernel/security/apparmor"):
        pytest.skip("AppArmor is present on this host")
    bundle.process["apparmorProfile"] = "hulltest-unconfined-is-not-ok"
    r = rt.run(bundle)
    assert r.rc != 0
    if not rt.is_runc:
        assert "process.apparmorProfile" in r.stderr, r.stderr
    assert hh.leftovers(rt, bundle.id, bundle) == []


def test_selinux_process_label_on_a_host_without_selinux(rt, bundle):
    """G5 for SELinux: a process label is confinement; runc refuses it ("selinux is disabled or not
    supported") and so does hullrt, naming the field."""
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is present on this host")
    bundle.config["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"
    r = rt.run(bundle)
    assert r.rc != 0
    if not rt.is_runc:
        assert "process.selinuxLabel" in r.stderr and "SELinux is not enabled" in r.stderr, r.stderr
    assert hh.leftovers(rt, bundle.id, bundle) == []


def test_mount_label_on_a_host_without_selinux(rt, bundle):
    """linux.mountLabel only labels files, which no policy reads on a host without SELinux: hullrt runs the
    container without it, as crun does (validation program linux_mount_label). runc 1.1 fails (the kernel
    rejects the context= option it adds to a tmpfs)."""
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is present on this host")
    bundle.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    r = rt.run(bundle)
    if rt.is_runc:
        assert r.rc != 0
    else:
        assert r.rc == 0, r.stderr
    assert hh.leftovers(rt, bundle.id, bundle) == []


def test_exec_process_label_on_a_host_without_selinux(runtime, make_bundle):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is present on this host")
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.run(b, detach=True).check("run -d")
    r = runtime.cmd("exec", "--process-label", "system_u:system_r:container_t:s0", b.id, "/bin/true")
    assert r.rc != 0 and "exec --process-label" in r.stderr, r.stderr
