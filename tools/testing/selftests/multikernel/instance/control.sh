#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Who may drive an instance, and what its control files answer.  Every
# write needs CAP_SYS_BOOT: root of a user namespace owns the files but is
# refused.  Where memory lies is for root alone to read.  Errors and log
# lines are as Documentation/ABI promises; "unload" frees the kernel and
# initrd.  Start and stop go by our own state, not by the instance table
# a peer can write: an entry that says running does not block a start,
# and a frozen instance marked crashed stays crashed when its entry says
# running again, as a slow instance coming back would write it.
. "$(dirname "$0")/lib.sh"

dbg=/sys/kernel/debug/multikernel
[ -w $d/control ] || fail "no control files in $d"
[ -r /boot/bzImage ] || fail "no kernel image for the instance"
[ -w $dbg/revive ] || fail "no $dbg/revive"

# Refused, with the error named by $1, and the shell command in $3 run by
# $2 ("root", or "userns" for root of a new user namespace).
refused_with() {	# error, who, command
	case $2 in
	userns) _out=$(unshare -r sh -c "$3" 2>&1) ;;
	*) _out=$(sh -c "$3" 2>&1) ;;
	esac && fail "accepted ($2): $3"
	case $_out in
	*"$1"*) echo "refused ($2, $1): $3" ;;
	*) fail "$2: $3: '$_out', expected '$1'" ;;
	esac
}

# One more line about instance 1 in the kernel log after the command.
logged() {	# command
	_n=$(dmesg | grep -c "multikernel: instance 1: ")
	sh -c "$1" 2>/dev/null && fail "accepted: $1"
	[ "$(dmesg | grep -c "multikernel: instance 1: ")" -gt "$_n" ] ||
		fail "refused without a word in the log: $1"
	echo "refused and logged: $1: $(dmesg | grep "multikernel: instance 1: " | tail -1)"
}

# CAP_SYS_BOOT on every control file.
unshare -r true || fail "unshare -r does not work here"
echo "$CMDLINE" > $d/cmdline || fail "cmdline"
cmdline=$(cat $d/cmdline)
memory=$(cat $d/memory)
for w in "x > $d/cmdline" "$MEM > $d/memory" "1 > $d/cpus" \
	 "start > $d/control" "stop > $d/control" "unload > $d/control"; do
	refused_with "Operation not permitted" userns "echo $w"
done
for f in kernel initrd; do
	refused_with "Operation not permitted" userns "dd if=/dev/zero of=$d/$f bs=4096 count=1"
done
[ "$(cat $d/cmdline)" = "$cmdline" ] || fail "cmdline changed to '$(cat $d/cmdline)'"
[ "$(cat $d/memory)" = "$memory" ] || fail "memory changed to '$(cat $d/memory)'"

# Physical layout, root only.
for f in $d/memory $d/readable_memory $d/apic_ids /sys/kernel/multikernel/region; do
	m=$(stat -c %a $f)
	case $m in
	[0-7]00) echo "$f: mode $m" ;;
	*) fail "$f: mode $m, others may read it" ;;
	esac
done

# Errors as the ABI says, each with a line in the log.
refused_with "Invalid argument" root "echo 1-999999999 > $d/cpus"
refused_with "Invalid argument" root "echo 1,99999999999 > $d/cpus"
logged "echo 1-999999999 > $d/cpus"
logged "echo nonsense > $d/memory"
long=$(head -c 2000 /dev/zero | tr '\0' x)
logged "echo $long > $d/cmdline"
logged "echo restart > $d/control"
[ "$(cat $d/cmdline)" = "$cmdline" ] || fail "cmdline changed to '$(cat $d/cmdline)'"

# unload frees the kernel and the initrd.
cat /boot/bzImage > $d/kernel || fail "loading the kernel"
cat /boot/instance.cpio.gz > $d/initrd || fail "loading the initrd"
vm=$(awk '/^VmallocUsed/ { print $2 }' /proc/meminfo)
echo unload > $d/control || fail "unload refused"
freed=$((vm - $(awk '/^VmallocUsed/ { print $2 }' /proc/meminfo)))
[ "$(cat $d/control)" = empty ] || fail "control says $(cat $d/control) after unload"
kb=$(($(stat -c %s /boot/bzImage) / 1024))
[ $freed -ge $((kb / 2)) ] || fail "unload freed $freed kB of vmalloc, the kernel alone is $kb kB"
echo "unload: control empty, $freed kB of vmalloc freed (kernel $kb kB)"
echo $MEM > $d/memory || fail "memory $MEM"
refused "start after unload" sh -c "echo start > $d/control"
dmesg | tail -5 | grep -q "instance 1: no kernel loaded" ||
	fail "no clear error for a start after unload: $(dmesg | tail -1)"

# Crashed stays crashed when the entry says running again, as a slow
# instance coming back would write it.  On two CPUs, where we have
# three: start_stop.sh freezes an instance on one, and a freeze must
# hold every CPU of an instance in INIT.
cpus=1
[ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -ge 3 ] && cpus=1-2
CPUS=$cpus load_instance
echo start > $d/control || fail "start refused"
wait_for 300 state_is running || fail "instance 1 not running (state $(cat $d/state))"
echo 1 > $dbg/freeze || fail "freeze refused"
wait_for 30 state_is crashed || fail "state $(cat $d/state) with instance 1 on CPUs $cpus frozen"
echo 1 > $dbg/revive || fail "revive refused"
sleep 3
state_is crashed || fail "instance 1 $(cat $d/state) 3 s after its entry said running again"
echo "frozen instance 1 on CPUs $cpus: crashed, and still crashed after its entry said running"
echo stop > $d/control || fail "stop of the crashed instance refused"
[ "$(cat $d/state)" = stopped ] || fail "state $(cat $d/state) after stop"

# An entry that says running blocks nothing: we stopped the instance.
echo 1 > $dbg/revive || fail "revive refused"
[ "$(cat $d/state)" = running ] || fail "state $(cat $d/state) after revive"
[ "$(cat $d/control)" = stopped ] || fail "control says $(cat $d/control) after stop"
echo start > $d/control || fail "start refused while only the table said running"
wait_for 300 state_is running || fail "instance 1 not running (state $(cat $d/state))"
hb=$(cat $d/heartbeat)
wait_for 30 sh -c "[ \$(cat $d/heartbeat) -gt $((hb + 1)) ]" ||
	fail "heartbeat of instance 1 stands at $(cat $d/heartbeat) after start"
echo "start with the entry scribbled running: instance 1 runs, heartbeat $(cat $d/heartbeat)"
echo stop > $d/control || fail "stop refused"
online_cpus $cpus

echo "control files: CAP_SYS_BOOT, modes, errors, unload, table scribbles"
