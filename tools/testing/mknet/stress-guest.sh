#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of `make stress`: bidirectional iperf3 over an mknet pair for
# MKSTRESS seconds, with link flaps, ring resizes, queue count changes,
# MTU changes and module reloads; the link must work at the end, and the host judges the console
# (KASAN, lockdep, kmemleak) for splats.
KSFT_DIR=/selftests
. /selftests/mknet/lib.sh
T=$(sed -n 's/.*mkstress=\([0-9]*\).*/\1/p' /proc/cmdline)
end=$(( $(cut -d. -f1 /proc/uptime) + ${T:-300} ))

servers() {
	ina $IPERF -s -D -B $A4 >/dev/null
	inb $IPERF -s -D -B $B4 >/dev/null
	sleep 1
}

setup_pair
servers
round=0
while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	round=$((round + 1))
	ina $IPERF -c $B4 -t 13 -P 2 >/dev/null 2>&1 &
	inb $IPERF -c $A4 -t 13 -P 2 >/dev/null 2>&1 &
	sleep 2
	inb $IP link set mkb0 down; sleep 1; inb $IP link set mkb0 up
	sleep 2
	ina $ETHTOOL -G mka0 tx 128 rx 512 2>/dev/null; sleep 1
	ina $ETHTOOL -G mka0 tx 256 rx 256 2>/dev/null; sleep 1
	ina $ETHTOOL -L mka0 combined $((round % 4 + 1)) 2>/dev/null; sleep 1
	inb $ETHTOOL -L mkb0 combined $(((round + 2) % 4 + 1)) 2>/dev/null; sleep 1
	ina $IP link set mka0 mtu 9000; inb $IP link set mkb0 mtu 9000; sleep 1
	ina $IP link set mka0 mtu 1500; inb $IP link set mkb0 mtu 1500
	if [ $((round % 3)) -eq 0 ]; then
		rmmod mknet || { echo "rmmod failed"; exit 1; }
		killall iperf3 2>/dev/null
		wait
		insmod /lib/modules/mknet.ko || { echo "insmod failed"; exit 1; }
		setup_pair
		servers
	else
		wait
	fi
	echo "round $round done, uptime $(cut -d' ' -f1 /proc/uptime)"
done
killall iperf3 2>/dev/null
wait_carrier a 1 && wait_carrier b 1 || fail "no carrier at the end"
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping at the end"
cleanup
rmmod mknet
echo "$round rounds"
