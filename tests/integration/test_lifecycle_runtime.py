"""The lifecycle as hullrt owns it: ids and the state dir, nothing left behind on failure, hooks and their
order (runtime.md), exec, terminals, runc-identical output shapes, concurrency and crash recovery.
Cases that compare with runc take the `rt` fixture and run against both."""
import json
import os
import signal
import subprocess
import threading
import time

import pytest

import hullharness as hh

HOOK_LOG_SCRIPT = """
status=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
echo "$1 $status" >> "%s"
exit ${2:-0}
"""


def _leftovers_none(rt, cid, bundle):
    left = hh.leftovers(rt, cid, bundle)
    assert left == [], "left behind: %s" % left


@pytest.mark.parametrize("cid", ["", "..", ".", "a/b", "../x", "a b", "x" * 300])
def test_lifecycle_bad_ids_refused(rt, bundle, cid):
    r = rt.create(bundle, cid=cid)
    assert r.rc != 0
    assert r.stderr.strip(), "no error message"
    assert not os.path.exists(os.path.join(rt.root, "x")) and os.listdir(rt.root) == []


def test_lifecycle_create_existing_id(rt, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    rt.create(b).check("create")
    pid = rt.state_json(b.id)["pid"]
    b2 = make_bundle(["/hull-helper", "sleep", "30"], cid=b.id)
    r = rt.create(b2, cid=b.id)
    assert r.rc == 1
    assert "exists" in r.stderr
    if not rt.is_runc:
        assert "container with id exists: %s" % b.id in r.stderr
    st = rt.state_json(b.id)  # the first one is untouched
    assert st["pid"] == pid and st["status"] == "created" and st["bundle"] == b.path


def test_lifecycle_concurrent_creates_one_wins(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    b.save()
    runtime._remember(b.id, b)
    argv = [runtime.binary, "--root", runtime.root, "create", "--bundle", b.path, b.id]
    # files, not pipes: the winner's init inherits them and lives on
    logs = [open(os.path.join(b.path, "create-%d.err" % i), "w+") for i in range(4)]
    procs = [subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logs[i])
             for i in range(4)]
    for p in procs:
        p.wait(timeout=30)
    errs = []
    for f in logs:
        f.seek(0)
        errs.append(f.read())
        f.close()
    assert sorted(p.returncode for p in procs) == [0, 1, 1, 1], errs
    assert sum("container with id exists" in e for e in errs) == 3, errs
    assert runtime.status(b.id) == "created"


@pytest.mark.parametrize("what", ["missing-binary", "cwd-is-file", "bad-mount"])
def test_lifecycle_failed_create_leaves_nothing(rt, make_bundle, what):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    if what == "missing-binary":
        b.process["args"] = ["/no/such/binary"]
    elif what == "cwd-is-file":
        b.process["cwd"] = "/etc/passwd"
    else:
        b.add_mount("/mnt/x", "bind", "/no/such/source/hulltest", ["bind"])
    r = rt.create(b)
    assert r.rc != 0
    assert r.stderr.strip()
    _leftovers_none(rt, b.id, b)
    assert rt.state(b.id).rc != 0


def test_lifecycle_error_names_the_path(runtime, make_bundle):
    b = make_bundle()
    b.process["args"] = ["no-such-cmd-hulltest"]
    r = runtime.create(b)
    assert r.rc == 1
    assert 'exec: "no-such-cmd-hulltest": executable file not found in $PATH' in r.stderr
    assert r.stderr.count("no-such-cmd-hulltest") == 1, "error printed more than once: %r" % r.stderr


def prestart_line(runtime):
    """prestart hooks read "created" from hullrt (runtime-spec 1.0's status for them, as crun), "creating" from runc."""
    return "prestart creating" if runtime.is_runc else "prestart created"


def test_lifecycle_hooks_order_and_state(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    log = os.path.join(b.path, "hooks.log")
    hook = b.write_script("hook.sh", HOOK_LOG_SCRIPT % log)
    for kind in ("prestart", "createRuntime", "createContainer", "poststart", "poststop"):
        b.add_hook(kind, hook, args=["hook.sh", kind])
    # startContainer runs inside the container (after pivot_root): its path is a container path
    inner = b.write_script("start-hook.sh", "cat > /started.json\n", inside=True)
    b.add_hook("startContainer", inner, args=["start-hook.sh"])
    runtime.create(b).check("create")
    with open(log) as f:
        assert f.read().split("\n")[:3] == [prestart_line(runtime), "createRuntime creating",
                                            "createContainer creating"]
    assert not os.path.exists(b.rootfs_path("/started.json"))
    runtime.start(b.id).check("start")
    hh.wait_for(lambda: os.path.exists(b.rootfs_path("/started.json")), what="startContainer hook")
    with open(log) as f:
        assert f.read().splitlines()[3] == "poststart running"
    runtime.kill(b.id, "KILL").check("kill")
    runtime.wait_status(b.id, "stopped")
    runtime.delete(b.id).check("delete")
    with open(log) as f:
        assert f.read().splitlines() == [prestart_line(runtime), "createRuntime creating", "createContainer creating",
                                         "poststart running", "poststop stopped"]
    with open(b.rootfs_path("/started.json")) as f:
        st = json.load(f)
    assert st["id"] == b.id and st["pid"] > 0


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_lifecycle_create_hook_failure_rolls_back(runtime, make_bundle, kind):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    log = os.path.join(b.path, "hooks.log")
    hook = b.write_script("hook.sh", HOOK_LOG_SCRIPT % log)
    b.add_hook(kind, hook, args=["hook.sh", kind, "7"])
    b.add_hook("poststop", hook, args=["hook.sh", "poststop"])
    r = runtime.create(b)
    assert r.rc == 1
    assert kind in r.stderr and "exit status 7" in r.stderr
    _leftovers_none(runtime, b.id, b)
    with open(log) as f:  # runtime.md: a failed create continues with the delete steps, poststop included
        first = prestart_line(runtime) if kind == "prestart" else "%s creating" % kind
        assert f.read().splitlines() == [first, "poststop stopped"]


def test_lifecycle_poststart_failure_only_warns(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    hook = b.write_script("fail.sh", "cat >/dev/null; exit 3\n")
    b.add_hook("poststart", hook)
    runtime.create(b).check("create")
    r = runtime.start(b.id)
    assert r.rc == 0
    assert "poststart" in r.stderr
    assert runtime.status(b.id) == "running"


def test_lifecycle_state_shape_matches_runc(runtime, runc, make_bundle):
    shapes = []
    for rt in (runtime, runc):
        b = make_bundle(["/hull-helper", "sleep", "30"])
        b.config["annotations"] = {"org.hull.test": "yes"}
        rt.create(b).check("create")
        out = rt.state(b.id).check("state").stdout
        assert not out.endswith("\n")
        keys = [line.split(":")[0] for line in out.splitlines()]
        shapes.append(keys)
        st = json.loads(out)
        assert st["annotations"] == {"org.hull.test": "yes"}
        assert st["owner"] == ""
    assert shapes[0] == shapes[1]


def test_lifecycle_list_table_matches_runc(runtime, runc, make_bundle):
    outs = []
    for rt in (runtime, runc):
        b = make_bundle(["/hull-helper", "sleep", "30"])
        rt.create(b).check("create")
        out = rt.list().check("list").stdout.splitlines()
        header, row = out[0], out[1]
        # same columns at the same offsets (the bundle path length is the same for both; CREATED's width
        # varies with the timestamp, whose trailing zeros are trimmed, so OWNER's offset is not compared)
        cols = ["ID", "PID", "STATUS", "BUNDLE", "CREATED"]
        outs.append(([header.index(c) for c in cols], [row.index(x) for x in row.split()[:5]]))
        assert header.split() == cols + ["OWNER"]
        assert row.split()[2] == "created" and row.split()[5] == "root"
    assert outs[0] == outs[1]


def test_lifecycle_exec_joins_everything(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    b.add_namespace("cgroup")
    st = runtime.start_sleeper(b)
    r = runtime.exec(b.id, ["/hull-helper", "facts"], env=["HULLX=1"], cwd="/tmp")
    r.check("exec")
    facts = hh.parse_last_json(r.stdout)
    init = st["pid"]
    for ns in ("pid", "net", "mnt", "ipc", "uts", "cgroup"):
        assert facts["ns"][ns] == hh.ns_inode(init, ns), ns
    assert facts["cwd"] == "/tmp"
    assert facts["env"].get("HULLX") == "1"
    assert facts["pid"] > 1 and facts["hostname"] == "hulltest"
    # same cgroup as the init: the exec'd process counted in the container's cgroup
    r = runtime.exec(b.id, ["/bin/sh", "-c", "cat /proc/self/cgroup"])
    assert r.rc == 0
    # in the container's cgroup in every hierarchy (v1 controllers too on this hybrid host), like the init
    pf = os.path.join(b.path, "exec.pid")
    runtime.exec(b.id, ["/hull-helper", "sleep", "20"], detach=True, pid_file=pf).check("exec -d")
    with open(pf) as f:
        exec_pid = int(f.read())
    for pid in (init, exec_pid):
        with open("/proc/%d/cgroup" % pid) as f:
            lines = [l for l in f.read().splitlines() if l.split(":")[1] in ("pids", "memory", "")]
        assert len(lines) == 3 and all(l.endswith("/" + b.id) for l in lines), lines


def test_lifecycle_exec_status_and_user(rt, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    rt.start_sleeper(b)
    assert rt.exec(b.id, ["/hull-helper", "exit", "42"]).rc == 42
    r = rt.exec(b.id, ["/hull-helper", "facts"], user="1000:1000")
    facts = hh.parse_last_json(r.stdout)
    assert (facts["uid"], facts["gid"]) == (1000, 1000)
    r = rt.exec(b.id, ["/no/such/thing"])
    assert r.rc == 255
    assert "/no/such/thing" in r.stderr


def test_lifecycle_exec_stopped_fails(rt, make_bundle):
    b = make_bundle(["/hull-helper", "exit", "0"])
    rt.create(b).check("create")
    rt.start(b.id).check("start")
    rt.wait_status(b.id, "stopped")
    r = rt.exec(b.id, ["/hull-helper", "exit", "0"])
    assert r.rc == 255
    assert "stopped" in r.stderr


def test_lifecycle_exec_detach_pid_file(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.start_sleeper(b)
    pf = os.path.join(b.path, "exec.pid")
    runtime.exec(b.id, ["/hull-helper", "sleep", "30"], detach=True, pid_file=pf).check("exec -d")
    with open(pf) as f:
        pid = int(f.read())
    assert hh.pid_alive(pid)
    assert pid in json.loads(runtime.ps(b.id, fmt="json").check("ps").stdout)


def test_lifecycle_run_terminal_console_socket(rt, make_bundle, console_socket):
    b = make_bundle(["/bin/sh", "-c", "tty; echo hulltest-out"], terminal=True)
    cs = console_socket()
    rt.run(b, detach=True, console_socket=cs.path).check("run -d --console-socket")
    buf = cs.read_until(b"hulltest-out")
    assert b"/dev/" in buf


def test_lifecycle_terminal_without_socket_refused(rt, make_bundle):
    b = make_bundle(["/bin/true"], terminal=True)
    r = rt.create(b)
    assert r.rc != 0
    assert "console socket" in r.stderr
    _leftovers_none(rt, b.id, b)


def test_lifecycle_exec_tty(runtime, make_bundle, console_socket):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.start_sleeper(b)
    cs = console_socket()
    runtime.exec(b.id, ["/bin/sh", "-c", "tty; echo exec-tty-ok"], tty=True, detach=True,
                 console_socket=cs.path).check("exec -t -d")
    buf = cs.read_until(b"exec-tty-ok")
    assert b"/dev/pts/" in buf


def test_lifecycle_run_foreground_forwards_signals(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "wait-signal", "20"])
    b.save()
    p = subprocess.Popen([runtime.binary, "--root", runtime.root, "run", "--bundle", b.path, b.id],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runtime._remember(b.id, b)
    try:
        runtime.wait_status(b.id, "running")
        time.sleep(0.2)
        p.send_signal(signal.SIGUSR1)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert b"USR1" in out or b"10" in out
    assert not os.path.exists(runtime.state_dir(b.id)), "run must delete the container afterwards"


def test_lifecycle_delete_after_init_killed_outside(runtime, make_bundle):
    """The runtime is not running while the container lives: a vanished init is found stopped."""
    b = make_bundle(["/hull-helper", "sleep", "30"])
    st = runtime.start_sleeper(b)
    os.kill(st["pid"], signal.SIGKILL)
    runtime.wait_status(b.id, "stopped")
    assert runtime.state_json(b.id)["pid"] == 0
    runtime.delete(b.id).check("delete")
    assert hh.cgroup_dirs(b.id) == []


def test_lifecycle_delete_force_remains_of_crashed_create(runtime, make_bundle):
    """A create killed before state.json was written leaves its dir (and maybe its cgroup): `state` says it
    does not exist, `delete --force` removes both, using the config copy create wrote first."""
    b = make_bundle(["/hull-helper", "sleep", "30"])
    d = runtime.state_dir(b.id)
    os.makedirs(d)
    runtime._remember(b.id, b)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(b.config, f)
    made = "/sys/fs/cgroup/pids/%s/%s" % (hh.CGROUP_PARENT, b.id)
    os.makedirs(made)
    assert runtime.state(b.id).rc != 0
    assert runtime.delete(b.id).rc != 0  # not without --force
    runtime.delete(b.id, force=True).check("delete --force")
    assert not os.path.exists(d)
    assert not os.path.exists(made)


def test_lifecycle_delete_force_missing_is_quiet(rt):
    assert rt.delete("hulltest-nothing-here", force=True).rc == 0
    r = rt.delete("hulltest-nothing-here")
    assert r.rc == 1 and "does not exist" in r.stderr


def test_lifecycle_trace_prints_plan(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "exit", "0"])
    b.save()
    r = runtime.cmd("run", "--bundle", b.path, b.id, global_args=["--trace"])
    runtime._remember(b.id, b)
    assert r.rc == 0, r.stderr
    assert "plan: clone3 new" in r.stderr
    assert "clone3 flags" in r.stderr and "execve" in r.stderr


def test_lifecycle_user_namespace_exec(runtime, make_bundle):
    b = make_bundle(["/hull-helper", "sleep", "30"])
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    st = runtime.start_sleeper(b)
    r = runtime.exec(b.id, ["/hull-helper", "facts"])
    r.check("exec in userns")
    facts = hh.parse_last_json(r.stdout)
    assert facts["ns"]["user"] == hh.ns_inode(st["pid"], "user")
    assert facts["uid"] == 0
    with open("/proc/%d/status" % st["pid"]) as f:
        assert "Uid:\t100000" in f.read()


def _pty_read_until(fd, needle, buf, timeout=8.0):
    import select
    end = time.monotonic() + timeout
    while needle not in buf:
        left = end - time.monotonic()
        assert left > 0, "%r not seen; got %r" % (needle, buf[-500:])
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, "pty closed before %r; got %r" % (needle, buf[-500:])
            buf += chunk
    return buf


def test_lifecycle_run_tty_foreground(runtime, make_bundle):
    """run -t without --console-socket: hullrt proxies the pty to its own terminal (input and output) and
    forwards signals sent to it while doing so; the exit status is the container's."""
    import pty
    b = make_bundle(["/bin/sh", "-c", 'trap "echo got-TERM; exit 7" TERM; tty; echo ready; read line; '
                     'echo "typed:$line"; while :; do sleep 0.1; done'], terminal=True)
    b.save()
    runtime._remember(b.id, b)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(runtime.binary, [runtime.binary, "--root", runtime.root, "run", "--bundle", b.path, b.id])
        finally:
            os._exit(127)
    try:
        buf = _pty_read_until(fd, b"ready", b"")
        assert b"/dev/pts/" in buf  # the container's own devpts, as runc
        os.write(fd, b"abc\n")
        buf = _pty_read_until(fd, b"typed:abc", buf)
        os.kill(pid, signal.SIGTERM)
        buf = _pty_read_until(fd, b"got-TERM", buf)
        _, st = os.waitpid(pid, 0)
        pid = 0
        assert os.waitstatus_to_exitcode(st) == 7
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert not os.path.exists(runtime.state_dir(b.id))


def test_lifecycle_exec_cpu_affinity(runtime, make_bundle):
    """process.execCPUAffinity (runtime-spec 1.2): the final set holds once the process runs, for the init
    and for exec -p."""
    if os.cpu_count() < 2:
        pytest.skip("needs two CPUs")
    b = make_bundle(["/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status; sleep 30"])
    b.process["execCPUAffinity"] = {"initial": "0-1", "final": "1"}
    runtime.create(b).check("create")
    runtime.start(b.id).check("start")
    hh.wait_for(lambda: "Cpus_allowed_list" in b.log(), what="init output")
    assert b.log().split()[-1] == "1"
    proc = dict(b.config["process"], args=["/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"],
                execCPUAffinity={"final": "0"})
    pj = os.path.join(b.path, "process.json")
    with open(pj, "w") as f:
        json.dump(proc, f)
    r = runtime.exec(b.id, process=pj)
    assert r.rc == 0, r.stderr
    assert r.stdout.split()[-1] == "0"


def test_lifecycle_seccomp_listener(runtime, make_bundle):
    """linux.seccomp.listenerPath: create hands the notify fd with the container's process state to the
    listener (runtime-spec "seccomp notify"), before create returns."""
    import array
    import socket
    b = make_bundle(["/hull-helper", "sleep", "30"])
    path = os.path.join(b.path, "listener.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "hull-meta",
                          "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}
    got = {}

    def accept():
        conn, _ = srv.accept()
        fds = array.array("i")
        msg, anc, _f, _a = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
        got["msg"], got["fds"] = msg, list(fds)
        conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        runtime.create(b).check("create")
        t.join(10)
        assert "msg" in got, "no connection to the listener"
        st = json.loads(got["msg"])
        assert st["fds"] == ["seccompFd"] and st["metadata"] == "hull-meta"
        assert st["pid"] == runtime.state_json(b.id)["pid"]
        assert st["state"]["id"] == b.id
        assert len(got["fds"]) == 1 and os.readlink("/proc/self/fd/%d" % got["fds"][0]).startswith("anon_inode:")
    finally:
        for fd in got.get("fds", []):
            os.close(fd)
        srv.close()


def test_lifecycle_apparmor_profile_without_apparmor_fails(rt, bundle):
    """No AppArmor on this host: a profile asked for cannot be honoured, so create fails (runc too)."""
    if os.path.exists("/sys/module/apparmor/parameters/enabled"):
        with open("/sys/module/apparmor/parameters/enabled") as f:
            if f.read().startswith("Y"):
                pytest.skip("AppArmor is enabled here")
    bundle.process["apparmorProfile"] = "hulltest-profile"
    r = rt.run(bundle)
    assert r.rc != 0
    assert "apparmor" in r.stderr.lower()
    _leftovers_none(rt, bundle.id, bundle)


def test_lifecycle_memory_policy(runtime, make_bundle):
    """linux.memoryPolicy (runtime-spec 1.3) reaches the container's process."""
    b = make_bundle(["/bin/sh", "-c", "head -1 /proc/self/numa_maps"])
    b.linux["memoryPolicy"] = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}
    r = runtime.run(b)
    assert r.rc == 0, r.stderr
    assert "interleave:0" in r.stdout


def test_lifecycle_join_user_ns_with_new_pid_ns(runtime, make_bundle):
    """A container joining another's user namespace (as CRI does for pods with user namespaces) still
    gets pid, mount, net, ipc and uts namespaces of its own, owned by that user namespace."""
    maps = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    a = make_bundle(["/hull-helper", "sleep", "30"])
    a.add_namespace("user")
    a.linux["uidMappings"], a.linux["gidMappings"] = maps, maps
    subprocess.run(["chown", "-R", "100000:100000", a.rootfs], check=True)
    sa = runtime.start_sleeper(a)
    b = make_bundle(["/hull-helper", "facts"])
    b.add_namespace("user", "/proc/%d/ns/user" % sa["pid"])
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    r = runtime.run(b)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["pid"] == 1 and f["uid"] == 0
    assert f["ns"]["user"] == hh.ns_inode(sa["pid"], "user")
    for ns in ("pid", "mnt", "net", "ipc", "uts"):
        assert f["ns"][ns] != hh.ns_inode(sa["pid"], ns), ns
        assert f["ns"][ns] != hh.ns_inode(os.getpid(), ns), ns
    _leftovers_none(runtime, b.id, b)


def test_lifecycle_init_has_own_session(rt, bundle):
    """The init leads a session of its own (runc does setsid too), so a terminal's ^C reaches it once,
    through the runtime's signal forwarding."""
    f = rt.run_facts(bundle)
    assert f["pid"] == 1 and f["sid"] == 1 and f["pgid"] == 1


def test_lifecycle_state_creating(runtime, make_bundle):
    """While create runs (here: a slow prestart hook) `state` and `list` say "creating" (runtime.md)."""
    b = make_bundle(["/hull-helper", "sleep", "30"])
    hook = b.write_script("slow.sh", "cat >/dev/null; sleep 1\n")
    b.add_hook("prestart", hook)
    b.save()
    runtime._remember(b.id, b)
    with open(os.path.join(b.path, "create.err"), "w") as err:
        p = subprocess.Popen([runtime.binary, "--root", runtime.root, "create", "--bundle", b.path, b.id],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            hh.wait_for(lambda: runtime.status(b.id) == "creating", timeout=5, what="status creating")
            assert b.id in runtime.list().check("list").stdout
            assert p.wait(timeout=20) == 0
        finally:
            if p.poll() is None:
                p.kill()
    assert runtime.status(b.id) == "created"
