"""CVE-2026-41579 class: a rootfs whose /dev (or /dev/pts, /dev/shm) is a symlink to a host path. Device
nodes, the /dev/ptmx and /dev/console binds, the /dev/fd, /dev/stdin, ... symlinks and the /dev/null used
for masking would all follow it.

The runtime refuses a symlinked /dev, with or without a /dev mount in the spec; a symlink below a real /dev
is resolved inside the rootfs. No mount, node or link may appear in the host directory a symlink names,
and a refused container leaves nothing behind. runc 1.1.5 (Debian's) fails the abs and rel cases — it
creates /dev/fd, /dev/stdin, ... symlinks in the host directory — so this runs against the runtime under
test only."""
import os
import shutil

import pytest

import hullharness as hh


def replace_dev_with_symlink(b, target):
    dev = b.rootfs_path("/dev")
    if os.path.islink(dev):
        os.unlink(dev)
    elif os.path.isdir(dev):
        shutil.rmtree(dev)
    os.symlink(target, dev)


@pytest.mark.parametrize("dev_mount", [True, False], ids=["tmpfs-on-dev", "image-dev"])
def test_dev_symlink_refused(runtime, make_bundle, canary, dev_mount):
    c = canary("41579")
    b = make_bundle()
    if not dev_mount:
        b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    replace_dev_with_symlink(b, c.path)
    b.process["args"] = ["/bin/true"]
    r = runtime.run(b)
    assert r.rc != 0
    assert "/dev must be a directory, not a symlink" in r.stderr, r.stderr
    c.assert_untouched()
    assert hh.mounts_under(b.path) == []
    assert not os.path.exists(runtime.state_dir(b.id))


@pytest.mark.parametrize("link", ["abs", "rel", "dev-parent"])
def test_dev_symlink_stays_inside(runtime, make_bundle, canary, link):
    """With extra devices and the helper looking around /dev: refused or confined, never on the host."""
    c = canary("41579-dev")
    b = make_bundle(["/bin/sh", "-c", "ls -la /dev > /dev/null; /hull-helper stat /dev/null"])
    if link == "abs":
        replace_dev_with_symlink(b, c.path)
    elif link == "rel":
        replace_dev_with_symlink(b, "../" * 16 + c.path.lstrip("/"))
    else:
        # /dev itself a real dir, but /dev/pts and /dev/shm symlinks to the host
        dev = b.rootfs_path("/dev")
        shutil.rmtree(dev, ignore_errors=True)
        os.makedirs(dev)
        os.symlink(c.path, os.path.join(dev, "pts"))
        os.symlink(c.path + "/sub", os.path.join(dev, "shm"))
    b.linux["devices"] = [{"path": "/dev/hull-extra", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    r = runtime.run(b)
    c.assert_untouched()
    if r.rc == 0:
        st = hh.parse_last_json(r.stdout)
        assert st.get("type") == "char", st


def test_dev_pts_symlink_stays_inside(runtime, make_bundle, canary):
    """/dev/pts below the image's real /dev: the devpts mount lands on the in-rootfs path the link names."""
    c = canary("41579-pts")
    b = make_bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/dev"]
    os.symlink(c.path, b.rootfs_path("/dev/pts"))
    targets = [m["target"] for m in runtime.run_facts(b)["mounts"]]
    assert c.path in targets, targets
    c.assert_untouched()
