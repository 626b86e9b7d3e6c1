"""CVE-2025-31133: maskedPaths bind /dev/null over files. If the container's /dev/null is a symlink (or any
other file) the mask becomes a bind of *that* — e.g. /proc/sys/kernel/core_pattern, writable. The runtime
must bind only a /dev/null it verified to be the character device 1:3. (runc 1.1.5 here predates the fix:
these run against hullrt only.)"""
import errno
import json
import os

import hullharness as hh

CORE_PATTERN = "/proc/sys/kernel/core_pattern"


def read_core_pattern():
    with open(CORE_PATTERN) as f:
        return f.read()


def test_image_dev_null_symlink_is_replaced(runtime, make_bundle):
    """No /dev mount: the image's /dev is used, and its /dev/null symlink is replaced by the real node."""
    before = read_core_pattern()
    b = make_bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    os.symlink(CORE_PATTERN, b.rootfs_path("/dev/null"))
    b.process["args"] = ["/bin/sh", "-c", "/hull-helper stat /dev/null; /hull-helper stat /proc/keys; "
                         "/hull-helper write %s '|/tmp/hull-pwn'" % CORE_PATTERN]
    r = runtime.run(b)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 3, r.stdout + r.stderr
    assert lines[0]["type"] == "char" and (lines[0]["major"], lines[0]["minor"]) == (1, 3)
    assert lines[1]["type"] == "char" and (lines[1]["major"], lines[1]["minor"]) == (1, 3)
    assert not lines[2]["ok"] and lines[2]["errno"] == errno.EROFS
    assert read_core_pattern() == before


def test_dev_null_swapped_before_masking_is_refused(runtime, make_bundle):
    """A createContainer hook (inside the container's mount namespace, before pivot_root) swaps /dev/null
    for a symlink to core_pattern: creation fails, nothing is left, the host is unchanged."""
    before = read_core_pattern()
    b = make_bundle()
    hook = b.write_script("swap-dev-null.sh", "ln -sfn %s %s\n" % (CORE_PATTERN, b.rootfs_path("/dev/null")))
    b.add_hook("createContainer", hook)
    b.process["args"] = ["/hull-helper", "write", CORE_PATTERN, "|/tmp/hull-pwn"]
    r = runtime.run(b)
    assert r.rc != 0, r.stdout
    assert "/dev/null" in r.stderr and "masked path" in r.stderr, r.stderr
    assert read_core_pattern() == before
    assert not os.path.exists(runtime.state_dir(b.id))
    assert hh.mounts_under(b.path) == []


def test_dev_null_replaced_by_other_device_is_refused(runtime, make_bundle):
    """A char device that is not 1:3 (here /dev/zero's 1:5) at /dev/null is not accepted either."""
    b = make_bundle()
    hook = b.write_script("fake-dev-null.sh", "rm -f {p} && mknod -m 666 {p} c 1 5\n".format(
        p=b.rootfs_path("/dev/null")))
    b.add_hook("createContainer", hook)
    b.process["args"] = ["/bin/true"]
    r = runtime.run(b)
    assert r.rc != 0
    assert "/dev/null is not the character device 1:3" in r.stderr, r.stderr
