"""What the escape-class tests check the host with: file and tree digests (equal means untouched), and a
static attacker program built for the container. A module of its own, not conftest.py, so that tests import
it by a name no other test directory uses."""
import hashlib
import os
import subprocess


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(path):
    """Every entry under path (names, types, modes, contents, symlink targets): equal means untouched."""
    out = []
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(root, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, path)
            if os.path.islink(p):
                out.append((rel, "l", os.readlink(p)))
            elif os.path.isfile(p):
                out.append((rel, "f", oct(st.st_mode), sha256_of(p)))
            else:
                out.append((rel, "d" if os.path.isdir(p) else "o", oct(st.st_mode)))
    return out


def compile_static(source, out, tmpdir):
    """Build a small static C program (the in-container attacker)."""
    src = os.path.join(tmpdir, os.path.basename(out) + ".c")
    with open(src, "w") as f:
        f.write(source)
    subprocess.run(["cc", "-O2", "-static", "-o", out, src], check=True, capture_output=True, timeout=120)
    os.chmod(out, 0o755)
