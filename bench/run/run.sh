#!/bin/bash
# `gantry run --rm busybox true` end to end (Node start-up included), side by
# side with `podman run --rm --network none` (crun) and `ctr run --rm` on the
# same busybox rootfs; medians and ratios. Then the monitor's RSS per running
# `sleep` container next to conmon's.  Usage: bench/run/run.sh [RUNS]
set -eu
RUNS=${1:-30}
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/gantry-bench-XXXXXX)
cleanup() {
  bin/gantry --root "$T/g" --runroot "$T/gr" rm -f gsleep >/dev/null 2>&1 || true
  podman --root "$T/p" --runroot "$T/pr" rm -f psleep >/dev/null 2>&1 || true
  ctr -n gantrybench images rm docker.io/library/busybox:bench >/dev/null 2>&1 || true
  grep -o " $T[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
scripts/busybox-rootfs.sh "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
G="bin/gantry --root $T/g --runroot $T/gr"
$G import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null
P="podman --root $T/p --runroot $T/pr --runtime crun --cgroup-manager cgroupfs --events-backend none"
$P import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null
has_ctr=0
if ctr version >/dev/null 2>&1; then
  $P save --format docker-archive -o "$T/busybox.tar" busybox:latest >/dev/null
  ctr -n gantrybench images import --base-name docker.io/library/busybox --digests "$T/busybox.tar" >/dev/null 2>&1 &&
    ctr -n gantrybench images tag --force "$(ctr -n gantrybench images ls -q | head -1)" docker.io/library/busybox:bench >/dev/null && has_ctr=1
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # name, command...
  name=$1; shift
  for i in $(seq "$RUNS"); do
    s=$(date +%s%N); "$@" >/dev/null 2>"$T/err" || { echo "$name failed: $(cat "$T/err")" >&2; exit 1; }; e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  done | median
}
g=$(measure gantry $G run --rm busybox true)
p=$(measure podman $P run --rm --network none --ulimit nofile=$(ulimit -Sn):$(ulimit -Hn) --ulimit nproc=$(ulimit -Su):$(ulimit -Hu) busybox true)
echo "gantry run --rm busybox true:            median ${g} ms"
echo "podman run --rm --network none (crun):   median ${p} ms   ratio gantry/podman = $(echo "scale=2; $g / $p" | bc)"
if [ $has_ctr = 1 ]; then
  c=$(measure ctr ctr -n gantrybench run --rm docker.io/library/busybox:bench bench$$ true)
  echo "ctr run --rm:                            median ${c} ms   ratio gantry/ctr = $(echo "scale=2; $g / $c" | bc)"
fi
$G run -d --name gsleep busybox sleep 1000 >/dev/null
$P run -d --network none --ulimit nofile=$(ulimit -Sn):$(ulimit -Hn) --ulimit nproc=$(ulimit -Su):$(ulimit -Hu) --name psleep busybox sleep 1000 >/dev/null
sleep 1
mon=$(cat "$T"/gr/containers/*/monitor.pid)
conmon=$(pgrep -f "conmon.*psleep\|conmon.*$T/p" | head -1)
echo "gantry-monitor RSS: $(awk '/VmRSS/ {print $2}' /proc/$mon/status) kB"
echo "conmon RSS:         $(awk '/VmRSS/ {print $2}' /proc/$conmon/status) kB"
