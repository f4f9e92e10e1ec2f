#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared setup of the mknet selftests: a pair of mknet devices in this
# kernel, one end in a namespace of its own (mka0), the other in another
# (mkb0), with documentation-range addresses.  The namespaces are named
# for this run, so that nothing else's is touched.
# ip, ethtool and iperf3 from $PATH, unless $IP, $ETHTOOL or $IPERF name
# others.
IP=${IP:-ip}
ETHTOOL=${ETHTOOL:-ethtool}
IPERF=${IPERF:-iperf3}
A4=192.0.2.1
B4=192.0.2.2
A6=2001:db8::1
B6=2001:db8::2

# A pair's areas are in the shared region: a kernel booted without
# mk_shared_memory= has no region and no pairs, which is no failure of
# ours.  multikernel/region.sh fails when the parameter was given.
case $(cat /sys/kernel/multikernel/region 2>/dev/null) in
""|off)
	echo "SKIP: no multikernel shared region (mk_shared_memory=)"
	exit 4 ;;
esac

# The test's own files, removed however it ends.
TMP_DIR=$(mktemp -d) || { echo "FAIL: mktemp"; exit 1; }
trap 'rm -rf "$TMP_DIR"' EXIT
trap 'exit 1' HUP INT TERM

# net/lib.sh's namespaces and waits, and per-step KTAP results
# (multikernel/ktap_steps.sh).  $KSFT_DIR: where the selftests are
# installed, for a script that sources us from outside our collection.
KSFT_DIR=${KSFT_DIR:-$(dirname "$0")/../../..}
. "$KSFT_DIR/net/lib.sh"
. "$KSFT_DIR/kselftest/ktap_helpers.sh"
. "$KSFT_DIR/multikernel/ktap_steps.sh"

fail() {
	echo "FAIL: $*"
	step_failed
	cleanup
	exit 1
}
ina() { $IP netns exec "$NSA" "$@"; }
inb() { $IP netns exec "$NSB" "$@"; }

# Stop what runs in our namespaces (iperf3 servers and clients), then
# delete them; what other tests or users run is left alone.  A test with
# more to undo defines test_cleanup, which goes first.
cleanup() {
	[ "$(type -t test_cleanup)" != function ] || test_cleanup
	cleanup_ns "$NSA" "$NSB"
	sleep 0.5
}

# Pings from a to b in the background while a test changes the link
# under them: ping_under COUNT starts them, ping_under_done WHAT waits
# and fails the test unless at least half were answered (a change may
# lose the frames in flight, never the link).
ping_under() {
	_ping_count=$1
	_ping_out=$TMP_DIR/ping_under
	ina ping -q -i 0.05 -c "$_ping_count" $B4 >"$_ping_out" 2>&1 &
	_ping_pid=$!
}

ping_under_done() {
	local got rc
	wait $_ping_pid
	rc=$?
	got=$(sed -n 's/.* transmitted, \([0-9]*\) .*/\1/p' "$_ping_out")
	# busybox's ping exits 0 once any reply came: anything else is no
	# reply at all, or ping or ip netns exec failing to run.
	[ $rc -eq 0 ] ||
		fail "$1: background ping exited $rc: $(tail -n 1 "$_ping_out")"
	[ "${got:-0}" -ge $((_ping_count / 2)) ] ||
		fail "$1: ${got:-0} of $_ping_count pings answered"
	echo "$1: $got of $_ping_count pings answered"
}

carrier_is() {	# side, 0 or 1
	[ "$(in$1 cat /sys/class/net/mk${1}0/carrier 2>/dev/null)" = "$2" ]
}

# Wait up to $3 tenths of a second (5 s by default) for carrier $2 on
# side $1 (a or b).
wait_carrier() {
	loopy_wait "sleep 0.1" $((${3:-50} * 100)) carrier_is "$1" "$2"
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
	setup_ns NSA NSB || fail "ip netns add"
	$IP link set mka0 netns "$NSA"
	$IP link set "$peer" netns "$NSB"
	inb $IP link set "$peer" name mkb0
	ina $IP addr add $A4/24 dev mka0
	inb $IP addr add $B4/24 dev mkb0
	ina $IP addr add $A6/64 dev mka0 nodad
	inb $IP addr add $B6/64 dev mkb0 nodad
	ina $IP link set mka0 up
	inb $IP link set mkb0 up
	wait_carrier a 1 && wait_carrier b 1 || fail "carrier did not come up"
}

# The fault injection file of side $1's end, or skip the test.
scribble_file() {
	local id
	id=$(in$1 $ETHTOOL -i mk${1}0 |
	     sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
	echo /sys/kernel/debug/mknet/link$id/scribble
}

need_scribble() {
	[ -w "$1" ] || { echo "no fault injection ($1)"; cleanup; exit 4; }
}

# A pair's ends ring each other through the multikernel doorbell, an IPI
# to a CPU of this kernel, as a link rings another kernel: $1 = 1 (the
# default here, and the driver's).  With $1 = 0 they schedule each
# other's NAPI on the ringing CPU instead, as veth's ends do.
pair_ipi_doorbells() {
	local s f
	for s in a b; do
		f=$(dirname "$(scribble_file $s)")/ipi_doorbells
		[ -w "$f" ] || fail "no $f"
		echo "${1:-1}" > "$f" || fail "writing $f"
	done
}

# Doorbells this kernel rang on its own ring, IPIs and coalesced rings.
own_bells() {
	local d
	d=/sys/kernel/multikernel/instances/$(cat /sys/kernel/multikernel/instance)
	echo $(( $(cat "$d/bells_rung") + $(cat "$d/bells_pending") ))
}

# a with one queue pair of the smallest ring, b's address pinned: with b
# stalled, ARP would fail and hold a's frames back.
small_ring_a() {
	local mac
	ina $ETHTOOL -L mka0 combined 1 || fail "ethtool -L combined 1"
	ina $ETHTOOL -G mka0 tx 64 || fail "ethtool -G tx 64"
	wait_carrier a 1 && wait_carrier b 1 || fail "carrier after -L/-G"
	mac=$(inb cat /sys/class/net/mkb0/address)
	ina $IP neigh replace $B4 lladdr $mac dev mka0 nud permanent ||
		fail "static neighbour"
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
