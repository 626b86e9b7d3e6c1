#!/usr/bin/env bash
# bench/run.sh — container start-to-exit latency, side by side, alternating runs, medians and ratios:
#   hull run --rm --network none IMG /bin/true          (cached image, the engine in-process)
#   podman run --rm --network none IMG /bin/true        (same image, podman's own store, runc)
#   hullrt run on a prepared bundle (the runtime alone: the floor under hull)
#   hull --version vs hullrt --version (process start alone: dynamic loading; docs/performance.md "hull startup")
# Usage: bench/run.sh [BUILDDIR] [RUNS]. Everything lives in a temp dir removed at the end.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
runs=${2:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
hull="$build/hull"
hullrt="$build/hullrt"
W=$(mktemp -d /tmp/hull-bench-run.XXXXXX)
# podman asks for RLIMIT_NOFILE/NPROC above this host's hard limits (no CAP_SYS_RESOURCE): lowered per run below
pod=(podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver overlay --cgroup-manager cgroupfs
     --events-backend file --runtime /usr/sbin/runc)
had_libpod_parent=0
ls -d /sys/fs/cgroup/*/libpod_parent >/dev/null 2>&1 && had_libpod_parent=1
had_hull_parent=0
ls -d /sys/fs/cgroup/*/hull >/dev/null 2>&1 && had_hull_parent=1
cleanup() {
	"$hull" --root "$W/hull" ps -a -q --no-trunc 2>/dev/null | xargs -r "$hull" --root "$W/hull" rm -f >/dev/null 2>&1 || true
	"$hullrt" --root "$W/rt-state" delete -f hull-bench-rt >/dev/null 2>&1 || true
	"${pod[@]}" rm -af >/dev/null 2>&1 || true
	"${pod[@]}" rmi -af >/dev/null 2>&1 || true
	umount -R "$W/podman/overlay" 2>/dev/null || true
	for d in /sys/fs/cgroup/*/hull-bench; do [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true; done
	# hull's default cgroup parent, when this run made it (empty once its containers are gone)
	[ "$had_hull_parent" = 1 ] || for d in /sys/fs/cgroup/*/hull; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
	# podman's default cgroup parent, when this run made it (empty once its containers are gone)
	[ "$had_libpod_parent" = 1 ] || for d in /sys/fs/cgroup/*/libpod_parent; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT

# one busybox image, loaded into both stores
HULL_BUILD="$build" PYTHONPATH="$here/tests/integration" /usr/bin/python3 -c \
	'import sys, engine_image as E; E.docker_archive(sys.argv[1], "hull-bench/busybox:1", {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"]})' \
	"$W/img.tar"
"$hull" --root "$W/hull" load -i "$W/img.tar" >/dev/null
have_podman=1
"${pod[@]}" load -i "$W/img.tar" >/dev/null 2>&1 || have_podman=0

# The runtime alone, two bundles on a copy of the same rootfs:
#   bundle/      the very config hull generates for this container (docker's default capabilities, seccomp
#                profile, masked paths, /etc/hosts binds, netns): hull/hullrt on it is the engine's own cost
#   bundle-spec/ `hullrt spec`'s minimal config (no seccomp, fewer mounts): the runtime's floor
mkdir -p "$W/bundle/rootfs" "$W/bundle-spec" && tar -C "$W/bundle/rootfs" -xf <(tar -xOf "$W/img.tar" layer0/layer.tar)
ln -s ../bundle/rootfs "$W/bundle-spec/rootfs"
(cd "$W/bundle-spec" && "$hullrt" spec)
gen=$("$hull" --root "$W/hull" run -d --network none hull-bench/busybox:1 sleep 600)
cp "$W/hull/runtime/$gen/config.json" "$W/bundle/config.json" # the runtime's copy of the spec it was given
cp "$W/hull/containers/$gen/"{hostname,hosts,resolv.conf} "$W/bundle/"
"$hull" --root "$W/hull" rm -f "$gen" >/dev/null
/usr/bin/python3 - "$W" "$gen" <<'PY'
import json, os, sys
w, gen = sys.argv[1], sys.argv[2]
for b in ("bundle", "bundle-spec"):
    path = os.path.join(w, b, "config.json")
    c = json.load(open(path))
    c["root"]["path"] = "rootfs"
    c["process"].update(terminal=False, args=["/bin/true"])
    c["process"]["capabilities"].pop("ambient", None)
    c["linux"]["cgroupsPath"] = "/hull-bench/" + b
    for m in c.get("mounts", []):  # the engine's hostname/hosts/resolv.conf: the bundle's copies
        if m.get("source", "").startswith(os.path.join(w, "hull", "containers", gen) + "/"):
            m["source"] = os.path.join(w, b, os.path.basename(m["source"]))
    json.dump(c, open(path, "w"))
PY

# microseconds of one command; $EPOCHREALTIME, not $(date): a fork of date inside the interval adds ~1 ms
ms() { local s e; s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }; e=$EPOCHREALTIME; echo $(( ${e/./} - ${s/./} )); }
declare -a t_hull t_pod t_rt t_rts t_hv t_rv
for ((i = 0; i < runs; i++)); do
	t_hull+=("$(ms "$hull" --root "$W/hull" run --rm --network none hull-bench/busybox:1 /bin/true)")
	[ $have_podman = 1 ] && t_pod+=("$(ms "${pod[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 hull-bench/busybox:1 /bin/true)")
	t_rt+=("$(ms "$hullrt" --root "$W/rt-state" run --bundle "$W/bundle" hull-bench-rt)")
	t_rts+=("$(ms "$hullrt" --root "$W/rt-state" run --bundle "$W/bundle-spec" hull-bench-rt)")
	t_hv+=("$(ms "$hull" --version)")
	t_rv+=("$(ms "$hullrt" --version)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }
mh=$(median "${t_hull[@]}"); mr=$(median "${t_rt[@]}")
printf "%-48s %8s ms\n" "hull run --rm --network none (runs: $runs)" "$mh"
if [ $have_podman = 1 ]; then
	mp=$(median "${t_pod[@]}")
	printf "%-48s %8s ms\n" "podman run --rm --network none (runc)" "$mp"
fi
mrs=$(median "${t_rts[@]}")
printf "%-48s %8s ms\n" "hullrt run (bundle: hull's generated config)" "$mr"
printf "%-48s %8s ms\n" "hullrt run (bundle: \`hullrt spec\` config)" "$mrs"
[ $have_podman = 1 ] && awk -v h="$mh" -v p="$mp" 'BEGIN {printf "ratio podman/hull: %.2f\n", p/h}'
awk -v h="$mh" -v r="$mr" 'BEGIN {printf "ratio hull/hullrt, same config: %.2f (the engine'"'"'s own cost: %.1f ms)\n", h/r, h-r}'
awk -v h="$mh" -v r="$mrs" 'BEGIN {printf "ratio hull/hullrt, minimal config: %.2f\n", h/r}'
printf "%-48s %8s ms\n" "hull --version (process start, glibc dynamic)" "$(median "${t_hv[@]}")"
printf "%-48s %8s ms\n" "hullrt --version (process start, static)" "$(median "${t_rv[@]}")"

# ─────────────────────────────────────────────────────────────────────────────────────────────────────────
# Networking (src/net; section owned by the net helper). Everything runs inside a network namespace made
# here (hull-bench-net-*), never in the machine's own: hull's bridge, veths and nft table, and podman's
# netavark bridge and rules, live and die with it.
#   hull run --rm --network bridge          vs  podman run --rm (podman's default network, netavark)
#   hull run --rm --network bridge -p P:80  vs  podman run --rm -p P:80
#   from `hull run -d -p P:80 … nc -l` to the first successful TCP connect + reply, vs podman
# two namespaces: podman's default network is 10.88.0.0/16 too, and hull refuses a subnet another bridge routes
netns=hull-bench-net-$$
podns=hull-bench-net-pod-$$
for ns in "$netns" "$podns"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
net_cleanup() {
	nsenter --net=/run/netns/"$netns" "$hull" --root "$W/hull" ps -a -q --no-trunc 2>/dev/null \
		| xargs -r nsenter --net=/run/netns/"$netns" "$hull" --root "$W/hull" rm -f >/dev/null 2>&1 || true
	nsenter --net=/run/netns/"$podns" "${pod[@]}" rm -af >/dev/null 2>&1 || true
	ip netns delete "$netns" 2>/dev/null || true
	ip netns delete "$podns" 2>/dev/null || true
}
trap 'net_cleanup; cleanup' EXIT
inns() { nsenter --net=/run/netns/"$netns" "$@"; }
pinns() { nsenter --net=/run/netns/"$podns" "$@"; }
podnet=("${pod[@]}" --network-backend netavark)
podlim=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# from `run -d` to the first TCP reply on 127.0.0.1:PORT (microseconds), then remove the container
first_connect() { # NETNS ENGINE PORT NAME
	local ns=$1; shift
	nsenter --net=/run/netns/"$ns" /usr/bin/python3 - "$@" <<'PY'
import socket, subprocess, sys, time
engine, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cmd = engine.split("\x1f") + ["run", "-d", "--name", name, "-p", "%d:80" % port]
if "podman" in cmd[0]:
    cmd += ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
else:
    cmd += ["--network", "bridge"]  # hull's default is still none (docs/networking.md)
cmd += ["hull-bench/busybox:1", "sh", "-c", "while true; do echo up | nc -l -p 80; done"]
t0 = time.monotonic()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        if s.recv(8):
            break
    except OSError:
        pass
    if time.monotonic() - t0 > 20:
        sys.exit("no answer on port %d" % port)
    time.sleep(0.001)
print(int((time.monotonic() - t0) * 1e6))
subprocess.run(engine.split("\x1f") + ["rm", "-f", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY
}
declare -a n_hull n_hullp n_pod n_podp c_hull c_pod
have_podnet=$have_podman
[ $have_podnet = 1 ] && { pinns "${podnet[@]}" run --rm "${podlim[@]}" hull-bench/busybox:1 /bin/true >/dev/null 2>&1 || have_podnet=0; }
for ((i = 0; i < runs; i++)); do
	n_hull+=("$(ms inns "$hull" --root "$W/hull" run --rm --network bridge hull-bench/busybox:1 /bin/true)")
	n_hullp+=("$(ms inns "$hull" --root "$W/hull" run --rm --network bridge -p 18080:80 hull-bench/busybox:1 /bin/true)")
	c_hull+=("$(first_connect "$netns" "$hull"$'\x1f'--root$'\x1f'"$W/hull" 18081 hull-bench-c$i)")
	if [ $have_podnet = 1 ]; then
		n_pod+=("$(ms pinns "${podnet[@]}" run --rm "${podlim[@]}" hull-bench/busybox:1 /bin/true)")
		n_podp+=("$(ms pinns "${podnet[@]}" run --rm "${podlim[@]}" -p 18082:80 hull-bench/busybox:1 /bin/true)")
		c_pod+=("$(first_connect "$podns" "$(IFS=$'\x1f'; echo "${podnet[*]}")" 18083 hull-bench-p$i)")
	fi
done
echo "-- networking (inside netns $netns; podman in $podns)"
printf "%-48s %8s ms\n" "hull run --rm --network bridge" "$(median "${n_hull[@]}")"
[ $have_podnet = 1 ] && printf "%-48s %8s ms\n" "podman run --rm (default network, netavark)" "$(median "${n_pod[@]}")"
printf "%-48s %8s ms\n" "hull run --rm --network bridge -p 18080:80" "$(median "${n_hullp[@]}")"
[ $have_podnet = 1 ] && printf "%-48s %8s ms\n" "podman run --rm -p 18082:80" "$(median "${n_podp[@]}")"
printf "%-48s %8s ms\n" "hull run -d -p → first TCP reply" "$(median "${c_hull[@]}")"
[ $have_podnet = 1 ] && printf "%-48s %8s ms\n" "podman run -d -p → first TCP reply" "$(median "${c_pod[@]}")"
[ $have_podnet = 1 ] || echo "(podman with netavark did not run here: podman rows left out)"
