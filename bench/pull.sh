#!/bin/bash
# bench/pull.sh — hull pull vs podman pull (cold and warm) vs the floor `gzip -dc | tar -x`, one run each,
# from a local docker-registry. The image: 3 gzip layers built from this machine's /usr (about 350 MB
# unpacked). Usage: bench/pull.sh [build dir]
# The machine is shared and its disk dominates a cold pull: compare figures from the same run only.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/hull-images-bench-XXXXXX)
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
	podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver overlay rmi -af >/dev/null 2>&1 || true
	umount -R "$W/podman/overlay" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$W/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/registry}}
http: {addr: 127.0.0.1:$PORT}
EOF
docker-registry serve "$W/config.yml" >"$W/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

echo "building and pushing the image…"
HERE="$HERE" /usr/bin/python3 - "$PORT" "$W/layers" <<'EOF'
import os, sys, tarfile, gzip, io
sys.path.insert(0, os.path.join(os.environ["HERE"], "../tests/integration"))
import registry as R
port, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
class Reg(R.Registry):
    def __init__(self, port):
        self.port = int(port); self.auth = None
reg = Reg(port)
layers = []
for i, src in enumerate(["/usr/lib/python3", "/usr/share/doc", "/usr/share/locale"]):
    def build(tf, src=src):
        tf.add(src, arcname=src.lstrip("/"))
    l = R.Layer(build, "gzip")
    layers.append(l)
    open(f"{out}/{i}.tar.gz", "wb").write(l.blob)
    print(f"  layer {i}: {src}: {len(l.tar)/1e6:.0f} MB tar, {len(l.blob)/1e6:.0f} MB gzip")
R.push_image(reg, "bench/usr", "1", layers)
EOF

# t CMD...: "<seconds> <peak RSS KiB>" of CMD, measured by bench/lib/timeit.c (the peak over CMD and the
# descendants it reaped; forked from this shell, a child would report the shell's RSS as its floor).
cc -O2 -static -o "$W/timeit" "$HERE/lib/timeit.c"
t() {
	"$W/timeit" 3 "$@" 3>"$W/t.out" >/dev/null 2>&1 || true
	local us kib st; read -r us kib st <"$W/t.out"
	[ "$st" = 0 ] || { echo "FAILED ($st): $*" >&2; exit 1; }
	awk -v u="$us" -v k="$kib" 'BEGIN{printf "%.3f %d", u/1e6, k}'
}
sec() { echo "${1% *}"; }
rss() { echo "${1#* }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
REF=127.0.0.1:$PORT/bench/usr:1
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
hull_cold=$(t "$BUILD/hull" --root "$W/hull" pull -q "$REF")
hull_warm=$(t "$BUILD/hull" --root "$W/hull" pull -q "$REF")
sync
pod=(/usr/bin/podman --root "$W/podman" --runroot "$W/podman-run" --storage-driver overlay)
pod_cold=$(t "${pod[@]}" pull -q --tls-verify=false "$REF")
pod_warm=$(t "${pod[@]}" pull -q --tls-verify=false "$REF")
floor_t=$(t /bin/bash -c 'mkdir -p "$0/floor"; for f in "$0"/layers/*.tar.gz; do gzip -dc "$f" | tar -x -C "$0/floor"; done' "$W")

printf "\n%-34s %8s %10s\n" "pull of $REF" "seconds" "peak RSS"
row() { printf "%-34s %8.2f %7d KiB\n" "$1" "$(sec "$2")" "$(rss "$2")"; }
row "hull pull (cold)" "$hull_cold"; row "hull pull (warm)" "$hull_warm"
row "podman pull (cold)" "$pod_cold"; row "podman pull (warm)" "$pod_warm"
printf "%-34s %8.2f\n" "floor: gzip -dc | tar -x (local)" "$(sec "$floor_t")"
printf "\nratios: hull/podman cold %.2f, warm %.2f; hull cold / floor %.2f; peak RSS hull/podman cold %.2f\n" \
	"$(ratio "$(sec "$hull_cold")" "$(sec "$pod_cold")")" "$(ratio "$(sec "$hull_warm")" "$(sec "$pod_warm")")" \
	"$(ratio "$(sec "$hull_cold")" "$(sec "$floor_t")")" "$(ratio "$(rss "$hull_cold")" "$(rss "$pod_cold")")"
