#!/bin/sh
# Proves the README's two commands on a bare Debian 12: debootstraps a minimal
# bookworm into DIR, adds nothing but Node 20 (this host's node and npm, as the
# project's machines come with), clones this repository's HEAD into it and runs,
# inside the chroot:
#   scripts/setup.sh && bin/gantry run --rm busybox echo hello
#   npm test                  (skipped with --no-tests)
# Usage (root): scripts/fresh-machine-test.sh [--no-tests] [--keep] [DIR]
# DIR defaults to /var/tmp/gantry-fresh; the debootstrapped base is cached as
# DIR.base.tar so reruns skip the download. --keep leaves DIR for inspection.
set -eu
tests=1 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tests) tests=0 ;;
    --keep) keep=1 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
dir=$(realpath -m "${1:-/var/tmp/gantry-fresh}")
repo=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "fresh-machine-test: must run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }

# Processes started in the chroot (pre-warmed CLI workers, monitors, containers)
# would keep its mounts busy: end every process whose root is inside DIR.
kill_chroot_processes() {
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case "$r" in "$dir" | "$dir"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
  done
}
cleanup() {
  kill_chroot_processes
  umount -R -l "$dir" 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf --one-file-system "$dir"
}
if mountpoint -q "$dir"; then cleanup; fi
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
trap cleanup EXIT INT TERM

if [ -f "$dir.base.tar" ]; then
  tar -C "$dir" -xf "$dir.base.tar"
else
  echo "fresh-machine-test: debootstrap bookworm (minbase) into $dir"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
    tail -20 "$dir.debootstrap.log" >&2; exit 1; }
  tar -C "$dir" -cf "$dir.base.tar" .
fi

# Node 20 with npm, as the machines have it (nothing else from the host).
cp /usr/bin/node "$dir/usr/bin/node"
mkdir -p "$dir/usr/lib/node_modules"
cp -a /usr/lib/node_modules/npm "$dir/usr/lib/node_modules/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/bin/npx"
cp /etc/resolv.conf "$dir/etc/resolv.conf"
cp -r /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/" 2>/dev/null || true

git clone -q --no-hardlinks "$repo" "$dir/root/gantry"

# pivot_root refuses a root that is not a mount point: make DIR one.
mount --bind "$dir" "$dir"
mount --make-rprivate "$dir"
mount -t proc proc "$dir/proc"
mount --rbind /sys "$dir/sys" && mount --make-rslave "$dir/sys"
mount --rbind /dev "$dir/dev" && mount --make-rslave "$dir/dev"
mount -t tmpfs -o mode=0755 tmpfs "$dir/run"
mount -t tmpfs -o mode=1777 tmpfs "$dir/tmp"

in_chroot() {
  chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 CI="${CI:-}" /bin/sh -c "cd /root/gantry && $1"
}

echo "fresh-machine-test: README command 1: scripts/setup.sh && bin/gantry run --rm busybox echo hello"
out=$(in_chroot 'scripts/setup.sh && bin/gantry run --rm busybox echo hello') || {
  echo "$out" | tail -30 >&2; echo "fresh-machine-test: FAILED: setup and run" >&2; exit 1; }
echo "$out" | tail -5
[ "$(echo "$out" | tail -1)" = hello ] || { echo "fresh-machine-test: FAILED: expected 'hello' last" >&2; exit 1; }
echo "fresh-machine-test: README command 1 OK"

if [ "$tests" = 1 ]; then
  echo "fresh-machine-test: README command 2: npm test"
  in_chroot 'npm test' >"$dir.npm-test.log" 2>&1 || {
    grep -E '^# (tests|pass|fail|skipped)' "$dir.npm-test.log" >&2 || tail -30 "$dir.npm-test.log" >&2
    echo "fresh-machine-test: FAILED: npm test (log: $dir.npm-test.log)" >&2; exit 1; }
  grep -E '^# (tests|pass|fail|skipped)' "$dir.npm-test.log"
  echo "fresh-machine-test: README command 2 OK (log: $dir.npm-test.log)"
fi
