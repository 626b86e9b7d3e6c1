"""enginefix — fixtures for the engine tests: a temp --root with the test images loaded, a `hull` wrapper,
and a cleanup that removes every container, mount, cgroup and volume the test made, even when it fails."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import engine_image as EI

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("HULL_BUILD", os.path.join(HERE, "..", "..", "build"))
HULL = os.path.join(BUILD, "hull")

IMAGE = "hulltest/bb:1"
EP_IMAGE = "hulltest/ep:1"
IMAGE_CONFIG = {"Cmd": ["/bin/sh", "-c", "echo hello from image"],
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"],
                "WorkingDir": "/home/hulluser", "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/vol": {}}}
EP_CONFIG = {"Entrypoint": ["/bin/echo", "ep"], "Cmd": ["default"], "Env": ["PATH=/bin"],
             "StopSignal": "SIGUSR1"}


@pytest.fixture(scope="session")
def image_tars(tmp_path_factory):
    if not os.path.exists(HULL):
        pytest.skip("hull not built")
    d = tmp_path_factory.mktemp("hull-engine-images")
    a, b = str(d / "bb.tar"), str(d / "ep.tar")
    EI.docker_archive(a, IMAGE, IMAGE_CONFIG)
    EI.docker_archive(b, EP_IMAGE, EP_CONFIG)
    return [a, b]


def mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if mp.startswith(path):
                out.append(mp)
    return out


def cgroup_dirs(cid):
    out = []
    for ctl in os.listdir("/sys/fs/cgroup"):
        p = os.path.join("/sys/fs/cgroup", ctl, "hull", cid)
        if os.path.isdir(p):
            out.append(p)
    return out


class Engine:
    """`hull --root ROOT ...` run inside a network namespace of this test's own (`nsenter --net`: the mount
    namespace stays the host's, so the monitor's mounts are visible to the cleanup): the default network is
    docker's bridge, and its bridge, veths and nftables table must never land in the machine's namespace."""

    def __init__(self, root):
        self.root = root
        self.ids = set()
        self.netns = "hulltest-engine-%d-%s" % (os.getpid(), os.path.basename(root.rstrip("/")))
        subprocess.run(["ip", "netns", "add", self.netns], check=True, capture_output=True)
        subprocess.run(["ip", "-n", self.netns, "link", "set", "lo", "up"], check=True, capture_output=True)

    def argv(self, *args):
        """The command line of `hull --root ROOT args...` inside this engine's network namespace."""
        return ["nsenter", "--net=/run/netns/" + self.netns, HULL, "--root", self.root, *args]

    def __call__(self, *args, check=True, timeout=60, input=None, env=None, **kw):
        p = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout,
                           input=input, env=env, **kw)
        if check and p.returncode != 0:
            raise AssertionError(f"hull {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p

    def popen(self, *args, **kw):
        return subprocess.Popen(self.argv(*args), **kw)

    def container_ids(self):
        d = os.path.join(self.root, "containers")
        return [x for x in os.listdir(d) if len(x) == 64] if os.path.isdir(d) else []

    def inspect(self, what):
        return json.loads(self("inspect", "--type", "container", what).stdout)[0]

    def wait_status(self, what, status, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            p = self("inspect", "--type", "container", what, check=False)
            if p.returncode == 0 and json.loads(p.stdout)[0]["State"]["Status"] == status:
                return
            time.sleep(0.05)
        raise AssertionError(f"{what} never reached {status}")

    def cleanup(self):
        ids = set(self.container_ids()) | self.ids
        for cid in ids:
            subprocess.run(self.argv("rm", "-f", "-v", cid), capture_output=True, timeout=60)
        for mp in sorted(mounts_under(self.root), key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        for cid in ids:
            for p in cgroup_dirs(cid):
                subprocess.run(["sh", "-c", f"cat {p}/cgroup.procs | xargs -r kill -9"], capture_output=True)
                try:
                    os.rmdir(p)
                except OSError:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)


@pytest.fixture
def eng(image_tars):
    root = tempfile.mkdtemp(prefix="hull-engine-test-")
    e = Engine(root)
    try:
        for t in image_tars:
            e("load", "-i", t)
        yield e
    finally:
        e.cleanup()
