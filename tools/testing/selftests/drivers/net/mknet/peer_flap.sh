#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The peer goes down in the middle of bulk TCP and comes back: carrier
# follows both ways and the transfer completes without a manual step.
. "$(dirname "$0")/lib.sh"
setup_pair

inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 15 -f m > "$TMP_DIR/flap.out" 2>&1 &
client=$!
sleep 3
inb $IP link set mkb0 down
wait_carrier a 0 40 || fail "carrier stayed up with the peer down"
sleep 2
inb $IP link set mkb0 up
wait_carrier a 1 50 || fail "carrier did not return"
wait $client || { cat "$TMP_DIR/flap.out"; fail "iperf3 failed across the flap"; }
grep -E "sender|receiver" "$TMP_DIR/flap.out"
mbps=$(awk '/receiver/ { print int($(NF-2)) }' "$TMP_DIR/flap.out")
[ "${mbps:-0}" -gt 0 ] || fail "no throughput"
ina ping -c 2 -W 2 $B4 >/dev/null || fail "ping after the flap"
echo "peer down and up under bulk TCP; transfer finished at $mbps Mbit/s"
cleanup
