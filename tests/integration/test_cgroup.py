"""cgroup commands of hullrt against the real kernel: update, pause/resume, events (stats and OOM),
and limits that must hold (pids.limit against a fork bomb, memory.limit against an allocation).

Where the reference matters, the same test runs against runc (fixture `rt`): both must leave the same
values in the kernel's files. The v1 file checks need this host's v1 controllers (skipped elsewhere)."""
import json
import os
import select
import subprocess
import time

import pytest

import hullharness as hh

V1 = os.path.isfile("/sys/fs/cgroup/memory/cgroup.procs")
needs_v1 = pytest.mark.skipif(not V1, reason="needs the cgroup v1 controllers at /sys/fs/cgroup/<controller>")


def cg_file(cid, ctrl, name):
    with open(os.path.join(hh.CGROUP_ROOT, ctrl, hh.CGROUP_PARENT, cid, name)) as f:
        return f.read().strip()


def sleeper(rt, make_bundle, resources=None):
    b = make_bundle()
    if resources:
        b.linux["resources"] = resources
    rt.start_sleeper(b, secs=120)
    return b


@needs_v1
def test_update_memory_flags(rt, make_bundle):
    b = sleeper(rt, make_bundle, {"memory": {"limit": 64 << 20, "swap": 64 << 20}})
    # raise both: memsw has to go first, or the kernel refuses limit > memsw
    rt.cmd("update", "--memory", "256m", "--memory-swap", "512M", "--memory-reservation", "32m", b.id).check("update")
    assert cg_file(b.id, "memory", "memory.limit_in_bytes") == str(256 << 20)
    assert cg_file(b.id, "memory", "memory.memsw.limit_in_bytes") == str(512 << 20)
    assert cg_file(b.id, "memory", "memory.soft_limit_in_bytes") == str(32 << 20)
    # lower both: the limit has to go first
    rt.cmd("update", "--memory", "100m", "--memory-swap", "150m", b.id).check("update")
    assert cg_file(b.id, "memory", "memory.limit_in_bytes") == str(100 << 20)
    assert cg_file(b.id, "memory", "memory.memsw.limit_in_bytes") == str(150 << 20)
    # -1: unlimited swap
    rt.cmd("update", "--memory-swap", "-1", b.id).check("update")
    assert int(cg_file(b.id, "memory", "memory.memsw.limit_in_bytes")) > 1 << 60


@needs_v1
def test_update_cpu_and_pids_flags(rt, make_bundle):
    b = sleeper(rt, make_bundle)
    rt.cmd("update", "--cpu-share", "512", "--cpu-period", "50000", "--cpu-quota", "20000", "--cpuset-cpus", "0",
           "--cpuset-mems", "0", "--pids-limit", "50", b.id).check("update")
    assert cg_file(b.id, "cpu", "cpu.shares") == "512"
    assert cg_file(b.id, "cpu", "cpu.cfs_period_us") == "50000"
    assert cg_file(b.id, "cpu", "cpu.cfs_quota_us") == "20000"
    assert cg_file(b.id, "cpuset", "cpuset.cpus") == "0"
    assert cg_file(b.id, "cpuset", "cpuset.mems") == "0"
    assert cg_file(b.id, "pids", "pids.max") == "50"
    rt.cmd("update", "--cpu-quota", "-1", b.id).check("update")
    assert cg_file(b.id, "cpu", "cpu.cfs_quota_us") == "-1"


@needs_v1
def test_update_blkio_weight(rt, make_bundle):
    b = sleeper(rt, make_bundle)
    path = os.path.join(hh.CGROUP_ROOT, "blkio", hh.CGROUP_PARENT, b.id, "blkio.bfq.weight")
    if not os.path.exists(path):
        pytest.skip("no BFQ weight file in this kernel")
    rt.cmd("update", "--blkio-weight", "300", b.id).check("update")
    assert "300" in cg_file(b.id, "blkio", "blkio.bfq.weight")


@needs_v1
def test_update_resources_file_and_stdin(runtime, make_bundle):
    b = sleeper(runtime, make_bundle)
    res = os.path.join(b.path, "resources.json")
    with open(res, "w") as f:
        json.dump({"memory": {"limit": 80 << 20}, "pids": {"limit": 33}, "cpu": {"shares": 256}}, f)
    runtime.cmd("update", "-r", res, b.id).check("update -r")
    assert cg_file(b.id, "memory", "memory.limit_in_bytes") == str(80 << 20)
    assert cg_file(b.id, "pids", "pids.max") == "33"
    assert cg_file(b.id, "cpu", "cpu.shares") == "256"
    # from stdin, with a flag that overrides the file (as runc)
    r = runtime.cmd("update", "-r", "-", "--pids-limit", "44", b.id,
                    input=json.dumps({"pids": {"limit": 22}, "memory": {"reservation": 16 << 20}}).encode())
    r.check("update -r -")
    assert cg_file(b.id, "pids", "pids.max") == "44"
    assert cg_file(b.id, "memory", "memory.soft_limit_in_bytes") == str(16 << 20)


@needs_v1
def test_update_errors_name_field_and_file(runtime, make_bundle):
    b = sleeper(runtime, make_bundle)
    r = runtime.cmd("update", "--cpuset-cpus", "abc", b.id)
    assert r.rc == 1
    assert 'linux.resources.cpu.cpus: write cpuset.cpus "abc": Invalid argument' in r.stderr
    r = runtime.cmd("update", "--memory", "lots", b.id)
    assert r.rc == 1 and 'invalid value for memory: "lots"' in r.stderr
    r = runtime.cmd("update", "-r", "-", b.id, input=b'{"memory": {"limit": "x"}}')
    assert r.rc == 1 and "linux.resources.memory.limit" in r.stderr
    r = runtime.cmd("update", "-r", "-", b.id, input=b'{"memory": ')
    assert r.rc == 1 and "<stdin>:1:" in r.stderr
    r = runtime.cmd("update", "--memory", "1m", "nosuch-" + b.id)
    assert r.rc == 1 and "container does not exist" in r.stderr
    # nothing changed by the failed calls
    assert cg_file(b.id, "cpuset", "cpuset.cpus") != "abc"


def test_pause_resume(rt, make_bundle):
    b = sleeper(rt, make_bundle)
    rt.cmd("pause", b.id).check("pause")
    assert rt.status(b.id) == "paused"
    if V1:
        assert cg_file(b.id, "freezer", "freezer.state") == "FROZEN"
    r = rt.cmd("resume", b.id)
    assert r.rc == 0, r.stderr
    assert rt.status(b.id) == "running"
    if V1:
        assert cg_file(b.id, "freezer", "freezer.state") == "THAWED"
    r = rt.cmd("resume", b.id)
    assert r.rc != 0 and "not paused" in r.stderr


def test_pause_frozen_process_makes_no_progress(runtime, make_bundle):
    b = make_bundle()
    b.process["args"] = ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; done"]
    runtime.create(b).check("create")
    runtime.start(b.id).check("start")
    runtime.wait_status(b.id, "running")
    count = b.rootfs_path("/tmp/count")
    hh.wait_for(lambda: os.path.exists(count), what="the loop to write")
    runtime.cmd("pause", b.id).check("pause")
    time.sleep(0.1)
    with open(count) as f:
        before = f.read()
    time.sleep(0.3)
    with open(count) as f:
        assert f.read() == before
    runtime.cmd("resume", b.id).check("resume")
    hh.wait_for(lambda: open(count).read() != before, what="the loop to go on after resume")
    # kill and delete work on a paused container too
    runtime.cmd("pause", b.id).check("pause")
    runtime.cmd("delete", "--force", b.id).check("delete --force of a paused container")
    assert hh.cgroup_dirs(b.id) == []


def test_events_stats_shape(rt, make_bundle):
    b = sleeper(rt, make_bundle, {"pids": {"limit": 64}})
    r = rt.cmd("events", "--stats", b.id)
    r.check("events --stats")
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    ev = json.loads(lines[0])
    assert ev["type"] == "stats" and ev["id"] == b.id
    d = ev["data"]
    for k in ("cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"):
        assert k in d, k
    assert d["cpu"]["usage"].get("total", 0) > 0, d
    assert "kernel" in d["cpu"]["usage"] and "user" in d["cpu"]["usage"]
    assert d["memory"]["usage"]["usage"] > 0
    assert "limit" in d["memory"]["usage"] and "failcnt" in d["memory"]["usage"]
    assert d["pids"] == {"current": 1, "limit": 64}
    assert d["cpuset"]["cpus"]


def test_events_stats_same_keys_as_runc(runtime, runc, make_bundle):
    keys = []
    for r in (runtime, runc):
        b = sleeper(r, make_bundle)
        res = r.cmd("events", "--stats", b.id)
        res.check("events --stats")
        ev = json.loads(res.stdout.strip().splitlines()[-1])
        # keys Go's omitempty may drop depend on the values (page cache charged or not): compare the rest
        mem = set(ev["data"]["memory"]) - {"cache", "raw"}
        usage = set(ev["data"]["cpu"]["usage"]) - {"total", "percpu", "percpu_kernel", "percpu_user"}
        keys.append((sorted(ev), sorted(ev["data"]), sorted(mem), sorted(usage), sorted(ev["data"]["cpuset"])))
    assert keys[0] == keys[1]


def test_events_interval_stream(runtime, make_bundle):
    b = sleeper(runtime, make_bundle)
    p = subprocess.Popen([runtime.binary, "--root", runtime.root, "events", "--interval", "200ms", b.id],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        got = []
        deadline = time.time() + 10
        while len(got) < 3 and time.time() < deadline:
            rl, _, _ = select.select([p.stdout], [], [], 1)
            if rl:
                got.append(json.loads(p.stdout.readline()))
        assert len(got) == 3 and all(e["type"] == "stats" for e in got)
        # the stream ends once the container is gone
        runtime.kill(b.id, "KILL").check("kill")
        assert p.wait(timeout=10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    r = runtime.cmd("events", "--interval", "bogus", b.id)
    assert r.rc == 1 and "bogus" in r.stderr


@needs_v1
def test_events_oom(runtime, make_bundle):
    b = make_bundle(args=["/hull-helper", "alloc", "512"])
    b.linux["resources"] = {"memory": {"limit": 32 << 20, "swap": 32 << 20}}
    runtime.create(b).check("create")
    p = subprocess.Popen([runtime.binary, "--root", runtime.root, "events", "--interval", "30s", b.id],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.3)  # the OOM eventfd must be registered before the allocation starts
        runtime.start(b.id).check("start")
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    events = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert {"type": "oom", "id": b.id} in events, (events, err)
    runtime.wait_status(b.id, "stopped", timeout=10)
    assert "oom_kill 1" in cg_file(b.id, "memory", "memory.oom_control") or \
        "oom_kill" in cg_file(b.id, "memory", "memory.oom_control")


def test_pids_limit_stops_fork_bomb(rt, make_bundle):
    b = make_bundle()
    b.linux["resources"] = {"pids": {"limit": 16}}
    facts = rt.run_facts(b, args=("forkbomb", "2000"))
    assert facts["limited"] is True
    assert facts["forked"] <= 15  # the helper itself is one of the 16
    assert facts["forked"] >= 10


def test_memory_limit_holds(rt, make_bundle):
    b = make_bundle(args=["/hull-helper", "alloc", "256"])
    b.linux["resources"] = {"memory": {"limit": 32 << 20, "swap": 32 << 20}}
    r = rt.run(b, timeout=60)
    assert r.rc == 137, (r.rc, r.stderr)  # SIGKILLed by the OOM killer
    allocated = [json.loads(line)["allocated_mb"] for line in r.stdout.splitlines() if line.startswith("{")]
    assert allocated and max(allocated) < 32


@needs_v1
def test_pids_limit_zero_and_negative(rt, make_bundle):
    # runc 1.1 (this host's reference): 0 leaves pids.max alone, a negative limit is "max"
    b = sleeper(rt, make_bundle, {"pids": {"limit": 0}})
    assert cg_file(b.id, "pids", "pids.max") == "max"
    c = sleeper(rt, make_bundle, {"pids": {"limit": -1}})
    assert cg_file(c.id, "pids", "pids.max") == "max"
    rt.cmd("update", "--pids-limit", "7", c.id).check("update")
    assert cg_file(c.id, "pids", "pids.max") == "7"
    rt.cmd("update", "--pids-limit", "0", c.id).check("update")  # 0: unchanged
    assert cg_file(c.id, "pids", "pids.max") == "7"


@needs_v1
def test_bad_resource_fails_create_without_leftovers(runtime, make_bundle):
    b = make_bundle()
    ncpu = os.cpu_count() or 1
    b.linux["resources"] = {"cpu": {"cpus": str(ncpu + 7)}}  # a CPU this machine lacks: the kernel says ERANGE
    r = runtime.create(b)
    assert r.rc == 1
    assert 'linux.resources.cpu.cpus: write cpuset.cpus "%d": Numerical result out of range' % (ncpu + 7) in r.stderr
    assert hh.leftovers(runtime, b.id, b) == []


@needs_v1
def test_update_and_stats_while_paused(runtime, make_bundle):
    b = sleeper(runtime, make_bundle)
    runtime.cmd("pause", b.id).check("pause")
    runtime.cmd("update", "--memory", "64m", b.id).check("update while paused")
    assert cg_file(b.id, "memory", "memory.limit_in_bytes") == str(64 << 20)
    ev = json.loads(runtime.cmd("events", "--stats", b.id).stdout)
    assert ev["data"]["memory"]["usage"]["limit"] == 64 << 20
    assert runtime.status(b.id) == "paused"
    runtime.cmd("resume", b.id).check("resume")
