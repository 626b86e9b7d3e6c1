"""hullrt and runc, same config: the same CapInh/CapPrm/CapEff/CapBnd/CapAmb/NoNewPrivs/Seccomp in the
container, and the same seccomp verdicts for the same syscalls."""
import pytest

import hullharness as hh

STATUS_KEYS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters")


@pytest.fixture
def pair(runtime, runc):
    if runtime.is_runc:
        pytest.skip("HULL_RUNTIME is runc: nothing to compare")
    return runtime, runc


def status_of(rt, bundle):
    f = rt.run_facts(bundle)
    return {k: f["status"].get(k) for k in STATUS_KEYS}


def both(pair, make_bundle, mutate):
    hull, runc = pair
    out = []
    for rt in (hull, runc):
        b = make_bundle()
        mutate(b)
        out.append(status_of(rt, b))
    return out


ALL_DEFAULT = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def set_caps(b, bounding=None, effective=None, permitted=None, inheritable=None, ambient=None):
    caps = {}
    for k, v in (("bounding", bounding), ("effective", effective), ("permitted", permitted),
                 ("inheritable", inheritable), ("ambient", ambient)):
        if v is not None:
            caps[k] = v
    b.process["capabilities"] = caps


CASES = {
    "runc_spec_default": lambda b: None,
    "no_capabilities_section": lambda b: b.process.pop("capabilities", None),
    "empty_sets": lambda b: set_caps(b, [], [], [], [], []),
    "nonroot_user": lambda b: b.process.update(user={"uid": 1000, "gid": 1000}),
    "nonroot_ambient": lambda b: (b.process.update(user={"uid": 1000, "gid": 1000}),
                                  set_caps(b, ALL_DEFAULT + ["CAP_CHOWN"], ["CAP_CHOWN"], ALL_DEFAULT + ["CAP_CHOWN"],
                                           ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"], ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"])),
    "ambient_not_inheritable": lambda b: (b.process.update(user={"uid": 1000, "gid": 1000}),
                                          set_caps(b, ALL_DEFAULT, ALL_DEFAULT, ALL_DEFAULT, ["CAP_KILL"],
                                                   ["CAP_KILL", "CAP_NET_BIND_SERVICE"])),
    "root_inheritable": lambda b: set_caps(b, ALL_DEFAULT + ["CAP_SYS_ADMIN"], ALL_DEFAULT, ALL_DEFAULT,
                                           ["CAP_SYS_ADMIN"], None),
    "no_new_privs_false": lambda b: b.process.update(noNewPrivileges=False),
    "seccomp_profile": lambda b: b.linux.update(seccomp={
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getsid", "no_such_syscall_x"], "action": "SCMP_ACT_ERRNO"}]}),
    "seccomp_without_nnp": lambda b: (b.process.update(noNewPrivileges=False), b.linux.update(seccomp={
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getsid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_capabilities_and_status(pair, make_bundle, case):
    mine, ref = both(pair, make_bundle, CASES[case])
    assert mine == ref, "hullrt %s\nrunc   %s" % (mine, ref)


SECCOMP = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        # What busybox and the helper need to start, print and exit.
        {"names": ["read", "write", "writev", "exit", "exit_group", "brk", "mmap", "munmap", "mprotect",
                   "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "readlink",
                   "readlinkat", "uname", "getpid", "getuid", "getgid", "geteuid", "getegid", "newfstatat",
                   "fstat", "open", "openat", "close", "getdents64", "lseek", "ioctl", "fcntl", "getcwd",
                   "prctl", "capget", "sched_getaffinity", "ioprio_get", "getppid", "getpgrp", "getsid",
                   "getpgid", "getrlimit", "sysinfo", "futex", "rt_sigaction", "rt_sigprocmask", "sigaltstack",
                   "statx", "getrandom", "clock_gettime", "gettid", "getgroups", "personality", "access",
                   "faccessat", "faccessat2", "execve", "pread64", "stat", "lstat", "umask", "getpriority",
                   # What runc's Go init still does after loading the filter.
                   "fstatfs", "statfs", "close_range", "nanosleep", "clock_nanosleep", "epoll_create1",
                   "epoll_ctl", "epoll_pwait", "epoll_wait", "pipe2", "dup3", "dup2", "sched_yield", "tgkill",
                   "tkill", "madvise", "rt_sigreturn", "mincore", "getdents", "fchdir", "chdir", "waitid",
                   "wait4", "clone", "clone3", "openat2", "execveat", "fchown", "setgroups", "setresuid",
                   "setresgid", "capset", "exit", "sched_getaffinity", "getrusage", "mlock", "munlock",
                   "readv", "pwrite64", "eventfd2", "timerfd_create", "timerfd_settime", "signalfd4"],
         "action": "SCMP_ACT_ALLOW"},
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99},
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 10, "op": "SCMP_CMP_EQ"}]},
        {"names": ["kill"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
         "args": [{"index": 1, "value": 0xff00, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    ],
}
CALLS = ["getpid", "mkdir", "mkdirat", "chmod", "personality", "socket", "kill", "sethostname", "swapon",
         "ptrace", "unshare", "getpriority"]


@pytest.mark.parametrize("call", CALLS)
def test_same_seccomp_verdicts(pair, make_bundle, call):
    res = []
    for rt in pair:
        b = make_bundle()
        b.linux["seccomp"] = SECCOMP
        res.append(rt.run_facts(b, ("syscall", call)))
    assert res[0] == res[1], "hullrt %s\nrunc   %s" % (res[0], res[1])


def test_seccomp_errno_values(runtime, make_bundle):
    """The verdicts themselves, not only agreement with runc."""
    got = {}
    for call in ("mkdir", "chmod", "swapon", "getpid"):
        b = make_bundle()
        b.linux["seccomp"] = SECCOMP
        got[call] = runtime.run_facts(b, ("syscall", call))
    assert got["mkdir"]["errno"] == 99
    assert got["chmod"]["errno"] == 1          # SCMP_ACT_ERRNO without errnoRet: EPERM
    assert got["swapon"]["errno"] == 38        # defaultErrnoRet
    assert got["getpid"]["ret"] > 0


def test_seccomp_kill_process(rt, make_bundle):
    b = make_bundle(["/hull-helper", "syscall", "swapon"])
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["swapon"], "action": "SCMP_ACT_KILL_PROCESS"}]}
    r = rt.run(b)
    assert r.rc == 128 + 31, r  # SIGSYS, reported as runc does


def test_malformed_profile_refused(runtime, make_bundle):
    """errnoRet on an action that cannot return one: the runtime spec says MUST fail (runc 1.1.5 ignores it)."""
    rt = runtime
    b = make_bundle()
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 3}]}
    r = rt.run(b)
    assert r.rc != 0
    assert hh.leftovers(rt, b.id, b) == []
