#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iperf3 UDP b->a at 50 Mbit/s: datagrams arrive and are counted.
. "$(dirname "$0")/lib.sh"
setup_pair

rx0=$(sysstat a rx_packets)
ina $IPERF -s -1 -D -B $A4 >/dev/null
sleep 1
out=$(inb $IPERF -c $A4 -u -b 50M -t 3 -f m 2>&1) || fail "iperf3: $out"
echo "$out" | tail -4
rx=$(( $(sysstat a rx_packets) - rx0 ))
lost=$(echo "$out" | awk '/receiver/ { split($(NF-1), a, "/"); print a[1] }')
echo "a received $rx packets; iperf3 lost ${lost:-?}"
[ "$rx" -gt 1000 ] || fail "only $rx packets"
[ "$(sysstat a rx_errors)" -eq 0 ] || fail "rx errors"
cleanup
