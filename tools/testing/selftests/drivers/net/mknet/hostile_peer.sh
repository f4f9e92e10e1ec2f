#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# One end (a) plays a hostile peer through mknet's fault injection and
# writes into its own area what a broken kernel could.  The other end (b)
# must count every drop, never splat, stay responsive, and the link must
# work again once a has stopped.
. "$(dirname "$0")/lib.sh"
setup_pair

sc=$(scribble_file a)
need_scribble "$sc"
# What a hostile peer can do to the multikernel doorbell is part of it.
pair_ipi_doorbells

# Wait up to 10 s for a counter of b ($2 from ethtool -S, or a standard
# one when $1 is "sysstat") to move past $3.  The slowest path, a frame
# nobody rang for, waits for the watchdog's tick; TCG on a busy host is
# slow.
moves_past() {
	slowwait 10 until_counter_is "> $3" $1 b $2 >/dev/null
}

alive() {
	echo restore > $sc
	wait_carrier b 1 100 || fail "carrier did not return after '$1'"
	ina ping -c 3 -W 3 $B4 >/dev/null || fail "link dead after '$1'"
	inb ping -c 3 -W 3 $A4 >/dev/null || fail "link dead both ways after '$1'"
}

grows() {	# mode counter
	before=$(stat b $2)
	echo $1 > $sc || fail "scribble $1"
	moves_past stat $2 "$before" || fail "'$1' not counted in $2 ($before)"
	echo "$1: b $2 $before -> $(stat b $2)"
	alive $1
}

grows desc rx0_drop_bad_desc
grows len rx0_drop_bad_desc
grows chain rx0_drop_bad_desc
grows hdr rx0_drop_bad_hdr

# Frames naming memory that is not a's RAM (no RAM, the shared region, a
# local APIC, round the end of the address space, across and past the end
# of a's RAM): all six are dropped, none is read.
before=$(stat b rx0_drop_bad_addr)
echo addr > $sc || fail "scribble addr"
moves_past stat rx0_drop_bad_addr $((before + 5)) ||
	fail "bad addresses: $(($(stat b rx0_drop_bad_addr) - before)) of 6 counted"
echo "addr: b rx0_drop_bad_addr $before -> $(stat b rx0_drop_bad_addr)"
alive addr

# The longest frame the checks accept, in the most pieces, is received
# whole: it must fit the skb's fragments (KASAN watches the array's end).
rx0=$(sysstat b rx_packets)
echo longest > $sc || fail "scribble longest"
moves_past sysstat rx_packets "$rx0" || fail "the longest frame was not taken"
alive longest
# An impossible producer index cuts the peer off until it is sane again.
# Held for longer than a waits for b to consume (3 s), a takes its frames
# back with a new epoch, which b takes up at the impossible index: the
# restore must start the ring over for b to follow it back.
echo prod > $sc
wait_carrier b 0 100 || fail "carrier stayed up on an impossible index"
reclaims=$(stat a tx0_reclaims)
slowwait 10 until_counter_is "> $reclaims" stat a tx0_reclaims >/dev/null ||
	fail "a did not take back the frames b stopped consuming"
echo "prod: a reclaimed its ring $(($(stat a tx0_reclaims) - reclaims)) times"
grows prod rx0_drop_bad_index

# A state that is not UP: carrier goes, and comes back.
echo state > $sc
wait_carrier b 0 100 || fail "carrier stayed up on a garbage peer state"
alive state

# A doorbell storm: 10000 rings of one doorbell.  A ring that finds the
# bit still set sends no IPI, so b takes far fewer than 10000, and keeps
# answering.  Both ends are this kernel: its own instance's counters.
bells=/sys/kernel/multikernel/instances/$(cat /sys/kernel/multikernel/instance)
db0=$(stat b rx0_doorbells_received)
rung0=$(cat $bells/bells_rung) pending0=$(cat $bells/bells_pending)
echo flood > $sc
rung=$(($(cat $bells/bells_rung) - rung0))
pending=$(($(cat $bells/bells_pending) - pending0))
slowwait 5 until_counter_is "> $db0" stat b rx0_doorbells_received >/dev/null ||
	fail "flood: b took none of the doorbells"
echo "flood: $rung IPIs, $pending rings coalesced;" \
	"b took $(( $(stat b rx0_doorbells_received) - db0 )) doorbells"
[ $((rung + pending)) -ge 10000 ] ||
	fail "flood: 10000 rings, counted $rung rung and $pending pending"
[ "$pending" -gt 0 ] || fail "flood: every ring sent an IPI, none coalesced"
alive flood

# A frame without its doorbell: the watchdog's slow poll picks it up.
rx0=$(sysstat b rx_packets)
echo silence > $sc
moves_past sysstat rx_packets "$rx0" || fail "frame without doorbell never taken"
alive silence
echo "all hostile writes counted; link recovered each time"
cleanup
