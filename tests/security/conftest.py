"""The integration fixtures (runtime, runc, rt, make_bundle, bundle, console_socket, make_netns) for the
security regression tests: loaded from tests/integration/conftest.py so there is one definition."""
import importlib.util
import os
import shutil
import sys
import tempfile

import pytest

_INTEGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration")
sys.path.insert(0, _INTEGRATION)

_spec = importlib.util.spec_from_file_location("hull_integration_conftest", os.path.join(_INTEGRATION, "conftest.py"))
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)

for _name, _value in vars(_conftest).items():
    if not _name.startswith("_") and getattr(_value, "_pytestfixturefunction", None) is not None:
        globals()[_name] = _value


import hullharness as hh  # noqa: E402


@pytest.fixture
def canary():
    """A host directory with one file, "sentinel": escape tests point symlinks at it; it must stay as is."""
    d = tempfile.mkdtemp(prefix="hulltest-rootfs-canary-", dir=hh.TMP)
    with open(os.path.join(d, "sentinel"), "w") as f:
        f.write("canary\n")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
