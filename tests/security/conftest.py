"""Fixtures for the escape-class regression tests: the integration harness's fixtures (runtime, runc, rt,
make_bundle, ...) re-exported, plus the host-side witnesses: `canary` (a host dir whose names, modes,
contents and mounts must not change) and `runtime_copy` (a private runtime binary an escape may aim at).
Digest and build helpers live in escape_checks.py, importable by tests under that name.

Each test file is named after the CVE whose class it guards against. Tests that take the `rt` fixture also
run against runc and must pass there (a test runc fails is a test of the wrong thing); tests of classes
fixed after runc 1.1.5 (Debian's) take `runtime` only and say so."""
import importlib.util
import os
import shutil
import sys
import tempfile

import pytest

INTEGRATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration")
sys.path.insert(0, INTEGRATION)
import hullharness as hh  # noqa: E402
from escape_checks import tree_digest  # noqa: E402

_spec = importlib.util.spec_from_file_location("hull_integration_conftest", os.path.join(INTEGRATION, "conftest.py"))
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)
for _name in dir(_integration):
    _obj = getattr(_integration, _name)
    if _name.startswith("pytest_") or hasattr(_obj, "_pytestfixturefunction") or \
            type(_obj).__name__ == "FixtureFunctionDefinition":
        globals()[_name] = _obj


class Canary:
    """A host directory with files a container must never see, create, change or mount over."""

    def __init__(self, area):
        self.path = tempfile.mkdtemp(prefix="hulltest-security-%s-canary-" % area, dir=hh.TMP)
        os.chmod(self.path, 0o755)
        for name, data in (("canary", "host data %s\n" % area), ("secret", "do not read\n")):
            with open(os.path.join(self.path, name), "w") as f:
                f.write(data)
        os.makedirs(os.path.join(self.path, "sub"))
        self.before = tree_digest(self.path)

    def assert_untouched(self):
        assert hh.mounts_under(self.path) == [], "mount(s) on the host canary: %s" % hh.mounts_under(self.path)
        assert tree_digest(self.path) == self.before, "host canary dir changed"

    def cleanup(self):
        hh.unmount_under(self.path)
        shutil.rmtree(self.path, ignore_errors=True)


@pytest.fixture
def canary():
    made = []

    def make(area="x"):
        c = Canary(area)
        made.append(c)
        return c

    try:
        yield make
    finally:
        for c in made:
            c.cleanup()


@pytest.fixture
def runtime_copy(tmp_path_factory):
    """A private copy of the runtime under test, so an escape that writes the binary cannot damage the
    build, plus the digest of the original to compare with."""
    src = hh.runtime_binary()
    if not os.path.exists(src):
        pytest.skip("runtime binary %s not built" % src)
    d = tempfile.mkdtemp(prefix="hulltest-security-bin-", dir=hh.TMP)
    os.chmod(d, 0o755)
    dst = os.path.join(d, os.path.basename(src))
    shutil.copy2(src, dst)
    r = hh.Runtime(dst, name=hh.runtime_name(src))
    try:
        yield r
    finally:
        r.cleanup()
        shutil.rmtree(d, ignore_errors=True)
