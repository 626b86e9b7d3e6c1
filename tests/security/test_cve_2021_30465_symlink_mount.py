"""CVE-2021-30465: a mount destination that is (or goes through, or becomes by a race) a symlink the
container controls was followed on the host, so the mount landed outside the rootfs.

Every destination is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT) and mounted through the resolved
fd, so a symlink naming a host path lands on that path *inside* the rootfs (or the container is refused).
Destinations that are absolute symlinks, relative symlinks climbing out, and symlinked parents are all
aimed at a host canary dir: nothing may be mounted on it and nothing in it may change."""
import os
import time

import pytest

import hullharness as hh


def mount_targets(facts):
    return [m["target"] for m in facts["mounts"]]


def symlink_cases(canary_path):
    """(case, link in the rootfs, link target, mount destination)."""
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
    _, link, target, dest = [x for x in symlink_cases(c.path) if x[0] == case][0]
    b = make_bundle(["/bin/sh", "-c", "touch %s/pwned 2>/dev/null; /hull-helper facts" % dest])
    os.symlink(target, b.rootfs_path(link))
    if mtype == "tmpfs":
        b.add_mount(dest, "tmpfs", "tmpfs", ["nosuid", "nodev", "size=1m"])
    else:
        src = tmp_path / "bindsrc"
        src.mkdir()
        (src / "file").write_text("from the bind source\n")
        b.add_mount(dest, "bind", str(src), ["rbind", "rw"])
    rt.run(b)
    c.assert_untouched()


def test_symlinked_destinations_land_on_the_in_rootfs_path(rt, make_bundle, canary):
    """Where the mounts land, seen from inside: a symlink to a host dir, to a host file, and one climbing
    out with ../ are each followed within the container's own root."""
    c = canary("30465-where")
    b = make_bundle()
    esc = "hulltest-rootfs-esc-%s" % b.id
    os.symlink(c.path, b.rootfs_path("/mnt/evil"))                                 # absolute: a host dir
    os.symlink(os.path.join(c.path, "canary"), b.rootfs_path("/etc/hullfile"))     # a host file
    os.symlink("../../../../../../../..", b.rootfs_path("/hullup"))                # climbing out
    src = os.path.join(b.path, "bindsrc")
    os.mkdir(src)
    srcfile = os.path.join(b.path, "srcfile")
    with open(srcfile, "w") as f:
        f.write("bound\n")
    b.add_mount("/mnt/evil/x", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/mnt/evil/y", "bind", src, ["rbind"])
    b.add_mount("/etc/hullfile", "bind", srcfile, ["bind"])
    b.add_mount("/hullup/tmp/" + esc, "tmpfs", "tmpfs", [])
    t = mount_targets(rt.run_facts(b))
    assert c.path + "/x" in t and c.path + "/y" in t, t
    assert "/tmp/" + esc in t, t
    assert c.path + "/canary" in t, t
    c.assert_untouched()
    assert not os.path.exists(os.path.join(hh.TMP, esc))
    assert os.path.isdir(b.rootfs_path(c.path + "/x"))


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


def test_racing_symlink_swap(runtime, make_bundle):
    """The original exploit: a container keeps swapping a directory in a shared volume for a symlink to
    "/" while another container is created with mounts below that directory."""
    vol_holder = make_bundle()
    vol = os.path.join(vol_holder.path, "vol")
    os.makedirs(os.path.join(vol, "a"))
    racer = make_bundle()
    racer.add_mount("/vol", "bind", vol, ["rbind"])
    racer.process["args"] = ["/bin/sh", "-c",
                             "while :; do mv /vol/a /vol/a.d; ln -s / /vol/a; rm /vol/a; mv /vol/a.d /vol/a; done"]
    runtime.create(racer).check("create racer")
    runtime.start(racer.id).check("start racer")
    name = "hulltest-rootfs-race-%s" % racer.id
    try:
        deadline = time.time() + 20
        for _ in range(12):
            if time.time() > deadline:
                break
            victim = make_bundle()
            victim.add_mount("/vol", "bind", vol, ["rbind"])
            victim.add_mount("/vol/a/%s" % name, "tmpfs", "tmpfs", ["size=1m"])
            victim.process["args"] = ["/hull-helper", "facts"]
            r = runtime.run(victim)
            if r.rc == 0:
                t = [x for x in mount_targets(hh.parse_last_json(r.stdout)) if x.endswith("/" + name)]
                # through the real directory (which the racer may have renamed to a.d since), or through
                # the symlink resolved inside the container's root
                assert len(t) == 1 and (t[0] == "/" + name or t[0].startswith("/vol/")), t
            assert not os.path.exists("/" + name), "a mount target was created in the host's /"
    finally:
        runtime.kill(racer.id, "KILL")
    assert not os.path.exists("/" + name)
