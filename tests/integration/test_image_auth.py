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
