#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Messages sent to each of our CPUs through the real vector move the
# framework's counters, and they and /proc/interrupts agree.  The
# messages are our own: whatever ran before (the KUnit loopback suite,
# mknet) may have sent some, or nothing.
. "$(dirname "$0")/lib.sh"
N=10

require_region
[ -w $scribble ] || { echo "SKIP: no $scribble to send messages with"; exit 4; }

self=$(cat $mk/instance)
d=$mk/instances/$self
taken() { cat "$d/received" "$d/unknown_type" "$d/dropped" | awk '{ s += $1 } END { print s }'; }
mki() {
	awk '$1 == "MKI:" { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts
}
sent0=$(cat "$d/sent") taken0=$(taken) ipis0=$(cat $mk/ipis_received) mki0=$(mki)
[ -n "$mki0" ] || fail "no MKI line in /proc/interrupts"
# Each write sends one message of the test type to each online CPU of
# ours, and succeeds only if one went.
i=0
while [ $i -lt $N ]; do
	echo ping > $scribble || fail "ping $i refused"
	i=$((i + 1))
done
# Until every message sent is taken out of the ring: the counts below
# are then of a quiet ring.
i=0
until [ $(($(taken) - taken0)) -ge $(($(cat "$d/sent") - sent0)) ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "of $(($(cat "$d/sent") - sent0)) messages sent," \
		"$(($(taken) - taken0)) taken in 5 s"
	sleep 0.1
done
echo "$N pings: sent $sent0 -> $(cat "$d/sent"), taken $taken0 -> $(taken)," \
	"ipis_received $ipis0 -> $(cat $mk/ipis_received), MKI $mki0 -> $(mki)"
[ $(($(cat "$d/sent") - sent0)) -ge $N ] ||
	fail "$N pings moved sent by $(($(cat "$d/sent") - sent0))"
[ "$(cat $mk/ipis_received)" -gt "$ipis0" ] || fail "no IPI taken for $N pings"
[ "$(mki)" -gt "$mki0" ] || fail "/proc/interrupts shows no MKI for $N pings"

sent=$(cat $d/sent)
ipis=$(cat $d/ipis_sent)
recv=$(cat $d/received)
unknown=$(cat $d/unknown_type)
dropped=$(cat $d/dropped)
corrupt=$(cat $d/corrupt)
full=$(cat $d/ring_full)
mki=$(mki)
taken=$(cat $mk/ipis_received)
echo "sent $sent ipis_sent $ipis received $recv unknown $unknown dropped $dropped corrupt $corrupt ring_full $full"
echo "MKI in /proc/interrupts $mki, ipis_received $taken"

[ "$ipis" -eq "$sent" ] || fail "one IPI per message expected: $ipis vs $sent"
[ $((recv + unknown + dropped)) -eq "$sent" ] ||
	fail "messages lost: sent $sent, accounted $((recv + unknown + dropped))"
[ "$dropped" -eq 0 ] && [ "$corrupt" -eq 0 ] || fail "drops on a local ring"
[ "$mki" -eq "$taken" ] || fail "/proc/interrupts $mki vs ipis_received $taken"
bells=$(cat $d/bells_rung)
# Doorbells are IPIs too, without a message.
[ "$mki" -le $((ipis + bells)) ] && [ "$mki" -gt 0 ] ||
	fail "interrupts $mki for $ipis IPIs and $bells doorbells"
# The drain budget's own account: every IPI taken is in it, and a budget
# that ran out was followed by a catch-up drain.
ipis=/sys/kernel/debug/multikernel/ipis
if [ -r $ipis ]; then
	echo "$(grep -v '^instance' $ipis | tr '\n' ' ')"
	[ "$(awk '$1 == "received" { print $2 }' $ipis)" -ge "$taken" ] ||
		fail "$ipis counts fewer IPIs than ipis_received $taken"
	cut=$(awk '$1 == "drains_cut" || $1 == "deferred" { s += $2 } END { print s }' $ipis)
	[ "$cut" -eq 0 ] || [ "$(awk '$1 == "catchups" { print $2 }' $ipis)" -gt 0 ] ||
		fail "the drain budget ran out $cut times and nothing caught up"
fi
