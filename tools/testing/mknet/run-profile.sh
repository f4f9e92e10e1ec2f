#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make profile`: one boot of the plain kernel; perf samples the whole
# guest during a bulk TCP stream over veth, then over mknet, then both
# kernels during one stream from it to the instance it starts on CPU 1.
# MKPROFILE names another load (profile-guest.sh).  Writes the profiles
# to build/profile.txt.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
log=$(dirname "$out")/profile-console.log
ilog=$(dirname "$out")/profile-instance.console
rm -f "$ilog"

echo "  BOOT    bench kernel with perf, QEMU q35 TCG, 2 CPUs, 2 GiB (console in $log)"
MK_MEM=2048 bash "$here/qemu.sh" "$kernel" "${initrd%.cpio.gz}-host.cpio.gz" "$log" 900 \
	"kunit.enable=0 mkplan=profile ${MKPROFILE:+mkprofile=$MKPROFILE} mk_instance_memory=512M@0x40000000" \
	-serial "file:$ilog"
last=mknet-link-instance
[ "${MKPROFILE:-}" = xdptx ] && last=mknet-xdp-tx
grep -q "mkplan: done" "$log" && grep -q "mkprofile: $last" "$log" ||
	{ echo "profile did not finish"; tail -20 "$log"; exit 1; }
{
	echo "perf cpu-clock profile (load: ${MKPROFILE:-tcp})," \
	     "$(date -u +%Y-%m-%d), QEMU q35 TCG, 2 vCPUs" \
	     "(mknet-link: CPU 0, this kernel, sends to instance 1 on CPU 1)," \
	     "kernel $(strings "$kernel" | grep -m1 -o '^6\.12\.[0-9]*') without debug options"
	sed -n 's/^mkprofile: //p' "$log" | tr -d '\r'
} > "$out"
cat "$out"
