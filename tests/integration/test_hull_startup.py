"""hull's startup split: the core binary links no transfer library (curl, libarchive, isa-l, OpenSSL, nftables);
image transfer commands load libhull-transfer.so from next to the binary, and only a trustworthy one
(src/image/transfer.h, src/image/transfer_loader.c)."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from enginefix import eng, image_tars, IMAGE, BUILD, HULL  # noqa: F401

LIB = os.path.join(BUILD, "libhull-transfer.so")
TRANSFER_LIBS = ("libcurl", "libarchive", "libisal", "libcrypto", "libssl", "libnftables", "libjansson",
                 "libseccomp", "libzstd")


def needed(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


@pytest.fixture
def bindir():
    """A directory holding a copy of hull (and, per test, of the library): the loader looks next to the binary."""
    d = tempfile.mkdtemp(prefix="hull-startup-test-")
    os.chmod(d, 0o755)
    try:
        shutil.copy2(HULL, os.path.join(d, "hull"))
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run(hull, root, *args):
    return subprocess.run([hull, "--root", root, *args], capture_output=True, text=True, timeout=60)


def test_startup_core_links_libc_and_libmnl_only():
    libs = needed(HULL)
    assert not [x for x in libs if x.startswith(TRANSFER_LIBS)], libs
    assert len(libs) <= 5, libs  # vdso, libc, ld.so, libmnl
    tlibs = needed(LIB)
    assert any(x.startswith("libcurl") for x in tlibs) and any(x.startswith("libarchive") for x in tlibs)
    # jansson comes from hull (one copy per process), so the library does not ask for its own
    assert not any(x.startswith("libjansson") for x in tlibs), tlibs


def test_startup_run_needs_no_transfer_library(eng, bindir):  # noqa: F811
    hull = os.path.join(bindir, "hull")
    p = run(hull, eng.root, "run", "--rm", "--network", "none", IMAGE, "/bin/echo", "core only")
    assert p.returncode == 0 and p.stdout == "core only\n", p.stderr
    assert IMAGE.split(":")[0] in run(hull, eng.root, "images").stdout


def test_startup_missing_library_is_a_clear_error(bindir, tmp_path, image_tars):  # noqa: F811
    hull, root = os.path.join(bindir, "hull"), str(tmp_path / "root")
    for args in (["load", "-i", image_tars[0]], ["pull", "localhost:1/x"], ["save", "-o", str(tmp_path / "o"), IMAGE],
                 ["logout", "--all"]):
        p = run(hull, root, *args)
        assert p.returncode == 125, (args, p.stderr)
        assert os.path.join(bindir, "libhull-transfer.so") in p.stderr and "No such file" in p.stderr, p.stderr
    assert not os.path.exists(root), "a refused load must leave nothing behind"


def test_startup_library_must_be_trustworthy(bindir, tmp_path, image_tars):  # noqa: F811
    hull, root = os.path.join(bindir, "hull"), str(tmp_path / "root")
    lib = os.path.join(bindir, "libhull-transfer.so")
    shutil.copy2(LIB, lib)

    os.chmod(lib, 0o664)
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 125 and "writable by group or others (mode 0664)" in p.stderr, p.stderr
    os.chmod(lib, 0o646)
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 125 and "writable by group or others" in p.stderr, p.stderr
    os.chmod(lib, 0o755)
    os.chown(lib, 12345, 12345)
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 125 and "owned by uid 12345" in p.stderr, p.stderr
    os.chown(lib, 0, 0)
    os.unlink(lib)
    os.mkdir(lib)
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 125 and "not a regular file" in p.stderr, p.stderr
    os.rmdir(lib)
    assert not os.path.exists(root)

    shutil.copy2(LIB, lib)
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 0 and "Loaded image" in p.stdout, p.stderr


def test_startup_library_of_another_build_is_refused(bindir, tmp_path, image_tars):  # noqa: F811
    with open(os.path.join(BUILD, "gen", "transfer_build_id.h")) as f:
        build_id = re.search(r'"([0-9a-f]{32})"', f.read()).group(1).encode()
    with open(LIB, "rb") as f:
        blob = f.read()
    assert blob.count(build_id) == 1
    other = bytes(reversed(build_id))
    lib = os.path.join(bindir, "libhull-transfer.so")
    with open(lib, "wb") as f:
        f.write(blob.replace(build_id, other))
    os.chmod(lib, 0o755)
    hull, root = os.path.join(bindir, "hull"), str(tmp_path / "root")
    p = run(hull, root, "load", "-i", image_tars[0])
    assert p.returncode == 125 and "from another build of hull" in p.stderr, p.stderr
    assert not os.path.exists(root)
