#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Shared setup of the mknet selftests: a pair of mknet devices in this
# kernel, one end in netns "mka" (mka0), the other in "mkb" (mkb0), with
# documentation-range addresses.
IP=/opt/mknet/bin/ip
ETHTOOL=/opt/mknet/bin/ethtool
IPERF=/opt/mknet/bin/iperf3
A4=192.0.2.1
B4=192.0.2.2
A6=2001:db8::1
B6=2001:db8::2

fail() { echo "FAIL: $*"; cleanup; exit 1; }
ina() { $IP netns exec mka "$@"; }
inb() { $IP netns exec mkb "$@"; }

cleanup() {
	killall iperf3 2>/dev/null
	$IP netns del mka 2>/dev/null
	$IP netns del mkb 2>/dev/null
	sleep 0.5
}

# Wait up to $3 tenths of a second for carrier $2 on side $1 (a or b).
wait_carrier() {
	i=0
	while [ $i -lt "${3:-50}" ]; do
		[ "$(in$1 cat /sys/class/net/mk${1}0/carrier 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

setup_pair() {
	cleanup
	before=$(ls /sys/class/net)
	$IP link add mka0 type mknet || fail "ip link add type mknet"
	peer=
	for d in $(ls /sys/class/net); do
		echo "$before" | grep -qx "$d" || [ "$d" = mka0 ] || peer=$d
	done
	[ -n "$peer" ] || fail "no peer device appeared"
	$IP netns add mka
	$IP netns add mkb
	$IP link set mka0 netns mka
	$IP link set "$peer" netns mkb
	inb $IP link set "$peer" name mkb0
	ina $IP addr add $A4/24 dev mka0
	inb $IP addr add $B4/24 dev mkb0
	ina $IP addr add $A6/64 dev mka0 nodad
	inb $IP addr add $B6/64 dev mkb0 nodad
	ina $IP link set lo up
	inb $IP link set lo up
	ina $IP link set mka0 up
	inb $IP link set mkb0 up
	wait_carrier a 1 && wait_carrier b 1 || fail "carrier did not come up"
}

# One ethtool -S counter of side $1.
stat() {
	in$1 $ETHTOOL -S mk${1}0 | awk -v k="$2:" '$1 == k { print $2 }'
}

# One ethtool -S counter of side $1 summed over its queues: $2 is the
# name without the queue prefix, as "doorbells" for tx0_doorbells, ...
qstat() {
	in$1 $ETHTOOL -S mk${1}0 | awk -v k="$2" '
		{ sub(":$", "", $1) }
		$1 ~ "^(rx|tx)[0-9]+_" k "$" { s += $2 }
		END { print s + 0 }'
}

# Queue pairs side $1 has now, from ethtool -l.
channels() {
	in$1 $ETHTOOL -l mk${1}0 | awk '/^Current/ { c = 1 } c && /^Combined:/ { print $2 }'
}

# A standard counter from sysfs.
sysstat() {
	in$1 cat /sys/class/net/mk${1}0/statistics/$2
}
