"""hull's container lifecycle: monitor, logs, stop/kill/rm/wait/restart, volumes, crash repair, exec,
terminals, --runtime."""
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import time

import pytest

from enginefix import eng, image_tars, IMAGE, EP_IMAGE, cgroup_dirs, mounts_under, HULL  # noqa: F401


def run_d(eng, *args):  # noqa: F811
    cid = eng("run", "-d", *args).stdout.strip()
    assert len(cid) == 64
    eng.ids.add(cid)
    return cid


def run_ready(eng, *args):  # noqa: F811
    """run -d a command that prints "ready" once its signal handlers are set: signalled earlier, it would
    die of the signal instead of handling it."""
    cid = run_d(eng, *args)
    end = time.time() + 10
    while "ready" not in eng("logs", cid).stdout and time.time() < end:
        time.sleep(0.02)
    return cid


def nothing_left(eng, cid):  # noqa: F811
    assert not os.path.exists(os.path.join(eng.root, "containers", cid))
    # removal renames the dir away at once; its files (the upper dir) are deleted right after
    trash = os.path.join(eng.root, "containers", ".trash-" + cid)
    end = time.time() + 10
    while os.path.exists(trash) and time.time() < end:
        time.sleep(0.02)
    assert not os.path.exists(trash)
    assert not os.path.exists(os.path.join(eng.root, "runtime", cid))
    assert cgroup_dirs(cid) == []
    assert [m for m in mounts_under(eng.root) if cid in m] == []


def test_rm_flag_leaves_nothing(eng):  # noqa: F811
    p = eng("run", "--rm", "--name", "hulltest-rm", IMAGE, "sh", "-c", "echo bye > /tmp/upper-file; echo done")
    assert p.stdout == "done\n"
    assert eng.container_ids() == []
    end = time.time() + 10
    while any(n.startswith(".trash-") for n in os.listdir(os.path.join(eng.root, "containers"))) and time.time() < end:
        time.sleep(0.02)
    assert [n for n in os.listdir(os.path.join(eng.root, "containers")) if n != ".lock"] == []
    # the image's /vol anonymous volume went with it; volumes dir empty
    assert os.listdir(os.path.join(eng.root, "volumes")) == []
    assert mounts_under(eng.root) == []
    # detached --rm: removed by the monitor after the exit
    cid = run_d(eng, "--rm", IMAGE, "sh", "-c", "sleep 0.2")
    end = time.time() + 10
    while os.path.exists(os.path.join(eng.root, "containers", cid)) and time.time() < end:
        time.sleep(0.05)
    nothing_left(eng, cid)
    # rm -f of a running --rm container: its monitor removes it while rm waits, and that is success
    cid = run_d(eng, "--rm", IMAGE, "sleep", "30")
    eng("rm", "-f", cid)
    nothing_left(eng, cid)


def test_logs_survive_hull_and_follow(eng):  # noqa: F811
    cid = run_d(eng, "--name", "hulltest-logs", IMAGE, "sh", "-c",
                "for i in 1 2 3 4 5; do echo line$i; echo err$i >&2; done; sleep 0.5; echo last")
    assert eng("wait", cid).stdout.strip() == "0"
    p = eng("logs", "hulltest-logs")
    assert p.stdout.split() == ["line1", "line2", "line3", "line4", "line5", "last"]
    assert p.stderr.split() == ["err1", "err2", "err3", "err4", "err5"]
    # stdout and stderr are two pipes: their order in the log is the monitor's reading order, so the
    # checks below do not depend on how the two interleave
    p = eng("logs", "--tail", "8", cid)
    assert p.stdout.split()[-1] == "last" and p.stderr.split()[-1] == "err5"
    assert len(p.stdout.split()) + len(p.stderr.split()) == 8
    ts = [l for l in eng("logs", "-t", cid).stdout.splitlines() if l.endswith(" last")]
    assert len(ts) == 1 and ts[0].startswith("20") and "T" in ts[0].split()[0]
    # docker's json-file format
    with open(eng.inspect(cid)["LogPath"]) as fh:
        entries = [json.loads(line) for line in fh]
    assert entries[0]["log"] in ("line1\n", "err1\n") and {e["stream"] for e in entries} == {"stdout", "stderr"}
    assert all(e["time"].endswith("Z") for e in entries)
    # follow ends when the container does
    cid2 = run_d(eng, IMAGE, "sh", "-c", "echo a; sleep 1; echo b")
    t0 = time.time()
    p = eng("logs", "-f", cid2, timeout=20)
    assert p.stdout.split() == ["a", "b"] and time.time() - t0 < 10


def test_log_rotation(eng):  # noqa: F811
    cid = run_d(eng, "--log-opt", "max-size=2k", "--log-opt", "max-file=2", IMAGE, "sh", "-c",
                "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done")
    eng("wait", cid)
    path = eng.inspect(cid)["LogPath"]
    assert os.path.getsize(path) <= 2048 and os.path.getsize(path + ".1") <= 2048
    assert not os.path.exists(path + ".2")
    lines = eng("logs", cid).stdout.split()
    assert lines[-1] == "line-299" and "line-0" not in lines


def test_stop_timing_and_signals(eng):  # noqa: F811
    # a process that exits on SIGTERM stops at once
    cid = run_ready(eng, IMAGE, "sh", "-c", "trap 'exit 3' TERM; echo ready; while true; do sleep 0.05; done")
    t0 = time.time()
    eng("stop", cid)
    assert time.time() - t0 < 2
    c = eng.inspect(cid)
    assert c["State"]["Status"] == "exited" and c["State"]["ExitCode"] == 3
    # pid 1 ignoring SIGTERM is killed after the timeout
    cid = run_d(eng, IMAGE, "sleep", "60")
    t0 = time.time()
    eng("stop", "-t", "1", cid)
    dt = time.time() - t0
    assert 0.9 < dt < 4, dt
    assert eng.inspect(cid)["State"]["ExitCode"] == 137
    # --stop-signal and the image's StopSignal
    cid = run_ready(eng, "--stop-signal", "USR2", IMAGE, "/hull-helper", "wait-signal", "30")
    eng("stop", "-t", "5", cid)
    assert "12" in eng("logs", cid).stdout or "USR2" in eng("logs", cid).stdout
    assert eng.inspect(cid)["State"]["ExitCode"] == 0
    cid = run_ready(eng, "--entrypoint", "/hull-helper", EP_IMAGE, "wait-signal", "30")
    assert eng.inspect(cid)["Config"]["StopSignal"] == "SIGUSR1"
    eng("stop", cid)
    assert "10" in eng("logs", cid).stdout or "USR1" in eng("logs", cid).stdout
    # kill -s, stop of a stopped container is fine, kill of one is an error
    cid = run_ready(eng, IMAGE, "/hull-helper", "wait-signal", "30")
    eng("kill", "-s", "HUP", cid)
    assert eng("wait", cid).stdout.strip() == "0"
    eng("stop", cid)
    assert eng("kill", cid, check=False).returncode != 0


def test_create_start_attach_restart_wait(eng):  # noqa: F811
    cid = eng("create", "--name", "hulltest-cs", IMAGE, "sh", "-c", "echo run; exit 5").stdout.strip()
    eng.ids.add(cid)
    assert eng.inspect(cid)["State"]["Status"] == "created"
    p = eng("start", "-a", "hulltest-cs", check=False)
    assert p.returncode == 5 and p.stdout == "run\n"
    eng("start", "hulltest-cs")
    assert eng("wait", "hulltest-cs").stdout.strip() == "5"
    assert eng("logs", cid).stdout == "run\nrun\n"
    cid = run_d(eng, IMAGE, "sh", "-c", "echo up; trap 'exit 0' TERM; while true; do sleep 0.05; done")
    pid1 = eng.inspect(cid)["State"]["Pid"]
    eng("restart", "-t", "2", cid)
    c = eng.inspect(cid)
    assert c["State"]["Status"] == "running" and c["State"]["Pid"] != pid1
    # the upper dir survives a restart; the name is taken
    p = eng("create", "--name", "hulltest-cs", IMAGE, check=False)
    assert p.returncode == 125 and "already in use" in p.stderr


def test_ps_formats_and_prune(eng):  # noqa: F811
    a = run_d(eng, "--name", "hulltest-ps-a", IMAGE, "sleep", "30")
    b = eng("create", "--name", "hulltest-ps-b", IMAGE).stdout.strip()
    c = run_d(eng, IMAGE, "true")
    eng("wait", c)
    assert eng("ps", "-q").stdout.split() == [a[:12]]
    assert sorted(eng("ps", "-a", "-q").stdout.split()) == sorted(x[:12] for x in (a, b, c))
    js = json.loads(eng("ps", "-a", "--format", "json").stdout)
    states = {x["Id"]: x["State"] for x in js}
    assert states == {a: "running", b: "created", c: "exited"}
    table = eng("ps", "-a").stdout
    assert "hulltest-ps-a" in table and "Up " in table and "Exited (0)" in table and "Created" in table
    out = eng("container", "prune").stdout
    assert b in out and c in out and a not in out
    assert eng("ps", "-a", "-q").stdout.split() == [a[:12]]
    p = eng("rm", a, check=False)
    assert p.returncode != 0 and "running" in p.stderr
    eng("rm", "-f", a)
    nothing_left(eng, a)


def test_volume_persists_across_containers(eng):  # noqa: F811
    assert eng("volume", "create", "hulltest-vol").stdout.strip() == "hulltest-vol"
    eng("run", "--rm", "-v", "hulltest-vol:/data", IMAGE, "sh", "-c", "echo kept > /data/f")
    assert eng("run", "--rm", "--mount", "type=volume,source=hulltest-vol,target=/m,readonly", IMAGE,
               "cat", "/m/f").stdout == "kept\n"
    p = eng("run", "--rm", "-v", "hulltest-vol:/data:ro", IMAGE, "sh", "-c", "echo x > /data/g", check=False)
    assert p.returncode != 0
    assert "hulltest-vol" in eng("volume", "ls", "-q").stdout.split()
    info = json.loads(eng("volume", "inspect", "hulltest-vol").stdout)[0]
    assert info["Name"] == "hulltest-vol" and os.path.isdir(info["Mountpoint"])
    # in use: refused; rm -v takes anonymous volumes only
    cid = eng("create", "-v", "hulltest-vol:/data", IMAGE).stdout.strip()
    assert eng("volume", "rm", "hulltest-vol", check=False).returncode != 0
    anon = [m["Name"] for m in eng.inspect(cid)["Mounts"] if m.get("Anonymous")]
    assert len(anon) == 1  # the image's /vol
    eng("rm", "-v", cid)
    assert anon[0] not in eng("volume", "ls", "-q").stdout
    eng("volume", "rm", "hulltest-vol")
    assert eng("volume", "ls", "-q").stdout.split() == []
    # prune: unused anonymous volumes (-a: every unused one), never one a container uses
    eng("volume", "create", "hulltest-keep")
    used = eng("create", "-v", "hulltest-used:/u", IMAGE).stdout.strip()
    gone = eng("create", IMAGE).stdout.strip()
    anon = [m["Name"] for m in eng.inspect(gone)["Mounts"] if m.get("Anonymous")][0]
    eng("rm", gone)  # without -v: its anonymous volume stays, unused
    out = eng("volume", "prune").stdout
    assert anon in out and "hulltest-keep" not in out
    out = eng("volume", "prune", "-a").stdout
    assert "hulltest-keep" in out and "hulltest-used" not in out
    eng("rm", "-v", used)
    # a new volume is seeded with what the image has at its mount point (once, while it is empty)
    out = eng("run", "--rm", "-v", "hulltest-seed:/data", IMAGE, "sh", "-c",
              "cat /data/from-image; echo mine > /data/from-image").stdout
    assert out == "image data\n"
    assert eng("run", "--rm", "-v", "hulltest-seed:/data", IMAGE, "cat", "/data/from-image").stdout == "mine\n"
    eng("volume", "rm", "hulltest-seed")
    # a tmpfs through --mount
    out = eng("run", "--rm", "--mount", "type=tmpfs,target=/t,tmpfs-size=2m", IMAGE, "grep", " /t ",
              "/proc/mounts").stdout
    assert "tmpfs" in out and "size=2048k" in out
    # a bind mount of a host dir
    hostdir = os.path.join(eng.root, "hostdir")
    os.mkdir(hostdir)
    eng("run", "--rm", "-v", f"{hostdir}:/h", IMAGE, "sh", "-c", "echo from-container > /h/x")
    assert open(os.path.join(hostdir, "x")).read() == "from-container\n"


def test_kill9_of_hull_then_ps_and_rm_clean_everything(eng):  # noqa: F811
    p = eng.popen("run", "--name", "hulltest-k9", IMAGE, "sh", "-c", "echo before; sleep 60",
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"before\n"
    finally:
        p.kill()
        p.wait()
    ps = json.loads(eng("ps", "-a", "--format", "json").stdout)
    assert len(ps) == 1 and ps[0]["State"] == "running"  # the monitor outlives the hull command
    cid = ps[0]["Id"]
    eng.ids.add(cid)
    assert eng("logs", cid).stdout == "before\n"
    eng("rm", "-f", "hulltest-k9")
    nothing_left(eng, cid)
    assert eng("ps", "-a", "-q").stdout == ""
    # the monitor itself killed: the next command repairs (exited 255, no cgroup/mount/runtime state)
    cid = run_d(eng, IMAGE, "sleep", "60")
    mon = eng.inspect(cid)["State"]["MonitorPid"]
    os.kill(mon, signal.SIGKILL)
    time.sleep(0.2)
    c = eng.inspect(cid)
    assert c["State"]["Status"] == "exited" and c["State"]["ExitCode"] == 255
    assert cgroup_dirs(cid) == [] and [m for m in mounts_under(eng.root) if cid in m] == []
    assert not os.path.exists(os.path.join(eng.root, "runtime", cid))
    eng("rm", cid)
    nothing_left(eng, cid)
    # the monitor of a --rm container killed: it would have removed it, so the next command does
    cid = run_d(eng, "--rm", IMAGE, "sleep", "60")
    mon = eng.inspect(cid)["State"]["MonitorPid"]
    os.kill(mon, signal.SIGKILL)
    end = time.time() + 5
    while os.path.exists("/proc/%d" % mon) and time.time() < end:  # a zombie until its reaper waits
        time.sleep(0.02)
    assert eng("ps", "-a", "-q").stdout == ""
    nothing_left(eng, cid)


def test_trace_reader_gone_mid_run(eng):  # noqa: F811
    # `hull --trace run … 2>&1 | head -3`: the trace pipe closes under the monitor while it creates the
    # container; the run still completes and --rm still removes it (no SIGPIPE death halfway)
    p = eng.popen("--trace", "run", "--rm", IMAGE, "true", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert p.stderr.readline().startswith(b"[trace")
    p.stderr.close()
    p.wait(timeout=20)
    end = time.time() + 10
    while eng("ps", "-a", "-q").stdout and time.time() < end:
        time.sleep(0.05)
    assert eng("ps", "-a", "-q").stdout == ""


def test_rm_removes_a_tree_deeper_than_the_fd_limit(eng):  # noqa: F811
    # what a container leaves in its upper dir is hostile too: 1500 nested directories under a 256-fd limit
    # (a directory fd per level would run out) are removed all the same
    script = "i=0; while [ $i -lt 1500 ]; do mkdir d; cd d; i=$((i+1)); done; echo deep"
    argv = ["prlimit", "--nofile=256:256"] + eng.argv("run", "--rm", IMAGE, "sh", "-c", script)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout == "deep\n", p.stderr
    d = os.path.join(eng.root, "containers")
    end = time.time() + 20
    while [n for n in os.listdir(d) if n != ".lock"] and time.time() < end:
        time.sleep(0.05)
    assert [n for n in os.listdir(d) if n != ".lock"] == []


def test_half_removed_container_is_finished(eng):  # noqa: F811
    # `hull rm` killed after it marked the container "removing": the next command finishes the removal
    cid = eng("create", IMAGE).stdout.strip()
    rec = os.path.join(eng.root, "containers", cid, "container.json")
    with open(rec) as fh:
        r = json.load(fh)
    r["State"]["Status"] = "removing"
    with open(rec, "w") as fh:
        json.dump(r, fh)
    assert eng("ps", "-a", "-q").stdout == ""
    nothing_left(eng, cid)


def test_half_created_container_is_cleaned(eng):  # noqa: F811
    # a create killed before its record was written: a dir without container.json
    cid = "ab" * 32
    os.makedirs(os.path.join(eng.root, "containers", cid, "upper"))
    assert eng("ps", "-a", "-q").stdout == ""
    assert not os.path.exists(os.path.join(eng.root, "containers", cid))


def test_exec_flags(eng):  # noqa: F811
    cid = run_d(eng, IMAGE, "sleep", "60")
    p = eng("exec", "-e", "X=1", "-w", "/tmp", "-u", "hulluser", cid, "sh", "-c", "echo $X $(pwd) $(id -u); exit 9",
            check=False)
    assert p.returncode == 9 and p.stdout == "1 /tmp 1234\n"
    assert eng("exec", cid, "/nope", check=False).returncode == 127
    assert eng("exec", "-i", cid, "cat", input="piped\n").stdout == "piped\n"
    eng("exec", "-d", cid, "sh", "-c", "sleep 0.2; touch /tmp/detached")
    time.sleep(0.6)
    assert eng("exec", cid, "ls", "/tmp/detached").returncode == 0
    st = json.loads(eng("exec", cid, "/hull-helper", "facts").stdout)["status"]
    assert st["CapEff"] == "00000000a80425fb" and st["Seccomp"] == "2"
    eng("stop", "-t", "0", cid)
    assert eng("exec", cid, "true", check=False).returncode != 0


def test_interactive_stdin(eng):  # noqa: F811
    p = eng("run", "--rm", "-i", IMAGE, "sh", "-c", "cat; echo end", input="in1\nin2\n")
    assert p.stdout == "in1\nin2\nend\n"
    # without -i the container's stdin is empty
    assert eng("run", "--rm", IMAGE, "cat", input="ignored\n").stdout == ""


def read_until(fd, want, timeout=10):
    buf = b""
    end = time.time() + timeout
    while want not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf


def test_tty_and_window_size(eng):  # noqa: F811
    import fcntl
    import struct
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 99, 0, 0))
        argv = eng.argv("run", "--rm", "-i", "-t", IMAGE, "sh")
        os.execvp(argv[0], argv)
    try:
        os.write(fd, b"tty; stty size\n")
        out = read_until(fd, b"33 99")
        assert b"/dev/pts/" in out and b"33 99" in out, out
        # the client's window changes: SIGWINCH goes through to the container's terminal
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 44, 120, 0, 0))
        os.kill(pid, signal.SIGWINCH)
        time.sleep(0.3)
        os.write(fd, b"stty size\n")
        out = read_until(fd, b"44 120")
        assert b"44 120" in out, out
        os.write(fd, b"exit 7\n")
        _, status = os.waitpid(pid, 0)
        pid = 0
        assert os.WEXITSTATUS(status) == 7
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def test_sigint_forwarded_to_attached_container(eng):  # noqa: F811
    # pid 1 without a handler ignores SIGINT (as under docker): --init forwards it to the command
    p = eng.popen("run", "--rm", "--init", IMAGE, "/hull-helper", "print-ready", "30", stdout=subprocess.PIPE)
    try:
        assert b"ready" in p.stdout.readline()
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 130
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("rt", ["/usr/sbin/runc", "/usr/bin/crun"])
def test_other_runtime_binary(eng, rt):  # noqa: F811
    if not os.path.exists(rt):
        pytest.skip(f"{rt} not installed")
    p = eng("run", "--rm", "--runtime", rt, IMAGE, "sh", "-c", "echo via; exit 4", check=False)
    assert p.returncode == 4 and p.stdout == "via\n"
    assert eng("run", "--rm", "--runtime", rt, IMAGE, "/nope", check=False).returncode == 127
    cid = run_d(eng, "--runtime", rt, "--memory", "32m", IMAGE, "sleep", "60")
    assert eng("exec", cid, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes").stdout.strip() == str(32 << 20)
    st = json.loads(eng("exec", cid, "/hull-helper", "facts").stdout)["status"]
    assert st["CapEff"] == "00000000a80425fb" and st["Seccomp"] == "2"
    t0 = time.time()
    eng("stop", "-t", "1", cid)
    assert time.time() - t0 < 5
    eng("rm", cid)
    nothing_left(eng, cid)


def test_wait_returns_the_exit_code_of_an_rm_container(eng):  # noqa: F811
    # several waiters block while it runs; --rm removes it as it exits; each still gets the code
    cid = run_d(eng, "--rm", IMAGE, "sh", "-c", "sleep 0.5; exit 7")
    waiters = [eng.popen("wait", cid, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(3)]
    for w in waiters:
        out, errs = w.communicate(timeout=30)
        assert (w.returncode, out, errs) == (0, "7\n", "")
    nothing_left(eng, cid)
    # exited and removed before wait starts: docker's "No such container"
    cid = run_d(eng, "--rm", IMAGE, "sh", "-c", "exit 3")
    end = time.time() + 10
    while os.path.exists(os.path.join(eng.root, "containers", cid)) and time.time() < end:
        time.sleep(0.02)
    p = eng("wait", cid, check=False)
    assert p.returncode != 0 and p.stdout == "" and "no such container" in p.stderr.lower()
    # a kept container: wait still reads its record
    cid = run_d(eng, IMAGE, "sh", "-c", "exit 4")
    assert eng("wait", cid).stdout == "4\n"
