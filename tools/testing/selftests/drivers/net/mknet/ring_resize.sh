#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ethtool -G: sizes checked, rings resized while up and under traffic.
. "$(dirname "$0")/lib.sh"
setup_pair

ina $ETHTOOL -G mka0 tx 100 2>/dev/null && fail "ring of 100 accepted"
ina $ETHTOOL -G mka0 tx 2048 2>/dev/null && fail "ring of 2048 accepted"

ping_under 150
for n in 64 1024 128 256; do
	ina $ETHTOOL -G mka0 tx $n rx $n || fail "ethtool -G $n"
	sleep 0.5
done
ping_under_done "ring resizes under ping"
ina $ETHTOOL -G mka0 tx 512 rx 128 || fail "ethtool -G tx 512 rx 128"
ina $ETHTOOL -g mka0 | awk '/^Current/ { c = 1 } c && /^TX:/ { print "tx", $2 } c && /^RX:/ { print "rx", $2 }'
[ "$(ina $ETHTOOL -g mka0 | awk '/^Current/ { c = 1 } c && /^TX:/ { print $2 }')" = 512 ] ||
	fail "tx ring not 512"
[ "$(inb $ETHTOOL -g mkb0 | awk '/^Current/ { c = 1 } c && /^TX:/ { print $2 }')" = 128 ] ||
	fail "peer's tx ring not 128"
wait_carrier a 1 || fail "carrier lost after resize"
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping after resize"
inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 2 >/dev/null || fail "iperf3 after resize"
echo "resized 64..1024 under traffic, asymmetric 512/128 works"
cleanup
