#!/bin/bash
# The Docker Engine API side by side: the same docker CLI and docker-py
# against Gantry's daemon (`gantry system service`), podman's (`podman system
# service`) and, when scripts/install-deps.sh extracted it, Debian's dockerd
# (started here on its own temp dirs, no firewall rules, no default bridge;
# killed after). Medians by hyperfine, and ratios against the peers:
#   docker run --rm busybox true   docker ps   docker exec c true
#   docker-py create/start/wait/remove (timed inside one Python process)
# Containers run with --network none (that dockerd has no bridge) and explicit
# ulimits (root lacks CAP_SYS_RESOURCE for podman's defaults) everywhere.
# Issue #10's targets: run and exec <= 0.5x dockerd, ps <= dockerd.
# Usage: bench/docker-api/run.sh [RUNS]   (default 30)
set -eu
RUNS=${1:-30}
cd "$(dirname "$0")/../.."
PRIVATE=/usr/local/lib/gantry-test/docker
DOCKER=$(command -v docker || echo "$PRIVATE/docker")
[ -x "$DOCKER" ] || { echo "no docker CLI (scripts/install-deps.sh extracts one)" >&2; exit 1; }
T=$(mktemp -d /tmp/gantry-dapi-XXXXXX)
G="${GANTRY:-bin/gantry} --root $T/g --runroot $T/gr"
P="podman --root $T/p --runroot $T/pr --cgroup-manager cgroupfs --events-backend none"
ULIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1000:1000"
PIDS=()
SOCKS=()
cleanup() {
  for s in "${SOCKS[@]}"; do "$DOCKER" -H "unix://$s" rm -f bench-exec >/dev/null 2>&1 || true; done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  $G rm -f bench-exec >/dev/null 2>&1 || true
  # podman's exec sessions leave a conmon each once its service is gone; SIGKILL,
  # so none runs its exit command (podman's cleanup mounts the store again)
  pkill -9 -f "conmon .*$T" 2>/dev/null || true
  # podman's storage leaves its overlay dir mounted; retried as a process that is going may still hold one.
  for _ in 1 2 3 4 5; do
    grep -o " $T[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$T" 2>/dev/null && break
    sleep 1
  done
}
trap cleanup EXIT

wait_ping() { # socket, log
  for _ in $(seq 300); do
    "$DOCKER" -H "unix://$1" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "no answer on $1: $(tail -5 "$2")" >&2
  exit 1
}

scripts/busybox-rootfs.sh "$T/rootfs" >/dev/null
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
$G import --change 'CMD ["sh"]' "$T/rootfs.tar" busybox:latest >/dev/null
$G save -o "$T/busybox.tar" busybox:latest

$G system service --host "unix://$T/g.sock" >"$T/gantry.log" 2>&1 &
PIDS+=($!); SOCKS+=("$T/g.sock")
wait_ping "$T/g.sock" "$T/gantry.log"

$P system service --time 0 "unix://$T/p.sock" >"$T/podman.log" 2>&1 &
PIDS+=($!); SOCKS+=("$T/p.sock")
wait_ping "$T/p.sock" "$T/podman.log"
"$DOCKER" -H "unix://$T/p.sock" load -q -i "$T/busybox.tar" >/dev/null

has_dockerd=0
if [ -x "$PRIVATE/dockerd" ]; then
  mkdir -p "$T/dd"
  echo '{}' >"$T/dd/daemon.json"
  PATH="$PRIVATE:$PATH" "$PRIVATE/dockerd" --config-file "$T/dd/daemon.json" --data-root "$T/dd/data" --exec-root "$T/dd/x" \
    --pidfile "$T/dd/pid" --host "unix://$T/dd.sock" --iptables=false --ip-forward=false --ip-masq=false --bridge=none >"$T/dockerd.log" 2>&1 &
  PIDS+=($!); SOCKS+=("$T/dd.sock")
  wait_ping "$T/dd.sock" "$T/dockerd.log"
  "$DOCKER" -H "unix://$T/dd.sock" load -q -i "$T/busybox.tar" >/dev/null
  has_dockerd=1
fi

median_ms() { # hyperfine command...
  hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-csv "$T/h.csv" "$@" >/dev/null 2>"$T/h.err" || { echo "failed: $* $(cat "$T/h.err")" >&2; exit 1; }
  awk -F, 'NR==2 {printf "%.0f", $4 * 1000}' "$T/h.csv"
}
ratio() { printf "%.2f" "$(echo "scale=4; $1 / $2" | bc)"; }

declare -A R
measure_daemon() { # name socket
  local d="$DOCKER -H unix://$2"
  R[$1.run]=$(median_ms "$d run --rm --network none $ULIMITS busybox true")
  $d run -d --name bench-exec --network none $ULIMITS busybox sleep 100000 >/dev/null
  R[$1.ps]=$(median_ms "$d ps")
  R[$1.exec]=$(median_ms "$d exec bench-exec true")
  $d rm -f bench-exec >/dev/null
  R[$1.py]=$(/usr/bin/python3 bench/docker-api/dockerpy.py "unix://$2" "$RUNS")
}
measure_daemon gantry "$T/g.sock"
measure_daemon podman "$T/p.sock"
[ $has_dockerd = 1 ] && measure_daemon dockerd "$T/dd.sock"

echo "Docker API, $("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null) docker CLI, $RUNS runs, medians in ms"
printf '%-40s %8s %8s %8s   %s\n' "" gantry podman dockerd "gantry/podman  gantry/dockerd"
row() { # label key
  local dd=- rd=-
  if [ $has_dockerd = 1 ]; then dd=${R[dockerd.$2]}; rd=$(ratio "${R[gantry.$2]}" "$dd"); fi
  printf '%-40s %8s %8s %8s   %-14s %s\n' "$1" "${R[gantry.$2]}" "${R[podman.$2]}" "$dd" "$(ratio "${R[gantry.$2]}" "${R[podman.$2]}")" "$rd"
}
row "docker run --rm busybox true" run
row "docker ps (one running)" ps
row "docker exec c true" exec
row "docker-py create/start/wait/remove" py
[ $has_dockerd = 1 ] && echo "targets (issue #10): run and exec <= 0.50 of dockerd, ps <= 1.00"
true
