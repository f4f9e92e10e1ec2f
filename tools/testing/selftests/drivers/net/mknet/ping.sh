#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ping both ways over IPv4 and IPv6; counters move on both ends.  The
# pair's doorbells go through the multikernel doorbell by default when
# they are for another CPU, and interrupt no CPU when told to schedule
# the other end's NAPI.
. "$(dirname "$0")/lib.sh"
setup_pair

pair_ipi_doorbells 0
bells0=$(own_bells)
ina ping -c 5 -i 0.2 -W 2 $B4 >/dev/null || fail "ping a->b IPv4"
inb ping -c 5 -i 0.2 -W 2 $A4 >/dev/null || fail "ping b->a IPv4"
ina ping -6 -c 5 -i 0.2 -W 2 $B6 >/dev/null || fail "ping a->b IPv6"
inb ping -6 -c 5 -i 0.2 -W 2 $A6 >/dev/null || fail "ping b->a IPv6"

for s in a b; do
	[ "$(sysstat $s rx_packets)" -ge 20 ] || fail "$s rx_packets $(sysstat $s rx_packets)"
	[ "$(sysstat $s tx_packets)" -ge 20 ] || fail "$s tx_packets $(sysstat $s tx_packets)"
	[ "$(sysstat $s rx_errors)" -eq 0 ] || fail "$s rx_errors"
	[ "$(qstat $s doorbells_received)" -gt 0 ] || fail "$s got no doorbell"
done
bells=$(( $(own_bells) - bells0 ))
[ "$bells" -eq 0 ] || fail "$bells multikernel doorbells rung for a pair's pings"
echo "a: rx $(sysstat a rx_packets) tx $(sysstat a tx_packets) doorbells $(qstat a doorbells), no IPI"

# The default, as a new pair has it, with one queue pair: a's served
# by CPU 0, b's by CPU 1.  Pinged from CPU 0, a request and its answer
# each cross to the other CPU: a multikernel doorbell each.  Pinged from
# CPU 1, each request's doorbell is for the CPU it is rung on, which
# schedules b's NAPI there without an IPI.
setup_pair
if [ "$(nproc)" -lt 2 ]; then
	echo "one CPU: every doorbell of a pair is for the CPU it is rung on"
	cleanup
	exit 0
fi
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L"
took() { echo $(( $(qstat a doorbells_received) + $(qstat b doorbells_received) )); }

bells0=$(own_bells)
ina taskset -c 0 ping -c 5 -i 0.2 -W 2 $B4 >/dev/null || fail "ping a->b from CPU 0"
bells=$(( $(own_bells) - bells0 ))
[ "$bells" -ge 10 ] || fail "$bells multikernel doorbells for 5 pings from CPU 0"
echo "a new pair: 5 pings from CPU 0 rang $bells multikernel doorbells"

bells0=$(own_bells) took0=$(took)
ina taskset -c 1 ping -c 5 -i 0.2 -W 2 $B4 >/dev/null || fail "ping a->b from CPU 1"
bells=$(( $(own_bells) - bells0 ))
# Each IPI, or bit already pending, is at most one doorbell taken.
here=$(( $(took) - took0 - bells ))
[ "$here" -ge 5 ] || fail "$here doorbells without an IPI for 5 pings from CPU 1"
echo "from CPU 1: $bells multikernel doorbells, $here rung on their own CPU"
cleanup
