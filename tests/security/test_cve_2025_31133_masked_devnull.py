"""CVE-2025-31133: maskedPaths are masked by bind-mounting the container's /dev/null over them; when the
container made its /dev/null a symlink (to a host path, or to a writable procfs file), the runtime
followed it and bind-mounted the target instead — a writable path where a masked one should be.

With the image's own /dev (no /dev tmpfs in the config) whose /dev/null is a symlink to a host canary,
the masked paths must end up as a real null character device (1:3), empty to read, or the container must
be refused; a write through the masked path must not reach the canary. runc 1.1.5 (Debian's) predates
the fix, so this runs against the runtime under test only."""
import os

import pytest

import hullharness as hh

# Files masked by runc's default config that exist on this kernel (it has no /proc/kcore).
MASKED = [p for p in ("/proc/timer_list", "/proc/keys", "/proc/kcore", "/proc/sched_debug") if os.path.exists(p)]


def image_dev_with_symlinked_null(b, target):
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/dev"]
    os.makedirs(b.rootfs_path("/dev"), exist_ok=True)
    null = b.rootfs_path("/dev/null")
    if os.path.lexists(null):
        os.unlink(null)
    os.symlink(target, null)


@pytest.mark.parametrize("link", ["abs", "rel", "proc"])
def test_masking_does_not_follow_devnull_symlink(runtime, make_bundle, canary, link):
    c = canary("31133")
    target = {"abs": c.path + "/canary", "rel": "../" * 16 + c.path.lstrip("/") + "/canary",
              "proc": "/proc/sys/kernel/core_pattern"}[link]
    with open("/proc/sys/kernel/core_pattern") as f:
        core_pattern = f.read()
    script = "; ".join("echo pwned > %s 2>/dev/null" % p for p in MASKED) + \
             "; /hull-helper stat %s" % MASKED[0]
    b = make_bundle(["/bin/sh", "-c", script])
    b.linux["maskedPaths"] = sorted(set(b.linux.get("maskedPaths", [])) | set(MASKED))
    image_dev_with_symlinked_null(b, target)
    try:
        r = runtime.run(b)
        if r.rc == 0:
            st = hh.parse_last_json(r.stdout)
            assert st.get("type") == "char" and (st.get("major"), st.get("minor")) == (1, 3), \
                "%s is masked with something else than /dev/null: %s" % (MASKED[0], st)
    finally:
        with open("/proc/sys/kernel/core_pattern") as f:
            now = f.read()
        if now != core_pattern:
            with open("/proc/sys/kernel/core_pattern", "w") as f:
                f.write(core_pattern)
    assert now == core_pattern, "the container changed the host's core_pattern"
    c.assert_untouched()


def test_masked_path_is_null_device(rt, make_bundle):
    """The reference behaviour, under both runtimes: a masked file reads empty and is /dev/null."""
    b = make_bundle(["/hull-helper", "stat", MASKED[0]])
    b.linux["maskedPaths"] = sorted(set(b.linux.get("maskedPaths", [])) | {MASKED[0]})
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    st = hh.parse_last_json(r.stdout)
    assert st.get("type") == "char" and (st.get("major"), st.get("minor")) == (1, 3), st
