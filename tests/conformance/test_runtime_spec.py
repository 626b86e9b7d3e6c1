"""The runtime-spec's MUSTs (runtime.md, config.md, config-linux.md, features.md), each test naming the
clause it checks, run side by side against hullrt and runc (`rt`). Facts come from the in-container helper
and from the host (state, cgroups, /proc), never from busybox output. Clauses the integration tests already
cover (bad ids, duplicate create, hooks order, devices, masked paths, process fields) are not repeated."""
import json
import os
import re
import shutil
import tempfile

import pytest

import hullharness as hh

STATUSES = {"creating", "created", "running", "stopped"}


@pytest.fixture
def shared_dir():
    d = tempfile.mkdtemp(prefix="hulltest-conformance-share-", dir=hh.TMP)
    os.chmod(d, 0o777)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def marker_bundle(make_bundle, shared_dir, name="ran"):
    """A bundle whose process writes <shared_dir>/<name> (bind-mounted at /hullshare) then sleeps."""
    b = make_bundle(["/bin/sh", "-c", "echo $$ > /hullshare/%s; exec /hull-helper sleep 60" % name])
    b.add_mount("/hullshare", "bind", shared_dir, ["rbind", "rw"])
    return b


def check_state_shape(st, cid, bundle_path):
    """runtime.md#state: ociVersion, id, status, pid (created/running), bundle (absolute), annotations."""
    assert isinstance(st["ociVersion"], str) and re.match(r"^\d+\.\d+\.\d+", st["ociVersion"]), st
    assert st["id"] == cid
    assert st["status"] in STATUSES
    if st["status"] in ("created", "running"):
        assert isinstance(st["pid"], int) and st["pid"] > 0
    assert os.path.isabs(st["bundle"]) and os.path.realpath(st["bundle"]) == os.path.realpath(bundle_path)
    if "annotations" in st:
        assert isinstance(st["annotations"], dict)


def create_start(rt, args, make_bundle, until):
    """create + start a container running args; wait until its status is `until`. Returns the bundle."""
    b = make_bundle(args)
    rt.create(b).check("create")
    rt.start(b.id).check("start")
    rt.wait_status(b.id, until)
    return b


# runtime.md: state ---------------------------------------------------------------------------------------

def test_state_fields_through_the_lifecycle(rt, make_bundle):
    """runtime.md#state and #lifecycle: created (pid is the waiting container process) -> running (same pid,
    now the user's program) -> stopped (the process is gone)."""
    b = make_bundle(["/hull-helper", "sleep", "60"])
    b.config["annotations"] = {"org.hulltest.conformance": "state"}
    rt.create(b).check("create")
    st = rt.state_json(b.id)
    check_state_shape(st, b.id, b.path)
    assert st["status"] == "created" and hh.pid_alive(st["pid"])
    assert st["annotations"] == {"org.hulltest.conformance": "state"}
    pid = st["pid"]
    rt.start(b.id).check("start")
    rt.wait_status(b.id, "running")
    st = rt.state_json(b.id)
    check_state_shape(st, b.id, b.path)
    assert st["pid"] == pid
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().split(b"\0")[:3] == [b"/hull-helper", b"sleep", b"60"]
    rt.kill(b.id, "KILL").check("kill")
    rt.wait_status(b.id, "stopped")
    check_state_shape(rt.state_json(b.id), b.id, b.path)
    assert not hh.pid_alive(pid)


def test_state_bundle_is_absolute_for_relative_bundle_arg(rt, make_bundle):
    """runtime.md#state: "bundle ... is the absolute path to the container's bundle directory", even when the
    caller named it relatively (--bundle . from inside it)."""
    b = make_bundle(["/hull-helper", "sleep", "60"])
    b.save()
    rt._remember(b.id, b)
    r = rt.cmd("create", "--bundle", ".", b.id, cwd=b.path, stdout=open(os.path.join(b.path, "o.log"), "w"),
               stderr=open(os.path.join(b.path, "e.log"), "w"))
    assert r.rc == 0, open(os.path.join(b.path, "e.log")).read()
    st = rt.state_json(b.id)
    assert st["bundle"] == os.path.realpath(b.path)


def test_state_of_deleted_container_is_an_error(rt, make_bundle):
    """runtime.md#query-state: "This operation MUST generate an error if it is not provided the ID of a
    container" -- a deleted container no longer exists."""
    b = create_start(rt, ["/hull-helper", "exit", "0"], make_bundle, "stopped")
    rt.delete(b.id).check("delete")
    r = rt.state(b.id)
    assert r.rc != 0 and r.stdout.strip() == ""


# runtime.md: create / start ------------------------------------------------------------------------------

def test_create_does_not_run_the_program_until_start(rt, make_bundle, shared_dir):
    """runtime.md#lifecycle: create must not run the user-specified program; start runs it."""
    b = marker_bundle(make_bundle, shared_dir)
    rt.create(b).check("create")
    marker = os.path.join(shared_dir, "ran")
    import time
    time.sleep(0.3)
    assert not os.path.exists(marker), "the program ran before start"
    assert rt.status(b.id) == "created"
    rt.start(b.id).check("start")
    hh.wait_for(lambda: os.path.exists(marker) and open(marker).read().strip(), 5, what="program output")


def test_config_changes_after_create_have_no_effect(rt, make_bundle, shared_dir):
    """runtime.md#create: "Any changes made to the config.json file after this operation will not have an
    effect on the container." Start must run the args given at create."""
    b = marker_bundle(make_bundle, shared_dir, "original")
    rt.create(b).check("create")
    b.process["args"] = ["/bin/sh", "-c", "echo changed > /hullshare/changed; exec /hull-helper sleep 60"]
    b.save()
    r = rt.start(b.id)
    assert r.rc == 0, r.stderr
    hh.wait_for(lambda: os.path.exists(os.path.join(shared_dir, "original")), 5, what="original program")
    assert not os.path.exists(os.path.join(shared_dir, "changed"))


def test_start_of_stopped_container_fails_without_effect(rt, make_bundle):
    """runtime.md#start: "Attempting to start a container that is not created MUST have no effect on the
    container and MUST generate an error." """
    b = create_start(rt, ["/hull-helper", "exit", "0"], make_bundle, "stopped")
    before = rt.state_json(b.id)
    r = rt.start(b.id)
    assert r.rc != 0
    after = rt.state_json(b.id)
    assert after["status"] == "stopped" and after.get("pid") == before.get("pid")


def test_start_of_running_container_fails_without_effect(rt, make_bundle, shared_dir):
    """runtime.md#start, as above, for a running container: the program is not started again."""
    b = marker_bundle(make_bundle, shared_dir)
    rt.create(b).check("create")
    rt.start(b.id).check("start")
    marker = os.path.join(shared_dir, "ran")
    first = hh.wait_for(lambda: os.path.exists(marker) and open(marker).read().strip(), 5, what="program")
    pid = rt.state_json(b.id)["pid"]
    assert rt.start(b.id).rc != 0
    import time
    time.sleep(0.2)
    assert open(marker).read().strip() == first
    st = rt.state_json(b.id)
    assert st["status"] == "running" and st["pid"] == pid


def test_start_unknown_and_missing_id(rt):
    """runtime.md#start: "This operation MUST generate an error if it is not provided the container ID." """
    assert rt.cmd("start").rc != 0
    assert rt.start(hh.unique_id("nosuch")).rc != 0


# runtime.md: kill ----------------------------------------------------------------------------------------

def test_kill_created_container(rt, make_bundle, shared_dir):
    """runtime.md#kill: allowed on a created container (error only if neither created nor running): the
    container stops, and the user program never runs."""
    b = marker_bundle(make_bundle, shared_dir)
    rt.create(b).check("create")
    pid = rt.state_json(b.id)["pid"]
    rt.kill(b.id, "KILL").check("kill created")
    rt.wait_status(b.id, "stopped")
    hh.wait_for(lambda: not hh.pid_alive(pid), 5, what="container process gone")
    assert not os.path.exists(os.path.join(shared_dir, "ran"))
    rt.delete(b.id).check("delete")


def test_kill_delivers_the_signal_to_the_container_process(rt, make_bundle):
    """runtime.md#kill: "MUST send the specified signal to the container process" (a caught signal: the
    process sees it and reports it)."""
    b = make_bundle(["/hull-helper", "wait-signal", "20"])
    rt.create(b).check("create")
    rt.start(b.id).check("start")
    rt.wait_status(b.id, "running")
    import time
    time.sleep(0.2)  # the helper installs its handlers first thing
    rt.kill(b.id, "USR1").check("kill USR1")
    rt.wait_status(b.id, "stopped", timeout=10)
    out = hh.parse_last_json(b.log())
    assert out.get("signal") in (10, "SIGUSR1", "USR1"), out


# runtime.md: delete --------------------------------------------------------------------------------------

def test_delete_removes_what_create_made(rt, make_bundle):
    """runtime.md#delete: "Deleting a container MUST delete the resources that were created during the create
    step": state, cgroup, processes, mounts; the id can be used again."""
    b = make_bundle(["/hull-helper", "sleep", "60"])
    rt.create(b).check("create")
    pid = rt.state_json(b.id)["pid"]
    assert hh.cgroup_dirs(b.id), "no cgroup was made under /hulltest"
    rt.kill(b.id, "KILL").check("kill")
    rt.wait_status(b.id, "stopped")
    rt.delete(b.id).check("delete")
    assert hh.leftovers(rt, b.id, b) == []
    assert rt.state(b.id).rc != 0 and not hh.pid_alive(pid)
    assert b.id not in rt.list(quiet=True).stdout.split()
    b.process["args"] = ["/hull-helper", "exit", "0"]
    r = rt.run(b)
    assert r.rc == 0, "id not reusable after delete: %s" % r.stderr


def test_delete_keeps_resources_it_did_not_create(rt, make_bundle, make_netns, shared_dir):
    """runtime.md#delete: "resources associated with the container, but not created by this container, MUST
    NOT be deleted": a joined network namespace and a bind-mount source survive."""
    ns = make_netns("conf")
    ino = ns.inode()
    b = make_bundle(["/hull-helper", "sleep", "60"])
    b.add_namespace("network", ns.path)
    b.add_mount("/hullshare", "bind", shared_dir, ["rbind", "rw"])
    with open(os.path.join(shared_dir, "keep"), "w") as f:
        f.write("kept")
    rt.create(b).check("create")
    rt.delete(b.id, force=True).check("delete --force")
    assert os.path.exists(ns.path) and ns.inode() == ino
    assert open(os.path.join(shared_dir, "keep")).read() == "kept"


def test_delete_running_container_fails_without_effect(rt, make_bundle):
    """runtime.md#delete: "Attempting to delete a container that is not stopped MUST have no effect on the
    container and MUST generate an error." """
    b = create_start(rt, ["/hull-helper", "sleep", "60"], make_bundle, "running")
    pid = rt.state_json(b.id)["pid"]
    assert rt.delete(b.id).rc != 0
    st = rt.state_json(b.id)
    assert st["status"] == "running" and st["pid"] == pid and hh.pid_alive(pid)
    assert hh.cgroup_dirs(b.id)


# config.md / config-linux.md -----------------------------------------------------------------------------

def test_mounts_in_listed_order(rt, make_bundle):
    """config.md#mounts: "The runtime MUST mount entries in the listed order": a tmpfs on /hullm, then one on
    /hullm/sub, leaves sub mounted on top of (inside) the first."""
    b = make_bundle()
    b.add_mount("/hullm", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/hullm/sub", "tmpfs", "tmpfs", ["size=2m"])
    f = rt.run_facts(b)
    by_target = {m["target"]: m for m in f["mounts"]}
    assert "/hullm" in by_target and "/hullm/sub" in by_target, sorted(by_target)
    assert by_target["/hullm/sub"]["parent"] == by_target["/hullm"]["id"]


def test_process_is_in_the_given_cgroups_path(rt, make_bundle):
    """config-linux.md#cgroups-path: the container's processes are in cgroupsPath (absolute, so relative to
    the hierarchy root) in every v1 hierarchy."""
    b = make_bundle()
    f = rt.run_facts(b)
    want = "/hulltest/%s" % b.id
    for ctrl in ("memory", "pids", "cpu", "devices", "freezer"):
        assert f["cgroup"].get(ctrl) == want or any(want == v for k, v in f["cgroup"].items() if ctrl in k), \
            (ctrl, f["cgroup"])


def test_namespace_path_of_wrong_type_is_an_error(rt, make_bundle, make_netns):
    """config-linux.md#namespaces: "If a path is specified ... and the namespace type does not match, the
    runtime MUST generate an error" (a network namespace given as uts)."""
    ns = make_netns("conf")
    b = make_bundle()
    b.add_namespace("uts", ns.path)
    r = rt.run(b)
    assert r.rc != 0
    assert hh.leftovers(rt, b.id, b) == []


# features.md ---------------------------------------------------------------------------------------------

KNOWN_HOOKS = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}
KNOWN_NS = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"}


def _strings(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _enabled(d):
    return isinstance(d, dict) and all(isinstance(v, bool) for v in d.values())


def check_features_shape(f):
    """The features.md document shape: field names, types and value spaces."""
    for k in ("ociVersionMin", "ociVersionMax"):
        assert isinstance(f[k], str) and re.match(r"^1\.\d+\.\d+", f[k]), (k, f.get(k))
    ver = lambda s: tuple(int(x) for x in re.match(r"^(\d+)\.(\d+)\.(\d+)", s).groups())
    assert ver(f["ociVersionMin"]) <= ver(f["ociVersionMax"])
    assert set(f) <= {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations",
                      "potentiallyUnsafeConfigAnnotations"}, set(f)
    if "hooks" in f:
        assert _strings(f["hooks"]) and set(f["hooks"]) <= KNOWN_HOOKS, f["hooks"]
    if "mountOptions" in f:
        assert _strings(f["mountOptions"]) and len(set(f["mountOptions"])) == len(f["mountOptions"])
    if "annotations" in f:
        assert isinstance(f["annotations"], dict) and all(isinstance(v, str) for v in f["annotations"].values())
    if "potentiallyUnsafeConfigAnnotations" in f:
        assert _strings(f["potentiallyUnsafeConfigAnnotations"])
    lx = f.get("linux", {})
    assert set(lx) <= {"namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt",
                       "mountExtensions", "netDevices", "memoryPolicy"}, set(lx)
    if "namespaces" in lx:
        assert _strings(lx["namespaces"]) and set(lx["namespaces"]) <= KNOWN_NS, lx["namespaces"]
    if "capabilities" in lx:
        assert _strings(lx["capabilities"]) and all(re.fullmatch(r"CAP_[A-Z_]+", c) for c in lx["capabilities"])
    if "cgroup" in lx:
        assert set(lx["cgroup"]) <= {"v1", "v2", "systemd", "systemdUser", "rdma"} and _enabled(lx["cgroup"])
    if "seccomp" in lx:
        s = lx["seccomp"]
        assert isinstance(s.get("enabled"), bool)
        for k, pat in (("actions", r"SCMP_ACT_[A-Z_]+"), ("operators", r"SCMP_CMP_[A-Z_]+"),
                       ("archs", r"SCMP_ARCH_[A-Z0-9_]+"), ("knownFlags", r"SECCOMP_FILTER_FLAG_[A-Z_]+"),
                       ("supportedFlags", r"SECCOMP_FILTER_FLAG_[A-Z_]+")):
            if k in s:
                assert _strings(s[k]) and all(re.fullmatch(pat, x) for x in s[k]), (k, s[k])
        if "supportedFlags" in s and "knownFlags" in s:
            assert set(s["supportedFlags"]) <= set(s["knownFlags"])
    for k in ("apparmor", "selinux", "intelRdt"):
        if k in lx:
            assert set(lx[k]) <= {"enabled", "schemata", "monitoring"} and _enabled(lx[k]), (k, lx[k])
    if "mountExtensions" in lx:
        assert _enabled(lx["mountExtensions"].get("idmap", {}))


def test_features_document_shape(rt):
    r = rt.cmd("features")
    assert r.rc == 0, r.stderr
    check_features_shape(json.loads(r.stdout))


def test_features_cover_runcs(runtime, runc):
    """A drop-in must accept what runc says it accepts: hullrt's namespaces, hooks, mount options,
    capabilities and seccomp actions/operators/archs include runc's."""
    mine = json.loads(runtime.cmd("features").check("features").stdout)
    ref = json.loads(runc.cmd("features").check("runc features").stdout)
    missing = {}
    for path in (("hooks",), ("mountOptions",), ("linux", "namespaces"), ("linux", "capabilities"),
                 ("linux", "seccomp", "actions"), ("linux", "seccomp", "operators"), ("linux", "seccomp", "archs")):
        a, b = mine, ref
        for p in path:
            a, b = (a or {}).get(p), (b or {}).get(p)
        gap = set(b or []) - set(a or [])
        if gap:
            missing[".".join(path)] = sorted(gap)
    assert not missing, "hullrt features lack what runc lists: %s" % missing


def test_features_namespaces_are_accepted(runtime, make_bundle):
    """Every namespace type that `features` lists can be asked for in a config (a private one of each)."""
    f = json.loads(runtime.cmd("features").check("features").stdout)
    b = make_bundle()
    for ns in f["linux"]["namespaces"]:
        if ns == "user":
            continue  # needs mappings: tests/integration/test_namespaces.py covers it
        b.add_namespace(ns)
    facts = runtime.run_facts(b)
    assert facts["pid"] == 1
