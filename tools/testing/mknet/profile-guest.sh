#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make profile`: where the CPUs go during one bulk TCP
# stream over a veth pair and over an mknet pair, by perf's cpu-clock
# sampling of the whole guest.  Prints "mkprofile: <device> ..." lines.
. "$(dirname "$0")/bench-lib.sh"
PERF=/opt/mknet/bin/perf
T=${MKPROFILE_TIME:-8}

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
