#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make profile`: one boot of the plain kernel; perf samples the whole
# guest during a bulk TCP stream over veth, then over mknet.  Writes the
# profiles to build/profile.txt.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
log=$(dirname "$out")/profile-console.log

echo "  BOOT    bench kernel with perf, QEMU q35 TCG, 2 CPUs (console in $log)"
bash "$here/qemu.sh" "$kernel" "$initrd" "$log" 900 "kunit.enable=0 mkplan=profile"
grep -q "mkplan: done" "$log" || { echo "profile did not finish"; tail -20 "$log"; exit 1; }
{
	echo "perf cpu-clock profile, $(date -u +%Y-%m-%d), QEMU q35 TCG, 2 vCPUs," \
	     "kernel $(strings "$kernel" | grep -m1 -o '^6\.12\.[0-9]*') without debug options"
	sed -n 's/^mkprofile: //p' "$log" | tr -d '\r'
} > "$out"
cat "$out"
