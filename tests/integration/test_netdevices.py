"""linux.netDevices (runtime-spec 1.3, config-linux.md "Network Devices"): a device of the runtime's network
namespace moved into the container's, renamed, its permanent global addresses kept, its link up; the checks
that come before any move. Everything runs in a network namespace the test makes (hullrt under nsenter), with
veth pairs of its own (this kernel has no dummy driver)."""
import subprocess

import pytest

import hullharness as hh


def in_ns(ns, *argv):
    return subprocess.run(["nsenter", "--net=" + ns.path, *argv], capture_output=True, text=True, timeout=60)


@pytest.fixture
def netdev_env(make_netns, runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 has no linux.netDevices")
    ns = make_netns("netdev")
    for i in (0, 1):
        r = in_ns(ns, "ip", "link", "add", "hulltest-d%d" % i, "type", "veth", "peer", "name", "hulltest-p%d" % i)
        assert r.returncode == 0, r.stderr
    assert in_ns(ns, "ip", "addr", "add", "192.0.2.10/24", "dev", "hulltest-d0").returncode == 0
    assert in_ns(ns, "ip", "addr", "add", "2001:db8::10/64", "dev", "hulltest-d0", "nodad").returncode == 0
    return ns


def run_in(ns, runtime, b):
    return in_ns(ns, runtime.binary, "--root", runtime.root, "run", "--bundle", b.path, b.id)


def test_net_device_moved_renamed_with_addresses_and_up(netdev_env, runtime, make_bundle):
    ns = netdev_env
    b = make_bundle(["/bin/sh", "-c", "ip -o link show ctr0; ip -o addr show dev ctr0; ip -o link show tpl0"])
    b.linux["netDevices"] = {"hulltest-d0": {"name": "ctr0"}, "hulltest-d1": {"name": "tpl%d"}}
    b.save()
    r = run_in(ns, runtime, b)
    assert r.returncode == 0, r.stderr
    link = [l for l in r.stdout.splitlines() if ": ctr0@" in l][0]  # a veth: "ctr0@ifN"
    assert ",UP" in link, link
    assert "inet 192.0.2.10/24" in r.stdout and "inet6 2001:db8::10/64" in r.stdout, r.stdout
    assert ": tpl0@" in r.stdout  # the kernel filled in the "%d" template
    # moved out of the runtime's namespace (and, veths being virtual, destroyed with the container's)
    links = in_ns(ns, "ip", "-o", "link").stdout
    assert "hulltest-d0" not in links and "hulltest-d1" not in links
    assert hh.leftovers(runtime, b.id, b) == []


@pytest.mark.parametrize("devices, message", [
    ({"hulltest-d0": {"name": "lo"}}, 'linux.netDevices.hulltest-d0: the container already has a device named "lo"'),
    ({"hulltest-nope": {}}, "linux.netDevices.hulltest-nope: no such network device here"),
    ({"hulltest-d1": {}, "hulltest-d0": {"name": "lo"}}, "already has a device named"),
])
def test_net_devices_checked_before_any_move(netdev_env, runtime, make_bundle, devices, message):
    ns = netdev_env
    b = make_bundle(["/bin/true"])
    b.linux["netDevices"] = devices
    b.save()
    r = run_in(ns, runtime, b)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    # nothing moved: both devices still here, the address with them
    links = in_ns(ns, "ip", "-o", "link").stdout
    assert "hulltest-d0" in links and "hulltest-d1" in links
    assert "192.0.2.10/24" in in_ns(ns, "ip", "-o", "addr", "show", "dev", "hulltest-d0").stdout
    assert hh.leftovers(runtime, b.id, b) == []


def test_net_devices_need_a_network_namespace(netdev_env, runtime, make_bundle):
    b = make_bundle(["/bin/true"])
    b.remove_namespace("network")
    b.linux["netDevices"] = {"hulltest-d0": {}}
    b.save()
    r = run_in(netdev_env, runtime, b)
    assert r.returncode != 0 and "linux.netDevices: the container shares the runtime's network namespace" in r.stderr
    assert hh.leftovers(runtime, b.id, b) == []
