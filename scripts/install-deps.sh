#!/bin/sh
# Installs every Debian package Gantry and its tests need on a bare Debian 12 machine.
set -eu
PKGS="busybox-static attr gcc libc6-dev make file iproute2 iptables zstd util-linux procps \
  containernetworking-plugins nftables docker-registry apache2-utils openssl \
  runc crun containerd podman skopeo umoci python3-docker docker-compose hyperfine buildah \
  golang-go golang-github-docker-spdystream-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
updated=0
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The Debian registry package starts a system service; tests start their own.
systemctl disable --now docker-registry >/dev/null 2>&1 || true

# A docker CLI for the Docker API tests, and dockerd for golden shapes and the
# bench, taken out of Debian's docker.io without installing it: its postinst
# would start dockerd, which rewrites iptables (FORWARD policy DROP). Both are
# kept in a private dir; dockerd is never started by default.
DOCKER_DIR=/usr/local/lib/gantry-test/docker
if [ ! -x "$DOCKER_DIR/docker" ] || [ ! -x "$DOCKER_DIR/dockerd" ]; then
  echo "extracting docker and dockerd from Debian's docker.io into $DOCKER_DIR"
  [ "$updated" = 1 ] || apt-get update -qq
  tmp=$(mktemp -d)
  chmod 0755 "$tmp" # apt downloads as _apt
  (cd "$tmp" && apt-get download -qq docker.io 2>/dev/null)
  dpkg-deb -x "$tmp"/docker.io_*.deb "$tmp/x"
  mkdir -p "$DOCKER_DIR"
  install -m 0755 "$tmp/x/usr/bin/docker" "$tmp/x/usr/sbin/dockerd" "$tmp/x/usr/sbin/docker-proxy" "$DOCKER_DIR/"
  rm -rf "$tmp"
fi
# The client on PATH, unless the machine has one already (a dev machine's newer docker stays).
command -v docker >/dev/null 2>&1 || ln -sf "$DOCKER_DIR/docker" /usr/local/bin/docker
