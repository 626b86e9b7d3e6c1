#!/usr/bin/env bash
# bench/startup.sh BEFORE_BUILD AFTER_BUILD [RUNS] — A/B of two builds of hull (e.g. a copy of build/ made before a
# change, and build/): process start (--version), a command that reads the store (images), run --rm of /bin/true,
# a command that loads libhull-transfer.so (logout), and hullrt beside them as the floor. Commands run in a new
# random order each round, 50 ms apart (a fixed order lets one build inherit the other's warm kernel state);
# medians in ms. Temp dir /tmp/hull-startup-bench.*, cgroups /hull-startup-bench/*: removed at the end.
set -euo pipefail
B=$(cd "$1" && pwd); A=$(cd "$2" && pwd); runs=${3:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/hull-startup-bench.XXXXXX)
cleanup() {
	for n in before after; do b=$B; [ $n = after ] && b=$A
		"$b/hull" --root "$W/hull-$n" ps -a -q --no-trunc 2>/dev/null | xargs -r "$b/hull" --root "$W/hull-$n" rm -f >/dev/null 2>&1 || true
	done
	"$A/hullrt" --root "$W/rt-state" delete -f hull-startup-rt >/dev/null 2>&1 || true
	for d in /sys/fs/cgroup/*/hull-startup-bench; do [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
HULL_BUILD="$A" PYTHONPATH="$here/tests/integration" /usr/bin/python3 -c \
	'import sys, engine_image as E; E.docker_archive(sys.argv[1], "hull-startup/busybox:1", {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"]})' "$W/img.tar"
"$B/hull" --root "$W/hull-before" load -i "$W/img.tar" >/dev/null
"$A/hull" --root "$W/hull-after" load -i "$W/img.tar" >/dev/null
mkdir -p "$W/bundle/rootfs" && tar -C "$W/bundle/rootfs" -xf <(tar -xOf "$W/img.tar" layer0/layer.tar)
(cd "$W/bundle" && "$A/hullrt" spec)
/usr/bin/python3 - "$W/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"].update(terminal=False, args=["/bin/true"])
c["process"]["capabilities"].pop("ambient", None)
c["linux"]["cgroupsPath"] = "/hull-startup-bench/rt"
json.dump(c, open(sys.argv[1], "w"))
PY
us() { local s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; local e=$EPOCHREALTIME; echo $(( (${e/./} - ${s/./}) )); }
declare -A T
for ((i = 0; i < runs; i++)); do
	for k in $(shuf -e bv av bi ai br ar bl al rv rt); do
		sleep 0.05
		case $k in
		b*) b=$B n=before;; *) b=$A n=after;; esac
		case $k in
		bv|av) T[ver-$n]+=" $(us "$b/hull" --version)";;
		bi|ai) T[img-$n]+=" $(us "$b/hull" --root "$W/hull-$n" images)";;
		bl|al) echo '{"auths":{"hull-startup.example":{"auth":"dTpw"}}}' >"$W/auth.json"
		       T[lgo-$n]+=" $(us "$b/hull" logout --authfile "$W/auth.json" hull-startup.example)";;
		br|ar) T[run-$n]+=" $(us "$b/hull" --root "$W/hull-$n" run --rm --network none hull-startup/busybox:1 /bin/true)";;
		esac
		case $k in
		rv) T[rtv]+=" $(us "$A/hullrt" --version)";;
		rt) T[rt]+=" $(us "$A/hullrt" --root "$W/rt-state" run --bundle "$W/bundle" hull-startup-rt)";;
		esac
	done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'; }
nb=before; na=after
printf "%-34s %10s %10s\n" "median of $runs (ms)" "$nb" "$na"
printf "%-34s %10s %10s\n" "hull --version" "$(median "${T[ver-$nb]}")" "$(median "${T[ver-$na]}")"
printf "%-34s %10s %10s\n" "hull images" "$(median "${T[img-$nb]}")" "$(median "${T[img-$na]}")"
printf "%-34s %10s %10s\n" "hull run --rm --network none" "$(median "${T[run-$nb]}")" "$(median "${T[run-$na]}")"
printf "%-34s %10s %10s\n" "hull logout (transfer library)" "$(median "${T[lgo-$nb]}")" "$(median "${T[lgo-$na]}")"
printf "%-34s %10s\n" "hullrt --version" "$(median "${T[rtv]}")"
printf "%-34s %10s\n" "hullrt run (prepared bundle)" "$(median "${T[rt]}")"
awk -v b="$(median "${T[run-$nb]}")" -v a="$(median "${T[run-$na]}")" -v r="$(median "${T[rt]}")" \
	'BEGIN {printf "ratio run hull/hullrt: before %.2f, after %.2f\n", b/r, a/r}'
