#!/bin/sh
# Proves the README's two commands on a bare Debian 12: debootstraps a minimal
# bookworm into DIR, adds nothing but Node 20 (this host's node and npm, as the
# project's machines come with) and the machine's network setup (DNS, apt
# sources, CA bundle, npm config), clones this repository's HEAD into it and
# runs there, as root:
#   scripts/setup.sh && bin/gantry run --rm busybox echo hello
#   npm test                  (skipped with --no-tests)
# Usage (root): scripts/fresh-machine-test.sh [--no-tests] [--keep] [DIR]
# DIR defaults to /var/tmp/gantry-fresh; the debootstrapped base is cached as
# DIR.base.tar so reruns skip the download; npm test's log is DIR.npm-test.log.
# --keep leaves DIR for inspection.
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

cleanup() { [ "$keep" = 1 ] || rm -rf --one-file-system "$dir"; }
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

# Node 20 with npm, as the machines have it.
cp /usr/bin/node "$dir/usr/bin/node"
mkdir -p "$dir/usr/lib/node_modules"
cp -a /usr/lib/node_modules/npm "$dir/usr/lib/node_modules/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/bin/npx"
# The machine's network setup: DNS, apt sources, and the CA bundle and npm config
# through which these machines reach the npm registry (the local CAs too, or
# ca-certificates' install rebuilds the bundle without them).
cp /etc/resolv.conf "$dir/etc/resolv.conf"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/" && rm -f "$dir/etc/apt/sources.list"
fi
mkdir -p "$dir/etc/ssl/certs" "$dir/usr/etc" "$dir/usr/local/share/ca-certificates"
cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/" 2>/dev/null || true
cp -r /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/" 2>/dev/null || true
for f in /etc/npmrc /usr/etc/npmrc /root/.npmrc; do [ -f "$f" ] && cp "$f" "$dir$f"; done

git clone -q --no-hardlinks "$repo" "$dir/root/gantry"

# What runs on the machine.
cat >"$dir/root/fresh-machine.sh" <<SCRIPT
set -u
cd /root/gantry
echo "fresh-machine-test: README command 1: scripts/setup.sh && bin/gantry run --rm busybox echo hello"
out=\$(scripts/setup.sh 2>&1 && bin/gantry run --rm busybox echo hello 2>&1)
rc=\$?
echo "\$out" | tail -30
[ \$rc = 0 ] && [ "\$(echo "\$out" | tail -1)" = hello ] || { echo "fresh-machine-test: FAILED: README command 1"; exit 1; }
echo "fresh-machine-test: README command 1 OK"
[ $tests = 1 ] || exit 0
echo "fresh-machine-test: README command 2: npm test"
npm test >/root/npm-test.log 2>&1
rc=\$?
grep -E '^# (tests|pass|fail|skipped)' /root/npm-test.log || tail -30 /root/npm-test.log
[ \$rc = 0 ] || { grep -E '^not ok|^    not ok' /root/npm-test.log; echo "fresh-machine-test: FAILED: npm test"; exit 1; }
echo "fresh-machine-test: README command 2 OK"
SCRIPT

# The machine: a mount namespace whose root is DIR (pivot_root, not chroot: the
# kernel refuses user namespaces to a chrooted caller, and setns into a
# container's mount namespace lands on the namespace's real root) and a pid
# namespace, whose end takes every process the commands left behind with it.
rc=0
unshare --mount --pid --fork --propagation private /bin/sh -eu -c '
  dir=$1
  mount --bind "$dir" "$dir"
  mount -t proc proc "$dir/proc"
  mount --rbind /sys "$dir/sys"
  mount --rbind /dev "$dir/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$dir/run"
  mkdir -p "$dir/.host"
  cd "$dir"
  pivot_root . .host
  umount -l /.host
  rmdir /.host
  exec /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    ${CI:+CI=$CI} ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS} /bin/sh /root/fresh-machine.sh
' fresh-machine "$dir" || rc=$?
cp "$dir/root/npm-test.log" "$dir.npm-test.log" 2>/dev/null || true
exit $rc
