#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Delete the pair while TCP traffic flows: no splat, both ends gone.
. "$(dirname "$0")/lib.sh"
setup_pair

inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 30 >/dev/null 2>&1 &
client=$!
sleep 3
ina $IP link del mka0 || fail "ip link del"
# The connection has lost its link; iperf3 would wait for it for minutes.
kill $client 2>/dev/null
wait
inb $IP link show mkb0 >/dev/null 2>&1 && fail "peer still there"
echo "pair deleted under traffic"
cleanup
