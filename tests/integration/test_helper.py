"""hull-helper itself, run on the host: every subcommand prints what the harness expects."""
import errno
import json
import os
import signal
import subprocess

import pytest

import hullharness as hh


def helper(*args, **kw):
    if not os.path.exists(hh.HELPER):
        pytest.skip("hull-helper not built")
    return subprocess.run([hh.HELPER] + [str(a) for a in args], capture_output=True, text=True, timeout=30, **kw)


def test_facts_is_one_json_object():
    r = helper("facts")
    assert r.returncode == 0
    f = json.loads(r.stdout)
    assert f["pid"] > 1 and f["uid"] == os.getuid()
    assert f["ns"]["mnt"] == os.stat("/proc/self/ns/mnt").st_ino
    assert f["cwd"] == os.getcwd()
    assert any(m["target"] == "/" for m in f["mounts"])
    assert f["rlimits"]["RLIMIT_NOFILE"][0] > 0
    assert "PATH" in f["env"]
    assert set(f["status"]) >= {"CapEff", "CapBnd", "NoNewPrivs", "Seccomp"}
    assert f["scheduler"]["policy"] == 0 and f["ioprio"]["class"] >= 0
    assert float(f["time"]["boottime"]) >= float(f["time"]["monotonic"])


def test_env_values_with_odd_bytes_stay_valid_json():
    r = helper("facts", env={"HULL_ODD": 'quote" back\\ nl\n tab\t \x01 é'})
    assert json.loads(r.stdout)["env"]["HULL_ODD"].startswith('quote" back\\ nl\n tab\t \x01')


def test_exit_and_sleep():
    assert helper("exit", 42).returncode == 42
    assert helper("sleep", "0.05").returncode == 0


def test_write_read_stat(tmp_path):
    p = tmp_path / "f"
    assert json.loads(helper("write", p, "data").stdout)["ok"]
    assert json.loads(helper("read", p).stdout)["data"] == "data"
    st = json.loads(helper("stat", p).stdout)
    assert st["type"] == "file" and st["size"] == 4
    r = helper("write", tmp_path / "no" / "such", "x")
    assert r.returncode == 1 and json.loads(r.stdout)["errno"] == errno.ENOENT
    st = json.loads(helper("stat", "/dev/null").stdout)
    assert (st["type"], st["major"], st["minor"]) == ("char", 1, 3)


def test_kill_self():
    r = helper("kill-self", "TERM")
    assert r.returncode == -signal.SIGTERM
    r = helper("kill-self", "SIGUSR1")
    assert r.returncode == -signal.SIGUSR1


def test_syscall_probe():
    assert json.loads(helper("syscall", "getpid").stdout)["errno"] == 0
    assert json.loads(helper("syscall", "mkdir").stdout)["errno"] == errno.EFAULT
    assert json.loads(helper("syscall", "clone3").stdout)["errno"] == errno.EINVAL
    assert helper("syscall", "no_such_call").returncode == 2


def test_alloc():
    r = helper("alloc", 3)
    assert r.returncode == 0
    assert json.loads(r.stdout.splitlines()[-1]) == {"allocated_mb": 3, "ok": True}


def test_forkbomb_bounded():
    r = helper("forkbomb", 20)
    f = json.loads(r.stdout)
    assert f["forked"] == 20 and not f["limited"]


def test_forkbomb_stops_at_rlimit():
    # RLIMIT_NPROC counts the user's processes; a non-root uid keeps root's own processes out of it.
    r = helper("forkbomb", 200, preexec_fn=lambda: (
        __import__("resource").setrlimit(__import__("resource").RLIMIT_NPROC, (5, 5)), os.setuid(65534)))
    f = json.loads(r.stdout)
    assert f["limited"] and f["errno"] == errno.EAGAIN and f["forked"] < 200


def test_wait_signal():
    p = subprocess.Popen([hh.HELPER, "wait-signal", "10"], stdout=subprocess.PIPE, text=True)
    assert json.loads(p.stdout.readline())["ready"]
    p.send_signal(signal.SIGUSR2)
    out, _ = p.communicate(timeout=10)
    assert json.loads(out)["signal"] == signal.SIGUSR2 and p.returncode == 0
