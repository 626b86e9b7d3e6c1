"""Fixtures for the conformance tests.

The runtime fixtures (runtime, runc, rt, make_bundle, bundle, console_socket, make_netns) are the ones
tests/integration/conftest.py defines: this file loads that module and re-exports them, so there is one
definition. Conformance adds only what real clients need: a busybox root filesystem tarball
(busybox_rootfs_tar), shared by the podman and containerd tests.
"""
import importlib.util
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(HERE, "..", "integration")
sys.path.insert(0, INTEGRATION)
import hullharness as hh  # noqa: E402
import clients  # noqa: E402

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

@pytest.fixture(scope="session")
def busybox_rootfs_tar():
    d = tempfile.mkdtemp(prefix="hulltest-conformance-rootfs-", dir=hh.TMP)
    try:
        p = os.path.join(d, "rootfs.tar")
        clients.write_busybox_rootfs_tar(p)
        yield p
    finally:
        shutil.rmtree(d, ignore_errors=True)
