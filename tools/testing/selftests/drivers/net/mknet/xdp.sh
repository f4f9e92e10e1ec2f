#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Native XDP on mknet: drop drops and aborted is counted, pass passes (a
# program without frags is refused while the MTU needs them, and the
# other end stops GSO for it), tx reflects, redirect carries a ping from
# a veth through mknet to the far end and back (ndo_xdp_xmit both ways)
# and TCP whose checksums mknet finishes, a CPU map hands frames to
# another CPU, a hostile peer's bad frames never reach the program, and
# programs come and go under TCP traffic.
. "$(dirname "$0")/lib.sh"
BPFTOOL=${BPFTOOL:-bpftool}
OBJ=$(dirname "$0")/xdp_mknet.bpf.o
C4=192.0.2.3

command -v "$BPFTOOL" >/dev/null && [ -f "$OBJ" ] || { echo "no bpftool or $OBJ"; exit 4; }
# bpftool pins maps in directories it makes; not in one of $TMP_DIR.
BPFFS=$(mktemp -u /run/mkbpf-XXXXXX)

# What cleanup undoes before the pair: the veth's namespace and bpffs.
test_cleanup() {
	cleanup_ns "$NSC"
	umount "$BPFFS" 2>/dev/null
	rmdir "$BPFFS" 2>/dev/null
}

setup_pair
steps 9
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" || fail "mount bpffs"

# Load every program of the object into $BPFFS/$1, with maps of its own.
load() {
	mkdir -p "$BPFFS/$1"
	$BPFTOOL prog loadall "$OBJ" "$BPFFS/$1" pinmaps "$BPFFS/$1/maps" ||
		fail "bpftool prog loadall $1"
}
# attach SIDE SET PROGRAM: native XDP on mk<side>0, replacing any.
attach() {
	in$1 $IP -force link set dev mk${1}0 xdpdrv pinned "$BPFFS/$2/$3"
}
detach() {
	in$1 $IP link set dev mk${1}0 xdpdrv off || fail "detach on mk${1}0"
}
# The four little-endian bytes of a number, as bpftool takes values.
le32() {
	printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}
pings() {	# side, address, count: succeeds if every ping was answered
	in$1 ping -q -c "$3" -W 2 "$2" >/dev/null 2>&1
}
tso() {
	in$1 $ETHTOOL -k mk${1}0 | awk '/^tcp-segmentation-offload:/ { print $2 }'
}
tso_is() { [ "$(tso "$1")" = "$2" ]; }

load set1
load set2
pings a $B4 3 || fail "no ping before any program"

step drop
# Drop: nothing gets through, every frame counted.
attach b set1 xdp_drop || fail "attach xdp_drop"
inb $IP -d link show mkb0 | grep -q "prog/xdp id" ||
	fail "ip -d link does not show the program"
d0=$(qstat b xdp_drops)
pings a $B4 3 && fail "ping passed an XDP_DROP program"
d1=$(qstat b xdp_drops)
[ $((d1 - d0)) -ge 3 ] || fail "xdp_drops moved by $((d1 - d0)), want >= 3"
echo "drop: $((d1 - d0)) frames dropped, $(qstat b xdp_packets) seen"

step aborted
# Aborted: dropped too, counted as a drop.
attach b set1 xdp_aborted || fail "attach xdp_aborted"
d0=$(qstat b xdp_drops)
pings a $B4 2 && fail "ping passed an XDP_ABORTED program"
d1=$(qstat b xdp_drops)
[ $((d1 - d0)) -ge 2 ] || fail "aborted frames counted $((d1 - d0))"
detach b
pings a $B4 3 || fail "no ping after detach"
echo "aborted: $((d1 - d0)) counted"

step pass
# A program without frags: refused while the MTU needs them, with the
# reason; once attached, a's segmentation stops for it and TCP still
# flows; an MTU that needs frags is refused while it is there.
inb $IP link set mkb0 mtu 9000 || fail "mtu 9000"
err=$(attach b set1 xdp_pass 2>&1) && fail "xdp_pass attached at MTU 9000"
echo "$err" | grep -q "frags" || fail "refusal does not say why: $err"
inb $IP link set mkb0 mtu 1500
tso_is a on || fail "a's TSO is off before any program: $(tso a)"
attach b set1 xdp_pass || fail "attach xdp_pass at MTU 1500"
slowwait 5 tso_is a off || fail "a kept TSO for b's single-buffer program"
inb $IP link set mkb0 mtu 9000 2>/dev/null &&
	fail "MTU 9000 accepted under a single-buffer program"
inb $IPERF -s -D -B $B4 >/dev/null
sleep 1
p0=$(qstat b xdp_packets)
ina $IPERF -c $B4 -t 3 >/dev/null || fail "TCP under xdp_pass"
p1=$(qstat b xdp_packets)
[ $((p1 - p0)) -gt 100 ] || fail "xdp_pass saw $((p1 - p0)) frames of TCP"
big=$(qstat b drop_xdp_too_big)
detach b
slowwait 5 tso_is a on || fail "a's TSO did not come back after detach"
echo "pass: $((p1 - p0)) frames of TCP, $big too big while GSO stopped"

step pass_frags
# A frags-aware program: jumbo frames and GSO stay.
ina $IP link set mka0 mtu 9000
inb $IP link set mkb0 mtu 9000
attach b set1 xdp_pass_frags || fail "attach xdp_pass_frags at MTU 9000"
sleep 1
tso_is a on || fail "a's TSO went off for a frags-aware program"
ina ping -q -c 3 -s 8000 -W 2 $B4 >/dev/null 2>&1 ||
	fail "8000-byte ping under xdp_pass_frags"
p0=$(qstat b xdp_packets)
ina $IPERF -c $B4 -t 3 >/dev/null || fail "TCP under xdp_pass_frags"
p1=$(qstat b xdp_packets)
[ $((p1 - p0)) -gt 10 ] || fail "xdp_pass_frags saw $((p1 - p0)) frames"
detach b
ina $IP link set mka0 mtu 1500
inb $IP link set mkb0 mtu 1500
echo "pass frags: 8000-byte pings and TCP with TSO on, $((p1 - p0)) frames"

step tx
# TX: b sends a's frames back to a, addressed to a.
attach b set1 xdp_tx || fail "attach xdp_tx"
t0=$(qstat b xdp_tx)
r0=$(sysstat a rx_packets)
pings a $B4 3
t1=$(qstat b xdp_tx)
r1=$(sysstat a rx_packets)
[ $((t1 - t0)) -ge 3 ] || fail "xdp_tx moved by $((t1 - t0))"
[ $((r1 - r0)) -ge 3 ] || fail "a received $((r1 - r0)) of the frames b reflected"
detach b
echo "tx: $((t1 - t0)) reflected, a received $((r1 - r0))"

step redirect
# Redirect, both ways: c's veth vc0 <-> vb0 in b's namespace, XDP on vb0
# sends to mkb0 and XDP on mkb0 sends to vb0, so c and a share a link.
setup_ns NSC || fail "netns for the veth"
inb $IP link add vb0 type veth peer name vc0 netns "$NSC" || fail "veth"
$IP netns exec "$NSC" $IP addr add $C4/24 dev vc0
$IP netns exec "$NSC" $IP link set vc0 up
# veth takes redirected frames only with NAPI on: GRO asks for it.
$IP netns exec "$NSC" $ETHTOOL -K vc0 gro on >/dev/null
inb $IP link set vb0 up
# Each map names the device in its own namespace: b's.
vb0=$(inb cat /sys/class/net/vb0/ifindex)
mkb0=$(inb cat /sys/class/net/mkb0/ifindex)
inb $BPFTOOL map update pinned "$BPFFS/set1/maps/tx_port" key 0 0 0 0 \
	value $(le32 "$vb0") || fail "map update to vb0"
inb $BPFTOOL map update pinned "$BPFFS/set2/maps/tx_port" key 0 0 0 0 \
	value $(le32 "$mkb0") || fail "map update to mkb0"
attach b set1 xdp_redirect || fail "attach redirect on mkb0"
inb $IP link set dev vb0 xdpdrv pinned "$BPFFS/set2/xdp_redirect" ||
	fail "attach redirect on vb0"
x0=$(qstat b xdp_xmit)
r0=$(qstat b xdp_redirect)
$IP netns exec "$NSC" ping -q -c 5 -W 2 $A4 >/dev/null 2>&1 ||
	fail "c could not ping a through XDP_REDIRECT"
pings a $C4 3 || fail "a could not ping c through XDP_REDIRECT"
x1=$(qstat b xdp_xmit)
r1=$(qstat b xdp_redirect)
[ $((x1 - x0)) -ge 8 ] || fail "mkb0 sent $((x1 - x0)) redirected frames"
[ $((r1 - r0)) -ge 8 ] || fail "mkb0 redirected $((r1 - r0)) frames"
[ "$(qstat b xdp_xmit_errors)" = 0 ] ||
	fail "xdp_xmit_errors $(qstat b xdp_xmit_errors)"
# TCP from a leaves with partial checksums (GSO stopped by the program);
# mkb0 must finish each before the redirect, or c's stack, which gets
# the frames without offload from vc0, drops them all.  c checksums its
# own frames: what vb0's program redirects to mkb0 is veth's to finish.
$IP netns exec "$NSC" $ETHTOOL -K vc0 tx off >/dev/null
$IP netns exec "$NSC" $IPERF -s -D -1 -B $C4 >/dev/null
sleep 1
ina timeout 30 $IPERF -c $C4 -t 2 >"$TMP_DIR/iperf" 2>&1 ||
	{ cat "$TMP_DIR/iperf"; fail "TCP from a to c through XDP_REDIRECT"; }
inb $IP link set dev vb0 xdpdrv off
detach b
echo "redirect: veth->mknet $((x1 - x0)) frames, mknet->veth $((r1 - r0)), TCP a->c"

step cpumap
# CPU map: b's frames built into skbs on CPU 0 by the map's kthread.
inb $BPFTOOL map update pinned "$BPFFS/set1/maps/cpu_map" key 0 0 0 0 \
	value 64 0 0 0 0 0 0 0 || fail "cpumap update"
attach b set1 xdp_redirect_cpu || fail "attach xdp_redirect_cpu"
r0=$(qstat b xdp_redirect)
pings a $B4 3 || fail "ping through a CPU map"
r1=$(qstat b xdp_redirect)
[ $((r1 - r0)) -ge 3 ] || fail "CPU map redirected $((r1 - r0))"
detach b
echo "cpumap: $((r1 - r0)) frames"

step hostile
# A hostile a: b's program sees only frames the checks accepted.  Bad
# addresses are counted, never run; the longest frame arrives in 17
# page_pool fragments and is passed whole (KASAN watches the ends).
sc=$(scribble_file a)
if [ -w "$sc" ]; then
	attach b set1 xdp_pass_frags || fail "attach before the hostile writes"
	a0=$(stat b rx0_drop_bad_addr)
	echo addr > "$sc" || fail "scribble addr"
	slowwait 10 until_counter_is ">= $((a0 + 6))" stat b rx0_drop_bad_addr \
		>/dev/null || fail "bad addresses under XDP: $(stat b rx0_drop_bad_addr)"
	p0=$(qstat b xdp_packets)
	r0=$(sysstat b rx_packets)
	echo longest > "$sc" || fail "scribble longest"
	slowwait 10 until_counter_is "> $r0" sysstat b rx_packets >/dev/null ||
		fail "the longest frame did not pass the program"
	[ "$(qstat b xdp_packets)" -gt "$p0" ] || fail "XDP did not see the longest frame"
	echo restore > "$sc"
	wait_carrier b 1 100 || fail "carrier after the hostile writes"
	detach b
	pings a $B4 3 || fail "no ping after the hostile writes"
	echo "hostile: $(($(stat b rx0_drop_bad_addr) - a0)) bad addresses counted, longest frame passed"
else
	step_skip hostile "(no fault injection)"
fi

step churn
# Programs come and go under TCP: nothing breaks, the stream finishes.
ina $IPERF -c $B4 -t 8 >"$TMP_DIR/iperf" 2>&1 &
client=$!
i=0
while [ $i -lt 10 ]; do
	attach b set1 xdp_pass_frags || fail "attach under traffic"
	sleep 0.2
	attach b set1 xdp_drop || fail "swap under traffic"
	sleep 0.1
	detach b
	sleep 0.3
	i=$((i + 1))
done
wait $client || { cat "$TMP_DIR/iperf"; fail "TCP under attach/detach"; }
pings a $B4 3 || fail "no ping after the churn"
echo "churn: 10 attach/swap/detach rounds under TCP"

steps_done
cleanup
echo "PASS"
