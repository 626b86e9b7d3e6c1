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
