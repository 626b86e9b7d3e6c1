"""CVE-2021-30465: a mount destination that is (or becomes, by a race) a symlink must not lead the runtime
out of the rootfs. Every destination is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT) and mounted
through the resolved fd, so a symlink naming a host path lands on that path *inside* the rootfs."""
import os
import time

import pytest

import hullharness as hh


def assert_untouched(sentinel_dir):
    assert sorted(os.listdir(sentinel_dir)) == ["sentinel"], os.listdir(sentinel_dir)
    with open(os.path.join(sentinel_dir, "sentinel")) as f:
        assert f.read() == "canary\n"
    assert hh.mounts_under(sentinel_dir) == []


def targets(facts):
    return [m["target"] for m in facts["mounts"]]


def test_symlinked_destinations_stay_in_rootfs(rt, make_bundle, sentinel_dir):
    b = make_bundle()
    esc = "hulltest-rootfs-esc-%s" % b.id
    os.symlink(sentinel_dir, b.rootfs_path("/mnt/evil"))                       # absolute: a host dir
    os.symlink(os.path.join(sentinel_dir, "sentinel"), b.rootfs_path("/etc/hullfile"))  # a host file
    os.symlink("../../../../../../../..", b.rootfs_path("/hullup"))       # climbing out
    src = os.path.join(b.path, "bindsrc")
    os.mkdir(src)
    srcfile = os.path.join(b.path, "srcfile")
    with open(srcfile, "w") as f:
        f.write("bound\n")
    b.add_mount("/mnt/evil/x", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/mnt/evil/y", "bind", src, ["rbind"])
    b.add_mount("/etc/hullfile", "bind", srcfile, ["bind"])
    b.add_mount("/hullup/tmp/" + esc, "tmpfs", "tmpfs", [])
    f = rt.run_facts(b)
    t = targets(f)
    # inside the container, the symlinks were followed within its own root
    assert sentinel_dir + "/x" in t and sentinel_dir + "/y" in t, t
    assert "/tmp/" + esc in t, t
    assert sentinel_dir + "/sentinel" in t, t
    # and nothing happened on the host
    assert_untouched(sentinel_dir)
    assert not os.path.exists(os.path.join(hh.TMP, esc))
    assert os.path.isdir(b.rootfs_path(sentinel_dir + "/x"))


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
    outcomes = set()
    try:
        deadline = time.time() + 20
        for i in range(12):
            if time.time() > deadline:
                break
            victim = make_bundle()
            victim.add_mount("/vol", "bind", vol, ["rbind"])
            victim.add_mount("/vol/a/%s" % name, "tmpfs", "tmpfs", ["size=1m"])
            victim.process["args"] = ["/hull-helper", "facts"]
            r = runtime.run(victim)
            outcomes.add(r.rc)
            if r.rc == 0:
                t = [x for x in targets(hh.parse_last_json(r.stdout)) if x.endswith("/" + name)]
                # through the real directory (which the racer may have renamed to a.d since), or through
                # the symlink resolved inside the container's root
                assert len(t) == 1 and (t[0] == "/" + name or t[0].startswith("/vol/")), t
            assert not os.path.exists("/" + name), "a mount target was created in the host's /"
    finally:
        runtime.kill(racer.id, "KILL")
    assert not os.path.exists("/" + name)
