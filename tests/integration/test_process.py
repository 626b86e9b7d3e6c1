"""The process: args, env, cwd, user, umask, groups, rlimits, oomScoreAdj, sysctl, personality, scheduler,
ioPriority, noNewPrivileges, capabilities, fds (LISTEN_FDS, --preserve-fds), --no-pivot, readonly root."""
import errno
import os

import pytest

import hullharness as hh

CAP = {"CAP_CHOWN": 0, "CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_WRITE": 29,
       "CAP_NET_RAW": 13, "CAP_SETUID": 7}


def capmask(names):
    m = 0
    for n in names:
        m |= 1 << CAP[n]
    return m


def test_args_and_env(runtime, bundle):
    bundle.process["env"] += ["HULL_A=1", "HULL_B=with space=and equals"]
    f = runtime.run_facts(bundle)
    assert f["env"]["HULL_A"] == "1"
    assert f["env"]["HULL_B"] == "with space=and equals"
    assert f["env"]["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def test_args_passed_verbatim(runtime, make_bundle):
    b = make_bundle(["/bin/sh", "-c", 'printf "%s|" "$@"', "sh", "a b", "", "c"])
    r = runtime.run(b)
    assert r.rc == 0
    assert r.stdout == "a b||c|"


def test_args_path_lookup(runtime, make_bundle):
    # A relative argv[0] is looked up in the process's PATH, as runc does.
    b = make_bundle(["true"])
    r = runtime.run(b)
    assert r.rc == 0, r.stderr


def test_cwd(runtime, bundle):
    os.makedirs(bundle.rootfs_path("/srv/work"))
    bundle.process["cwd"] = "/srv/work"
    f = runtime.run_facts(bundle)
    assert f["cwd"] == "/srv/work"


def test_user_uid_gid_groups_umask(runtime, bundle):
    bundle.process["user"] = {"uid": 1000, "gid": 1000, "umask": 0o027, "additionalGids": [2000, 3000]}
    f = runtime.run_facts(bundle)
    assert (f["uid"], f["euid"], f["gid"], f["egid"]) == (1000, 1000, 1000, 1000)
    assert sorted(f["groups"]) == [2000, 3000]
    assert f["umask"] == 0o027


def test_default_umask(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert f["umask"] == 0o022


def test_root_has_no_supplementary_groups_by_default(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert f["uid"] == 0 and f["gid"] == 0
    assert f["groups"] in ([], [0])


def test_rlimits_lowered(runtime, bundle):
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512},
                                 {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
                                 {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]
    f = runtime.run_facts(bundle)
    assert f["rlimits"]["RLIMIT_NOFILE"] == [256, 512]
    assert f["rlimits"]["RLIMIT_CORE"] == [0, 0]
    assert f["rlimits"]["RLIMIT_NPROC"] == [300, 400]


def test_rlimit_raise_above_hard_fails_cleanly(runtime, bundle):
    # CAP_SYS_RESOURCE is not in this machine's bounding set: a hard limit above ours must fail, and say so.
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("caller's RLIMIT_NOFILE is unlimited")
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    r = runtime.run(bundle)
    if r.rc == 0:
        pytest.skip("this machine can raise RLIMIT_NOFILE (has CAP_SYS_RESOURCE)")
    assert "rlimit" in r.stderr.lower() or "RLIMIT_NOFILE" in r.stderr or "operation not permitted" in r.stderr.lower()
    assert hh.leftovers(runtime, bundle.id, bundle) == []


def test_oom_score_adj(runtime, bundle):
    bundle.process["oomScoreAdj"] = 500
    f = runtime.run_facts(bundle)
    assert f["oom_score_adj"] == 500


def test_sysctl_net_in_new_netns(runtime, bundle):
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    r = runtime.run_facts(bundle, ["read", "/proc/sys/net/ipv4/ip_forward"])
    assert r["data"].strip() == "1"
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host = f.read()
    # the host's value is whatever it was; only the container's netns changed (checked by a second run)
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "0"}
    r = runtime.run_facts(bundle, ["read", "/proc/sys/net/ipv4/ip_forward"])
    assert r["data"].strip() == "0"
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host


def test_sysctl_ipc_in_new_ipcns(runtime, bundle):
    bundle.linux["sysctl"] = {"kernel.shmmax": "123456789"}
    r = runtime.run_facts(bundle, ["read", "/proc/sys/kernel/shmmax"])
    assert r["data"].strip() == "123456789"
    with open("/proc/sys/kernel/shmmax") as f:
        assert f.read().strip() != "123456789"


def test_sysctl_host_only_refused(runtime, bundle):
    # kernel.domainname needs a private uts ns; without one the runtime must refuse (runc does).
    bundle.remove_namespace("uts")
    del bundle.config["hostname"]
    bundle.linux["sysctl"] = {"kernel.domainname": "hull.example"}
    r = runtime.run(bundle)
    assert r.rc != 0
    assert "kernel.domainname" in r.stderr
    assert hh.leftovers(runtime, bundle.id, bundle) == []


def test_personality_linux32(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "personality")
    if reason:
        pytest.skip(reason)
    bundle.linux["personality"] = {"domain": "LINUX32"}
    f = runtime.run_facts(bundle)
    assert f["personality"] & 0xff == 0x0008  # PER_LINUX32


def test_scheduler_batch(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "scheduler")
    if reason:
        pytest.skip(reason)
    bundle.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    f = runtime.run_facts(bundle)
    assert f["scheduler"]["policy"] == 3  # SCHED_BATCH
    assert f["scheduler"]["nice"] == 5


def test_io_priority(runtime, bundle):
    reason = hh.runtime_feature_skip(runtime, "ioprio")
    if reason:
        pytest.skip(reason)
    bundle.process["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    f = runtime.run_facts(bundle)
    assert f["ioprio"] == {"class": 2, "priority": 6}


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(runtime, bundle, nnp):
    bundle.process["noNewPrivileges"] = nnp
    f = runtime.run_facts(bundle)
    assert f["no_new_privs"] == (1 if nnp else 0)
    assert f["status"]["NoNewPrivs"] == ("1" if nnp else "0")


def test_capabilities_default_set(runtime, bundle):
    f = runtime.run_facts(bundle)
    want = capmask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
    for s in ("CapEff", "CapPrm", "CapBnd"):
        assert int(f["status"][s], 16) == want, s
    # runc spec lists ambient caps but no inheritable ones: the kernel refuses to raise an ambient
    # capability that is not inheritable, and runc goes on without it.
    assert int(f["status"]["CapInh"], 16) == 0
    assert int(f["status"]["CapAmb"], 16) == 0


def test_capabilities_custom(runtime, bundle):
    caps = ["CAP_CHOWN", "CAP_SETUID"]
    bundle.process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    f = runtime.run_facts(bundle)
    assert int(f["status"]["CapEff"], 16) == capmask(caps)
    assert int(f["status"]["CapBnd"], 16) == capmask(caps)
    assert int(f["status"]["CapAmb"], 16) == 0
    assert int(f["status"]["CapInh"], 16) == 0


def test_nonroot_user_gets_ambient_caps(runtime, bundle):
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    bundle.process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted", "inheritable",
                                                        "ambient")}
    f = runtime.run_facts(bundle)
    want = capmask(caps)
    assert int(f["status"]["CapAmb"], 16) == want
    assert int(f["status"]["CapEff"], 16) == want


def test_nonroot_user_without_ambient_has_no_caps(runtime, bundle):
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    f = runtime.run_facts(bundle)
    assert int(f["status"]["CapEff"], 16) == 0
    assert int(f["status"]["CapPrm"], 16) == 0


def test_only_stdio_fds(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert sorted(f["fds"], key=int) == ["0", "1", "2"]


def _run_with_fd3(runtime, bundle, fname, extra_flags=(), listen=False):
    """Run the runtime from a shell that opened fname as fd 3 (never disturbing pytest's own fds)."""
    import subprocess
    p = os.path.join(bundle.path, fname)
    open(p, "w").close()
    bundle.save()
    runtime._remember(bundle.id, bundle)
    pre = 'LISTEN_FDS=1 LISTEN_PID=$$; export LISTEN_FDS LISTEN_PID; ' if listen else ""
    script = pre + 'exec 3<"$1"; shift; exec "$@"'
    argv = ["/bin/sh", "-c", script, "sh", p, runtime.binary, "--root", runtime.root, "run",
            "--bundle", bundle.path] + list(extra_flags) + [bundle.id]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_preserve_fds(runtime, bundle):
    r = _run_with_fd3(runtime, bundle, "passed.txt", ["--preserve-fds", "1"])
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["fds"].get("3", "").endswith("passed.txt"), f["fds"]


def test_fd3_not_passed_without_preserve(runtime, bundle):
    r = _run_with_fd3(runtime, bundle, "notpassed.txt")
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert sorted(f["fds"], key=int) == ["0", "1", "2"]


def test_listen_fds(runtime, bundle):
    r = _run_with_fd3(runtime, bundle, "listen.txt", listen=True)
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["env"].get("LISTEN_FDS") == "1"
    assert f["env"].get("LISTEN_PID") == "1"
    assert f["fds"].get("3", "").endswith("listen.txt"), f["fds"]


def test_no_pivot(runtime, bundle):
    r = runtime.run(bundle, extra=["--no-pivot"])
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    root = [m for m in f["mounts"] if m["target"] == "/"]
    assert root and root[-1]["root"].endswith("/rootfs")


def test_readonly_root(runtime, make_bundle):
    b = make_bundle(readonly=True)
    b.process["args"] = ["/hull-helper", "write", "/newfile", "x"]
    r = runtime.run(b)
    assert r.rc == 1
    w = hh.parse_last_json(r.stdout)
    assert w["errno"] == errno.EROFS
    assert not os.path.exists(b.rootfs_path("/newfile"))
    b.process["args"] = ["/hull-helper", "facts"]
    f = runtime.run_facts(b)
    root = [m for m in f["mounts"] if m["target"] == "/"][-1]
    assert "ro" in root["options"].split(",")


def test_writable_root(runtime, bundle):
    r = runtime.run_facts(bundle, ["write", "/newfile", "x"])
    assert r["ok"]
    with open(bundle.rootfs_path("/newfile")) as f:
        assert f.read() == "x"


def test_not_a_tty_without_terminal(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert not f["tty"]["0"]["isatty"] and not f["tty"]["1"]["isatty"]


def test_signals_not_blocked_or_ignored(runtime, bundle):
    f = runtime.run_facts(bundle)
    assert int(f["sig_blocked"], 16) == 0
    assert int(f["sig_ignored"], 16) == 0


def test_callers_ignored_signals_not_inherited(runtime, bundle):
    # A runtime started with SIGINT/SIGQUIT/SIGHUP ignored (a background job of a shell, nohup) must
    # still give the container's process default dispositions, as runc does.
    import signal
    import subprocess
    bundle.save()
    runtime._remember(bundle.id, bundle)

    def ignore():
        for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
    r = subprocess.run([runtime.binary, "--root", runtime.root, "run", "--bundle", bundle.path, bundle.id],
                       capture_output=True, text=True, timeout=30, preexec_fn=ignore, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert int(f["sig_ignored"], 16) == 0, f["sig_ignored"]


def test_exec_failure_reports_path(runtime, make_bundle):
    b = make_bundle(["/does/not/exist"])
    r = runtime.run(b)
    assert r.rc != 0
    assert "/does/not/exist" in r.stderr


def test_exec_callers_ignored_signals_not_inherited(runtime, make_bundle):
    # The same for `exec`: the exec'd process gets default dispositions and an empty mask.
    import signal
    import subprocess
    b = make_bundle(["/hull-helper", "sleep", "30"])
    runtime.run(b, detach=True).check("run -d")

    def ignore():
        for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    r = subprocess.run([runtime.binary, "--root", runtime.root, "exec", b.id, "/hull-helper", "facts"],
                       capture_output=True, text=True, timeout=30, preexec_fn=ignore, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert int(f["sig_ignored"], 16) == 0, f["sig_ignored"]
    assert int(f["sig_blocked"], 16) == 0, f["sig_blocked"]


def test_cwd_only_the_user_can_enter(rt, make_bundle):
    """As runc: process.cwd is entered as the container's root first; when root is refused (EACCES) it is
    retried as the user. In a user namespace root has no DAC override on a directory whose owner is not
    mapped; the user gets in through the directory's (mapped) group."""
    import subprocess
    b = make_bundle(["/hull-helper", "facts"])
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    d = b.rootfs_path("/hulltest-groupdir")
    os.mkdir(d)
    os.chown(d, 5, 101000)  # owner unmapped; group = container gid 1000
    os.chmod(d, 0o070)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["cwd"] = "/hulltest-groupdir"
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert f["cwd"] == "/hulltest-groupdir" and f["uid"] == 1000, f
