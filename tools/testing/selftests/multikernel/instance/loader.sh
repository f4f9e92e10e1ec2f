#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The loader refuses what it cannot place, and the machine stays fine:
# a write that would leave a hole in the kernel or initrd file, an
# initrd larger than the memory and,
# when the memory set aside ends low enough, an initrd larger than the
# address the instance's memory ends at, which must not wrap around.
# Afterwards the control files and CPU hotplug still work and, when the
# memory set aside holds $MEM, a normal start still does.
. "$(dirname "$0")/lib.sh"

pool=$(sed -n 's/.*mk_instance_memory=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$pool" ] || { echo "SKIP: no mk_instance_memory="; exit 4; }
pool_size=$(bytes "${pool%@*}")
pool_base=$(bytes "${pool#*@}")
pool_end=$((pool_base + pool_size))
[ -w $d/control ] || fail "no control files in $d"

# A hole in a file would be uninitialised memory of ours, copied into
# the instance.  Appending at the end is fine.
for f in kernel initrd; do
	head -c 4096 /dev/zero > $d/$f || fail "writing 4 KiB to $f"
	refused "a write past the end of $f, leaving a hole" \
		dd if=/dev/zero of=$d/$f bs=4096 seek=16 count=1 conv=notrunc
	dd if=/dev/zero of=$d/$f bs=4096 seek=1 count=1 conv=notrunc 2>/dev/null ||
		fail "appending to $f at its end"
done

cat /boot/bzImage > $d/kernel || fail "loading the kernel"
echo "$CMDLINE" > $d/cmdline
[ "$(cat $cpu1)" = 0 ] || echo 0 > $cpu1 || fail "offlining CPU 1"
echo 1 > $d/cpus || fail "CPU 1 refused"
state=$(cat $d/state)

# The smallest memory there is, at the start of the pool: an initrd
# longer than its end address would have wrapped the placement below 0.
mem_end=$((pool_base + (2 << 20)))
if [ $mem_end -lt $((200 << 20)) ]; then
	echo 2M@$pool_base > $d/memory || fail "memory 2M@$pool_base"
	head -c $((mem_end + 4096)) /dev/zero > $d/initrd ||
		fail "loading an initrd of $((mem_end + 4096)) bytes"
	refused "an initrd longer than the end address of the memory ($mem_end)" \
		sh -c "echo start > $d/control"
	dmesg | grep -q "instance 1: kernel .* and initrd ($((mem_end + 4096))) do not fit" ||
		fail "no clear error for the initrd"
fi

# Larger than the memory, wherever it is.
echo 32M@$pool_base > $d/memory 2>/dev/null || echo 2M@$pool_base > $d/memory ||
	fail "memory at $pool_base"
head -c $((34 << 20)) /dev/zero > $d/initrd || fail "loading an initrd of 34 MiB"
refused "an initrd larger than the memory" sh -c "echo start > $d/control"

# Nothing was held or broken by the refusals.
[ "$(cat $d/control)" = loaded ] || [ "$(cat $d/control)" = stopped ] ||
	fail "control reads $(cat $d/control) after refused starts"
[ "$(cat $d/state)" = "$state" ] || fail "state $(cat $d/state), was $state"
echo 1 > $cpu1 || fail "CPU 1 does not come online after refused starts"
echo 0 > $cpu1 || fail "CPU 1 does not go offline again"
echo "control files and CPU hotplug work after the refusals"

mem_base=$(bytes "${MEM#*@}")
if [ $mem_base -lt $pool_base ] || [ $((mem_base + $(bytes "${MEM%@*}"))) -gt $pool_end ]; then
	echo "$MEM is not in mk_instance_memory=$pool: no normal start here"
	exit 0
fi
load_instance
echo start > $d/control || fail "a normal start after the refusals"
wait_for 300 state_is running || fail "instance 1 not running (state $(cat $d/state))"
echo "a normal start after the refusals: instance 1 running"
echo stop > $d/control || fail "stop refused"
echo 1 > $cpu1 || fail "CPU 1 did not come back"
