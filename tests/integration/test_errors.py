"""Bad input: non-zero exit, a message naming the field or path, and nothing left behind (no state dir,
no cgroup /hulltest/<id>, no process, no mount)."""
import json
import os
import shutil

import pytest

import hullharness as hh


def expect_failure(runtime, b, cid=None, words=(), runc_words=None, op="create"):
    """Run create (or run) and check the failure; words: each must appear in stderr (case-insensitive).
    runc_words: what runc says instead, when runc's message does not name the field (runc's gap)."""
    cid = cid if cid is not None else b.id
    r = runtime.create(b, cid=cid) if op == "create" else runtime.run(b, cid=cid)
    assert r.rc != 0, "%s succeeded: %s" % (op, r.out)
    msg = r.stderr.lower()
    want = runc_words if (runtime.is_runc and runc_words is not None) else words
    for w in want:
        assert w.lower() in msg, "error %r does not name %r" % (r.stderr.strip(), w)
    if hh.safe_id(cid):
        assert hh.leftovers(runtime, cid, b) == [], r.stderr
    assert hh.mounts_under(b.path) == []
    return r


def test_invalid_json(runtime, bundle):
    bundle.write_raw_config('{"ociVersion": "1.0.2", "process": {')
    runtime.bundles[bundle.id] = bundle
    orig_save, bundle.save = bundle.save, lambda: None
    try:
        # runc 1.1 only says "unexpected EOF": a runc gap, hullrt must name the file
        expect_failure(runtime, bundle, words=["config.json"], runc_words=[])
    finally:
        bundle.save = orig_save


def test_config_not_an_object(runtime, bundle):
    bundle.save = lambda: None
    bundle.write_raw_config('[1, 2, 3]')
    expect_failure(runtime, bundle, words=["config.json"], runc_words=["json"])


@pytest.mark.parametrize("mutate,words,runc_words", [
    (lambda c: c["process"].__setitem__("args", "not-a-list"), ["process.args"], ["args"]),
    (lambda c: c["process"]["user"].__setitem__("uid", "zero"), ["process.user.uid"], ["uid"]),
    (lambda c: c["linux"].__setitem__("namespaces", [{"type": 5}]), ["linux.namespaces[0].type"], ["type"]),
    (lambda c: c.__setitem__("mounts", {"destination": "/x"}), ["mounts"], ["mounts"]),
    (lambda c: c["process"].__setitem__("terminal", "yes"), ["process.terminal"], ["terminal"]),
], ids=["args-string", "uid-string", "nstype-number", "mounts-object", "terminal-string"])
def test_wrong_types(runtime, bundle, mutate, words, runc_words):
    mutate(bundle.config)
    expect_failure(runtime, bundle, words=words, runc_words=runc_words)


def test_unknown_namespace_type(runtime, bundle):
    bundle.linux["namespaces"].append({"type": "foo"})
    idx = len(bundle.linux["namespaces"]) - 1
    expect_failure(runtime, bundle, words=["linux.namespaces[%d].type" % idx, "foo"], runc_words=["foo"])


def test_duplicate_namespace(runtime, bundle):
    bundle.linux["namespaces"].append({"type": "pid"})
    expect_failure(runtime, bundle, words=["pid"], runc_words=["pid"])


def test_missing_process_args(runtime, bundle):
    bundle.process["args"] = []
    expect_failure(runtime, bundle, words=["process.args"], runc_words=["args"])


def test_unknown_rlimit(runtime, bundle):
    bundle.process["rlimits"] = [{"type": "RLIMIT_HULLFOO", "soft": 1, "hard": 1}]
    expect_failure(runtime, bundle, words=["RLIMIT_HULLFOO"], runc_words=["RLIMIT_HULLFOO"])


def test_unknown_capability(runtime, bundle):
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 only warns about unknown capabilities")
    bundle.process["capabilities"]["bounding"].append("CAP_HULL_FOO")
    expect_failure(runtime, bundle, words=["CAP_HULL_FOO"])


def test_uid_mappings_without_userns(runtime, bundle):
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 ignores uidMappings without a user namespace")
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}]
    expect_failure(runtime, bundle, words=["uidMappings"], runc_words=["user"])


@pytest.mark.parametrize("cid", ["../x", "a/b", "..", "x" * 1025, "bad id", "a\nb"],
                         ids=["dotdot-x", "slash", "dotdot", "overlong", "space", "newline"])
def test_bad_ids(runtime, bundle, cid):
    r = runtime.create(bundle, cid=cid)
    assert r.rc != 0, r.out
    if runtime.is_runc and len(cid) > 1000:
        assert "too long" in r.stderr.lower()  # runc only finds out when lstat fails
    else:
        assert "id" in r.stderr.lower()
    # nothing was written outside or inside --root
    assert os.listdir(runtime.root) == []
    assert not os.path.exists(os.path.join(os.path.dirname(runtime.root), "x"))
    assert hh.mounts_under(bundle.path) == []


def test_empty_id(runtime, bundle):
    r = runtime.cmd("create", "--bundle", bundle.path, "")
    assert r.rc != 0
    assert os.listdir(runtime.root) == []


def test_missing_id(runtime, bundle):
    r = runtime.cmd("create", "--bundle", bundle.path)
    assert r.rc != 0
    assert os.listdir(runtime.root) == []


def test_missing_rootfs(runtime, bundle):
    shutil.rmtree(bundle.rootfs)
    expect_failure(runtime, bundle, words=["rootfs"], runc_words=["rootfs"])


def test_rootfs_is_a_file(runtime, bundle):
    shutil.rmtree(bundle.rootfs)
    open(bundle.rootfs, "w").close()
    # runc 1.1: "fork/exec /proc/self/exe: not a directory", naming nothing: a runc gap
    expect_failure(runtime, bundle, words=["rootfs"], runc_words=[])


def test_missing_bundle(runtime):
    cid = hh.unique_id()
    r = runtime.create("/tmp/hulltest-no-such-bundle", cid=cid)
    assert r.rc != 0
    assert "hulltest-no-such-bundle" in r.stderr or "config.json" in r.stderr
    assert hh.leftovers(runtime, cid) == []


def test_missing_config(runtime, bundle):
    os.unlink(os.path.join(bundle.path, "config.json"))
    bundle.save = lambda: None
    expect_failure(runtime, bundle, words=["config.json"], runc_words=["config.json"])


def test_second_create_same_id(runtime, make_bundle):
    a = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.create(a).check("create")
    pid = runtime.state_json(a.id)["pid"]
    b = make_bundle()
    r = runtime.create(b, cid=a.id)
    assert r.rc != 0
    assert "exist" in r.stderr.lower()
    # the first container is untouched
    st = runtime.state_json(a.id)
    assert st["status"] == "created" and st["pid"] == pid and st["bundle"] == a.path
    assert hh.mounts_under(b.path) == []


def test_missing_executable_leaves_nothing(runtime, make_bundle):
    b = make_bundle(["/no/such/exe"])
    r = expect_failure(runtime, b, op="run", words=["/no/such/exe"], runc_words=["/no/such/exe"])


def test_bad_mount_leaves_nothing(runtime, bundle):
    bundle.add_mount("/mnt/x", "bind", "/tmp/hulltest-no-such-source", ["rbind"])
    expect_failure(runtime, bundle, words=["hulltest-no-such-source"], runc_words=["hulltest-no-such-source"])


def test_unknown_mount_type_leaves_nothing(runtime, bundle):
    bundle.add_mount("/mnt/x", "hullfs-nonexistent", "none", [])
    expect_failure(runtime, bundle, words=["/mnt/x"], runc_words=["/mnt/x"])


def test_bad_cwd_relative(runtime, bundle):
    bundle.process["cwd"] = "relative/dir"
    expect_failure(runtime, bundle, words=["cwd"], runc_words=["cwd"])


def test_start_unknown(runtime):
    r = runtime.start("hulltest-unknown-start")
    assert r.rc != 0


def test_delete_unknown(runtime):
    r = runtime.delete("hulltest-unknown-delete")
    assert r.rc != 0
    r = runtime.delete("hulltest-unknown-delete", force=True)
    # runc: --force on a missing container succeeds quietly
    if runtime.is_runc:
        assert r.rc == 0


def test_kill_unknown(runtime):
    r = runtime.kill("hulltest-unknown-kill", "KILL")
    assert r.rc != 0


def test_unknown_sysctl(runtime, bundle):
    bundle.linux["sysctl"] = {"hull.no.such.key": "1"}
    expect_failure(runtime, bundle, op="run", words=["hull.no.such.key"], runc_words=["hull.no.such.key"])


def test_namespace_path_not_a_namespace(runtime, bundle):
    p = os.path.join(bundle.path, "not-a-ns")
    open(p, "w").close()
    bundle.add_namespace("network", p)
    expect_failure(runtime, bundle, words=[p], runc_words=[])


def test_relative_namespace_path(runtime, bundle):
    bundle.add_namespace("network", "relative/netns")
    expect_failure(runtime, bundle, words=["relative/netns"], runc_words=[])
