"""The command line surface: --version, --help, spec, features, unknown commands, --root, --log."""
import json
import os
import subprocess
import tempfile

import pytest

import hullharness as hh


def test_version(runtime):
    r = runtime.cmd("--version")
    assert r.rc == 0
    assert "version" in r.stdout.lower()
    assert "spec" in r.stdout.lower()


def test_help_lists_commands(runtime):
    r = runtime.cmd("--help")
    assert r.rc == 0
    for c in ("create", "start", "run", "state", "kill", "delete", "exec", "list", "ps", "spec", "features"):
        assert c in r.stdout, c


def test_unknown_command(runtime):
    r = runtime.cmd("hull-no-such-command")
    assert r.rc != 0
    assert "hull-no-such-command" in r.stderr or "hull-no-such-command" in r.stdout


def test_spec_writes_valid_config(runtime, tmp_path):
    r = runtime.cmd("spec", cwd=str(tmp_path))
    assert r.rc == 0, r.stderr
    with open(tmp_path / "config.json") as f:
        c = json.load(f)
    assert c["root"]["path"] == "rootfs"
    assert c["process"]["args"] == ["sh"]
    assert {n["type"] for n in c["linux"]["namespaces"]} >= {"pid", "network", "ipc", "uts", "mount"}
    targets = [m["destination"] for m in c["mounts"]]
    for t in ("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"):
        assert t in targets


def test_spec_matches_runc_shape(runtime, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert runtime.cmd("spec", cwd=str(tmp_path / "a")).rc == 0
    assert subprocess.run([hh.RUNC, "spec"], cwd=str(tmp_path / "b")).returncode == 0
    a = json.load(open(tmp_path / "a" / "config.json"))
    b = json.load(open(tmp_path / "b" / "config.json"))
    assert sorted(a) == sorted(b)
    assert sorted(a["process"]) == sorted(b["process"])
    assert a["process"]["capabilities"] == b["process"]["capabilities"]
    assert [m["destination"] for m in a["mounts"]] == [m["destination"] for m in b["mounts"]]
    assert sorted(a["linux"]["maskedPaths"]) == sorted(b["linux"]["maskedPaths"])


def test_spec_refuses_to_overwrite(runtime, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    r = runtime.cmd("spec", cwd=str(tmp_path))
    assert r.rc != 0
    assert (tmp_path / "config.json").read_text() == "{}"


def test_spec_bundle_flag(runtime, tmp_path):
    r = runtime.cmd("spec", "--bundle", str(tmp_path))
    assert r.rc == 0
    assert (tmp_path / "config.json").exists()


def test_spec_rootless(runtime, tmp_path):
    r = runtime.cmd("spec", "--rootless", cwd=str(tmp_path))
    assert r.rc == 0
    c = json.load(open(tmp_path / "config.json"))
    assert "user" in {n["type"] for n in c["linux"]["namespaces"]}
    assert c["linux"]["uidMappings"] and c["linux"]["gidMappings"]


def test_features(runtime):
    r = runtime.cmd("features")
    assert r.rc == 0, r.stderr
    f = json.loads(r.stdout)
    assert f["ociVersionMin"].startswith("1.0")
    assert set(f["hooks"]) >= {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                               "poststop"}
    want_ns = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup"}
    if not runtime.is_runc:
        want_ns.add("time")
    assert set(f["linux"]["namespaces"]) >= want_ns
    assert "CAP_SYS_ADMIN" in f["linux"]["capabilities"]
    assert "bind" in f["mountOptions"] and "ro" in f["mountOptions"]


def test_root_flag_puts_state_there(runtime, make_bundle):
    b = make_bundle()
    runtime.create(b).check()
    assert os.path.isdir(runtime.state_dir(b.id))
    other = hh.Runtime(runtime.binary)
    try:
        r = other.state(b.id)
        assert r.rc != 0  # another --root does not see it
    finally:
        other.cleanup()


def test_log_json_on_error(runtime, tmp_path):
    log = tmp_path / "rt.log"
    r = runtime.cmd("state", "hulltest-missing-log", global_args=["--log", str(log), "--log-format", "json"])
    assert r.rc != 0
    text = log.read_text()
    lines = [json.loads(l) for l in text.splitlines() if l.strip()]
    assert lines and any(l.get("level") == "error" for l in lines)
    assert any("msg" in l for l in lines)


def test_state_json_shape(runtime, make_bundle):
    b = make_bundle()
    b.config["annotations"] = {"org.hull.test": "yes"}
    runtime.create(b).check()
    st = runtime.state_json(b.id)
    assert st["annotations"] == {"org.hull.test": "yes"}
    assert st["rootfs"] == b.rootfs
    assert st["ociVersion"]
    assert st["owner"] == ""
    assert st["created"].endswith("Z")


def test_systemd_cgroup_refused_clearly_and_leaves_nothing(runtime, make_bundle):
    b = make_bundle()
    r = runtime.cmd("create", "--bundle", b.path, b.id, global_args=["--systemd-cgroup"], timeout=20)
    assert r.rc != 0
    assert "--systemd-cgroup" in r.stderr and "cgroupfs" in r.stderr
    assert hh.leftovers(runtime, b.id, b) == []
    # commands on existing containers accept the flag, as engines pass it everywhere
    r = runtime.cmd("list", global_args=["--systemd-cgroup"])
    assert r.rc == 0
