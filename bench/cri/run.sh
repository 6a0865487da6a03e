#!/bin/bash
# The CRI side by side: the same pod cycle (bench/cri/cycles.ts: RunPodSandbox,
# CreateContainer, StartContainer, StopContainer, RemoveContainer,
# StopPodSandbox, RemovePodSandbox of a busybox pod) against Gantry's CRI
# (`gantry system service --cri`) and Debian's containerd 1.6 CRI plugin (runc,
# overlayfs), each on temporary dirs, killed after. Both put the pods on the
# same CNI network (bridge, host-local, portmap from /usr/lib/cni).
# Both use the same pause image (busybox sleeping) and busybox, imported
# locally. Prints per-cycle medians and the ratio; issue 12's target: <= 0.5x.
# Usage: bench/cri/run.sh [CYCLES]   (default 20; `npm run build` first)
# CRI_BENCH_GANTRY_NETWORK=engine puts Gantry's pods on the engine's own bridge
# instead (no CNI plugins), to see Gantry's part without the plugins' time.
set -eu
CYCLES=${1:-20}
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/gantry-cri-bench-XXXXXX)
G="${GANTRY:-bin/gantry} --root $T/g --runroot $T/gr"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  grep -o " $T[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  # The CNI bridge plugin leaves its bridge when the last pod is gone.
  ip link del cri-bench0 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT

wait_socket() { # socket, log
  for _ in $(seq 300); do
    [ -S "$1" ] && return 0
    sleep 0.1
  done
  echo "no socket $1: $(tail -5 "$2")" >&2
  exit 1
}

scripts/busybox-rootfs.sh "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
$G import --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]' "$T/rootfs.tar" docker.io/library/busybox:latest >/dev/null
$G import --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sleep","2147483647"]' "$T/rootfs.tar" registry.k8s.io/pause:3.9 >/dev/null
$G save -o "$T/images.tar" docker.io/library/busybox:latest registry.k8s.io/pause:3.9

mkdir -p "$T/cni"
cat >"$T/cni/10-bench.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "cri-bench", "plugins": [
  {"type": "bridge", "bridge": "cri-bench0", "isGateway": true, "ipMasq": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/16"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$T/cni-ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON

gantry_cni=(--cni-conf-dir "$T/cni")
[ "${CRI_BENCH_GANTRY_NETWORK:-cni}" = engine ] && gantry_cni=(--cni-conf-dir "$T/no-cni")
$G system service --cri "unix://$T/g.sock" "${gantry_cni[@]}" >"$T/gantry.log" 2>&1 &
PIDS+=($!)
wait_socket "$T/g.sock" "$T/gantry.log"
gantry=$(node dist/bench/cri/cycles.js "unix://$T/g.sock" "$CYCLES" "$T/glogs")
echo "gantry:     $gantry"

cat >"$T/containerd.toml" <<TOML
version = 2
root = "$T/c/root"
state = "$T/c/state"
[grpc]
  address = "$T/c.sock"
[ttrpc]
  address = "$T/c.ttrpc.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  # root here lacks CAP_SYS_RESOURCE: containers may not get a lower oom_score_adj than ours
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$T/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
TOML
containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
PIDS+=($!)
wait_socket "$T/c.sock" "$T/containerd.log"
ctr --address "$T/c.sock" -n k8s.io images import --all-platforms "$T/images.tar" >/dev/null
containerd=$(node dist/bench/cri/cycles.js "unix://$T/c.sock" "$CYCLES" "$T/clogs") || { tail -20 "$T/containerd.log" >&2; exit 1; }
echo "containerd: $containerd"
node -e '
const [g, c] = process.argv.slice(1).map((s) => JSON.parse(s));
console.log(`median per cycle: gantry ${g.median_ms} ms, containerd 1.6 ${c.median_ms} ms: ${(g.median_ms / c.median_ms).toFixed(2)}x (target <= 0.5x)`);
' "$gantry" "$containerd"
