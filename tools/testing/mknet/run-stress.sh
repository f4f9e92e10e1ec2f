#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make stress`: one boot of the debug kernel running stress-guest.sh for
# MK_STRESS_TIME seconds (300 by default), judged like the tests.
set -euo pipefail
kernel=$1 initrd=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
t=${MK_STRESS_TIME:-300}
rm -rf "$out"
mkdir -p "$out"
echo "  BOOT    stress, ${t}s (console in $out/stress.log)"
bash "$here/qemu.sh" "$kernel" "$initrd" "$out/stress.log" $((t + 600)) \
	"kunit.enable=0 mkplan=stress mkstress=$t"
python3 "$here/parse-results.py" "$out/stress.log"
