#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# MTU 68..65535, checked, changed while up and under traffic.
. "$(dirname "$0")/lib.sh"
setup_pair

ina $IP link set mka0 mtu 67 2>/dev/null && fail "MTU 67 accepted"
ina $IP link set mka0 mtu 65536 2>/dev/null && fail "MTU 65536 accepted"

ping_under 200
for m in 9000 65535 1500; do
	ina $IP link set mka0 mtu $m || fail "MTU $m on a"
	inb $IP link set mkb0 mtu $m || fail "MTU $m on b"
	sleep 0.3
done
ping_under_done "MTU changes under ping"
for m in 9000 65535; do
	ina $IP link set mka0 mtu $m
	inb $IP link set mkb0 mtu $m
	size=$((m - 28))
	ina ping -c 2 -W 3 -s $size $B4 >/dev/null || fail "ping of $size bytes at MTU $m"
	inb ping -c 2 -W 3 -s $size $A4 >/dev/null || fail "ping back of $size bytes at MTU $m"
done
ina $IP link set mka0 mtu 68 || fail "MTU 68"
[ "$(ina cat /sys/class/net/mka0/mtu)" = 68 ] || fail "MTU 68 not set"
echo "MTU 68..65535 accepted, 67 and 65536 refused, jumbo pings both ways"
cleanup
