"""create/start/state/kill/delete and the state machine creating→created→running→stopped, as runc does it;
run exit statuses; run -d; list; kill forms; delete --force; ps."""
import json
import os
import signal

import pytest

import hullharness as hh

STATE_KEYS = {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"}


def test_create_start_kill_delete_states(runtime, bundle):
    runtime.create(bundle).check("create")
    st = runtime.state_json(bundle.id)
    assert st["status"] == "created"
    assert st["id"] == bundle.id
    assert st["bundle"] == bundle.path
    assert st["pid"] > 0 and hh.pid_alive(st["pid"])
    assert STATE_KEYS <= set(st), "state lacks %s" % (STATE_KEYS - set(st))
    assert os.path.isdir(runtime.state_dir(bundle.id))
    # created: the user process has not run yet
    assert "pid" not in bundle.log()


def test_full_walk(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.create(b).check("create")
    st = runtime.state_json(b.id)
    assert st["status"] == "created"
    pid = st["pid"]
    runtime.start(b.id).check("start")
    runtime.wait_status(b.id, "running")
    assert runtime.state_json(b.id)["pid"] == pid
    runtime.kill(b.id, "KILL").check("kill")
    runtime.wait_status(b.id, "stopped")
    st = runtime.state_json(b.id)
    assert st["status"] == "stopped"
    runtime.delete(b.id).check("delete")
    assert not os.path.exists(runtime.state_dir(b.id))
    assert hh.cgroup_dirs(b.id) == []
    r = runtime.state(b.id)
    assert r.rc != 0 and ("does not exist" in r.stderr or b.id in r.stderr)


def test_start_runs_process_and_stops(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "write", "/tmp/started", "yes"])
    runtime.create(b).check("create")
    assert not os.path.exists(b.rootfs_path("/tmp/started"))
    runtime.start(b.id).check("start")
    runtime.wait_status(b.id, "stopped")
    with open(b.rootfs_path("/tmp/started")) as f:
        assert f.read() == "yes"


def test_start_twice_fails(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.create(b).check("create")
    runtime.start(b.id).check("start")
    r = runtime.start(b.id)
    assert r.rc != 0


def test_delete_running_refused_without_force(runtime, make_bundle):
    b = make_bundle()
    st = runtime.start_sleeper(b)
    r = runtime.delete(b.id)
    assert r.rc != 0
    assert runtime.status(b.id) == "running"
    runtime.delete(b.id, force=True).check("delete --force")
    assert not os.path.exists(runtime.state_dir(b.id))
    hh.wait_for(lambda: not hh.pid_alive(st["pid"]), what="init to die")
    assert hh.cgroup_dirs(b.id) == []


def test_delete_force_created(runtime, make_bundle):
    b = make_bundle()
    runtime.create(b).check("create")
    pid = runtime.state_json(b.id)["pid"]
    runtime.delete(b.id, force=True).check("delete --force")
    hh.wait_for(lambda: not hh.pid_alive(pid), what="init to die")
    assert hh.leftovers(runtime, b.id, b) == []


def test_delete_created_without_force(runtime, make_bundle):
    # runc deletes a created (never started) container without --force: it kills the init.
    b = make_bundle()
    runtime.create(b).check("create")
    pid = runtime.state_json(b.id)["pid"]
    runtime.delete(b.id).check("delete")
    hh.wait_for(lambda: not hh.pid_alive(pid), what="init to die")
    assert hh.leftovers(runtime, b.id, b) == []


@pytest.mark.parametrize("code", [0, 3, 255])
def test_run_exit_status(runtime, make_bundle, code):
    b = make_bundle(["/hull-helper", "exit", str(code)])
    r = runtime.run(b)
    assert r.rc == code, r.stderr
    # run deletes the container when it exits
    assert not os.path.exists(runtime.state_dir(b.id))
    assert hh.cgroup_dirs(b.id) == []


def test_run_killed_by_signal_is_128_plus_sig(runtime, make_bundle):
    import subprocess
    import threading
    b = make_bundle(["/hull-helper", "sleep", "30"])
    res = {}

    def go():
        res["r"] = runtime.run(b)

    t = threading.Thread(target=go)
    t.start()
    try:
        runtime.wait_status(b.id, "running", timeout=10)
        runtime.kill(b.id, "KILL").check("kill")
    finally:
        t.join(20)
    assert res["r"].rc == 128 + signal.SIGKILL


def test_run_sigterm_to_sh_child_status(runtime, make_bundle):
    # A child killed by a signal: the shell reports 128+sig as its own exit status.
    b = make_bundle(["/bin/sh", "-c", "/hull-helper kill-self TERM; exit $?"])
    r = runtime.run(b)
    assert r.rc == 128 + signal.SIGTERM


def test_run_stdout_stderr(runtime, make_bundle):
    b = make_bundle(["/bin/sh", "-c", "echo out; echo err >&2; exit 0"])
    r = runtime.run(b)
    assert r.rc == 0
    assert r.stdout == "out\n"
    assert "err\n" in r.stderr


def test_run_detach(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "print-ready", "30"])
    r = runtime.run(b, detach=True)
    assert r.rc == 0, r.stderr
    st = runtime.state_json(b.id)
    assert st["status"] == "running"
    hh.wait_for(lambda: '"ready"' in b.log(), what="container output")
    runtime.kill(b.id, "KILL").check()
    runtime.wait_status(b.id, "stopped")
    runtime.delete(b.id).check()


def test_pid_file(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    pf = os.path.join(b.path, "init.pid")
    runtime.create(b, pid_file=pf).check("create")
    with open(pf) as f:
        pid = int(f.read().strip())
    assert pid == runtime.state_json(b.id)["pid"]


@pytest.mark.parametrize("sig", ["KILL", "SIGKILL", "9"])
def test_kill_signal_forms(runtime, make_bundle, sig):
    b = make_bundle()
    runtime.start_sleeper(b)
    runtime.kill(b.id, sig).check("kill " + sig)
    runtime.wait_status(b.id, "stopped")


def test_kill_default_is_sigterm(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "wait-signal", "20"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    hh.wait_for(lambda: '"ready"' in b.log(), what="helper ready")
    runtime.kill(b.id).check("kill")
    runtime.wait_status(b.id, "stopped")
    assert hh.parse_last_json(b.log())["signal"] == signal.SIGTERM


def test_kill_delivers_named_signal(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "wait-signal", "20"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    hh.wait_for(lambda: '"ready"' in b.log(), what="helper ready")
    runtime.kill(b.id, "USR1").check("kill USR1")
    runtime.wait_status(b.id, "stopped")
    assert hh.parse_last_json(b.log())["signal"] == signal.SIGUSR1


def test_kill_all(runtime, make_bundle):
    b = make_bundle(["/bin/sh", "-c", "/hull-helper sleep 30 & /hull-helper sleep 30 & wait"])
    b.add_namespace("pid")
    runtime.create(b).check()
    runtime.start(b.id).check()
    hh.wait_for(lambda: len(hh.processes_of(b.id)) >= 3, what="3 processes")
    runtime.kill(b.id, "KILL", all=True).check("kill --all")
    hh.wait_for(lambda: not [p for p in hh.processes_of(b.id) if hh.pid_alive(p)], what="all dead")
    runtime.wait_status(b.id, "stopped")


def test_kill_bad_signal(runtime, make_bundle):
    b = make_bundle()
    runtime.start_sleeper(b)
    r = runtime.kill(b.id, "NOTASIGNAL")
    assert r.rc != 0
    assert runtime.status(b.id) == "running"


def test_kill_stopped_fails(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "exit", "0"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    runtime.wait_status(b.id, "stopped")
    r = runtime.kill(b.id, "KILL")
    assert r.rc != 0


def test_list_formats(runtime, make_bundle):
    b1 = make_bundle()
    b2 = make_bundle()
    runtime.start_sleeper(b1)
    runtime.create(b2).check()
    r = runtime.list()
    assert r.rc == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    assert rows[b1.id][2] == "running" and rows[b2.id][2] == "created"
    assert rows[b1.id][3] == b1.path
    q = runtime.list(quiet=True)
    assert sorted(q.stdout.split()) == sorted([b1.id, b2.id])
    j = runtime.list(fmt="json")
    items = {c["id"]: c for c in json.loads(j.stdout)}
    assert set(items) == {b1.id, b2.id}
    assert items[b1.id]["status"] == "running"
    for key in ("ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"):
        assert key in items[b1.id], key


def test_list_empty(runtime):
    r = runtime.list()
    assert r.rc == 0
    assert r.stdout.split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    j = runtime.list(fmt="json")
    assert j.rc == 0 and json.loads(j.stdout or "null") in (None, [])


def test_ps_json(runtime, make_bundle):
    b = make_bundle(["/bin/sh", "-c", "/hull-helper sleep 30 & wait"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    hh.wait_for(lambda: len(hh.processes_of(b.id)) >= 2, what="2 processes")
    r = runtime.ps(b.id, fmt="json")
    assert r.rc == 0, r.stderr
    pids = json.loads(r.stdout)
    assert set(pids) == hh.processes_of(b.id)


def test_ps_table(runtime, make_bundle):
    b = make_bundle()
    st = runtime.start_sleeper(b)
    r = runtime.ps(b.id)
    assert r.rc == 0, r.stderr
    assert "PID" in r.stdout.splitlines()[0]
    assert str(st["pid"]) in r.stdout


def test_state_stopped_after_exit(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "exit", "7"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    runtime.wait_status(b.id, "stopped")
    st = runtime.state_json(b.id)
    assert st["status"] == "stopped"
    assert st["pid"] == 0  # runc reports pid 0 once stopped


def test_state_unknown_container(runtime):
    r = runtime.state("hulltest-nonexistent")
    assert r.rc != 0
    assert "does not exist" in r.stderr or "hulltest-nonexistent" in r.stderr


def test_kill_created_container(runtime, make_bundle):
    b = make_bundle()
    runtime.create(b).check()
    pid = runtime.state_json(b.id)["pid"]
    runtime.kill(b.id, "KILL").check("kill of a created container")
    hh.wait_for(lambda: not hh.pid_alive(pid), what="init to die")
    runtime.wait_status(b.id, "stopped")
    r = runtime.start(b.id)
    assert r.rc != 0


def test_init_killed_from_outside_is_stopped(runtime, make_bundle):
    b = make_bundle()
    st = runtime.start_sleeper(b)
    os.kill(st["pid"], signal.SIGKILL)
    runtime.wait_status(b.id, "stopped")
    runtime.delete(b.id).check("delete")
    assert hh.leftovers(runtime, b.id, b) == []


def test_pid_reuse_not_mistaken_for_init(runtime, make_bundle):
    # state must not call a container running because some other process now has its old pid:
    # we cannot force pid reuse, but a stopped container's state must stay stopped across calls.
    b = make_bundle(["/hull-helper", "exit", "0"])
    runtime.create(b).check()
    runtime.start(b.id).check()
    runtime.wait_status(b.id, "stopped")
    for _ in range(3):
        assert runtime.status(b.id) == "stopped"


def test_many_containers_one_root(runtime, make_bundle):
    bs = [make_bundle() for _ in range(4)]
    for b in bs:
        runtime.create(b).check()
    ids = sorted(runtime.list(quiet=True).stdout.split())
    assert ids == sorted(b.id for b in bs)
    for b in bs:
        runtime.delete(b.id, force=True).check()
    assert runtime.list(quiet=True).stdout.split() == []
    for b in bs:
        assert hh.leftovers(runtime, b.id, b) == []
