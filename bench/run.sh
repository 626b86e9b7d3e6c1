#!/usr/bin/env bash
# bench/run.sh — container start-to-exit latency, side by side, alternating runs, medians and ratios:
#   hull run --rm --network none IMG /bin/true          (cached image, the engine in-process)
#   podman run --rm --network none IMG /bin/true        (same image, podman's own store, runc)
#   hullrt run on a prepared bundle (the runtime alone: the floor under hull)
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
cleanup() {
	"$hull" --root "$W/hull" ps -a -q --no-trunc 2>/dev/null | xargs -r "$hull" --root "$W/hull" rm -f >/dev/null 2>&1 || true
	"$hullrt" --root "$W/rt-state" delete -f hull-bench-rt >/dev/null 2>&1 || true
	"${pod[@]}" rm -af >/dev/null 2>&1 || true
	"${pod[@]}" rmi -af >/dev/null 2>&1 || true
	umount -R "$W/podman/overlay" 2>/dev/null || true
	for d in /sys/fs/cgroup/*/hull-bench; do [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true; done
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

# the runtime alone: a bundle with the same rootfs
mkdir -p "$W/bundle/rootfs" && tar -C "$W/bundle/rootfs" -xf <(tar -xOf "$W/img.tar" layer0/layer.tar)
(cd "$W/bundle" && "$hullrt" spec)
/usr/bin/python3 - "$W/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"].update(terminal=False, args=["/bin/true"])
c["process"]["capabilities"].pop("ambient", None)
c["linux"]["cgroupsPath"] = "/hull-bench/rt"
json.dump(c, open(sys.argv[1], "w"))
PY

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
declare -a t_hull t_pod t_rt
for ((i = 0; i < runs; i++)); do
	t_hull+=("$(ms "$hull" --root "$W/hull" run --rm --network none hull-bench/busybox:1 /bin/true)")
	[ $have_podman = 1 ] && t_pod+=("$(ms "${pod[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 hull-bench/busybox:1 /bin/true)")
	t_rt+=("$(ms "$hullrt" --root "$W/rt-state" run --bundle "$W/bundle" hull-bench-rt)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }
mh=$(median "${t_hull[@]}"); mr=$(median "${t_rt[@]}")
printf "%-48s %8s ms\n" "hull run --rm --network none (runs: $runs)" "$mh"
if [ $have_podman = 1 ]; then
	mp=$(median "${t_pod[@]}")
	printf "%-48s %8s ms\n" "podman run --rm --network none (runc)" "$mp"
fi
printf "%-48s %8s ms\n" "hullrt run (prepared bundle)" "$mr"
[ $have_podman = 1 ] && awk -v h="$mh" -v p="$mp" 'BEGIN {printf "ratio podman/hull: %.2f\n", p/h}'
awk -v h="$mh" -v r="$mr" 'BEGIN {printf "ratio hull/hullrt: %.2f (the engine'"'"'s own cost: %.1f ms)\n", h/r, h-r}'
