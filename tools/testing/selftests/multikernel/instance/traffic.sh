#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mknet between two kernels: start instance 1 on CPU 1, wait for the
# mknet0 both kernels create for each other, then ping both address
# families, move 10 s of TCP each way with iperf3 and check the bytes in
# ethtool -S, then UDP.  Jumbo frames cross after an MTU change while up;
# ring and queue changes of our side are taken up by the instance.
# Stopping the instance in the middle of bulk TCP must take our carrier
# down; a restarted instance must get it back without a manual step, and
# carry bulk TCP again, with ethtool -C moderation on both ends.  Our RAM
# is mapped in the instance only while its mknet0 is there.  All of
# it with this kernel's pair link ids used up first: pairs must leave an
# id, and the pool, for the link to instance 1.
. "$(dirname "$0")/lib.sh"

carrier() { [ "$(cat /sys/class/net/mknet0/carrier 2>/dev/null)" = "$1" ]; }
stat() { $ETHTOOL -S mknet0 | awk -v k="$1:" '$1 == k { print $2 }'; }
# A per-queue counter summed over the queues: $1 without the txN_/rxN_.
qsum() {
	$ETHTOOL -S mknet0 | awk -v k="$1" '{ sub(":$", "", $1) }
		$1 ~ "^(rx|tx)[0-9]+_" k "$" { s += $2 } END { print s + 0 }'
}
sysstat() { cat /sys/class/net/mknet0/statistics/$1; }

start() {
	echo start > $d/control || fail "start refused"
	wait_for 300 state_is running || fail "instance 1 not running (state $(cat $d/state))"
}

steps 12

step pair_ids
# Pairs until link ids run out (pairs leave one for each possible link
# to another instance); their rings are private memory, so they take
# nothing from the pool.  Each pair's second end (the first's iflink) is
# renamed, so that mknet0 stays free for the link to instance 1, which
# an earlier test may have made already.
pairs=0
while [ $pairs -lt 40 ] && $IP link add mkfa$pairs type mknet 2>/dev/null; do
	peer=$(cat /sys/class/net/mkfa$pairs/iflink)
	for n in /sys/class/net/*; do
		[ "$(cat $n/ifindex)" = "$peer" ] && peer=${n##*/} && break
	done
	$IP link set "$peer" name mkfb$pairs || fail "renaming a pair's end"
	pairs=$((pairs + 1))
done
[ $pairs -gt 0 ] && [ $pairs -lt 40 ] || fail "$pairs pairs: link ids never ran out"
n=$(grep -l '^ours private' /sys/kernel/debug/mknet/link*/area | wc -l)
[ $n -eq $((2 * pairs)) ] || fail "$n private areas for $pairs pairs"
echo "$pairs pairs took every pair link id, all in private memory"
del_pairs() {
	while [ $pairs -gt 0 ]; do
		pairs=$((pairs - 1))
		$IP link del mkfa$pairs
	done
}

step link_up
load_instance
start

wait_for 30 test -e /sys/class/net/mknet0 || fail "no mknet0 for instance 1"
$IP addr replace 192.0.2.1/24 dev mknet0
$IP addr replace 2001:db8::1/64 dev mknet0 nodad
$IP link set mknet0 up
wait_for 120 carrier 1 || fail "no carrier on mknet0"
link=$($ETHTOOL -i mknet0 | sed -n 's/^bus-info: mk[0-9]*:\([0-9]*\)-.*/\1/p')
grep -q '^ours region' /sys/kernel/debug/mknet/link$link/area ||
	fail "our area of a link to another kernel is not in the region: $(cat /sys/kernel/debug/mknet/link$link/area)"
echo "mknet0 carrier up: $($ETHTOOL -i mknet0 | grep bus-info)," \
     "TX ring $($ETHTOOL -g mknet0 | awk '/^Current/ { c = 1 } c && /^TX:/ { print $2 }')"
step ping
wait_for 60 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "instance 1 does not answer ping"
ping -c 5 -i 0.2 192.0.2.2 | tail -1
ping -c 3 2001:db8::2 >/dev/null || fail "no IPv6 ping to instance 1"
echo "ping both families: ok"

step readable_memory
# What instance 1 may read of our memory is our own list: on its command
# line as we handed it over, as its core took it, with no complaint of
# its core at boot; none of it mapped there before its mknet loaded, and
# every range once its link to us reads frames.  Its init serves these
# on port 5301.
report() { nc -w 5 192.0.2.2 5301 </dev/null >"$TMP_DIR/host-memory" 2>/dev/null && [ -s "$TMP_DIR/host-memory" ]; }
wait_for 30 report || fail "instance 1 does not say what it may read of us"
sed 's/^/instance 1: /' "$TMP_DIR/host-memory"
! grep -q "^logged" "$TMP_DIR/host-memory" || fail "instance 1 complained at boot"
[ "$(sed -n 's/^cmdline //p' "$TMP_DIR/host-memory")" = "$(readable 0)" ] ||
	fail "instance 1 was not handed our readable memory, $(readable 0)"
[ "$(sed -n 's/^readable //p' "$TMP_DIR/host-memory")" = "$(readable 0)" ] ||
	fail "instance 1 may read other than what it was handed"
ranges=$(readable 0 | awk -F, '{ print NF }')
[ "$(sed -n 's/^mapped-before-mknet //p' "$TMP_DIR/host-memory")" = 0 ] ||
	fail "instance 1 mapped our RAM before a link needed it"
[ "$(sed -n 's/^mapped //p' "$TMP_DIR/host-memory")" = "$ranges" ] ||
	fail "instance 1 has $(sed -n 's/^mapped //p' "$TMP_DIR/host-memory") of our $ranges RAM ranges mapped with mknet0 up"
echo "instance 1 may read our RAM as we listed it: $(readable 0);" \
	"mapped there only since its mknet0 attached"
# Read-only: a write through its mappings faults there (the byte written
# back is the byte read, so a wrong answer costs us nothing).
[ "$(sed -n 's/^write-foreign //p' "$TMP_DIR/host-memory")" = "Bad address" ] ||
	fail "a write through instance 1's mapping of our RAM: '$(sed -n 's/^write-foreign //p' "$TMP_DIR/host-memory")', not EFAULT"
echo "instance 1's mapping of our RAM is read-only: a write faults"

step tcp
tx0=$(sysstat tx_bytes)
db0=$(qsum doorbells)
$IPERF -c 192.0.2.2 -t 10 -f m > "$TMP_DIR/iperf.out" 2>&1 || {
	cat "$TMP_DIR/iperf.out"
	fail "iperf3 to instance 1"
}
grep -E "sender|receiver" "$TMP_DIR/iperf.out"
rate=$(awk '/receiver/ { print $(NF-2) }' "$TMP_DIR/iperf.out")
[ "${rate%.*}" -gt 0 ] 2>/dev/null || fail "no throughput ($rate Mbit/s)"
moved=$(($(sysstat tx_bytes) - tx0))
got=$(awk '/receiver/ { print $5 }' "$TMP_DIR/iperf.out")
echo "host -> instance 1: $rate Mbit/s; iperf3 received $got MiB," \
	"tx_bytes grew by $((moved >> 20)) MiB"
# Everything the far end received went through mknet0, headers on top;
# iperf3 rounds to a MiB.
[ $(((moved >> 20) + 1)) -ge "${got%.*}" ] || fail "tx_bytes counted less than iperf3 received"
echo "doorbells for it: $(($(qsum doorbells) - db0))"
$IPERF -c 192.0.2.2 -t 5 -R -f m > "$TMP_DIR/iperf.out" 2>&1 || {
	cat "$TMP_DIR/iperf.out"
	fail "iperf3 from instance 1"
}
echo "instance 1 -> host: $(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf.out")"

step udp
# The instance's one iperf3 server takes a client at a time: the last
# run may still be closing.
udp() { $IPERF -c 192.0.2.2 -u -b 20M -t 3 > "$TMP_DIR/iperf.out" 2>&1; }
tx0=$(sysstat tx_bytes)
wait_for 20 udp || {
	cat "$TMP_DIR/iperf.out"
	fail "iperf3 UDP to instance 1"
}
grep -E "sender|receiver" "$TMP_DIR/iperf.out"
# Bytes of UDP payload iperf3 sent, against what left through mknet0.
sent=$(awk '/sender/ { v = $5; u = $6;
	m = (u == "MBytes") ? 1048576 : (u == "KBytes") ? 1024 : 1;
	print int(v * m) }' "$TMP_DIR/iperf.out")
moved=$(($(sysstat tx_bytes) - tx0))
echo "UDP: iperf3 sent $sent bytes, tx_bytes grew by $moved"
[ "${sent:-0}" -gt 0 ] || fail "iperf3 UDP sent nothing"
[ "$moved" -ge $((sent - sent / 50)) ] || fail "tx_bytes $moved < iperf3 UDP bytes $sent"

step mtu
# The instance keeps MTU 1500: its answers come back as fragments.
$IP link set mknet0 mtu 9000 || fail "mtu 9000 while up"
ping -c 3 -s 8000 -W 2 192.0.2.2 >/dev/null || fail "no 8000-byte ping at mtu 9000"
$IP link set mknet0 mtu 1500
echo "8000-byte ping at mtu 9000: ok"
step reshape
channels() { $ETHTOOL -l mknet0 | awk '/^Current/ { c = 1 } c && /^Combined:/ { print $2 }'; }
ring() { $ETHTOOL -g mknet0 | awk -v k="$1:" '/^Current/ { c = 1 } c && $1 == k { print $2 }'; }
# Our TX rings are ours to reshape: a fresh area, a HELLO, and instance
# 1 moves to it.  Its TX rings, our RX rings, are its own: refused.
queues=$(channels) tx=$(ring TX) rx=$(ring RX)
refused "rx $((rx * 2)), instance 1's TX ring size" $ETHTOOL -G mknet0 rx $((rx * 2))
[ "$(ring RX)" = "$rx" ] || fail "a refused -G rx left RX $(ring RX), not $rx"
bad0="$(qsum bad_peer_cons) $(qsum drop_bad_index)" hello0=$(stat drop_bad_hello)
reshaped() {	# queue pairs, TX ring size
	[ "$(channels)" = "$1" ] || fail "-L combined $1 left $(channels) queue pairs"
	[ "$(ring TX)" = "$2" ] || fail "-G tx $2 left TX $(ring TX)"
	wait_for 30 carrier 1 || fail "no carrier after -L $1 -G tx $2"
	wait_for 30 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "no ping after -L $1 -G tx $2"
}
q2=$((queues == 1 ? 2 : 1)) tx2=$((tx == 512 ? 256 : 512))
$ETHTOOL -L mknet0 combined $q2 || fail "-L combined $q2 refused on a link to another kernel"
$ETHTOOL -G mknet0 tx $tx2 || fail "-G tx $tx2 refused on a link to another kernel"
reshaped $q2 $tx2
$IPERF -c 192.0.2.2 -t 3 -f m > "$TMP_DIR/iperf.out" 2>&1 || {
	cat "$TMP_DIR/iperf.out"
	fail "iperf3 after -L $q2 -G tx $tx2"
}
echo "-L combined $q2, -G tx $tx2 on mknet0: instance 1 took up the new rings;" \
	"iperf3 $(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf.out")"
$ETHTOOL -L mknet0 combined $queues && $ETHTOOL -G mknet0 tx $tx ||
	fail "back to $queues queue pairs of $tx"
reshaped $queues $tx
bad="$(qsum bad_peer_cons) $(qsum drop_bad_index)"
[ "$bad" = "$bad0" ] || fail "bad_peer_cons, drop_bad_index $bad0 -> $bad across the reshapes"
[ "$(stat drop_bad_hello)" = "$hello0" ] || fail "drop_bad_hello $hello0 -> $(stat drop_bad_hello) across the reshapes"
echo "back to $queues queue pairs of $tx descriptors; no bad index, no bad HELLO"

step xdp
# XDP between kernels: a veth in a namespace of ours reaches instance 1
# through mknet0 by XDP_REDIRECT both ways (veth -> mknet0 by
# ndo_xdp_xmit, mknet0 -> veth from mknet0's receive path).
xdp_obj=$(dirname "$0")/../../drivers/net/mknet/xdp_mknet.bpf.o
bpffs=/run/mkbpf-traffic
nsx=mkx-traffic
xdp_off() {
	$IP link set dev mknet0 xdpdrv off 2>/dev/null
	$IP link del vh0 2>/dev/null
	$IP netns del $nsx 2>/dev/null
	umount $bpffs 2>/dev/null
}
mkdir -p $bpffs && mount -t bpf bpf $bpffs || fail "mount bpffs"
for set in to_veth to_mknet; do
	mkdir -p $bpffs/$set
	$BPFTOOL prog loadall "$xdp_obj" $bpffs/$set pinmaps $bpffs/$set/maps ||
		fail "bpftool prog loadall"
done
$IP netns add $nsx
$IP link add vh0 type veth peer name vx0 netns $nsx || fail "veth"
$IP netns exec $nsx $IP addr add 192.0.2.9/24 dev vx0
$IP netns exec $nsx $IP link set vx0 up
$IP netns exec $nsx $ETHTOOL -K vx0 gro on >/dev/null
$IP link set vh0 up
le32() {
	printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}
# le32 gives four bytes, four words.
# shellcheck disable=SC2046
$BPFTOOL map update pinned $bpffs/to_veth/maps/tx_port key 0 0 0 0 \
	value $(le32 "$(cat /sys/class/net/vh0/ifindex)") || fail "map to vh0"
# shellcheck disable=SC2046
$BPFTOOL map update pinned $bpffs/to_mknet/maps/tx_port key 0 0 0 0 \
	value $(le32 "$(cat /sys/class/net/mknet0/ifindex)") || fail "map to mknet0"
$IP link set dev mknet0 xdpdrv pinned $bpffs/to_veth/xdp_redirect ||
	fail "XDP on mknet0"
$IP link set dev vh0 xdpdrv pinned $bpffs/to_mknet/xdp_redirect ||
	fail "XDP on vh0"
xmit0=$(qsum xdp_xmit)
$IP netns exec $nsx ping -c 5 -W 2 192.0.2.2 >/dev/null || {
	xdp_off
	fail "no ping from a veth to instance 1 through XDP_REDIRECT"
}
echo "veth -> mknet0 -> instance 1 by XDP_REDIRECT: ping answered," \
	"$(($(qsum xdp_xmit) - xmit0)) frames by ndo_xdp_xmit," \
	"$(qsum xdp_redirect) redirected back"
xdp_off
ping -c 2 -W 2 192.0.2.2 >/dev/null || fail "no ping after XDP went"

step peer_stop
# The peer goes away in the middle of bulk TCP.
$IPERF -c 192.0.2.2 -t 30 > /dev/null 2>&1 &
sleep 3
# Our discovery is blind to the restart below, as it is for up to a
# second after any: the new incarnation's HELLO alone must tell us.
scribble=/sys/kernel/debug/mknet/link$link/scribble
echo discovery-late > $scribble || fail "discovery-late refused"
echo stop > $d/control || fail "stop refused"
wait_for 20 carrier 0 || fail "carrier stayed up with instance 1 stopped"
echo "instance 1 stopped under bulk TCP: carrier off"
# What it had of ours in flight is freed, and byte queue limits know.
inflight() { cat /sys/class/net/mknet0/queues/tx-*/byte_queue_limits/inflight | awk '{ s += $1 } END { print s + 0 }'; }
drained() { [ "$(inflight)" = 0 ]; }
wait_for 10 drained || fail "$(inflight) bytes still in flight to a stopped instance"
echo "frames in flight freed: $(qsum tx_freed_in_flight), BQL in flight 0"
killall iperf3 2>/dev/null
wait
step restart
# Back with fixed moderation on both ends (mkcoal: the instance's init
# runs ethtool -C): each end holds the doorbells the other asked to.
$ETHTOOL -C mknet0 adaptive-rx off adaptive-tx off rx-usecs 1000 rx-frames 32 \
	tx-usecs 1000 tx-frames 32 || fail "ethtool -C on a link to another kernel"
echo "$CMDLINE mkcoal console=mkcon" > $d/cmdline
bad0="$(qsum bad_peer_cons) $(qsum drop_bad_index)" resets0=$(qsum peer_resets)
start
wait_for 120 carrier 1 ||
	fail "carrier did not come back with instance 1 restarted (discovery late)"
wait_for 60 ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "no ping after the restart"
echo discovery-on-time > $scribble || fail "discovery-on-time refused"
# The new instance's indices start from nothing until it takes up our
# rings, and its area may lie where the last one's did: neither is a
# bad index, and its rings are not read before we attach to it.
bad="$(qsum bad_peer_cons) $(qsum drop_bad_index)"
[ "$bad" = "$bad0" ] ||
	fail "bad_peer_cons, drop_bad_index $bad0 -> $bad across a restart of instance 1"
echo "peer_resets $resets0 -> $(qsum peer_resets) across the restart"
held=$(qsum doorbells_deferred)
wait_for 30 $IPERF -c 192.0.2.2 -t 3 -f m > "$TMP_DIR/iperf.out" 2>&1 ||
	fail "no bulk TCP after the restart"
echo "instance 1 restarted: carrier on, ping answered," \
	"$(awk '/receiver/ { print $(NF-2), $(NF-1) }' "$TMP_DIR/iperf.out") after," \
	"moderated: we held $(( $(qsum doorbells_deferred) - held )) doorbells" \
	"as instance 1 asked"
[ "$(qsum doorbells_deferred)" -gt "$held" ] ||
	fail "instance 1's rx-usecs never held a doorbell of ours"
step unmap
# Once no link of instance 1 reads from us, none of our RAM is mapped
# there: unloading its mknet deletes its link to us, and that link's
# put was the last.  Asked on its console, with the network gone.
ask unmap "rmmod mknet_kunit 2>/dev/null; rmmod mknet; printf 'mapped=%s\\n' \$(/tmp/host-ram-mapped)" \
	> "$TMP_DIR/unmap"
[ "$(sed -n 's/^mapped=\([0-9]*\)$/\1/p' "$TMP_DIR/unmap")" = 0 ] || {
	sed 's/^/instance 1: /' "$TMP_DIR/unmap"
	fail "instance 1 still maps our RAM with its mknet unloaded"
}
echo "mknet unloaded in instance 1: none of our $ranges RAM ranges mapped there"
echo stop > $d/control
echo 1 > $cpu1 || fail "CPU 1 did not come back"
$ETHTOOL -S mknet0 | grep -E "packets|bytes|doorbell" | head -8
del_pairs
steps_done
