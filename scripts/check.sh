#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make check`: checkpatch --strict on every file we own and every patch,
# kernel-doc -Wall on our sources, then a W=1 and sparse (C=1) build of
# our objects.  Any finding fails.
set -uo pipefail
src=$1
obj=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fail=0

owned=$(find kernel include arch drivers -type f \( -name '*.c' -o -name '*.h' \
	-o -name Kconfig -o -name Makefile \) 2>/dev/null | sort)
for f in $owned; do
	out=$("$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done
for p in patches/*.patch; do
	out=$(cd "$src" && ./scripts/checkpatch.pl --strict --quiet "$top/$p" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done
echo "  CHECK   checkpatch --strict: $(echo "$owned" | wc -w) files, $(ls patches/*.patch | wc -l) patches"

# Every kernel-doc comment of our sources parses and describes every
# member, parameter and return value: `make htmldocs` stays quiet on them.
csrc=$(echo "$owned" | grep -E '\.[ch]$')
out=$(for f in $csrc; do
	"$src/scripts/kernel-doc" -none -Wall "$f" || echo "kernel-doc failed on $f"
done 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	fail=1
fi
echo "  CHECK   kernel-doc -Wall: $(echo "$csrc" | wc -w) files"

# mknet's files call one way, in the order mknet.h gives.
m=drivers/net/mknet
if ! python3 scripts/check-calls.py $m/mknet_main.c $m/mknet_remote.c \
	$m/mknet_ethtool.c $m/mknet_netdev.c $m/mknet_xdp.c $m/mknet_area.c \
	$m/mknet_debugfs.c $m/mknet_fault.c $m/mknet_rx.c $m/mknet_tx.c \
	$m/mknet_coal.c; then
	fail=1
fi
echo "  CHECK   calls between mknet's files go one way"
# And the core's, from its bring-up down to the region and its layout,
# with the console driver on top: the core reaches it only through the
# hooks it registers.  The arch's vector handler calling into ipi.c is
# the one way back up.
k=kernel/multikernel
if ! python3 scripts/check-calls.py --allow mk_handle_ipi \
	drivers/tty/mkcon.c $k/init.c $k/debugfs.c $k/fault.c \
	$k/instance.c $k/sysfs.c $k/memory.c $k/heartbeat.c \
	$k/ipi.c $k/msg.c $k/doorbell.c $k/pool.c $k/region.c $k/layout.c \
	arch/x86/kernel/multikernel_start.c arch/x86/kernel/multikernel_spawn.c \
	arch/x86/kernel/multikernel.c; then
	fail=1
fi
echo "  CHECK   calls between the core's files go one way"

# Our objects, rebuilt with W=1 and sparse; only our paths are judged.
dirs="kernel/multikernel/ arch/x86/kernel/multikernel.o arch/x86/kernel/multikernel_start.o"
dirs="$dirs arch/x86/kernel/multikernel_spawn.o arch/x86/kernel/multikernel_trampoline.o"
dirs="$dirs drivers/tty/mkcon.o"
[ -d drivers/net/mknet ] && dirs="$dirs drivers/net/mknet/"
touch $(find kernel/multikernel arch/x86/kernel/multikernel*.[cS] drivers/net/mknet \
	-name '*.[cS]' 2>/dev/null | sed "s|^|$src/|")
touch "$src/drivers/tty/mkcon.c"
log=$(mktemp)
make -s -C "$src" O="$obj" CC="ccache gcc" -j"$(nproc)" W=1 C=1 $dirs >"$log" 2>&1
rc=$?
# sparse calls any array of a struct that ends in a flexible array one
# of "flexible structures": struct tty_port does, through the sentinel
# tty_buffer of its tty_bufhead, so every static array of consoles that
# embeds one is flagged.  That one finding is known and harmless.
known='drivers/tty/mkcon.c:[0-9:]* warning: array of flexible structures'
if [ $rc -ne 0 ] || grep -E "warning|error" "$log" | grep -v "$known" |
		grep -qE "multikernel|mknet|mkcon"; then
	cat "$log"
	fail=1
fi
rm -f "$log"
echo "  CHECK   W=1 C=1 build of $dirs"
[ $fail -eq 0 ] && echo "  CHECK   clean" || echo "  CHECK   findings above"
exit $fail
