#!/bin/sh
# One command from a fresh clone to a working Gantry: Debian packages, npm
# packages, the TypeScript build, the native helper, and a local `busybox` image.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm ci --no-audit --no-fund
npm run build
if ! bin/gantry image inspect busybox >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  scripts/busybox-rootfs.sh "$tmp/rootfs"
  tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
  bin/gantry import --change 'CMD ["sh"]' "$tmp/rootfs.tar" busybox:latest >/dev/null
  rm -rf "$tmp"
fi
