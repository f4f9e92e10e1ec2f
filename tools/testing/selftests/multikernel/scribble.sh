#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Everything this kernel owns in the region is garbled once, with random
# bytes, zeros and 0xff bytes, and nobody puts it back: within a few
# seconds the heartbeat must have republished it from private state.  Our
# instance entry reads running again with our CPUs and a heartbeat that
# goes on from our own count, and messages flow through our ring to
# ourselves again, with ring_full no longer rising.
. "$(dirname "$0")/lib.sh"
LIMIT=6

# What is garbled is ours in the shared region.
require_region
[ -w $scribble ] || { echo "SKIP: no $scribble"; exit 4; }
self=$(cat $mk/instance)
d=$mk/instances/$self
ids=$(cat $d/apic_ids)
gen=$(cat $mk/generation)
[ "$(cat $d/state)" = running ] || fail "instance $self not running to begin with"

tenths() { awk '{ printf "%d\n", $1 * 10 }' /proc/uptime; }

# Our entry as we published it, and one message sent and taken.
healed() {
	[ "$(cat $d/state)" = running ] || return 1
	[ "$(cat $d/apic_ids)" = "$ids" ] || return 1
	hb=$(cat $d/heartbeat)
	[ "$hb" -ge "$hb0" ] 2>/dev/null && [ "$hb" -le $((hb0 + 30)) ] || return 1
	sent=$(cat $d/sent)
	echo ping 2>/dev/null > $scribble || return 1
	[ "$(cat $d/sent)" -gt "$sent" ]
}

taken() { cat $d/received $d/unknown_type $d/dropped | awk '{ s += $1 } END { print s }'; }

for mode in garble-random garble-zero garble-ff; do
	hb0=$(cat $d/heartbeat)
	echo $mode > $scribble || fail "$mode refused"
	t0=$(tenths)
	n=$((LIMIT * 10))
	until healed; do
		n=$((n - 1))
		[ $n -gt 0 ] || fail "$mode: not healed after ${LIMIT}s:" \
			"state $(cat $d/state), apic_ids '$(cat $d/apic_ids)'," \
			"heartbeat $(cat $d/heartbeat) (was $hb0)," \
			"sent $(cat $d/sent), ring_full $(cat $d/ring_full)"
		sleep 0.1
	done
	t=$(( $(tenths) - t0 ))
	# The ring works, not just once: no send refused as full any more.
	full=$(cat $d/ring_full)
	in=$(taken)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo ping > $scribble || fail "$mode: ping $i refused after healing"
	done
	sleep 1
	[ "$(cat $d/ring_full)" = "$full" ] ||
		fail "$mode: ring_full rose from $full to $(cat $d/ring_full)"
	[ "$(taken)" -gt "$in" ] || fail "$mode: nothing taken from our ring to ourselves"
	[ "$(cat $mk/generation)" = "$gen" ] ||
		fail "$mode: generation $(cat $mk/generation), was $gen"
	echo "$mode: healed in $((t / 10)).$((t % 10)) s; heartbeat $hb0 -> $(cat $d/heartbeat)," \
		"corrupt $(cat $d/corrupt), resync $(cat $d/resync), dropped $(cat $d/dropped)"
done
