#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make run`: boot the guest; its kernel starts a second one on CPUs 2-3
# and the two run ping and iperf3 over mknet0.  Prints what the first kernel
# saw, then the second kernel's console (COM2).
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# The tail below must not show a previous run's console.
rm -f "$out/instance1.console" "$out/console.log"
echo "  BOOT    QEMU q35, TCG, 4 CPUs, 4 GiB (consoles: $out/console.log, $out/instance1.console)"
echo "          this takes a few minutes; the steps show as they finish"
# q35 puts the RAM past the first 2 GiB above 4 GiB: the instance's 1 GiB
# is there.
MK_SMP=4 MK_MEM=4096 bash "$here/qemu.sh" "$kernel" "${initrd%.cpio.gz}-host.cpio.gz" \
	"$out/console.log" 900 \
	"kunit.enable=0 mkplan=demo mk_instance_memory=1G@0x100000000" \
	-serial "file:$out/instance1.console" &
qemu=$!
# Show the first kernel's steps as they come.
tail -F -n +1 "$out/console.log" 2>/dev/null | sed -un 's/\r$//; /^mkdemo: /s/^mkdemo: //p' &
tailer=$!
wait $qemu
# tail polls once a second: let it print the last lines.
sleep 2
kill $tailer 2>/dev/null
echo "== console of instance 1 (COM2)"
tr -d '\r' < "$out/instance1.console" | grep -E "Linux version|Command line|e820|multikernel|mknet|mkinstance|^\[ *[0-9.]+\]      " || true
grep -q "mkplan: done" "$out/console.log" || { echo "demo did not finish"; exit 1; }
