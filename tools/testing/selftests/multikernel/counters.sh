#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# After the KUnit loopback suite has sent messages between CPUs through the
# real vector, the framework's counters and /proc/interrupts must agree.
mk=/sys/kernel/multikernel
fail() { echo "FAIL: $*"; exit 1; }

self=$(cat $mk/instance)
d=$mk/instances/$self
sent=$(cat $d/sent)
ipis=$(cat $d/ipis_sent)
recv=$(cat $d/received)
unknown=$(cat $d/unknown_type)
dropped=$(cat $d/dropped)
corrupt=$(cat $d/corrupt)
full=$(cat $d/ring_full)
mki=$(awk '$1 == "MKI:" { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts)
taken=$(cat $mk/ipis_received)
echo "sent $sent ipis_sent $ipis received $recv unknown $unknown dropped $dropped corrupt $corrupt ring_full $full"
echo "MKI in /proc/interrupts $mki, ipis_received $taken"

[ -n "$mki" ] || fail "no MKI line in /proc/interrupts"
[ "$sent" -gt 0 ] || fail "nothing was sent (did the KUnit loopback suite run?)"
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
