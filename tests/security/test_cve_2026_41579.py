"""CVE-2026-41579 class: a rootfs whose /dev is a symlink to a host path. Device nodes, the /dev/ptmx and
/dev/console binds and the /dev/null used for masking would all follow it. The runtime refuses such a
/dev, with or without a /dev mount in the spec; the target stays untouched and nothing is left behind."""
import os
import shutil

import pytest

import hullharness as hh


@pytest.mark.parametrize("dev_mount", [True, False], ids=["tmpfs-on-dev", "image-dev"])
def test_dev_symlink_refused(runtime, make_bundle, sentinel_dir, dev_mount):
    b = make_bundle()
    if not dev_mount:
        b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    shutil.rmtree(b.rootfs_path("/dev"))
    os.symlink(sentinel_dir, b.rootfs_path("/dev"))
    b.process["args"] = ["/bin/true"]
    r = runtime.run(b)
    assert r.rc != 0
    assert "/dev must be a directory, not a symlink" in r.stderr, r.stderr
    assert sorted(os.listdir(sentinel_dir)) == ["sentinel"]
    assert hh.mounts_under(sentinel_dir) == [] and hh.mounts_under(b.path) == []
    assert not os.path.exists(runtime.state_dir(b.id))


def test_dev_pts_symlink_stays_inside(runtime, make_bundle, sentinel_dir):
    """/dev/pts below a real /dev: a symlink there is resolved inside the rootfs, never to the host."""
    b = make_bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/dev"]
    os.symlink(sentinel_dir, b.rootfs_path("/dev/pts"))
    r = runtime.run_facts(b)
    targets = [m["target"] for m in r["mounts"]]
    assert sentinel_dir in targets, targets  # the devpts landed on the in-rootfs path the link names
    assert sorted(os.listdir(sentinel_dir)) == ["sentinel"]
