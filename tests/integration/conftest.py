"""Fixtures shared by every integration test (see hullharness.py for the classes).

  runtime        Runtime for the binary under test ($HULL_RUNTIME, default $HULL_BUILD/hullrt)
  runc           Runtime for runc, the reference
  rt             parametrised over ["hullrt", "runc"]: the same test against both (the hullrt case is
                 whatever $HULL_RUNTIME names; the duplicate is skipped when that is runc itself)
  make_bundle    factory: make_bundle(args=None, cid=None, terminal=False, cgroup=True, readonly=False)
  bundle         one default bundle (runs `/hull-helper facts`)
  console_socket factory: console_socket() -> ConsoleSocket
  make_netns     factory: make_netns(area) -> NetNS (ip netns hulltest-...)
Everything they create is removed at teardown, pass or fail.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hullharness as hh  # noqa: E402


_default_parents_before = set()


def pytest_sessionstart(session):
    hh.remove_stale_templates()
    _default_parents_before.update(hh.existing_default_parents())


def pytest_sessionfinish(session, exitstatus):
    hh.remove_template()
    hh.remove_cgroup_parent()
    hh.remove_default_parents(_default_parents_before)


def _require(binary):
    if not os.path.exists(binary):
        pytest.skip("runtime binary %s not built" % binary)
    if not os.path.exists(hh.HELPER):
        pytest.skip("%s not built (make build/hull-helper)" % hh.HELPER)


@pytest.fixture
def runtime():
    b = hh.runtime_binary()
    _require(b)
    r = hh.Runtime(b)
    try:
        yield r
    finally:
        r.cleanup()


@pytest.fixture
def runc():
    _require(hh.RUNC)
    r = hh.Runtime(hh.RUNC, name="runc")
    try:
        yield r
    finally:
        r.cleanup()


@pytest.fixture(params=["hullrt", "runc"])
def rt(request):
    if request.param == "runc":
        binary = hh.RUNC
    else:
        binary = hh.runtime_binary()
        if hh.runtime_name(binary) == "runc":
            pytest.skip("HULL_RUNTIME is runc: the runc case covers it")
    _require(binary)
    r = hh.Runtime(binary)
    try:
        yield r
    finally:
        r.cleanup()


@pytest.fixture
def make_bundle():
    made = []

    def make(args=None, **kw):
        b = hh.Bundle(args, **kw)
        made.append(b)
        return b

    try:
        yield make
    finally:
        for b in made:
            b.cleanup()


@pytest.fixture
def bundle(make_bundle):
    return make_bundle()


@pytest.fixture
def console_socket():
    made = []

    def make():
        c = hh.ConsoleSocket()
        made.append(c)
        return c

    try:
        yield make
    finally:
        for c in made:
            c.close()


@pytest.fixture
def make_netns():
    made = []

    def make(area="ns"):
        n = hh.NetNS(area)
        made.append(n)
        return n

    try:
        yield make
    finally:
        for n in made:
            n.close()
