#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A live second kernel turns hostile: instance 1 writes garbage into its
# entry of the instance table, the region header, the heads and slots of
# the rings it produces into, and floods us with messages nobody handles,
# restoring after each.  We must count what we drop, never splat (the
# harness judges the console), stay responsive, and talk to it over mknet
# again once it behaves.
. "$(dirname "$0")/lib.sh"

grew() { [ "$(cat $d/$1)" -gt "$2" ]; }

load_instance mkhostile
corrupt=$(cat $d/corrupt)
dropped=$(cat $d/dropped)
unknown=$(cat $d/unknown_type)
echo start > $d/control || fail "start refused"
wait_for 300 state_is running || fail "instance 1 not running"

wait_for 120 state_is invalid || fail "a garbage instance entry did not read as invalid"
echo "garbage entry of instance 1: state reads invalid"
wait_for 60 grew corrupt "$corrupt" || fail "impossible ring head not counted"
echo "impossible ring head: corrupt $corrupt -> $(cat $d/corrupt)"
wait_for 60 grew dropped "$dropped" || fail "random slots not counted"
echo "random slots: dropped $dropped -> $(cat $d/dropped)"
wait_for 120 grew unknown_type "$unknown" || fail "flood of unknown messages not counted"
sleep 8
echo "flood: unknown_type $unknown -> $(cat $d/unknown_type)," \
	"MKI $(awk '/MKI/ { print $2 }' /proc/interrupts)"

# It behaves again: the link to it must work without a manual step.
wait_for 60 state_is running || fail "instance 1 not running after restore"
$IP addr add 192.0.2.1/24 dev mknet0 2>/dev/null
$IP link set mknet0 up
wait_for 60 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "no ping to instance 1 after it behaved"
echo "instance 1 behaves again: ping answered"

# Its mknet end then names memory that is not its own in six frames: we
# drop each unread, take its longest frame, and answer pings after.
bad_addr() { $ETHTOOL -S mknet0 | awk '$1 == "rx0_drop_bad_addr:" { print $2 }'; }
addr_counted() { [ "$(bad_addr)" -ge 6 ]; }
wait_for 60 addr_counted || fail "frames naming memory outside instance 1: $(bad_addr) of 6 counted"
echo "frames naming memory outside instance 1: rx0_drop_bad_addr $(bad_addr)"
sleep 6
wait_for 30 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "no ping after instance 1's mknet scribbles"
echo "ping answered after instance 1's mknet scribbles"
echo stop > $d/control || fail "stop refused"
echo 1 > $cpu1 || fail "CPU 1 did not come back"
