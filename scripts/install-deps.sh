#!/bin/sh
# Installs every Debian package Gantry and its tests need on a bare Debian 12 machine.
set -eu
PKGS="busybox-static attr gcc libc6-dev make file iproute2 iptables zstd util-linux procps \
  containernetworking-plugins nftables docker-registry apache2-utils openssl \
  runc crun containerd podman skopeo umoci python3-docker hyperfine"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The Debian registry package starts a system service; tests start their own.
systemctl disable --now docker-registry >/dev/null 2>&1 || true
