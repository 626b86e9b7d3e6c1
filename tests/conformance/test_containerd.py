"""containerd (ctr + containerd-shim-runc-v2) with the shim's runtime binary set to hullrt, side by side with runc.

A session fixture starts a private containerd: its own config.toml, socket, root and state under a hulltest
temp dir, the CRI plugin disabled. A busybox image, built here as a docker-archive tar (manifest, config,
one layer), is imported once. Each scenario runs with runc (the reference) and with hullrt
(`ctr run --runc-binary build/hullrt`), with the runtime's state in a private --runc-root and the container
in the absolute cgroup /hulltest-ctr/<id>. The session kills containerd and its shims and removes its
directories and cgroups, pass or fail.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

import clients
import hullharness as hh

CONTAINERD = shutil.which("containerd") or "/usr/bin/containerd"
CTR = shutil.which("ctr") or "/usr/bin/ctr"
IMAGE = "localhost/hulltest-busybox:latest"
CGROUP_PARENT = "/hulltest-ctr"
RUN_CONTAINERD = "/run/containerd"
RUNTIMES = ("runc", "hullrt")

pytestmark = pytest.mark.skipif(not (os.path.exists(CONTAINERD) and os.path.exists(CTR)),
                                reason="containerd/ctr not installed")

CONFIG = """version = 2
root = "{base}/root"
state = "{base}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.tracing",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{base}/containerd.sock"

[ttrpc]
  address = "{base}/containerd.sock.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""
"""


def docker_archive(rootfs_tar, out_path, ref):
    """A `docker save` style archive: manifest.json, the image config and one uncompressed layer."""
    with open(rootfs_tar, "rb") as f:
        layer = f.read()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "hull conformance tests: busybox-static rootfs"}],
    }
    config_bytes = json.dumps(config).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id[7:] + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": [layer_name]}]
    with tarfile.open(out_path, "w") as tar:
        for name, data in ((config_name, config_bytes), (layer_name, layer),
                           ("manifest.json", json.dumps(manifest).encode())):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tar.addfile(ti, io.BytesIO(data))


class Containerd:
    def __init__(self, base, runtimes):
        self.base = base
        self.runtimes = runtimes
        self.sock = os.path.join(base, "containerd.sock")
        self.ns = "hulltest-%s" % uuid.uuid4().hex[:8]
        self.config = os.path.join(base, "config.toml")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(base=base))
        self.log = open(os.path.join(base, "containerd.log"), "ab")
        self.proc = subprocess.Popen([CONTAINERD, "--config", self.config], stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.ids = []

    def wait_ready(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError("containerd exited %s: %s" % (self.proc.returncode, self.logtail()))
            if os.path.exists(self.sock) and self(None, "version", timeout=5).rc == 0:
                return
            time.sleep(0.1)
        raise AssertionError("containerd not ready: %s" % self.logtail())

    def logtail(self):
        with open(os.path.join(self.base, "containerd.log"), errors="replace") as f:
            return f.read()[-3000:]

    def __call__(self, runtime, *args, timeout=60):
        argv = [CTR, "--address", self.sock, "--namespace", self.ns] + [str(a) for a in args]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return hh.Result(p.returncode, p.stdout, p.stderr)

    def new_id(self, runtime):
        cid = "hulltest-%s-%s" % (runtime, uuid.uuid4().hex[:8])
        self.ids.append(cid)
        return cid

    def run_args(self, runtime, cid, *extra):
        """`ctr run` options for runtime: its binary, a private state root, the absolute cgroup."""
        a = ["run", "--cgroup", "%s/%s" % (CGROUP_PARENT, cid),
             "--runc-root", os.path.join(self.base, "runc-root", runtime)]
        if runtime == "hullrt":
            a += ["--runc-binary", self.runtimes["hullrt"]]
        return a + list(extra)

    def remove(self, cid):
        self(None, "task", "kill", "-s", "SIGKILL", cid, timeout=20)
        for _ in range(50):
            r = self(None, "task", "delete", cid, timeout=20)
            if r.rc == 0 or "not found" in r.stderr:
                break
            time.sleep(0.1)
        self(None, "container", "delete", cid, timeout=20)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def containerd(busybox_rootfs_tar):
    runtimes = {"runc": hh.RUNC, "hullrt": clients.hull_runtime_binary()}
    base = tempfile.mkdtemp(prefix="hulltest-ctr-", dir=hh.TMP)
    os.chmod(base, 0o711)
    # ctr and the shim keep fifos and shim sockets under /run/containerd whatever the daemon's state dir
    run_dir_was_there = os.path.exists(RUN_CONTAINERD)
    c = None
    try:
        c = Containerd(base, runtimes)
        c.wait_ready()
        archive = os.path.join(base, "busybox-image.tar")
        docker_archive(busybox_rootfs_tar, archive, IMAGE)
        c(None, "image", "import", archive, timeout=120).check("ctr image import")
        yield c
    finally:
        if c is not None:
            for cid in c.ids:
                try:
                    c.remove(cid)
                except subprocess.TimeoutExpired:
                    pass
            c.stop()
        clients.kill_processes_with_arg(base)  # shims (their -address names our socket)
        clients.remove_cgroup_tree(CGROUP_PARENT)
        clients.cleanup_dir(base)
        if not run_dir_was_there:
            remove_empty_dirs(RUN_CONTAINERD)


def remove_empty_dirs(top):
    """rmdir every empty directory under top, top included: what ctr left behind, never a file."""
    for root, _dirs, _files in os.walk(top, topdown=False):
        try:
            os.rmdir(root)
        except OSError:
            pass


@pytest.fixture
def ctr(containerd):
    start = len(containerd.ids)
    try:
        yield containerd
    finally:
        for cid in containerd.ids[start:]:
            containerd.remove(cid)


def both(fn):
    return {rt: fn(rt) for rt in RUNTIMES}


def assert_same(results, what):
    assert results["hullrt"] == results["runc"], "%s differs:\n runc:   %r\n hullrt: %r" % (
        what, results["runc"], results["hullrt"])


def test_image_imported(ctr):
    r = ctr(None, "image", "ls", "-q")
    assert IMAGE in r.stdout.split()


def test_run_rm(ctr):
    def scenario(rt):
        cid = ctr.new_id(rt)
        r = ctr(rt, *ctr.run_args(rt, cid, "--rm"), IMAGE, cid, "sh", "-c", "echo out; echo err >&2; exit 3")
        left = ctr(None, "container", "ls", "-q").stdout.split()
        return r.rc, r.stdout, r.stderr, cid in left, clients.cgroup_tree_dirs(CGROUP_PARENT + "/" + cid)

    res = both(scenario)
    assert res["runc"] == (3, "out\n", "err\n", False, []), res["runc"]
    assert_same(res, "ctr run --rm")


def test_run_in_own_cgroup(ctr):
    def scenario(rt):
        cid = ctr.new_id(rt)
        r = ctr(rt, *ctr.run_args(rt, cid, "--rm"), IMAGE, cid, "cat", "/proc/self/cgroup")
        paths = {}
        for ln in r.stdout.split():
            _n, ctrls, path = ln.split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                paths[c] = path.replace(cid, "ID")
        return r.rc, paths

    res = both(scenario)
    assert res["runc"][0] == 0
    assert res["runc"][1]["memory"] == CGROUP_PARENT + "/ID", res["runc"]
    assert all(clients.outside_own_cgroup(p.replace("ID", "x"), c) for rt in res for c, p in res[rt][1].items() if c)
    assert_same(res, "cgroups of the container")


def test_detached_exec_kill_delete(ctr):
    def scenario(rt):
        cid = ctr.new_id(rt)
        f = {}
        r = ctr(rt, *ctr.run_args(rt, cid, "-d"), IMAGE, cid, "sh", "-c",
                'trap "exit 42" TERM; while :; do sleep 0.1; done')
        f["run"] = r.rc
        hh.wait_for(lambda: "RUNNING" in ctr(None, "task", "ls").stdout, 10, what="task running")
        time.sleep(0.3)  # sh installs the trap before its first command
        r = ctr(None, "task", "exec", "--exec-id", "e1", cid, "sh", "-c", "echo in-exec; exit 7")
        f["exec"] = (r.rc, r.stdout)
        r = ctr(None, "task", "exec", "--exec-id", "e2", "--user", "65534", "--cwd", "/tmp", cid, "sh", "-c",
                'echo "$(id -u) $(pwd)"')
        f["exec_user_cwd"] = (r.rc, r.stdout)
        r = ctr(None, "task", "ps", cid)
        f["ps_count"] = len(r.stdout.strip().splitlines()) - 1 >= 1
        f["delete_running"] = ctr(None, "task", "delete", cid).rc != 0  # refused while running
        f["kill"] = ctr(None, "task", "kill", "-s", "SIGTERM", cid).rc
        hh.wait_for(lambda: "STOPPED" in ctr(None, "task", "ls").stdout or
                    cid not in ctr(None, "task", "ls").stdout, 10, what="task stopped")
        r = ctr(None, "task", "delete", cid)
        f["delete"] = (r.rc, r.stdout.strip())
        f["task_gone"] = cid not in ctr(None, "task", "ls", "-q").stdout.split()
        f["container_delete"] = ctr(None, "container", "delete", cid).rc
        f["cgroup_gone"] = clients.cgroup_tree_dirs(CGROUP_PARENT + "/" + cid) == []
        return f

    res = both(scenario)
    ref = res["runc"]
    assert ref["run"] == 0 and ref["exec"] == (7, "in-exec\n") and ref["exec_user_cwd"] == (0, "65534 /tmp\n")
    assert ref["delete_running"] and ref["kill"] == 0 and ref["delete"][0] == 0
    assert ref["task_gone"] and ref["container_delete"] == 0 and ref["cgroup_gone"]
    for k in ref:
        assert res["hullrt"][k] == ref[k], "%s: runc %r, hullrt %r" % (k, ref[k], res["hullrt"][k])


def test_pause_resume(ctr):
    def scenario(rt):
        cid = ctr.new_id(rt)
        ctr(rt, *ctr.run_args(rt, cid, "-d"), IMAGE, cid, "sleep", "1000").check("ctr run -d")
        freezer = os.path.join(hh.CGROUP_ROOT, "freezer", CGROUP_PARENT.strip("/"), cid, "freezer.state")

        def status():
            for ln in ctr(None, "task", "ls").stdout.splitlines():
                if ln.split() and ln.split()[0] == cid:
                    return ln.split()[2]
            return None
        f = {"pause": ctr(None, "task", "pause", cid).rc, "paused": status(), "frozen": open(freezer).read().strip()}
        f["resume"] = ctr(None, "task", "resume", cid).rc
        f["running"] = status()
        f["thawed"] = open(freezer).read().strip()
        r = ctr(None, "task", "exec", "--exec-id", "e", cid, "echo", "alive")
        f["exec_after"] = (r.rc, r.stdout, r.stderr.strip()[-300:])
        return f

    res = both(scenario)
    assert res["runc"] == {"pause": 0, "paused": "PAUSED", "frozen": "FROZEN", "resume": 0, "running": "RUNNING",
                           "thawed": "THAWED", "exec_after": (0, "alive\n", "")}, res["runc"]
    assert_same(res, "pause/resume")


def test_metrics(ctr):
    def scenario(rt):
        cid = ctr.new_id(rt)
        ctr(rt, *ctr.run_args(rt, cid, "-d", "--memory-limit", str(64 << 20)), IMAGE, cid, "sleep", "1000") \
            .check("ctr run -d")
        r = ctr(None, "task", "metrics", "--format", "json", cid)
        m = json.loads(r.stdout) if r.rc == 0 else {}  # the v1 metrics message itself
        usage = m.get("memory", {}).get("usage", {})
        cpu = m.get("cpu", {}).get("usage", {})
        return (r.rc, usage.get("limit"), usage.get("usage", 0) > 0, m.get("pids", {}).get("current"),
                cpu.get("total", 0) > 0)

    res = both(scenario)
    assert res["runc"] == (0, 64 << 20, True, 1, True), res["runc"]
    assert_same(res, "ctr task metrics")


def _ctr_run_t(ctr, rt):
    cid = ctr.new_id(rt)
    argv = [CTR, "--address", ctr.sock, "--namespace", ctr.ns] + ctr.run_args(rt, cid, "--rm", "-t") + \
        [IMAGE, cid, "sh"]
    rc, out = clients.pty_session(argv, dict(os.environ), cwd=ctr.base,
                                  steps=[(b"# ", clients.TTY_PROBE), (b"fd0=", b"exit 4\n")])
    return rc, clients.tty_facts(out.decode(errors="replace"))


def test_run_tty(ctr):
    """ctr run -t: a shell on a terminal, input and output through it, its exit status returned."""
    res = both(lambda rt: (lambda rc, f: (rc, f["stdin_is_tty"], f["arith"]))(*_ctr_run_t(ctr, rt)))
    assert res["runc"] == (4, True, True), res["runc"]
    assert_same(res, "ctr run -t")


def test_run_tty_is_the_containers_pts(ctr):
    res = both(lambda rt: (lambda rc, f: (f["tty_is_pts"], f["fd0_is_pts"]))(*_ctr_run_t(ctr, rt)))
    assert res["runc"] == (True, True), res["runc"]
    assert_same(res, "terminal device of ctr run -t")
