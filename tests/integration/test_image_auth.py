"""Registry auth and resilience: bearer tokens (cached per scope), basic auth with login/logout and the
auth.json layout, retries on 503, resume after a connection reset."""
import base64
import json
import os

import pytest

from test_image_pull import hull, reg, root  # noqa: F401 (fixtures)
import registry as R


@pytest.fixture
def front(reg):  # noqa: F811
    f = R.TokenFront(reg)
    yield f
    f.close()


def test_bearer_token_flow_cached_per_scope(reg, root, front):  # noqa: F811
    R.push_image(reg, "tok/a", "1", [R.busybox_layer(), R.Layer(lambda tf: R.add_file(tf, "f", b"1" * 500))])
    hull(root, "pull", f"{front.host}/tok/a:1")
    scopes = [q.get("scope") for q in front.token_requests]
    assert scopes == ["repository:tok/a:pull"], scopes  # one token for manifest, config and both layers
    assert front.token_requests[0]["service"] == "hull-test"


def test_bearer_token_with_credentials(reg, root, tmp_path):  # noqa: F811
    f = R.TokenFront(reg, user="alice", password="s3cret")
    try:
        R.push_image(reg, "tok/b", "1", [R.busybox_layer()])
        p = hull(root, "pull", f"{f.host}/tok/b:1", check=False, env={**os.environ, "REGISTRY_AUTH_FILE": str(tmp_path / "none.json")})
        assert p.returncode != 0 and "authentication failed" in p.stderr, p.stderr
        auth = tmp_path / "auth.json"
        hull(root, "login", "--authfile", str(auth), "-u", "alice", "-p", "s3cret", f.host)
        hull(root, "pull", "--authfile", str(auth), f"{f.host}/tok/b:1")
    finally:
        f.close()


def test_basic_auth_login_logout(root, tmp_path):  # noqa: F811
    r = R.Registry(users={"bob": "hunter2"})
    try:
        R.push_image(r, "priv/img", "1", [R.busybox_layer()])
        env = {**os.environ, "REGISTRY_AUTH_FILE": str(tmp_path / "auth.json")}
        p = hull(root, "pull", f"{r.host}/priv/img:1", check=False, env=env)
        assert p.returncode != 0 and "401" in p.stderr, p.stderr
        p = hull(root, "login", "-u", "bob", "-p", "wrong", r.host, check=False, env=env)
        assert p.returncode != 0 and not (tmp_path / "auth.json").exists()
        hull(root, "login", "-u", "bob", "--password-stdin", r.host, input="hunter2\n", env=env)
        with open(tmp_path / "auth.json") as f:
            entry = json.load(f)["auths"][r.host]
        assert base64.b64decode(entry["auth"]) == b"bob:hunter2"
        assert oct(os.stat(tmp_path / "auth.json").st_mode & 0o777) == "0o600"
        hull(root, "pull", f"{r.host}/priv/img:1", env=env)
        assert "Removed" in hull(root, "logout", r.host, env=env).stdout
        with open(tmp_path / "auth.json") as f:
            assert r.host not in json.load(f)["auths"]
        p = hull(root, "logout", r.host, check=False, env=env)
        assert p.returncode != 0 and "not logged into" in p.stderr
    finally:
        r.close()


def test_docker_config_json_is_read(root, tmp_path):  # noqa: F811
    r = R.Registry(users={"carol": "pw"})
    try:
        R.push_image(r, "priv/c", "1", [R.busybox_layer()])
        (tmp_path / ".docker").mkdir()
        (tmp_path / ".docker/config.json").write_text(json.dumps(
            {"auths": {r.host: {"auth": base64.b64encode(b"carol:pw").decode()}}}))
        env = {**os.environ, "HOME": str(tmp_path), "REGISTRY_AUTH_FILE": str(tmp_path / "none.json")}
        hull(root, "pull", f"{r.host}/priv/c:1", env=env)
    finally:
        r.close()


def test_retry_on_503(reg, root, front):  # noqa: F811
    R.push_image(reg, "flaky/a", "1", [R.busybox_layer()])
    front.faults["503"] = 3
    hull(root, "pull", f"{front.host}/flaky/a:1")
    assert front.faults["503"] == 0


def test_resume_after_reset(reg, root, front):  # noqa: F811
    layer = R.busybox_layer()
    R.push_image(reg, "flaky/b", "1", [layer])
    front.faults["reset_once"] = True
    hull(root, "pull", f"{front.host}/flaky/b:1")
    ranges = [rg for m, p, rg in front.requests if "/blobs/" in p and rg]
    assert ranges and ranges[0].startswith("bytes=") and ranges[0] != "bytes=0-", front.requests
    assert os.path.exists(os.path.join(root, "snapshots", layer.diff_id[7:], "fs/bin/busybox"))


def test_https_refused_without_tls_verify_false_for_remote_names(root):  # noqa: F811
    # A non-loopback name with nothing listening: a clear connection error, no store change.
    p = hull(root, "pull", "hull-images-nowhere.invalid/x:1", check=False)
    assert p.returncode != 0 and "hull-images-nowhere.invalid" in p.stderr


def test_redirected_blobs(reg, root, front):  # noqa: F811
    layer = R.busybox_layer()
    R.push_image(reg, "redir/a", "1", [layer])
    front.faults["redirect"] = True
    hull(root, "pull", f"{front.host}/redir/a:1")
    assert os.path.exists(os.path.join(root, "snapshots", layer.diff_id[7:], "fs/bin/busybox"))


@pytest.fixture
def tls_registry(tmp_path):
    """docker-registry over HTTPS with a self-signed certificate."""
    import subprocess
    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True)
    r = R.Registry.__new__(R.Registry)
    r.dir = str(tmp_path / "reg")
    os.makedirs(r.dir)
    r.port = R.free_port()
    r.host = f"127.0.0.1:{r.port}"
    r.auth = None
    cfg = os.path.join(r.dir, "config.yml")
    with open(cfg, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {r.dir}/data\n"
                f"http:\n  addr: 127.0.0.1:{r.port}\n  tls:\n    certificate: {crt}\n    key: {key}\n")
    r.log = open(os.path.join(r.dir, "log"), "w")
    r.proc = subprocess.Popen([R.REGISTRY_BIN, "serve", cfg], stdout=r.log, stderr=r.log)
    R.wait_port(r.port)
    yield r, str(crt)
    r.close()


def test_tls_verify(root, tls_registry, tmp_path):  # noqa: F811
    import ssl
    import urllib.request
    r, crt = tls_registry
    # push over HTTPS with Python, trusting the test certificate
    ctx = ssl.create_default_context(cafile=crt)

    def _req(method, path, body=None, headers=None):
        req = urllib.request.Request(f"https://{r.host}{path}", data=body, method=method, headers=headers or {})
        try:
            resp = urllib.request.urlopen(req, context=ctx)
        except urllib.error.HTTPError as e:
            resp = e
        data = resp.read()

        class Resp:
            status = resp.status if hasattr(resp, "status") else resp.code

            def getheader(self, k):
                return resp.headers.get(k)
        return Resp(), data
    r._req = _req
    R.push_image(r, "tls/img", "1", [R.busybox_layer()])
    p = hull(root, "pull", f"{r.host}/tls/img:1", check=False)
    assert p.returncode != 0 and "certificate" in p.stderr.lower(), p.stderr
    hull(root, "pull", "--tls-verify=false", f"{r.host}/tls/img:1")


def test_concurrent_pulls_of_one_image(reg, root, front):  # noqa: F811
    import subprocess
    from test_image_pull import HULL
    layers = [R.busybox_layer(), R.Layer(lambda tf: R.add_file(tf, "big", os.urandom(2 << 20)))]
    R.push_image(reg, "conc/a", "1", layers)
    front.faults["slow"] = 0.005
    procs = [subprocess.Popen([HULL, "--root", root, "pull", "-q", f"{front.host}/conc/a:1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    imgs = json.loads(hull(root, "images", "--format", "json").stdout)
    assert len(imgs) == 1 and len(os.listdir(os.path.join(root, "snapshots"))) == 2
    assert os.listdir(os.path.join(root, "tmp")) == []


def test_interrupted_pull_leaves_nothing_visible(reg, root, front):  # noqa: F811
    import signal
    import subprocess
    import time
    from test_image_pull import HULL
    layer = R.Layer(lambda tf: R.add_file(tf, "big", os.urandom(4 << 20)))
    R.push_image(reg, "intr/a", "1", [layer])
    front.faults["slow"] = 0.05  # 64 chunks: over 3 seconds
    p = subprocess.Popen([HULL, "--root", root, "pull", f"{front.host}/intr/a:1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.isdir(os.path.join(root, "tmp")) and os.listdir(os.path.join(root, "tmp")):
            break
        time.sleep(0.02)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert os.listdir(os.path.join(root, "tmp")) != []  # work in progress was there
    assert os.listdir(os.path.join(root, "snapshots")) == []
    assert layer.digest[7:] not in os.listdir(os.path.join(root, "blobs/sha256"))
    assert json.loads(hull(root, "images", "--format", "json").stdout) == []
    assert os.listdir(os.path.join(root, "tmp")) == []  # swept: its owner is dead
    front.faults["slow"] = 0
    hull(root, "pull", f"{front.host}/intr/a:1")


def test_progress_on_a_terminal(reg, root):  # noqa: F811
    import pty
    import subprocess
    from test_image_pull import HULL
    R.push_image(reg, "tty/a", "1", [R.busybox_layer()])
    master, slave = pty.openpty()
    p = subprocess.Popen([HULL, "--root", root, "pull", f"{reg.host}/tty/a:1"], stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait()
    os.close(master)
    assert p.returncode == 0
    assert b"\x1b[" in out and b"Pull complete" in out and b"Digest: sha256:" in out


def test_help_and_version(root):  # noqa: F811
    assert "pull" in hull(root, "--help").stdout
    assert hull(root, "--version").stdout.startswith("hull version ")
    p = hull(root, "frobnicate", check=False)
    assert p.returncode == 125 and "no such command" in p.stderr
