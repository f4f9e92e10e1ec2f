#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared by the guest sides of `make bench` and `make profile`: the tools,
# a veth or mknet pair with each end in a namespace of its own, and
# instance 1 on CPU 1 at the other end of mknet0.
IP=/opt/mknet/bin/ip
IPERF=/opt/mknet/bin/iperf3
ETHTOOL=/opt/mknet/bin/ethtool
BPFTOOL=/opt/mknet/bin/bpftool
SOCKPERF=/opt/mknet/bin/sockperf
TC=/opt/mknet/bin/tc
INSTANCE=192.0.2.2
# Apart from the ports the instance's init serves for the selftests (5301-5306).
CMDPORT=5320
SPPORT=11111
inst=/sys/kernel/multikernel/instances/1

wait_for() {	# seconds, then a command that must come true
	n=$(($1 * 2))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.5
		n=$((n - 1))
	done
	return 1
}

pair() {	# kind nsA nsB addrA addrB
	$IP netns add $2
	$IP netns add $3
	if [ "$1" = veth ]; then
		$IP link add ${1}a type veth peer name ${1}b
	else
		before=$(ls /sys/class/net)
		$IP link add ${1}a type mknet
		for d in $(ls /sys/class/net); do
			echo "$before" | grep -qx "$d" || [ "$d" = ${1}a ] || $IP link set "$d" name ${1}b
		done
	fi
	$IP link set ${1}a netns $2
	$IP link set ${1}b netns $3
	$IP -n $2 addr add $4/24 dev ${1}a
	$IP -n $3 addr add $5/24 dev ${1}b
	$IP -n $2 link set lo up
	$IP -n $3 link set lo up
	$IP -n $2 link set ${1}a up
	$IP -n $3 link set ${1}b up
	sleep 2
}

# Instance 1 runs bench-guest.sh as "instance": an iperf3 server, and one
# line of shell per connection on CMDPORT, its output sent back.
remote() {	# shell line, run by instance 1
	echo "$*" | timeout 120 nc $INSTANCE $CMDPORT
}

carrier() { [ "$(cat /sys/class/net/mknet0/carrier 2>/dev/null)" = 1 ]; }
answers() { remote echo mkbench-ok | grep -q mkbench-ok; }

# CPU 1 goes offline and to instance 1, with our kernel and initramfs, in
# the memory mk_instance_memory= set aside; then mknet0 to it, 192.0.2.1
# here, until it answers ping and commands.
start_instance() {
	echo 0 > /sys/devices/system/cpu/cpu1/online &&
	cat /boot/bzImage > $inst/kernel &&
	cat /boot/instance.cpio.gz > $inst/initrd &&
	echo "earlycon=uart8250,io,0x2f8,115200 keep_bootcon 8250.nr_uarts=0" \
	     "rdinit=/init mkplan=spawned mkbench panic=-1 loglevel=6" > $inst/cmdline &&
	sed -n 's/.*mk_instance_memory=\([^ ]*\).*/\1/p' /proc/cmdline > $inst/memory &&
	echo 1 > $inst/cpus &&
	echo start > $inst/control || return 1
	wait_for 300 grep -qx running $inst/state || return 1
	wait_for 60 test -e /sys/class/net/mknet0 || return 1
	$IP addr add 192.0.2.1/24 dev mknet0
	$IP link set mknet0 up
	wait_for 120 carrier &&
	wait_for 60 ping -c 1 -W 1 $INSTANCE >/dev/null &&
	wait_for 60 answers
}
