"""exec into a running container: stdio, exit status, -d, -e/--cwd/-u, --process, same namespaces and
cgroup as init; exec into a stopped or created container fails."""
import json
import os

import pytest

import hullharness as hh

NS = ("ipc", "mnt", "net", "pid", "uts", "cgroup", "user", "time")


@pytest.fixture
def running(runtime, make_bundle):
    b = make_bundle()
    b.add_namespace("cgroup")
    st = runtime.start_sleeper(b)
    return b, st


def test_exec_output_and_status(runtime, running):
    b, _ = running
    r = runtime.exec(b.id, ["/bin/sh", "-c", "echo hello; echo oops >&2; exit 6"])
    assert r.rc == 6
    assert r.stdout == "hello\n"
    assert "oops" in r.stderr


def test_exec_same_namespaces_and_cgroup(runtime, running):
    b, st = running
    r = runtime.exec(b.id, ["/hull-helper", "facts"])
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    for n in NS:
        assert f["ns"][n] == hh.ns_inode(st["pid"], n), n
    assert f["ppid"] == 0  # entered the pid namespace from outside
    assert f["pid"] != 1
    assert f["cgroup"]["memory"] == "/"  # same cgroup as init, seen through its cgroup namespace
    with open("/proc/%d/cgroup" % st["pid"]) as fobj:
        init_cg = fobj.read()
    assert "/hulltest/%s" % b.id in init_cg


def test_exec_inherits_process_settings(runtime, running):
    b, _ = running
    f = hh.parse_last_json(runtime.exec(b.id, ["/hull-helper", "facts"]).check().stdout)
    assert f["env"]["HULLTEST_ID"] == b.id
    assert f["cwd"] == "/"
    assert f["hostname"] == "hulltest"
    assert f["no_new_privs"] == 1
    assert int(f["status"]["CapBnd"], 16) == (1 << 5) | (1 << 10) | (1 << 29)
    assert sorted(f["fds"], key=int) == ["0", "1", "2"]
    assert f["rlimits"]["RLIMIT_NOFILE"] == [1024, 1024]


def test_exec_env_cwd_user(runtime, running):
    b, _ = running
    os.makedirs(b.rootfs_path("/srv/x"))
    r = runtime.exec(b.id, ["/hull-helper", "facts"], env=["HULL_EXEC=1", "HULLTEST_ID=over"], cwd="/srv/x",
                     user="1000:1000")
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["env"]["HULL_EXEC"] == "1"
    assert f["env"]["HULLTEST_ID"] == "over"
    assert f["cwd"] == "/srv/x"
    assert (f["uid"], f["gid"]) == (1000, 1000)


def test_exec_additional_gids(runtime, running):
    b, _ = running
    r = runtime.exec(b.id, ["/hull-helper", "facts"], user="1000:1000", extra=["--additional-gids", "2000"])
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["groups"] == [2000]


def test_exec_process_json(runtime, running):
    b, _ = running
    proc = dict(b.config["process"])
    proc["args"] = ["/hull-helper", "facts"]
    proc["env"] = ["PATH=/bin", "HULL_FROM_PROCESS_JSON=yes"]
    proc["cwd"] = "/tmp"
    p = os.path.join(b.path, "process.json")
    with open(p, "w") as fobj:
        json.dump(proc, fobj)
    r = runtime.exec(b.id, process=p)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["env"]["HULL_FROM_PROCESS_JSON"] == "yes"
    assert f["cwd"] == "/tmp"


def test_exec_detach(runtime, running):
    b, _ = running
    pf = os.path.join(b.path, "exec.pid")
    r = runtime.exec(b.id, ["/hull-helper", "write", "/tmp/exec-d", "ran"], detach=True, pid_file=pf)
    assert r.rc == 0, r.stderr
    with open(pf) as fobj:
        assert int(fobj.read()) > 0
    hh.wait_for(lambda: os.path.exists(b.rootfs_path("/tmp/exec-d")), what="detached exec to run")


def test_exec_killed_status(runtime, running):
    b, _ = running
    r = runtime.exec(b.id, ["/hull-helper", "kill-self", "KILL"])
    assert r.rc == 137


def test_exec_missing_binary(runtime, running):
    b, _ = running
    r = runtime.exec(b.id, ["/no/such/binary"])
    assert r.rc != 0
    assert "/no/such/binary" in r.stderr
    assert runtime.status(b.id) == "running"


def test_exec_into_stopped_fails(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "exit", "0"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    runtime.wait_status(b.id, "stopped")
    r = runtime.exec(b.id, ["/bin/true"])
    assert r.rc != 0
    assert "stopped" in r.stderr or "not running" in r.stderr


def test_exec_unknown_container(runtime):
    r = runtime.exec("hulltest-nope", ["/bin/true"])
    assert r.rc != 0


def test_exec_shows_in_ps(runtime, running):
    b, st = running
    pf = os.path.join(b.path, "exec.pid")
    runtime.exec(b.id, ["/hull-helper", "sleep", "30"], detach=True, pid_file=pf).check()
    with open(pf) as fobj:
        epid = int(fobj.read())
    r = runtime.ps(b.id, fmt="json")
    assert r.rc == 0
    assert set(json.loads(r.stdout)) >= {st["pid"], epid}


def test_exec_does_not_leak_fds(runtime, running):
    b, _ = running
    f = hh.parse_last_json(runtime.exec(b.id, ["/hull-helper", "facts"]).check().stdout)
    for fd, target in f["fds"].items():
        assert int(fd) <= 2, (fd, target)


def test_exec_preserve_fds(runtime, running):
    import subprocess
    b, _ = running
    p = os.path.join(b.path, "exec-fd.txt")
    open(p, "w").close()
    script = 'exec 3<"$1"; shift; exec "$@"'
    argv = ["/bin/sh", "-c", script, "sh", p, runtime.binary, "--root", runtime.root, "exec",
            "--preserve-fds", "1", b.id, "/hull-helper", "facts"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["fds"].get("3", "").endswith("exec-fd.txt"), f["fds"]
