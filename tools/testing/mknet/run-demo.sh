#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make run`: boot the guest, show the shared region, then an mknet pair
# with ping, iperf3 and ethtool -S.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
echo "  BOOT    QEMU q35, TCG, 2 CPUs (console in $out/console.log)"
bash "$here/qemu.sh" "$kernel" "$initrd" "$out/console.log" 600 \
	"kunit.enable=0 mkplan=demo"
sed -n '/^mkdemo: /s/^mkdemo: //p' "$out/console.log"
grep -q "mkplan: done" "$out/console.log" || { echo "demo did not finish"; exit 1; }
