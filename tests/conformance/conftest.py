"""Fixtures for the conformance tests.

The runtime fixtures (runtime, runc, rt, make_bundle, bundle, console_socket, make_netns) are the ones
tests/integration/conftest.py defines: this file loads that module and re-exports them, so there is one
definition. Conformance adds only what real clients need: a busybox root filesystem tarball
(busybox_rootfs_tar), shared by the podman and containerd tests.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(HERE, "..", "integration")
sys.path.insert(0, INTEGRATION)
import hullharness as hh  # noqa: E402

_spec = importlib.util.spec_from_file_location("hull_integration_conftest", os.path.join(INTEGRATION, "conftest.py"))
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)
runtime = _integration.runtime
runc = _integration.runc
rt = _integration.rt
make_bundle = _integration.make_bundle
bundle = _integration.bundle
console_socket = _integration.console_socket
make_netns = _integration.make_netns
pytest_sessionfinish = _integration.pytest_sessionfinish

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _add_dir(tar, name, mode=0o755):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    tar.addfile(ti)


def _add_file(tar, name, data, mode=0o644):
    import io
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


@pytest.fixture(scope="session")
def busybox_rootfs_tar():
    d = tempfile.mkdtemp(prefix="hulltest-conformance-rootfs-", dir=hh.TMP)
    try:
        p = os.path.join(d, "rootfs.tar")
        write_busybox_rootfs_tar(p)
        yield p
    finally:
        shutil.rmtree(d, ignore_errors=True)


def hull_runtime_binary():
    b = hh.runtime_binary()
    if not os.path.exists(b):
        pytest.skip("runtime binary %s not built" % b)
    return os.path.abspath(b)
