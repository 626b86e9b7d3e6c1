#!/usr/bin/env bash
# demo.sh BUILDDIR — run a busybox container with hullrt and clean up.
# Builds a bundle in a temp dir from the static busybox, gives it an absolute cgroup of its own
# (/hull-demo/<id>), runs it in the foreground and shows what the container sees.
set -euo pipefail
build=${1:-build}
hullrt="$(cd "$build" && pwd)/hullrt"
[ -x "$hullrt" ] || { echo "demo: $hullrt not built" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "demo: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

id="hull-demo-$$"
tmp=$(mktemp -d /tmp/hull-demo.XXXXXX)
root="$tmp/state"
cleanup() {
	"$hullrt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
	for h in /sys/fs/cgroup/*/hull-demo /sys/fs/cgroup/hull-demo; do
		[ -d "$h/$id" ] && rmdir "$h/$id" 2>/dev/null || true
		[ -d "$h" ] && rmdir "$h" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/bundle/rootfs/bin" "$tmp/bundle/rootfs/proc" "$tmp/bundle/rootfs/dev" \
	"$tmp/bundle/rootfs/sys" "$tmp/bundle/rootfs/tmp" "$tmp/bundle/rootfs/etc"
cp /bin/busybox "$tmp/bundle/rootfs/bin/busybox"
chroot "$tmp/bundle/rootfs" /bin/busybox --install -s /bin
echo "root:x:0:0:root:/root:/bin/sh" >"$tmp/bundle/rootfs/etc/passwd"

cd "$tmp/bundle"
"$hullrt" spec 2>/dev/null || runc spec
# Absolute cgroup of our own; a command that shows it runs isolated.
python3 - "$id" <<'PY'
import json, sys
cid = sys.argv[1]
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c",
    'echo "hello from $(hostname): pid $$, $(ls /proc | grep -c "^[0-9]") processes visible, '
    'uid $(id -u), kernel $(uname -r)"']
c["hostname"] = "hull-demo"
c["linux"]["cgroupsPath"] = "/hull-demo/" + cid
json.dump(c, open("config.json", "w"), indent=2)
PY
echo "demo: hullrt run $id"
start=$(date +%s%N)
"$hullrt" --root "$root" run "$id"
end=$(date +%s%N)
echo "demo: container ran and was deleted in $(( (end - start) / 1000000 )) ms"

# --- hull: the engine, on a busybox image made here from busybox-static (docker-archive), `hull load`ed ---
hull="$(cd "$build" && pwd)/hull"
if [ -x "$hull" ]; then
	hroot="$tmp/hull-root"
	had_parent=0
	ls -d /sys/fs/cgroup/*/hull >/dev/null 2>&1 && had_parent=1
	hull_cleanup() {
		local ids
		ids=$("$hull" --root "$hroot" ps -a -q --no-trunc 2>/dev/null || true)
		[ -n "$ids" ] && "$hull" --root "$hroot" rm -f -v $ids >/dev/null 2>&1
		# hull's cgroup parent /hull outlives containers (as docker's); remove it if the demo made it
		[ "$had_parent" = 1 ] || for d in /sys/fs/cgroup/*/hull; do rmdir "$d" 2>/dev/null || true; done
		cleanup
	}
	trap hull_cleanup EXIT
	/usr/bin/python3 - "$tmp/busybox-image.tar" <<'PY'
import hashlib, io, json, subprocess, sys, tarfile
def add(tf, name, data=None, mode=0o755, link=None, kind=None):
    ti = tarfile.TarInfo(name)
    ti.mode, ti.mtime = mode, 1700000000
    if kind:
        ti.type = kind
    if link:
        ti.type, ti.linkname = tarfile.LNKTYPE, link
    ti.size = len(data) if data is not None else 0
    tf.addfile(ti, io.BytesIO(data) if data is not None else None)
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as tf:
    for d in ("bin", "etc", "tmp", "root"):
        add(tf, d, kind=tarfile.DIRTYPE, mode=0o1777 if d == "tmp" else 0o755)
    add(tf, "bin/busybox", open("/bin/busybox", "rb").read())
    for app in subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True).stdout.split():
        if app != "busybox":
            add(tf, "bin/" + app, link="bin/busybox")
    add(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0o644)
    add(tf, "etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
layer = layer.getvalue()
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff]},
                  "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]}}).encode()
cid = hashlib.sha256(cfg).hexdigest()
with tarfile.open(sys.argv[1], "w") as tf:
    for name, data in ((cid + ".json", cfg), ("layer/layer.tar", layer),
                       ("manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["hull-demo/busybox:latest"],
                                                      "Layers": ["layer/layer.tar"]}]).encode())):
        add(tf, name, data, 0o644)
PY
	"$hull" --root "$hroot" load -i "$tmp/busybox-image.tar"
	echo "demo: hull run --rm hull-demo/busybox"
	start=$(date +%s%N)
	"$hull" --root "$hroot" run --rm --network none --hostname hull-demo hull-demo/busybox sh -c \
		'echo "hello from $(hostname) (hull): pid $$, uid $(id -u), caps $(grep CapEff /proc/self/status | cut -f2), seccomp mode $(grep ^Seccomp: /proc/self/status | cut -f2)"'
	end=$(date +%s%N)
	echo "demo: hull ran and removed the container in $(( (end - start) / 1000000 )) ms"
fi
