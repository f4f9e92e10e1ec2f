#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A peer that stops taking frames holds the sender's skbs: the queue
# stops, the stack's TX watchdog fires after 5 s, and the sender frees
# what is in flight (kmemleak checks at the end of the run that nothing
# leaked).  Once the peer takes frames again, it counts the freed
# frames' cleaned descriptors as bad and the link works again.
. "$(dirname "$0")/lib.sh"
setup_pair

sc=$(scribble_file b)
need_scribble "$sc"
small_ring_a

echo stall > $sc
freed0=$(stat a rx0_tx_freed_in_flight)
# 100 pings at 20 ms: byte queue limits or the 64-entry ring stop the
# queue; the rest wait in the qdisc.
ina ping -c 100 -i 0.02 -W 1 $B4 >/dev/null 2>&1
timed_out() { [ "$(stat a tx0_timeouts)" -gt 0 ]; }
slowwait 15 timed_out || fail "no TX timeout with the peer stalled"
freed=$(($(stat a rx0_tx_freed_in_flight) - freed0))
echo "peer stalled: TX timeout, a freed $freed frames in flight"
[ "$freed" -gt 0 ] || fail "nothing freed"

bad0=$(stat b rx0_drop_bad_desc)
echo unstall > $sc
ina ping -c 3 -W 5 $B4 >/dev/null || fail "link dead after the peer took frames again"
inb ping -c 3 -W 3 $A4 >/dev/null || fail "link dead b->a"
# The pings left in the qdisc refill the ring after each reset, so byte
# queue limits can be judged only once the peer takes frames again: then
# every byte still counted must complete, and a reset that forgot the
# bytes it freed would leave them counted for good.
bql=/sys/class/net/mka0/queues/tx-0/byte_queue_limits/inflight
drained() { [ "$(ina cat $bql)" = 0 ]; }
slowwait 10 drained || fail "$(ina cat $bql) bytes still in flight with the peer back"
echo "peer back: it skipped $(($(stat b rx0_drop_bad_desc) - bad0)) cleaned descriptors, ping answered"
cleanup
