#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iperf3 TCP a->b: non-zero throughput, the receiver's byte counter covers
# what iperf3 moved, no drop.  The receiver of the stream lingers (polls
# again without asking for a doorbell), a ping afterwards does not, nor
# does a stream with adaptive-rx off.  Then again with NAPI interrupt
# deferral on the receiver: it re-arms its doorbell rarely, and the
# sender must see that and suppress most doorbells.
. "$(dirname "$0")/lib.sh"
setup_pair

run() {		# label
	rx0=$(sysstat b rx_bytes)
	pk0=$(sysstat a tx_packets)
	db0=$(qstat a doorbells)
	lg0=$(qstat b polls_lingered)
	inb $IPERF -s -1 -D -B $B4 >/dev/null
	sleep 1
	# The exact figures, from iperf3's JSON: its text rounds to three
	# digits, which can claim more than was moved.
	out=$(ina $IPERF -c $B4 -t 5 -J 2>&1) || fail "iperf3: $out"
	received() {
		echo "$out" | awk -v k="\"$1\":" '/"sum_received"/ { f = 1 }
			f && $1 == k { sub(",", "", $2); printf "%.0f\n", $2; exit }'
	}
	moved=$(received bytes)
	mbps=$(( $(received bits_per_second) / 1000000 ))
	rx=$(( $(sysstat b rx_bytes) - rx0 ))
	pk=$(( $(sysstat a tx_packets) - pk0 ))
	db=$(( $(qstat a doorbells) - db0 ))
	lingered=$(( $(qstat b polls_lingered) - lg0 ))
	echo "$1: ${mbps} Mbit/s, iperf3 moved $moved bytes, b counted $rx;" \
	     "a sent $pk packets with $db doorbells; b lingered $lingered polls"
	[ "${mbps:-0}" -gt 0 ] || fail "no throughput"
	[ "$rx" -ge "$moved" ] || fail "rx_bytes $rx < iperf3 bytes $moved"
	[ "$(sysstat a tx_dropped)" -eq 0 ] || fail "tx drops"
	[ "$(sysstat b rx_errors)" -eq 0 ] || fail "rx errors"
}

run default
[ "$db" -le "$pk" ] || fail "more doorbells than packets"
[ "$lingered" -gt 0 ] || fail "the receiver of a stream never lingered"

# A ping's frames are far below the mark: every poll asks for a doorbell.
sleep 1
lg0=$(qstat b polls_lingered)
ina ping -c 10 -i 0.2 -W 2 $B4 >/dev/null || fail "ping after the stream"
lingered=$(( $(qstat b polls_lingered) - lg0 ))
echo "10 pings: b lingered $lingered polls"
[ "$lingered" -eq 0 ] || fail "b lingered $lingered polls for 10 pings"

inb $ETHTOOL -C mkb0 adaptive-rx off || fail "ethtool -C adaptive-rx off"
run "adaptive-rx off"
[ "$lingered" -eq 0 ] || fail "b lingered $lingered polls with adaptive-rx off"
inb $ETHTOOL -C mkb0 adaptive-rx on || fail "ethtool -C adaptive-rx on"

inb sh -c 'echo 100 > /sys/class/net/mkb0/napi_defer_hard_irqs'
inb sh -c 'echo 200000 > /sys/class/net/mkb0/gro_flush_timeout'
run deferred
[ $((db * 2)) -lt "$pk" ] || fail "receiver deferral did not suppress doorbells ($db for $pk)"
cleanup
