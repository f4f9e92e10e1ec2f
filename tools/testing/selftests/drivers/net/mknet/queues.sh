#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ethtool -L: counts checked, both ends follow, changes under traffic and
# while the peer is down, flows spread over the queues, counters survive;
# a failed -L keeps the old queues; TX completion rounds are bounded;
# doorbells leave a CPU that goes offline.
. "$(dirname "$0")/lib.sh"
setup_pair
steps 8

# Queue directories side $1 shows in sysfs, as "rx tx".
sysqueues() {
	in$1 ls /sys/class/net/mk${1}0/queues |
		awk '/^rx-/ { r++ } /^tx-/ { t++ } END { print r + 0, t + 0 }'
}

step refused_counts
ina $ETHTOOL -L mka0 combined 0 2>/dev/null && fail "0 queues accepted"
ina $ETHTOOL -L mka0 combined 9 2>/dev/null && fail "9 queues accepted"

step resize_under_ping
ping_under 150
for n in 4 1 8 2; do
	ina $ETHTOOL -L mka0 combined $n || fail "ethtool -L combined $n"
	[ "$(channels a)" = $n ] || fail "a has $(channels a) queues, not $n"
	[ "$(channels b)" = $n ] || fail "b has $(channels b) queues, not $n"
	[ "$(sysqueues b)" = "$n $n" ] || fail "b shows queues $(sysqueues b), not $n"
	sleep 0.5
done
ping_under_done "queue changes under ping"

step resize_peer_down
# Changed from the peer's side while this one is down.
ina $IP link set mka0 down
inb $ETHTOOL -L mkb0 combined 3 || fail "ethtool -L with the peer down"
ina $IP link set mka0 up
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L with the peer down"
[ "$(channels a)" = 3 ] || fail "a has $(channels a) queues, not 3"
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping on 3 queues"

step flows_spread
# Eight flows over four queue pairs: more than one pair carries them,
# by the frames of a each pair completed (doorbells would not say: a
# stream's receiver lingers without them).
ina $ETHTOOL -L mka0 combined 4 || fail "ethtool -L combined 4"
wait_carrier a 1 || fail "carrier after -L 4"
before=""
for q in 0 1 2 3; do
	before="$before $(stat a rx${q}_tx_completed)"
done
inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 3 -P 8 >/dev/null || fail "iperf3 -P 8 on 4 queues"
busy=0
q=0
for a0 in $before; do
	d=$(( $(stat a rx${q}_tx_completed) - a0 ))
	echo "queue pair $q: $d frames of a"
	[ "$d" -ge 100 ] && busy=$((busy + 1))
	q=$((q + 1))
done
[ "$busy" -ge 2 ] || fail "8 flows used $busy of 4 queue pairs"

step shrink_counts
# Shrinking loses no counts: what the gone queues moved stays in the
# totals, and the frames in flight on the gone queues are freed, not
# dropped.  Drops before it (the ring under 8 flows) are only reported.
rx0=$(sysstat b rx_bytes)
tx0=$(sysstat a tx_bytes)
drop0=$(sysstat a tx_dropped)
[ "$drop0" -eq 0 ] || echo "tx drops before the shrink: $drop0;" \
	"$(ina $ETHTOOL -S mka0 | awk '$1 ~ /^tx[0-9]+_drop/ && $2 > 0' | tr -s ' \n' ' ')"
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
[ "$(sysstat b rx_bytes)" -ge "$rx0" ] || fail "rx_bytes went back from $rx0"
[ "$(sysstat a tx_bytes)" -ge "$tx0" ] || fail "tx_bytes went back from $tx0"
[ "$(sysstat a tx_dropped)" -eq "$drop0" ] ||
	fail "the shrink dropped $(($(sysstat a tx_dropped) - drop0)) frames"
[ "$(sysstat b rx_errors)" -eq 0 ] || fail "rx errors"
wait_carrier a 1 || fail "carrier after -L 1"
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping on 1 queue"
echo "queue counts 4 1 8 2 3 4 1 under traffic and with the peer down; $busy of 4 pairs busy"

sc=$(scribble_file a)
need_scribble "$sc"

step failed_resize
# ethtool -L that cannot have the page_pool of a new queue fails whole:
# the stack keeps one TX queue, so flows it would hash over eight go out
# on the one ring there is, none dropped (once it oopsed on a ring it
# did not have).
echo fail-resize > "$sc" || fail "scribble fail-resize"
ina $ETHTOOL -L mka0 combined 8 2>/dev/null && fail "-L 8 succeeded without its page_pool"
[ "$(channels a)" = 1 ] || fail "a has $(channels a) queues after a failed -L, not 1"
[ "$(sysqueues a)" = "1 1" ] || fail "a shows queues $(sysqueues a) after a failed -L"
wait_carrier a 1 && wait_carrier b 1 || fail "carrier after a failed -L"
# Drops of no ring's: tx_dropped less what the rings counted under a reason.
unringed() { echo $(($(sysstat a tx_dropped) - $(qstat a dropped))); }
drop0=$(unringed)
inb $IPERF -s -1 -D -B $B4 >/dev/null
sleep 1
ina $IPERF -c $B4 -t 2 -P 8 >/dev/null || fail "iperf3 -P 8 after a failed -L"
[ "$(unringed)" -eq "$drop0" ] ||
	fail "$(($(unringed) - drop0)) frames for queues without a ring"
ina $ETHTOOL -L mka0 combined 8 || fail "ethtool -L combined 8 after the fault"
[ "$(sysqueues a)" = "8 8" ] || fail "a shows queues $(sysqueues a), not 8 8"
wait_carrier a 1 || fail "carrier after -L 8"

step completion_storm
# Polls that keep asking each other to complete our TX rings again: each
# gives up after a few rounds and runs again later, so softirq stays
# within its budget (once a poll went round for as long as asked).
ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
wait_carrier a 1 || fail "carrier after -L 1"
r0=$(qstat a completions_rescheduled)
echo storm > "$sc" || fail "scribble storm"
ina ping -q -c 5 -i 0.2 -W 2 $B4 >/dev/null
ok=$?
echo calm > "$sc" || fail "scribble calm"
[ $ok -eq 0 ] || fail "ping under a completion storm"
r1=$(qstat a completions_rescheduled)
echo "completion storm: $((r1 - r0)) polls rescheduled"
[ "$r1" -gt "$r0" ] || fail "the completion storm was not cut short"
ina ping -c 3 -W 2 $B4 >/dev/null || fail "ping after the storm"
echo "a failed -L keeps 1 queue, 8 flows undropped; completion storm bounded"

step cpu_offline
# A CPU that goes offline may be given to another kernel next: no
# doorbell of either end may name it after, and the ends find each
# other on the CPUs left.
pair_ipi_doorbells
ina $ETHTOOL -L mka0 combined 2 || fail "ethtool -L combined 2"
wait_carrier a 1 || fail "carrier after -L 2"
notify_of() { sed -n 's/^notify //p' "$(scribble_file $1 | sed 's/scribble$/rings/')"; }
gone=$(awk '/^apicid/ { n++ } /^apicid/ && n == 2 { print $3 }' /proc/cpuinfo)
cpu1=/sys/devices/system/cpu/cpu1/online
if [ -z "$gone" ] || ! [ -w $cpu1 ]; then
	step_skip cpu_offline "(one CPU: nothing to take offline)"
	steps_done
	cleanup
	exit 0
fi
notify_off() {
	[ -n "$(notify_of a)" ] && [ -n "$(notify_of b)" ] || return 1
	for x in $(notify_of a) $(notify_of b); do
		[ "$x" != "$gone" ] || return 1
	done
}
echo 0 > $cpu1 || fail "taking CPU 1 offline"
slowwait 10 notify_off
ok=$?
a=$(notify_of a) b=$(notify_of b)
ina ping -c 3 -W 2 $B4 >/dev/null
pinged=$?
echo 1 > $cpu1 || fail "CPU 1 did not come back"
[ $ok -eq 0 ] || fail "CPU 1 (APIC $gone) offline, doorbells still name it: a $a, b $b"
[ $pinged -eq 0 ] || fail "no ping with CPU 1 offline"
echo "CPU 1 (APIC $gone) offline: doorbells moved (a $a, b $b), ping answered"
steps_done
cleanup
