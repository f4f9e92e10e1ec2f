#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Doorbells are never lost: frames published in an xmit_more batch whose
# last frame is dropped still get their doorbell, not the peer's
# half-second watchdog.
. "$(dirname "$0")/lib.sh"
setup_pair

sc=$(scribble_file a)
need_scribble "$sc"
# One queue pair, so every frame and doorbell is on the counters we read.
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L"
ina ping -c 2 -W 2 $B4 >/dev/null || fail "ping before the faults"

# Three frames with xmit_more, then a last one dropped: the three must
# be rung for by the drop, not found later by the watchdog.
rx=$(sysstat b rx_packets)
db=$(stat a tx0_doorbells)
drop=$(stat a tx0_dropped)
bad=$(stat a tx0_drop_bad_frame)
echo xmit-more > $sc || fail "xmit-more"
rang=$(( $(stat a tx0_doorbells) - db ))
[ "$(stat a tx0_dropped)" -eq $((drop + 1)) ] || fail "the batch's last frame was not dropped"
# Fault injection fails it as a frame the peer cannot take.
[ "$(stat a tx0_drop_bad_frame)" -eq $((bad + 1)) ] ||
	fail "the dropped frame was not counted as a bad frame"
[ "$rang" -ge 1 ] || fail "no doorbell for a batch whose last frame was dropped"
slowwait 3 until_counter_is ">= $((rx + 3))" sysstat b rx_packets >/dev/null ||
	fail "the batch never reached b"
echo "xmit-more: $rang doorbell for the batch, b took $(( $(sysstat b rx_packets) - rx )) frames"
cleanup
