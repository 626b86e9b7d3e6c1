"""terminal:true with --console-socket: the pty master arrives over SCM_RIGHTS, writing to it reaches the
container, the container's stdio is that terminal; exec -t the same."""
import os

import pytest

import hullharness as hh


def test_console_socket_receives_master(runtime, make_bundle, console_socket):
    cs = console_socket()
    b = make_bundle(["/bin/sh"], terminal=True)
    runtime.create(b, console_socket=cs.path).check("create")
    fd = cs.wait()
    assert os.isatty(fd)
    runtime.start(b.id).check("start")
    cs.write(b"echo hull-$((40+2))\n")
    cs.read_until(b"hull-42")
    cs.write(b"exit 5\n")
    runtime.wait_status(b.id, "stopped")


def test_terminal_facts(runtime, make_bundle, console_socket):
    cs = console_socket()
    b = make_bundle(["/hull-helper", "facts"], terminal=True)
    b.process["consoleSize"] = {"height": 31, "width": 101}
    runtime.create(b, console_socket=cs.path).check("create")
    cs.wait()
    runtime.start(b.id).check("start")
    out = cs.read_until(b"}\r\n", timeout=10)
    f = hh.parse_last_json(out.decode(errors="replace").replace("\r", ""))
    for n in ("0", "1", "2"):
        assert f["tty"][n]["isatty"], n
    assert f["tty"]["0"]["name"].startswith("/dev/pts/")
    assert (f["tty"]["0"]["rows"], f["tty"]["0"]["cols"]) == (31, 101)
    # the process is the session leader with the terminal as its controlling tty
    assert f["sid"] == f["pid"]
    assert f["tty"]["0"]["pgrp"] == f["pgid"]
    assert sorted(f["fds"], key=int) == ["0", "1", "2"]


def test_terminal_without_console_socket_fails(runtime, make_bundle):
    b = make_bundle(["/bin/sh"], terminal=True)
    r = runtime.create(b)
    assert r.rc != 0
    assert "console" in r.stderr.lower() or "tty" in r.stderr.lower() or "terminal" in r.stderr.lower()
    assert hh.leftovers(runtime, b.id, b) == []


def test_console_socket_missing_path_fails(runtime, make_bundle):
    b = make_bundle(["/bin/sh"], terminal=True)
    r = runtime.create(b, console_socket=os.path.join(b.path, "no-such.sock"))
    assert r.rc != 0
    assert hh.leftovers(runtime, b.id, b) == []


def test_run_detach_with_terminal(runtime, make_bundle, console_socket):
    cs = console_socket()
    b = make_bundle(["/bin/sh"], terminal=True)
    runtime.run(b, detach=True, console_socket=cs.path).check("run -d")
    cs.write(b"echo run-$((6*7))\n")
    cs.read_until(b"run-42")
    assert runtime.status(b.id) == "running"


def test_exec_tty(runtime, make_bundle, console_socket):
    b = make_bundle()
    runtime.start_sleeper(b)
    cs = console_socket()
    r = runtime.exec(b.id, ["/bin/sh"], tty=True, detach=True, console_socket=cs.path)
    assert r.rc == 0, r.stderr
    cs.write(b"tty; echo exec-$((3*3))\n")
    out = cs.read_until(b"exec-9")
    assert b"/dev/pts/" in out
    cs.write(b"exit\n")


def test_exec_tty_facts(runtime, make_bundle, console_socket):
    b = make_bundle()
    runtime.start_sleeper(b)
    cs = console_socket()
    r = runtime.exec(b.id, ["/hull-helper", "facts"], tty=True, detach=True, console_socket=cs.path)
    assert r.rc == 0, r.stderr
    out = cs.read_until(b"}\r\n", timeout=10)
    f = hh.parse_last_json(out.decode(errors="replace").replace("\r", ""))
    assert f["tty"]["0"]["isatty"] and f["tty"]["1"]["isatty"]
    assert f["sid"] == f["pid"]
