#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Start a second kernel on CPU 1 of this machine as instance 1, in the
# memory set aside by mk_instance_memory=, and drive it through its life:
# refused mistakes, start, heartbeat, stop, the CPU back online, restart,
# and a panic inside the instance that must leave us running.
. "$(dirname "$0")/lib.sh"

start_running() {	# what
	echo start > $d/control || fail "start ($1) refused"
	t0=$(cut -d. -f1 /proc/uptime)
	wait_for 300 state_is running || fail "instance 1 not running after $1 (state $(cat $d/state))"
	echo "$1: instance 1 running after $(($(cut -d. -f1 /proc/uptime) - t0)) s"
}

[ -w $d/control ] || fail "no control files in $d"
[ -r /boot/bzImage ] || fail "no kernel image for the instance"

# Instance 2 is never used: nothing is loaded there.
refused "start with nothing loaded" sh -c "echo start > ${d%/1}/2/control"
cat /boot/bzImage > $d/kernel || fail "loading the kernel"
cat /boot/instance.cpio.gz > $d/initrd || fail "loading the initrd"
echo "$CMDLINE" > $d/cmdline
case "$(cat $d/control)" in
loaded | stopped) ;;
*) fail "control says $(cat $d/control) with a kernel loaded" ;;
esac

refused "memory outside mk_instance_memory=" sh -c "echo 64M@0x20000000 > $d/memory"
refused "memory not 2 MiB aligned" sh -c "echo 64M@0x40001000 > $d/memory"
echo $MEM > $d/memory || fail "memory $MEM"
# What we may read of an instance is the memory we gave it, no more; of
# one we gave none, nothing.  Our own RAM, which instance 1 will be told
# it may read, stays clear of the region and of instance 1's memory.
readable_is_memory || fail "readable_memory of instance 1: $(readable 1), memory $(cat $d/memory)"
[ -z "$(readable 2)" ] || fail "readable_memory of instance 2, which has no memory: $(readable 2)"
set -- $(cat /sys/kernel/multikernel/region)
region_start=$(($1)) region_end=$(($1 + $2))
m=$(cat $d/memory)
mem_start=$((${m#*@})) mem_end=$((${m#*@} + ${m%@*}))
for r in $(readable 0 | tr ',' ' '); do
	start=$((${r%-*})) end=$((${r#*-}))
	[ $end -le $region_start ] || [ $start -ge $region_end ] ||
		fail "our readable memory $r overlaps the region"
	[ $end -le $mem_start ] || [ $start -ge $mem_end ] ||
		fail "our readable memory $r overlaps instance 1's"
done
echo "readable memory: instance 1 $(readable 1), ours $(readable 0)"
# An earlier test may have given instance 1 CPUs; a list cannot be emptied.
cpus=$(cat $d/cpus)
[ -n "$cpus" ] || refused "start without a CPU" sh -c "echo start > $d/control"
[ "$(cat $cpu1)" = 1 ] || fail "CPU 1 is not online to begin with"
refused "the boot CPU" sh -c "echo 0 > $d/cpus"
refused "an online CPU" sh -c "echo 1 > $d/cpus"
refused "a malformed CPU list" sh -c "echo 1-x > $d/cpus"
refused "an empty CPU list" sh -c "echo > $d/cpus"
refused "a CPU that does not exist" sh -c "echo 1,99 > $d/cpus"
[ "$(cat $d/cpus)" = "$cpus" ] || fail "refused lists changed cpus from '$cpus' to '$(cat $d/cpus)'"
echo 0 > $cpu1 || fail "offlining CPU 1"
echo 1 > $d/cpus || fail "CPU 1 refused"
[ "$(cat $d/cpus)" = 1 ] || fail "cpus reads '$(cat $d/cpus)'"
# The list is checked again at start: CPU 1 came back online since.
echo 1 > $cpu1 || fail "onlining CPU 1"
refused "start on an online CPU" sh -c "echo start > $d/control"
echo 0 > $cpu1 || fail "offlining CPU 1"
# The debug kernel decompresses into about 42 MiB: 32 MiB cannot hold it.
echo 32M@0x40000000 > $d/memory || fail "memory 32M"
readable_is_memory || fail "readable_memory $(readable 1) did not follow memory 32M"
control=$(cat $d/control)
state=$(cat $d/state)
refused "an image that does not fit" sh -c "echo start > $d/control"
[ "$(cat $d/control)" = "$control" ] || fail "a refused start left control at $(cat $d/control)"
[ "$(cat $d/state)" = "$state" ] || fail "a refused start left the state at $(cat $d/state)"
echo $MEM > $d/memory || fail "memory $MEM"
start_running "first start"
refused "start twice" sh -c "echo start > $d/control"
refused "onlining the instance's CPU" sh -c "echo 1 > $cpu1"
hb=$(cat $d/heartbeat)
sleep 3
[ "$(cat $d/heartbeat)" -gt "$hb" ] || fail "heartbeat of instance 1 does not move"
echo "heartbeat moves: $hb -> $(cat $d/heartbeat)"
[ "$(cat $cpu1)" = 0 ] || fail "CPU 1 still online here"

echo stop > $d/control || fail "stop refused"
[ "$(cat $d/state)" = stopped ] || fail "state $(cat $d/state) after stop"
[ "$(cat $d/control)" = stopped ] || fail "control $(cat $d/control) after stop"
echo 1 > $cpu1 || fail "CPU 1 did not come back online after stop"
echo "CPU 1 back online after stop"
echo 0 > $cpu1 || fail "offlining CPU 1 again"

start_running "restart"
echo stop > $d/control || fail "second stop refused"

# A panic in the instance: the table says crashed, we keep running.
echo "$CMDLINE mkcrash" > $d/cmdline
echo start > $d/control || fail "start for the crash refused"
wait_for 300 state_is crashed || fail "state $(cat $d/state), not crashed, after a panic in the instance"
echo "panic in instance 1: state crashed, host alive"
echo stop > $d/control || fail "stop of a crashed instance refused"
echo 1 > $cpu1 || fail "CPU 1 did not come back after the crash"
echo 0 > $cpu1 || fail "offlining CPU 1 for the hang"

# An instance that stops answering cannot say so: its heartbeat stands
# still and the host marks it crashed.  debugfs freeze stops its CPU.
echo "$CMDLINE" > $d/cmdline
start_running "start for the hang"
echo 1 > /sys/kernel/debug/multikernel/freeze || fail "freeze refused"
wait_for 30 state_is crashed || fail "state $(cat $d/state) with a frozen instance"
echo "frozen instance 1: marked crashed"
echo stop > $d/control || fail "stop of a frozen instance refused"
echo 1 > $cpu1 || fail "CPU 1 did not come back after the hang"
echo "instance 1 started, stopped, restarted, crashed and hung; CPU 1 is back"
