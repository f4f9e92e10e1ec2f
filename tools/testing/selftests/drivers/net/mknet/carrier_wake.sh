#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The carrier coming back must not wake a TX queue stopped on a full
# ring: the next large frame would find no room and be dropped.  b stops
# taking frames, a fills its ring with 64 KiB pings and stops, b's
# carrier flaps (a garbage state, then restored) while the ring is still
# full; a must drop nothing, and the link works once b takes frames again.
. "$(dirname "$0")/lib.sh"
setup_pair

id=$(inb $ETHTOOL -i mkb0 | sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
sc=/sys/kernel/debug/mknet/link$id/scribble
[ -w "$sc" ] || { echo "no fault injection ($sc)"; cleanup; exit 4; }
ina $IP link set mka0 mtu 65535 || fail "mtu a"
inb $IP link set mkb0 mtu 65535 || fail "mtu b"
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
ina $ETHTOOL -G mka0 tx 64 || fail "ethtool -G tx 64"
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L/-G"

# b's address fixed: with b stalled, ARP would fail and hold the pings.
mac=$(inb cat /sys/class/net/mkb0/address)
ina $IP neigh replace $B4 lladdr $mac dev mka0 nud permanent ||
	fail "static neighbour"
echo stall > $sc
# The largest pings take 17 descriptors each: four fill the 64-entry
# ring, and the room left (13) is too little for the next one.
# Two loops of single pings: a ping exits when a send fails while the
# carrier is off, and the loops must go on sending through the flap.
pingloop() {
	while :; do
		ina ping -c 1 -s 65507 -W 1 $B4 >/dev/null 2>&1
	done
}
# The loops must not outlive a failure.
fail() { kill $loop1 $loop2 2>/dev/null; echo "FAIL: $*"; cleanup; exit 1; }
pingloop &
loop1=$!
pingloop &
loop2=$!
sleep 3
[ "$(stat a tx0_ring_full)" -gt 0 ] || fail "a's ring never filled"
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
ina ping -c 3 -W 3 $B4 >/dev/null || fail "link dead after b took frames again"
inb ping -c 3 -W 3 $A4 >/dev/null || fail "link dead b->a"
cleanup
