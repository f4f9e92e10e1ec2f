#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The carrier coming back must not wake a TX queue stopped on a full
# ring: the next large frame would find no room and be dropped.  b stops
# taking frames, a fills its ring with 64 KiB pings and stops, b's
# carrier flaps (a garbage state, then restored) while the ring is still
# full; a must drop nothing, and the link works once b takes frames again.
. "$(dirname "$0")/lib.sh"
setup_pair

sc=$(scribble_file b)
need_scribble "$sc"
ina $IP link set mka0 mtu 65535 || fail "mtu a"
inb $IP link set mkb0 mtu 65535 || fail "mtu b"
small_ring_a
# Byte queue limits would stop the queue long before the ring is full;
# a new lower bound takes effect at the next completion.
bql=/sys/class/net/mka0/queues/tx-0/byte_queue_limits
ina sh -c "echo 1000000000 > $bql/limit_min" || fail "BQL limit_min"
ina ping -c 1 -W 3 $B4 >/dev/null || fail "no ping before the stall"
echo stall > $sc
# Pings of the largest size, 50 per second: the 64-entry ring stops
# once less room is left than a frame of the most descriptors needs.
# Two loops: a ping exits when a send fails while the carrier is off,
# and the loops must go on sending through the flap.
pingloop() {
	while :; do
		ina ping -c 50 -i 0.02 -s 65507 -W 1 $B4 >/dev/null 2>&1
	done
}
# The loops must not outlive a failure.
test_cleanup() { kill $loop1 $loop2 2>/dev/null; }
pingloop &
loop1=$!
pingloop &
loop2=$!
sleep 3
[ "$(stat a tx0_ring_full)" -gt 0 ] || {
	ina $ETHTOOL -S mka0 | grep -vw 0
	ina sh -c "grep . $bql/*"
	fail "a's ring never filled"
}
# The driver's own drops: the stack counts in tx_dropped what its noop
# qdisc drops while the carrier is off.
drop=$(stat a tx0_dropped)

echo state > $sc
wait_carrier a 0 100 || fail "a's carrier stayed up on b's garbage state"
echo restore > $sc
wait_carrier a 1 100 || fail "a's carrier did not return"
sleep 2
dropped=$(( $(stat a tx0_dropped) - drop ))
echo "carrier flapped with a's ring full: a dropped $dropped frames"
[ "$dropped" -eq 0 ] || {
	ina $ETHTOOL -S mka0 | grep -vw 0
	fail "the carrier woke a full queue: $dropped frames dropped"
}

echo unstall > $sc
kill $loop1 $loop2
wait
loop1= loop2=
ina ping -c 3 -W 3 $B4 >/dev/null || fail "link dead after b took frames again"
inb ping -c 3 -W 3 $A4 >/dev/null || fail "link dead b->a"
cleanup
