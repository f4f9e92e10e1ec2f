#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A peer that stops taking frames holds the sender's skbs.  The sender
# takes them back after 3 s without progress, whatever its carrier: it
# moves the ring's epoch, the peer acknowledges at its next poll (it may
# be copying one of them until then), and only then are they freed
# (kmemleak checks at the end of the run that nothing leaked).  Once the
# peer takes frames again the link works and byte queue limits drain.
# Last, a peer that goes down with frames of ours in its ring: the
# carrier is off and the stack's TX watchdog never fires, yet the frames
# come back (before the reclaim they stayed until the link was deleted).
. "$(dirname "$0")/lib.sh"
setup_pair
sc=$(scribble_file b)
need_scribble "$sc"
small_ring_a
echo stall > $sc
freed0=$(stat a rx0_tx_freed_in_flight)
reclaims0=$(stat a tx0_reclaims)
resets0=$(stat b rx0_peer_resets)
# 100 pings at 20 ms: byte queue limits or the 64-entry ring stop the
# queue; the rest wait in the qdisc.
ina ping -c 100 -i 0.02 -W 1 $B4 >/dev/null 2>&1
reclaimed() { [ "$(stat a tx0_reclaims)" -gt "$reclaims0" ]; }
slowwait 15 reclaimed || fail "a did not take back its frames from a stalled peer"
freed_more() { [ "$(stat a rx0_tx_freed_in_flight)" -gt "$freed0" ]; }
slowwait 5 freed_more || fail "a took its frames back but freed none"
resets=$(($(stat b rx0_peer_resets) - resets0))
echo "peer stalled: a took back its frames $(($(stat a tx0_reclaims) - reclaims0)) times," \
	"freed $(($(stat a rx0_tx_freed_in_flight) - freed0)) frames after b acknowledged $resets"
[ "$resets" -gt 0 ] || fail "a freed frames b never acknowledged giving up"
echo unstall > $sc
ina ping -c 3 -W 5 $B4 >/dev/null || fail "link dead after the peer took frames again"
inb ping -c 3 -W 3 $A4 >/dev/null || fail "link dead b->a"
# The pings left in the qdisc refill the ring after each reclaim, so byte
# queue limits can be judged only once the peer takes frames again: then
# every byte still counted must complete, and a reclaim that forgot the
# bytes it freed would leave them counted for good.
bql=/sys/class/net/mka0/queues/tx-0/byte_queue_limits/inflight
drained() { [ "$(ina cat $bql)" = 0 ]; }
slowwait 10 drained || fail "$(ina cat $bql) bytes still in flight with the peer back"
echo "peer back: ping answered, no byte left in flight"

# Frames in b's ring, then b down: a's carrier goes off with them out.
echo stall > $sc
ina ping -c 10 -i 0.02 -W 1 $B4 >/dev/null 2>&1
out=$(ina cat $bql)
inb $IP link set mkb0 down
echo unstall > $sc
wait_carrier a 0 || fail "a's carrier stays on with b down"
[ "$out" -gt 0 ] || echo "(b took the frames before it went down)"
slowwait 10 drained ||
	fail "b down: $(ina cat $bql) bytes of a still held after 10 s"
echo "b down with $out bytes of a in its ring: a took them back, carrier off"
inb $IP link set mkb0 up
wait_carrier a 1 || fail "no carrier once b is up again"
ina ping -c 3 -W 5 $B4 >/dev/null || fail "no ping once b is up again"
cleanup
