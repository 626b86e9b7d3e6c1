"""clients — host-side helpers for the podman and containerd conformance tests.

Owns the busybox rootfs tarball the clients import, the pty driver for interactive sessions, and the
cleanup of what a real client leaves on the host when a test stops half-way: processes started from the
test's private directories (conmon, shims, containerd itself), mounts under those directories, and the
test's own absolute cgroup trees (/hulltest-podman, /hulltest-ctr). It must never touch a cgroup, mount or
process outside those: every name it is given must contain "hulltest".
"""
import io
import os
import pty
import re
import select
import signal
import subprocess
import tarfile
import time

import pytest

import hullharness as hh

CGROUP_ROOT = hh.CGROUP_ROOT


def _check_name(name):
    parts = name.strip("/").split("/")
    assert "hulltest" in parts[0] and not set(parts) & {"", ".", ".."}, name


def cgroup_tree_dirs(name):
    """/sys/fs/cgroup/<hierarchy>/<name> for every hierarchy where it exists."""
    _check_name(name)
    res = []
    for h in sorted(os.listdir(CGROUP_ROOT)):
        d = os.path.join(CGROUP_ROOT, h, name.strip("/"))
        if os.path.isdir(d) and not os.path.islink(os.path.join(CGROUP_ROOT, h)):
            res.append(d)
    if os.path.isfile(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
        d = os.path.join(CGROUP_ROOT, name.strip("/"))
        if os.path.isdir(d):
            res.append(d)
    return res


def _thaw(d):
    for root, _dirs, files in os.walk(d):
        for f, val in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            if f in files:
                try:
                    with open(os.path.join(root, f), "w") as fh:
                        fh.write(val)
                except OSError:
                    pass


def remove_cgroup_tree(name):
    """Kill every process in /<name> (all hierarchies) and remove the tree, children first."""
    dirs = cgroup_tree_dirs(name)
    for d in dirs:
        _thaw(d)
    for _ in range(100):
        pids = set()
        for d in dirs:
            pids |= hh.pids_in_cgroup_dir(d)
        pids.discard(os.getpid())
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for d in dirs:
            for root, _dirs, _files in sorted(os.walk(d), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(root)
                except OSError:
                    pass
        dirs = [d for d in dirs if os.path.isdir(d)]
        if not dirs:
            return []
        time.sleep(0.05)
    return dirs


def processes_with_arg(substring):
    """Host pids whose command line mentions substring (a test's private directory)."""
    _check_name(os.path.basename(substring.rstrip("/")))
    res = []
    needle = substring.encode()
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                if needle in f.read():
                    res.append(int(p))
        except OSError:
            pass
    return res


def kill_processes_with_arg(substring, timeout=5.0):
    for pid in processes_with_arg(substring):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(hh.pid_alive(p) for p in processes_with_arg(substring)):
        time.sleep(0.05)


def cleanup_dir(path):
    """Unmount what is mounted under path (shm, overlay, rootfs binds), then remove it."""
    import shutil
    hh.unmount_under(path)
    if not hh.mounts_under(path):
        shutil.rmtree(path, ignore_errors=True)


def own_cgroups():
    """This process's cgroup paths, by hierarchy ("memory": "/process_api/..."): containers must not land there."""
    res = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _n, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                res[c] = path
    return res


def outside_own_cgroup(path, ctrl="memory"):
    """True when cgroup path (as /proc/<pid>/cgroup shows it) is not inside this process's own cgroup of
    that hierarchy: a container must never land in the machine's cgroups that run the tests."""
    own = own_cgroups().get(ctrl, "/")
    return own == "/" or not (path == own or path.startswith(own.rstrip("/") + "/"))


def hull_runtime_binary():
    b = hh.runtime_binary()
    if not os.path.exists(b):
        pytest.skip("runtime binary %s not built" % b)
    return os.path.abspath(b)


PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _add_dir(tar, name, mode=0o755):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    tar.addfile(ti)


def _add_file(tar, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    tar.addfile(ti, io.BytesIO(data))


def write_busybox_rootfs_tar(path):
    """An uncompressed tar of a busybox root filesystem: /bin/busybox, every applet as a symlink to it
    (as `busybox --install -s` makes them), /etc/passwd and /etc/group. Entries are relative ("bin/sh")."""
    applets = subprocess.run([hh.BUSYBOX, "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        dirs = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "tmp", "root", "proc", "sys", "dev", "run",
                "var", "var/tmp"]
        for d in dirs:
            _add_dir(tar, d, 0o1777 if d in ("tmp", "var/tmp") else 0o755)
        with open(hh.BUSYBOX, "rb") as f:
            _add_file(tar, "bin/busybox", f.read(), 0o755)
        for a in applets:
            if a == "bin/busybox":
                continue
            parent = os.path.dirname(a)
            if parent not in dirs:
                dirs.append(parent)
                _add_dir(tar, parent)
            ti = tarfile.TarInfo(a)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "/bin/busybox"
            ti.mode = 0o777
            tar.addfile(ti)
        _add_file(tar, "etc/passwd", PASSWD.encode())
        _add_file(tar, "etc/group", GROUP.encode())
        _add_file(tar, "etc/hostname", b"hulltest\n")


def pty_session(argv, env, steps, timeout=30, cwd=None):
    """Run argv on a new pty; for each (expect, send) wait for expect in the output then send. Returns
    (exit status, everything read)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, cwd=cwd)
    os.close(slave)
    buf = b""
    end = time.monotonic() + timeout
    try:
        for expect, send in steps:
            while expect not in buf:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("pty: %r not seen; got %r" % (expect, buf[-1000:]))
                r, _, _ = select.select([master], [], [], min(left, 0.5))
                if r:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        raise AssertionError("pty closed before %r; got %r" % (expect, buf[-1000:]))
                    buf += chunk
            if send:
                os.write(master, send)
        while p.poll() is None and time.monotonic() < end:  # drain until podman exits
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    chunk = b""
                buf += chunk
        return p.wait(timeout=max(1, end - time.monotonic())), buf
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)


def tty_facts(text):
    """What a shell on a terminal printed for TTY_PROBE."""
    return {"stdin_is_tty": "stdin-is-tty" in text, "arith": re.search(r"\n42\r*\n", text) is not None,
            "tty_is_pts": re.search(r"\ntty=/dev/pts/\d+\r*\n", text) is not None,
            "fd0_is_pts": re.search(r"\nfd0=/dev/pts/\d+\r*\n", text) is not None}


TTY_PROBE = b"[ -t 0 ] && echo stdin-is-tty; echo $((6*7)); echo tty=$(tty); echo fd0=$(readlink /proc/self/fd/0)\n"
