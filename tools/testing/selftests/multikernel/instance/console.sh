#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Instance 1's console, read and typed into from the host's /dev/mkcon1:
# a late reader finds the boot log from its first line, a command typed
# on the host runs on the shell of the instance's console, and the
# instance scribbling over its own console ring (impossible output head,
# impossible input tail) is counted on the host, which reads on after it.
# Then the host, as a peer writing the input head, moves it past what it
# wrote: the instance reads bytes the host never counted, and once the
# host writes its head again that head is behind the instance's tail,
# impossible for good; the instance must take it as its tail a second
# later (console/in_resync there) and input must work again.
. "$(dirname "$0")/lib.sh"

con=/dev/mkcon1
c=$d/console
late=$TMP_DIR/mkcon1.late
out=$TMP_DIR/mkcon1.out

grew() { [ "$(cat $c/$1)" -gt "$2" ]; }
# Open late, take what the ring still holds, close.
read_late() { (timeout 1 cat $con > "$late") 2>/dev/null; grep -q "$1" "$late"; }
shows() { grep -q "$1" "$out"; }
# Type a command until its output shows, $3 times at most: the shell
# may not read yet.
typed() {
	for _ in $(seq ${3:-1}); do
		echo "$1" > $con
		wait_for 3 shows "$2" && return 0
	done
	return 1
}

[ -c $con ] || fail "no $con on the host"
# On two CPUs where we have three: the scribbles below must be caught
# from an instance of more than one CPU too.
cpus=1
[ "$(nproc --all 2>/dev/null || grep -c ^processor /proc/cpuinfo)" -ge 3 ] && cpus=1-2
CPUS=$cpus load_instance "console=mkcon"
echo start > $d/control || fail "start refused"
wait_for 300 state_is running || fail "instance 1 not running"

# Nobody had the tty open while it booted: the ring kept the log.
wait_for 120 read_late "mkinstance: instance 1 up" ||
	fail "no 'mkinstance: instance 1 up' on $con"
grep -q "Linux version" "$late" || fail "$con does not show the boot log from its start"
echo "late reader of $con: $(grep -c . "$late") lines, from '$(grep -m1 -o 'Linux version [^ ]*' "$late")'"

cat $con > "$out" &
reader=$!
# Whatever happens, the reader must not outlive us: it holds our output.
trap 'kill $reader 2>/dev/null; rm_tmp' EXIT
# $((6 * 7)) is only 42 once the shell ran it, not in its echo.
bells=$(cat $c/in_bells)
typed 'echo mkcon$((6 * 7))' mkcon42 20 ||
	fail "no shell answered on $con"
# The instance polls nothing: what it read, a doorbell told it of.
grew in_bells "$bells" || fail "typing on $con rang no doorbell"
echo "typed on $con: echo, answered, $(($(cat $c/in_bells) - bells)) doorbells"
typed 'cat /proc/cpuinfo' '^processor' || fail "no /proc/cpuinfo of instance 1 on $con"
n=$(cpu_list $cpus | wc -l)
wait_for 3 sh -c "[ \$(grep -c '^processor' $out) -ge $n ]" ||
	fail "instance 1 on CPUs $cpus lists $(grep -c '^processor' "$out") processors"
echo "instance 1's /proc/cpuinfo on $con: $(grep -c '^processor' "$out") CPU(s)"

# Hostile: instance 1 makes its own console ring impossible for 3 s.
bad=$(cat $c/out_bad)
resync=$(cat $c/out_resync)
in_bad=$(cat $c/in_bad)
echo 'echo console > /sys/kernel/debug/multikernel/scribble; sleep 3; echo restore > /sys/kernel/debug/multikernel/scribble' > $con
wait_for 30 grew out_bad "$bad" || fail "impossible console output head not counted"
wait_for 30 grew in_bad "$in_bad" || fail "impossible console input tail not counted"
wait_for 30 grew out_resync "$resync" || fail "no resync to a lasting impossible head"
echo "scribbled console ring: out_bad $bad -> $(cat $c/out_bad)," \
	"out_resync $resync -> $(cat $c/out_resync), in_bad $in_bad -> $(cat $c/in_bad)"
sleep 1
typed 'echo mkcon$((7 * 8))' mkcon56 5 ||
	fail "$con does not work again after the scribble"
echo "$con works again after the scribble"

scribble=/sys/kernel/debug/multikernel/scribble
in_bad=$(cat $c/in_bad)
echo console > $scribble || fail "console scribble refused on the host"
# The instance read the newlines: its tail is past our head.
wait_for 10 grew in_bad "$in_bad" ||
	{ echo restore > $scribble; fail "instance 1 read no input past our head"; }
echo restore > $scribble || fail "restore refused"
typed 'echo mkcon$((8 * 9))' mkcon72 5 ||
	fail "$con input dead once its head was behind the instance's tail"
typed 'echo in_resync=$(cat /sys/kernel/multikernel/instances/1/console/in_resync)' \
	'in_resync=[1-9]' 3 || fail "instance 1 counted no input resync"
echo "input head moved by a peer: in_bad $in_bad -> $(cat $c/in_bad)," \
	"$(grep -o 'in_resync=[0-9]*' "$out" | tail -1) in instance 1, $con works again"

kill $reader
wait $reader 2>/dev/null
trap rm_tmp EXIT
echo stop > $d/control || fail "stop refused"
online_cpus $cpus
echo "console counters: $(grep -H . $c/* | sed 's|.*/||' | tr '\n' ' ')"
