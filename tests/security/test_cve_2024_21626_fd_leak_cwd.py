"""CVE-2024-21626: a file descriptor of the host leaked into the container (runc's cgroup dir fd), and
process.cwd = /proc/self/fd/N turned it into a working directory outside the container's root, from which
`../../..` walks the host.

The container's process (run and exec) must hold no fd but its stdio, and a cwd through /proc/self/fd/N must
either be refused or stay inside the root: a relative write that would reach a host canary through such a
cwd must not land."""
import hullharness as hh

FD_RANGE = range(3, 12)


def host_fds(facts):
    return {k: v for k, v in facts["fds"].items() if k not in ("0", "1", "2")}


def test_run_leaks_no_fd(rt, make_bundle):
    b = make_bundle()
    f = rt.run_facts(b)
    assert host_fds(f) == {}, f["fds"]


def test_exec_leaks_no_fd(rt, make_bundle):
    b = make_bundle()
    rt.start_sleeper(b)
    r = rt.exec(b.id, ["/hull-helper", "facts"])
    assert r.rc == 0, r.stderr
    f = hh.parse_last_json(r.stdout)
    assert host_fds(f) == {}, f["fds"]


def escape_script(canary):
    """From the cwd, climb far enough to reach the host root if the cwd is outside the container."""
    climb = "../" * 24
    return ("echo pwned > %s%s/canary 2>/dev/null; echo pwned > %s%s/new 2>/dev/null; /hull-helper facts"
            % (climb, canary.path.lstrip("/"), climb, canary.path.lstrip("/")))


def cwd_ok(facts, bundle):
    cwd = facts.get("cwd")
    return cwd is not None and cwd.startswith("/") and "unreachable" not in cwd


def test_run_cwd_through_proc_self_fd(rt, make_bundle, canary):
    c = canary("21626-run")
    for n in FD_RANGE:
        b = make_bundle(["/bin/sh", "-c", escape_script(c)])
        b.process["cwd"] = "/proc/self/fd/%d" % n
        r = rt.run(b)
        if r.rc == 0:
            f = hh.parse_last_json(r.stdout)
            assert cwd_ok(f, b), "fd %d: cwd outside the container: %s" % (n, f.get("cwd"))
        c.assert_untouched()


def test_exec_cwd_through_proc_self_fd(rt, make_bundle, canary):
    c = canary("21626-exec")
    b = make_bundle()
    rt.start_sleeper(b)
    for n in FD_RANGE:
        r = rt.exec(b.id, ["/bin/sh", "-c", escape_script(c)], cwd="/proc/self/fd/%d" % n)
        if r.rc == 0:
            f = hh.parse_last_json(r.stdout)
            assert cwd_ok(f, b), "fd %d: exec cwd outside the container: %s" % (n, f.get("cwd"))
        c.assert_untouched()
