"""clients — host-side helpers for the podman and containerd conformance tests.

Owns the cleanup of what a real client leaves on the host when a test stops half-way: processes started
from the test's private directories (conmon, shims, containerd itself), mounts under those directories,
and the test's own absolute cgroup trees (/hulltest-podman, /hulltest-ctr). It must never touch a cgroup,
mount or process outside those: every name it is given must contain "hulltest".
"""
import os
import signal
import time

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
