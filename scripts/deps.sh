#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages the build and the tests need, if missing.
set -euo pipefail

pkgs=(linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev
      cpio xz-utils ccache rsync kmod python3 sparse clang libclang-rt-14-dev
      qemu-system-x86 busybox-static iproute2 ethtool iperf3 kexec-tools
      python3-yaml socat iputils-ping libbpf-dev bpftool xdp-tools sockperf)
# `make profile` alone needs perf: scripts/deps.sh perf
[ "${1:-}" = perf ] && pkgs=(linux-perf)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "  DEPS    installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
