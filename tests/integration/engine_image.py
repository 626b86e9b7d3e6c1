"""engine_image — busybox images for the engine tests, loaded with `hull load` from a docker-archive built
here (no registry needed): every busybox applet, /hull-helper, and an /etc/passwd and /etc/group whose
users exist only in the image (uid 1234 "hulluser", group 2345 "hullgrp", supplementary 3456 "extra")."""
import io
import json
import os
import subprocess
import tarfile

import registry as R

BUSYBOX = "/bin/busybox"


def busybox_tree_layer(extra=None):
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    helper = os.path.join(os.environ.get("HULL_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build")),
                          "hull-helper")
    apps = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()

    def build(tf):
        for d in ("bin", "etc", "tmp", "root", "home", "home/hulluser", "data"):
            R.add_dir(tf, d, mode=0o1777 if d == "tmp" else 0o755, uid=1234 if d == "home/hulluser" else 0)
        R.add_file(tf, "bin/busybox", bb, mode=0o755)
        for a in apps:
            if a != "busybox":
                # a hard link's header mode is the file's own (some unpackers apply it to the inode)
                ti = tarfile.TarInfo(f"bin/{a}")
                ti.type, ti.linkname, ti.mode, ti.mtime = tarfile.LNKTYPE, "bin/busybox", 0o755, 1700000000
                tf.addfile(ti)
        if os.path.exists(helper):
            with open(helper, "rb") as f:
                R.add_file(tf, "hull-helper", f.read(), mode=0o755)
        R.add_file(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                   b"hulluser:x:1234:2345:hull test user:/home/hulluser:/bin/sh\n"
                   b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        R.add_file(tf, "etc/group", b"root:x:0:\nhullgrp:x:2345:\nextra:x:3456:hulluser\nnogroup:x:65534:\n")
        R.add_file(tf, "data/from-image", b"image data\n")
        R.add_file(tf, "bin/noexec", b"#!/bin/sh\necho no\n", mode=0o644)
        if extra:
            extra(tf)
    return R.Layer(build, "none")


def docker_archive(path, tag, config=None, extra=None):
    """Write a docker-archive with one busybox layer; config: the image config's "config" object;
    extra(tf): more entries for the layer."""
    layer = busybox_tree_layer(extra)
    cfg = {
        "created": "2024-01-02T03:04:05Z", "architecture": "amd64", "os": "linux",
        "config": config or {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    }
    cfg_b = json.dumps(cfg, sort_keys=True).encode()
    hexid = R.sha256(cfg_b)[7:]
    with tarfile.open(path, "w") as tf:
        def put(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        put(f"{hexid}.json", cfg_b)
        put("layer0/layer.tar", layer.tar)
        put("manifest.json", json.dumps([{"Config": f"{hexid}.json", "RepoTags": [tag],
                                          "Layers": ["layer0/layer.tar"]}]).encode())
    return hexid
