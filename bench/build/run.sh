#!/bin/bash
# `gantry build` of a small multi-stage project (two independent stages that
# each take a second, then a final stage taking both results), side by side
# with `buildah bud` and dockerd's classic builder (DOCKER_BUILDKIT=0; the
# Debian dockerd that scripts/install-deps.sh extracts, started here with its
# own roots and --iptables=false), each on its own store from the same busybox:
#   cold      nothing cached
#   cached    the same build again
#   one file  one source file changed (only its COPY and what follows rerun)
# Medians of RUNS rounds; ratios gantry/peer. Usage: bench/build/run.sh [RUNS] (default 5)
set -eu
RUNS=${1:-5}
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/gantry-bench-build-XXXXXX)
DOCKERD_PID=
G="${GANTRY:-bin/gantry} --root $T/g --runroot $T/gr"
# runc: crun refuses this machine's hybrid cgroup layout (cgroup2 holding only hugetlb)
export BUILDAH_RUNTIME=runc
B="buildah --root $T/b --runroot $T/br --storage-driver overlay"
DOCKERD=${DOCKERD:-/usr/local/lib/gantry-test/docker/dockerd}
DOCKER=${DOCKER:-$(command -v docker || echo /usr/local/lib/gantry-test/docker/docker)}
D="$DOCKER -H unix://$T/docker.sock"
cleanup() {
  [ -n "$DOCKERD_PID" ] && kill "$DOCKERD_PID" 2>/dev/null && wait "$DOCKERD_PID" 2>/dev/null || true
  grep -o " $T[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT

scripts/busybox-rootfs.sh "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
$G import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null

mkdir -p "$T/project/src" "$T/project/assets"
for i in $(seq 20); do echo "source $i" >"$T/project/src/f$i.txt"; done
for i in $(seq 20); do echo "asset $i" >"$T/project/assets/a$i.txt"; done
cat >"$T/project/Dockerfile" <<'EOF'
FROM busybox AS compile
WORKDIR /src
COPY src/ ./
RUN sleep 1 && cat *.txt > /compiled.txt
FROM busybox AS assets
COPY assets/ /assets/
RUN sleep 1 && cat /assets/*.txt > /assets.txt
FROM busybox
COPY --from=compile /compiled.txt /app/
COPY --from=assets /assets.txt /app/
CMD ["cat", "/app/compiled.txt", "/app/assets.txt"]
EOF

peers=()
if command -v buildah >/dev/null; then
  $B pull "docker-archive:$($G save -o "$T/busybox.tar" busybox:latest && echo "$T/busybox.tar")" >/dev/null 2>&1 &&
    $B tag "$($B images -q | head -1)" busybox:latest >/dev/null && peers+=(buildah)
fi
if [ -x "$DOCKERD" ] && [ -x "$DOCKER" ]; then
  "$DOCKERD" --data-root "$T/d" --exec-root "$T/dr" --pidfile "$T/dockerd.pid" --host "unix://$T/docker.sock" \
    --iptables=false --ip-masq=false --bridge=none --storage-driver overlay2 >"$T/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 100); do $D version >/dev/null 2>&1 && break; sleep 0.2; done
  [ -f "$T/busybox.tar" ] || $G save -o "$T/busybox.tar" busybox:latest
  $D load -i "$T/busybox.tar" >/dev/null 2>&1 && peers+=(dockerd)
fi

build() { # tool
  case $1 in
    gantry) $G build -q -t bench:latest "$T/project" ;;
    buildah) $B bud --layers -q -t bench:latest "$T/project" ;;
    dockerd) DOCKER_BUILDKIT=0 $D build -q -t bench:latest "$T/project" ;;
  esac
}
reset_cache() { # tool: drop what a previous round cached
  case $1 in
    gantry) $G rmi -f bench:latest >/dev/null 2>&1 || true; $G builder prune -af >/dev/null 2>&1 || true ;;
    buildah) $B rmi -af >/dev/null 2>&1 || true; $B pull "docker-archive:$T/busybox.tar" >/dev/null 2>&1; $B tag "$($B images -q | head -1)" busybox:latest >/dev/null ;;
    # The classic builder's cache is its intermediate images: drop every image, then load busybox again.
    dockerd) $D rmi -f $($D images -aq) >/dev/null 2>&1 || true; $D load -i "$T/busybox.tar" >/dev/null 2>&1 ;;
  esac
}
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>"$T/err" || { echo "$* failed: $(cat "$T/err")" >&2; exit 1; }; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { echo "scale=2; $1 / $2" | bc; }

declare -A cold cached inc
for tool in gantry "${peers[@]}"; do
  : >"$T/cold" ; : >"$T/cached" ; : >"$T/inc"
  for r in $(seq "$RUNS"); do
    reset_cache "$tool"
    echo "source 1" >"$T/project/src/f1.txt"
    ms build "$tool" >>"$T/cold"
    ms build "$tool" >>"$T/cached"
    echo "changed $r" >"$T/project/src/f1.txt"
    ms build "$tool" >>"$T/inc"
  done
  cold[$tool]=$(median <"$T/cold"); cached[$tool]=$(median <"$T/cached"); inc[$tool]=$(median <"$T/inc")
done

echo "multi-stage build, two independent 1 s stages ($RUNS rounds, medians)"
printf '  %-8s %10s %10s %10s\n' tool cold cached "one file"
for tool in gantry "${peers[@]}"; do printf '  %-8s %8s ms %7s ms %7s ms\n' "$tool" "${cold[$tool]}" "${cached[$tool]}" "${inc[$tool]}"; done
for p in "${peers[@]}"; do
  echo "  gantry/$p: cold $(ratio "${cold[gantry]}" "${cold[$p]}"), cached $(ratio "${cached[gantry]}" "${cached[$p]}"), one file $(ratio "${inc[gantry]}" "${inc[$p]}")"
done
[ ${#peers[@]} -gt 0 ] || echo "  (no peer found: install buildah, or run scripts/install-deps.sh for dockerd)"
