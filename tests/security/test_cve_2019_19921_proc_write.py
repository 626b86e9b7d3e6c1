"""CVE-2019-19921: /proc in the container was a symlink (through a volume), so the runtime's writes meant
for procfs (LSM labels then; sysctls, oom_score_adj, uid maps, ... for any runtime) went to a file the
container controls, or mounts landed beside the real procfs.

With /proc a symlink to a host canary dir, or to a fake proc tree inside the rootfs, the runtime must refuse
or mount a real procfs inside the root, and its procfs writes (here a sysctl and oomScoreAdj) must reach
the kernel, not the fake files."""
import os

import pytest

import hullharness as hh
from escape_checks import tree_digest

FAKE_FILES = {"sys/kernel/domainname": "fake\n", "self/oom_score_adj": "0\n", "sys/net/ipv4/ip_forward": "0\n"}


def fake_proc(root):
    for rel, data in FAKE_FILES.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(data)


def read_fake(root):
    out = {}
    for rel in FAKE_FILES:
        with open(os.path.join(root, rel)) as f:
            out[rel] = f.read()
    return out


@pytest.mark.parametrize("link", ["host", "inside"])
def test_proc_symlink(rt, make_bundle, canary, link):
    c = canary("proc")
    b = make_bundle()
    proc = b.rootfs_path("/proc")
    os.rmdir(proc)
    if link == "host":
        fake_root = c.path + "/sub"
        os.symlink(fake_root, proc)
    else:
        fake_root = b.rootfs_path("/fakeproc")
        os.symlink("/fakeproc", proc)
    fake_proc(fake_root if link == "inside" else b.rootfs_path("/fakeproc"))
    if link == "host":
        c.before = tree_digest(c.path)
    fake_before = read_fake(b.rootfs_path("/fakeproc"))
    b.linux["sysctl"] = {"kernel.domainname": "hulltest.sysctl"}
    b.process["oomScoreAdj"] = 123
    r = rt.run(b)
    c.assert_untouched()
    assert read_fake(b.rootfs_path("/fakeproc")) == fake_before, "a procfs write went to the fake tree"
    if r.rc == 0:
        f = hh.parse_last_json(r.stdout)
        procs = [m for m in f["mounts"] if m["target"] == "/proc"]
        assert procs and procs[0]["fstype"] == "proc", "no real procfs at /proc: %s" % procs
        assert f["domainname"] == "hulltest.sysctl"
