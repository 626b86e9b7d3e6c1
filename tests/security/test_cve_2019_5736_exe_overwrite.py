"""CVE-2019-5736: a container overwrites the runtime's binary through /proc/<pid>/exe.

An attacker (data/exe_attacker.c, static) runs in the container with CAP_SYS_PTRACE (so non-dumpable
processes are no obstacle): it grabs an O_PATH fd of /proc/<pid>/exe of every process that appears in
its pid namespace, waits for it to exit and reopens it for writing. We then make the runtime put
processes into that pid namespace — `exec`, including an exec of a `#!/proc/self/exe` script, and a second
container joining the pid namespace — and prove the runtime binary (a private copy, so a failure cannot
damage the build) is byte-for-byte unchanged. The attacker's control run against a copy of busybox must
succeed, so a pass is not an attacker that could not write anything."""
import json
import os
import time

import pytest

import hullharness as hh
from escape_checks import compile_static, sha256_of

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
ATTACK_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE",
               "CAP_CHOWN", "CAP_FOWNER"]


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    d = tmp_path_factory.mktemp("hulltest-security-5736")
    out = str(d / "exe_attacker")
    with open(os.path.join(DATA, "exe_attacker.c")) as f:
        compile_static(f.read(), out, str(d))
    return out


def arm(bundle, attacker):
    import shutil
    shutil.copy2(attacker, bundle.rootfs_path("/attacker"))
    with open(bundle.rootfs_path("/evil"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(bundle.rootfs_path("/evil"), 0o755)
    caps = bundle.process["capabilities"]
    for k in ("bounding", "effective", "permitted"):
        caps[k] = sorted(set(caps.get(k, [])) | set(ATTACK_CAPS))


def read_log(bundle):
    p = bundle.rootfs_path("/attack.log")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_ready(bundle):
    hh.wait_for(lambda: any(e["kind"] == "ready" for e in read_log(bundle)), timeout=10, what="attacker ready")


def finish(bundle):
    open(bundle.rootfs_path("/attack.stop"), "w").close()
    hh.wait_for(lambda: any(e["kind"] == "done" for e in read_log(bundle)), timeout=10, what="attacker done")
    return read_log(bundle)


def check(log, binary, digest):
    control = [e for e in log if e["kind"] == "control"]
    assert control and control[0]["wrote"], "the attacker's control write failed: %s" % control
    wrote = [e for e in log if e["kind"] != "control" and e.get("wrote")]
    print("attacker log:", log)
    assert not wrote, "the container wrote through /proc/<pid>/exe: %s" % wrote
    assert sha256_of(binary) == digest, "the runtime binary changed"


def test_exec_into_container(runtime_copy, make_bundle, attacker):
    rt = runtime_copy
    digest = sha256_of(rt.binary)
    b = make_bundle(["/attacker"])
    arm(b, attacker)
    rt.create(b).check("create")
    rt.start(b.id).check("start")
    wait_ready(b)
    for args in (["/hull-helper", "exit", "0"], ["/evil"], ["/proc/self/exe", "--version"],
                 ["/hull-helper", "sleep", "0.2"]):
        rt.exec(b.id, args)
    time.sleep(0.5)
    log = finish(b)
    check(log, rt.binary, digest)


def test_container_joining_pid_namespace(runtime_copy, make_bundle, attacker):
    """The second container's init meets the attacker in a pid namespace it joins: its setup and its
    `#!/proc/self/exe` entrypoint must not expose a writable runtime binary."""
    rt = runtime_copy
    digest = sha256_of(rt.binary)
    a = make_bundle(["/attacker"])
    arm(a, attacker)
    rt.create(a).check("create")
    rt.start(a.id).check("start")
    wait_ready(a)
    pid = rt.state_json(a.id)["pid"]
    for args in (["/evil"], ["/hull-helper", "exit", "0"]):
        b = make_bundle(args)
        for ns in b.linux["namespaces"]:
            if ns["type"] == "pid":
                ns["path"] = "/proc/%d/ns/pid" % pid
        rt.run(b)
    time.sleep(0.5)
    log = finish(a)
    check(log, rt.binary, digest)


def test_entrypoint_proc_self_exe(runtime_copy, make_bundle):
    """A new pid namespace whose entrypoint executes /proc/self/exe: the host binary must not be left
    writable from inside, and nothing of the host may change."""
    rt = runtime_copy
    digest = sha256_of(rt.binary)
    b = make_bundle(["/proc/self/exe", "--version"])
    rt.run(b)
    b2 = make_bundle(["/evil"])
    with open(b2.rootfs_path("/evil"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(b2.rootfs_path("/evil"), 0o755)
    rt.run(b2)
    assert sha256_of(rt.binary) == digest
