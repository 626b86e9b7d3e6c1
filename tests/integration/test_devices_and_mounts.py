"""What the container sees of its filesystem: default devices, /dev symlinks, tmpfs/bind/ro/proc/sysfs/devpts/
mqueue mounts, masked and readonly paths, linux.devices. (Mount planning details: tests of the rootfs area.)"""
import errno
import os

import pytest

import hullharness as hh

DEFAULT_DEVICES = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/full": (1, 7), "/dev/random": (1, 8),
                   "/dev/urandom": (1, 9), "/dev/tty": (5, 0)}
DEFAULT_LINKS = {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1",
                 "/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx"}


def mounts_by_target(f):
    res = {}
    for m in f["mounts"]:
        res[m["target"]] = m  # the last one wins: the visible one
    return res


def stat_in(runtime, b, path):
    b.process["args"] = ["/hull-helper", "stat", path]
    r = runtime.run(b)
    return hh.parse_last_json(r.stdout)


def test_default_devices(runtime, bundle):
    bundle.process["args"] = ["/bin/sh", "-c", " ; ".join(
        "/hull-helper stat %s" % p for p in list(DEFAULT_DEVICES) + list(DEFAULT_LINKS))]
    r = runtime.run(bundle)
    assert r.rc == 0, r.stderr
    got = {}
    for line in r.stdout.splitlines():
        import json
        d = json.loads(line)
        got[d["path"]] = d
    for p, (ma, mi) in DEFAULT_DEVICES.items():
        assert got[p]["exists"], p
        assert got[p]["type"] == "char" and (got[p]["major"], got[p]["minor"]) == (ma, mi), p
        assert got[p]["mode"] == 0o666, (p, oct(got[p]["mode"]))
    for p, target in DEFAULT_LINKS.items():
        assert got[p]["type"] == "symlink" and got[p]["target"] == target, p


def test_dev_null_works(runtime, bundle):
    r = runtime.run_facts(bundle, ["write", "/dev/null", "discard"])
    assert r["ok"]


def test_default_mounts(runtime, bundle):
    f = runtime.run_facts(bundle)
    m = mounts_by_target(f)
    assert m["/proc"]["fstype"] == "proc"
    assert m["/dev"]["fstype"] == "tmpfs"
    assert m["/dev/pts"]["fstype"] == "devpts"
    assert "newinstance" in m["/dev/pts"]["super_options"] or "ptmxmode=666" in m["/dev/pts"]["super_options"]
    assert m["/dev/shm"]["fstype"] == "tmpfs"
    assert m["/dev/mqueue"]["fstype"] == "mqueue"
    assert m["/sys"]["fstype"] == "sysfs"
    assert "ro" in m["/sys"]["options"].split(",")
    for opt in ("nosuid", "nodev", "noexec"):
        assert opt in m["/dev/shm"]["options"].split(","), opt


def test_tmpfs_mount_options(runtime, bundle):
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m", "mode=700", "nosuid", "noexec"])
    f = runtime.run_facts(bundle)
    m = mounts_by_target(f)["/mnt/t"]
    assert m["fstype"] == "tmpfs"
    assert "size=1024k" in m["super_options"]
    assert "mode=700" in m["super_options"]
    assert {"nosuid", "noexec"} <= set(m["options"].split(","))


def test_bind_mount_rw(runtime, bundle):
    src = os.path.join(bundle.path, "shared")
    os.mkdir(src)
    bundle.add_mount("/mnt/shared", "bind", src, ["rbind", "rw"])
    r = runtime.run_facts(bundle, ["write", "/mnt/shared/hello", "from-container"])
    assert r["ok"]
    with open(os.path.join(src, "hello")) as f:
        assert f.read() == "from-container"


def test_bind_mount_ro(runtime, bundle):
    src = os.path.join(bundle.path, "ro-src")
    os.mkdir(src)
    with open(os.path.join(src, "data"), "w") as f:
        f.write("host-data")
    bundle.add_mount("/mnt/ro", "bind", src, ["rbind", "ro"])
    bundle.process["args"] = ["/bin/sh", "-c", "/hull-helper read /mnt/ro/data; /hull-helper write /mnt/ro/new x"]
    r = runtime.run(bundle)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    import json
    assert json.loads(lines[0])["data"] == "host-data"
    assert json.loads(lines[1])["errno"] == errno.EROFS
    assert not os.path.exists(os.path.join(src, "new"))


def test_bind_mount_file(runtime, bundle):
    src = os.path.join(bundle.path, "file-src")
    with open(src, "w") as f:
        f.write("single-file")
    bundle.add_mount("/etc/hull-file", "bind", src, ["bind", "ro"])
    r = runtime.run_facts(bundle, ["read", "/etc/hull-file"])
    assert r["data"] == "single-file"


def test_mount_creates_missing_destination(runtime, bundle):
    bundle.add_mount("/deep/new/dir", "tmpfs", "tmpfs", [])
    f = runtime.run_facts(bundle)
    assert "/deep/new/dir" in mounts_by_target(f)


def test_bind_mount_not_visible_on_host(runtime, bundle):
    src = os.path.join(bundle.path, "src")
    os.mkdir(src)
    bundle.add_mount("/mnt/x", "bind", src, ["rbind"])
    r = runtime.run(bundle)
    assert r.rc == 0
    assert hh.mounts_under(bundle.path) == []


def test_masked_paths(runtime, bundle):
    bundle.process["args"] = ["/bin/sh", "-c", "/hull-helper stat /proc/keys; /hull-helper read /proc/keys; "
                              "ls -A /sys/firmware | wc -l"]
    r = runtime.run(bundle)
    lines = r.stdout.splitlines()
    import json
    st = json.loads(lines[0])
    assert st["type"] == "char" and (st["major"], st["minor"]) == (1, 3)  # /dev/null bound over it
    assert json.loads(lines[1])["data"] == ""
    assert lines[2].strip() == "0"


def test_readonly_paths(runtime, bundle):
    bundle.process["args"] = ["/bin/sh", "-c", "/hull-helper write /proc/sys/kernel/hostname x; "
                              "/hull-helper write /proc/sys/vm/overcommit_memory 0; true"]
    r = runtime.run(bundle)
    import json
    for line in r.stdout.splitlines():
        w = json.loads(line)
        assert not w["ok"] and w["errno"] == errno.EROFS, w


def test_linux_devices(runtime, bundle):
    bundle.linux["devices"] = [{"path": "/dev/hullfuse", "type": "c", "major": 10, "minor": 229,
                                "fileMode": 0o640, "uid": 0, "gid": 0}]
    bundle.linux["resources"]["devices"].append({"allow": True, "type": "c", "major": 10, "minor": 229,
                                                 "access": "rwm"})
    st = stat_in(runtime, bundle, "/dev/hullfuse")
    assert st["type"] == "char" and (st["major"], st["minor"]) == (10, 229)
    assert st["mode"] == 0o640


def test_device_cgroup_denies_unlisted(runtime, bundle):
    # /dev/sda-like block device made in the rootfs is not allowed by the device cgroup
    bundle.linux["devices"] = [{"path": "/dev/hullblk", "type": "b", "major": 7, "minor": 250}]
    bundle.process["args"] = ["/hull-helper", "read", "/dev/hullblk"]
    r = runtime.run(bundle)
    assert r.rc == 1
    assert hh.parse_last_json(r.stdout)["errno"] in (errno.EPERM, errno.EACCES, errno.ENXIO)


def test_device_cgroup_default_rules_without_resources_section(rt, bundle):
    """No linux.resources at all: the container still gets the default device rules (deny all, then the
    standard devices), as runc applies them. A node made in the rootfs for a device that is not in that
    list (char 1:250, an unregistered minor of the mem driver) is refused by the device cgroup (EPERM)
    before the driver could answer ENXIO; /dev/null still opens."""
    bundle.linux.pop("resources", None)
    os.mknod(bundle.rootfs_path("/hullkmsg"), 0o666 | 0o020000, os.makedev(1, 250))
    bundle.process["args"] = ["/bin/sh", "-c", "/hull-helper read /hullkmsg; /hull-helper read /dev/null"]
    r = rt.run(bundle)
    import json
    got = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(got) == 2, (r.stdout, r.stderr)
    assert not got[0]["ok"] and got[0]["errno"] == errno.EPERM, got[0]
    assert got[1]["ok"], got[1]
