#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkctl, as a user runs it: mistakes refused with the reason, then an
# instance on two CPUs with only a size for its memory, placed by the
# kernel in the lowest free part of mk_instance_memory=; listed with its
# link, pinged, restarted, stopped with its CPUs given back.
. "$(dirname "$0")/lib.sh"

# Nothing else holds memory of the pool: where 256M goes is known.
mkctl_ready

# The command must fail and say $1.
refused_with() {
	_want=$1
	shift
	if _out=$(mkctl "$@" 2>&1); then
		fail "mkctl $* accepted"
	fi
	echo "$_out" | grep -q "$_want" ||
		fail "mkctl $* said '$_out', not '$_want'"
	echo "refused: mkctl $*: $_out"
}

mkctl >/dev/null 2>&1
[ $? = 2 ] || fail "mkctl without a command did not exit 2 with its usage"
refused_with "CPU 0 runs this kernel" start --id 1 --cpus 0 --memory 64M $K
refused_with "CPU list 'a-b'" start --id 1 --cpus a-b --memory 64M $K
refused_with "not a multiple of 2 MiB" start --id 1 --cpus 1 --memory 3M $K
refused_with "no 1024 MiB free in one piece" start --id 1 --cpus 1 --memory 1G $K
refused_with "no CMA area for instances" start --id 1 --cpus 1 --memory 64M@cma $K
refused_with "cannot read kernel" start --id 1 --cpus 1 --memory 64M --kernel /nonexistent
refused_with "instance 1 is not running" stop 1
[ "$(cat $cpu1)" = 1 ] || fail "a refused start left CPU 1 offline"

id=$(mkctl start --cpus 1-2 --memory 256M $K --cmdline "$CMDLINE") ||
	fail "mkctl start: $id"
[ "$id" = 1 ] || fail "mkctl start printed '$id', not the lowest free id 1"
state_is running || fail "mkctl start returned with instance 1 $(cat $d/state)"
[ "$(cat $d/memory)" = 0x10000000@0x40000000 ] ||
	fail "256M placed at $(cat $d/memory), not the start of the pool"
echo "started instance $id on CPUs $(cat $d/cpus), memory $(cat $d/memory)"

# A second instance cannot have what the first holds.
refused_with "no 512 MiB free in one piece.*256 MiB free in all" \
	start --id 2 --cpus 3 --memory 512M $K
echo unload > ${d%/1}/2/control

mknet0_up "instance 1" 60
mkctl list | tee "$TMP_DIR/list"
grep -Eq '^1 +running +1-2 +0x10000000@0x40000000 +[0-9]+s +mknet0' "$TMP_DIR/list" ||
	fail "mkctl list does not show instance 1 running on 1-2 with mknet0"

mkctl restart 1 >/dev/null || fail "mkctl restart 1"
state_is running || fail "instance 1 $(cat $d/state) after restart"
wait_for 120 ping -c 1 -W 1 192.0.2.2 >/dev/null ||
	fail "instance 1 does not answer ping after restart"
echo "restarted: instance 1 answers ping again"

mkctl stop 1 || fail "mkctl stop 1"
state_is stopped || fail "instance 1 $(cat $d/state) after stop"
[ "$(cat $cpu1)" = 1 ] && [ "$(cat /sys/devices/system/cpu/cpu2/online)" = 1 ] ||
	fail "CPUs 1-2 not online again after mkctl stop"
mkctl list | grep -Eq '^1 +stopped' || fail "mkctl list does not show instance 1 stopped"
echo "stopped: CPUs 1-2 back online"
# The next test expects instance 1's memory where lib.sh puts it.
echo $MEM > $d/memory
