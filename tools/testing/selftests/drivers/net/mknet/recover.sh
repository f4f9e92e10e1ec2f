#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A peer that garbles an end's area and then goes quiet: everything comes
# back by itself, with no restore step, because each end republishes what
# it owns from its private state.  Random bytes, zeros and 0xff, over both
# ends' areas at once, while ping runs.
. "$(dirname "$0")/lib.sh"
setup_pair

sca=$(scribble_file a)
scb=$(scribble_file b)
need_scribble "$sca"
need_scribble "$scb"

for mode in garble-random garble-zero garble-ff; do
	ina ping -c 100 -i 0.05 -W 1 $B4 >/dev/null 2>&1 &
	pinger=$!
	sleep 0.5
	echo $mode > $sca || fail "$mode on a"
	echo $mode > $scb || fail "$mode on b"
	wait $pinger
	wait_carrier a 1 50 && wait_carrier b 1 50 ||
		fail "carrier did not come back after $mode"
	ina ping -c 3 -W 2 $B4 >/dev/null || fail "no ping a->b after $mode"
	inb ping -c 3 -W 2 $A4 >/dev/null || fail "no ping b->a after $mode"
	echo "$mode: back; b dropped $(qstat b drop_bad_desc) bad descriptors, $(qstat b drop_bad_index) on bad indices so far"
done
cleanup
