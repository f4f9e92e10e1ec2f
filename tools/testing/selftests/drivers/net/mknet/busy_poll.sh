#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A UDP ping-pong's doorbells, with moderation and with busy polling.
# Moderation spaces doorbells for frames by rx-usecs from the last one,
# so an exchange slower than that rings each frame's at once, while the
# completion of a request is held (tx-usecs, 1 ms by default) and the
# answer's doorbell carries it.  A socket that busy-polls runs mknet's
# NAPI context itself.  With the device's interrupts deferred
# (napi_defer_hard_irqs, gro_flush_timeout), the poll leaves its event
# index behind while the socket polls, and the other end rings no
# doorbell for its frames: next to none with it on both ends.
. "$(dirname "$0")/lib.sh"
SOCKPERF=${SOCKPERF:-sockperf}
PORT=11111
command -v "$SOCKPERF" >/dev/null || { echo "no sockperf"; exit 4; }
out=$TMP_DIR/sockperf
setup_pair

# One queue pair.
for s in a b; do
	in$s $ETHTOOL -L mk${s}0 combined 1 || fail "ethtool -L on $s"
done
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L"
ina ping -c 2 -W 2 $B4 >/dev/null || fail "no ping"

# Doorbells for frames, and for completions, both ends together.
bells() { echo $(( $(stat a tx0_doorbells) + $(stat b tx0_doorbells) )); }
cbells() {
	echo $(( $(stat a rx0_completion_doorbells) + $(stat b rx0_completion_doorbells) ))
}
held() {
	echo $(( $(stat a tx0_doorbells_deferred) + $(stat b tx0_doorbells_deferred) ))
}

# Busy polling for $1 us on both ends, the device's interrupts deferred
# for as long as sockets poll, with a timer of $1 us behind them.  Each
# busy poll that finds nothing uses up one deferral: a hundred would be
# gone within an exchange.
busy() {
	echo "$1" > /proc/sys/net/core/busy_read &&
		echo "$1" > /proc/sys/net/core/busy_poll || return 1
	for s in a b; do
		in$s sh -c "echo $(($1 ? 1000000 : 0)) > /sys/class/net/mk${s}0/napi_defer_hard_irqs &&
			echo $(($1 * 1000)) > /sys/class/net/mk${s}0/gro_flush_timeout" ||
			return 1
	done
}

# A 3 s ping-pong from a (CPU 0) to b (CPU 1); prints "exchanges
# frame-doorbells completion-doorbells held-frame-doorbells".  A socket
# takes busy_read when it is made: the server is made per run.
pingpong() {
	inb taskset -c 1 $SOCKPERF server -i $B4 -p $PORT --daemonize \
		>/dev/null 2>&1 || return 1
	sleep 1
	b0=$(bells) c0=$(cbells) h0=$(held)
	ina taskset -c 0 timeout 60 $SOCKPERF pp -i $B4 -p $PORT -t 3 \
		> "$out" 2>&1
	rc=$?
	b1=$(bells) c1=$(cbells) h1=$(held)
	killall sockperf 2>/dev/null
	[ $rc = 0 ] || { cat "$out"; return 1; }
	awk -v b=$((b1 - b0)) -v c=$((c1 - c0)) -v h=$((h1 - h0)) '
		/Total Run.*ReceivedMessages=/ {
		sub(/.*ReceivedMessages=/, ""); print $1 + 0, b, c, h }' "$out"
}

restore() { busy 0; rm -f "$out"; }
bfail() { restore; fail "$@"; }

[ "$(nproc)" -ge 2 ] || { echo "busy polling needs two CPUs here"; cleanup; exit 4; }
busy 0 || fail "net.core.busy_read"

# Completions held by default; frames spaced by 2 us, less than any
# exchange takes.
[ "$(ina $ETHTOOL -c mka0 | awk '/^tx-usecs:/ { print $2 }')" = 1000 ] ||
	bfail "completions are not held by default: $(ina $ETHTOOL -c mka0)"
for s in a b; do
	in$s $ETHTOOL -C mk${s}0 adaptive-rx off rx-usecs 2 rx-frames 64 ||
		bfail "ethtool -C rx-usecs 2 on $s"
done
r=$(pingpong) || bfail "ping-pong with moderation: $r"
# shellcheck disable=SC2086 # four figures
set -- $r
n=${1:-0} b=${2:-0} c=${3:-0} h=${4:-0}
echo "with rx-usecs 2 and completions held: $n exchanges, $b doorbells for frames ($h held), $c for completions"
[ "$n" -gt 0 ] || bfail "no exchange with moderation"
[ "$b" -ge "$n" ] || bfail "fewer doorbells for frames than exchanges"
[ $((h * 10)) -lt "$n" ] ||
	bfail "$h of $b doorbells for frames held for rx-usecs 2"
# The answer carries the completion of its request: a completion
# doorbell goes only when an answer takes longer than 1 ms.
[ $((c * 4)) -lt "$n" ] ||
	bfail "$c completion doorbells in $n exchanges with completions held"

# No moderation, so that every doorbell goes at once.
for s in a b; do
	in$s $ETHTOOL -C mk${s}0 adaptive-rx off adaptive-tx off rx-usecs 0 \
		tx-usecs 0 || bfail "ethtool -C on $s"
done
r=$(pingpong) || bfail "ping-pong without busy polling: $r"
# shellcheck disable=SC2086 # three figures
set -- $r
n0=${1:-0} b0=${2:-0}
echo "without busy polling: $n0 exchanges, $b0 doorbells for frames, ${3:-0} for completions"
[ "$n0" -gt 0 ] || bfail "no exchange without busy polling"
# A request and its answer, each to an end whose NAPI had completed.
[ "$b0" -ge "$n0" ] || bfail "fewer doorbells than exchanges without busy polling"

# 5 ms: longer than a round trip under TCG, so the answer is polled for.
busy 5000 || bfail "busy polling and deferral on"
r=$(pingpong) || bfail "ping-pong with busy polling: $r"
restore
# shellcheck disable=SC2086 # three figures
set -- $r
n1=${1:-0} b1=${2:-0} c1=${3:-0}
echo "with busy polling on both ends: $n1 exchanges, $b1 doorbells for frames, $c1 for completions"
[ "$n1" -gt 0 ] || fail "no exchange with busy polling"
# The sockets found the queue's NAPI context and polled it, and each end
# took the other's NAPI for on: the few doorbells left are those of the
# run's first exchanges.
[ $((b1 * 10)) -lt "$n1" ] ||
	fail "$b1 doorbells for frames in $n1 exchanges with busy polling"
[ $((c1 * 10)) -lt "$n1" ] ||
	fail "$c1 completion doorbells in $n1 exchanges with busy polling"
cleanup
