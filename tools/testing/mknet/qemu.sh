#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot one guest under TCG and keep its console in a file.
# usage: qemu.sh BZIMAGE INITRD LOG TIMEOUT_S "EXTRA CMDLINE" [QEMU ARGS...]
# MK_QEMU names another QEMU binary; MK_SMP, MK_MEM, MK_CPU and MK_REGION
# shape the machine.
set -u
kernel=$1 initrd=$2 log=$3 limit=$4 append=$5
shift 5
: "${MK_SMP:=2}" "${MK_MEM:=1024}"
: "${MK_REGION:=256M@0x10000000}"

timeout --foreground -k 10 "$limit" "${MK_QEMU:-qemu-system-x86_64}" \
	-machine q35 -accel tcg -cpu "${MK_CPU:-max,la57=off}" -smp "$MK_SMP" -m "$MK_MEM" \
	-display none -monitor none -nic none -serial "file:$log" -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 nokaslr oops=panic mk_shared_memory=$MK_REGION $append" \
	"$@" </dev/null >"$log.qemu" 2>&1
rc=$?
[ $rc -eq 124 ] && echo "mkharness: timeout after ${limit}s" >> "$log"
exit 0
