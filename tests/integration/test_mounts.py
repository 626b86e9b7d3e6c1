"""Mount options and kinds through the real runtime, beyond the defaults of test_devices_and_mounts.py:
recursive r* options, propagation, tmpcopyup, idmap, cgroup, read-only root, dangling symlinks at a
destination, and errors that name the mount. `rt` cases run against runc too: same facts expected."""
import errno
import json
import os
import subprocess

import pytest

import hullharness as hh
from test_devices_and_mounts import mounts_by_target


def opts(m):
    return set(m["options"].split(","))


@pytest.fixture
def source_with_submount(make_bundle):
    """A host dir (inside a bundle dir, so the bundle's cleanup unmounts it) with a tmpfs mounted below it."""
    holder = make_bundle()
    src = os.path.join(holder.path, "src")
    sub = os.path.join(src, "sub")
    os.makedirs(sub)
    with open(os.path.join(src, "top"), "w") as f:
        f.write("top")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "hulltest-rootfs-sub", sub], check=True)
    try:
        yield src
    finally:
        subprocess.run(["umount", "-l", sub], capture_output=True)


def test_rro_reaches_submounts_ro_does_not(rt, make_bundle, source_with_submount):
    b = make_bundle()
    b.add_mount("/mnt/r", "bind", source_with_submount, ["rbind", "rro"])
    b.add_mount("/mnt/o", "bind", source_with_submount, ["rbind", "ro"])
    m = mounts_by_target(rt.run_facts(b))
    assert "ro" in opts(m["/mnt/r"]) and "ro" in opts(m["/mnt/r/sub"])
    assert "ro" in opts(m["/mnt/o"])
    assert "rw" in opts(m["/mnt/o/sub"]), "plain ro is for the top mount only, as runc"


def test_bind_without_rbind_leaves_submounts_out(rt, make_bundle, source_with_submount):
    b = make_bundle()
    b.add_mount("/mnt/b", "bind", source_with_submount, ["bind"])
    m = mounts_by_target(rt.run_facts(b))
    assert "/mnt/b" in m and "/mnt/b/sub" not in m


def test_bind_flags(rt, make_bundle):
    b = make_bundle()
    src = os.path.join(b.path, "flags")
    os.mkdir(src)
    b.add_mount("/mnt/f", "bind", src, ["rbind", "nosuid", "nodev", "noexec", "noatime"])
    m = mounts_by_target(rt.run_facts(b))["/mnt/f"]
    assert {"nosuid", "nodev", "noexec", "noatime"} <= opts(m)


def test_bind_propagation(rt, make_bundle):
    b = make_bundle()
    for name in ("s", "u"):
        os.mkdir(os.path.join(b.path, name))
    b.add_mount("/mnt/s", "bind", os.path.join(b.path, "s"), ["rbind", "rshared"])
    b.add_mount("/mnt/u", "bind", os.path.join(b.path, "u"), ["rbind", "runbindable"])
    m = mounts_by_target(rt.run_facts(b))
    assert any(o.startswith("shared:") for o in m["/mnt/s"]["optional"]), m["/mnt/s"]
    assert "unbindable" in m["/mnt/u"]["optional"], m["/mnt/u"]


def test_cgroup_mount_is_read_only(rt, bundle):
    m = mounts_by_target(rt.run_facts(bundle))
    if not rt.is_runc:  # runc 1.1 leaves the holding tmpfs writable on v1/hybrid hosts; we do not
        assert "ro" in opts(m["/sys/fs/cgroup"])
    assert m["/sys/fs/cgroup/memory"]["fstype"] == "cgroup"
    assert "ro" in opts(m["/sys/fs/cgroup/memory"])
    bundle.process["args"] = ["/hull-helper", "write", "/sys/fs/cgroup/memory/hull-x", "1"]
    w = hh.parse_last_json(rt.run(bundle).stdout)
    assert not w["ok"] and w["errno"] == errno.EROFS


def test_readonly_root(rt, make_bundle):
    b = make_bundle(readonly=True)
    b.process["args"] = ["/bin/sh", "-c", "/hull-helper write /newfile x; /hull-helper write /dev/shm/ok x"]
    r = rt.run(b)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert not lines[0]["ok"] and lines[0]["errno"] == errno.EROFS
    assert lines[1]["ok"], "a tmpfs below a read-only root stays writable"


def test_dangling_symlink_destination_is_followed_inside(rt, make_bundle):
    """An image's /etc/resolv.conf -> ../run/hull/resolv.conf (dangling): the target is created inside."""
    b = make_bundle()
    resolv = b.rootfs_path("/etc/resolv.conf")
    os.symlink("../run/hull-rootfs/resolv.conf", resolv)
    src = os.path.join(b.path, "resolv.conf")
    with open(src, "w") as f:
        f.write("nameserver 192.0.2.1\n")
    b.add_mount("/etc/resolv.conf", "bind", src, ["bind", "ro"])
    r = rt.run_facts(b, ["read", "/etc/resolv.conf"])
    assert r["data"] == "nameserver 192.0.2.1\n"
    assert os.path.isfile(b.rootfs_path("/run/hull-rootfs/resolv.conf"))


def test_tmpcopyup(runtime, make_bundle):
    b = make_bundle()
    d = b.rootfs_path("/etc/hullconf")
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "a"), "w") as f:
        f.write("from the image")
    os.chmod(d, 0o750)
    b.add_mount("/etc/hullconf", "tmpfs", "tmpfs", ["tmpcopyup", "nosuid"])
    b.process["args"] = ["/bin/sh", "-c", "/hull-helper read /etc/hullconf/a; /hull-helper stat /etc/hullconf; "
                         "/hull-helper write /etc/hullconf/new x; /hull-helper facts"]
    r = runtime.run(b)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert lines[0]["data"] == "from the image"
    assert lines[1]["mode"] == 0o750
    assert lines[2]["ok"]
    assert mounts_by_target(lines[3])["/etc/hullconf"]["fstype"] == "tmpfs"
    assert not os.path.exists(os.path.join(d, "new")), "writes went to the image"


def test_idmap_bind(runtime, make_bundle):
    b = make_bundle()
    src = os.path.join(b.path, "owned")
    os.mkdir(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("x")
    os.chown(os.path.join(src, "f"), 5, 6)
    b.config.setdefault("mounts", []).append({
        "destination": "/mnt/idmapped", "type": "bind", "source": src, "options": ["bind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 3000, "size": 100}],
        "gidMappings": [{"containerID": 0, "hostID": 4000, "size": 100}]})
    b.process["args"] = ["/hull-helper", "stat", "/mnt/idmapped/f"]
    st = hh.parse_last_json(runtime.run(b).stdout)
    assert (st["uid"], st["gid"]) == (3005, 4006), st
    assert os.stat(os.path.join(src, "f")).st_uid == 5, "the host file is unchanged"


@pytest.mark.parametrize("mount,needle", [
    ({"destination": "/bad", "type": "tmpfs", "source": "tmpfs", "options": ["size=lots"]},
     "(tmpfs on /bad): fsconfig size"),
    ({"destination": "/x", "type": "bind", "source": "/nonexistent-hull-rootfs", "options": ["bind"]},
     "(bind on /x): stat source /nonexistent-hull-rootfs"),
    ({"destination": "/proc", "type": "tmpfs", "source": "tmpfs"},
     "(on /proc): only a proc file system may be mounted on /proc"),
])
def test_mount_errors_name_the_mount(runtime, make_bundle, mount, needle):
    b = make_bundle()
    b.config["mounts"].append(mount)
    idx = len(b.config["mounts"]) - 1
    r = runtime.run(b)
    assert r.rc != 0
    assert ("mounts[%d] " % idx) + needle in r.stderr, r.stderr
    assert not os.path.exists(runtime.state_dir(b.id)), "state left behind"
    assert hh.mounts_under(b.path) == []


def test_trace_times_each_mount(runtime, make_bundle):
    b = make_bundle()
    b.process["args"] = ["/bin/true"]
    r = runtime.run(b, global_args=("--trace",))
    assert r.rc == 0, r.stderr
    for step in ("mount proc proc on /proc", "mount tmpfs tmpfs on /dev", "mknod device /dev/null",
                 "pivot_root", "mask /proc/keys with /dev/null", "read-only /proc/sys"):
        assert step in r.stderr, step


# Where we differ from runc 1.1 on purpose: the holding tmpfs of a v1/hybrid /sys/fs/cgroup is read-only
# like the hierarchies in it, and the unified hierarchy of a hybrid host is shown too.
DELIBERATE = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}


def test_default_mounts_match_runc(runtime, runc, make_bundle):
    """runc's default config.json: every mount, masked and read-only path ends up with the same type,
    mount options, superblock options and propagation as under runc."""
    seen = {}
    for r in (runtime, runc):
        seen[r.name] = mounts_by_target(r.run_facts(make_bundle()))
    ours, theirs = seen[runtime.name], seen["runc"]
    key = lambda m: (m["fstype"], m["options"], m["super_options"], m["optional"]) if m else None
    diff = {t: (key(ours.get(t)), key(theirs.get(t))) for t in set(ours) | set(theirs)
            if t not in DELIBERATE and key(ours.get(t)) != key(theirs.get(t))}
    assert diff == {}, diff


def test_no_pivot(rt, make_bundle):
    b = make_bundle()
    b.process["args"] = ["/hull-helper", "facts"]
    r = rt.run(b, extra=["--no-pivot"])
    assert r.rc == 0, r.stderr
    m = mounts_by_target(hh.parse_last_json(r.stdout))
    assert m["/proc"]["fstype"] == "proc" and m["/dev"]["fstype"] == "tmpfs"
    assert "ro" in opts(m["/proc/sys"])
    # nothing of the host's own mounts is listed (the helper sees them only if they are reachable)
    assert not any(t.startswith(hh.TMP + "/hulltest-") for t in m), sorted(m)


def test_acl_noacl_are_flags_not_fs_data(rt, make_bundle):
    """runc treats acl/noacl as MS_POSIXACL (a flag, not data for the filesystem): tmpfs, which has no such
    parameter, mounts with either, and the data options beside them still reach the filesystem."""
    b = make_bundle()
    b.add_mount("/mnt/acl", "tmpfs", "tmpfs", ["acl", "size=1m"])
    b.add_mount("/mnt/noacl", "tmpfs", "tmpfs", ["noacl", "nosuid", "size=2m"])
    m = mounts_by_target(rt.run_facts(b))
    assert "size=1024k" in m["/mnt/acl"]["super_options"].split(","), m["/mnt/acl"]
    assert "size=2048k" in m["/mnt/noacl"]["super_options"].split(","), m["/mnt/noacl"]
    assert "nosuid" in opts(m["/mnt/noacl"]), m["/mnt/noacl"]


def test_acl_leaves_no_trace_in_a_later_error(runtime, make_bundle):
    b = make_bundle()
    b.add_mount("/mnt/acl", "tmpfs", "tmpfs", ["acl", "size=bogus"])
    r = runtime.run(b)
    assert r.rc != 0
    assert "size" in r.stderr and "'acl'" not in r.stderr, r.stderr
