#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Both ends take new rings again and again under TCP both ways, every
# byte checked, on a one-CPU and on a two-CPU instance 1: we send it 16
# MiB (port 5302, it answers their MD5), it sends us 16 MiB of its own
# after their MD5 (port 5304), and it reshapes its end six times (port
# 5303) while we reshape ours.  Each reshape takes back the frames the
# other end may still copy; a frame freed before the other end let go of
# it arrives as other bytes (offloads make TCP trust the checksum of a
# frame between kernels), and a reclaim nobody acknowledges stalls the
# streams.  Nothing counts a bad index or descriptor meanwhile, nor
# across the restart between the two.  Before, mknet0, made for the
# first instance 1 and kept for the second, must ring only CPUs we still
# run on.
. "$(dirname "$0")/lib.sh"

carrier() { [ "$(cat /sys/class/net/mknet0/carrier 2>/dev/null)" = "$1" ]; }
qsum() {
	$ETHTOOL -S mknet0 | awk -v k="$1" '{ sub(":$", "", $1) }
		$1 ~ "^(rx|tx)[0-9]+_" k "$" { s += $2 } END { print s + 0 }'
}
channels() { $ETHTOOL -l mknet0 | awk '/^Current/ { c = 1 } c && /^Combined:/ { print $2 }'; }
# What only a peer's garbage, or our misreading of a peer, counts.
bad() { echo $(qsum bad_peer_cons) $(qsum drop_bad_index) $(qsum drop_bad_desc) $(qsum drop_bad_addr); }
ring() { $ETHTOOL -g mknet0 | awk -v k="$1:" '/^Current/ { c = 1 } c && $1 == k { print $2 }'; }
rings() {
	_l=$($ETHTOOL -i mknet0 | sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
	cat /sys/kernel/debug/mknet/link$_l/rings
}

reshape_to() {	# queue pairs, TX ring size; busy until the peer moved
	_r=0
	until $ETHTOOL -L mknet0 combined $1 2>/dev/null &&
	      $ETHTOOL -G mknet0 tx $2 2>/dev/null; do
		_r=$((_r + 1))
		[ $_r -lt 50 ] || fail "-L $1 -G tx $2 refused for 10 s"
		sleep 0.2
	done
}

# A connection that stops moving is what this test looks for: show what
# each ring waits for, and end it rather than sit out the kselftest
# timeout.
watchdog() {
	sleep 120
	echo "streams still open after 120 s; our rings, and the words of instance 1's:"
	rings
	$ETHTOOL -S mknet0 | grep -E 'reclaim|reset|epoch|timeout|drop' | grep -v ' 0$'
	echo w > /proc/sysrq-trigger
	killall nc 2>/dev/null
}

dd if=/dev/urandom of="$TMP_DIR/pattern" bs=64k count=256 2>/dev/null
steps 2
for cpus in 1 1-2; do
	step "cpus_$cpus"
	# Across the restart of instance 1 too: its new area may lie where
	# the last one did.
	bad0=
	[ -e /sys/class/net/mknet0 ] && bad0=$(bad)
	CPUS=$cpus load_instance
	echo start > $d/control || fail "start refused"
	wait_for 300 state_is running || fail "instance 1 not running (state $(cat $d/state))"
	wait_for 30 test -e /sys/class/net/mknet0 || fail "no mknet0 for instance 1"
	[ -n "$bad0" ] || bad0=$(bad)
	$IP addr replace 192.0.2.1/24 dev mknet0
	$IP link set mknet0 up
	wait_for 120 carrier 1 || fail "no carrier on mknet0"
	wait_for 60 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "instance 1 does not answer ping"
	# mknet0 outlives each instance 1, and the CPUs we give it change:
	# its doorbells must follow to CPUs we still run on.
	wait_for 10 doorbells_ours ||
		fail "CPUs $cpus given away: our entry lists APIC IDs" \
			"$(cat ${d%/*}/0/apic_ids), we run on $(our_apicids);" \
			"mknet0's doorbells $(rings | sed -n 's/^notify //p')"
	echo "CPUs $cpus given away: our entry and mknet0's doorbells name" \
		"only CPUs we run on ($(our_apicids))"
	queues=$(channels) tx=$(ring TX)
	q2=$((queues == 1 ? 2 : 1)) tx2=$((tx == 512 ? 256 : 512))
	reclaims0=$(qsum reclaims) resets0=$(qsum peer_resets)
	# Nothing sent, the MD5 of nothing back: instance 1 listens.
	wait_for 30 sh -c 'nc 192.0.2.2 5302 < /dev/null 2>/dev/null |
		grep -q ^d41d8cd98f00b204e9800998ecf8427e' ||
		fail "instance 1 does not listen on port 5302"

	nc 192.0.2.2 5302 < "$TMP_DIR/pattern" > "$TMP_DIR/up.md5" 2>/dev/null &
	up_pid=$!
	nc 192.0.2.2 5304 < /dev/null > "$TMP_DIR/down" 2>/dev/null &
	down_pid=$!
	nc 192.0.2.2 5303 < /dev/null > "$TMP_DIR/reshape.out" 2>&1 &
	reshape_pid=$!
	watchdog &
	dog=$!
	rounds=0
	while { kill -0 $up_pid || kill -0 $down_pid; } 2>/dev/null &&
	      [ $rounds -lt 20 ]; do
		reshape_to $q2 $tx2
		sleep 0.3
		reshape_to $queues $tx
		sleep 0.3
		rounds=$((rounds + 1))
	done
	wait $up_pid $down_pid $reshape_pid
	kill $dog 2>/dev/null
	wait $dog 2>/dev/null
	cat "$TMP_DIR/reshape.out"
	[ "$(cut -c1-32 "$TMP_DIR/up.md5")" = "$(md5sum < "$TMP_DIR/pattern" | cut -c1-32)" ] ||
		fail "CPUs $cpus: instance 1 received other bytes than we sent"
	size=$(($(wc -c < "$TMP_DIR/down") - 33))
	[ "$(tail -c +34 "$TMP_DIR/down" | md5sum | cut -c1-32)" = "$(head -c 32 "$TMP_DIR/down")" ] ||
		fail "CPUs $cpus: $size bytes of 16 MiB from instance 1, not what it sent"
	[ "$(grep -c 'instance 1: combined' "$TMP_DIR/reshape.out")" = 6 ] ||
		fail "instance 1 on CPUs $cpus did not reshape its end six times"
	wait_for 30 carrier 1 || fail "no carrier after the reshapes"
	[ "$(bad)" = "$bad0" ] ||
		fail "CPUs $cpus: bad_peer_cons, drop_bad_index, drop_bad_desc," \
			"drop_bad_addr $bad0 -> $(bad) with no hostile peer"
	echo "CPUs $cpus: 16 MiB each way through $((rounds * 2)) reshapes of ours" \
		"and 6 of instance 1's, every byte right; we took back frames" \
		"$(($(qsum reclaims) - reclaims0)) times, took up instance 1's" \
		"new epochs $(($(qsum peer_resets) - resets0)) times"
	echo stop > $d/control
	wait_for 20 carrier 0 || fail "carrier stayed up with instance 1 stopped"
	online_cpus $cpus
done
steps_done
