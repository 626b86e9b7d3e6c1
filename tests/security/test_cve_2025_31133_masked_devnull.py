"""CVE-2025-31133: maskedPaths are masked by bind-mounting the container's /dev/null over them; when the
container made its /dev/null a symlink (to a host path, or to a writable procfs file such as
/proc/sys/kernel/core_pattern) or any other file, the runtime followed it and bind-mounted the target
instead — a writable path where a masked one should be.

The runtime must bind only a /dev/null it verified to be the character device 1:3: with the image's own
/dev (no /dev tmpfs in the config) a symlinked /dev/null is replaced by the real node or the container is
refused, a /dev/null swapped after the node was made is refused, and nothing reaches the host.
runc 1.1.5 (Debian's) predates the fix, so all but the reference test run against the runtime under test
only."""
import errno
import json
import os

import pytest

import hullharness as hh

CORE_PATTERN = "/proc/sys/kernel/core_pattern"
# Files masked by runc's default config that exist on this kernel (it has no /proc/kcore).
MASKED = [p for p in ("/proc/timer_list", "/proc/keys", "/proc/kcore", "/proc/sched_debug") if os.path.exists(p)]


def read_core_pattern():
    with open(CORE_PATTERN) as f:
        return f.read()


def is_dev_null(st):
    return st.get("type") == "char" and (st.get("major"), st.get("minor")) == (1, 3)


def use_image_dev_with_symlinked_null(b, target, keep_dev_submounts):
    """Drop the config's /dev tmpfs (and with it, unless keep_dev_submounts, /dev/pts, /dev/shm, ...) so
    the image's /dev is used, and make its /dev/null a symlink to target."""
    b.config["mounts"] = [m for m in b.config["mounts"]
                          if m["destination"] != "/dev" and (keep_dev_submounts or
                                                             not m["destination"].startswith("/dev/"))]
    os.makedirs(b.rootfs_path("/dev"), exist_ok=True)
    null = b.rootfs_path("/dev/null")
    if os.path.lexists(null):
        os.unlink(null)
    os.symlink(target, null)


def test_masked_path_is_null_device(rt, make_bundle):
    """The reference behaviour, under both runtimes: a masked file is /dev/null."""
    b = make_bundle(["/hull-helper", "stat", MASKED[0]])
    b.linux["maskedPaths"] = sorted(set(b.linux.get("maskedPaths", [])) | {MASKED[0]})
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    st = hh.parse_last_json(r.stdout)
    assert is_dev_null(st), st


def test_image_dev_null_symlink_is_replaced(runtime, make_bundle):
    """The image's /dev/null symlink to core_pattern is replaced by the real node: /dev/null and a masked
    path are 1:3, and core_pattern stays read-only inside."""
    before = read_core_pattern()
    b = make_bundle()
    use_image_dev_with_symlinked_null(b, CORE_PATTERN, keep_dev_submounts=False)
    b.process["args"] = ["/bin/sh", "-c", "/hull-helper stat /dev/null; /hull-helper stat /proc/keys; "
                         "/hull-helper write %s '|/tmp/hull-pwn'" % CORE_PATTERN]
    r = runtime.run(b)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 3, r.stdout + r.stderr
    assert is_dev_null(lines[0]), lines[0]
    assert is_dev_null(lines[1]), lines[1]
    assert not lines[2]["ok"] and lines[2]["errno"] == errno.EROFS
    assert read_core_pattern() == before


@pytest.mark.parametrize("link", ["abs", "rel", "proc"])
def test_masking_does_not_follow_devnull_symlink(runtime, make_bundle, canary, link):
    """Writes through every masked path: none may reach a host canary file or core_pattern."""
    c = canary("31133")
    target = {"abs": c.path + "/canary", "rel": "../" * 16 + c.path.lstrip("/") + "/canary",
              "proc": CORE_PATTERN}[link]
    core_pattern = read_core_pattern()
    script = "; ".join("echo pwned > %s 2>/dev/null" % p for p in MASKED) + \
             "; /hull-helper stat %s" % MASKED[0]
    b = make_bundle(["/bin/sh", "-c", script])
    b.linux["maskedPaths"] = sorted(set(b.linux.get("maskedPaths", [])) | set(MASKED))
    use_image_dev_with_symlinked_null(b, target, keep_dev_submounts=True)
    try:
        r = runtime.run(b)
        if r.rc == 0:
            st = hh.parse_last_json(r.stdout)
            assert is_dev_null(st), "%s is masked with something else than /dev/null: %s" % (MASKED[0], st)
    finally:
        now = read_core_pattern()
        if now != core_pattern:
            with open(CORE_PATTERN, "w") as f:
                f.write(core_pattern)
    assert now == core_pattern, "the container changed the host's core_pattern"
    c.assert_untouched()


def test_dev_null_swapped_before_masking_is_refused(runtime, make_bundle):
    """A createContainer hook (inside the container's mount namespace, before pivot_root) swaps /dev/null
    for a symlink to core_pattern: creation fails, nothing is left, the host is unchanged."""
    before = read_core_pattern()
    b = make_bundle()
    hook = b.write_script("swap-dev-null.sh", "ln -sfn %s %s\n" % (CORE_PATTERN, b.rootfs_path("/dev/null")))
    b.add_hook("createContainer", hook)
    b.process["args"] = ["/hull-helper", "write", CORE_PATTERN, "|/tmp/hull-pwn"]
    r = runtime.run(b)
    assert r.rc != 0, r.stdout
    assert "/dev/null" in r.stderr and "masked path" in r.stderr, r.stderr
    assert read_core_pattern() == before
    assert not os.path.exists(runtime.state_dir(b.id))
    assert hh.mounts_under(b.path) == []


def test_dev_null_replaced_by_other_device_is_refused(runtime, make_bundle):
    """A char device that is not 1:3 (here /dev/zero's 1:5) at /dev/null is not accepted either."""
    b = make_bundle()
    hook = b.write_script("fake-dev-null.sh", "rm -f {p} && mknod -m 666 {p} c 1 5\n".format(
        p=b.rootfs_path("/dev/null")))
    b.add_hook("createContainer", hook)
    b.process["args"] = ["/bin/true"]
    r = runtime.run(b)
    assert r.rc != 0
    assert "/dev/null is not the character device 1:3" in r.stderr, r.stderr
