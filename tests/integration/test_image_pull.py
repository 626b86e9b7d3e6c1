"""hull pull / images / rmi / tag / inspect / image mount against a real registry (registry.py)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import registry as R  # noqa: E402

BUILD = os.environ.get("HULL_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
HULL = os.path.join(BUILD, "hull")


def hull(root, *args, check=True, input=None, env=None):
    p = subprocess.run([HULL, "--root", root, *args], capture_output=True, text=True, timeout=120, input=input,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"hull {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def reg():
    r = R.Registry()
    yield r
    r.close()


@pytest.fixture
def root():
    d = tempfile.mkdtemp(prefix="hull-images-root-")
    yield d
    # an image mount left by a failing test must not survive it
    mdir = os.path.join(d, "mounts")
    if os.path.isdir(mdir):
        for m in os.listdir(mdir):
            subprocess.run(["umount", "-l", os.path.join(mdir, m)], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)


def store_entries(root):
    """Everything visible in the store: blobs, snapshots, image records."""
    out = set()
    for sub in ("blobs/sha256", "snapshots"):
        p = os.path.join(root, sub)
        if os.path.isdir(p):
            out |= {f"{sub}/{n}" for n in os.listdir(p)}
    p = os.path.join(root, "images.json")
    if os.path.exists(p):
        with open(p) as f:
            for im in json.load(f)["images"]:
                out.add("image " + im["id"])
    return out


def test_pull_busybox_gzip_and_run_tree(reg, root):
    layer = R.busybox_layer("gzip")
    mdg, _, cdg = R.push_image(reg, "library/bb", "1.0", [layer])
    p = hull(root, "pull", f"{reg.host}/library/bb:1.0")
    assert "Pull complete" in p.stdout and mdg in p.stdout
    imgs = json.loads(hull(root, "images", "--format", "json").stdout)
    assert imgs[0]["Id"] == cdg[7:] and f"{reg.host}/library/bb:1.0" in imgs[0]["Names"]
    assert imgs[0]["Digest"] == mdg
    assert os.path.exists(os.path.join(root, "blobs/sha256", layer.digest[7:]))
    snap = os.path.join(root, "snapshots", layer.diff_id[7:], "fs")
    st = os.stat(os.path.join(snap, "bin/busybox"))
    assert st.st_mode & 0o777 == 0o755 and st.st_nlink == 6  # hardlinks kept
    assert os.stat(os.path.join(snap, "tmp")).st_mode & 0o7777 == 0o1777
    cfg = json.loads(hull(root, "inspect", f"{reg.host}/library/bb:1.0").stdout)
    assert cfg["rootfs"]["diff_ids"] == [layer.diff_id]
    # pulled again: nothing to download
    p = hull(root, "pull", f"{reg.host}/library/bb:1.0")
    assert "Already exists" in p.stdout


@pytest.mark.parametrize("comp", ["zstd", "none", "docker"])
def test_pull_compressions(reg, root, comp):
    def build(tf):
        R.add_dir(tf, "data")
        R.add_file(tf, "data/hello", b"hello " + comp.encode() * 1000)
    layer = R.Layer(build, comp)
    R.push_image(reg, f"comp/{comp}", "v", [layer], docker=(comp == "docker"))
    hull(root, "pull", "-q", f"{reg.host}/comp/{comp}:v")
    with open(os.path.join(root, "snapshots", layer.diff_id[7:], "fs/data/hello"), "rb") as f:
        assert f.read() == b"hello " + comp.encode() * 1000


def test_pull_by_digest_and_short_names(reg, root):
    layer = R.busybox_layer()
    mdg, _, cdg = R.push_image(reg, "library/bbd", "x", [layer])
    hull(root, "pull", f"{reg.host}/library/bbd@{mdg}")
    imgs = json.loads(hull(root, "images", "--format", "json").stdout)
    assert imgs[0]["RepoDigests"] == [f"{reg.host}/library/bbd@{mdg}"] and imgs[0]["Names"] == []
    # by ID prefix, by full ID, by repo@digest
    for what in (cdg[7:19], cdg, f"{reg.host}/library/bbd@{mdg}"):
        assert json.loads(hull(root, "inspect", what).stdout)["os"] == "linux"
    q = hull(root, "images", "-q").stdout.split()
    assert q == [cdg[7:19]]


def test_multiarch_index_platform(reg, root):
    entries, layers = [], {}
    for arch, variant in (("amd64", None), ("arm64", "v8"), ("arm", "v7")):
        def build(tf, a=arch):
            R.add_file(tf, "arch", a.encode())
        l = R.Layer(build)
        layers[arch] = l
        cfg = R.make_config([l], arch=arch, variant=variant)
        R.push_image(reg, "multi/img", f"only-{arch}", [l], config=cfg)
        data, mt = R.manifest_for([l], cfg)
        plat = {"os": "linux", "architecture": arch}
        if variant:
            plat["variant"] = variant
        entries.append((data, mt, plat))
    idx_dg, _ = R.push_index(reg, "multi/img", "latest", entries)
    hull(root, "pull", f"{reg.host}/multi/img")
    info = json.loads(hull(root, "inspect", f"{reg.host}/multi/img:latest").stdout)
    assert info["architecture"] == "amd64"
    hull(root, "pull", "--platform", "linux/arm/v7", f"{reg.host}/multi/img")
    info = json.loads(hull(root, "inspect", f"{reg.host}/multi/img:latest").stdout)
    assert info["architecture"] == "arm"
    p = hull(root, "pull", "--platform", "linux/s390x", f"{reg.host}/multi/img", check=False)
    assert p.returncode != 0 and "linux/s390x" in p.stderr and "linux/arm64/v8" in p.stderr
    imgs = json.loads(hull(root, "images", "--format", "json").stdout)
    assert any(f"{reg.host}/multi/img@{idx_dg}" in i["RepoDigests"] for i in imgs)


def test_docker_manifest_list(reg, root):
    l = R.busybox_layer()
    cfg = R.make_config([l])
    R.push_image(reg, "dl/img", "amd", [l], docker=True, config=cfg)
    data, mt = R.manifest_for([l], cfg, docker=True)
    R.push_index(reg, "dl/img", "latest", [(data, mt, {"os": "linux", "architecture": "amd64"})], docker=True)
    hull(root, "pull", f"{reg.host}/dl/img")
    assert json.loads(hull(root, "images", "--format", "json").stdout)[0]["Digest"] == R.sha256(data)


def test_tag_rmi_prune_share_layers(reg, root):
    base = R.busybox_layer()

    def extra(tf):
        R.add_file(tf, "extra", b"x")
    top = R.Layer(extra)
    R.push_image(reg, "share/a", "1", [base])
    R.push_image(reg, "share/b", "1", [base, top])
    hull(root, "pull", f"{reg.host}/share/a:1")
    hull(root, "pull", f"{reg.host}/share/b:1")
    snaps = os.listdir(os.path.join(root, "snapshots"))
    assert len(snaps) == 2  # the base layer is shared
    hull(root, "tag", f"{reg.host}/share/a:1", "mine:v2")
    names = {n for i in json.loads(hull(root, "images", "--format", "json").stdout) for n in i["Names"]}
    assert "docker.io/library/mine:v2" in names
    out = hull(root, "rmi", "mine:v2").stdout
    assert "Untagged: docker.io/library/mine:v2" in out and "Deleted" not in out
    hull(root, "rmi", f"{reg.host}/share/b:1")
    assert len(os.listdir(os.path.join(root, "snapshots"))) == 1
    assert not os.path.exists(os.path.join(root, "blobs/sha256", top.digest[7:]))
    p = hull(root, "rmi", "nosuch:image", check=False)
    assert p.returncode != 0 and "nosuch" in p.stderr
    hull(root, "rmi", f"{reg.host}/share/a:1")
    assert os.listdir(os.path.join(root, "snapshots")) == []
    assert os.listdir(os.path.join(root, "blobs/sha256")) == []
    hull(root, "image", "prune")


def test_image_mount_merged_view(reg, root):
    def l1(tf):
        R.add_dir(tf, "etc")
        R.add_file(tf, "etc/keep", b"keep")
        R.add_file(tf, "etc/gone", b"gone")
        R.add_dir(tf, "opq")
        R.add_file(tf, "opq/old", b"old")

    def l2(tf):
        R.add_dir(tf, "etc")
        R.add_file(tf, "etc/.wh.gone")
        R.add_dir(tf, "opq")
        R.add_file(tf, "opq/.wh..wh..opq")
        R.add_file(tf, "opq/new", b"new")
    R.push_image(reg, "mnt/img", "1", [R.Layer(l1), R.Layer(l2, "zstd")])
    hull(root, "pull", f"{reg.host}/mnt/img:1")
    path = hull(root, "image", "mount", f"{reg.host}/mnt/img:1").stdout.strip()
    try:
        assert sorted(os.listdir(os.path.join(path, "etc"))) == ["keep"]
        assert sorted(os.listdir(os.path.join(path, "opq"))) == ["new"]
        with pytest.raises(OSError):
            open(os.path.join(path, "etc/new"), "w")
        # mounted twice: same path; rmi refuses while mounted
        assert hull(root, "image", "mount", f"{reg.host}/mnt/img:1").stdout.strip() == path
        p = hull(root, "rmi", f"{reg.host}/mnt/img:1", check=False)
        assert p.returncode != 0 and "mounted" in p.stderr
    finally:
        hull(root, "image", "unmount", f"{reg.host}/mnt/img:1")
    assert not os.path.exists(path)


def test_single_platform_image_for_another_platform_warns(reg, root):
    R.push_image(reg, "plat/one", "1", [R.busybox_layer()], arch="arm64")
    p = hull(root, "pull", "--platform", "linux/amd64", f"{reg.host}/plat/one:1")
    assert "image platform (linux/arm64) does not match the expected platform (linux/amd64)" in p.stderr


def test_bad_references_and_flags(root):
    p = hull(root, "pull", "library/Busybox", check=False)
    assert p.returncode == 125 and "lowercase" in p.stderr
    p = hull(root, "pull", "--platform", "linux", "busybox", check=False)
    assert p.returncode == 125 and "os/arch" in p.stderr
    p = hull(root, "images", "--format", "table", check=False)
    assert p.returncode == 125 and "--format" in p.stderr
    p = hull(root, "tag", "nosuch", "other", check=False)
    assert p.returncode == 125 and "nosuch: image not known" in p.stderr
    assert not os.path.exists(os.path.join(root, "images.json"))


def test_run_pulls_a_missing_image_as_docker(reg, root):
    """hull run --pull missing (the default) pulls what the store lacks; never / always as docker's --pull.
    --network none: this test runs hull in the machine's namespace (the registry listens on its loopback)."""
    R.push_image(reg, "library/autopull", "1", [R.busybox_layer("gzip")])
    ref = f"{reg.host}/library/autopull:1"
    p = hull(root, "run", "--rm", "--pull", "never", "--network", "none", ref, "echo", "hi", check=False)
    assert p.returncode == 125 and "image not known" in p.stderr
    assert not any(e.startswith("image ") for e in store_entries(root))  # nothing pulled
    p = hull(root, "run", "--rm", "--network", "none", ref, "echo", "hi")
    assert p.stdout == "hi\n"
    assert f"Unable to find image '{ref}' locally" in p.stderr and "Pull complete" in p.stderr
    p = hull(root, "run", "--rm", "--network", "none", ref, "echo", "again")
    assert p.stdout == "again\n" and "Unable to find" not in p.stderr  # from the store, no pull
    p = hull(root, "run", "--rm", "--pull", "always", "--network", "none", ref, "echo", "always")
    assert p.stdout == "always\n" and "Already exists" in p.stderr
    p = hull(root, "run", "--rm", "--pull", "sometimes", "--network", "none", ref, "true", check=False)
    assert p.returncode == 125 and "--pull" in p.stderr
    assert hull(root, "ps", "-a", "-q").stdout.strip() == ""
