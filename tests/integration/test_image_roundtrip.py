"""save/load round trips keep digests; the merged image equals `tar -x` of its layers applied in order."""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from test_image_pull import hull, reg, root  # noqa: F401 (fixtures)
import registry as R


def rich_layers():
    def l1(tf):
        R.add_dir(tf, "etc")
        R.add_file(tf, "etc/keep", b"keep", mode=0o640, uid=1000, gid=1001)
        R.add_file(tf, "etc/gone", b"gone")
        R.add_dir(tf, "opq")
        R.add_file(tf, "opq/old", b"old")
        R.add_dir(tf, "bin")
        R.add_file(tf, "bin/suid", b"#!/bin/sh\n", mode=0o4755)
        R.add_file(tf, "bin/ping", b"ping", mode=0o755,
                   pax={"SCHILY.xattr.security.capability":
                        "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"})
        R.add_file(tf, "etc/attr", b"a", pax={"SCHILY.xattr.user.hull": "yes"})
        R.add_link(tf, "etc/hard", "etc/keep", hard=True)
        R.add_link(tf, "etc/sym", "keep")
        R.add_dir(tf, "dir", mode=0o700, uid=5, gid=6, mtime=1600000000)

    def l2(tf):
        R.add_dir(tf, "etc")
        R.add_file(tf, "etc/.wh.gone")
        R.add_dir(tf, "opq")
        R.add_file(tf, "opq/.wh..wh..opq")
        R.add_file(tf, "opq/new", b"new")
        R.add_file(tf, "etc/keep2", b"second")
    return [R.Layer(l1, "gzip"), R.Layer(l2, "zstd"), R.Layer(lambda tf: R.add_file(tf, "plain", b"p"), "none")]


def reference_tree(layers, dest):
    """tar -x each layer in order, applying whiteouts the way the image spec says."""
    for l in layers:
        with tarfile.open(fileobj=__import__("io").BytesIO(l.tar)) as tf:
            members = tf.getmembers()
        for m in members:
            base = os.path.basename(m.name)
            parent = os.path.join(dest, os.path.dirname(m.name))
            if base == ".wh..wh..opq":
                for n in os.listdir(parent):
                    p = os.path.join(parent, n)
                    shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
            elif base.startswith(".wh."):
                p = os.path.join(parent, base[4:])
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
        plain = [m for m in members if not os.path.basename(m.name).startswith(".wh.")]
        p = subprocess.run(["tar", "-x", "--xattrs", "--xattrs-include=*", "--same-owner", "-p", "-C", dest,
                            "--overwrite", "--no-recursion"] + [m.name for m in plain],
                           input=l.tar, capture_output=True)
        assert p.returncode == 0, p.stderr


def describe(top):
    out = {}
    inodes = {}
    for dp, dn, fn in os.walk(top):
        for n in sorted(dn + fn):
            p = os.path.join(dp, n)
            rel = os.path.relpath(p, top)
            st = os.lstat(p)
            xattrs = {}
            if not os.path.islink(p):
                for k in os.listxattr(p):
                    if not k.startswith("trusted.overlay"):
                        xattrs[k] = os.getxattr(p, k)
            data = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    data = f.read()
            link = os.readlink(p) if os.path.islink(p) else None
            inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            out[rel] = (st.st_mode, st.st_uid, st.st_gid, data, link, xattrs,
                        None if os.path.isdir(p) else st.st_mtime_ns)
    groups = sorted(sorted(v) for v in inodes.values() if len(v) > 1)
    return out, groups


def test_unpacked_tree_equals_tar_x(reg, root):  # noqa: F811
    layers = rich_layers()
    R.push_image(reg, "rt/rich", "1", layers)
    hull(root, "pull", f"{reg.host}/rt/rich:1")
    ref = tempfile.mkdtemp(prefix="hull-images-ref-")
    path = hull(root, "image", "mount", f"{reg.host}/rt/rich:1").stdout.strip()
    try:
        reference_tree(layers, ref)
        got, got_links = describe(path)
        want, want_links = describe(ref)
        assert got.keys() == want.keys()
        for k in want:
            assert got[k] == want[k], k
        assert got_links == want_links == [["etc/hard", "etc/keep"]]
        assert os.stat(os.path.join(path, "bin/suid")).st_mode & 0o7777 == 0o4755
        assert os.getxattr(os.path.join(path, "bin/ping"), "security.capability")[:4] == b"\x01\x00\x00\x02"
    finally:
        hull(root, "image", "unmount", f"{reg.host}/rt/rich:1")
        shutil.rmtree(ref)
    # overlay form in the snapshot itself
    top2 = os.path.join(root, "snapshots")
    whiteouts = [os.path.join(dp, n) for dp, dn, fn in os.walk(top2) for n in fn
                 if os.path.basename(n) == "gone"]
    assert len(whiteouts) == 2
    assert any(os.major(os.lstat(w).st_rdev) == 0 and (os.lstat(w).st_mode & 0o170000) == 0o020000
               for w in whiteouts)
    assert any(os.getxattr(os.path.join(dp, d), "trusted.overlay.opaque") == b"y"
               for dp, dn, fn in os.walk(top2) for d in dn
               if d == "opq" and "trusted.overlay.opaque" in os.listxattr(os.path.join(dp, d)))


@pytest.mark.parametrize("fmt", ["oci-archive", "docker-archive"])
def test_save_load_roundtrip(reg, root, fmt, tmp_path):  # noqa: F811
    layers = rich_layers()
    mdg, _, cdg = R.push_image(reg, "rt/save", "1", layers)
    hull(root, "pull", f"{reg.host}/rt/save:1")
    archive = str(tmp_path / "img.tar")
    hull(root, "save", "-o", archive, "--format", fmt, f"{reg.host}/rt/save:1")
    root2 = str(tmp_path / "store2")
    out = hull(root2, "load", "-i", archive).stdout
    assert f"Loaded image: {reg.host}/rt/save:1" in out
    a = json.loads(hull(root, "images", "--format", "json").stdout)[0]
    b = json.loads(hull(root2, "images", "--format", "json").stdout)[0]
    assert a["Id"] == b["Id"] == cdg[7:]
    assert a["Digest"] == b["Digest"] == mdg  # layers saved byte for byte
    assert sorted(os.listdir(os.path.join(root, "snapshots"))) == sorted(os.listdir(os.path.join(root2, "snapshots")))
    assert sorted(os.listdir(os.path.join(root, "blobs/sha256"))) >= sorted(os.listdir(os.path.join(root2, "blobs/sha256")))
    # an OCI layout directory loads too
    d = tmp_path / "layout"
    d.mkdir()
    subprocess.run(["tar", "-xf", archive, "-C", str(d)], check=True)
    root3 = str(tmp_path / "store3")
    hull(root3, "load", "-i", str(d))
    assert json.loads(hull(root3, "images", "--format", "json").stdout)[0]["Digest"] == mdg


def test_load_refuses_tampered_blob(reg, root, tmp_path):  # noqa: F811
    layers = rich_layers()
    R.push_image(reg, "rt/tamper", "1", layers)
    hull(root, "pull", f"{reg.host}/rt/tamper:1")
    archive = str(tmp_path / "img.tar")
    hull(root, "save", "-o", archive, f"{reg.host}/rt/tamper:1")
    d = tmp_path / "layout"
    d.mkdir()
    subprocess.run(["tar", "-xf", archive, "-C", str(d)], check=True)
    blob = d / "blobs/sha256" / layers[2].digest[7:]
    blob.write_bytes(blob.read_bytes() + b"x")
    root2 = str(tmp_path / "store2")
    p = hull(root2, "load", "-i", str(d), check=False)
    assert p.returncode != 0 and layers[2].digest in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(root2, "images.json"))


def test_load_refuses_hostile_archive_names(root, tmp_path):  # noqa: F811
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tf:
        R.add_file(tf, "../../hull-images-evil", b"x")
    p = hull(root, "load", "-i", str(archive), check=False)
    assert p.returncode != 0 and '".."' in p.stderr
    assert not os.path.exists(os.path.join(os.path.dirname(root), "hull-images-evil"))


def test_load_legacy_docker_archive(root, tmp_path):  # noqa: F811
    """docker save before 25.0: <id>/layer.tar (uncompressed), <config hex>.json, manifest.json, repositories."""
    import io
    layers = [R.busybox_layer("none"), R.Layer(lambda tf: R.add_file(tf, "x", b"y"), "none")]
    cfg = R.make_config(layers)
    cfg_hex = R.sha256(cfg)[7:]
    archive = tmp_path / "legacy.tar"
    with tarfile.open(archive, "w") as tf:
        def put(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        put(f"{cfg_hex}.json", cfg)
        names = []
        for i, l in enumerate(layers):
            put(f"layer{i}/layer.tar", l.tar)
            names.append(f"layer{i}/layer.tar")
        put("manifest.json", json.dumps([{"Config": f"{cfg_hex}.json", "RepoTags": ["legacy/app:1", "legacy/app:2"],
                                          "Layers": names}]).encode())
    out = hull(root, "load", "-i", str(archive)).stdout
    assert "Loaded image: docker.io/legacy/app:1" in out
    imgs = json.loads(hull(root, "images", "--format", "json").stdout)
    assert imgs[0]["Id"] == cfg_hex
    assert sorted(imgs[0]["Names"]) == ["docker.io/legacy/app:1", "docker.io/legacy/app:2"]
    path = hull(root, "image", "mount", "legacy/app:2").stdout.strip()
    try:
        assert os.path.exists(os.path.join(path, "bin/busybox")) and open(os.path.join(path, "x")).read() == "y"
    finally:
        hull(root, "image", "unmount", "legacy/app:2")


def test_load_docker_archive_refuses_escaping_names(root, tmp_path):  # noqa: F811
    import io
    archive = tmp_path / "esc.tar"
    with tarfile.open(archive, "w") as tf:
        data = json.dumps([{"Config": "../../../etc/passwd", "RepoTags": [], "Layers": []}]).encode()
        ti = tarfile.TarInfo("manifest.json")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    p = hull(root, "load", "-i", str(archive), check=False)
    assert p.returncode == 125 and '".."' in p.stderr, p.stderr
