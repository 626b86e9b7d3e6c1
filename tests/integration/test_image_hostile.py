"""Hostile registries and layers: every one refused with a clear error, nothing stored, nothing outside the
store touched (umoci CVE-2021-29136, containerd CVE-2021-32760 classes; CVE-2021-41190 for manifests)."""
import io
import json
import os
import subprocess
import tarfile
import tempfile
import zlib

import pytest

from test_image_pull import hull, reg, root, store_entries  # noqa: F401 (fixtures)
import registry as R


@pytest.fixture
def front(reg):  # noqa: F811
    f = R.TokenFront(reg)
    yield f
    f.close()


@pytest.fixture
def outside():
    """A directory outside the store that a hostile layer would like to write into."""
    d = tempfile.mkdtemp(prefix="hull-images-outside-")
    with open(os.path.join(d, "victim"), "w") as f:
        f.write("intact")
    yield d
    subprocess.run(["rm", "-rf", d])


def snapshot_of_outside(d):
    out = {}
    for dp, dn, fn in os.walk(d):
        for n in dn + fn:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def hostile(reg, root, outside, name, build, needle):  # noqa: F811
    layer = R.Layer(build)
    R.push_image(reg, f"hostile/{name}", "1", [layer])
    before = snapshot_of_outside(outside)
    p = hull(root, "pull", f"{reg.host}/hostile/{name}:1", check=False)
    assert p.returncode != 0, p.stdout
    assert needle in p.stderr, p.stderr
    assert snapshot_of_outside(outside) == before
    assert not any(e.startswith("snapshots/") or e.startswith("image ") for e in store_entries(root))
    assert os.listdir(os.path.join(root, "tmp")) == []
    return p.stderr


def test_dotdot_entry(reg, root, outside):  # noqa: F811
    rel = os.path.relpath(os.path.join(outside, "pwned"), "/")
    hostile(reg, root, outside, "dotdot", lambda tf: R.add_file(tf, "../" * 20 + rel, b"x"), '".." component')


def test_absolute_entry(reg, root, outside):  # noqa: F811
    hostile(reg, root, outside, "abs", lambda tf: R.add_file(tf, os.path.join(outside, "pwned"), b"x"),
            "absolute path")


def test_symlinked_parent(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "escape", outside)
        R.add_file(tf, "escape/pwned", b"x")
    hostile(reg, root, outside, "symparent", build, "symlink")


def test_symlinked_parent_relative(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "escape", "../../../../../../../../" + outside.lstrip("/"))
        R.add_file(tf, "escape/victim", b"overwritten")
    hostile(reg, root, outside, "symparent2", build, "symlink")


def test_hardlink_out(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "link", os.path.join(outside, "victim"), hard=True)
    hostile(reg, root, outside, "hardabs", build, "hardlink")


def test_hardlink_dotdot(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "link", "../" * 20 + outside.lstrip("/") + "/victim", hard=True)
    hostile(reg, root, outside, "harddot", build, "hardlink")


def test_hardlink_through_symlink(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "escape", outside)
        R.add_link(tf, "link", "escape/victim", hard=True)
    hostile(reg, root, outside, "hardsym", build, "symlink")


def test_escaping_whiteout(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_file(tf, "../" * 20 + outside.lstrip("/") + "/.wh.victim")
    hostile(reg, root, outside, "whdot", build, '".." component')


def test_whiteout_of_dotdot(reg, root, outside):  # noqa: F811
    hostile(reg, root, outside, "whdotdot", lambda tf: R.add_file(tf, "a/.wh.."), "names no file")


def test_whiteout_through_symlink(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_link(tf, "escape", outside)
        R.add_file(tf, "escape/.wh.victim")
    hostile(reg, root, outside, "whsym", build, "symlink")


def test_overlay_xattr_refused(reg, root, outside):  # noqa: F811
    def build(tf):
        R.add_dir(tf, "d", pax={"SCHILY.xattr.trusted.overlay.redirect": "/etc"})
    hostile(reg, root, outside, "ovlx", build, "trusted.overlay.redirect")


def test_decompression_bomb(reg, root, outside):  # noqa: F811
    # 200 MB of zeros in one file, ~200 kB compressed; the limit is 64 MiB + 64x the blob size.
    size = 200 << 20
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        ti = tarfile.TarInfo("zeros")
        ti.size = size

        class Zeros(io.RawIOBase):
            left = size

            def readinto(self, b):
                n = min(len(b), self.left)
                b[:n] = bytes(n)
                self.left -= n
                return n
        tf.addfile(ti, Zeros())
    tar = buf.getvalue()

    class L:
        pass
    layer = L()
    layer.tar = tar
    layer.diff_id = R.sha256(tar)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    layer.blob = co.compress(tar) + co.flush()
    layer.digest = R.sha256(layer.blob)
    layer.media_type = R.LAYER_TYPES["gzip"]
    R.push_image(reg, "hostile/bomb", "1", [layer])
    p = hull(root, "pull", f"{reg.host}/hostile/bomb:1", check=False)
    assert p.returncode != 0 and "decompression bomb" in p.stderr, p.stderr
    assert not any(e.startswith("snapshots/") for e in store_entries(root))
    assert os.listdir(os.path.join(root, "tmp")) == []


def test_disk_full_stops_cleanly(reg):  # noqa: F811
    # A store on a 8 MB tmpfs; a layer that unpacks to 12 MB.
    d = tempfile.mkdtemp(prefix="hull-images-small-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "hull-images-test", d], check=True)
    try:
        data = os.urandom(12 << 20)
        layer = R.Layer(lambda tf: R.add_file(tf, "big", data), "none")
        R.push_image(reg, "hostile/big", "1", [layer])
        p = hull(d, "pull", f"{reg.host}/hostile/big:1", check=False)
        assert p.returncode != 0 and "No space left" in p.stderr, p.stderr
        assert os.listdir(os.path.join(d, "tmp")) == []
        assert os.listdir(os.path.join(d, "snapshots")) == []
        # the verified manifest and config may stay (unreferenced, swept by prune); the layer may not
        assert layer.digest[7:] not in os.listdir(os.path.join(d, "blobs/sha256"))
        assert not os.path.exists(os.path.join(d, "images.json"))
    finally:
        subprocess.run(["umount", d])
        os.rmdir(d)


def test_digest_mismatch_refused(reg, root, front):  # noqa: F811
    layer = R.busybox_layer()
    R.push_image(reg, "bad/corrupt", "1", [layer])
    front.faults["corrupt"] = True
    p = hull(root, "pull", f"{front.host}/bad/corrupt:1", check=False)
    assert p.returncode != 0 and "digest mismatch" in p.stderr, p.stderr
    assert not any(e.startswith("snapshots/") or e.startswith("image ") or layer.digest[7:] in e
                   for e in store_entries(root))
    assert os.listdir(os.path.join(root, "tmp")) == []


def test_truncated_blob_refused(reg, root, front):  # noqa: F811
    layer = R.busybox_layer()
    R.push_image(reg, "bad/trunc", "1", [layer])
    front.faults["truncate"] = True
    p = hull(root, "pull", f"{front.host}/bad/trunc:1", check=False)
    assert p.returncode != 0 and ("truncated" in p.stderr or "unexpected end" in p.stderr), p.stderr
    assert not any(e.startswith("snapshots/") or e.startswith("image ") for e in store_entries(root))


def test_blob_swapped_for_another_refused(reg, root, front):  # noqa: F811
    good = R.busybox_layer()
    evil = R.Layer(lambda tf: R.add_file(tf, "evil", b"x" * 200))
    R.push_image(reg, "bad/swap", "1", [good])
    R.push_image(reg, "bad/swap", "2", [evil])
    front.faults["swap_blob"] = (good.digest, evil.digest)
    p = hull(root, "pull", f"{front.host}/bad/swap:1", check=False)
    assert p.returncode != 0 and good.digest in p.stderr, p.stderr
    assert not any(e.startswith("snapshots/") for e in store_entries(root))


def test_manifest_content_type_mismatch(reg, root, front):  # noqa: F811
    # CVE-2021-41190: an image manifest served as an index (and the reverse) is refused.
    l = R.busybox_layer()
    R.push_image(reg, "bad/ct", "1", [l])
    front.faults["content_type"] = R.MT_OCI_INDEX
    p = hull(root, "pull", f"{front.host}/bad/ct:1", check=False)
    assert p.returncode != 0 and "declared as" in p.stderr, p.stderr


def test_ambiguous_manifest(reg, root):  # noqa: F811
    l = R.busybox_layer()
    cfg = R.make_config([l])
    R.push_image(reg, "bad/amb", "base", [l], config=cfg)
    data, _ = R.manifest_for([l], cfg)
    doc = json.loads(data)
    del doc["mediaType"]
    doc["manifests"] = []
    r, _ = reg._req("PUT", "/v2/bad/amb/manifests/1", json.dumps(doc).encode(), {"Content-Type": R.MT_OCI_MANIFEST})
    if r.status != 201:
        pytest.skip("this registry refuses ambiguous manifests itself")
    p = hull(root, "pull", f"{reg.host}/bad/amb:1", check=False)
    assert p.returncode != 0 and "ambiguous" in p.stderr, p.stderr
