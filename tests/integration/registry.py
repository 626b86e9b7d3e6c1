"""registry.py — test fixtures for hull's image tests.

A real registry (Debian's docker-registry) on 127.0.0.1 with a random port and temp storage, an
htpasswd-protected one, and a small bearer-token front written here (challenge -> token -> proxied
request, with fault injection). Images are built from Python (tar layers, gzip/zstd/plain) and pushed
with plain HTTP calls of the distribution API (POST/PUT uploads, PUT manifest).
"""
import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse
import uuid

REGISTRY_BIN = "/usr/bin/docker-registry"
HTPASSWD_BIN = "/usr/bin/htpasswd"

MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
    "docker": "application/vnd.docker.image.rootfs.diff.tar.gzip",
}


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Registry:
    """A docker-registry process; optional htpasswd auth."""

    def __init__(self, users=None):
        self.dir = tempfile.mkdtemp(prefix="hull-images-registry-")
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        auth = ""
        self.auth = None
        if users:
            pw = os.path.join(self.dir, "htpasswd")
            for i, (u, p) in enumerate(users.items()):
                subprocess.run([HTPASSWD_BIN, "-B", "-b"] + (["-c"] if i == 0 else []) + [pw, u, p],
                               check=True, capture_output=True)
            auth = f"auth:\n  htpasswd:\n    realm: hull-test\n    path: {pw}\n"
            u, p = next(iter(users.items()))
            self.auth = "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                    f"storage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n  delete:\n    enabled: true\n"
                    f"http:\n  addr: 127.0.0.1:{self.port}\n{auth}")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", cfg], stdout=self.log, stderr=self.log)
        wait_port(self.port)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the distribution API, by hand ---
    def _req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def push_blob(self, repo, data):
        dg = sha256(data)
        r, _ = self._req("HEAD", f"/v2/{repo}/blobs/{dg}")
        if r.status == 200:
            return dg
        r, _ = self._req("POST", f"/v2/{repo}/blobs/uploads/")
        assert r.status == 202, r.status
        u = urllib.parse.urlparse(r.getheader("Location"))
        q = urllib.parse.parse_qsl(u.query) + [("digest", dg)]
        r, body = self._req("PUT", u.path + "?" + urllib.parse.urlencode(q), data,
                            {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
        assert r.status == 201, (r.status, body)
        return dg

    def push_manifest(self, repo, ref, data, media_type):
        r, body = self._req("PUT", f"/v2/{repo}/manifests/{ref}", data, {"Content-Type": media_type})
        assert r.status == 201, (r.status, body)
        return sha256(data)


# --- building images ---

class Layer:
    """A tar layer; build(tf) adds the entries."""

    def __init__(self, build, compression="gzip"):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
            build(tf)
        self.tar = buf.getvalue()
        self.diff_id = sha256(self.tar)
        self.compression = compression
        if compression in ("gzip", "docker"):
            self.blob = gzip.compress(self.tar, mtime=0)
        elif compression == "zstd":
            self.blob = subprocess.run(["zstd", "-q", "-c"], input=self.tar, capture_output=True,
                                       check=True).stdout
        else:
            self.blob = self.tar
        self.digest = sha256(self.blob)
        self.media_type = LAYER_TYPES[compression]


def add_file(tf, name, data=b"", mode=0o644, uid=0, gid=0, mtime=1700000000, pax=None):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = mtime
    if pax:
        ti.pax_headers = pax
    tf.addfile(ti, io.BytesIO(data))


def add_dir(tf, name, mode=0o755, uid=0, gid=0, mtime=1700000000, pax=None):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = mtime
    if pax:
        ti.pax_headers = pax
    tf.addfile(ti)


def add_link(tf, name, target, hard=False, mtime=1700000000):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    ti.linkname = target
    ti.mtime = mtime
    tf.addfile(ti)


def busybox_layer(compression="gzip"):
    with open("/bin/busybox", "rb") as f:
        bb = f.read()

    def build(tf):
        for d in ("bin", "etc", "tmp", "root"):
            add_dir(tf, d, mode=0o1777 if d == "tmp" else 0o755)
        add_file(tf, "bin/busybox", bb, mode=0o755)
        for app in ("sh", "ls", "cat", "echo", "true"):
            add_link(tf, f"bin/{app}", "bin/busybox", hard=True)
        add_file(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        add_file(tf, "etc/group", b"root:x:0:\n")
    return Layer(build, compression)


def make_config(layers, arch="amd64", os_="linux", variant=None, cmd=("/bin/sh",)):
    cfg = {
        "created": "2024-01-02T03:04:05Z",
        "architecture": arch,
        "os": os_,
        "config": {"Cmd": list(cmd), "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]},
    }
    if variant:
        cfg["variant"] = variant
    return json.dumps(cfg, sort_keys=True).encode()


def manifest_for(layers, config, docker=False):
    man = {
        "schemaVersion": 2,
        "mediaType": MT_DOCKER_MANIFEST if docker else MT_OCI_MANIFEST,
        "config": {"mediaType": MT_DOCKER_CONFIG if docker else MT_OCI_CONFIG, "digest": sha256(config),
                   "size": len(config)},
        "layers": [{"mediaType": l.media_type, "digest": l.digest, "size": len(l.blob)} for l in layers],
    }
    return json.dumps(man).encode(), man["mediaType"]


def push_image(reg, repo, tag, layers, docker=False, config=None, **cfg_kw):
    """Push layers + config + manifest; returns (manifest_digest, manifest_bytes, config_digest)."""
    config = config if config is not None else make_config(layers, **cfg_kw)
    cdg = reg.push_blob(repo, config)
    for l in layers:
        reg.push_blob(repo, l.blob)
    data, mt = manifest_for(layers, config, docker)
    mdg = reg.push_manifest(repo, tag, data, mt)
    return mdg, data, cdg


def push_index(reg, repo, tag, entries, docker=False):
    """entries: list of (manifest_bytes, media_type, platform dict)."""
    idx = {
        "schemaVersion": 2,
        "mediaType": MT_DOCKER_LIST if docker else MT_OCI_INDEX,
        "manifests": [{"mediaType": mt, "digest": sha256(b), "size": len(b), "platform": p}
                      for b, mt, p in entries],
    }
    data = json.dumps(idx).encode()
    return reg.push_manifest(repo, tag, data, idx["mediaType"]), data


# --- a bearer-token front with fault injection ---

class TokenFront:
    """Answers 401 with a Bearer challenge, issues tokens at /token (optionally only to user:password), and
    proxies authorised /v2/ requests to a backend Registry. faults: fail the next N requests with 503,
    corrupt or truncate blob bodies, cut the connection once mid-blob, or lie about a manifest's Content-Type."""

    def __init__(self, backend, user=None, password=None):
        self.backend = backend
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.tokens = {}
        self.token_requests = []
        self.requests = []
        self.user, self.password = user, password
        self.faults = {"503": 0, "corrupt": False, "truncate": False, "reset_once": False, "content_type": None,
                       "swap_blob": None, "slow": 0.0, "redirect": False}
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                front.handle(self)

            def do_HEAD(self):
                front.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _send(h, status, body=b"", headers=None):
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def handle(self, h):
        u = urllib.parse.urlparse(h.path)
        self.requests.append((h.command, h.path, h.headers.get("Range")))
        if u.path == "/token":
            q = dict(urllib.parse.parse_qsl(u.query))
            self.token_requests.append(q)
            if self.user:
                want = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
                if h.headers.get("Authorization") != want:
                    return self._send(h, 401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            tok = uuid.uuid4().hex
            self.tokens[tok] = q.get("scope", "")
            return self._send(h, 200, json.dumps({"token": tok}).encode(), {"Content-Type": "application/json"})
        if self.faults["503"] > 0:
            self.faults["503"] -= 1
            return self._send(h, 503, b"busy")
        parts = u.path.split("/")
        scope = ""
        for word in ("blobs", "manifests"):
            if word in parts:
                scope = "repository:" + "/".join(parts[2:parts.index(word)]) + ":pull"
        authz = h.headers.get("Authorization", "")
        tok = authz[7:] if authz.startswith("Bearer ") else None
        if tok not in self.tokens or (scope and self.tokens[tok] != scope):
            chal = f'Bearer realm="http://{self.host}/token",service="hull-test"'
            if scope:
                chal += f',scope="{scope}"'
            return self._send(h, 401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": chal})
        if self.faults["redirect"] and "/blobs/" in u.path and self.backend.auth is None:
            return self._send(h, 307, b"", {"Location": f"http://{self.backend.host}{h.path}"})
        hdrs = {k: v for k, v in h.headers.items() if k.lower() in ("accept", "range")}
        path = h.path
        if self.faults["swap_blob"] and "/blobs/" in path:
            a, b = self.faults["swap_blob"]
            path = path.replace(a, b)
        r, data = self.backend._req(h.command, path, None, hdrs)
        out = {k: v for k, v in r.getheaders()
               if k.lower() in ("content-type", "docker-content-digest", "content-range")}
        if "/manifests/" in u.path and self.faults["content_type"]:
            out["Content-Type"] = self.faults["content_type"]
        if "/blobs/" in u.path and r.status in (200, 206) and len(data) > 100:
            if self.faults["corrupt"]:
                data = data[:50] + bytes([data[50] ^ 0xFF]) + data[51:]
            if self.faults["truncate"]:
                data = data[: len(data) // 2]
            if self.faults["reset_once"] and r.status == 200:
                self.faults["reset_once"] = False
                h.send_response(200)
                h.send_header("Content-Length", str(len(data)))
                h.end_headers()
                h.wfile.write(data[: len(data) // 3])
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
        if self.faults["slow"] and "/blobs/" in u.path and r.status == 200:
            h.send_response(200)
            for k, v in out.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            try:
                for i in range(0, len(data), 65536):
                    h.wfile.write(data[i:i + 65536])
                    h.wfile.flush()
                    time.sleep(self.faults["slow"])
            except OSError:
                pass
            return
        self._send(h, r.status, data, out)
