"""CVE-2022-29162: the container's process got a non-empty inheritable set, so a binary with file
inheritable capabilities could raise them on execve, even for a non-root user.

The inheritable set must be exactly what process.capabilities.inheritable says — empty by default — even
when the runtime itself runs with an inheritable set, and a file-capable binary in the image must gain
nothing from it. A control with inheritable asked for shows the file capabilities do work."""
import ctypes
import shutil
import subprocess

import pytest

import hullharness as hh

CAP_CHOWN, CAP_NET_RAW = 0, 13
SETCAP = shutil.which("setcap") or "/usr/sbin/setcap"


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def with_inheritable(mask):
    """preexec_fn: give the runtime process an inheritable set before it starts."""
    def fn():
        libc = ctypes.CDLL(None, use_errno=True)
        h = CapHeader(0x20080522, 0)
        d = (CapData * 2)()
        if libc.capget(ctypes.byref(h), d) != 0:
            raise OSError(ctypes.get_errno(), "capget")
        d[0].inheritable = mask
        if libc.capset(ctypes.byref(h), d) != 0:
            raise OSError(ctypes.get_errno(), "capset")
    return fn


def caps(facts, key):
    return int(facts["status"][key], 16)


def test_runtime_inheritable_set_not_passed_on(rt, make_bundle):
    for user in ({"uid": 0, "gid": 0}, {"uid": 1000, "gid": 1000}):
        b = make_bundle()
        b.process["user"] = user
        b.save()
        rt._remember(b.id, b)
        p = subprocess.run([rt.binary, "--root", rt.root, "run", "--bundle", b.path, b.id],
                           preexec_fn=with_inheritable((1 << CAP_CHOWN) | (1 << CAP_NET_RAW)),
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, p.stderr
        f = hh.parse_last_json(p.stdout)
        assert caps(f, "CapInh") == 0, f["status"]
        assert caps(f, "CapAmb") == 0, f["status"]


def capable_helper(bundle):
    """/capbin: the helper with file capabilities cap_chown,cap_net_raw in its inheritable set only."""
    dst = bundle.rootfs_path("/capbin")
    shutil.copy2(hh.HELPER, dst)
    r = subprocess.run([SETCAP, "cap_chown,cap_net_raw+i", dst], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("setcap unavailable here: %s" % r.stderr)


def test_file_inheritable_caps_gain_nothing(rt, make_bundle):
    b = make_bundle(["/capbin", "facts"])
    capable_helper(b)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert caps(f, "CapInh") == 0
    assert caps(f, "CapPrm") == 0, "a file-capable binary gained capabilities: %s" % f["status"]
    assert caps(f, "CapEff") == 0


def test_control_inheritable_when_asked(rt, make_bundle):
    """Asked for, the inheritable set is there and file capabilities use it: the test above can fail."""
    b = make_bundle(["/capbin", "facts"])
    capable_helper(b)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    c = b.process["capabilities"]
    for k in ("bounding", "permitted", "effective"):
        c[k] = sorted(set(c.get(k, [])) | {"CAP_CHOWN"})
    c["inheritable"] = ["CAP_CHOWN"]
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert caps(f, "CapInh") == 1 << CAP_CHOWN
    assert caps(f, "CapPrm") == 1 << CAP_CHOWN, f["status"]
