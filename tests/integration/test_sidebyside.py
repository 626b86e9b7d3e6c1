"""The same bundle and commands under runc (the reference) and the runtime under test: same state fields,
exit codes and helper facts, once pids, times, inode numbers and temp paths are normalised."""
import copy
import json
import os
import signal
import threading

import pytest

import hullharness as hh


@pytest.fixture
def pair(runtime, runc):
    if runtime.is_runc:
        pytest.skip("HULL_RUNTIME is runc: nothing to compare")
    return runtime, runc


def host_ns(n):
    return os.stat("/proc/self/ns/%s" % n).st_ino


# Differences from runc 1.1.5 that are accepted on purpose (everything else must match):
#  - masked and readonly paths also get nosuid,nodev,noexec (hardening, as crun does);
#  - the /sys/fs/cgroup tmpfs honours the spec's "ro" (runc 1.1 leaves the tmpfs itself rw);
#  - on this hybrid host the cgroup2 hierarchy is mounted at /sys/fs/cgroup/unified too (runc 1.1 omits it).
HARDENING_OPTS = {"nosuid", "nodev", "noexec"}


def _accepted(m, b):
    opts = set(m["options"].split(","))
    protected = set(b.linux.get("maskedPaths", [])) | set(b.linux.get("readonlyPaths", []))
    if m["target"] in protected:
        opts -= HARDENING_OPTS
    if m["target"] == "/sys/fs/cgroup" and m["fstype"] == "tmpfs":
        opts -= {"ro", "rw"}
    if m["target"] == "/sys/fs/cgroup/unified":
        return None
    return "%s %s %s" % (m["target"], m["fstype"], ",".join(sorted(opts)))


def normalise_facts(f, b):
    """What must be equal between runtimes: pids, inode numbers and paths of this bundle taken out."""
    f = copy.deepcopy(f)
    f["ns"] = {n: ("host" if v == host_ns(n.replace("_for_children", "")) else "new") for n, v in f["ns"].items()}
    for k in ("pid", "ppid", "sid", "pgid", "time"):
        f.pop(k, None)
    f["status"].pop("NSpid", None)
    f["env"].pop("HULLTEST_ID", None)
    f["mounts"] = sorted({x for x in (_accepted(m, b) for m in f["mounts"]) if x})
    f["fds"] = sorted(f["fds"])
    f["cgroup"] = {k: v.replace(b.id, "<id>") for k, v in f["cgroup"].items()}
    # Signals 32 and 33 are glibc's own (SIGCANCEL, SIGSETXID): runc (Go) keeps whatever disposition its
    # caller gave them, hullrt resets every signal; only the others must agree.
    if "sig_ignored" in f:
        f["sig_ignored"] = "%016x" % (int(f["sig_ignored"], 16) & ~(0x3 << 31))
    return f


def twin_bundles(make_bundle, args):
    """Two bundles with the same config but for their ids (and so cgroupsPath and HULLTEST_ID)."""
    a = make_bundle(args)
    b = make_bundle(args)
    return a, b


def facts_pair(pair, make_bundle, mutate=None, args=("facts",)):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, ["/hull-helper"] + list(args))
    for x in (a, b):
        if mutate:
            mutate(x)
    fa = normalise_facts(hull.run_facts(a, args), a)
    fb = normalise_facts(runc.run_facts(b, args), b)
    return fa, fb


def diff(fa, fb):
    """{key: difference} where the facts differ; lists show only what one side has (hull_only/runc_only)."""
    res = {}
    for k in sorted(set(fa) | set(fb)):
        a, b = fa.get(k), fb.get(k)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            res[k] = {"hull_only": [x for x in a if x not in b], "runc_only": [x for x in b if x not in a]}
        elif isinstance(a, dict) and isinstance(b, dict):
            res[k] = {kk: (a.get(kk), b.get(kk)) for kk in sorted(set(a) | set(b)) if a.get(kk) != b.get(kk)}
        else:
            res[k] = (a, b)
    return res


def test_facts_default_bundle(pair, make_bundle):
    fa, fb = facts_pair(pair, make_bundle)
    d = diff(fa, fb)
    assert d == {}, json.dumps(d, indent=0, default=str)


def test_facts_nonroot_user(pair, make_bundle):
    def m(b):
        b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [2000], "umask": 0o077}
        b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}]
        b.process["oomScoreAdj"] = 100
        b.process["cwd"] = "/tmp"
    fa, fb = facts_pair(pair, make_bundle, m)
    d = diff(fa, fb)
    assert d == {}, json.dumps(d, indent=0, default=str)


def test_facts_all_namespaces_runc_has(pair, make_bundle):
    def m(b):
        b.add_namespace("cgroup")
        b.add_namespace("user")
        b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.config["mounts"] = [x for x in b.config["mounts"] if x["destination"] != "/sys/fs/cgroup"]
    fa, fb = facts_pair(pair, make_bundle, m)
    d = diff(fa, fb)
    assert d == {}, json.dumps(d, indent=0, default=str)


def test_facts_readonly_root_and_mounts(pair, make_bundle):
    def m(b):
        b.config["root"]["readonly"] = True
        b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m", "nodev"])
        b.add_mount("/mnt/ro", "bind", "/etc", ["rbind", "ro"])
    fa, fb = facts_pair(pair, make_bundle, m)
    d = diff(fa, fb)
    assert d == {}, json.dumps(d, indent=0, default=str)


def normalise_state(st, b):
    st = dict(st)
    st.pop("ociVersion", None)
    st["pid"] = "running" if st.get("pid") else st.get("pid")
    st.pop("created", None)
    st["id"] = st["id"].replace(b.id, "<id>")
    if "bundle" in st:
        st["bundle"] = "<bundle>" if st["bundle"] == b.path else st["bundle"]
    if "rootfs" in st:
        st["rootfs"] = "<rootfs>" if st["rootfs"] == b.rootfs else st["rootfs"]
    return st


def test_state_fields_through_lifecycle(pair, make_bundle):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, ["/hull-helper", "sleep", "30"])
    for x in (a, b):
        x.config["annotations"] = {"org.hull.k": "v"}
    seen = {}
    for rt, x in ((hull, a), (runc, b)):
        steps = []
        rt.create(x).check("create")
        steps.append(normalise_state(rt.state_json(x.id), x))
        rt.start(x.id).check("start")
        rt.wait_status(x.id, "running")
        steps.append(normalise_state(rt.state_json(x.id), x))
        rt.kill(x.id, "KILL").check("kill")
        rt.wait_status(x.id, "stopped")
        steps.append(normalise_state(rt.state_json(x.id), x))
        steps.append(rt.delete(x.id).rc)
        steps.append(rt.state(x.id).rc)
        seen[rt.name] = steps
    assert seen[hull.name] == seen["runc"]


@pytest.mark.parametrize("args", [
    ["/hull-helper", "exit", "0"], ["/hull-helper", "exit", "42"], ["/no/such/binary"],
    ["/bin/sh", "-c", "/hull-helper kill-self TERM; exit $?"], ["/bin/sh", "-c", "kill -9 $$"],
], ids=["exit0", "exit42", "enoent", "child-term", "sh-kill9-self"])
def test_run_exit_codes(pair, make_bundle, args):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, args)
    ra, rb = hull.run(a), runc.run(b)
    assert ra.rc == rb.rc, (ra, rb)
    assert ra.stdout == rb.stdout


def test_killed_run_exit_code(pair, make_bundle):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, ["/hull-helper", "sleep", "30"])
    codes = {}
    for rt, x in ((hull, a), (runc, b)):
        res = {}
        t = threading.Thread(target=lambda: res.update(r=rt.run(x)))
        t.start()
        try:
            rt.wait_status(x.id, "running", timeout=10)
            rt.kill(x.id, "KILL")  # pid 1 of a pid namespace ignores a TERM it has no handler for
        finally:
            t.join(20)
        codes[rt.name] = res["r"].rc
    assert codes[hull.name] == codes["runc"] == 128 + signal.SIGKILL


def test_exec_facts_match(pair, make_bundle):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, None)
    out = {}
    for rt, x in ((hull, a), (runc, b)):
        rt.start_sleeper(x)
        r = rt.exec(x.id, ["/hull-helper", "facts"], env=["E=1"], cwd="/tmp", user="1000:1000")
        assert r.rc == 0, r.stderr
        out[rt.name] = normalise_facts(hh.parse_last_json(r.stdout), x)
    d = diff(out[hull.name], out["runc"])
    assert d == {}, json.dumps(d, indent=0, default=str)


def test_list_and_ps_shape(pair, make_bundle):
    hull, runc = pair
    a, b = twin_bundles(make_bundle, None)
    shapes = {}
    for rt, x in ((hull, a), (runc, b)):
        rt.start_sleeper(x)
        lst = rt.list()
        header = lst.stdout.splitlines()[0].split()
        row = lst.stdout.splitlines()[1].split()
        js = json.loads(rt.list(fmt="json").stdout)
        ps = json.loads(rt.ps(x.id, fmt="json").stdout)
        shapes[rt.name] = (header, row[2], row[3] == x.path, sorted(js[0]), len(ps))
    assert shapes[hull.name] == shapes["runc"]


@pytest.mark.parametrize("case", ["bad-json", "unknown-ns", "missing-rootfs", "dup-id", "bad-id"])
def test_errors_exit_codes(pair, make_bundle, case):
    hull, runc = pair
    rcs = {}
    for rt in (hull, runc):
        x = make_bundle()
        cid = x.id
        if case == "bad-json":
            x.save = lambda: None
            x.write_raw_config("{")
        elif case == "unknown-ns":
            x.linux["namespaces"].append({"type": "hullfoo"})
        elif case == "missing-rootfs":
            import shutil
            shutil.rmtree(x.rootfs)
        elif case == "dup-id":
            y = make_bundle(["/hull-helper", "sleep", "30"])
            rt.create(y).check()
            cid = y.id
        elif case == "bad-id":
            cid = "../hull-bad"
        r = rt.create(x, cid=cid)
        rcs[rt.name] = r.rc
        assert r.rc != 0
    assert rcs[hull.name] == rcs["runc"]


def test_hook_states_match(pair, make_bundle):
    # prestart, createRuntime and poststop: runc 1.1 differs from the spec on the others (see test_hooks).
    hull, runc = pair
    a, b = twin_bundles(make_bundle, ["/hull-helper", "exit", "0"])
    seen = {}
    for rt, x in ((hull, a), (runc, b)):
        for kind in ("prestart", "createRuntime", "poststop"):
            x.add_hook(kind, "/bin/sh", args=["sh", "-c", "cat > %s/%s.json" % (x.path, kind)])
        r = rt.run(x)
        assert r.rc == 0, r.stderr
        states = {}
        for kind in ("prestart", "createRuntime", "poststop"):
            with open(os.path.join(x.path, kind + ".json")) as f:
                st = json.load(f)
            st = normalise_state(st, x)
            # the spec's required fields; pid only while creating/created/running (runc omits it after)
            keep = ["id", "status", "bundle"] + (["pid"] if st["status"] != "stopped" else [])
            states[kind] = {k: st.get(k) for k in keep}
        seen[rt.name] = states
    # the one deliberate difference: prestart reads "created" from hullrt (runtime-spec 1.0's status for
    # it, as crun and the OCI validation suite), "creating" from runc 1.1
    assert seen[hull.name]["prestart"].pop("status") == "created"
    assert seen["runc"]["prestart"].pop("status") == "creating"
    assert seen[hull.name] == seen["runc"]
