#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A pair's two ends are both this kernel: what another kernel writes into
# the region must not touch it.  Both ends' rings are in private memory,
# not in the shared region.  Our own entry in the instance table reads
# an impossible state for longer than the peer timeout while TCP and ping
# cross the pair; neither end may lose its carrier, free frames in flight
# or drop a ping.
. "$(dirname "$0")/lib.sh"
setup_pair

mksc=/sys/kernel/debug/multikernel/scribble
[ -w $mksc ] || { echo "no $mksc"; cleanup; exit 4; }
self=$(cat /sys/kernel/multikernel/instance)
# Through our own entry, as another kernel's doorbells would go.
pair_ipi_doorbells

for s in a b; do
	area=$(dirname "$(scribble_file $s)")/area
	[ -r "$area" ] || fail "no $area"
	grep -qx "ours private [0-9]*" "$area" && grep -qx "peer private" "$area" ||
		fail "$s's rings are not private: $(cat "$area" | tr '\n' ' ')"
	echo "$s: $(cat "$area" | tr '\n' ' ')"
done

carriers_up() { carrier_is a 1 && carrier_is b 1; }
freed() { echo $(($(qstat a tx_freed_in_flight) + $(qstat b tx_freed_in_flight))); }

freed0=$(freed)
inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 8 >"$TMP_DIR/iperf" 2>&1 &
iperf=$!
sleep 1
echo instance > $mksc || fail "scribble instance"
state=$(cat /sys/kernel/multikernel/instances/$self/state 2>/dev/null)
echo "our entry (instance $self) reads '$state'"
# The peer timeout is 3 s: ten pings, carrier watched all along.  Our
# doorbells go through our own entry too and are refused meanwhile: the
# watchdog's poll carries the frames, hence the long ping wait.
lost=0
i=0
while [ $i -lt 10 ]; do
	carriers_up || lost=$((lost + 1))
	ina ping -c 1 -W 3 $B4 >/dev/null || lost=$((lost + 1))
	sleep 0.5
	i=$((i + 1))
done
echo restore > $mksc
wait $iperf
rc=$?
[ $lost -eq 0 ] || fail "$lost carrier losses or lost pings while our entry was scribbled"
[ $rc -eq 0 ] || fail "iperf3 TCP failed: $(tail -3 "$TMP_DIR/iperf")"
[ "$(freed)" = "$freed0" ] || fail "tx_freed_in_flight moved: $freed0 -> $(freed)"
echo "own entry scribbled 5 s: carrier kept, no ping lost, tx_freed_in_flight $(freed)"
cleanup
