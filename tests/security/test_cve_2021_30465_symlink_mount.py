"""CVE-2021-30465: a mount destination that is (or goes through) a symlink the container controls was
followed on the host, so the mount landed outside the rootfs.

Destinations that are absolute symlinks, relative symlinks climbing out, and symlinked parents — all aimed
at a host canary dir — must resolve inside the rootfs (or be refused): nothing is mounted on the host
canary and nothing in it changes."""
import os

import pytest

import hullharness as hh


def plant(bundle, name, target):
    os.symlink(target, bundle.rootfs_path(name))


def cases(canary_path):
    up = "../" * 16
    return [
        ("abs", "/evil-abs", canary_path, "/evil-abs"),
        ("rel", "/evil-rel", up + canary_path.lstrip("/"), "/evil-rel"),
        ("parent", "/evil-parent", canary_path, "/evil-parent/sub"),
        ("nested-rel", "/mnt/evil-nested", "../" + up + canary_path.lstrip("/"), "/mnt/evil-nested/sub"),
    ]


@pytest.mark.parametrize("case", ["abs", "rel", "parent", "nested-rel"])
@pytest.mark.parametrize("mtype", ["tmpfs", "bind"])
def test_mount_through_symlink_stays_inside(rt, make_bundle, canary, case, mtype, tmp_path):
    c = canary("30465")
    name, link, target, dest = [x for x in cases(c.path) if x[0] == case][0]
    b = make_bundle(["/bin/sh", "-c", "touch %s/pwned 2>/dev/null; /hull-helper facts" % dest])
    plant(b, link, target)
    if mtype == "tmpfs":
        b.add_mount(dest, "tmpfs", "tmpfs", ["nosuid", "nodev", "size=1m"])
    else:
        src = tmp_path / "bindsrc"
        src.mkdir()
        (src / "file").write_text("from the bind source\n")
        b.add_mount(dest, "bind", str(src), ["rbind", "rw"])
    rt.run(b)
    c.assert_untouched()


def test_mount_over_symlink_swapped_between_runs(rt, make_bundle, canary):
    """The race of the CVE in slow motion: the destination is a plain dir at one run and a symlink to the
    host at the next (as a shared volume could make it)."""
    c = canary("30465-swap")
    b = make_bundle(["/bin/true"])
    os.makedirs(b.rootfs_path("/vol/target"))
    b.add_mount("/vol/target", "tmpfs", "tmpfs", ["size=1m"])
    r = rt.run(b)
    assert r.rc == 0, r.stderr
    os.rmdir(b.rootfs_path("/vol/target"))
    os.symlink(c.path, b.rootfs_path("/vol/target"))
    b2 = make_bundle(["/bin/true"])
    os.makedirs(b2.rootfs_path("/vol"))
    os.symlink(c.path, b2.rootfs_path("/vol/target"))
    b2.add_mount("/vol/target", "tmpfs", "tmpfs", ["size=1m"])
    rt.run(b2)
    c.assert_untouched()
