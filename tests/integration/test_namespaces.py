"""The eight namespaces: created when listed, shared with the host when not, joined by path."""
import os
import time

import pytest

import hullharness as hh

ALL = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc", "uts": "uts", "cgroup": "cgroup",
       "user": "user", "time": "time"}


def host_ns(name):
    return os.stat("/proc/self/ns/%s" % name).st_ino


def userns_bundle(b, host_base=100000, size=65536):
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": host_base, "size": size}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": host_base, "size": size}]
    # A user namespace may not mount a fresh cgroup v1 hierarchy or sysfs of the host's netns.
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] not in ("/sys/fs/cgroup",)]


def test_default_namespaces(runtime, bundle):
    # runc spec: pid, network, ipc, uts, mount new; cgroup, user, time shared with the host.
    f = runtime.run_facts(bundle)
    for t in ("pid", "network", "ipc", "uts", "mount"):
        assert f["ns"][ALL[t]] != host_ns(ALL[t]), t
    for n in ("cgroup", "user", "time"):
        assert f["ns"][n] == host_ns(n), n
    assert f["pid"] == 1


def test_no_namespaces_but_mount(runtime, bundle):
    bundle.linux["namespaces"] = [{"type": "mount"}]
    del bundle.config["hostname"]  # a hostname needs a private UTS namespace
    f = runtime.run_facts(bundle)
    for n in ("pid", "net", "ipc", "uts", "cgroup", "user", "time"):
        assert f["ns"][n] == host_ns(n), n
    assert f["ns"]["mnt"] != host_ns("mnt")
    assert f["pid"] != 1


def test_pid_namespace(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert f["pid"] == 1 and f["ppid"] == 0


def test_network_namespace_only_lo(runtime, bundle):
    r = runtime.run_facts(bundle, ["read", "/proc/self/net/dev"])
    ifaces = [l.split(":")[0].strip() for l in r["data"].splitlines()[2:]]
    assert ifaces == ["lo"]


def test_uts_namespace_hostname_domainname(runtime, bundle):
    bundle.config["hostname"] = "hull-uts-test"
    f = runtime.run_facts(bundle)
    assert f["hostname"] == "hull-uts-test"
    assert os.uname().nodename != "hull-uts-test"


def test_domainname(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "domainname")
    if reason:
        pytest.skip(reason)
    bundle.config["domainname"] = "hull.example"
    f = runtime.run_facts(bundle)
    assert f["domainname"] == "hull.example"


def test_hostname_without_uts_namespace_fails(runtime, bundle):
    bundle.remove_namespace("uts")
    bundle.config["hostname"] = "hull-nouts"
    r = runtime.run(bundle)
    assert r.rc != 0
    assert "hostname" in r.stderr.lower() or "uts" in r.stderr.lower()
    assert hh.leftovers(runtime, bundle.id, bundle) == []


def test_cgroup_namespace(runtime, bundle):
    bundle.add_namespace("cgroup")
    f = runtime.run_facts(bundle)
    assert f["ns"]["cgroup"] != host_ns("cgroup")
    # Inside a cgroup namespace rooted at the container's cgroup every path reads "/".
    for ctrl in ("memory", "pids", ""):
        assert f["cgroup"][ctrl] == "/", (ctrl, f["cgroup"])


def test_user_namespace_mappings(runtime, bundle):
    userns_bundle(bundle)
    f = runtime.run_facts(bundle)
    assert f["ns"]["user"] != host_ns("user")
    assert f["uid"] == 0 and f["gid"] == 0
    r = runtime.run_facts(bundle, ["read", "/proc/self/uid_map"])
    assert r["data"].split() == ["0", "100000", "65536"]
    r = runtime.run_facts(bundle, ["read", "/proc/self/gid_map"])
    assert r["data"].split() == ["0", "100000", "65536"]


def test_user_namespace_host_view(runtime, make_bundle):
    b = make_bundle()
    userns_bundle(b)
    st = runtime.start_sleeper(b)
    with open("/proc/%d/status" % st["pid"]) as f:
        uid_line = [l for l in f if l.startswith("Uid:")][0]
    assert uid_line.split()[1:] == ["100000"] * 4


def test_time_namespace_offsets(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "time_ns")
    if reason:
        pytest.skip(reason)
    bundle.add_namespace("time")
    bundle.linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0},
                                   "boottime": {"secs": 2 * 86400, "nanosecs": 0}}
    before = time.clock_gettime(time.CLOCK_MONOTONIC)
    bbefore = time.clock_gettime(time.CLOCK_BOOTTIME)
    f = runtime.run_facts(bundle)
    after = time.clock_gettime(time.CLOCK_MONOTONIC)
    assert f["ns"]["time"] != host_ns("time")
    mono = float(f["time"]["monotonic"])
    boot = float(f["time"]["boottime"])
    assert before + 86400 <= mono <= after + 86400
    assert bbefore + 2 * 86400 <= boot <= time.clock_gettime(time.CLOCK_BOOTTIME) + 2 * 86400


def test_time_namespace_without_offsets(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "time_ns")
    if reason:
        pytest.skip(reason)
    bundle.add_namespace("time")
    f = runtime.run_facts(bundle)
    assert f["ns"]["time"] != host_ns("time")
    assert abs(float(f["time"]["monotonic"]) - time.clock_gettime(time.CLOCK_MONOTONIC)) < 10


def test_join_netns_by_path(runtime, bundle, make_netns):
    ns = make_netns("nsjoin")
    bundle.add_namespace("network", ns.path)
    f = runtime.run_facts(bundle)
    assert f["ns"]["net"] == ns.inode()


def test_join_namespaces_of_another_container(runtime, make_bundle):
    a = make_bundle()
    st = runtime.start_sleeper(a)
    pid = st["pid"]
    b = make_bundle()
    for t in ("ipc", "uts", "network", "pid"):
        b.add_namespace(t, "/proc/%d/ns/%s" % (pid, ALL[t]))
    f = runtime.run_facts(b)
    for t in ("ipc", "uts", "network"):
        assert f["ns"][ALL[t]] == hh.ns_inode(pid, ALL[t]), t
    assert f["ns"]["pid"] == hh.ns_inode(pid, "pid")
    assert f["pid"] != 1  # joined a pid namespace whose init is the first container


def test_join_bad_path_fails_cleanly(runtime, bundle):
    bundle.add_namespace("network", "/run/netns/hulltest-does-not-exist")
    r = runtime.run(bundle)
    assert r.rc != 0
    assert "hulltest-does-not-exist" in r.stderr
    assert hh.leftovers(runtime, bundle.id, bundle) == []


def test_join_wrong_ns_type_fails(runtime, bundle, make_netns):
    ns = make_netns("nswrong")
    bundle.add_namespace("uts", ns.path)  # a net namespace given as uts
    r = runtime.run(bundle)
    assert r.rc != 0
    assert hh.leftovers(runtime, bundle.id, bundle) == []


def test_user_namespace_file_ownership(runtime, bundle):
    userns_bundle(bundle)
    d = bundle.rootfs_path("/data")
    os.mkdir(d)
    os.chown(d, 100000, 100000)
    bundle.process["user"] = {"uid": 0, "gid": 0}
    r = runtime.run_facts(bundle, ["write", "/data/f", "x"])
    assert r["ok"]
    st = os.stat(os.path.join(d, "f"))
    assert (st.st_uid, st.st_gid) == (100000, 100000)
    # a host-root file is "nobody" inside and not writable
    bundle.process["args"] = ["/hull-helper", "write", "/etc/passwd", "x"]
    rr = runtime.run(bundle)
    assert rr.rc == 1 and hh.parse_last_json(rr.stdout)["errno"] in (13, 30)  # EACCES (or EROFS)


def test_user_namespace_nonzero_container_user(runtime, bundle):
    userns_bundle(bundle)
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    f = runtime.run_facts(bundle)
    assert (f["uid"], f["gid"]) == (1000, 1000)
    st = runtime.run_facts(bundle, ["read", "/proc/self/status"])
    uid_line = [l for l in st["data"].splitlines() if l.startswith("Uid:")][0]
    assert uid_line.split()[1] == "1000"
