#!/bin/bash
# bench/runtime.sh — hullrt side by side with crun and runc (and the floor: unshare + chroot + exec).
# Usage: bench/runtime.sh [build dir]            (make bench; root; about 3-5 minutes on 2 cores)
# Env:   RUNS=N (runs per runtime and case, default 21), ROUNDS=N (rounds of case 6, default 3),
#        GAP_MS=N (pause before each measured command, default 50), CALLGRIND=0 to skip the instruction
#        counts, CASES="1 2 …" to run a subset.
#
# Everything happens inside a private mount namespace of its own, for every runtime alike: crun 1.8
# refuses this machine's hybrid cgroup layout, so /sys/fs/cgroup/unified is unmounted there, and the
# state roots and the bundle live on a tmpfs mounted there (on most machines /run is a tmpfs; here it is
# the ext4 root, whose file creation costs milliseconds under load and would drown the runtimes' own cost).
# Runs alternate (each round in a new random order, a short pause before each command) so that the
# machine's drift hits all alike and no runtime always follows the same one; the ratios come from the
# same run. Each runtime gets absolute cgroups /hullbench/<runtime>-<n>, removed at
# the end. The driver is bench/lib/runtime_bench.py.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

if [ "${HULLBENCH_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: must run as root" >&2; exit 1; }
	for f in "$BUILD/hullrt" /usr/bin/crun /usr/sbin/runc /bin/busybox /usr/bin/unshare; do
		[ -x "$f" ] || { echo "bench/runtime.sh: $f missing (make deps && make)" >&2; exit 1; }
	done
	HULLBENCH_INNER=1 exec /usr/bin/unshare -m --propagation private "$0" "$BUILD"
fi

# In the private mount namespace from here on: nothing we mount is seen outside, and it all goes with us.
W=$(mktemp -d /tmp/hull-perf-bench-XXXXXX)
cleanup() {
	local rc=$?
	# Containers a failed run may have left (detached ones of case 4 and 6).
	for rt in hullrt crun runc; do
		for st in "$W"/state/"$rt"*; do
			[ -d "$st" ] || continue
			case $rt in hullrt) bin=$BUILD/hullrt ;; crun) bin=/usr/bin/crun ;; runc) bin=/usr/sbin/runc ;; esac
			for id in $("$bin" --root "$st" list -q 2>/dev/null); do
				"$bin" --root "$st" delete -f "$id" >/dev/null 2>&1 || true
			done
		done
	done
	for h in /sys/fs/cgroup/*/hullbench; do
		mountpoint -q "${h%/hullbench}" || continue
		[ -d "$h" ] || continue
		find "$h" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$h" 2>/dev/null || echo "bench: could not remove $h" >&2
	done
	# With unified unmounted, a runtime that still believes in it (crun does) makes plain directories on
	# the tmpfs under it, hidden from the host by its cgroup2 mount: ours go too.
	if ! mountpoint -q /sys/fs/cgroup/unified && [ -d /sys/fs/cgroup/unified/hullbench ]; then
		rm -rf /sys/fs/cgroup/unified/hullbench
	fi
	umount -R "$W" 2>/dev/null || true
	rm -rf "$W"
	exit $rc
}
trap cleanup EXIT INT TERM

if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
mount -t tmpfs -o mode=0700,size=256m hull-perf-bench "$W"
mkdir -p "$W/rootfs/bin" "$W/rootfs/proc" "$W/rootfs/dev" "$W/rootfs/sys" "$W/rootfs/tmp" "$W/state"
cp /bin/busybox "$W/rootfs/bin/busybox"
for cmd in true sleep sh; do ln -s busybox "$W/rootfs/bin/$cmd"; done
# crun from a read-only bind mount: with _LIBCONTAINER_CLONED_BINARY=1 it skips its re-exec of itself, which
# valgrind cannot follow (used by the callgrind count only).
touch "$W/crun-ro" && mount --bind /usr/bin/crun "$W/crun-ro" && mount -o remount,bind,ro "$W/crun-ro"
cc -O2 -static -o "$W/timeit" "$HERE/lib/timeit.c"

"$PY" "$HERE/lib/runtime_bench.py" --work "$W" --hullrt "$BUILD/hullrt" --timeit "$W/timeit" \
	--runs "${RUNS:-21}" --rounds "${ROUNDS:-3}" --gap-ms "${GAP_MS:-50}" --callgrind "${CALLGRIND:-1}" --cases "${CASES:-1 2 3 4 5 6 7 8}"
