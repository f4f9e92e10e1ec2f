#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Interrupt moderation the ethtool way: adaptive for frames and
# completions held by default; rx/tx usecs and frames round-trip, per
# queue too, and are refused out of range; no interval takes any count;
# rx-frames N cuts the doorbells a stream costs as N grows; a lone ping
# does not wait for rx-usecs while a stream does; a sender stopped by
# byte queue limits gets its completions at once; switching adaptive
# moderation on and off under TCP loses and miscounts nothing.
. "$(dirname "$0")/lib.sh"
setup_pair
steps 9

# "Adaptive RX: on  TX: on" and "rx-usecs: 8" style lines of ethtool -c.
coal() {
	in$1 $ETHTOOL -c mk${1}0 | awk -v k="$2" '
		k == "adaptive-rx" && /^Adaptive RX:/ { print $3 }
		k == "adaptive-tx" && /^Adaptive RX:/ { print $5 }
		$1 == k ":" { print $2 }'
}

step defaults
got="$(coal a adaptive-rx) $(coal a adaptive-tx) $(coal a tx-usecs) $(coal a tx-frames)"
[ "$got" = "on off 1000 64" ] ||
	fail "defaults are not adaptive-rx and completions held: $(ina $ETHTOOL -c mka0)"

step round_trip
# Round trip.
ina $ETHTOOL -C mka0 adaptive-rx off adaptive-tx off rx-usecs 50 \
	rx-frames 32 tx-usecs 20 tx-frames 16 || fail "ethtool -C"
got="$(coal a adaptive-rx) $(coal a adaptive-tx) $(coal a rx-usecs)"
got="$got $(coal a rx-frames) $(coal a tx-usecs) $(coal a tx-frames)"
[ "$got" = "off off 50 32 20 16" ] || fail "ethtool -c reads back '$got'"
echo "round trip: $got"

step out_of_range
# Out of range: refused, unchanged.
for bad in "rx-usecs 10001" "tx-usecs 10001" "rx-frames 1025" \
	   "tx-frames 1025"; do
	# shellcheck disable=SC2086 # word splitting wanted
	if ina $ETHTOOL -C mka0 $bad 2>/dev/null; then
		fail "ethtool -C $bad was accepted"
	fi
done
got="$(coal a rx-usecs) $(coal a rx-frames) $(coal a tx-usecs) $(coal a tx-frames)"
[ "$got" = "50 32 20 16" ] || fail "a refused -C changed the values to '$got'"
echo "refused out of range, values kept"
step no_interval
# No interval: nothing waits, whatever count is kept for a later one.
ina $ETHTOOL -C mka0 rx-usecs 0 tx-usecs 0 ||
	fail "ethtool -C rx-usecs 0 tx-usecs 0 refused with counts set"
ina $ETHTOOL -C mka0 rx-usecs 50 tx-usecs 20 || fail "ethtool -C back"

# Per queue: queue 1 alone.
if [ "$(channels a)" -ge 2 ]; then
	step per_queue
	ina $ETHTOOL --per-queue mka0 queue_mask 0x2 --coalesce rx-usecs 77 ||
		fail "per-queue -C"
	q=$(ina $ETHTOOL --per-queue mka0 queue_mask 0x3 --show-coalesce |
	    awk '$1 == "rx-usecs:" { printf "%s ", $2 }')
	[ "$q" = "50 77 " ] || fail "per-queue rx-usecs read back '$q'"
	echo "per queue: rx-usecs $q"
else
	step_skip per_queue "(one queue)"
fi

step rx_frames
# Doorbells a paced UDP stream costs b, as rx-frames grows (one queue
# pair, so every frame and doorbell is on queue 0's counters).  At 500
# frames/s b goes idle after each frame, whatever the machine, and a
# 10 ms interval holds five frames: rx-frames 2 rings once two are due,
# rx-frames 32 never comes due and the interval alone rings.
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L"
inb $IPERF -s -D -B $B4 >/dev/null
sleep 1
# Prints "doorbells frames" b took in 3 s; $1 rx-frames, $2 rx-usecs.
# Run in a subshell: it reports trouble as a negative figure.
stream_doorbells() {
	local db rx
	inb $ETHTOOL -C mkb0 adaptive-rx off rx-usecs "$2" rx-frames "$1" ||
		{ echo "-1 0"; return; }
	db=$(stat b rx0_doorbells_received)
	rx=$(sysstat b rx_packets)
	ina $IPERF -c $B4 -u -l 64 -b 256K -t 3 >/dev/null 2>&1 ||
		{ echo "-2 0"; return; }
	rx=$(( $(sysstat b rx_packets) - rx ))
	if [ "$rx" -le 300 ]; then
		echo "rx-frames $1: b took $rx frames" >&2
		ina $ETHTOOL -S mka0 | grep -v ' 0$' >&2
		inb $ETHTOOL -S mkb0 | grep -v ' 0$' >&2
		echo "-3 0"
		return
	fi
	echo "$(( $(stat b rx0_doorbells_received) - db )) $rx"
}
read -r bells1 frames1 <<< "$(stream_doorbells 1 0)"
read -r bells2 frames2 <<< "$(stream_doorbells 2 10000)"
read -r bells32 frames32 <<< "$(stream_doorbells 32 10000)"
echo "b's doorbells for frames: rx-frames 1: $bells1 for $frames1," \
	"2: $bells2 for $frames2, 32: $bells32 for $frames32"
for v in "$bells1" "$bells2" "$bells32"; do
	[ "$v" -ge 0 ] || fail "stream failed (-1: ethtool -C, -2: iperf3, -3: under 300 frames)"
done
# Held doorbells ring once the count is due or the interval since the
# last is over, whichever comes first: 300 in the 3 s (100 of slack for
# iperf3's control frames and the stream's ends; without moderation it
# would be 1500), plus one per N frames.  rx-frames 2 rings for every
# other frame, more than the interval alone would; rx-frames 1 without
# an interval for each frame or burst.
[ "$bells32" -le 400 ] ||
	fail "rx-frames 32 rang $bells32 times: more than once per 10 ms"
[ "$bells2" -le $((frames2 / 2 + 400)) ] ||
	fail "rx-frames 2 rang $bells2 times for $frames2 frames"
[ $((bells2 * 2)) -gt $((bells32 * 3)) ] ||
	fail "rx-frames 2 rang no more than the interval: $bells2 against $bells32"
[ "$bells1" -gt "$bells32" ] ||
	fail "no moderation rang no more than the interval: $bells1 against $bells32"

step lone_ping
# Moderation holds a stream's doorbells for rx-usecs, 5 ms here, but not
# a lone frame's: a ping 0.3 s after the last comes after a quiet spell
# longer than that, so its doorbell goes at once on both ends, while a
# stream's are held for the timer.
for s in a b; do
	in$s $ETHTOOL -C mk${s}0 adaptive-rx off rx-usecs 5000 rx-frames 1024 ||
		fail "-C $s rx-usecs 5000"
done
sleep 0.1
da=$(stat a tx0_doorbells_deferred) db=$(stat b tx0_doorbells_deferred)
ina ping -c 5 -i 0.3 -W 2 $B4 >/dev/null || fail "ping with rx-usecs 5000"
da=$(( $(stat a tx0_doorbells_deferred) - da ))
db=$(( $(stat b tx0_doorbells_deferred) - db ))
echo "5 lone pings with rx-usecs 5000 on both ends: doorbells held a $da, b $db"
[ $da -le 1 ] && [ $db -le 1 ] || fail "lone pings waited for moderation"
timed=$(stat a rx0_doorbells_timed)
ina timeout 20 $IPERF -c $B4 -t 2 -u -b 4M -l 500 >/dev/null ||
	fail "iperf3 UDP with rx-usecs 5000"
timed=$(( $(stat a rx0_doorbells_timed) - timed ))
echo "a stream of 1000 frames/s: a's timer rang $timed held doorbells"
[ $timed -gt 0 ] || fail "no held doorbell rang"

step stopped_sender
# A sender whose queue stopped gets its completions at once, whatever
# tx-usecs asks.  Byte queue limits of 1 byte stop a's queue after every
# frame; with its completions held 10 ms, a one-way flood would move
# about one frame per 10 ms.  b rings for frames at once.
limit=/sys/class/net/mka0/queues/tx-0/byte_queue_limits/limit_max
max=$(ina cat $limit)
ina $ETHTOOL -C mka0 adaptive-tx off tx-usecs 10000 || fail "-C a tx-usecs 10000"
inb $ETHTOOL -C mkb0 adaptive-rx off rx-usecs 0 rx-frames 1 || fail "-C b rx-usecs 0"
ina sh -c "echo 1 > $limit" || fail "BQL limit_max 1"
rx=$(sysstat b rx_packets)
ina timeout 20 $IPERF -c $B4 -t 3 -u -b 20M -l 64 >/dev/null 2>&1
rc=$?
ina sh -c "echo $max > $limit"
[ $rc = 0 ] || fail "iperf3 UDP with BQL at 1 byte"
rx=$(( $(sysstat b rx_packets) - rx ))
echo "BQL at 1 byte, completions held 10 ms: b took $rx frames in 3 s"
[ "$rx" -gt 1000 ] || fail "a stopped sender waited for its completions: $rx frames"

step adaptive_switch
# Adaptive moderation switched on and off under TCP: no drop, no error,
# and every frame a sent is one b received.  The counts start while
# nothing is in flight: a stray frame (neighbour discovery, say) sent
# between the two reads and received before the second would count on
# one side only.  Quiet for longer than the watchdog's slowest poll.
i=0
while :; do
	tx=$(sysstat a tx_packets) rx=$(sysstat b rx_packets)
	sleep 0.6
	[ "$tx" = "$(sysstat a tx_packets)" ] && [ "$rx" = "$(sysstat b rx_packets)" ] && break
	i=$((i + 1))
	[ $i -lt 30 ] || fail "a and b never quiet for 0.6 s"
done
ina $IPERF -c $B4 -t 6 >/dev/null 2>&1 &
for i in 1 2 3 4 5; do
	sleep 1
	for s in a b; do
		[ $((i % 2)) -eq 1 ] && mode=on || mode=off
		in$s $ETHTOOL -C mk${s}0 adaptive-rx $mode adaptive-tx $mode \
			rx-usecs 20 rx-frames 8 tx-usecs 20 tx-frames 8 ||
			fail "adaptive $mode under traffic"
	done
done
wait $! || fail "iperf3 TCP while switching adaptive moderation"
# Both sides counted at each look: a frame a sends after iperf3 is done
# counts once it arrives.
balanced() {
	[ $(( $(sysstat b rx_packets) - rx )) -eq $(( $(sysstat a tx_packets) - tx )) ]
}
slowwait 5 balanced || {
	sent=$(( $(sysstat a tx_packets) - tx ))
	# Where the frame went, for whoever reads the log.
	ina $ETHTOOL -S mka0 | grep -vw 0 | sed 's/^/a: /'
	inb $ETHTOOL -S mkb0 | grep -vw 0 | sed 's/^/b: /'
	fail "a sent $sent frames, b received $(( $(sysstat b rx_packets) - rx ))"
}
sent=$(( $(sysstat a tx_packets) - tx ))
for c in "a tx_dropped" "b rx_dropped" "b rx_errors" "a tx_errors"; do
	# shellcheck disable=SC2086 # side and name
	[ "$(sysstat $c)" -eq 0 ] || fail "$c: $(sysstat $c)"
done
bql=/sys/class/net/mka0/queues/tx-0/byte_queue_limits/inflight
slowwait 5 until_counter_is "== 0" ina cat $bql >/dev/null ||
	fail "BQL still has $(ina cat $bql) bytes in flight"
echo "adaptive on/off under TCP: $sent frames sent and received, no drops"
steps_done
cleanup
