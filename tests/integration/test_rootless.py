"""hullrt run by a user other than root (runc's rootless mode): the config from `hullrt spec --rootless`
(a user namespace mapping that user to root, no network namespace), state under $XDG_RUNTIME_DIR/hull, no
cgroup when none is delegated and none is asked for, and every command of a container's life.

The user is `nobody` (65534) through setpriv: no account is made on the machine."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import hullharness as hh

NOBODY = 65534


def as_nobody(*argv, xdg, cwd=None, check=True, timeout=30):
    cmd = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
           "env", "XDG_RUNTIME_DIR=" + xdg, *argv]
    # files, not pipes: a created container's init holds the stdio it was given until it exits
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                            timeout=timeout).returncode
        out.seek(0)
        err.seek(0)
        r = subprocess.CompletedProcess(cmd, rc, out.read(), err.read())
    if check and r.returncode != 0:
        raise AssertionError("%s -> %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


class Rootless:
    def __init__(self, make_bundle):
        if os.geteuid() != 0:
            pytest.skip("the test switches to nobody: it runs as root")
        self.bin = hh.runtime_binary()
        self.top = tempfile.mkdtemp(prefix="hulltest-rootless-", dir=hh.TMP)
        os.chmod(self.top, 0o755)
        self.xdg = os.path.join(self.top, "xdg")
        self.bundle = os.path.join(self.top, "bundle")
        os.mkdir(self.xdg, 0o700)
        os.mkdir(self.bundle, 0o755)
        src = make_bundle()
        shutil.move(src.rootfs, os.path.join(self.bundle, "rootfs"))
        subprocess.run(["chown", "-R", "%d:%d" % (NOBODY, NOBODY), self.top], check=True)
        # the config as the user makes it: hullrt maps the caller's own uid and gid to root
        as_nobody(self.bin, "spec", "--rootless", xdg=self.xdg, cwd=self.bundle)
        with open(self.config_path) as f:
            self.config = json.load(f)
        self.ids = []

    @property
    def config_path(self):
        return os.path.join(self.bundle, "config.json")

    def save(self, args):
        c = json.loads(json.dumps(self.config))
        c["process"].update(terminal=False, args=args)
        with open(self.config_path, "w") as f:
            json.dump(c, f)
        os.chown(self.config_path, NOBODY, NOBODY)
        return c

    def rt(self, *args, check=True):
        return as_nobody(self.bin, *args, xdg=self.xdg, cwd=self.bundle, check=check)

    def cleanup(self):
        for cid in self.ids:
            self.rt("delete", "--force", cid, check=False)
        shutil.rmtree(self.top, ignore_errors=True)


@pytest.fixture
def rl(make_bundle):
    r = Rootless(make_bundle)
    try:
        yield r
    finally:
        r.cleanup()


def test_rootless_spec_maps_the_caller(rl):
    lx = rl.config["linux"]
    assert lx["uidMappings"] == [{"containerID": 0, "hostID": NOBODY, "size": 1}]
    assert lx["gidMappings"] == [{"containerID": 0, "hostID": NOBODY, "size": 1}]
    assert {"type": "user"} in lx["namespaces"] and {"type": "network"} not in lx["namespaces"]


def test_rootless_run_is_root_inside_and_nobody_outside(rl):
    rl.save(["/hull-helper", "facts"])
    cid = hh.unique_id()
    rl.ids.append(cid)
    r = rl.rt("run", cid)
    facts = json.loads(r.stdout)
    assert facts["uid"] == 0 and facts["gid"] == 0, facts
    # the state lived in $XDG_RUNTIME_DIR/hull, and is gone with the container
    assert os.path.isdir(os.path.join(rl.xdg, "hull"))
    assert not os.path.exists(os.path.join(rl.xdg, "hull", cid))


def test_rootless_lifecycle_exec_ps_and_no_cgroup(rl):
    rl.save(["/hull-helper", "sleep", "30"])
    cid = hh.unique_id()
    rl.ids.append(cid)
    rl.rt("create", cid)
    rl.rt("start", cid)
    st = json.loads(rl.rt("state", cid).stdout)
    assert st["status"] == "running"
    pid = st["pid"]
    with open("/proc/%d/status" % pid) as f:
        uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
    assert uids == [str(NOBODY)] * 4  # root inside is nobody on the host
    # no cgroup was made for it anywhere
    assert not [h for h in os.listdir("/sys/fs/cgroup") if os.path.exists(os.path.join("/sys/fs/cgroup", h, "hull", cid))]
    # exec joins its user namespace first (it owns the others)
    out = rl.rt("exec", cid, "/bin/sh", "-c", "id -u; cat /proc/self/uid_map").stdout.split()
    assert out[0] == "0" and out[1:] == ["0", str(NOBODY), "1"], out
    # ps without a cgroup: the init
    assert str(pid) in rl.rt("ps", cid).stdout
    # what needs a cgroup says there is none
    r = rl.rt("pause", cid, check=False)
    assert r.returncode != 0 and "has no cgroup" in r.stderr, r.stderr
    rl.rt("kill", cid, "KILL")
    end = time.time() + 10
    while json.loads(rl.rt("state", cid).stdout)["status"] != "stopped" and time.time() < end:
        time.sleep(0.05)
    rl.rt("delete", cid)
    assert not os.path.exists(os.path.join(rl.xdg, "hull", cid))
    # the init is gone (a zombie for as long as its reaper, the sandbox's pid 1, takes to wait for it)
    end = time.time() + 10
    while os.path.exists("/proc/%d" % pid) and time.time() < end:
        time.sleep(0.05)
    assert not os.path.exists("/proc/%d" % pid)


def test_rootless_limits_without_a_delegated_cgroup_are_refused(rl):
    c = rl.save(["/bin/true"])
    c["linux"]["resources"] = {"pids": {"limit": 10}}
    with open(rl.config_path, "w") as f:
        json.dump(c, f)
    cid = hh.unique_id()
    rl.ids.append(cid)
    r = rl.rt("run", cid, check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(rl.xdg, "hull", cid))  # nothing left behind
