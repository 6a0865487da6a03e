#!/bin/bash
# `gantry run --rm busybox true` end to end (process start to exit), side by
# side with podman (crun, as issue #4 asks, and runc) and `ctr run --rm` (a
# containerd the script starts with its own root) on the same busybox rootfs;
# medians and ratios:
#   1. no network:      gantry --network none   vs podman --network none   vs ctr (no netns setup)
#   2. default bridge:  gantry -p 18080:80      vs podman -p 18080:80 (netavark)
# gantry is measured as a user meets it (bin/gantry: a pre-warmed worker serves
# back-to-back commands, see docs/cli.md) and with GANTRY_PREWARM=0 (every
# command starts Node). Then the monitor's RSS per running `sleep` container
# next to conmon's.
# Usage: bench/run/run.sh [RUNS]   (default 30)
set -eu
RUNS=${1:-30}
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/gantry-bench-XXXXXX)
CTR_PID=
G="${GANTRY:-bin/gantry} --root $T/g --runroot $T/gr"
# Explicit ulimits: root lacks CAP_SYS_RESOURCE for podman's default RLIMIT_NOFILE/NPROC.
P="podman --root $T/p --runroot $T/pr --cgroup-manager cgroupfs --events-backend none"
PRUN="--ulimit nofile=1024:1024 --ulimit nproc=1000:1000"
CTR="ctr --address $T/containerd.sock -n gantrybench"
cleanup() {
  $G rm -f gsleep >/dev/null 2>&1 || true
  $P rm -f psleep >/dev/null 2>&1 || true
  [ -n "$CTR_PID" ] && kill "$CTR_PID" 2>/dev/null && wait "$CTR_PID" 2>/dev/null || true
  grep -o " $T[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
# crun refuses this host's hybrid layout (cgroup v1 + an empty cgroup2) until
# hugetlb has a v1 hierarchy; v1 cannot take it while cgroup2's root enables it.
if [ ! -e /sys/fs/cgroup/hugetlb/cgroup.procs ]; then
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null && echo -hugetlb >/sys/fs/cgroup/unified/cgroup.subtree_control
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi
scripts/busybox-rootfs.sh "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
$G import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null
$P import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null

has_ctr=0
if command -v containerd >/dev/null; then
  cat >"$T/containerd.toml" <<TOML
version = 2
root = "$T/ctrd-root"
state = "$T/ctrd-state"
[grpc]
  address = "$T/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
TOML
  containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
  CTR_PID=$!
  for _ in $(seq 100); do $CTR version >/dev/null 2>&1 && break; sleep 0.1; done
  $P save --format docker-archive -o "$T/busybox.tar" busybox:latest >/dev/null
  if $CTR images import --base-name docker.io/library/busybox --digests "$T/busybox.tar" >/dev/null 2>&1 &&
    $CTR images tag --force "$($CTR images ls -q | head -1)" docker.io/library/busybox:bench >/dev/null; then has_ctr=1; fi
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # name, command...
  name=$1; shift
  "$@" >/dev/null 2>&1 || true # warm-up (page cache, first-use setup such as the default bridge)
  for i in $(seq "$RUNS"); do
    s=$(date +%s%N); "$@" >/dev/null 2>"$T/err" || { echo "$name failed: $(cat "$T/err")" >&2; exit 1; }; e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  done | median
}
ratio() { echo "scale=2; $1 / $2" | bc; }

g=$(measure gantry $G run --rm --network none busybox true)
gc=$(GANTRY_PREWARM=0 measure gantry-fresh $G run --rm --network none busybox true)
p=$(measure podman $P run --rm --network none $PRUN busybox true)
pr=$(measure podman-runc $P --runtime runc run --rm --network none $PRUN busybox true)
echo "no network ($RUNS runs, medians)"
echo "  gantry run --rm --network none busybox true:  ${g} ms"
echo "    with GANTRY_PREWARM=0 (Node per command):   ${gc} ms"
echo "  podman run --rm --network none (crun):        ${p} ms   gantry/podman = $(ratio "$g" "$p")  (fresh Node: $(ratio "$gc" "$p"))"
echo "  podman run --rm --network none (runc):        ${pr} ms   gantry/podman-runc = $(ratio "$g" "$pr")"
if [ $has_ctr = 1 ]; then
  c=$(measure ctr $CTR run --rm docker.io/library/busybox:bench bench$$ true)
  echo "  ctr run --rm:                                 ${c} ms   gantry/ctr = $(ratio "$g" "$c")  (fresh Node: $(ratio "$gc" "$c"))"
fi
gb=$(measure gantry-bridge $G run --rm busybox true)
gp=$(measure gantry-p $G run --rm -p 18080:80 busybox true)
pp=$(measure podman-p $P run --rm -p 18080:80 $PRUN busybox true)
echo "default bridge"
echo "  gantry run --rm busybox true (bridge):        ${gb} ms"
echo "  gantry run --rm -p 18080:80 busybox true:     ${gp} ms"
echo "  podman run --rm -p 18080:80 (netavark):       ${pp} ms   gantry/podman = $(ratio "$gp" "$pp")"

$G run -d --name gsleep busybox sleep 1000 >/dev/null
$P run -d --network none $PRUN --name psleep busybox sleep 1000 >/dev/null
sleep 1
mon=$(cat "$T"/gr/containers/*/monitor.pid)
conmon=$(pgrep -f "conmon.*$T/p" | head -1)
echo "gantry-monitor RSS: $(awk '/VmRSS/ {print $2}' /proc/"$mon"/status) kB"
echo "conmon RSS:         $(awk '/VmRSS/ {print $2}' /proc/"$conmon"/status) kB"
