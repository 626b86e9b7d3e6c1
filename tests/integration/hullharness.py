"""hullharness — the shared test harness for hull's integration tests.

Owns: busybox bundles in temp dirs, a wrapper around an OCI runtime binary (hullrt or runc) with its own
--root, a console-socket receiver, and the cleanup that removes every container, cgroup, mount and temp dir
a test made, even when the test fails. It must never touch a cgroup, mount or process it did not create:
everything it creates is named with "hulltest", and an id that is not a plain name (".." or "a/b") is never
turned into a path by the cleanup.

API (fixtures in conftest.py hand these out):
  Bundle(args=None, cid=None, terminal=False, cgroup=True, readonly=False)
      .id .path .rootfs .config (dict from `runc spec`; cgroupsPath /hulltest/<id>, env HULLTEST_ID=<id>)
      .process .linux  .save()  .write_raw_config(text)  .rootfs_path(p)
      .add_namespace(type, path=None) .remove_namespace(type) .add_mount(dst, type, src, options)
      .add_hook(kind, path, args, env, timeout) .write_script(name, body, inside=False) -> path for config
      .log("stdout"|"stderr")   what create/run -d/exec -d processes wrote (their stdio are files)
  Runtime(binary=None)  binary: $HULL_RUNTIME or $HULL_BUILD/hullrt; .name ("runc" or "hullrt") .is_runc .root
      every call returns Result(rc, stdout, stderr) (.check(), .json(), .out):
      .create(bundle, cid=None, console_socket=None, pid_file=None, extra=())   (bundle: Bundle or a path)
      .start(id) .run(bundle, detach=False, console_socket, pid_file, extra) .state(id) .kill(id, sig, all)
      .delete(id, force) .exec(id, args, tty, detach, env, cwd, user, process, console_socket, pid_file, extra)
      .list(fmt, quiet) .ps(id, fmt) .cmd(*argv, global_args=(), pass_fds=(), ...) for anything else
      helpers: .state_json(id) .status(id) .wait_status(id, status) .run_facts(bundle, args=("facts",))
               .start_sleeper(bundle) .state_dir(id) .cleanup()
  ConsoleSocket()  .path .wait() -> master fd .write(b"..") .read_until(b"..") .close()
  NetNS(area)      `ip netns add hulltest-<area>-<rand>`; .path .inode() .close()
  leftovers(rt, id, bundle) -> [] or what a failed command left (state dir, cgroup, process, mount)
  cgroup_dirs(id) processes_of(id) mounts_under(path) wait_for(pred) pid_alive(pid) ns_inode(pid, ns)
  parse_last_json(text) runtime_feature_skip(rt, feature) -> reason when runc 1.1 lacks the feature

Quick use:
    b = make_bundle(["/hull-helper", "exit", "3"])
    rc, out, err = runtime.run(b)                        # id defaults to b.id; config saved first
    facts = runtime.run_facts(b)                          # /hull-helper facts, parsed
"""

import json
import os
import re
import shutil
import signal
import socket
import array
import subprocess
import tempfile
import threading
import time
import uuid
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("HULL_BUILD", os.path.join(REPO, "build"))
HELPER = os.path.join(BUILD, "hull-helper")
BUSYBOX = "/bin/busybox"
RUNC = shutil.which("runc") or "/usr/sbin/runc"
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_PARENT = "hulltest"  # every test cgroup lives at /hulltest/<container id>
TMP = os.environ.get("HULL_TEST_TMP", "/tmp")


def runtime_binary():
    """The runtime under test: $HULL_RUNTIME, else $HULL_BUILD/hullrt."""
    return os.environ.get("HULL_RUNTIME") or os.path.join(BUILD, "hullrt")


def runtime_name(binary):
    base = os.path.basename(binary)
    return "runc" if base.startswith("runc") else base


def unique_id(prefix="ht"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


class Result(namedtuple("Result", "rc stdout stderr")):
    """(rc, stdout, stderr) of one runtime call; stdout/stderr are str."""

    def json(self):
        return json.loads(self.stdout)

    def check(self, what=""):
        assert self.rc == 0, "%s failed rc=%d\nstdout: %s\nstderr: %s" % (what, self.rc, self.stdout, self.stderr)
        return self

    @property
    def out(self):
        return self.stdout + self.stderr


# ---------------------------------------------------------------------------------------------------------
# rootfs and bundles

_template_lock = threading.Lock()
_template_dir = None


def _busybox_applets():
    out = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
hulltest:x:1000:1000:hull test user:/home/hulltest:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""
GROUP = """root:x:0:
daemon:x:1:
tty:x:5:
hulltest:x:1000:
hullextra:x:2000:hulltest
nogroup:x:65534:
"""


def _build_template():
    """One rootfs per session: busybox with every applet as a symlink, the helper, /etc files."""
    global _template_dir
    with _template_lock:
        if _template_dir and os.path.isdir(_template_dir):
            return _template_dir
        if not os.path.exists(HELPER):
            raise RuntimeError("%s missing: run make first" % HELPER)
        d = tempfile.mkdtemp(prefix="hulltest-rootfs-", dir=TMP)
        os.chmod(d, 0o755)
        for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root",
                    "home/hulltest", "var/tmp", "run", "mnt"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        os.chmod(os.path.join(d, "tmp"), 0o1777)
        shutil.copy2(BUSYBOX, os.path.join(d, "bin", "busybox"))
        for applet in _busybox_applets():
            p = os.path.join(d, applet)
            if applet == "bin/busybox" or os.path.lexists(p):
                continue
            os.makedirs(os.path.dirname(p), exist_ok=True)
            os.symlink("/bin/busybox", p)
        shutil.copy2(HELPER, os.path.join(d, "hull-helper"))
        os.chmod(os.path.join(d, "hull-helper"), 0o755)
        with open(os.path.join(d, "etc/passwd"), "w") as f:
            f.write(PASSWD)
        with open(os.path.join(d, "etc/group"), "w") as f:
            f.write(GROUP)
        with open(os.path.join(d, "etc/hostname"), "w") as f:
            f.write("hulltest\n")
        os.chown(os.path.join(d, "home/hulltest"), 1000, 1000)
        _template_dir = d
        return d


_TEMPLATE_NAME = re.compile(r"hulltest-rootfs-[a-z0-9_]{8}")


def remove_stale_templates(max_age=3600):
    """Templates of sessions that were killed before their end (an hour is far beyond any session)."""
    now = time.time()
    for name in os.listdir(TMP):
        d = os.path.join(TMP, name)
        try:
            if _TEMPLATE_NAME.fullmatch(name) and now - os.stat(d).st_mtime > max_age and not mounts_under(d):
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def remove_template():
    global _template_dir
    with _template_lock:
        if _template_dir:
            shutil.rmtree(_template_dir, ignore_errors=True)
            _template_dir = None


_base_config = None


def base_config():
    """config.json as `runc spec` writes it (the reference), or `$HULL_SPEC_SOURCE spec` if set."""
    global _base_config
    if _base_config is None:
        src = os.environ.get("HULL_SPEC_SOURCE", RUNC)
        d = tempfile.mkdtemp(prefix="hulltest-spec-", dir=TMP)
        try:
            subprocess.run([src, "spec"], cwd=d, check=True, capture_output=True, timeout=20)
            with open(os.path.join(d, "config.json")) as f:
                _base_config = json.load(f)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return json.loads(json.dumps(_base_config))


class Bundle:
    """A bundle dir with rootfs/ (a copy of the busybox template) and config.json (self.config)."""

    def __init__(self, args=None, cid=None, terminal=False, cgroup=True, readonly=False):
        self.id = cid or unique_id()
        self.path = tempfile.mkdtemp(prefix="hulltest-bundle-", dir=TMP)
        os.chmod(self.path, 0o755)  # a user namespace's root (an unprivileged host uid) must reach rootfs/
        self.rootfs = os.path.join(self.path, "rootfs")
        # cp -a keeps the symlinks and is much faster than copytree for ~300 entries.
        subprocess.run(["cp", "-a", _build_template(), self.rootfs], check=True)
        c = base_config()
        c["process"]["terminal"] = terminal
        c["process"]["args"] = list(args) if args else ["/hull-helper", "facts"]
        c["process"]["env"].append("HULLTEST_ID=%s" % self.id)
        c["root"]["readonly"] = readonly
        c["hostname"] = "hulltest"
        if cgroup:
            c["linux"]["cgroupsPath"] = "/%s/%s" % (CGROUP_PARENT, self.id)
        self.config = c
        self.save()

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config["linux"]

    def save(self):
        tmp = os.path.join(self.path, ".config.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.config, f, indent=1)
        os.rename(tmp, os.path.join(self.path, "config.json"))

    def write_raw_config(self, text):
        """Write config.json verbatim (for invalid-JSON tests); save() would overwrite it."""
        with open(os.path.join(self.path, "config.json"), "w") as f:
            f.write(text)

    def rootfs_path(self, p):
        return os.path.join(self.rootfs, p.lstrip("/"))

    def add_namespace(self, ns_type, path=None):
        nss = self.linux.setdefault("namespaces", [])
        nss[:] = [n for n in nss if n["type"] != ns_type]
        n = {"type": ns_type}
        if path:
            n["path"] = path
        nss.append(n)

    def remove_namespace(self, ns_type):
        self.linux["namespaces"] = [n for n in self.linux.get("namespaces", []) if n["type"] != ns_type]

    def add_mount(self, destination, mtype, source, options=None):
        m = {"destination": destination, "type": mtype, "source": source}
        if options is not None:
            m["options"] = options
        self.config.setdefault("mounts", []).append(m)

    def add_hook(self, kind, path, args=None, env=None, timeout=None):
        h = {"path": path}
        if args is not None:
            h["args"] = args
        if env is not None:
            h["env"] = env
        if timeout is not None:
            h["timeout"] = timeout
        self.config.setdefault("hooks", {}).setdefault(kind, []).append(h)

    def write_script(self, name, body, inside=False):
        """Write an executable /bin/sh script; in the rootfs (inside=True) or the bundle dir. Returns the
        path to put in config.json (container path if inside, host path otherwise)."""
        if inside:
            host = self.rootfs_path(name)
            shebang = "#!/bin/sh\n"
            ret = "/" + name.lstrip("/")
        else:
            host = os.path.join(self.path, name)
            shebang = "#!/bin/sh\n"
            ret = host
        os.makedirs(os.path.dirname(host), exist_ok=True)
        with open(host, "w") as f:
            f.write(shebang + body)
        os.chmod(host, 0o755)
        return ret

    def log(self, stream="stdout"):
        """What detached processes of this bundle wrote (stdio of create/run -d/exec -d go to files)."""
        try:
            with open(os.path.join(self.path, "%s.log" % stream), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def cleanup(self):
        unmount_under(self.path)
        if not mounts_under(self.path):
            shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# host-state inspection (used by cleanup and by the "nothing left behind" assertions)

def _unescape_mountinfo(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def mounts_under(path):
    path = os.path.realpath(path)
    res = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            t = _unescape_mountinfo(line.split()[4])
            if t == path or t.startswith(path + "/"):
                res.append(t)
    return res


def unmount_under(path):
    for t in sorted(mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", t], capture_output=True)


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}")


def safe_id(cid):
    """True for ids the harness may turn into paths ("..", "a/b" and friends would name the host's own
    cgroups: cleanup must never walk, let alone kill, those)."""
    return isinstance(cid, str) and bool(_SAFE_ID.fullmatch(cid)) and cid not in (".", "..")


def _under_parent(d, hier):
    parent = os.path.realpath(os.path.join(CGROUP_ROOT, hier, CGROUP_PARENT)) if hier else \
        os.path.realpath(os.path.join(CGROUP_ROOT, CGROUP_PARENT))
    return os.path.realpath(d).startswith(parent + "/")


def cgroup_dirs(cid):
    """Existing cgroup dirs /hulltest/<cid> in every hierarchy (v1 controllers and the unified one)."""
    res = []
    if not safe_id(cid):
        return res
    try:
        hier = os.listdir(CGROUP_ROOT)
    except FileNotFoundError:
        return res
    for h in hier:
        d = os.path.join(CGROUP_ROOT, h, CGROUP_PARENT, cid)
        if os.path.isdir(d) and _under_parent(d, h):
            res.append(d)
    if os.path.isfile(os.path.join(CGROUP_ROOT, "cgroup.controllers")):  # pure v2 host
        d = os.path.join(CGROUP_ROOT, CGROUP_PARENT, cid)
        if os.path.isdir(d) and _under_parent(d, ""):
            res.append(d)
    return res


def pids_in_cgroup_dir(d):
    pids = set()
    for root, _dirs, files in os.walk(d):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(root, "cgroup.procs")) as f:
                    pids.update(int(x) for x in f.read().split())
            except OSError:
                pass
    return pids


def processes_of(cid):
    """Host pids that belong to the container: in its cgroup, or carrying HULLTEST_ID=<cid>."""
    pids = set()
    if not safe_id(cid):
        return pids
    for d in cgroup_dirs(cid):
        pids |= pids_in_cgroup_dir(d)
    marker = ("HULLTEST_ID=%s" % cid).encode()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.add(int(p))
        except OSError:
            pass
    # never ourselves or an ancestor (the shell that runs pytest)
    p = os.getpid()
    while p > 1:
        pids.discard(p)
        try:
            with open("/proc/%d/stat" % p) as f:
                p = int(f.read().rsplit(") ", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    pids.discard(1)
    return pids


def remove_cgroup_dirs(cid, kill=True):
    for d in cgroup_dirs(cid):
        if kill:
            for pid in processes_of(cid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        # Children first; a dir still holding a dying task needs a moment.
        for _ in range(50):
            for root, dirs, _f in sorted(os.walk(d), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(root)
                except OSError:
                    pass
            if not os.path.isdir(d):
                break
            time.sleep(0.02)


def remove_cgroup_parent():
    """Remove the empty /hulltest dirs; non-empty ones (another run's) stay (rmdir fails EBUSY)."""
    for h in os.listdir(CGROUP_ROOT):
        try:
            os.rmdir(os.path.join(CGROUP_ROOT, h, CGROUP_PARENT))
        except OSError:
            pass


# The default parent of hull's own cgroups (hullrt without cgroupsPath, hull's /hull/<id>): like runc's and
# docker's parents it outlives the containers; the tests remove it when they made it and it is empty.
DEFAULT_PARENT = "hull"


def existing_default_parents():
    return {h for h in os.listdir(CGROUP_ROOT) if os.path.isdir(os.path.join(CGROUP_ROOT, h, DEFAULT_PARENT))}


def remove_default_parents(existed_before):
    for h in os.listdir(CGROUP_ROOT):
        if h in existed_before:
            continue
        try:
            os.rmdir(os.path.join(CGROUP_ROOT, h, DEFAULT_PARENT))
        except OSError:
            pass


def wait_for(pred, timeout=5.0, interval=0.02, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


# ---------------------------------------------------------------------------------------------------------
# the runtime wrapper

class Runtime:
    """One OCI runtime binary with its own --root. Every container id it is given is remembered and
    killed/deleted by cleanup(). Methods return Result(rc, stdout, stderr)."""

    def __init__(self, binary=None, name=None, timeout=30):
        self.binary = binary or runtime_binary()
        self.name = name or runtime_name(self.binary)
        self.root = tempfile.mkdtemp(prefix="hulltest-root-%s-" % self.name, dir=TMP)
        self.timeout = timeout
        self.ids = []  # ids this runtime touched, in order
        self.bundles = {}  # id -> Bundle

    @property
    def is_runc(self):
        return self.name == "runc"

    def state_dir(self, cid):
        return os.path.join(self.root, cid)

    def cmd(self, *args, input=None, timeout=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=None,
            pass_fds=(), env=None, global_args=()):
        """Run `<runtime> --root ROOT <global_args> <args>`; returns Result."""
        argv = [self.binary, "--root", self.root] + list(global_args) + [str(a) for a in args]
        # Its own session: a runtime bug that signals its process group (kill(0, ...)) cannot reach pytest.
        p = subprocess.run(argv, input=input, stdout=stdout, stderr=stderr, cwd=cwd, pass_fds=pass_fds,
                           timeout=timeout or self.timeout, env=env, start_new_session=True,
                           stdin=None if input is not None else subprocess.DEVNULL)
        dec = lambda b: b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return Result(p.returncode, dec(p.stdout), dec(p.stderr))

    def _remember(self, cid, bundle):
        # The bundle is always remembered: cleanup empties its cgroup /hulltest/<bundle.id> even when the
        # runtime wrongly accepted an id such as "-x" or "a b". Such an id itself is never made into a path.
        if bundle is not None:
            self.bundles[cid] = bundle
        if safe_id(cid) and cid not in self.ids:
            self.ids.append(cid)

    def _bundle_args(self, bundle, cid):
        if isinstance(bundle, Bundle):
            bundle.save()
            self._remember(cid, bundle)
            return ["--bundle", bundle.path]
        self._remember(cid, None)
        return ["--bundle", bundle] if bundle else []

    def _detached_io(self, bundle, extra_args, **kw):
        """create / run -d: the container inherits our stdio, so it must be files, not pipes (a pipe would
        keep the call waiting for EOF until the container exits). Output the runtime printed before
        returning is returned; later container output stays in bundle.log()."""
        d = bundle.path if isinstance(bundle, Bundle) else tempfile.gettempdir()
        out_p, err_p = os.path.join(d, "stdout.log"), os.path.join(d, "stderr.log")
        with open(out_p, "ab") as o, open(err_p, "ab") as e:
            o0, e0 = o.tell(), e.tell()
            r = self.cmd(*extra_args, stdout=o, stderr=e, **kw)
        with open(out_p, "rb") as o, open(err_p, "rb") as e:
            o.seek(o0)
            e.seek(e0)
            return Result(r.rc, o.read().decode(errors="replace"), e.read().decode(errors="replace"))

    def _cid(self, cid, bundle):
        if cid is None:
            assert isinstance(bundle, Bundle), "need an id or a Bundle"
            return bundle.id
        return cid

    def create(self, bundle=None, cid=None, console_socket=None, pid_file=None, extra=(), **kw):
        cid = self._cid(cid, bundle)
        args = ["create"] + self._bundle_args(bundle, cid)
        if console_socket:
            args += ["--console-socket", console_socket]
        if pid_file:
            args += ["--pid-file", pid_file]
        args += list(extra) + [cid]
        return self._detached_io(bundle, args, **kw)

    def start(self, cid):
        cid = cid.id if isinstance(cid, Bundle) else cid
        return self.cmd("start", cid)

    def run(self, bundle=None, cid=None, detach=False, console_socket=None, pid_file=None, extra=(), **kw):
        cid = self._cid(cid, bundle)
        args = ["run"] + self._bundle_args(bundle, cid)
        if detach:
            args.append("--detach")
        if console_socket:
            args += ["--console-socket", console_socket]
        if pid_file:
            args += ["--pid-file", pid_file]
        args += list(extra) + [cid]
        if detach:
            return self._detached_io(bundle, args, **kw)
        return self.cmd(*args, **kw)

    def state(self, cid):
        cid = cid.id if isinstance(cid, Bundle) else cid
        return self.cmd("state", cid)

    def state_json(self, cid):
        r = self.state(cid)
        r.check("state")
        return json.loads(r.stdout)

    def status(self, cid):
        r = self.state(cid)
        if r.rc != 0:
            return None
        return json.loads(r.stdout).get("status")

    def wait_status(self, cid, status, timeout=5.0):
        wait_for(lambda: self.status(cid) == status, timeout, what="%s to be %s" % (cid, status))

    def kill(self, cid, sig=None, all=False):
        cid = cid.id if isinstance(cid, Bundle) else cid
        args = ["kill"]
        if all:
            args.append("--all")
        args.append(cid)
        if sig is not None:
            args.append(str(sig))
        return self.cmd(*args)

    def delete(self, cid, force=False):
        cid = cid.id if isinstance(cid, Bundle) else cid
        return self.cmd("delete", *(["--force"] if force else []), cid)

    def exec(self, cid, args=None, tty=False, detach=False, env=(), cwd=None, user=None, process=None,
             console_socket=None, pid_file=None, extra=(), **kw):
        """exec into cid; args is the process argv (ignored with process=path to a process.json)."""
        cid = cid.id if isinstance(cid, Bundle) else cid
        a = ["exec"]
        if tty:
            a.append("--tty")
        if detach:
            a.append("--detach")
        for e in env:
            a += ["--env", e]
        if cwd:
            a += ["--cwd", cwd]
        if user is not None:
            a += ["--user", str(user)]
        if process:
            a += ["--process", process]
        if console_socket:
            a += ["--console-socket", console_socket]
        if pid_file:
            a += ["--pid-file", pid_file]
        a += list(extra) + [cid]
        if not process:
            a += list(args or [])
        if detach:
            return self._detached_io(self.bundles.get(cid), a, **kw)
        return self.cmd(*a, **kw)

    def list(self, fmt=None, quiet=False):
        a = ["list"]
        if fmt:
            a += ["--format", fmt]
        if quiet:
            a.append("--quiet")
        return self.cmd(*a)

    def ps(self, cid, fmt=None, ps_args=()):
        cid = cid.id if isinstance(cid, Bundle) else cid
        a = ["ps"]
        if fmt:
            a += ["--format", fmt]
        return self.cmd(*a, cid, *ps_args)

    # conveniences -------------------------------------------------------------------------------------

    def run_facts(self, bundle, args=("facts",)):
        """Run /hull-helper <args> in the foreground and return its JSON (asserting rc 0)."""
        bundle.process["args"] = ["/hull-helper"] + list(args)
        r = self.run(bundle)
        assert r.rc == 0, "%s run failed rc=%d: %s" % (self.name, r.rc, r.stderr)
        return parse_last_json(r.stdout)

    def start_sleeper(self, bundle, secs=60):
        """create+start a container running `hull-helper sleep secs`; returns its state JSON."""
        bundle.process["args"] = ["/hull-helper", "sleep", str(secs)]
        self.create(bundle).check("create")
        self.start(bundle.id).check("start")
        self.wait_status(bundle.id, "running")
        return self.state_json(bundle.id)

    # cleanup ------------------------------------------------------------------------------------------

    def cleanup(self):
        for cid in reversed(self.ids):
            try:
                if os.path.isdir(self.state_dir(cid)) or self.is_runc:
                    self.cmd("kill", cid, "KILL", timeout=10)
                    self.cmd("delete", "--force", cid, timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for pid in processes_of(cid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            remove_cgroup_dirs(cid)
        for b in self.bundles.values():
            for pid in processes_of(b.id):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            remove_cgroup_dirs(b.id)
            b.cleanup()
        unmount_under(self.root)
        if not mounts_under(self.root):
            shutil.rmtree(self.root, ignore_errors=True)


def parse_last_json(text):
    """The last line of text that parses as a JSON object (the helper prints one per line)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    raise AssertionError("no JSON object in output: %r" % text[:2000])


def leftovers(rt, cid, bundle=None):
    """What a failed create/run left behind; [] when nothing. Used by the bad-input tests."""
    found = []
    if not safe_id(cid):
        # An id like ".." or "a/b" is never made into a path here: anything in --root that is not a
        # container this runtime knows is what the refused create left behind.
        for name in os.listdir(rt.root):
            if name not in rt.ids:
                found.append("entry %s under --root" % os.path.join(rt.root, name))
        if bundle is not None:
            found += ["mount %s" % m for m in mounts_under(bundle.path)]
        return found
    if os.path.exists(rt.state_dir(cid)):
        found.append("state dir %s" % rt.state_dir(cid))
    for d in cgroup_dirs(cid):
        found.append("cgroup %s" % d)
    for pid in processes_of(cid):
        if pid_alive(pid):
            found.append("process %d" % pid)
    if bundle is not None:
        for m in mounts_under(bundle.path):
            found.append("mount %s" % m)
    return found


# ---------------------------------------------------------------------------------------------------------
# console socket

class ConsoleSocket:
    """A unix socket for --console-socket: a thread accepts one connection and receives the pty master
    with SCM_RIGHTS. Use .wait() for the fd, then .read_until(b"text") / .write(b"...")."""

    def __init__(self, directory=None):
        self.dir = tempfile.mkdtemp(prefix="hulltest-console-", dir=directory or TMP)
        self.path = os.path.join(self.dir, "console.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.masters = []
        self.errors = []
        self.buf = b""
        self._cv = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                fds = array.array("i")
                msg, anc, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
                for level, typ, data in anc:
                    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                        fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
                with self._cv:
                    if fds:
                        self.masters.extend(fds)
                    else:
                        self.errors.append("no fd received (message %r)" % msg)
                    self._cv.notify_all()
            except OSError as e:
                self.errors.append(str(e))
            finally:
                conn.close()

    def wait(self, timeout=10.0, index=0):
        """The index-th master fd received."""
        with self._cv:
            self._cv.wait_for(lambda: len(self.masters) > index or self.errors, timeout)
            if len(self.masters) <= index:
                raise AssertionError("no console fd received: %s" % self.errors)
            return self.masters[index]

    def read_until(self, needle, timeout=5.0, index=0):
        fd = self.wait(timeout, index)
        import select
        end = time.monotonic() + timeout
        while needle not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("console: %r not seen; got %r" % (needle, self.buf[-2000:]))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the other side closed
                    chunk = b""
                if not chunk:
                    if needle in self.buf:
                        break
                    raise AssertionError("console closed before %r; got %r" % (needle, self.buf[-2000:]))
                self.buf += chunk
        return self.buf

    def write(self, data, index=0):
        os.write(self.wait(index=index), data)

    def close(self):
        self._stop = True
        try:
            self.sock.close()
        except OSError:
            pass
        self._thread.join(2)
        for fd in self.masters:
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# network namespaces made by tests

class NetNS:
    """`ip netns add hulltest-<area>-<rand>`; .path for linux.namespaces[].path; removed by close()."""

    def __init__(self, area="ns"):
        self.name = "hulltest-%s-%s" % (area, uuid.uuid4().hex[:8])
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        self.path = "/run/netns/%s" % self.name

    def inode(self):
        return os.stat(self.path).st_ino

    def close(self):
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)


def ns_inode(pid, ns):
    return os.stat("/proc/%d/ns/%s" % (pid, ns)).st_ino


def runtime_feature_skip(rt, feature):
    """Skip reason when the runtime is runc and runc 1.1 lacks a runtime-spec 1.2 feature, else None."""
    runc_lacks = {
        "time_ns": "runc 1.1.5 has no time namespace (added in runc 1.2)",
        "personality": "runc 1.1.5 ignores linux.personality (added in runc 1.2)",
        "scheduler": "runc 1.1.5 ignores process.scheduler (added in runc 1.2)",
        "ioprio": "runc 1.1.5 ignores process.ioPriority (added in runc 1.2)",
        "idmapped": "runc 1.1.5 has no idmapped mounts",
        "domainname": "runc 1.1.5 ignores the domainname field",
    }
    if rt.is_runc and feature in runc_lacks:
        return runc_lacks[feature]
    return None
