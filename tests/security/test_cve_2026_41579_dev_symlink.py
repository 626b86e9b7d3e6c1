"""The /dev-as-a-symlink class (CVE-2026-41579 and its kin): the image's /dev is a symlink to a host
path (absolute, or relative climbing out); the runtime mounts a tmpfs on /dev and creates device nodes
and symlinks (/dev/ptmx, /dev/fd, ...) in it. All of that must happen inside the rootfs (or the
container must be refused): no mount, node or link may appear in the host directory the symlink names.
runc 1.1.5 (Debian's) fails the abs and rel cases — it creates /dev/fd, /dev/stdin, ... symlinks in the host
directory — so this runs against the runtime under test only."""
import os

import pytest

import hullharness as hh


@pytest.mark.parametrize("link", ["abs", "rel", "dev-parent"])
def test_dev_symlink_stays_inside(runtime, make_bundle, canary, link):
    rt = runtime
    c = canary("dev")
    b = make_bundle(["/bin/sh", "-c", "ls -la /dev > /dev/null; /hull-helper stat /dev/null"])
    dev = b.rootfs_path("/dev")
    if os.path.isdir(dev) and not os.path.islink(dev):
        os.rmdir(dev)
    if link == "abs":
        os.symlink(c.path, dev)
    elif link == "rel":
        os.symlink("../" * 16 + c.path.lstrip("/"), dev)
    else:
        # /dev itself a real dir, but /dev/pts and /dev/shm symlinks to the host
        os.makedirs(dev)
        os.symlink(c.path, os.path.join(dev, "pts"))
        os.symlink(c.path + "/sub", os.path.join(dev, "shm"))
    b.linux["devices"] = [{"path": "/dev/hull-extra", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    r = rt.run(b)
    c.assert_untouched()
    if r.rc == 0:
        st = hh.parse_last_json(r.stdout)
        assert st.get("type") == "char", st
