#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make profile`: where the CPUs go during one bulk TCP
# stream over a veth pair and over an mknet pair, by perf's cpu-clock
# sampling of the whole guest.  Prints "mkprofile: <device> ..." lines.
IP=/opt/mknet/bin/ip
IPERF=/opt/mknet/bin/iperf3
PERF=/opt/mknet/bin/perf
T=${MKPROFILE_TIME:-8}

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

profile() {	# name nsA nsB addrB
	$IP netns exec $3 $IPERF -s -D -B $4 >/dev/null
	sleep 1
	$PERF record -q -a -g -F 997 -o /tmp/$1.data -- \
		$IP netns exec $2 $IPERF -c $4 -t $T -f m >/tmp/$1.out 2>&1
	echo "mkprofile: $1 $(awk '/receiver/ { print $(NF-2), $(NF-1) }' /tmp/$1.out)"
	# Flat: the functions that take the most samples, kernel and user.
	$PERF report -i /tmp/$1.data --stdio --no-children -g none \
		--sort sym --percent-limit 0.8 2>/dev/null |
		grep -v '^#' | grep -v '^ *$' | head -32 | sed "s/^/mkprofile: $1 flat /"
	# By caller chain into the copies, so each copy has its owner.
	$PERF report -i /tmp/$1.data --stdio --no-children -G \
		--sort sym --percent-limit 3 2>/dev/null |
		grep -v '^#' | grep -v '^ *$' | head -60 | sed "s/^/mkprofile: $1 tree /"
	killall iperf3 2>/dev/null
	rm -f /tmp/$1.data
	sleep 1
}

echo 0 > /proc/sys/kernel/kptr_restrict
pair veth vba vbb 198.51.100.1 198.51.100.2
pair mknet mba mbb 192.0.2.1 192.0.2.2
profile veth vba vbb 198.51.100.2
profile mknet mba mbb 192.0.2.2
