#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ping both ways over IPv4 and IPv6; counters move on both ends.  The
# pair's doorbells go through the multikernel doorbell by default, and
# interrupt no CPU when told to schedule the other end's NAPI.
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

# The default, as a new pair has it.
setup_pair
bells0=$(own_bells)
ina ping -c 5 -i 0.2 -W 2 $B4 >/dev/null || fail "ping a->b on a new pair"
bells=$(( $(own_bells) - bells0 ))
# A request and its answer: a doorbell each.
[ "$bells" -ge 10 ] || fail "$bells multikernel doorbells for 5 pings on a new pair"
echo "a new pair: 5 pings rang $bells multikernel doorbells"
cleanup
