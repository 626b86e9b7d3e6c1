"""hull run: the container made from the image config and the flags; exit codes; default security."""
import json
import os
import time

import pytest

from enginefix import eng, image_tars, IMAGE, EP_IMAGE, cgroup_dirs  # noqa: F401 (fixtures)


def facts(eng, *args):  # noqa: F811
    p = eng("run", "--rm", *args, IMAGE, "/hull-helper", "facts")
    return json.loads(p.stdout)


def test_run_returns_the_containers_exit_code_and_output(eng):  # noqa: F811
    p = eng("run", "--rm", IMAGE, check=False)
    assert p.returncode == 0 and p.stdout == "hello from image\n"
    p = eng("run", "--rm", IMAGE, "sh", "-c", "echo out; echo err >&2; exit 42", check=False)
    assert (p.returncode, p.stdout, p.stderr) == (42, "out\n", "err\n")
    p = eng("run", "--rm", "--init", IMAGE, "/hull-helper", "kill-self", "KILL", check=False)
    assert p.returncode == 137


def test_exit_codes_like_docker(eng):  # noqa: F811
    p = eng("run", "--rm", IMAGE, "/no/such/binary", check=False)
    assert p.returncode == 127 and "/no/such/binary" in p.stderr
    p = eng("run", "--rm", IMAGE, "nosuchcommand", check=False)
    assert p.returncode == 127
    p = eng("run", "--rm", IMAGE, "/bin/noexec", check=False)
    assert p.returncode == 126 and "permission denied" in p.stderr
    p = eng("run", "--rm", "hulltest/nosuchimage:1", "true", check=False)
    assert p.returncode == 125
    p = eng("run", "--rm", "--memory", "lots", IMAGE, "true", check=False)
    assert p.returncode == 125 and "--memory" in p.stderr
    # failed starts with --rm leave nothing
    assert eng.container_ids() == []


def test_bad_flags_leave_nothing(eng):  # noqa: F811
    cases = [(["--cap-add", "CAP_NOPE"], "CAP_NOPE"), (["--mount", "type=bogus,target=/x"], "bogus"),
             (["-v", "relative/path:/x:ro"], None), (["-v", "/tmp:/x:zz"], "zz"),
             (["--mount", "type=bind,target=/x"], "source"), (["--ulimit", "nofile"], "--ulimit"),
             (["--security-opt", "seccomp=/nonexistent.json"], "seccomp"), (["--network", "nosuchnet"], "network nosuchnet not found"),
             (["--stop-signal", "SIGNOPE"], "SIGNOPE"), (["-w", "relative"], "-w"),
             (["--runtime", "/nonexistent-runtime"], "--runtime")]
    for flags, word in cases:
        p = eng("create", *flags, IMAGE, "true", check=False)
        assert p.returncode == 125, (flags, p.stderr)
        if word:
            assert word in p.stderr, (flags, p.stderr)
    assert eng.container_ids() == []
    assert os.listdir(os.path.join(eng.root, "volumes")) == []


def test_image_config_and_flags(eng):  # noqa: F811
    f = facts(eng)
    env = f["env"]
    assert env["FOO"] == "bar" and env["HOME"] == "/root" and env["HOSTNAME"] == f["hostname"]
    assert f["cwd"] == "/home/hulluser"
    assert len(f["hostname"]) == 12
    envfile = os.path.join(eng.root, "env.list")
    with open(envfile, "w") as fh:
        fh.write("# comment\nFROMFILE=1\nFOO=file\n")
    f = facts(eng, "-e", "FOO=override", "-e", "NEW=x", "--env-file", envfile, "-w", "/tmp/made/here",
              "--hostname", "hulltest-host")
    env = f["env"]
    assert env["FOO"] == "override" and env["NEW"] == "x" and env["FROMFILE"] == "1"
    assert f["cwd"] == "/tmp/made/here" and f["hostname"] == "hulltest-host"
    # entrypoint and cmd as docker combines them
    assert eng("run", "--rm", EP_IMAGE).stdout == "ep default\n"
    assert eng("run", "--rm", EP_IMAGE, "given").stdout == "ep given\n"
    assert eng("run", "--rm", "--entrypoint", "/bin/echo", EP_IMAGE, "x").stdout == "x\n"
    # generated /etc files
    out = eng("run", "--rm", "--hostname", "hulltest-h", IMAGE, "sh", "-c",
              "cat /etc/hostname; grep -c hulltest-h /etc/hosts; grep -c localhost /etc/hosts").stdout.split()
    assert out == ["hulltest-h", "1", "2"]


def test_user_names_come_from_the_image(eng):  # noqa: F811
    f = facts(eng, "-u", "hulluser")
    assert (f["uid"], f["gid"]) == (1234, 2345) and 3456 in f["groups"]
    assert f["env"]["HOME"] == "/home/hulluser"
    f = facts(eng, "-u", "hulluser:extra")
    assert (f["uid"], f["gid"]) == (1234, 3456)
    f = facts(eng, "-u", "4321:99")
    assert (f["uid"], f["gid"]) == (4321, 99)
    # "daemon" and "bin" exist on the host (Debian), not in the image: never the host's database
    for u in ("daemon", "bin", "hulluser:daemon"):
        p = eng("run", "--rm", "-u", u, IMAGE, "true", check=False)
        assert p.returncode == 125 and "unable to find" in p.stderr, (u, p.stderr)


def test_default_security_is_dockers(eng):  # noqa: F811
    f = facts(eng)
    st = f["status"]
    # docker's 14 default capabilities
    assert st["CapEff"] == st["CapPrm"] == st["CapBnd"] == "00000000a80425fb"
    assert st["Seccomp"] == "2" and st["NoNewPrivs"] == "0"
    ns = f["ns"]
    mounts = {m["target"]: m for m in f["mounts"]}
    assert "/proc/keys" in mounts and "/proc/interrupts" in mounts and "/sys/firmware" in mounts and "ro" in mounts["/proc/sys"]["options"]
    assert "ro" in mounts["/sys"]["options"]
    # blocked without any capability question: keyctl/add_key/unshare answer EPERM, clone3 ENOSYS
    def sc(name, *flags):
        return json.loads(eng("run", "--rm", *flags, IMAGE, "/hull-helper", "syscall", name).stdout)
    for name in ("keyctl", "add_key", "unshare"):
        assert sc(name)["errno"] == 1, name
        assert sc(name, "--security-opt", "seccomp=unconfined")["errno"] != 1, name
    assert sc("clone3")["errno"] == 38
    # granting CAP_SYS_ADMIN lifts the matching rules, as docker's profile
    assert sc("unshare", "--cap-add", "SYS_ADMIN")["errno"] == 0
    assert ns  # the helper reports namespaces


def test_security_flags(eng):  # noqa: F811
    st = facts(eng, "--privileged")["status"]
    assert st["Seccomp"] == "0" and int(st["CapEff"], 16) & (1 << 21)  # CAP_SYS_ADMIN
    st = facts(eng, "--cap-drop", "ALL", "--cap-add", "CHOWN")["status"]
    assert st["CapEff"] == "0000000000000001"
    st = facts(eng, "--cap-drop", "NET_RAW")["status"]
    assert int(st["CapEff"], 16) == 0xa80425fb & ~(1 << 13)
    st = facts(eng, "--security-opt", "no-new-privileges")["status"]
    assert st["NoNewPrivs"] == "1"
    prof = os.path.join(eng.root, "prof.json")
    with open(prof, "w") as fh:
        json.dump({"defaultAction": "SCMP_ACT_ALLOW",
                   "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}, fh)
    r = json.loads(eng("run", "--rm", "--security-opt", f"seccomp={prof}", IMAGE, "/hull-helper", "syscall",
                       "getppid").stdout)
    assert r["errno"] == 13


def test_read_only_rootfs_and_tmpfs(eng):  # noqa: F811
    p = eng("run", "--rm", "--read-only", "--tmpfs", "/scratch:size=1m", IMAGE, "sh", "-c",
            "touch /etc/x 2>&1; touch /scratch/y && echo ok; grep ' /scratch ' /proc/mounts", check=False)
    assert "Read-only file system" in p.stdout and "ok" in p.stdout and "size=1024k" in p.stdout


def test_network_default_bridge_none_and_host(eng):  # noqa: F811
    # docker's default: the bridge network, eth0 besides lo
    out = eng("run", "--rm", IMAGE, "sh", "-c", "ls /sys/class/net").stdout.split()
    assert sorted(out) == ["eth0", "lo"]
    out = eng("run", "--rm", "--network", "none", IMAGE, "sh", "-c",
              "ls /sys/class/net; cat /sys/class/net/lo/operstate").stdout.split()
    assert out[0] == "lo" and len(out) == 2 and out[1] in ("unknown", "up")
    # "host" is the namespace hull runs in: here the test's own (see enginefix.Engine)
    own = os.stat("/run/netns/" + eng.netns).st_ino
    f = facts(eng, "--network", "host")
    assert f["ns"]["net"] == own
    f = facts(eng, "--network", "none")
    assert f["ns"]["net"] != own


def test_limits_are_in_the_containers_cgroup(eng):  # noqa: F811
    cid = eng("run", "-d", "--memory", "64m", "--memory-swap", "128m", "--cpus", "0.5", "--cpu-shares", "512",
              "--cpuset-cpus", "0", "--pids-limit", "42", IMAGE, "sleep", "30").stdout.strip()
    eng.ids.add(cid)
    # from inside: the container's own v1 cgroup files
    out = eng("exec", cid, "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
              "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max "
              "/sys/fs/cgroup/cpuset/cpuset.cpus").stdout.split()
    assert out == ["67108864", "50000", "512", "42", "0"]
    # from the host: an absolute cgroup of our own, never under the caller's
    dirs = cgroup_dirs(cid)
    assert any(d.startswith("/sys/fs/cgroup/memory/hull/") for d in dirs)
    with open(f"/sys/fs/cgroup/memory/hull/{cid}/memory.limit_in_bytes") as fh:
        assert fh.read().strip() == "67108864"
    iso = eng.inspect(cid)["Isolation"]
    assert iso["CgroupLimits"]["pids.max"] == "42" and iso["SeccompMode"] == "filter"
    assert iso["Namespaces"]["pid"]["Private"] and iso["Namespaces"]["mnt"]["Private"]
    assert iso["CapEff"] == "00000000a80425fb"
    if os.path.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"):
        assert iso["CgroupLimits"]["memory.memsw.limit_in_bytes"] == str(128 * 1024 * 1024)
    st = eng("stats", "--no-stream", "--format", "json", cid).stdout
    s = json.loads(st)[0]
    assert s["MemLimit"] == 64 * 1024 * 1024 and s["PIDs"] >= 1
    top = eng("top", cid).stdout
    assert "sleep 30" in top
    eng("rm", "-f", cid)
    assert cgroup_dirs(cid) == []


def test_ulimit(eng):  # noqa: F811
    out = eng("run", "--rm", "--ulimit", "nofile=100:200", IMAGE, "sh", "-c", "ulimit -n; ulimit -Hn").stdout.split()
    assert out == ["100", "200"]


def test_init_reaps_and_forwards(eng):  # noqa: F811
    # an orphan zombie under sh would stay without an init; hull-init reaps it
    out = eng("run", "--rm", "--init", IMAGE, "sh", "-c",
              "cat /proc/1/cmdline | tr '\\0' ' '; (sleep 0.1 &); sleep 0.5; ps -o stat | grep -c Z; true").stdout
    assert out.startswith("/dev/init -- sh") and out.split()[-1] == "0"
    cid = eng("run", "-d", "--init", IMAGE, "/hull-helper", "wait-signal", "20").stdout.strip()
    eng.ids.add(cid)
    end = time.time() + 10  # signalled before its handlers are set, the helper would die of USR1
    while '"ready"' not in eng("logs", cid).stdout and time.time() < end:
        time.sleep(0.02)
    eng("kill", "-s", "USR1", cid)
    assert eng("wait", cid).stdout.strip() == "0"
    assert "SIGUSR1" in eng("logs", cid).stdout or "10" in eng("logs", cid).stdout


def test_inspect_still_inspects_images(eng):  # noqa: F811
    img = json.loads(eng("inspect", IMAGE).stdout)
    assert img["config"]["WorkingDir"] == "/home/hulluser"
    cid = eng("create", "--name", "hulltest-insp", IMAGE).stdout.strip()
    c = eng.inspect("hulltest-insp")
    assert c["Id"] == cid and c["Name"] == "hulltest-insp" and c["State"]["Status"] == "created"
    assert c["Config"]["ExposedPorts"] == {"80/tcp": {}} and "/vol" in c["Config"]["Volumes"]
    p = eng("inspect", "--type", "container", IMAGE, check=False)
    assert p.returncode != 0


def test_hostile_image_paths_stay_inside_the_rootfs(eng, tmp_path):  # noqa: F811
    """An image whose volume path and /etc/group are symlinks aiming at the host: the seeding of a new
    volume and the user lookup resolve them inside the container's root (RESOLVE_IN_ROOT)."""
    import engine_image as EI
    import registry as R

    def evil(tf):
        R.add_link(tf, "evil", "../../../../../../../../etc")
        R.add_dir(tf, "etc2")
    tar = str(tmp_path / "evil.tar")
    EI.docker_archive(tar, "hulltest/evil:1", {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"], "Volumes": {"/evil": {}}},
                      extra=evil)
    eng("load", "-i", tar)
    cid = eng("create", "hulltest/evil:1").stdout.strip()
    eng("start", "-a", cid)
    vol = [m for m in eng.inspect(cid)["Mounts"] if m["Destination"] == "/evil"][0]["Source"]
    names = os.listdir(vol)
    # the image's /etc was copied (its passwd names hulluser), never the host's (which has shadow)
    assert "passwd" in names and "hulluser" in open(os.path.join(vol, "passwd")).read()
    assert os.path.exists("/etc/shadow") and "shadow" not in names
    eng("rm", "-v", cid)


def image_id(eng, name):  # noqa: F811
    """The full hex id of the image `name`, or None when no image has that name."""
    for im in json.loads(eng("images", "--format", "json").stdout):
        if "docker.io/" + name in im["Names"] or name in im["Names"]:
            return im["Id"]
    return None


def snapshots(eng):  # noqa: F811
    return sorted(os.listdir(os.path.join(eng.root, "snapshots")))


def test_rmi_refuses_an_image_a_container_uses(eng):  # noqa: F811
    run = eng("run", "-d", IMAGE, "sleep", "30").stdout.strip()
    eng.ids.add(run)
    stopped = eng("create", "--name", "hulltest-rmi-stopped", EP_IMAGE).stdout.strip()
    eng.ids.add(stopped)
    bb, ep = image_id(eng, IMAGE), image_id(eng, EP_IMAGE)
    snaps = snapshots(eng)
    # by name, by id, for a running and for a never-started container: a conflict naming the container
    for what, user in ((IMAGE, run), (bb, run), (bb[:12], run), (EP_IMAGE, stopped), (ep, stopped)):
        p = eng("rmi", what, check=False)
        assert p.returncode == 125, (what, p.stdout, p.stderr)
        assert "conflict" in p.stderr and user[:12] in p.stderr, p.stderr
    assert "must force" in eng("rmi", IMAGE, check=False).stderr
    assert "hulltest-rmi-stopped" in eng("rmi", EP_IMAGE, check=False).stderr
    # -f by id of an image a running container uses cannot be forced (docker's hard conflict)
    p = eng("rmi", "-f", bb, check=False)
    assert p.returncode == 125 and "cannot be forced" in p.stderr and "running" in p.stderr
    assert eng("image", "prune").stdout == ""
    assert image_id(eng, IMAGE) == bb and image_id(eng, EP_IMAGE) == ep and snapshots(eng) == snaps
    # the refused removals left the containers whole: the stopped one starts from its layers
    assert eng("start", "-a", stopped).stdout == "ep default\n"


def test_rmi_force_untags_an_image_in_use_and_prune_keeps_it(eng):  # noqa: F811
    ctr = eng("run", "--name", "hulltest-rmi-f", EP_IMAGE).stdout
    assert ctr == "ep default\n"
    ep = image_id(eng, EP_IMAGE)
    snaps = snapshots(eng)
    p = eng("rmi", "-f", EP_IMAGE)
    # untagged, not deleted: the image stays nameless while a container uses its layers
    assert "Untagged:" in p.stdout and "Deleted" not in p.stdout
    assert image_id(eng, EP_IMAGE) is None
    ims = {im["Id"]: im for im in json.loads(eng("images", "--format", "json").stdout)}
    assert ep in ims and ims[ep]["Names"] == []
    assert eng("image", "prune").stdout == "" and snapshots(eng) == snaps
    assert eng("start", "-a", "hulltest-rmi-f").stdout == "ep default\n"
    # a running container: -f by name untags too (docker), the container keeps running and restarts
    run = eng("run", "-d", IMAGE, "sleep", "30").stdout.strip()
    eng.ids.add(run)
    bb = image_id(eng, IMAGE)
    assert "Untagged:" in eng("rmi", "-f", IMAGE).stdout
    assert eng.inspect(run)["State"]["Status"] == "running"
    eng("restart", "-t", "0", run)
    assert eng.inspect(run)["State"]["Status"] == "running"
    # once the containers are gone, prune removes the images and their layers
    eng("rm", "-f", run, "hulltest-rmi-f")
    out = eng("image", "prune").stdout
    assert "Deleted: sha256:" + ep in out and "Deleted: sha256:" + bb in out
    assert snapshots(eng) == []
